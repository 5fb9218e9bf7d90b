//! What the harness reads from the page: the agent's card (inside its open shadow root,
//! which WebDriver's CSS lookups do not pierce, so through JavaScript), rectangles, and
//! the recorder's log.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A rectangle in viewport pixels (`getBoundingClientRect`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Rect {
    /// Right edge.
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    /// Horizontal centre.
    pub fn center_x(&self) -> f64 {
        self.x + self.width / 2.0
    }

    /// Vertical centre.
    pub fn center_y(&self) -> f64 {
        self.y + self.height / 2.0
    }

    /// Whether it lies inside a `width` × `height` viewport (half a pixel of rounding).
    pub fn inside(&self, width: f64, height: f64) -> bool {
        self.x >= -0.5 && self.y >= -0.5 && self.right() <= width + 0.5 && self.bottom() <= height + 0.5
    }

    /// Checks that `self` (a card) sits on `side` of `target`: past its edge on that side,
    /// at most `max_gap` pixels away, and overlapping it along the other axis. Returns what
    /// is wrong otherwise.
    pub fn check_beside(&self, target: &Rect, side: &str, max_gap: f64) -> Result<(), String> {
        const SLACK: f64 = 1.0;
        let (gap, overlaps) = match side {
            "bottom" => (self.y - target.bottom(), self.x < target.right() && self.right() > target.x),
            "top" => (target.y - self.bottom(), self.x < target.right() && self.right() > target.x),
            "right" => (self.x - target.right(), self.y < target.bottom() && self.bottom() > target.y),
            "left" => (target.x - self.right(), self.y < target.bottom() && self.bottom() > target.y),
            other => return Err(format!("`{other}` is not a side")),
        };
        if gap < -SLACK {
            return Err(format!(
                "card {self:?} overlaps target {target:?} on the {side} side by {:.1}px",
                -gap
            ));
        }
        if gap > max_gap {
            return Err(format!("card {self:?} is {gap:.1}px from target {target:?} on the {side} side"));
        }
        if !overlaps {
            return Err(format!("card {self:?} is not in line with target {target:?} on the {side} side"));
        }
        Ok(())
    }
}

/// A button of the card.
#[derive(Clone, Debug, Deserialize)]
pub struct Button {
    /// `data-action`: `next`, `back`, `done`, `dismiss`, `link`, `goto`.
    pub action: Option<String>,
    /// Its text.
    pub label: String,
}

/// The visible step, as the agent's DOM contract describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct Card {
    /// `data-waymark-guide`.
    pub guide: Option<String>,
    /// `data-waymark-step`.
    pub step: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `data-side`: where it actually went (`top`, `bottom`, `left`, `right`, `center`).
    pub side: Option<String>,
    /// Its classes (`wm-card`, `wm-banner`, ...).
    pub classes: Vec<String>,
    /// Text of `.wm-title`.
    pub title: Option<String>,
    /// Text of `.wm-body`.
    pub body: Option<String>,
    /// Its rectangle.
    pub rect: Rect,
    /// Computed styles of the card, its title and its body (`card`, `title`, `body`), by
    /// CSS property name.
    pub styles: BTreeMap<String, BTreeMap<String, String>>,
    /// The `button[data-action]`s.
    pub buttons: Vec<Button>,
    /// Whether a `button.wm-close` exists.
    pub close: bool,
    /// Rendered with a size, not `display: none`, `visibility: hidden` or transparent.
    pub visible: bool,
}

impl Card {
    /// Whether it is `guide`'s `step`.
    pub fn is(&self, guide: &str, step: &str) -> bool {
        self.guide.as_deref() == Some(guide) && self.step.as_deref() == Some(step)
    }

    /// Whether it is a banner (`.wm-banner`).
    pub fn is_banner(&self) -> bool {
        self.classes.iter().any(|c| c == "wm-banner")
    }

    /// The `data-action`s of its buttons.
    pub fn actions(&self) -> Vec<&str> {
        self.buttons.iter().filter_map(|b| b.action.as_deref()).collect()
    }

    /// `guide/step`, for messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.guide.as_deref().unwrap_or("?"), self.step.as_deref().unwrap_or("?"))
    }
}

/// What the agent's root holds right now.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Overlay {
    /// `#waymark-root` exists.
    pub root: bool,
    /// ... and is a child of `<body>`.
    pub root_in_body: bool,
    /// ... and has an open shadow root.
    pub shadow: bool,
    /// The `.wm-card`, if any.
    pub card: Option<Card>,
    /// The `.wm-hotspot` marker's rectangle, if any.
    pub hotspot: Option<Rect>,
}

impl Overlay {
    /// The card when it is visible.
    pub fn visible_card(&self) -> Option<&Card> {
        self.card.as_ref().filter(|c| c.visible)
    }

