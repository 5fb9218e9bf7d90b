// Waymark dashboard: per-account tech-touch health from `GET /v1/health` (report contract v1).
// No framework and no dependencies. Account, guide, step and selector ids come from customers,
// so data only ever reaches the page through textContent and attributes, never as HTML.
//
// Addresses: `/dashboard?window=7d` (1d, 7d, 14d, 30d, 90d) lists accounts, `#account=ID` opens
// one, `#token=T` is moved into sessionStorage (`waymark:read-token`) and out of the address.
// Hooks for tests: `<main data-state="auth|loading|ready|empty|error">`, `tr[data-account]`,
// `[data-band]` on badges, `section[data-section]` in the drill-down, `#token-form`, and
// `[role=alert]` on every error.

const TOKEN_KEY = 'waymark:read-token';
const WINDOWS = ['1d', '7d', '14d', '30d', '90d'];
const DEFAULT_WINDOW = '7d';
const SVG_NS = 'http://www.w3.org/2000/svg';

const BANDS = { at_risk: 'At risk', watch: 'Watch', healthy: 'Healthy', not_enough_data: 'Not enough data' };
const TOUCHES = { tech_touch: 'Stay tech touch', low_touch: 'Low-touch outreach', high_touch: 'High-touch escalation' };
const STALL_KINDS = {
  idle: 'Idle on the step',
  rage_click: 'Rage clicks',
  dead_click: 'Dead clicks',
  back_and_forth: 'Back and forth between steps',
  page_ping_pong: 'Back and forth between pages',
  invalid_input: 'Repeated invalid input',
  dismissed: 'Dismissed the guide',
  abandoned: 'Abandoned the guide',
  u_turn: 'Left the page and came back',
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const windowSelect = /** @type {HTMLSelectElement} */ (document.getElementById('window'));

/** Reports already fetched, by window; overview filters survive a visit to a drill-down. */
const state = {
  /** @type {Map<string, any>} */ reports: new Map(),
  band: '',
  query: '',
  /** @type {AbortController | null} */ inflight: null,
  /** @type {string | null} */ lastAccount: null,
  /** Used when sessionStorage is unavailable (disabled storage, some private modes). */
  /** @type {string | null} */ memoryToken: null,
};

// ---------------------------------------------------------------------------------------------
// DOM helpers

/**
 * Creates an HTML element. Strings and numbers among the children become text nodes, so
 * customer data is never parsed as markup; `on…` attributes with a function become listeners.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children nodes, strings or numbers; null, undefined and false are skipped
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/**
 * Creates an SVG element with the given attributes.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...Node} children
 * @returns {SVGElement}
 */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  node.append(...children);
  return node;
}

/**
 * Applies attributes; functions under `on…` names become event listeners.
 * @param {Element} node
 * @param {Record<string, unknown>} attrs
 */
function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else node.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * Replaces the content of `<main>` and records the page state for tests and styles.
 * @param {'loading'|'ready'|'error'|'empty'|'auth'} pageState
 * @param {...Node} children
 */
function show(pageState, ...children) {
  main.dataset.state = pageState;
  main.replaceChildren(...children);
}

/** @param {unknown} value @returns {any[]} the value if it is an array, else an empty one */
const list = value => (Array.isArray(value) ? value : []);

// ---------------------------------------------------------------------------------------------
// Formatting

/** @param {number | null | undefined} ratio 0-1 @returns {string} like "43%" */
function percent(ratio) {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return '—';
  const value = ratio * 100;
  return `${value > 0 && value < 1 ? value.toFixed(1) : Math.round(value)}%`;
}

/** @param {number | null | undefined} ms a duration @returns {string} like "45s", "3m10s", "2h05m" */
function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return '<1s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * A measure's raw value in its unit.
 * @param {number | null | undefined} value @param {string} unit @returns {string}
 */
function measureValue(value, unit) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  if (unit === 'ratio') return percent(value);
  if (unit === 'minutes_per_user') return `${value.toFixed(1)} min per user`;
  return String(value);
}

/** @param {number} n @param {string} one @param {string} many @returns {string} like "1 user", "6 users" */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** @param {number} ms since the epoch @param {Intl.DateTimeFormatOptions} options @returns {string} */
const date = (ms, options) => new Intl.DateTimeFormat(undefined, options).format(new Date(ms));

/** @param {string} id an account id @returns {string} the fragment that opens its drill-down */
const accountHref = id => `#${new URLSearchParams({ account: id })}`;

