//! Reading the host page: configuration, element facts for watched selectors, what a
//! click hit, and names for form fields. Read-only: nothing here changes the page.

use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use waymark_core::json::Json;
use waymark_core::map::StrMap;
use waymark_core::pattern::{Matcher, PatternCompiler};
use waymark_core::{Fact, Rect, SelectorCheck, Watch, WatchId};
use web_sys::{Document, Element};

/// The browser's own CSS parser decides whether a selector is valid. It is asked on a
/// detached element, so checking costs the parse alone, however large the page
/// (`matches` parses as `querySelector` does and throws on the same selectors).
pub(crate) struct BrowserSelectors(Element);

impl BrowserSelectors {
    pub(crate) fn new(doc: &Document) -> Option<Self> {
        doc.create_element("div").ok().map(Self)
    }
}

impl SelectorCheck for BrowserSelectors {
    fn check(&self, selector: &str) -> Result<(), String> {
        self.0.matches(selector).map(|_| ()).map_err(|_| "the browser cannot parse it".to_string())
    }
}

/// A JS value as JSON data, the way `JSON.stringify` sees it (dates become strings,
/// functions and `undefined` vanish), converted by walking the browser's own parse.
pub(crate) fn json_data(v: &JsValue) -> Option<Json> {
    let plain = js_sys::JSON::stringify(v).ok().and_then(|s| js_sys::JSON::parse(&String::from(s)).ok())?;
    convert(&plain, 32)
}

fn convert(v: &JsValue, depth: u8) -> Option<Json> {
    if let Some(s) = v.as_string() {
        Some(Json::String(s))
    } else if let Some(b) = v.as_bool() {
        Some(Json::Bool(b))
    } else if let Some(n) = v.as_f64() {
        // `JSON.stringify` already turned NaN and the infinities into null.
        Some(if n.is_finite() { Json::Number(n) } else { Json::Null })
    } else if depth == 0 || v.is_null() || !v.is_object() {
        Some(Json::Null)
    } else if js_sys::Array::is_array(v) {
        Some(Json::Array(js_sys::Array::from(v).iter().filter_map(|i| convert(&i, depth - 1)).collect()))
    } else {
        let entries = js_sys::Object::entries(v.unchecked_ref());
        let mut map = StrMap::new();
        for e in entries.iter() {
            let pair = js_sys::Array::from(&e);
            if let (Some(k), Some(val)) = (pair.get(0).as_string(), convert(&pair.get(1), depth - 1)) {
                map.insert(k, val);
            }
        }
        Some(Json::Object(map))
    }
}

/// The browser's own `RegExp` compiles guide patterns (page rules, input conditions), so
/// the agent carries no regex compiler of its own.
pub(crate) struct BrowserRegExp;

struct JsPattern(js_sys::RegExp);

impl Matcher for JsPattern {
    fn is_match(&self, haystack: &str) -> bool {
        self.0.test(haystack)
    }
}

impl PatternCompiler for BrowserRegExp {
    fn compile(&self, source: &str) -> Result<Rc<dyn Matcher>, String> {
        // Through `Reflect.construct`, so a source the browser refuses is an error, not a throw.
        let ctor = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("RegExp"))
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
            .ok_or("this page has no RegExp")?;
        // The error's `message` read as a plain property: whatever the browser threw.
        let re = js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&JsValue::from_str(source)))
            .map_err(|e| prop(&e, "message").unwrap_or_default())?;
        let re = re.dyn_into::<js_sys::RegExp>().map_err(|_| "not a RegExp".to_string())?;
        Ok(Rc::new(JsPattern(re)))
    }
}

/// A watch's selector, then its fallbacks, in the order they are tried.
pub(crate) fn selectors(w: &Watch) -> impl Iterator<Item = &String> {
    std::iter::once(&w.selector).chain(&w.fallbacks)
}