    /// A short description for timeout messages.
    pub fn describe(&self) -> String {
        match (&self.card, self.root, self.shadow) {
            (_, false, _) => "no #waymark-root".into(),
            (_, true, false) => "#waymark-root without an open shadow root".into(),
            (None, ..) if self.hotspot.is_some() => "a hotspot marker, no card".into(),
            (None, ..) => "no card".into(),
            (Some(c), ..) => format!(
                "card {} (side {:?}, role {:?}, visible {}, title {:?})",
                c.name(),
                c.side,
                c.role,
                c.visible,
                c.title
            ),
        }
    }
}

/// One entry of the page recorder's log (kept in `sessionStorage`, so it survives reloads
/// and full navigations within the tab).
#[derive(Clone, Debug, Deserialize)]
pub struct Entry {
    /// `page_error`, `resource_error`, `console_error`, `console_warn`, `event`, `card`.
    pub kind: String,
    /// Which document load of the tab recorded it (1, 2, ...).
    #[serde(default)]
    pub load: u64,
    /// `location.pathname` when recorded.
    #[serde(default)]
    pub path: String,
    /// Text of errors and console lines.
    #[serde(default)]
    pub message: String,
    /// The failed URL of a `resource_error`.
    #[serde(default)]
    pub url: String,
    /// The event object of an `event` entry (as given to `waymark.on("event", cb)`).
    #[serde(default)]
    pub event: Value,
    /// For `card` entries: the guide and step shown (`None` when the card went away).
    #[serde(default)]
    pub guide: Option<String>,
    /// See `guide`.
    #[serde(default)]
    pub step: Option<String>,
    /// For `card` entries: which watched selectors matched an element at that moment
    /// (see [`crate::Harness::watch_selectors`]).
    #[serde(default)]
    pub present: BTreeMap<String, bool>,
}

impl Entry {
    /// The event's `type`, for `event` entries.
    pub fn event_type(&self) -> Option<&str> {
        self.event.get("type").and_then(Value::as_str)
    }

    /// A string field of the event.
    pub fn event_str(&self, field: &str) -> Option<&str> {
        self.event.get(field).and_then(Value::as_str)
    }
}

/// Key of the recorder's log in `sessionStorage`.
pub const LOG_KEY: &str = "__waymark_e2e_log";

/// Installed at the start of every document (before the page's scripts): records uncaught
/// errors, unhandled rejections, failed resource loads, `console.error`/`console.warn`,
/// every card the agent shows, and (when `__STUB__` is replaced by `true`) every event
/// through `waymark.on("event", ...)`, queued in the same stub the demo pages define.
pub(crate) const RECORDER_JS: &str = r#"(() => {
  if (window.__waymarkE2E) return;
  const KEY = '__waymark_e2e_log';
  let load = 0;
  try { load = +(sessionStorage.getItem('__waymark_e2e_loads') || 0) + 1; sessionStorage.setItem('__waymark_e2e_loads', String(load)); } catch (e) { /* storage off */ }
  const mem = [];
  const push = entry => {
    entry.load = load; entry.path = location.pathname;
    mem.push(entry);
    try {
      const all = JSON.parse(sessionStorage.getItem(KEY) || '[]');
      all.push(entry);
      sessionStorage.setItem(KEY, JSON.stringify(all));
    } catch (e) { /* storage off or full: the in-memory copy remains */ }
  };
  const str = v => {
    try { return v instanceof Error ? (v.stack || String(v)) : typeof v === 'string' ? v : JSON.stringify(v); }
    catch (e) { return String(v); }
  };
  window.__waymarkE2E = { push, mem, load, watch: [] };
  window.addEventListener('error', e => {
    if (e instanceof ErrorEvent) {
      push({ kind: 'page_error', message: `${e.message} at ${e.filename}:${e.lineno}:${e.colno}` + (e.error && e.error.stack ? `\n${e.error.stack}` : '') });
    } else {
      const t = e.target, url = t && (t.src || t.href) || '';
      push({ kind: 'resource_error', message: `failed to load ${url || (t && t.tagName)}`, url });
    }
  }, true);
  window.addEventListener('unhandledrejection', e => push({ kind: 'page_error', message: 'unhandled rejection: ' + str(e.reason) }));
  for (const level of ['error', 'warn']) {
    const orig = console[level];
    console[level] = function (...args) {
      try { push({ kind: 'console_' + level, message: args.map(str).join(' ') }); } catch (e) { /* never break logging */ }
      return orig.apply(this, args);
    };
  }
  if (__STUB__ && !window.waymark) {
    const rec = e => { try { push({ kind: 'event', event: JSON.parse(JSON.stringify(e)) }); } catch (x) { push({ kind: 'event', event: String(e) }); } };
    // The demo pages' queue stub, with one call queued: record every event.
    window.waymark = { q: [['on', ['event', rec]]] };
    for (const m of ['identify', 'track', 'start', 'dismiss', 'on', 'consent']) {
      window.waymark[m] = function () { this.q.push([m, [...arguments]]); };
    }
  }
  let last = '', observed = null;
  const scan = () => {
    const root = document.getElementById('waymark-root');
    const sr = root && root.shadowRoot;
    if (sr && observed !== sr) {
      observed = sr;
      new MutationObserver(scan).observe(sr, { childList: true, subtree: true, attributes: true });
    }
    const card = sr && sr.querySelector('.wm-card');
    const guide = card ? card.getAttribute('data-waymark-guide') : null;
    const step = card ? card.getAttribute('data-waymark-step') : null;
    const key = card ? guide + '/' + step : '';
    if (key === last) return;
    last = key;
    const present = {};
    for (const s of window.__waymarkE2E.watch) { try { present[s] = !!document.querySelector(s); } catch (e) { present[s] = false; } }
    push({ kind: 'card', guide, step, present });
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true });
})();"#;

