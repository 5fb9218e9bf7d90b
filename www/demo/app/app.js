/* Acme Projects single-page app: a History API router for /app, /app/projects,
   /app/projects/new and /app/reports. /app/team and /app/settings/billing are full pages. */
(() => {
  'use strict';
  const { user, account, esc } = demo;
  const main = document.getElementById('main');
  const routes = { '/app': dashboard, '/app/projects': projectList, '/app/projects/new': newProject, '/app/reports': reports };
  const clean = path => path.replace(/\/+$/, '') || '/';
  let current = 0; // bumps on every render so late async results for an old view are dropped

  function render(moveFocus) {
    const path = clean(location.pathname);
    if (path !== location.pathname) history.replaceState(history.state, '', path + location.search + location.hash);
    const view = ++current;
    demo.markNav(path);
    (routes[path] || notFound)(view);
    if (moveFocus) { window.scrollTo(0, 0); main.querySelector('h1')?.focus(); }
  }
  function navigate(path) { history.pushState(null, '', path); render(true); }
  // Simulated API call: 300-800 ms, ignored when the user has navigated on meanwhile.
  const load = (view, fn) => setTimeout(() => view === current && fn(allProjects()), 300 + Math.random() * 500);

  document.addEventListener('click', e => {
    const a = e.target.closest?.('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !routes[clean(url.pathname)] || (url.hash && url.pathname === location.pathname)) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render(true));

  const EXAMPLES = ['Brand refresh', 'Onboarding emails', 'Partner portal', 'Help center', 'Q3 roadmap', 'Data retention policy',
    'SSO rollout', 'Pricing experiment', 'Customer interviews', 'Release notes v4', 'Accessibility audit', 'Billing migration',
    'Trade show kit', 'Churn dashboard', 'API v2 docs', 'Mobile redesign', 'Hiring plan', 'SOC 2 evidence', 'Referral program',
    'Status page', 'Search relevance', 'Japanese localization', 'Security training', 'Design system', 'Holiday campaign',
    'Warehouse sync', 'Feedback widget', 'Annual report', 'Community forum', 'Performance budget', 'Office wifi upgrade', 'Support SLAs'];
  const STATUSES = ['On track', 'At risk', 'On track', 'Done', 'Off track', 'On track', 'Done'];
  function allProjects() {
    const team = demo.users.filter(u => u.account === user.account);
    const own = demo.projects().reverse().map(p => ({ ...p, updated: p.created_at.slice(0, 10), tasks: p.tasks || 0 }));
    return own.concat(EXAMPLES.map((name, i) => ({
      name, example: true, owner: team[i % team.length].name, status: STATUSES[i % STATUSES.length], updated: demo.ago(3 * i + 1), tasks: (7 * i) % 23 + 3,
    })));
  }
  const pill = s => `<span class="status s-${s.toLowerCase().replace(/ /g, '-')}">${s}</span>`;

  function dashboard() {
    document.title = 'Dashboard · Acme Projects';
    const invited = demo.get(demo.key('team'), []).length;
    const steps = [['Create your first project', '/app/projects/new', demo.projects().length > 0],
      ['Invite your teammates', '/app/team', invited > 0], ['Set up billing', '/app/settings/billing', !!demo.get(demo.key('billing'), null)]];
    const done = steps.filter(s => s[2]).length;
    main.innerHTML = `<section class="card welcome" aria-labelledby="welcome-title">
  <h1 id="welcome-title" tabindex="-1">Welcome back, ${esc(user.name.split(' ')[0])}</h1>
  <p>${account.name} · ${account.plan} plan · ${account.seats} seats. Here is where things stand today.</p>
  <div class="stats"><div><strong>${demo.projects().length}</strong><span>Your projects</span></div>
    <div><strong>${demo.users.filter(u => u.account === user.account).length + invited}</strong><span>Teammates</span></div>
    <div><strong>${done}/3</strong><span>Setup steps</span></div></div>
</section>
<div class="cols">
  <section class="card" aria-labelledby="checklist-title">
    <h2 id="checklist-title">Get set up</h2>
    <div class="progress" role="progressbar" aria-label="Setup progress" aria-valuemin="0" aria-valuemax="3" aria-valuenow="${done}"><span style="width:${done / 3 * 100}%"></span></div>
    <ol id="dashboard-checklist" class="checklist">${steps.map(([label, href, ok]) => `
      <li class="${ok ? 'done' : ''}" data-done="${ok}"><span class="check" aria-hidden="true">✓</span><a href="${href}">${label}</a><span class="sr-only">${ok ? '(done)' : '(to do)'}</span></li>`).join('')}
    </ol>
  </section>
  <section class="card" aria-labelledby="news-title">
    <h2 id="news-title">What's new</h2>
    <p>Reports show where every project stands, in one page.</p>
    <a href="/app/reports">Open reports</a>
  </section>
</div>`;
  }

  function projectList(view) {
    document.title = 'Projects · Acme Projects';
    main.innerHTML = `<div class="page-head"><div><h1 tabindex="-1">Projects</h1><p id="project-summary">Loading…</p></div><div class="actions" id="project-actions"></div></div>
<div id="project-body"><p class="loading" role="status">Loading projects…</p></div>`;
    load(view, list => {
      const own = list.filter(p => !p.example).length;
      main.querySelector('#project-summary').textContent = `${own} of yours, ${list.length - own} examples · ${account.name}`;
      main.querySelector('#project-actions').innerHTML = `<button type="button" id="btn-sync" class="btn-secondary">Sync</button>
<button type="button" id="btn-export-csv" class="btn-secondary">Export CSV</button><button type="button" id="btn-new-project">New project</button>`;
      main.querySelector('#project-body').innerHTML = `<div class="scroll-box" tabindex="0" role="region" aria-label="Project list">
<table id="project-list"><thead><tr><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Status</th><th scope="col" class="num">Open tasks</th><th scope="col">Updated</th></tr></thead>
<tbody>${list.map(p => `<tr><td>${esc(p.name)}${p.example ? '<span class="tag">Example</span>' : ''}</td><td>${esc(p.owner)}</td><td>${pill(p.status)}</td><td class="num">${p.tasks}</td><td>${p.updated}</td></tr>`).join('')}</tbody></table></div>`;
      main.querySelector('#btn-new-project').addEventListener('click', () => navigate('/app/projects/new'));
      main.querySelector('#btn-export-csv').addEventListener('click', () => exportCsv(list));
      // #btn-sync has no handler on purpose: a dead control for dead-click detection.
    });
  }

  function exportCsv(list) {
    const cell = v => `"${String(v).replace(/^[=+\-@]/, "'$&").replace(/"/g, '""')}"`;
    const rows = [['Name', 'Owner', 'Status', 'Open tasks', 'Updated'], ...list.map(p => [p.name, p.owner, p.status, p.tasks, p.updated])];
    const url = URL.createObjectURL(new Blob([rows.map(r => r.map(cell).join(',')).join('\r\n')], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `projects-${user.account}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function newProject() {
    document.title = 'New project · Acme Projects';
    main.innerHTML = `<div class="page-head"><div><a class="back" href="/app/projects">← Projects</a><h1 tabindex="-1">New project</h1></div></div>
<form class="card" id="project-form" aria-labelledby="form-title">
  <h2 id="form-title">Project details</h2>
  <div class="field"><label for="project-name">Project name</label>
    <input id="project-name" name="name" type="text" required minlength="3" maxlength="60" autocomplete="off" aria-describedby="project-name-hint project-name-error">
    <p class="hint" id="project-name-hint">3 to 60 characters, unique in your account.</p></div>
  <div class="field"><label for="project-template">Template</label>
    <select id="project-template" name="template"><option value="blank">Blank</option><option value="marketing">Marketing</option><option value="engineering">Engineering</option></select></div>
  <div class="form-actions"><button type="submit" id="btn-create-project">Create project</button><a href="/app/projects">Cancel</a></div>
</form>`;
    const form = main.querySelector('form'), name = form.elements.name;
    const taken = new Set(allProjects().map(p => p.name.toLowerCase()));
    demo.form(form, () => {
      const v = name.value.trim();
      name.setCustomValidity(v && v.length < 3 ? 'Use at least 3 characters.' : taken.has(v.toLowerCase()) ? 'A project with this name already exists' : '');
    }, () => {
      demo.set(demo.key('projects'), demo.projects().concat({
        name: name.value.trim(), template: form.elements.template.value, status: 'New', owner: user.name, created_at: new Date().toISOString(),
      }));
      window.waymark.track('project_created');
      demo.toast(`Project “${name.value.trim()}” created`);
      navigate('/app/projects');
    });
  }

  function reports(view) {
    document.title = 'Reports · Acme Projects';
    main.innerHTML = `<div class="page-head"><div><h1 tabindex="-1">Reports</h1><p>Where every project stands, in one page.</p></div></div>
<section class="card" id="report" aria-labelledby="report-title"><h2 id="report-title">Projects by status</h2><p class="loading" role="status">Crunching numbers…</p></section>`;
    load(view, list => {
      const rows = ['On track', 'At risk', 'Off track', 'Done', 'New'].map(s => {
        const of = list.filter(p => p.status === s);
        return { s, n: of.length, tasks: of.reduce((t, p) => t + p.tasks, 0) };
      });
      const max = Math.max(1, ...rows.map(r => r.n));
      main.querySelector('#report').innerHTML = `<h2 id="report-title">Projects by status</h2>
<div class="bars" aria-hidden="true">${rows.map(r => `<div style="height:${r.n / max * 100}%"><b>${r.n}</b></div>`).join('')}</div>
<div class="bar-labels" aria-hidden="true">${rows.map(r => `<span>${r.s}</span>`).join('')}</div>
<table><caption class="sr-only">Projects by status</caption><thead><tr><th scope="col">Status</th><th scope="col" class="num">Projects</th><th scope="col" class="num">Share</th><th scope="col" class="num">Open tasks</th></tr></thead>
<tbody>${rows.map(r => `<tr><td>${pill(r.s)}</td><td class="num">${r.n}</td><td class="num">${Math.round(r.n / list.length * 100)}%</td><td class="num">${r.tasks}</td></tr>`).join('')}</tbody></table>`;
    });
  }

  function notFound() {
    document.title = 'Not found · Acme Projects';
    main.innerHTML = `<section class="card"><h1 tabindex="-1">Page not found</h1><p>This page does not exist.</p><a href="/app">Back to the dashboard</a></section>`;
  }

  render(false);
})();
