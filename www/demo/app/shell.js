/* Acme Projects: demo identity, storage, shared header, help launcher and form errors.
   Loaded synchronously in <head> on every page: it identifies the user before anything else. */
(() => {
  'use strict';
  const ago = days => new Date(Date.now() - days * 864e5).toISOString().slice(0, 10);
  const accounts = {
    acme: { name: 'Acme Corp', plan: 'trial', seats: 6 },
    globex: { name: 'Globex', plan: 'pro', seats: 12 },
    initech: { name: 'Initech', plan: 'enterprise', seats: 40 },
  };
  const users = [
    ['alice', 'Alice Martin', 'acme', 'owner', 2], ['bob', 'Bob Chen', 'acme', 'admin', 45],
    ['carol', 'Carol Diaz', 'acme', 'member', 5], ['dan', 'Dan Okafor', 'globex', 'owner', 120],
    ['erin', 'Erin Walsh', 'globex', 'member', 3], ['frank', 'Frank Ito', 'initech', 'owner', 400],
    ['grace', 'Grace Kim', 'initech', 'admin', 12],
  ].map(([id, name, account, role, days]) => ({ id, name, account, role, email: `${id}@${account}.example`, created_at: ago(days) }));

  const raw = k => { try { return localStorage.getItem(k); } catch (e) { return null; } };
  const put = (k, v) => { try { localStorage.setItem(k, v); } catch (e) { /* storage disabled */ } };
  const get = (k, fallback) => { try { return JSON.parse(raw(k)) ?? fallback; } catch (e) { return fallback; } };
  const set = (k, v) => put(k, JSON.stringify(v));
  const esc = s => String(s).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

  const user = users.find(u => u.id === raw('demo-user')) || users[0];
  const account = accounts[user.account];
  const locale = raw('demo-locale') === 'ja' ? 'ja' : 'en';
  const key = name => `demo-${name}:${user.account}`;
  const seeds = {
    globex: ['Customer portal', 'Pricing page refresh', 'Support macros', 'Mobile beta', 'Data warehouse'],
    initech: ['TPS report automation', 'Office move', 'Printer fleet', 'Q4 budget', 'Intranet search', 'Payroll migration'],
  };
  if (raw(key('projects')) === null && seeds[user.account]) {
    const owners = users.filter(u => u.account === user.account);
    set(key('projects'), seeds[user.account].map((name, i) => ({
      name, template: 'blank', status: 'On track', owner: owners[i % owners.length].name, created_at: ago(20 + 9 * i),
    })));
  }
  const projects = () => get(key('projects'), []);

  window.waymark.identify(user.id, {
    account: user.account, locale, role: user.role, projects: projects().length,
    created_at: user.created_at, account_traits: { plan: account.plan, seats: account.seats },
  });
  document.documentElement.lang = locale;

  const nav = [['dashboard', '/app', 'Dashboard'], ['projects', '/app/projects', 'Projects'],
    ['reports', '/app/reports', 'Reports <span class="badge">New</span>'], ['team', '/app/team', 'Team'],
    ['billing', '/app/settings/billing', 'Billing']];

  function markNav(path) {
    for (const [id, href] of nav) {
      const on = href === '/app' ? path === '/app' : path === href || path.startsWith(href + '/');
      const a = document.getElementById('nav-' + id);
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
  }

  // Called by an inline script at the very start of <body>, so the header exists before any page code.
  function header() {
    const people = Object.entries(accounts).map(([id, a]) => `<optgroup label="${a.name} (${a.plan})">` +
      users.filter(u => u.account === id).map(u => `<option value="${u.id}"${u === user ? ' selected' : ''}>${u.name} · ${u.role}</option>`).join('') + '</optgroup>').join('');
    document.body.insertAdjacentHTML('afterbegin', `<a class="skip" href="#main">Skip to content</a>
<header class="app-header">
  <a class="brand" href="/app"><span class="logo" aria-hidden="true"></span><span class="brand-name">Acme Projects</span></a>
  <nav aria-label="Main">${nav.map(([id, href, label]) => `<a id="nav-${id}" href="${href}">${label}</a>`).join('')}</nav>
  <div class="tools">
    <span class="plan" tabindex="0" aria-describedby="plan-tip">${account.name} · ${account.plan}<span role="tooltip" id="plan-tip">${account.seats} seats on the ${account.plan} plan</span></span>
    <label class="sr-only" for="demo-user">Demo user</label><select id="demo-user">${people}</select>
    <label class="sr-only" for="demo-locale">Language</label>
    <select id="demo-locale"><option value="en">English</option><option value="ja"${locale === 'ja' ? ' selected' : ''}>日本語</option></select>
  </div>
</header>`);
    document.getElementById('demo-user').addEventListener('change', e => { put('demo-user', e.target.value); location.reload(); });
    document.getElementById('demo-locale').addEventListener('change', e => { put('demo-locale', e.target.value); location.reload(); });
    markNav(location.pathname.replace(/\/+$/, ''));
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.body.insertAdjacentHTML('beforeend', `<button type="button" id="help-launcher" aria-label="Help" aria-expanded="false" aria-controls="help-panel">?</button>
<div id="help-panel" role="dialog" aria-labelledby="help-title" hidden>
  <h2 id="help-title">Need a hand?</h2>
  <p>Our team answers within one business day.</p>
  <ul><li><a href="/app">Getting started checklist</a></li><li><a href="mailto:support@example.com">Contact support</a></li></ul>
</div>`);
    const launcher = document.getElementById('help-launcher'), panel = document.getElementById('help-panel');
    const toggle = open => { panel.hidden = !open; launcher.setAttribute('aria-expanded', open); };
    launcher.addEventListener('click', () => toggle(panel.hidden));
    document.addEventListener('keydown', e => { if (e.key === 'Escape' && !panel.hidden) { toggle(false); launcher.focus(); } });
  });

  // Inline validation: errors next to the field, aria-invalid, the browser's own `invalid` events.
  function showError(el) {
    el.setAttribute('aria-invalid', 'true');
    let p = document.getElementById(el.id + '-error');
    if (!p) el.after(p = Object.assign(document.createElement('p'), { id: el.id + '-error', className: 'field-error' }));
    p.textContent = el.validity.valueMissing ? 'This field is required.' : el.validationMessage;
  }
  function clearError(el) {
    el.removeAttribute('aria-invalid');
    document.getElementById(el.id + '-error')?.remove();
  }
  function form(f, check, done) {
    f.noValidate = true;
    f.addEventListener('invalid', e => showError(e.target), true);
    f.addEventListener('input', e => {
      check();
      if (e.target.validity.valid) clearError(e.target);
      else if (e.target.hasAttribute('aria-invalid')) showError(e.target);
    });
    f.addEventListener('submit', e => {
      e.preventDefault();
      check();
      // reportValidity() fires `invalid` once per bad field and shows the browser's bubble.
      if (f.reportValidity()) done();
    });
  }

  function toast(text) {
    const t = Object.assign(document.createElement('div'), { className: 'toast', textContent: text });
    t.setAttribute('role', 'status');
    document.body.append(t);
    setTimeout(() => t.remove(), 3000);
  }

  window.demo = { accounts, users, user, account, locale, ago, get, set, esc, key, projects, header, markNav, form, toast };
})();