// ---------------------------------------------------------------------------------------------
// URL, token and fetching

/**
 * The window (`?window=`) and the account (`#account=`) the address asks for.
 * @returns {{window: string, account: string | null}}
 */
function readUrl() {
  const asked = new URLSearchParams(location.search).get('window');
  const account = new URLSearchParams(location.hash.slice(1)).get('account');
  return { window: asked && WINDOWS.includes(asked) ? asked : DEFAULT_WINDOW, account: account || null };
}

/** Moves a `#token=` from the address into sessionStorage so it is not left in the address bar or history. */
function takeTokenFromUrl() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('token');
  if (token === null) return;
  hash.delete('token');
  if (token.trim()) saveToken(token.trim());
  const rest = hash.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

/** @returns {string | null} the read token of this tab's session */
function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? state.memoryToken;
  } catch {
    return state.memoryToken;
  }
}

/** @param {string | null} token the read token to keep for this tab, or null to forget it */
function saveToken(token) {
  state.memoryToken = token;
  state.reports.clear();
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lives in memory until the tab closes.
  }
}

/**
 * Fetches the report for a window, rendering any failure itself.
 * @param {string} win one of WINDOWS
 * @param {string} token the read token
 * @returns {Promise<any | null>} the report, or null when it failed or was superseded
 */
async function fetchReport(win, token) {
  state.inflight?.abort();
  const controller = new AbortController();
  state.inflight = controller;
  show('loading', el('p', { role: 'status' }, 'Loading account health…'));
  const url = `/v1/health?window=${win}`;
  let status = 0;
  let statusText = '';
  let body = '';
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
      signal: controller.signal,
    });
    ({ status, statusText } = response);
    body = await response.text();
  } catch (error) {
    if (controller.signal.aborted) return null;
    showError(`Could not reach the collector for GET ${url}`, String(error instanceof Error ? error.message : error));
    return null;
  }
  if (controller.signal.aborted) return null;
  state.inflight = null;
  if (status === 401) {
    saveToken(null);
    showTokenForm('That read token is not valid');
    return null;
  }
  if (status < 200 || status > 299) {
    showError(`GET ${url} failed with ${status} ${statusText}`.trim(), body);
    return null;
  }
  let report;
  try {
    report = JSON.parse(body);
  } catch (error) {
    showError(`GET ${url} did not return JSON (${error instanceof Error ? error.message : error})`, body);
    return null;
  }
  if (report?.version !== 1 || !Array.isArray(report.accounts)) {
    showError(`GET ${url} returned a report this page cannot read (version ${JSON.stringify(report?.version)}, expected 1)`, '');
    return null;
  }
  state.reports.set(win, report);
  return report;
}

// ---------------------------------------------------------------------------------------------
// Routing

/** Renders whatever the address asks for: the token form, the overview or one account. */
async function route() {
  takeTokenFromUrl();
  const { window: win, account } = readUrl();
  windowSelect.value = win;
  const token = readToken();
  /** @type {HTMLElement} */ (document.getElementById('controls')).hidden = !token;
  if (!token) {
    showTokenForm(null);
    return;
  }
  const report = state.reports.get(win) ?? (await fetchReport(win, token));
  // The address may have moved on while the report was loading; the newer route renders.
  if (!report || readUrl().window !== win) return;
  const now = readUrl().account;
  if (now) renderAccount(report, now);
  else renderOverview(report);
}

/**
 * Navigates within the page (no reload) and renders the new address.
 * @param {string} url
 */
function go(url) {
  history.pushState(null, '', url);
  route();
}

// ---------------------------------------------------------------------------------------------
// Token form and errors

/**
 * Asks for the read token.
 * @param {string | null} problem shown as an alert above the form (a rejected token)
 */
function showTokenForm(problem) {
  const input = el('input', {
    id: 'token-input', name: 'token', type: 'password', required: true,
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-help',
  });
  const form = el('form', { id: 'token-form', class: 'card narrow' },
    el('h2', {}, 'Read token'),
    el('p', { id: 'token-help' },
      'Health data is private to your tenant. Paste its read token: the part after ',
      el('code', {}, '#token='), ' in the dashboard link that ', el('code', {}, 'waymark serve'), ' printed.'),
    el('label', { for: 'token-input' }, 'Read token'),
    el('div', { class: 'inline' }, input, el('button', { type: 'submit' }, 'Show health')));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const token = /** @type {HTMLInputElement} */ (input).value.trim();
    if (!token) return;
    saveToken(token);
    route();
  });
  const alert = problem ? el('p', { role: 'alert', class: 'alert' }, problem) : null;
  show(problem ? 'error' : 'auth', ...[alert, form].filter(n => n !== null));
  /** @type {HTMLElement} */ (document.getElementById('controls')).hidden = true;
  input.focus();
}

