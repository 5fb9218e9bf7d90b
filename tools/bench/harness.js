/* In-page side of the benchmark, inlined in every host page's <head>. It starts the library
   under test once the host page has loaded and painted, finds when a step's card is visible
   (MutationObserver records, including inside Waymark's shadow root, with an
   animation-frame check as a safety net), clicks Next, collects long tasks and reads the
   heap. Configuration comes from window.__benchCfg (see agent-bench.mjs). */
(function () {
  'use strict';
  var cfg = window.__benchCfg;
  var B = (window.__bench = { cfg: cfg, lt: [], t0: null, first: null, error: null });
  // The harness keeps its own references, so the instrumentation below only ever times
  // the library's callbacks.
  var raf = window.requestAnimationFrame.bind(window);
  var caf = window.cancelAnimationFrame.bind(window);
  var st = window.setTimeout.bind(window);
  /* Quiet time after load before a measurement starts (see B.boot). */
  var SETTLE_MS = 500;
  var ct = window.clearTimeout.bind(window);
  var MO = window.MutationObserver;

  /* Mutation mode with Waymark: time every callback the agent gets from the browser
     (animation frames, mutation records, timers) with performance.now(). Before an
     agent frame callback runs, the page's pending style/layout/pre-paint is flushed and
     timed apart ("flush"): that rendering work is due this frame with or without the
     agent, so the agent's own time is what remains. Counting starts with B.agent.on. */
  var A = (B.agent = { on: false, raf: 0, rafN: 0, mo: 0, moN: 0, timer: 0, timerN: 0, flush: 0 });
  if (cfg.mode === 'mut' && cfg.lib === 'waymark') {
    window.requestAnimationFrame = function (cb) {
      return raf(function (ts) {
        var t0 = performance.now();
        if (A.on) document.elementFromPoint(1, 1);
        var t1 = performance.now();
        try { cb(ts); } finally {
          if (A.on) { A.flush += t1 - t0; A.raf += performance.now() - t1; A.rafN++; }
        }
      });
    };
    window.MutationObserver = function (cb) {
      return new MO(function (records, observer) {
        var t = performance.now();
        try { cb(records, observer); } finally {
          if (A.on) { A.mo += performance.now() - t; A.moN++; }
        }
      });
    };
    window.MutationObserver.prototype = MO.prototype;
    window.setTimeout = function (cb, ms) {
      if (typeof cb !== 'function') return st.apply(null, arguments);
      return st(function () {
        var t = performance.now();
        try { cb(); } finally {
          if (A.on) { A.timer += performance.now() - t; A.timerN++; }
        }
      }, ms);
    };
  }
  var resolveReady;
  B.ready = new Promise(function (r) { resolveReady = r; });
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { B.lt.push([e.startTime, e.duration]); });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    B.ltUnsupported = String(e);
  }

  var lib = cfg.lib;
  var CARD = { waymark: '.wm-card', driver: '.driver-popover', shepherd: '.shepherd-element' }[lib];

  function wmShadow() {
    var r = document.getElementById('waymark-root');
    return r && r.shadowRoot;
  }

  /* The step number a card shows (1-based), or 0. */
  function stepOf(el) {
    var m;
    if (lib === 'waymark') {
      m = /^s(\d+)$/.exec(el.getAttribute('data-waymark-step') || '');
      return m ? +m[1] : 0;
    }
    if (lib === 'driver') {
      var t = el.querySelector('.driver-popover-title');
      m = t && /Step (\d+)/.exec(t.textContent);
      return m ? +m[1] : 0;
    }
    if (lib === 'shepherd') {
      if (!el.classList.contains('shepherd-enabled')) return 0;
      m = /^s(\d+)$/.exec(el.getAttribute('data-shepherd-step-id') || '');
      return m ? +m[1] : 0;
    }
    return 0;
  }

  function visible(el) {
    if (!el.isConnected) return false;
    var r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    var cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none';
  }

  function nextButton(card) {
    if (lib === 'waymark') return card.querySelector('button[data-action=next]');
    if (lib === 'driver') return card.querySelector('.driver-popover-next-btn');
    return card.querySelector('.bench-next');
  }

  /* Resolves with performance.now() at the moment step n's card is visible. */
  function waitStep(n, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var cands = new Set(), observers = [], hooked = new WeakSet(), done = false, frames = 0, frame = 0, timer = 0;
      function consider(node) {
        if (!node) return;
        if (node.nodeType === 3) node = node.parentElement;
        if (!node || node.nodeType !== 1) return;
        var c = node.closest(CARD);
        if (c) cands.add(c);
        else if (node.querySelector) {
          var q = node.querySelector(CARD);
          if (q) cands.add(q);
        }
        if (lib === 'waymark' && node.id === 'waymark-root') hookShadow();
      }
      function hookShadow() {
        var s = wmShadow();
        if (s && !hooked.has(s)) {
          hooked.add(s);
          var o = new MO(onRecords);
          o.observe(s, { subtree: true, childList: true, attributes: true, characterData: true });
          observers.push(o);
          s.querySelectorAll(CARD).forEach(function (c) { cands.add(c); });
        }
      }
      function check() {
        if (done) return;
        var hit = null;
        cands.forEach(function (c) {
          if (!c.isConnected) cands.delete(c);
          else if (!hit && stepOf(c) === n && visible(c)) hit = c;
        });
        if (hit) finish(null, performance.now(), hit);
      }
      function onRecords(records) {
        for (var i = 0; i < records.length; i++) {
          var r = records[i];
          consider(r.target);
          for (var j = 0; j < r.addedNodes.length; j++) consider(r.addedNodes[j]);
        }
        check();
      }
      function scan() {
        document.querySelectorAll(CARD).forEach(function (c) { cands.add(c); });
        if (lib === 'waymark') hookShadow();
      }
      function tick() {
        if (done) return;
        if (++frames % 15 === 0) scan();
        check();
        frame = raf(tick);
      }
      function finish(err, t, card) {
        done = true;
        observers.forEach(function (o) { o.disconnect(); });
        caf(frame);
        ct(timer);
        B.card = card || null;
        if (err) reject(err); else resolve(t);
      }
      var mo = new MO(onRecords);
      mo.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
      observers.push(mo);
      if (lib === 'waymark') hookShadow();
      if (B.card) cands.add(B.card);
      frame = raf(tick);
      timer = st(function () {
        if (!done) finish(new Error('step ' + n + ' not visible within ' + timeoutMs + ' ms'));
      }, timeoutMs);
    });
  }

  var TITLE = function (i) { return 'Step ' + i; };
  var BODY = 'This is where you manage this part of the app. Click Next to continue.';

  function addCss(href) {
    var l = document.createElement('link');
    l.rel = 'stylesheet';
    l.href = href;
    document.head.appendChild(l);
  }

  /* Inserts the library; the caller has taken t0 right before. */
  function inject() {
    var s;
    if (lib === 'waymark') {
      s = document.createElement('script');
      s.src = cfg.waymarkSrc;
      s.setAttribute('data-key', 'bench');
      s.setAttribute('data-guides', cfg.guides);
      s.async = true;
      document.head.appendChild(s);
    } else if (lib === 'driver') {
      addCss(cfg.driverCss);
      s = document.createElement('script');
      s.src = cfg.driverJs;
      s.onload = function () {
        var steps = [];
        for (var i = 1; i <= cfg.steps; i++) {
          steps.push({ element: '#t' + i, popover: { title: TITLE(i), description: BODY, side: 'bottom' } });
        }
        var d = window.driver.js.driver({ steps: steps, showProgress: true });
        B.api = d;
        d.drive();
      };
      document.head.appendChild(s);
    } else if (lib === 'shepherd') {
      addCss(cfg.shepherdCss);
      s = document.createElement('script');
      s.type = 'module';
      s.textContent =
        'import Shepherd from ' + JSON.stringify(cfg.shepherdJs) + ';' +
        'const tour = new Shepherd.Tour({ defaultStepOptions: { scrollTo: { behavior: "auto", block: "center" }, cancelIcon: { enabled: true } } });' +
        'for (let i = 1; i <= ' + cfg.steps + '; i++) tour.addStep({ id: "s" + i, title: ' + JSON.stringify('Step ') + ' + i,' +
        ' text: ' + JSON.stringify(BODY) + ', attachTo: { element: "#t" + i, on: "bottom" },' +
        ' buttons: [{ text: "Next", classes: "bench-next", action() { return this.next(); } }] });' +
        'window.__bench.api = tour; tour.start();';
      document.head.appendChild(s);
    }
  }

  B.boot = function () {
    window.addEventListener('load', function () {
      // Let the host page lay out and paint first, then let the browser finish its own
      // after-load work (in a fresh context it competes for the CPU for a few hundred ms,
      // most on small pages), then start from a fresh task.
      raf(function () {
        raf(function () { st(B.go, SETTLE_MS); });
      });
    });
  };

  B.go = function () {
    B.elements = document.body.getElementsByTagName('*').length;
    B.targets = [1, 2, 3, 4, 5].filter(function (i) { return document.getElementById('t' + i); }).length;
    B.scrollHeight = document.documentElement.scrollHeight;
    if (lib === 'none') {
      B.t0 = B.first = performance.now();
      resolveReady(true);
      return;
    }
    var p = waitStep(1, cfg.timeoutMs);
    B.t0 = performance.now();
    inject();
    p.then(function (t) { B.first = t; resolveReady(true); }, function (e) { B.error = String(e); resolveReady(false); });
  };

  function sleep(ms) { return new Promise(function (r) { st(r, ms); }); }

  /* First-step numbers, after `settleMs` so long tasks ending by then are reported. */
  B.firstResult = function (settleMs) {
    return B.ready.then(function () { return sleep(settleMs); }).then(function () {
      var lt = B.lt.filter(function (e) { return e[0] + e[1] > B.t0 && e[0] < (B.first || Infinity); });
      // Where Waymark's time goes: its requests, from the resource timeline.
      var res = performance.getEntriesByType('resource'), phases = null;
      function req(re) {
        var e = res.filter(function (x) { return re.test(x.name); })[0];
        return e ? { start: e.startTime - B.t0, end: e.responseEnd - B.t0 } : null;
      }
      if (lib === 'waymark') {
        phases = { loader: req(/\/waymark\.js/), glue: req(/waymark_agent\.js/), wasm: req(/\.wasm/), guides: req(/\/guides\//) };
      }
      return {
        ok: B.first != null && !B.error,
        error: B.error,
        firstMs: B.first != null ? B.first - B.t0 : null,
        longTasks: lt.length,
        longTaskMs: lt.reduce(function (a, e) { return a + e[1]; }, 0),
        ltUnsupported: B.ltUnsupported || null,
        elements: B.elements,
        targets: B.targets,
        scrollHeight: B.scrollHeight,
        phases: phases,
      };
    });
  };

  /* Live JS heap after a full GC (and, for Waymark, its wasm linear memory, which lives
     outside the JS heap). */
  B.heap = function () {
    if (typeof window.gc === 'function') { window.gc(); window.gc(); }
    var out = { used: performance.memory.usedJSHeapSize, total: performance.memory.totalJSHeapSize };
    if (lib !== 'waymark') return Promise.resolve(out);
    // The glue module the loader imported (its URL carries the build's fingerprint), so
    // `default()` answers with the running instance's exports.
    var glue = performance.getEntriesByType('resource').filter(function (e) { return /\/waymark_agent\.js/.test(e.name); })[0];
    return import(glue ? glue.name : cfg.glueSrc).then(function (m) { return m.default(); }).then(function (w) {
      // The build shortens export names, so the memory is found by its type.
      var mem = Object.keys(w).map(function (k) { return w[k]; }).filter(function (x) { return x instanceof WebAssembly.Memory; })[0];
      out.wasm = mem.buffer.byteLength;
      return out;
    }, function (e) { out.wasmError = String(e); return out; });
  };

  /* Clicks Next on step n (after `settleMs`) and resolves with ms until step n+1 is visible. */
  B.advance = function (n, settleMs) {
    return sleep(settleMs).then(function () {
      var card = B.card;
      if (!card || !card.isConnected || stepOf(card) !== n) throw new Error('step ' + n + ' is not on screen');
      var btn = nextButton(card);
      if (!btn) throw new Error('no Next button on step ' + n);
      var p = waitStep(n + 1, cfg.timeoutMs);
      var t = performance.now();
      btn.click();
      return p.then(function (tv) { return tv - t; });
    });
  };

  /* `batches` DOM-mutation batches, one per animation frame, each in its own task between
     frames (as when an app reacts to data): remove the subtree the last batch added to
     #mut-zone and add a new one (a row of 3 badges and 3 buttons). Two extra frames let an
     observer's frame work for the last batch run. Resolves with the count and wall time,
     and the agent's callback times when instrumented. */
  B.mutate = function (batches) {
    return new Promise(function (resolve) {
      var zone = document.getElementById('mut-zone'), prev = null, i = 0, scheduled = 0, t0 = performance.now();
      function batch() {
        if (prev) prev.remove();
        var d = document.createElement('div');
        d.className = 'row mut-row';
        for (var k = 0; k < 3; k++) {
          var s = document.createElement('span');
          s.className = 'badge';
          s.textContent = 'n' + i;
          var b = document.createElement('button');
          b.className = 'btn btn-sm';
          b.textContent = 'Act';
          d.appendChild(s);
          d.appendChild(b);
        }
        zone.appendChild(d);
        prev = d;
        i++;
      }
      function frame() {
        if (scheduled < batches) {
          scheduled++;
          st(batch, 0);
          raf(frame);
        } else {
          raf(function () {
            raf(function () {
              A.on = false;
              resolve({ batches: i, ms: performance.now() - t0, agent: A });
            });
          });
        }
      }
      A.on = true;
      raf(frame);
    });
  };
})();
