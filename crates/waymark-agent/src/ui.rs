//! Rendering the engine's step views inside an open shadow root, so no host CSS reaches
//! the cards and no card CSS reaches the host. Guide text becomes DOM text nodes from the
//! parsed markdown; nothing is ever set through `innerHTML`.

use wasm_bindgen::JsCast;
use waymark_core::format::{ButtonAction, StepKind};
use waymark_core::markdown::{Block, Inline};
use waymark_core::placement::{Side, place};
use waymark_core::{Rect, StepView};
use web_sys::{Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode, Window};

use crate::follow::Follow;
use crate::page;

const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

/// The agent's layer on the page and the step shown in it.
pub(crate) struct Ui {
    doc: Document,
    root: Element,
    layer: Element,
    shown: Option<Shown>,
    restore_focus: Option<HtmlElement>,
    /// Hears the shown card's target move, wherever the page moves it.
    follow: Follow,
}

struct Shown {
    view: StepView,
    card: HtmlElement,
    extras: Vec<Element>,
    hotspot_open: bool,
    /// What the last placement was computed from: while the target's rect, the card's size
    /// and the viewport stay the same, the placement does too (and costs nothing).
    placed: Option<(Option<Rect>, i32, i32, f64, f64)>,
}

/// What a click inside the layer asks for.
pub(crate) enum UiAction {
    Button(usize),
    Close,
    OpenHotspot,
}

impl Ui {
    /// Builds `<div id="waymark-root">` and its shadow root. It goes in at the end of
    /// `<body>` with the first card: until then the page's layout stays clean, so reading
    /// the targets' rectangles costs no layout.
    pub(crate) fn new(doc: &Document, follow: Follow) -> Option<Self> {
        doc.body()?;
        let root = doc.create_element("div").ok()?;
        root.set_id("waymark-root");
        // The host element itself must not take layout or host styles.
        root.set_attribute(
            "style",
            "all:initial;position:fixed;top:0;left:0;width:0;height:0;z-index:2147483647",
        )
        .ok()?;
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        let shadow: ShadowRoot = root.attach_shadow(&init).ok()?;
        let style = doc.create_element("style").ok()?;
        style.set_text_content(Some(STYLE));
        let layer = doc.create_element("div").ok()?;
        layer.set_class_name("wm-layer");
        shadow.append_child(&style).ok()?;
        shadow.append_child(&layer).ok()?;
        Some(Self { doc: doc.clone(), root, layer, shown: None, restore_focus: None, follow })
    }

    /// The host element, to tell the agent's own clicks and mutations from the page's.
    pub(crate) fn root(&self) -> &Element {
        &self.root
    }

    /// The guide and step on screen.
    pub(crate) fn shown(&self) -> Option<&StepView> {
        self.shown.as_ref().map(|s| &s.view)
    }

    /// Whether keyboard focus must stay in the card.
    pub(crate) fn traps_focus(&self) -> bool {
        self.shown.as_ref().is_some_and(|s| s.view.kind == StepKind::Modal)
    }

