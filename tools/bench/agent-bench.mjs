#!/usr/bin/env node
// Waymark browser benchmark: bytes shipped, first step and advance times, long tasks and
// heap against driver.js and shepherd.js on generated host pages, and the agent's cost per
// DOM-mutation batch with 50 active guides. Prints tables; no thresholds. See README.md.
//
//   node tools/bench/agent-bench.mjs            (or ./dev bench)
//
// Environment: BENCH_RUNS (fresh loads per library and size, default 7), BENCH_SIZES
// (default 1000,10000,50000), BENCH_BATCHES (default 200), BENCH_MUT_REPS (default 2),
// CHROMIUM (default /usr/bin/chromium). With --serve it only serves the pages.

import http from 'node:http';
import { readFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { pageHtml, body } from './pages.mjs';
import { tourGuides, watchGuides } from './guides.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DIST = path.join(ROOT, 'www/dist');
const MODS = path.join(ROOT, 'tools/node_modules');

const RUNS = Math.max(1, +(process.env.BENCH_RUNS || 7));
const SIZES = (process.env.BENCH_SIZES || '1000,10000,50000').split(',').map(Number);
const BATCHES = +(process.env.BENCH_BATCHES || 200);
const MUT_REPS = Math.max(1, +(process.env.BENCH_MUT_REPS || 2));
const WATCHERS = 49; // + the one shown page_load guide = 50 guides
const ADVANCES = 2; // Next clicks measured per load (1→2, 2→3)
const STEPS = 5;
const BASELINE_RUNS = Math.min(RUNS, 2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LIBS = ['waymark', 'driver', 'shepherd'];
const NAMES = { waymark: 'Waymark', driver: 'driver.js', shepherd: 'shepherd.js', none: '(no library)' };
// Before clicking Next: let the shown step finish its own animation. driver.js's default
// highlight transition lasts `duration` (400 ms) and its popover, which the harness waits
// for, appears at the middle: 250 ms more covers the rest.
const SETTLE = { waymark: 100, driver: 250, shepherd: 100 };

const log = (...a) => process.stderr.write(a.join(' '));
const elapsed = () => ` (${((Date.now() - started) / 1000).toFixed(0)} s)\n`;
const started = Date.now();

// ---------------------------------------------------------------------------------------
// Files under test

function pkgFile(name, rel) {
  return path.join(MODS, name, rel);
}
function pkgVersion(name) {
  return JSON.parse(readFileSync(pkgFile(name, 'package.json'), 'utf8')).version;
}

for (const f of ['waymark.js', 'waymark_agent.js', 'waymark_agent_bg.wasm']) {
  if (!existsSync(path.join(DIST, f))) {
    console.error(`www/dist/${f} is missing: run ./dev build first`);
    process.exit(2);
  }
}

const FILES = {
  waymarkLoader: path.join(DIST, 'waymark.js'),
  waymarkGlue: path.join(DIST, 'waymark_agent.js'),
  waymarkWasm: path.join(DIST, 'waymark_agent_bg.wasm'),
  driverJs: pkgFile('driver.js', 'dist/driver.js.iife.js'),
  driverCss: pkgFile('driver.js', 'dist/driver.css'),
  shepherdJs: pkgFile('shepherd.js', 'dist/js/shepherd.mjs'),
  shepherdCss: pkgFile('shepherd.js', 'dist/css/shepherd.css'),
  pendo: path.join(MODS, '@pendo/agent/dist/pendo.module.min.js'),
};

// ---------------------------------------------------------------------------------------
// Server: 127.0.0.1 only, an ephemeral port.

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};
const STATIC = {
  '/waymark/waymark.js': FILES.waymarkLoader,
  '/waymark/waymark_agent.js': FILES.waymarkGlue,
  '/waymark/waymark_agent_bg.wasm': FILES.waymarkWasm,
  '/lib/driver.js': FILES.driverJs,
  '/lib/driver.css': FILES.driverCss,
  '/lib/shepherd.mjs': FILES.shepherdJs,
  '/lib/shepherd.css': FILES.shepherdCss,
};
const fileCache = new Map(); // file -> { data, etag }

// Caching as a site deploys each file, for the repeat visits of part 2: the libraries (in a
// host app, part of its versioned bundle) and Waymark's glue and wasm asked for by their
// fingerprint (`?v=`, as the collector serves them) are kept for good; Waymark's loader (a
// stable URL in the snippet) and the guides are revalidated and answer 304 when unchanged.
const IMMUTABLE = 'public, max-age=31536000, immutable';
function caching(url) {
  const fingerprinted = url.searchParams.has('v') && url.pathname.startsWith('/waymark/waymark_agent');
  return url.pathname.startsWith('/lib/') || fingerprinted ? IMMUTABLE : 'no-cache';
}
const etagOf = (data) => `"${createHash('sha256').update(data).digest('hex').slice(0, 32)}"`;
// The agent reads compiled guide feeds, as the collector serves them: `waymark compile`
// (built by `./dev bench`) makes them from the generated guides.
const WAYMARK = path.join(ROOT, 'target/release/waymark');
const feedDir = mkdtempSync(path.join(tmpdir(), 'waymark-bench-'));
function feed(name, guides) {
  const json = path.join(feedDir, `${name}.json`);
  const out = path.join(feedDir, `${name}.feed`);
  writeFileSync(json, JSON.stringify(guides));
  execFileSync(WAYMARK, ['compile', json, '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return readFileSync(out);
}
const GUIDES = {
  '/guides/tour.json': feed('tour', tourGuides(STEPS)),
  '/guides/watch50.json': feed('watch50', watchGuides(WATCHERS)),
  '/guides/watch1.json': feed('watch1', watchGuides(0)),
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const send = (status, type, data) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(data);
  };
  // A file or feed with its ETag, `cache` as its Cache-Control, and 304 when the client has it.
  const sendTagged = (type, data, etag, cache) => {
    const headers = { 'content-type': type, 'cache-control': cache, etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    res.writeHead(200, headers);
    res.end(data);
  };
  if (url.pathname === '/page') {
    const size = +url.searchParams.get('size');
    const lib = url.searchParams.get('lib');
    const origin = `http://127.0.0.1:${server.address().port}`;
    const cfg = {
      lib,
      mode: url.searchParams.get('mode') || 'tour',
      steps: STEPS,
      timeoutMs: 20000,
      guides: url.searchParams.get('guides') || '/guides/tour.json',
      waymarkSrc: `${origin}/waymark/waymark.js`,
      glueSrc: `${origin}/waymark/waymark_agent.js`,
      driverJs: '/lib/driver.js',
      driverCss: '/lib/driver.css',
      shepherdJs: '/lib/shepherd.mjs',
      shepherdCss: '/lib/shepherd.css',
    };
    return send(200, 'text/html; charset=utf-8', pageHtml(size, cfg));
  }
  if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
  // Somewhere on the origin to clear storage from between a visit and the next.
  if (url.pathname === '/blank') return send(200, 'text/html; charset=utf-8', '<!doctype html><title>blank</title>');
  if (GUIDES[url.pathname]) {
    const feed = GUIDES[url.pathname];
    return sendTagged('application/vnd.waymark.feed', feed, etagOf(feed), 'no-cache');
  }
  const file = STATIC[url.pathname];
  if (file) {
    if (!fileCache.has(file)) {
      const data = readFileSync(file);
      fileCache.set(file, { data, etag: etagOf(data) });
    }
    const { data, etag } = fileCache.get(file);
    return sendTagged(TYPES[path.extname(file)], data, etag, caching(url));
  }
  send(404, 'text/plain', 'not found');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;

if (process.argv.includes('--serve')) {
  // Only serve the pages, to look at them in a browser or probe them by hand.
  console.log(`serving on ${ORIGIN} (Ctrl-C to stop); for example:`);
  for (const lib of [...LIBS, 'none']) console.log(`  ${ORIGIN}/page?size=${SIZES[0]}&lib=${lib}`);
  console.log(`  ${ORIGIN}/page?size=${SIZES[0]}&lib=waymark&guides=/guides/watch50.json`);
  await new Promise(() => {});
}

// ---------------------------------------------------------------------------------------
// Helpers

const median = (xs) => {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => (xs.length ? Math.min(...xs) : null);
const max = (xs) => (xs.length ? Math.max(...xs) : null);
const fmt = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
const kb = (n) => (n / 1024).toFixed(1);
const mb = (n) => (n == null ? '—' : (n / 1048576).toFixed(2));
const sizeLabel = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function table(title, head, rows, note) {
  const w = head.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r?.[i] ?? '').length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c ?? '').padEnd(w[i]) : String(c ?? '').padStart(w[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(r === null ? '' : line(r));
  if (note) console.log(note);
}

const problems = [];
function problem(msg) {
  if (!problems.includes(msg)) problems.push(msg);
}

// ---------------------------------------------------------------------------------------
// 1. Bytes shipped

function bytes(file) {
  const buf = readFileSync(file);
  const gz = zlib.gzipSync(buf, { level: 9 }).length;
  const br = zlib.brotliCompressSync(buf, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      [zlib.constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm') ? zlib.constants.BROTLI_MODE_GENERIC : zlib.constants.BROTLI_MODE_TEXT,
    },
  }).length;
  return { raw: buf.length, gz, br, text: buf.toString('latin1') };
}

function bytesSection() {
  const rows = [];
  const group = (lib, items) => {
    const t = { raw: 0, gz: 0, br: 0 };
    for (const [label, file] of items) {
      const b = bytes(file);
      t.raw += b.raw;
      t.gz += b.gz;
      t.br += b.br;
      rows.push([lib, label, kb(b.raw), kb(b.gz), kb(b.br)]);
    }
    if (items.length > 1) rows.push([lib, 'total', kb(t.raw), kb(t.gz), kb(t.br)]);
    rows.push(null);
    return t;
  };
  const shepherdText = readFileSync(FILES.shepherdJs, 'utf8');
  const shepherdImports = /(^|[;\n])\s*import\s*[\w{*"']|\bfrom\s*["'][^"']+["']/.test(shepherdText);
  const floating = /convertOffsetParentRelativeRectToViewportRelativeRect|getClippingRect/.test(shepherdText);
  const wm = group('Waymark', [
    ['waymark.js (loader)', FILES.waymarkLoader],
    ['waymark_agent.js (glue)', FILES.waymarkGlue],
    ['waymark_agent_bg.wasm', FILES.waymarkWasm],
  ]);
  group(`driver.js ${pkgVersion('driver.js')}`, [
    ['dist/driver.js.iife.js', FILES.driverJs],
    ['dist/driver.css', FILES.driverCss],
  ]);
  const sh = group(`shepherd.js ${pkgVersion('shepherd.js')}`, [
    ['dist/js/shepherd.mjs', FILES.shepherdJs],
    ['dist/css/shepherd.css', FILES.shepherdCss],
  ]);
  group(`@pendo/agent ${pkgVersion('@pendo/agent')}`, [['dist/pendo.module.min.js', FILES.pendo]]);
  rows.pop();
  table(
    '1. Bytes shipped (KiB; gzip -9 and brotli q11 from Node zlib, each file compressed on its own)',
    ['library', 'file', 'raw', 'gzip', 'brotli'],
    rows,
    `   shepherd.mjs: ${shepherdImports ? 'HAS import statements (dependencies not bundled!)' : 'no import statements, self-contained'}` +
      `${floating ? ' (floating-ui code bundled in)' : ''}.` +
      `\n   @pendo/agent: its main npm bundle (index.js imports it); Pendo also loads guide content and plugins at run time.` +
      `\n   Waymark gzip total / shepherd.js gzip total: ${(wm.gz / sh.gz).toFixed(2)}x; brotli: ${(wm.br / sh.br).toFixed(2)}x.` +
      `\n   The tour's guides travel as a compiled feed: ${GUIDES['/guides/tour.json'].length} B ` +
      `(${zlib.gzipSync(GUIDES['/guides/tour.json'], { level: 9 }).length} B gzip; its JSON is ${JSON.stringify(tourGuides(STEPS)).length} B).`,
  );
}

// ---------------------------------------------------------------------------------------
// Browser

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // New headless Chrome preloads its own UI (the omnibox popup, a WebUI page) in another
  // renderer while the first page loads: on a small machine it competes for the CPU with
  // whatever is being measured.
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup',
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
];

async function openPage(browser, url, lib) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') problem(`${NAMES[lib]}: console ${m.type()}: ${m.text().slice(0, 200)}`);
  });
  page.on('pageerror', (e) => problem(`${NAMES[lib]}: page error: ${String(e).slice(0, 200)}`));
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  return { ctx, page };
}

// ---------------------------------------------------------------------------------------
// 2. The five-step tour

async function tourLoad(browser, size, lib) {
  const url = `${ORIGIN}/page?size=${size}&lib=${lib}`;
  const { ctx, page } = await openPage(browser, url, lib);
  try {
    const r = await page.evaluate(() => window.__bench.firstResult(250));
    if (r.ltUnsupported) problem(`longtask observer unavailable: ${r.ltUnsupported}`);
    if (!r.ok) {
      problem(`${NAMES[lib]} @ ${sizeLabel(size)}: ${r.error}`);
      return r;
    }
    r.heap = await page.evaluate(() => window.__bench.heap());
    if (r.heap.wasmError) problem(`Waymark wasm memory unreadable: ${r.heap.wasmError}`);
    r.advances = [];
    if (lib !== 'none') {
      for (let k = 1; k <= ADVANCES; k++) {
        try {
          r.advances.push(await page.evaluate(([n, s]) => window.__bench.advance(n, s), [k, SETTLE[lib]]));
        } catch (e) {
          problem(`${NAMES[lib]} @ ${sizeLabel(size)}: advance ${k}→${k + 1}: ${String(e.message || e).split('\n')[0]}`);
          break;
        }
      }
      // A repeat visit: the same page again in this browser context, so the HTTP cache holds
      // what the first visit downloaded. Storage is cleared from a blank page of the origin
      // first, so Waymark's tour starts over instead of resuming.
      await page.goto(`${ORIGIN}/blank`);
      await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
      await page.goto(url, { waitUntil: 'load', timeout: 60000 });
      const again = await page.evaluate(() => window.__bench.firstResult(250));
      if (again.ok) r.repeatMs = again.firstMs;
      else problem(`${NAMES[lib]} @ ${sizeLabel(size)}: repeat visit: ${again.error}`);
    }
    return r;
  } finally {
    await ctx.close();
  }
}

async function tourSection(browser) {
  const results = {}; // size -> lib -> [result]
  const pageInfo = {};
  // One discarded load per library first: the browser's first renderer, first wasm
  // compile and so on are not what a page pays.
  log('warm-up: ');
  for (const lib of LIBS) {
    await tourLoad(browser, SIZES[0], lib);
    log(lib[0]);
  }
  log('\n');
  for (const size of SIZES) {
    results[size] = { none: [] };
    for (const lib of LIBS) results[size][lib] = [];
    for (let i = 0; i < BASELINE_RUNS; i++) {
      const r = await tourLoad(browser, size, 'none');
      results[size].none.push(r);
      pageInfo[size] = r;
    }
  }
  log(`baselines${elapsed()}`);
  // Interleave runs, sizes and libraries, so drift and warm-up hit them all alike.
  for (let i = 0; i < RUNS; i++) {
    log(`tour run ${i + 1}/${RUNS}: `);
    for (const size of SIZES) {
      for (const lib of LIBS) {
        results[size][lib].push(await tourLoad(browser, size, lib));
        log(lib[0]);
      }
      log(' ');
    }
    log(elapsed());
  }
  return { results, pageInfo };
}

function printPages(pageInfo) {
  const rows = SIZES.map((size) => {
    const b = body(size);
    const p = pageInfo[size] || {};
    return [
      sizeLabel(size),
      b.elements,
      p.elements ?? '—',
      kb(Buffer.byteLength(pageHtml(size, {}))),
      p.scrollHeight ?? '—',
      `${p.targets ?? '—'}/5`,
    ];
  });
  table(
    'Host pages generated (same bytes for every library)',
    ['size', 'generated elements', 'elements in <body> (in page)', 'HTML KiB', 'scroll height px', 'targets'],
    rows,
    '   In-page count includes the harness <script>; targets #t1..#t5 at ~6/27/50/73/94% of the elements.',
  );
}

function printTour(results) {
  const rows = [];
  for (const size of SIZES) {
    const base = results[size].none.filter((r) => r.ok);
    const baseHeap = median(base.map((r) => r.heap.used));
    for (const lib of LIBS) {
      const rs = results[size][lib];
      const ok = rs.filter((r) => r.ok);
      const first = ok.map((r) => r.firstMs);
      const adv = ok.flatMap((r) => r.advances || []);
      const heap = median(ok.map((r) => r.heap?.used));
      const wasm = median(ok.map((r) => r.heap?.wasm).filter((x) => x != null));
      rows.push([
        sizeLabel(size),
        NAMES[lib],
        `${ok.length}/${rs.length}`,
        fmt(median(first)),
        ok.length ? `${fmt(min(first))}–${fmt(max(first))}` : '—',
        fmt(median(adv)),
        adv.length,
        fmt(median(ok.map((r) => r.longTasks)), 0),
        fmt(median(ok.map((r) => r.longTaskMs))),
        mb(heap),
        heap != null && baseHeap != null ? mb(heap - baseHeap) : '—',
        wasm != null ? mb(wasm) : '',
      ]);
    }
    rows.push([sizeLabel(size), NAMES.none, `${base.length}/${results[size].none.length}`, '', '', '', '', '', '', mb(baseHeap), '', '']);
    rows.push(null);
  }
  rows.pop();
  table(
    `2. Five-step tour on fresh page loads (cold cache, new browser context each load; medians of ${RUNS} loads)`,
    ['size', 'library', 'ok', 'first step ms', 'min–max ms', 'advance ms', 'n adv', 'long tasks', 'long task ms', 'JS heap MiB', 'Δ vs host MiB', 'wasm mem MiB'],
    rows,
    '   first step: script start → step 1 card visible. advance: Next clicked → next card visible (1→2 and 2→3 of every load).\n' +
      '   long tasks: count and total ms of >50 ms tasks overlapping script start → first step. JS heap: usedJSHeapSize after GC\n' +
      '   with step 1 shown; Δ vs host: minus the same page with no library. wasm mem: Waymark\'s linear memory (not in the JS heap).',
  );

  const ph = SIZES.map((size) => {
    const ok = results[size].waymark.filter((r) => r.ok && r.phases);
    const m = (f) => median(ok.map(f).filter((x) => x != null && !Number.isNaN(x)));
    const p = (k, e) => (r) => r.phases[k]?.[e];
    return [
      sizeLabel(size),
      fmt(m(p('loader', 'end'))),
      fmt(m(p('glue', 'end'))),
      fmt(m(p('wasm', 'end'))),
      fmt(m(p('guides', 'start'))),
      fmt(m(p('guides', 'end'))),
      fmt(m((r) => r.firstMs)),
      fmt(m((r) => r.firstMs - Math.max(r.phases.glue?.end, r.phases.wasm?.end, r.phases.guides?.end))),
    ];
  });
  table(
    'Waymark first step, where the time goes (median ms from script start; resource timing)',
    ['size', 'loader in', 'glue in', 'wasm in', 'guides asked', 'guides in', 'step visible', 'all in → visible'],
    ph,
    '   guides asked: the loader asks for them while the glue and the wasm download.\n' +
      '   all in → visible: from the last of glue, wasm and guides arriving to the card: instantiating, reading and\n' +
      '   checking the guides, the engine, rendering and layout (the wasm compiles while it streams in, before).',
  );

  // Waymark against shepherd.js and driver.js: the medians of `ms` over each one's loads.
  const versus = (ms) =>
    SIZES.map((size) => {
      const f = (lib) => median(results[size][lib].map(ms).filter((x) => x != null));
      const [w, d, s] = [f('waymark'), f('driver'), f('shepherd')];
      const ratio = (a, b) => (a != null && b ? `${(a / b).toFixed(2)}x` : '—');
      return [sizeLabel(size), fmt(w), fmt(s), ratio(w, s), fmt(d), ratio(w, d)];
    });
  const head = ['size', 'Waymark', 'shepherd.js', 'Waymark/shepherd', 'driver.js', 'Waymark/driver'];
  table('First step, side by side (median ms)', head, versus((r) => (r.ok ? r.firstMs : null)));
  table(
    'First step on a repeat visit (median ms; the same page again in the same browser context)',
    head,
    versus((r) => r.repeatMs),
    '   The HTTP cache holds the first visit\'s files: the libraries and Waymark\'s fingerprinted glue and wasm are kept\n' +
      '   for good, Waymark\'s loader and guides are revalidated (304). Storage is cleared, so every tour starts over.',
  );
}

// ---------------------------------------------------------------------------------------
// 3. Waymark per DOM-mutation batch

async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function mutLoad(browser, size, variant) {
  const lib = variant === 'none' ? 'none' : 'waymark';
  const guides = variant === 'wm50' ? '/guides/watch50.json' : '/guides/watch1.json';
  const { ctx, page } = await openPage(browser, `${ORIGIN}/page?size=${size}&lib=${lib}&mode=mut&guides=${guides}`, lib);
  try {
    const r = await page.evaluate(() => window.__bench.firstResult(0));
    if (!r.ok) {
      problem(`mutation bench, Waymark @ ${sizeLabel(size)} (${variant}): ${r.error}`);
      return null;
    }
    await sleep(250);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' }).catch(() => cdp.send('Performance.enable'));
    const m0 = await metrics(cdp);
    const run = await page.evaluate((n) => window.__bench.mutate(n), BATCHES);
    const m1 = await metrics(cdp);
    const d = (k) => (m1[k] - m0[k]) * 1e6; // µs
    // Is the shown step still on screen (nothing broke while mutating)?
    const shown =
      lib === 'none' ||
      (await page.evaluate(() => {
        const s = document.getElementById('waymark-root')?.shadowRoot;
        return !!s?.querySelector('.wm-card[data-waymark-step="s1"]');
      }));
    if (!shown) problem(`mutation bench @ ${sizeLabel(size)} (${variant}): the shown step disappeared`);
    const a = run.agent;
    return {
      firstMs: r.firstMs,
      task: d('TaskDuration'),
      frameMs: run.ms / (run.batches + 2),
      batches: run.batches,
      agentUs: lib === 'none' ? null : ((a.raf + a.mo + a.timer) * 1000) / run.batches,
      flushUs: lib === 'none' ? null : (a.flush * 1000) / run.batches,
      evals: lib === 'none' ? null : a.rafN / run.batches,
    };
  } finally {
    await ctx.close();
  }
}

async function mutSection(browser) {
  const variants = ['none', 'wm1', 'wm50'];
  const out = {};
  for (const size of SIZES) {
    out[size] = { none: [], wm1: [], wm50: [] };
    log(`mutations ${sizeLabel(size)}: `);
    for (let rep = 0; rep < MUT_REPS; rep++) {
      for (const v of variants) {
        const r = await mutLoad(browser, size, v);
        if (r) out[size][v].push(r);
        log(v === 'none' ? 'n' : v === 'wm1' ? '1' : '5');
      }
    }
    log(elapsed());
  }
  const rows = [];
  for (const size of SIZES) {
    const med = (v, k) => median(out[size][v].map((r) => r[k]));
    for (const v of ['wm1', 'wm50']) {
      const delta = (k) => {
        const a = med(v, k), b = med('none', k);
        return a == null || b == null ? null : (a - b) / BATCHES;
      };
      rows.push([
        sizeLabel(size),
        v === 'wm1' ? '1 guide' : `${WATCHERS + 1} guides`,
        `${out[size][v].length}/${MUT_REPS}`,
        fmt(med(v, 'firstMs')),
        fmt(med(v, 'evals'), 2),
        fmt(med(v, 'agentUs'), 0),
        fmt(med(v, 'flushUs'), 0),
        fmt(delta('task'), 0),
        fmt(med('none', 'task') / BATCHES, 0),
        fmt(med(v, 'frameMs'), 1),
        fmt(med('none', 'frameMs'), 1),
      ]);
    }
  }
  table(
    `3. Waymark main-thread cost per DOM-mutation batch (${BATCHES} batches, one per frame; median of ${MUT_REPS} page loads per variant)`,
    ['size', 'guides', 'ok', 'first step ms', 'evals/batch', 'agent µs/batch', 'flushed µs/batch', 'Δ task µs', 'host task µs', 'frame ms', 'host frame ms'],
    rows,
    `   ${WATCHERS + 1} guides: ${WATCHERS} element_appears triggers on never-matching selectors + 1 page_load tooltip shown (1 guide: that one only).\n` +
      '   agent µs/batch: time inside the agent\'s own callbacks (frame, mutation observer, timers), measured in page.\n' +
      '   flushed µs/batch: the page\'s pending style/layout/pre-paint, flushed right before each agent frame callback and\n' +
      '   not counted in agent µs: it is due every frame with or without the agent (the agent reads layout, so it would\n' +
      '   otherwise pay it inside its callback). evals/batch: agent frame evaluations per batch.\n' +
      '   Δ task µs: CDP Performance.getMetrics TaskDuration (main-thread time) with the agent minus the same page without\n' +
      '   it, per batch: end to end, so it also holds rendering work the agent causes (its card is re-placed every frame),\n' +
      '   but the host\'s own work differs by several ms from one page load to the next on big pages (compare host task µs).\n' +
      '   host task µs / host frame ms: the page without the agent (16.7 ms = no dropped frames).',
  );
}

// ---------------------------------------------------------------------------------------

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  const version = browser.version();
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const ua = await p.evaluate(() => navigator.userAgent);
  await ctx.close();
  console.log('Waymark agent benchmark');
  console.log(`  browser: Chromium ${version} (${CHROMIUM}), headless; UA ${ua}`);
  console.log(
    `  node ${process.version}; playwright-core ${pkgVersion('playwright-core')}; ` +
      `driver.js ${pkgVersion('driver.js')}; shepherd.js ${pkgVersion('shepherd.js')}; served from ${ORIGIN}`,
  );
  console.log(`  page sizes: ${SIZES.map(sizeLabel).join(', ')} elements; ${RUNS} fresh loads per library and size`);

  bytesSection();
  const { results, pageInfo } = await tourSection(browser);
  printPages(pageInfo);
  printTour(results);
  await mutSection(browser);

  if (problems.length) {
    console.log('\nProblems seen during the run:');
    for (const m of problems) console.log(`  - ${m}`);
  } else {
    console.log('\nNo console warnings, page errors or failed steps during the run.');
  }
  console.log(`\nTotal run time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await browser.close();
  server.close();
}
