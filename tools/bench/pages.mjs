// Generated host pages: a deterministic, realistic-ish app DOM (header and nav, panels of
// cards with lists, badges and buttons, tables, forms) of about N elements, with five
// tour targets #t1..#t5 spread through it and an empty #mut-zone (a fixed-size, contained
// widget) in the middle for the mutation benchmark. The same bytes are served to every library at a given size.

import { readFileSync } from 'node:fs';

const HARNESS = readFileSync(new URL('./harness.js', import.meta.url), 'utf8');

const WORDS = (
  'project team invoice report billing member owner draft review status update archive ' +
  'export share settings profile account plan usage limit seat quota deploy branch release ' +
  'ticket comment label filter search sort column chart metric goal task sprint board'
).split(' ');

// mulberry32: a tiny seeded PRNG, so every run generates the same pages.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds the <body> contents of a page of about `size` elements. */
export function generateBody(size) {
  const rand = rng(0x5eed + size);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const out = [];
  let count = 0; // elements emitted so far
  const thresholds = [0.06, 0.27, 0.5, 0.73, 0.94].map((f) => Math.floor(f * size));
  let nextTarget = 0;
  let mutZone = false;
  const open = (tag, attrs = '') => {
    count++;
    out.push(`<${tag}${attrs ? ' ' + attrs : ''}>`);
  };
  const close = (tag) => out.push(`</${tag}>`);
  const leaf = (tag, attrs, text) => {
    open(tag, attrs);
    out.push(text);
    close(tag);
  };
  // A target or the mutation zone goes in as soon as the running count passes its mark.
  const maybeSpecial = () => {
    if (nextTarget < 5 && count >= thresholds[nextTarget]) {
      nextTarget++;
      leaf('button', `id="t${nextTarget}" class="btn btn-primary target" type="button"`, `Target ${nextTarget}`);
    }
    if (!mutZone && count >= Math.floor(size / 2)) {
      mutZone = true;
      leaf('div', 'id="mut-zone" class="mut-zone"', '');
    }
  };

  open('header', 'class="app-header"');
  leaf('a', 'class="logo" href="/"', 'Acme');
  open('nav', 'class="nav" aria-label="Main"');
  open('ul', 'class="nav-list"');
  for (let i = 0; i < 8; i++) {
    open('li', `class="nav-item nav-${i}"`);
    leaf('a', `class="nav-link" href="/app/${WORDS[i]}"`, WORDS[i]);
    close('li');
  }
  close('ul');
  close('nav');
  close('header');
  open('main', 'class="content"');

  let section = 0;
  while (count < size - 8) {
    section++;
    open('section', `class="panel panel-${section % 12}" data-section="${section}"`);
    leaf('h2', 'class="panel-title"', `${words(2)} ${section}`);
    open('div', 'class="panel-body"');
    const kind = section % 5;
    if (kind === 3) {
      // A table of rows.
      open('table', 'class="grid"');
      open('tbody', '');
      const rows = 3 + Math.floor(rand() * 6);
      for (let r = 0; r < rows && count < size - 4; r++) {
        open('tr', `class="grid-row${r % 2 ? ' odd' : ''}"`);
        leaf('td', 'class="cell"', words(2));
        open('td', 'class="cell"');
        leaf('span', `class="badge badge-${pick(['ok', 'warn', 'new'])}"`, pick(WORDS));
        close('td');
        open('td', 'class="cell actions"');
        leaf('button', 'class="btn btn-sm" type="button"', 'Open');
        maybeSpecial();
        close('td');
        close('tr');
      }
      close('tbody');
      close('table');
    } else if (kind === 4) {
      // A small form.
      open('form', 'class="form" onsubmit="return false"');
      const fields = 2 + Math.floor(rand() * 3);
      for (let f = 0; f < fields; f++) {
        open('div', 'class="field"');
        leaf('label', `class="label" for="f${section}-${f}"`, pick(WORDS));
        count++;
        out.push(`<input id="f${section}-${f}" class="input" name="${pick(WORDS)}${f}" type="text">`);
        close('div');
      }
      leaf('button', 'class="btn" type="submit"', 'Save');
      maybeSpecial();
      close('form');
    } else {
      // A row of cards with lists.
      open('div', 'class="row"');
      const cards = 2 + Math.floor(rand() * 3);
      for (let c = 0; c < cards && count < size - 4; c++) {
        open('div', `class="col col-${Math.floor(12 / cards)}"`);
        open('div', `class="card card-${(section + c) % 9}"`);
        open('div', 'class="card-header"');
        leaf('h3', 'class="card-title"', words(2));
        leaf('span', 'class="badge"', String(Math.floor(rand() * 100)));
        close('div');
        leaf('p', 'class="text muted"', words(6 + Math.floor(rand() * 8)));
        open('ul', 'class="list"');
        const items = 2 + Math.floor(rand() * 5);
        for (let i = 0; i < items && count < size - 4; i++) {
          open('li', 'class="list-item"');
          open('div', 'class="item"');
          leaf('span', 'class="item-name"', words(2));
          leaf('button', 'class="btn btn-sm btn-ghost" type="button"', pick(['Edit', 'View', 'Share']));
          maybeSpecial();
          close('div');
          close('li');
        }
        close('ul');
        close('div');
        close('div');
      }
      close('div');
    }
    close('div');
    close('section');
  }
  while (nextTarget < 5 || !mutZone) {
    count = Math.max(count, size);
    maybeSpecial();
  }
  close('main');
  return { html: out.join(''), elements: count };
}

