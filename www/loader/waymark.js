/* Waymark loader. Reads its own data-* attributes, queues the window.waymark API until the
   agent is ready, streams the wasm in, and never throws into the host page: where wasm is
   unavailable or blocked it warns once and leaves the page untouched. */
(function (w, d) {
  // A page runs one agent: a second copy of the snippet (a tag manager adding it again)
  // leaves the first in charge.
  if (w.waymark && w.waymark.loader) { console.warn("waymark: the script is on the page twice; the second copy does nothing"); return; }
  var s = d.currentScript, q = w.waymark && w.waymark.q || [], agent = null, dead = false;
  function call(m, a) {
    if (dead) return;
    if (!agent) { q.push([m, a]); return; }
    try { agent[m].apply(agent, a); } catch (e) { dead = true; console.warn("waymark: disabled", e); }
  }
  var api = { q: q, loader: 1 };
  "identify track start dismiss on consent".split(" ").forEach(function (m) {
    api[m] = function () { call(m, [].slice.call(arguments)); };
  });
  w.waymark = api;
  if (!s || !s.src) return;
  if (typeof WebAssembly != "object") { console.warn("waymark: WebAssembly is unavailable; guides disabled"); return; }
  // Single-page apps navigate with the History API: let the agent hear it.
  ["pushState", "replaceState"].forEach(function (m) {
    var orig = history[m];
    history[m] = function () {
      var r = orig.apply(this, arguments);
      try { w.dispatchEvent(new Event("waymark:navigate")); } catch (e) { /* never break navigation */ }
      return r;
    };
  });
  var ds = s.dataset, base = s.src.replace(/[^\/?#]*([?#].*)?$/, "");
  // The guides are the key's tenant's: the key travels in the query (a simple GET has no headers).
  var guides = ds.guides && ds.key ? ds.guides + (ds.guides.indexOf("?") < 0 ? "?" : "&") + "key=" + encodeURIComponent(ds.key) : ds.guides;
  var cfg = { key: ds.key, guides: guides, collector: ds.collector, user: ds.user, account: ds.account, locale: ds.locale };
  // The glue is asked for first: the wasm can only be instantiated once it is in (a
  // script's response also waits on the browser's code cache, so it comes in last).
  // Meanwhile the wasm compiles as it streams in, off the critical path; where that fails
  // (a server's wrong MIME type, an HTTP error) the glue gets a plain response and its
  // own fallback and error messages. The guides download meanwhile too.
  // The build stamps each file's fingerprint in (`./dev build`): a new build asks for new
  // URLs, so browsers may keep these files without asking again.
  var glue = import(base + "waymark_agent.js" + (typeof GLUE_V == "string" ? "?v=" + GLUE_V : "")),
    url = base + "waymark_agent_bg.wasm" + (typeof WASM_V == "string" ? "?v=" + WASM_V : ""), wasm = url;
  if (w.fetch) {
    wasm = WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(fetch(url)).catch(function () { return fetch(url); })
      : fetch(url);
    wasm.catch(function () { /* reported below, when the glue awaits it */ });
  }
  if (guides && w.fetch) {
    cfg.prefetched = fetch(guides).then(function (r) {
      if (!r.ok) throw "HTTP " + r.status;
      return r.arrayBuffer();
    });
    cfg.prefetched.catch(function () { /* reported by the agent */ });
  }
  glue.then(function (m) {
    return m.default({ module_or_path: wasm }).then(function () {
      agent = m.start(cfg) || null;
      if (!agent) { dead = true; return; }
      q.splice(0).forEach(function (c) { call(c[0], c[1]); });
    });
  }).catch(function (e) {
    dead = true;
    console.warn("waymark: guides disabled (" + (e && e.message || e) + ")");
  });
})(window, document);