/**
 * Shows what failed, with the server's answer, and a way to try again.
 * @param {string} what one line saying which request failed and how
 * @param {string} detail the response body or the network error
 */
function showError(what, detail) {
  show('error', el('div', { role: 'alert', class: 'card alert-box' },
    el('h2', {}, 'Could not load account health'),
    el('p', {}, what),
    detail ? el('pre', { class: 'detail' }, detail.slice(0, 2000)) : null,
    el('button', { type: 'button', onclick: () => { state.reports.clear(); route(); } }, 'Try again')));
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** @param {any} report @returns {HTMLElement} one line naming the window and when it was computed */
function windowNote(report) {
  const w = report.window ?? {};
  const day = { day: 'numeric', month: 'short', year: 'numeric' };
  const parts = [];
  if (typeof w.days === 'number') parts.push(plural(w.days, 'day', 'days'));
  if (typeof w.from === 'number' && typeof w.to === 'number') parts.push(`${date(w.from, day)} – ${date(w.to, day)}`);
  if (typeof report.generated_at === 'number') {
    parts.push(`computed ${date(report.generated_at, { ...day, hour: '2-digit', minute: '2-digit' })}`);
  }
  return el('p', { class: 'window-note' }, parts.join(' · '));
}

/** @param {string} band @returns {HTMLElement} a badge that says the band in words */
function badge(band) {
  return el('span', { class: `badge band-${band}`, 'data-band': band }, BANDS[band] ?? band);
}

/**
 * A score with a small bar, or a dash when there was not enough data.
 * @param {number | null} score 0-100 @param {string} band colours the bar
 * @returns {HTMLElement}
 */
function scoreCell(score, band) {
  if (typeof score !== 'number') return el('span', { class: 'muted', title: 'Not enough data' }, '—');
  const fill = el('span', { class: `meter-fill band-${band}` });
  fill.style.inlineSize = `${Math.max(0, Math.min(100, score))}%`;
  return el('span', { class: 'score' }, el('span', { class: 'score-num' }, score),
    el('span', { class: 'meter', 'aria-hidden': 'true' }, fill));
}

/**
 * The change against the previous window.
 * @param {number | null} trend @param {number | null} previous
 * @returns {HTMLElement}
 */
function trendCell(trend, previous) {
  if (typeof trend !== 'number') return el('span', { class: 'muted', title: 'No previous window to compare' }, '—');
  const title = typeof previous === 'number' ? `Previous window: ${previous}` : null;
  if (trend === 0) return el('span', { class: 'trend', title }, '0');
  const up = trend > 0;
  return el('span', { class: `trend ${up ? 'up' : 'down'}`, title },
    el('span', { 'aria-hidden': 'true' }, up ? '▲ ' : '▼ '), up ? `+${trend}` : String(trend));
}

/**
 * A section of the drill-down, with its test hook and heading.
 * @param {string} name the `data-section` value
 * @param {string} title
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
function section(name, title, ...children) {
  return el('section', { class: 'card', 'data-section': name, 'aria-labelledby': `h-${name}` },
    el('h3', { id: `h-${name}` }, title), ...children);
}

/**
 * A table in a keyboard-scrollable box, so wide tables scroll on a phone instead of the page.
 * @param {string} caption
 * @param {string[]} headers the first is the row header; headers starting with '#' are numeric
 * @param {unknown[][]} rows cells; the first cell of each row becomes its `<th scope=row>`
 * @param {{hidden?: boolean}} [options] hidden: only for assistive technology, behind a chart
 * @returns {HTMLElement}
 */
function table(caption, headers, rows, options = {}) {
  const numeric = headers.map(h => h.startsWith('#'));
  const t = el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((h, i) =>
      el('th', { scope: 'col', class: numeric[i] ? 'num' : null }, numeric[i] ? h.slice(1) : h)))),
    el('tbody', {}, rows.map(cells => el('tr', {}, cells.map((cell, i) =>
      el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: numeric[i] ? 'num' : null }, cell))))));
  if (options.hidden) return el('div', { class: 'sr-only' }, t);
  return el('div', { class: 'table-box', role: 'region', tabindex: '0', 'aria-label': caption }, t);
}