    /// Renders a step; `target` is its anchor element, if any.
    pub(crate) fn show(&mut self, view: StepView, target: Option<&Element>, window: &Window) {
        self.hide();
        let Some(card) = self.card(&view) else { return };
        let mut extras = Vec::new();
        if view.kind == StepKind::Modal {
            if let Some(backdrop) = self.div(if target.is_some() { "wm-spotlight" } else { "wm-backdrop" }) {
                let _ = self.layer.insert_before(&backdrop, None);
                extras.push(backdrop);
            }
            if let Some(active) = self.doc.active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                self.restore_focus = Some(active);
            }
        }
        // A real button: keyboard users reach it with Tab and open it with Enter or Space.
        if view.kind == StepKind::Hotspot
            && let Some(marker) = self.el("button", "wm-hotspot", None)
        {
            let _ = marker.set_attribute("type", "button");
            let _ = marker.set_attribute("aria-label", &view.title);
            let _ = self.layer.append_child(&marker);
            extras.push(marker.into());
            let _ = card.set_attribute("hidden", "");
        }
        let _ = self.layer.append_child(&card);
        self.shown = Some(Shown { view, card, extras, hotspot_open: false, placed: None });
        self.place(target, window);
        if self.traps_focus() {
            self.focus_first();
        }
    }

    /// Removes the shown step and gives focus back where it was.
    pub(crate) fn hide(&mut self) {
        self.follow.stop();
        if let Some(s) = self.shown.take() {
            s.card.remove();
            for e in s.extras {
                e.remove();
            }
        }
        if let Some(el) = self.restore_focus.take()
            && el.is_connected()
        {
            let _ = el.focus();
        }
    }

    /// Removes the agent's layer from the page.
    pub(crate) fn remove(&mut self) {
        self.hide();
        self.root.remove();
    }

    /// Opens a hotspot's card.
    pub(crate) fn open_hotspot(&mut self, target: Option<&Element>, window: &Window) {
        if let Some(s) = self.shown.as_mut() {
            s.hotspot_open = true;
            s.placed = None;
            let _ = s.card.remove_attribute("hidden");
        }
        self.place(target, window);
        self.focus_first();
    }

    /// Positions the card (and its spotlight or marker) against the target's current rect.
    pub(crate) fn place(&mut self, target: Option<&Element>, window: &Window) {
        let Some(s) = &mut self.shown else { return };
        let first = s.placed.is_none();
        // The layer goes on the page with the first card, and back on it (within a frame)
        // where the page removed it, say by rendering its body anew.
        if !self.root.is_connected()
            && let Some(body) = self.doc.body()
        {
            let _ = body.append_child(&self.root);
        }
        let (vw, vh) = page::viewport(window, &self.doc);
        let (cw, ch) = (s.card.offset_width(), s.card.offset_height());
        let key = (target.filter(|_| s.view.anchor.is_some()).map(page::rect), cw, ch, vw, vh);
        if s.placed == Some(key) {
            return;
        }
        s.placed = Some(key);
        let (w, h) = (f64::from(cw), f64::from(ch));
        // A fixed header is at most `MAX_HEADER` tall: when the target and the card both sit
        // below that line it cannot matter, and the page is not probed (hit tests force a
        // layout of the whole page).
        let below_any_header =
            key.0.filter(|_| matches!(s.view.kind, StepKind::Tooltip | StepKind::Hotspot)).is_some_and(|r| {
                let full = Rect { x: 0.0, y: 0.0, width: vw, height: vh };
                r.y >= page::MAX_HEADER && place(r, w, h, full, s.view.placement).y >= page::MAX_HEADER
            });
        let inset = if below_any_header { 0.0 } else { page::top_inset(&self.doc, window, vw) };
        let view = Rect { x: 0.0, y: inset, width: vw, height: (vh - inset).max(0.0) };
        let style = s.card.style();
        if s.view.kind == StepKind::Banner {
            set_style(&style, "top", &px(inset));
            set_attr(&s.card, "data-side", "top");
            return;
        }
        // The target is brought into view when its step shows, never after: the user may
        // scroll away from it, and the card goes along with it.
        let anchor = target.filter(|_| s.view.anchor.is_some()).zip(key.0).map(|(t, r)| {
            if first && (r.y + r.height < inset || r.y > vh) {
                let opts = web_sys::ScrollIntoViewOptions::new();
                opts.set_block(web_sys::ScrollLogicalPosition::Center);
                t.scroll_into_view_with_scroll_into_view_options(&opts);
                page::rect(t)
            } else {
                r
            }
        });
        // The target is watched where it was placed against; re-placed, it is watched anew.
        match target.zip(anchor) {
            Some((t, r)) => self.follow.watch(t, r, vw, vh),
            None => self.follow.stop(),
        }
        for e in &s.extras {
            if let (Some(r), Ok(h)) = (anchor, e.clone().dyn_into::<HtmlElement>()) {
                let st = h.style();
                let marker = e.class_name() == "wm-hotspot";
                let (x, y, ww, hh) = if marker {
                    (r.x + r.width - 8.0, r.y - 8.0, 16.0, 16.0)
                } else {
                    (r.x - 6.0, r.y - 6.0, r.width + 12.0, r.height + 12.0)
                };
                set_style(&st, "left", &px(x));
                set_style(&st, "top", &px(y));
                set_style(&st, "width", &px(ww));
                set_style(&st, "height", &px(hh));
            }
        }
        let centred = s.view.kind == StepKind::Modal || anchor.is_none();
        match anchor.filter(|_| !centred) {
            Some(r) => {
                let p = place(r, w, h, view, s.view.placement);
                let side = match p.side {
                    Side::Top => "top",
                    Side::Bottom => "bottom",
                    Side::Left => "left",
                    Side::Right => "right",
                };
                set_style(&style, "left", &px(p.x));
                set_style(&style, "top", &px(p.y));
                set_style(&style, "--wm-arrow", &px(p.arrow));
                set_attr(&s.card, "data-side", side);
            }
            None => {
                set_style(&style, "left", &px(((vw - w) / 2.0).max(8.0)));
                set_style(&style, "top", &px((inset + (vh - inset - h) / 2.0).max(inset + 8.0)));
                set_attr(&s.card, "data-side", "center");
            }
        }
    }

    /// What a click on `el` inside the layer means.
    pub(crate) fn action_for(&self, el: &Element) -> Option<UiAction> {
        if el.closest(".wm-hotspot").ok().flatten().is_some() {
            return Some(UiAction::OpenHotspot);
        }
        if el.closest(".wm-close").ok().flatten().is_some() {
            return Some(UiAction::Close);
        }
        let b = el.closest("button[data-index]").ok().flatten()?;
        // u64 as everywhere in the agent: each integer type's parser is code of its own.
        let index = b.get_attribute("data-index")?.parse::<u64>().ok()?;
        usize::try_from(index).ok().map(UiAction::Button)
    }

    /// Keeps Tab inside a modal card: moves focus from the last control to the first and back.
    pub(crate) fn trap_tab(&self, backwards: bool, active: Option<Element>) -> bool {
        let Some(s) = &self.shown else { return false };
        let Ok(list) = s.card.query_selector_all("button,a[href]") else { return false };
        let items: Vec<HtmlElement> =
            (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect();
        let (Some(first), Some(last)) = (items.first(), items.last()) else { return false };
        let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(e)));
        let inside = items.iter().any(at);
        let to = if backwards && (at(first) || !inside) {
            last
        } else if !backwards && (at(last) || !inside) {
            first
        } else {
            return false;
        };
        let _ = to.focus();
        true
    }

    fn focus_first(&self) {
        let Some(s) = &self.shown else { return };
        // The primary action first, then any step button, then the close button.
        let found = ["button.wm-primary", "button[data-index]", "button"]
            .iter()
            .find_map(|sel| s.card.query_selector(sel).ok().flatten())
            .and_then(|b| b.dyn_into::<HtmlElement>().ok());
        if let Some(b) = found {
            let _ = b.focus();
        }
    }

    fn div(&self, class: &str) -> Option<Element> {
        let d = self.doc.create_element("div").ok()?;
        d.set_class_name(class);
        Some(d)
    }

    fn el(&self, tag: &str, class: &str, text: Option<&str>) -> Option<HtmlElement> {
        let e: HtmlElement = self.doc.create_element(tag).ok()?.dyn_into().ok()?;
        if !class.is_empty() {
            e.set_class_name(class);
        }
        if let Some(t) = text {
            e.set_text_content(Some(t));
        }
        Some(e)
    }

    fn card(&self, v: &StepView) -> Option<HtmlElement> {
        let kind = match v.kind {
            StepKind::Tooltip => "wm-tooltip",
            StepKind::Modal => "wm-modal",
            StepKind::Hotspot => "wm-tooltip wm-from-hotspot",
            StepKind::Banner => "wm-banner",
        };
        let card = self.el("div", &format!("wm-card {kind}"), None)?;
        let role = match v.kind {
            StepKind::Modal => "dialog",
            StepKind::Banner => "region",
            _ if v.anchor.is_some() => "tooltip",
            _ => "dialog",
        };
        let attrs = [
            ("role", role),
            ("data-waymark-guide", v.guide.as_str()),
            ("data-waymark-step", v.step.as_str()),
            ("aria-labelledby", "wm-title"),
            ("dir", if v.rtl { "rtl" } else { "ltr" }),
            ("lang", v.locale.as_str()),
        ];
        for (k, val) in attrs {
            card.set_attribute(k, val).ok()?;
        }
        if v.kind == StepKind::Modal {
            card.set_attribute("aria-modal", "true").ok()?;
        }
        let close = self.el("button", "wm-close", Some("×"))?;
        close.set_attribute("aria-label", if v.locale == "ja" { "閉じる" } else { "Close" }).ok()?;
        close.set_attribute("type", "button").ok()?;
        card.append_child(&close).ok()?;
        let title = self.el("h2", "wm-title", Some(&v.title))?;
        title.set_id("wm-title");
        card.append_child(&title).ok()?;
        let body = self.el("div", "wm-body", None)?;
        for b in &v.body {
            let node = self.block(b)?;
            body.append_child(&node).ok()?;
        }
        card.append_child(&body).ok()?;
        let footer = self.el("div", "wm-footer", None)?;
        if v.total > 1 && v.kind != StepKind::Banner {
            let progress = format!("{} / {}", v.index + 1, v.total);
            let node = self.el("span", "wm-progress", Some(&progress))?;
            footer.append_child(&node).ok()?;
        }
        let actions = self.el("div", "wm-actions", None)?;
        for (i, b) in v.buttons.iter().enumerate() {
            let action = b.action.name();
            let primary = matches!(b.action, ButtonAction::Next | ButtonAction::Done);
            let button = self.el("button", if primary { "wm-primary" } else { "" }, Some(&b.label))?;
            button.set_attribute("type", "button").ok()?;
            button.set_attribute("data-action", action).ok()?;
            button.set_attribute("data-index", &i.to_string()).ok()?;
            actions.append_child(&button).ok()?;
        }
        footer.append_child(&actions).ok()?;
        card.append_child(&footer).ok()?;
        let arrow = self.el("div", "wm-arrow", None)?;
        card.append_child(&arrow).ok()?;
        Some(card)
    }

    fn block(&self, b: &Block) -> Option<HtmlElement> {
        match b {
            Block::Paragraph { inlines } => self.inlines(self.el("p", "", None)?, inlines),
            Block::List { ordered, items } => {
                let list = self.el(if *ordered { "ol" } else { "ul" }, "", None)?;
                for item in items {
                    let li = self.inlines(self.el("li", "", None)?, item)?;
                    list.append_child(&li).ok()?;
                }
                Some(list)
            }
        }
    }

    fn inlines(&self, parent: HtmlElement, inlines: &[Inline]) -> Option<HtmlElement> {
        for i in inlines {
            let node: web_sys::Node = match i {
                Inline::Text { text } => self.doc.create_text_node(text).into(),
                Inline::Strong { children } => self.inlines(self.el("strong", "", None)?, children)?.into(),
                Inline::Emphasis { children } => self.inlines(self.el("em", "", None)?, children)?.into(),
                Inline::Code { text } => self.el("code", "", Some(text))?.into(),
                Inline::LineBreak => self.el("br", "", None)?.into(),
                Inline::Link { href, children } => {
                    let a = self.inlines(self.el("a", "", None)?, children)?;
                    a.set_attribute("href", href).ok()?;
                    if href.starts_with("http") {
                        a.set_attribute("target", "_blank").ok()?;
                        a.set_attribute("rel", "noopener noreferrer").ok()?;
                    }
                    a.into()
                }
            };
            parent.append_child(&node).ok()?;
        }
        Some(parent)
    }
}

/// Writes a style property only when it changes: placing runs every frame the page
/// changes, and an unchanged card must not cause work for the browser.
fn set_style(style: &web_sys::CssStyleDeclaration, prop: &str, value: &str) {
    if style.get_property_value(prop).ok().as_deref() != Some(value) {
        let _ = style.set_property(prop, value);
    }
}

/// Sets an attribute only when it changes (see [`set_style`]).
fn set_attr(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

/// Whole pixels: formatting an integer, not a float, keeps float printing out of the wasm,
/// and a u64 with its sign apart shares the agent's one integer printer.
pub(crate) fn px(v: f64) -> String {
    let v = v.round();
    let sign = if v < 0.0 { "-" } else { "" };
    // The cast saturates (and takes NaN to 0).
    sign.to_string() + &(v.abs() as u64).to_string() + "px"
}