/// The element a watch describes and which selector found it (0: the selector, then
/// the fallbacks in order), filtered by text.
pub(crate) fn find(doc: &Document, w: &Watch) -> Option<(usize, Element)> {
    let needle = w.text.as_deref().map(needle);
    selectors(w).enumerate().find_map(|(i, sel)| {
        let el = match &needle {
            None => doc.query_selector(sel).ok().flatten(),
            Some(needle) => {
                let all = doc.query_selector_all(sel).ok()?;
                (0..all.length())
                    .filter_map(|i| all.item(i)?.dyn_into::<Element>().ok())
                    .find(|el| has_text(el, needle))
            }
        };
        el.map(|el| (i, el))
    })
}

/// A text condition as compared: trimmed and lower-case. The browser lower-cases, both
/// here and in [`has_text`], so the two sides fold alike (and the text of a big element
/// is never copied into the wasm).
fn needle(text: &str) -> String {
    js_sys::JsString::from(text.trim()).to_lower_case().into()
}

fn has_text(el: &Element, needle: &str) -> bool {
    js_sys::Reflect::get(el, &JsValue::from_str("textContent"))
        .ok()
        .and_then(|t| t.dyn_into::<js_sys::JsString>().ok())
        .is_some_and(|t| t.to_lower_case().includes(needle, 0))
}

/// Whether `el` is, or is inside, the element the watch describes.
pub(crate) fn hits(el: &Element, w: &Watch) -> bool {
    selectors(w).any(|sel| {
        el.closest(sel)
            .ok()
            .flatten()
            .is_some_and(|found| w.text.as_ref().is_none_or(|t| has_text(&found, &needle(t))))
    })
}

/// The viewport's size without its scroll bars: what a card must fit in, and an
/// intersection observer's root. The window's size counts the scroll bars; the root
/// element's is the viewport's in standards mode, the document's in quirks mode (so the
/// smaller of the two).
pub(crate) fn viewport(window: &web_sys::Window, doc: &Document) -> (f64, f64) {
    let size = |v: Result<JsValue, JsValue>, fallback| v.ok().and_then(|v| v.as_f64()).unwrap_or(fallback);
    let (w, h) = (size(window.inner_width(), 1024.0), size(window.inner_height(), 768.0));
    match doc.document_element() {
        Some(r) if r.client_width() > 0 && r.client_height() > 0 => {
            (w.min(f64::from(r.client_width())), h.min(f64::from(r.client_height())))
        }
        _ => (w, h),
    }
}

/// The viewport rectangle of an element.
pub(crate) fn rect(el: &Element) -> Rect {
    let r = el.get_bounding_client_rect();
    Rect { x: r.x(), y: r.y(), width: r.width(), height: r.height() }
}

#[wasm_bindgen]
extern "C" {
    /// An element, for `checkVisibility` (which web-sys does not bind).
    type Checked;
    /// `Element.checkVisibility(options)`; where the browser lacks it, the call throws.
    #[wasm_bindgen(method, js_name = checkVisibility, catch)]
    fn check_visibility(this: &Checked, options: &JsValue) -> Result<bool, JsValue>;
}

/// Whether CSS lets `el` be seen: not `visibility: hidden` (inherited, as menus are hidden
/// for their transitions), nor in a `display: none` or `content-visibility: hidden` subtree.
/// Where the browser cannot tell, its box decides alone.
fn css_visible(el: &Element) -> bool {
    let options = js_sys::Object::new();
    // The option's name since Chrome 121 and Safari 17.4, and before.
    for name in ["visibilityProperty", "checkVisibilityCSS"] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(name), &JsValue::TRUE);
    }
    el.unchecked_ref::<Checked>().check_visibility(&options).unwrap_or(true)
}

/// A watched element as the engine is told of it: where it is and whether it can be seen
/// (it has a box and CSS shows it).
pub(crate) struct Sighting {
    pub(crate) el: Element,
    rect: Rect,
    visible: bool,
}

fn sight(el: Element) -> Sighting {
    let rect = rect(&el);
    let visible = (rect.width > 0.0 || rect.height > 0.0) && css_visible(&el);
    Sighting { el, rect, visible }
}