/**
 * One horizontal bar as inline SVG: a light `back` bar behind a solid `front` bar, both out of
 * `max`. The SVG stretches to its box; labels stay HTML so they keep their size on a phone.
 * @param {number} front @param {number | null} back @param {number} max
 * @returns {SVGElement}
 */
function bar(front, back, max) {
  const scale = value => `${Math.max(0, Math.min(100, (value / Math.max(max, 1)) * 100))}`;
  const shapes = [svg('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10 })];
  if (back !== null) shapes.push(svg('rect', { class: 'back', x: 0, y: 0, width: scale(back), height: 10, 'vector-effect': 'non-scaling-stroke' }));
  shapes.push(svg('rect', { class: 'front', x: 0, y: 0, width: scale(front), height: 10 }));
  return svg('svg', { class: 'bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', focusable: 'false' }, ...shapes);
}

/**
 * A bar chart: one row per item with its label, bar and numbers. It is hidden from assistive
 * technology, which reads the table that follows it instead.
 * @param {{label: string, front: number, back: number | null, note: string, mark?: boolean}[]} rows
 * @param {number} max the value of a full bar
 * @returns {HTMLElement}
 */
function barChart(rows, max) {
  return el('div', { class: 'chart', 'aria-hidden': 'true' }, rows.map(row =>
    el('div', { class: row.mark ? 'chart-row mark' : 'chart-row' },
      el('span', { class: 'chart-label', dir: 'auto' }, row.label),
      bar(row.front, row.back, max),
      el('span', { class: 'chart-note' }, row.note))));
}

// ---------------------------------------------------------------------------------------------
// Overview

/**
 * The accounts table, in the report's order (most at risk first), with band and id filters.
 * @param {any} report
 */
function renderOverview(report) {
  document.title = 'Account health · Waymark';
  const accounts = list(report.accounts);
  if (accounts.length === 0) {
    renderEmpty(report);
    return;
  }
  const rows = accounts.map(overviewRow);
  const count = el('p', { class: 'count', role: 'status' });
  const bandSelect = el('select', { id: 'band-filter' },
    el('option', { value: '' }, `All bands (${accounts.length})`),
    Object.entries(BANDS).map(([band, label]) =>
      el('option', { value: band }, `${label} (${accounts.filter(a => a.band === band).length})`)));
  const search = el('input', { id: 'account-filter', type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const bandInput = /** @type {HTMLSelectElement} */ (bandSelect);
  const searchInput = /** @type {HTMLInputElement} */ (search);
  bandInput.value = state.band;
  searchInput.value = state.query;
  const apply = () => {
    state.band = bandInput.value;
    state.query = searchInput.value;
    const needle = state.query.trim().toLowerCase();
    let shown = 0;
    rows.forEach((row, i) => {
      const a = accounts[i];
      row.hidden = (state.band !== '' && a.band !== state.band) || !String(a.account).toLowerCase().includes(needle);
      if (!row.hidden) shown += 1;
    });
    count.textContent = shown === accounts.length
      ? `${plural(accounts.length, 'account', 'accounts')}, most at risk first`
      : `Showing ${shown} of ${accounts.length} accounts`;
  };
  bandSelect.addEventListener('change', apply);
  search.addEventListener('input', apply);
  const tbody = el('tbody', {}, rows);
  tbody.addEventListener('click', openClickedRow);

  show('ready',
    el('div', { class: 'heading-row' }, el('h2', {}, 'Accounts by risk'), windowNote(report)),
    el('div', { class: 'filters', role: 'search', 'aria-label': 'Filter accounts' },
      el('span', { class: 'field' }, el('label', { for: 'band-filter' }, 'Band'), bandSelect),
      el('span', { class: 'field' }, el('label', { for: 'account-filter' }, 'Account id contains'), search),
      count),
    el('div', { class: 'table-box', role: 'region', tabindex: '0', 'aria-label': 'Accounts by risk' },
      el('table', { class: 'overview' },
        el('caption', { class: 'sr-only' }, 'Accounts by risk, most at risk first. Open an account for its stall points, funnels, adoption and milestones.'),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Account'), el('th', { scope: 'col' }, 'Score'), el('th', { scope: 'col' }, 'Band'),
          el('th', { scope: 'col', class: 'num' }, 'Trend'), el('th', { scope: 'col' }, 'Recommended touch'),
          el('th', { scope: 'col', class: 'num' }, 'Active users'), el('th', { scope: 'col' }, 'Top reason'))),
        tbody)));
  apply();
  focusReturnedRow();
}

/**
 * One overview row; its account link opens the drill-down (Enter on the link, or a click anywhere on the row).
 * @param {any} a an account of the report
 * @returns {HTMLElement}
 */
function overviewRow(a) {
  const reason = list(a.reasons)[0];
  return el('tr', { 'data-account': a.account },
    el('th', { scope: 'row', dir: 'auto', 'data-label': 'Account' }, el('a', { href: accountHref(a.account) }, a.account)),
    el('td', { 'data-label': 'Score' }, scoreCell(a.score, a.band)),
    el('td', { 'data-label': 'Band' }, badge(a.band)),
    el('td', { class: 'num', 'data-label': 'Trend' }, trendCell(a.trend, a.previous_score)),
    el('td', { 'data-label': 'Touch', 'data-touch': a.touch }, TOUCHES[a.touch] ?? a.touch),
    el('td', { class: 'num', 'data-label': 'Active users' }, a.active_users),
    el('td', { class: 'reason', dir: 'auto', 'data-label': 'Top reason' }, reason ?? el('span', { class: 'muted' }, 'No concerns')));
}

/** @param {Event} event a click in the overview's body: opens the row's account */
function openClickedRow(event) {
  const target = /** @type {Element} */ (event.target);
  if (target.closest('a')) return; // the link navigates by itself
  const row = target.closest('tr[data-account]');
  if (row) location.hash = accountHref(row.getAttribute('data-account') ?? '');
}

/** After "back to all accounts", puts the keyboard focus back on the account the user came from. */
function focusReturnedRow() {
  if (state.lastAccount === null) return;
  const rows = main.querySelectorAll('tr[data-account]');
  const row = [...rows].find(r => r.getAttribute('data-account') === state.lastAccount);
  state.lastAccount = null;
  if (row && !(/** @type {HTMLElement} */ (row).hidden)) row.querySelector('a')?.focus();
}

/**
 * No account sent events in the window: explain how to make some with the demo.
 * @param {any} report
 */
function renderEmpty(report) {
  const longer = WINDOWS.slice(WINDOWS.indexOf(readUrl().window) + 1).pop();
  show('empty', el('section', { class: 'card empty' },
    el('h2', {}, 'No accounts in this window yet'),
    windowNote(report),
    el('p', {}, 'Health appears once the users of your app have sent events. To see it with the demo:'),
    el('ol', {},
      el('li', {}, 'Open the demo app at ', el('a', { href: '/app/' }, '/app'), '.'),
      el('li', {}, 'Switch users with the picker in its header: each user belongs to an account (Acme, Globex, Initech).'),
      el('li', {}, 'Go through the guides: finish some, and stall on others — wait on a step, click a button repeatedly, dismiss a guide.'),
      el('li', {}, 'Come back here and press Refresh.')),
    longer ? el('p', {}, 'Events older than the window are not counted: ',
      el('a', { href: `?window=${longer}`, onclick: (/** @type {Event} */ e) => { e.preventDefault(); go(`?window=${longer}`); } },
        'try a longer window'), '.') : null));
}

// ---------------------------------------------------------------------------------------------
// Drill-down

/**
 * One account: its score and reasons, then stall points, funnels, adoption, milestones,
 * the measures behind the score and the content problems.
 * @param {any} report
 * @param {string} id the account id from the address
 */
function renderAccount(report, id) {
  state.lastAccount = id;
  const back = el('a', {
    href: location.pathname + location.search, class: 'back',
    onclick: (/** @type {Event} */ e) => { e.preventDefault(); go(location.pathname + location.search); },
  }, '← All accounts');
  const a = list(report.accounts).find(x => x.account === id);
  document.title = `${id} · Account health · Waymark`;
  if (!a) {
    show('ready', back, el('section', { class: 'card' },
      el('h2', { tabindex: '-1', dir: 'auto' }, id),
      el('p', { role: 'status' }, 'This account sent no events in this window. Pick a longer window, or go back to all accounts.')));
  } else {
    show('ready', back, accountHeader(report, a), stallPoints(a), funnels(a), features(a), milestones(a),
      measures(a), targetMissing(a));
  }
  /** @type {HTMLElement | null} */ (main.querySelector('h2'))?.focus();
}

/**
 * The account's name, score, band, trend, touch and every reason.
 * @param {any} report @param {any} a
 * @returns {HTMLElement}
 */
function accountHeader(report, a) {
  const reasons = list(a.reasons);
  const score = typeof a.score === 'number'
    ? el('span', { class: 'big-score' }, a.score, el('span', { class: 'muted' }, ' / 100'))
    : el('span', { class: 'big-score muted' }, 'No score');
  return el('section', { class: 'card account-head', 'aria-labelledby': 'account-name' },
    el('div', { class: 'heading-row' },
      el('h2', { id: 'account-name', tabindex: '-1', dir: 'auto' }, a.account), windowNote(report)),
    el('div', { class: 'headline' },
      score, badge(a.band),
      el('span', { class: 'pill' }, 'Trend ', trendCell(a.trend, a.previous_score)),
      el('span', { class: 'pill touch', 'data-touch': a.touch }, TOUCHES[a.touch] ?? a.touch)),
    el('p', { class: 'facts' }, [plural(a.active_users, 'active user', 'active users'), plural(a.sessions, 'session', 'sessions'),
      plural(a.events, 'event', 'events')].join(' · ')),
    el('h3', {}, 'Why'),
    reasons.length
      ? el('ol', { class: 'reasons' }, reasons.map(r => el('li', { dir: 'auto' }, r)))
      : el('p', { class: 'muted' }, 'Nothing needs attention in this window.'));
}

/** @param {any} a @returns {HTMLElement} where users got stuck, most affected users first */
function stallPoints(a) {
  const points = list(a.stall_points);
  return section('stall-points', 'Stall hotspots',
    points.length === 0
      ? el('p', { class: 'muted' }, 'No stalls in this window.')
      : table('Stall hotspots, most affected users first',
        ['Guide › step', 'Page', 'What happened', '#Stalls', '#Users', '#Median duration'],
        points.map(p => [`${p.guide} › ${p.step}`, el('code', {}, p.page), STALL_KINDS[p.kind] ?? String(p.kind).replaceAll('_', ' '),
          p.count, p.users, duration(p.median_ms)])));
}

/** @param {any} a @returns {HTMLElement} each guide's step funnel as a bar chart with its table */
function funnels(a) {
  const guides = list(a.funnels);
  return section('funnels', 'Guide funnels',
    guides.length === 0 ? el('p', { class: 'muted' }, 'No guide was shown in this window.') : null,
    guides.length ? el('p', { class: 'legend', 'aria-hidden': 'true' },
      el('span', { class: 'key back' }), 'shown ', el('span', { class: 'key front' }), 'completed') : null,
    guides.map(funnel));
}

/**
 * One guide's funnel: shown vs completed per step, the biggest drop-off marked.
 * @param {any} f a funnel of the report
 * @returns {HTMLElement}
 */
function funnel(f) {
  const steps = list(f.steps);
  const dropOff = steps.map(s => (s.shown > 0 ? (s.shown - s.completed) / s.shown : 0));
  const worst = dropOff.reduce((best, d, i) => (d > 0 && (best < 0 || d > dropOff[best]) ? i : best), -1);
  const max = Math.max(f.started ?? 0, ...steps.map(s => s.shown), 1);
  const label = s => `${s.index + 1}. ${s.step}`;
  return el('article', { class: 'funnel', 'data-guide': f.guide },
    el('h4', { dir: 'auto' }, f.guide),
    el('p', { class: 'facts' }, `${f.started} started · ${f.completed} completed · ${f.dismissed} dismissed`),
    barChart(steps.map((s, i) => ({
      label: label(s), front: s.completed, back: s.shown, mark: i === worst,
      note: `${s.completed} of ${s.shown} · ${percent(dropOff[i])} drop-off${i === worst ? ' (largest)' : ''}`,
    })), max),
    table(`Step funnel of ${f.guide}`, ['Step', '#Shown', '#Completed', '#Drop-off'],
      steps.map((s, i) => [label(s), s.shown, s.completed, percent(dropOff[i])]), { hidden: true }));
}

/** @param {any} a @returns {HTMLElement} users and uses per feature, as bars out of the active users */
function features(a) {
  const items = list(a.features);
  const max = Math.max(a.active_users ?? 0, ...items.map(f => f.users), 1);
  return section('features', 'Feature adoption',
    items.length === 0 ? el('p', { class: 'muted' }, 'No tracked feature was used in this window.') : [
      barChart(items.map(f => ({
        label: f.feature, front: f.users, back: null,
        note: `${f.users} of ${plural(a.active_users, 'user', 'users')} · ${plural(f.uses, 'use', 'uses')}`,
      })), max),
      table('Feature adoption', ['Feature', '#Users', '#Uses'], items.map(f => [f.feature, f.users, f.uses]), { hidden: true }),
    ]);
}

/** @param {any} a @returns {HTMLElement} onboarding milestones as progress bars */
function milestones(a) {
  const items = list(a.milestones);
  return section('milestones', 'Onboarding milestones',
    items.length === 0 ? el('p', { class: 'muted' }, 'No milestones are defined for these guides.') :
      el('ul', { class: 'milestones' }, items.map((m, i) => {
        const share = m.of > 0 ? m.users / m.of : 0;
        return el('li', {},
          el('label', { for: `milestone-${i}`, dir: 'auto' }, m.milestone),
          el('progress', { id: `milestone-${i}`, max: Math.max(m.of, 1), value: m.users }),
          el('span', { class: 'chart-note' }, `${m.users} of ${plural(m.of, 'user', 'users')} (${percent(share)})`));
      })));
}

/** @param {any} a @returns {HTMLElement} the measures the score is made of, with thresholds and samples */
function measures(a) {
  const items = list(a.measures);
  return section('measures', 'How the score is made',
    el('p', { class: 'muted' }, 'Each measure scores 0 at its "poor" value and 100 at its "healthy" value. ' +
      'A measure with too small a sample is left out and the others are reweighted.'),
    table('Measures behind the score', ['Measure', 'Value', 'Score', '#Weight', 'Poor → healthy', '#Sample'],
      items.map(m => [
        m.label ?? m.name,
        measureValue(m.value, m.unit),
        typeof m.score === 'number' ? scoreCell(m.score, bandOf(m.score)) : el('span', { class: 'muted' }, 'not enough data'),
        percent(m.weight),
        thresholds(m),
        `${m.samples} (needs ${m.min_samples})`,
      ])));
}

/** @param {any} m a measure @returns {string} its poor and healthy values, like "50% → 5%" */
function thresholds(m) {
  if (m.unit !== 'minutes_per_user') return `${measureValue(m.poor, m.unit)} → ${measureValue(m.healthy, m.unit)}`;
  const minutes = v => (typeof v === 'number' ? v.toFixed(1) : '—');
  return `${minutes(m.poor)} → ${minutes(m.healthy)} min per user`;
}

/** @param {number} score @returns {string} the band a score falls in, to colour a measure's bar */
const bandOf = score => (score >= 70 ? 'healthy' : score >= 40 ? 'watch' : 'at_risk');

/** @param {any} a @returns {HTMLElement} targets that never appeared: for the guide author, not the CSM */
function targetMissing(a) {
  const tm = a.target_missing ?? {};
  const selectors = list(tm.selectors);
  return section('target-missing', 'Content problems (for the guide author)',
    el('p', { class: 'muted' }, 'Steps whose target element did not appear on the page. This is a problem in the guide ' +
      'or the page, not with the users, so it does not lower the score.'),
    (tm.count ?? 0) === 0 && selectors.length === 0
      ? el('p', {}, 'None in this window: every step found its target.')
      : [
        el('p', {}, `A step's target did not appear ${plural(tm.count, 'time', 'times')} (${percent(tm.rate)}).`),
        table('Selectors that did not appear', ['Guide › step', 'Selector', '#Times'],
          selectors.map(s => [`${s.guide} › ${s.step}`, el('code', {}, s.selector), s.count])),
      ]);
}

// ---------------------------------------------------------------------------------------------
// Start

windowSelect.addEventListener('change', () => {
  const query = new URLSearchParams(location.search);
  query.set('window', windowSelect.value);
  go(`${location.pathname}?${query}${location.hash}`);
});
document.getElementById('refresh')?.addEventListener('click', () => {
  state.reports.clear();
  route();
});
document.getElementById('forget')?.addEventListener('click', () => {
  saveToken(null);
  route();
});
// Fragment navigations (opening an account) and back/forward all arrive here.
window.addEventListener('popstate', route);
route();