const HOST_CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#222;background:#f6f7f9}
.app-header{position:sticky;top:0;z-index:5;display:flex;gap:16px;align-items:center;padding:8px 16px;background:#fff;border-bottom:1px solid #ddd}
.nav-list{display:flex;gap:12px;list-style:none;margin:0;padding:0}.nav-link{color:#334;text-decoration:none}
.content{padding:8px 16px}.panel{margin:12px 0;padding:10px 12px;background:#fff;border:1px solid #e2e4e8;border-radius:6px}
.panel-title{font-size:16px;margin:0 0 8px}.row{display:flex;flex-wrap:wrap;gap:8px}.col{flex:1 1 200px;min-width:0}
.card{border:1px solid #eee;border-radius:6px;padding:8px}.card-header{display:flex;justify-content:space-between;align-items:center}
.card-title{font-size:14px;margin:0}.muted{color:#667}.list{margin:4px 0;padding-left:16px}.item{display:flex;justify-content:space-between;gap:8px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;background:#eef;font-size:12px}.badge-warn{background:#fed}.badge-new{background:#dfd}
.btn{padding:2px 10px;border:1px solid #ccd;border-radius:4px;background:#fff;font:inherit;cursor:pointer}.btn-primary{background:#2563eb;color:#fff;border-color:#2563eb}
.grid{border-collapse:collapse;width:100%}.cell{border-bottom:1px solid #eee;padding:3px 6px}.field{display:flex;gap:8px;margin:4px 0}.input{flex:1}
.target{outline:2px dashed #f59e0b}
/* A self-contained widget (think ticker or chat pane): its updates never move the rest of the page. */
.mut-zone{contain:strict;height:48px;overflow:hidden;border:1px solid #eee}
`;

const bodies = new Map();

/** The body for a size, generated once. */
export function body(size) {
  if (!bodies.has(size)) bodies.set(size, generateBody(size));
  return bodies.get(size);
}

/** The whole page for one load: host DOM, the in-page harness, and its configuration. */
export function pageHtml(size, cfg) {
  const b = body(size);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>bench host ${size}</title>` +
    `<style>${HOST_CSS}</style>` +
    `<script>window.__benchCfg=${JSON.stringify(cfg)};</script>` +
    `<script>${HARNESS}</script></head><body>${b.html}<script>__bench.boot()</script></body></html>`
  );
}