/// Reads the agent's overlay: returns an [`Overlay`].
pub(crate) const OVERLAY_JS: &str = r#"
const PROPS = ['font-family', 'font-size', 'font-weight', 'font-style', 'letter-spacing', 'word-spacing',
  'line-height', 'text-transform', 'text-align', 'text-decoration-line', 'box-sizing', 'color', 'direction'];
const root = document.getElementById('waymark-root');
const sr = root && root.shadowRoot;
const out = { root: !!root, root_in_body: !!root && root.parentElement === document.body, shadow: !!sr, card: null, hotspot: null };
if (!sr) return out;
const rect = el => { const b = el.getBoundingClientRect(); return { x: b.left, y: b.top, width: b.width, height: b.height }; };
const styleOf = el => { if (!el) return {}; const cs = getComputedStyle(el), s = {}; for (const p of PROPS) s[p] = cs.getPropertyValue(p); return s; };
const hs = sr.querySelector('.wm-hotspot');
if (hs) out.hotspot = rect(hs);
const card = sr.querySelector('.wm-card');
if (!card) return out;
const cs = getComputedStyle(card), r = rect(card);
const text = sel => { const el = card.querySelector(sel); return el ? el.textContent.trim() : null; };
out.card = {
  guide: card.getAttribute('data-waymark-guide'), step: card.getAttribute('data-waymark-step'),
  role: card.getAttribute('role'), side: card.getAttribute('data-side'), classes: [...card.classList],
  title: text('.wm-title'), body: text('.wm-body'), rect: r,
  styles: { card: styleOf(card), title: styleOf(card.querySelector('.wm-title')), body: styleOf(card.querySelector('.wm-body')) },
  buttons: [...sr.querySelectorAll('button[data-action]')].map(b => ({ action: b.getAttribute('data-action'), label: b.textContent.trim() })),
  close: !!sr.querySelector('button.wm-close'),
  visible: r.width > 0 && r.height > 0 && cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0,
};
return out;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Rect = Rect { x: 100.0, y: 100.0, width: 80.0, height: 20.0 };

    #[test]
    fn beside_checks_side_gap_and_alignment() {
        let below = Rect { x: 60.0, y: 130.0, width: 200.0, height: 100.0 };
        assert_eq!(below.check_beside(&TARGET, "bottom", 16.0), Ok(()));
        assert!(below.check_beside(&TARGET, "top", 16.0).is_err());
        assert!(below.check_beside(&TARGET, "bottom", 5.0).is_err(), "too far");
        let overlapping = Rect { y: 110.0, ..below };
        assert!(overlapping.check_beside(&TARGET, "bottom", 16.0).is_err());
        let aside = Rect { x: 400.0, ..below };
        assert!(aside.check_beside(&TARGET, "bottom", 16.0).is_err(), "not in line");
        let left = Rect { x: 0.0, y: 50.0, width: 90.0, height: 100.0 };
        assert_eq!(left.check_beside(&TARGET, "left", 16.0), Ok(()));
        let right = Rect { x: 190.0, y: 95.0, width: 90.0, height: 40.0 };
        assert_eq!(right.check_beside(&TARGET, "right", 16.0), Ok(()));
        let above = Rect { x: 100.0, y: 0.0, width: 90.0, height: 92.0 };
        assert_eq!(above.check_beside(&TARGET, "top", 16.0), Ok(()));
        assert!(above.check_beside(&TARGET, "center", 16.0).is_err());
    }

    #[test]
    fn inside_the_viewport() {
        assert!(TARGET.inside(1280.0, 800.0));
        assert!(!Rect { x: -5.0, ..TARGET }.inside(1280.0, 800.0));
        assert!(!Rect { y: 790.0, ..TARGET }.inside(1280.0, 800.0));
    }
}