/// The element a watch stands for: its first match `el` (found by selector `k`, 0 for the
/// selector and then the fallbacks), or where that one cannot be seen, the first match
/// that can. Apps often render a control twice, one copy hidden (a mobile menu before the
/// desktop one): the card goes to the copy the user sees.
pub(crate) fn seen(doc: &Document, w: &Watch, k: usize, el: &Element) -> Sighting {
    let first = sight(el.clone());
    if first.visible {
        return first;
    }
    let needle = w.text.as_deref().map(needle);
    selectors(w)
        .nth(k)
        .and_then(|sel| doc.query_selector_all(sel).ok())
        .and_then(|all| {
            (0..all.length()).find_map(|i| {
                let e = all.item(i)?.dyn_into::<Element>().ok()?;
                let s = needle.as_ref().is_none_or(|n| has_text(&e, n)).then(|| sight(e))?;
                s.visible.then_some(s)
            })
        })
        .unwrap_or(first)
}

/// What the engine is told about a watch whose element is `seen`.
pub(crate) fn fact(watch: WatchId, seen: Option<&Sighting>) -> Fact {
    match seen {
        Some(s) => Fact { watch, present: true, visible: s.visible, rect: Some(s.rect) },
        None => Fact { watch, present: false, visible: false, rect: None },
    }
}

/// Whether a clicked element looks clickable (a click on it should do something).
pub(crate) fn actionable(el: &Element) -> bool {
    const CLICKABLE: &str = "a[href],button,input,select,textarea,label,summary,[role=button],[role=link],[role=tab],[role=menuitem],[onclick],[contenteditable=true]";
    el.closest(CLICKABLE).ok().flatten().is_some()
}

/// A short, value-free name for a form field (`#project-name`, `[name=email]`, `input`).
pub(crate) fn field_name(el: &Element) -> String {
    let id = el.id();
    if !id.is_empty() {
        return format!("#{id}");
    }
    match el.get_attribute("name") {
        Some(name) => format!("[name={name}]"),
        None => el.tag_name().to_ascii_lowercase(),
    }
}

/// The value and constraint validity of a form control, read only to run an input test.
/// Inputs, text areas and selects all have `value` and `checkValidity()`: one import of
/// each serves the three (every distinct import is glue, wasm and start-up time).
pub(crate) fn value_and_validity(el: &Element) -> Option<(String, bool)> {
    if !el.matches("input,textarea,select").ok()? {
        return None;
    }
    let control = el.unchecked_ref::<web_sys::HtmlInputElement>();
    Some((control.value(), control.check_validity()))
}

/// A string property of a JS object, if present.
pub(crate) fn prop(obj: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(obj, &JsValue::from_str(name)).ok()?.as_string().filter(|s| !s.is_empty())
}

/// The tallest fixed or sticky bar at the top that counts as a header (taller ones are
/// panels, not headers).
pub(crate) const MAX_HEADER: f64 = 200.0;

/// The height of fixed or sticky bars at the top of the viewport, so cards avoid them.
pub(crate) fn top_inset(doc: &Document, window: &web_sys::Window, width: f64) -> f64 {
    let mut inset: f64 = 0.0;
    for x in [8.0, width / 2.0, width - 8.0] {
        let el = doc.element_from_point(x as f32, 1.0);
        let mut cur = el;
        while let Some(e) = cur {
            if e.id() == "waymark-root" {
                break;
            }
            let fixed = window
                .get_computed_style(&e)
                .ok()
                .flatten()
                .and_then(|s| s.get_property_value("position").ok())
                .is_some_and(|p| p == "fixed" || p == "sticky");
            if fixed {
                let r = e.get_bounding_client_rect();
                if r.top() <= 1.0 && r.height() < MAX_HEADER {
                    inset = inset.max(r.bottom());
                }
                break;
            }
            // Only positioned ancestors can be fixed or sticky: the offset-parent chain
            // visits all of them and skips the static ones (SVG has no offset parent).
            cur = match e.dyn_ref::<web_sys::HtmlElement>() {
                Some(h) => h.offset_parent(),
                None => e.parent_element(),
            };
        }
    }
    inset
}
