//! The engine's watches answered incrementally: each frame looks only where the page
//! changed (the mutation records since the last evaluation) instead of re-querying every
//! selector against the whole document, and the answer is the same as a full query.
//!
//! Whether an element matches a "local" selector (types, ids, classes, attributes, the
//! descendant and child combinators, `:not`/`:is`/`:where` of those) depends only on the
//! element and its ancestors, so a new match can only appear inside an added subtree or
//! under an element whose watched attributes changed, and a matched element stays right
//! while it is connected and still matches. Selectors whose matches depend on siblings or
//! descendants are re-queried on any change, and those that can change with no mutation
//! at all (`:hover`, `:checked`, ...) on every frame. Too many changes, or any error,
//! re-query everything.

use wasm_bindgen::JsCast;
use waymark_core::{Fact, Watch, WatchId};
use web_sys::{Document, Element, MutationRecord, Node};

use crate::page;

/// Changed nodes in one frame beyond which re-querying everything is cheaper.
const MAX_CHANGES: usize = 200;

/// What a selector's matches depend on, from least to most to re-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// The element, its attributes and its ancestors.
    Local,
    /// Also siblings or descendants: re-queried on any DOM change.
    Structural,
    /// State no mutation reports (focus, hover, form state): re-queried every frame.
    Volatile,
}

/// Pseudo-classes that keep a selector local (their arguments are scanned too).
const LOCAL_PSEUDO: &[&str] = &["not", "is", "where", "root", "scope"];
/// Pseudo-classes that depend on siblings or descendants.
const STRUCTURAL_PSEUDO: &[&str] = &[
    "has",
    "empty",
    "first-child",
    "last-child",
    "only-child",
    "first-of-type",
    "last-of-type",
    "only-of-type",
    "nth-child",
    "nth-last-child",
    "nth-of-type",
    "nth-last-of-type",
];

/// Classifies `sel` and adds the attribute names it reads to `attrs`.
fn scope_of(sel: &str, attrs: &mut Vec<String>) -> Scope {
    let mut scope = Scope::Local;
    let mut chars = sel.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Escapes and namespaces are rare: not worth parsing exactly.
            '\\' | '|' => return Scope::Volatile,
            // The guard skips the string; only an unterminated or escaped one stops here.
            '"' | '\'' if !skip_string(&mut chars, c) => return Scope::Volatile,
            '[' => {
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| is_ident(*c)) {
                    name.push(c.to_ascii_lowercase());
                }
                if name.is_empty() {
                    return Scope::Volatile;
                }
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some('\\') | None => return Scope::Volatile,
                        Some('|') if chars.peek() != Some(&'=') => return Scope::Volatile,
                        Some(q @ ('"' | '\'')) if !skip_string(&mut chars, q) => return Scope::Volatile,
                        Some(_) => {}
                    }
                }
                if !attrs.contains(&name) {
                    attrs.push(name);
                }
            }
            '+' | '~' => scope = scope.max(Scope::Structural),
            ':' => {
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| is_ident(*c)) {
                    name.push(c.to_ascii_lowercase());
                }
                if STRUCTURAL_PSEUDO.contains(&name.as_str()) {
                    scope = scope.max(Scope::Structural);
                } else if !LOCAL_PSEUDO.contains(&name.as_str()) {
                    return Scope::Volatile;
                }
            }
            _ => {}
        }
    }
    scope
}

/// Skips a quoted string up to its closing `quote`; false if it has escapes or no end.
/// A character of a CSS name: ASCII letters, digits, `-`, `_`, or any non-ASCII (CSS
/// allows them all; testing ASCII only also keeps Unicode tables out of the wasm).
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii()
}

fn skip_string(chars: &mut impl Iterator<Item = char>, quote: char) -> bool {
    for c in chars {
        if c == quote {
            return true;
        }
        if c == '\\' {
            return false;
        }
    }
    false
}

/// One watch and what is known about it.
struct Tracked {
    watch: Watch,
    scope: Scope,
    /// The element found and which selector found it (0: the selector, then fallbacks).
    hit: Option<(usize, Element)>,
    /// The element the last fact was about: `hit`, or a copy of it that can be seen.
    seen: Option<Element>,
    /// The last fact the engine was given.
    sent: Option<Fact>,
}

impl Tracked {
    /// Brings `hit` up to date from this frame's changes when the selectors are local;
    /// `None` when only a full query can tell.
    fn update(&mut self, roots: &[Element], texts: &[Element]) -> Option<()> {
        let upto = match &self.hit {
            Some((k, el)) => {
                let sel = page::selectors(&self.watch).nth(*k)?;
                if !el.is_connected() || !el.matches(sel).ok()? {
                    return None;
                }
                k + 1
            }
            None => usize::MAX,
        };
        if self.watch.text.is_some() {
            // Text can change anywhere inside a matching ancestor: any change near a
            // candidate sends the watch to a full query, which filters by text.
            for sel in page::selectors(&self.watch).take(upto) {
                for r in roots {
                    if within(r, sel)?.is_some() {
                        return None;
                    }
                }
                for t in texts {
                    if t.closest(sel).ok()?.is_some() {
                        return None;
                    }
                }
            }
            return Some(());
        }
        // Earlier selectors had no match anywhere, and elements that did not change keep
        // their order: the first match is the earliest of the changed subtrees' first
        // matches and the element already held.
        for (j, sel) in page::selectors(&self.watch).take(upto).enumerate() {
            let mut best = self.hit.as_ref().filter(|(k, _)| *k == j).map(|(_, el)| el.clone());
            let mut found = false;
            for r in roots {
                if let Some(c) = within(r, sel)? {
                    found = true;
                    best = Some(match best {
                        Some(b) if !precedes(&c, &b) => b,
                        _ => c,
                    });
                }
            }
            if found {
                self.hit = best.map(|el| (j, el));
                return Some(());
            }
        }
        Some(())
    }
}

/// The first element matching `sel` in the subtree rooted at `root`, root included.
fn within(root: &Element, sel: &str) -> Option<Option<Element>> {
    if root.matches(sel).ok()? {
        return Some(Some(root.clone()));
    }
    root.query_selector(sel).ok()
}

/// Whether `a` comes before `b` in document order.
fn precedes(a: &Element, b: &Element) -> bool {
    a.compare_document_position(b) & Node::DOCUMENT_POSITION_FOLLOWING != 0
}

/// The watched elements, what the engine was told about them, and the page changes not
/// yet looked at.
#[derive(Default)]
pub(crate) struct Watches {
    list: Vec<Tracked>,
    /// Attribute names selectors read (always `id` and `class`).
    attrs: Vec<String>,
    /// Every local selector as one selector list: one call tells whether a changed
    /// subtree concerns any watch.
    local: String,
    /// The local selectors of watches with a text condition.
    local_text: String,
    records: Vec<js_sys::Array>,
    pending: usize,
    overflow: bool,
    resend: bool,
}

impl Watches {
    /// Replaces the watched set and answers every watch with a full query.
    pub(crate) fn set(&mut self, doc: &Document, watches: Vec<Watch>) -> Vec<Fact> {
        let mut attrs = vec!["id".to_string(), "class".to_string()];
        let (mut local, mut local_text) = (String::new(), String::new());
        self.list = watches
            .into_iter()
            .map(|watch| {
                let scope =
                    page::selectors(&watch).map(|s| scope_of(s, &mut attrs)).max().unwrap_or(Scope::Local);
                if scope == Scope::Local {
                    for s in page::selectors(&watch) {
                        for group in [Some(&mut local), watch.text.as_ref().map(|_| &mut local_text)]
                            .into_iter()
                            .flatten()
                        {
                            if !group.is_empty() {
                                group.push(',');
                            }
                            group.push_str(s);
                        }
                    }
                }
                let hit = page::find(doc, &watch);
                Tracked { watch, scope, hit, seen: None, sent: None }
            })
            .collect();
        (self.attrs, self.local, self.local_text) = (attrs, local, local_text);
        self.resend = false;
        self.answers(doc, true)
    }

    /// Whether a watched element is on the page but cannot be seen, as the engine was
    /// last told: hovering or focusing may reveal it with no change the observer reports.
    pub(crate) fn awaits_sight(&self) -> bool {
        self.list.iter().any(|t| t.sent.as_ref().is_some_and(|f| f.present && !f.visible))
    }

    /// The watches, for clicks and input.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Watch> {
        self.list.iter().map(|t| &t.watch)
    }

    /// What the mutation observer must report for these watches: the tree and text under
    /// `<body>`, and the attributes selectors read or that change whether an element shows
    /// (`open` on `<details>` and `<dialog>`).
    pub(crate) fn observer_init(&self) -> web_sys::MutationObserverInit {
        let filter = js_sys::Array::of2(&"style".into(), &"hidden".into());
        filter.push(&"open".into());
        for a in &self.attrs {
            filter.push(&a.into());
        }
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        init.set_character_data(true);
        init.set_attributes(true);
        init.set_attribute_filter(&filter);
        init
    }

    /// Keeps a mutation observer batch for the next evaluation.
    pub(crate) fn record(&mut self, records: js_sys::Array) {
        self.pending += records.length() as usize;
        if self.pending > MAX_CHANGES {
            self.overflow = true;
            self.records.clear();
        } else if !self.overflow {
            self.records.push(records);
        }
    }

    /// The engine forgot its facts (a new page or engine): the next answer is complete.
    pub(crate) fn resend(&mut self) {
        self.resend = true;
    }

    /// The element a watch describes now.
    pub(crate) fn element(&self, doc: &Document, id: WatchId) -> Option<Element> {
        let t = self.list.iter().find(|t| t.watch.id == id)?;
        if self.pending == 0 && !self.overflow && t.scope != Scope::Volatile {
            return t.seen.clone();
        }
        page::find(doc, &t.watch).map(|(k, el)| page::seen(doc, &t.watch, k, &el).el)
    }

    /// Looks at the page changes since the last evaluation and returns the facts that
    /// differ from what the engine was told (all of them after [`Self::resend`]).
    pub(crate) fn facts(&mut self, doc: &Document) -> Vec<Fact> {
        let records = std::mem::take(&mut self.records);
        let mutated = self.pending > 0;
        let overflow = std::mem::take(&mut self.overflow);
        self.pending = 0;
        let changes = if overflow || !mutated { Some(Changes::default()) } else { self.changes(&records) };
        let full = overflow || changes.is_none();
        let Changes { roots, texts } = changes.unwrap_or_default();
        for t in &mut self.list {
            let requery = full
                || match t.scope {
                    Scope::Volatile => true,
                    Scope::Structural => mutated,
                    Scope::Local => mutated && t.update(&roots, &texts).is_none(),
                };
            if requery {
                t.hit = page::find(doc, &t.watch);
            }
        }
        let all = std::mem::take(&mut self.resend);
        self.answers(doc, all)
    }

    fn answers(&mut self, doc: &Document, all: bool) -> Vec<Fact> {
        let mut out = Vec::new();
        for t in &mut self.list {
            let seen = t.hit.as_ref().map(|(k, el)| page::seen(doc, &t.watch, *k, el));
            let fact = page::fact(t.watch.id, seen.as_ref());
            t.seen = seen.map(|s| s.el);
            if all || t.sent.as_ref() != Some(&fact) {
                out.push(fact.clone());
                t.sent = Some(fact);
            }
        }
        out
    }

    /// The changed subtrees that can hold a new match of some local selector, and the
    /// elements whose text changed; `None` when a full query is cheaper or safer.
    fn changes(&self, batches: &[js_sys::Array]) -> Option<Changes> {
        let mut roots: Vec<Element> = Vec::new();
        let mut texts: Vec<Element> = Vec::new();
        let push = |list: &mut Vec<Element>, el: Element| {
            if !list.last().is_some_and(|l| l.is_same_node(Some(&el))) {
                list.push(el);
            }
        };
        for batch in batches {
            for r in batch.iter() {
                let r: MutationRecord = r.unchecked_into();
                let target = r.target()?;
                if let Some(name) = r.attribute_name() {
                    if self.attrs.contains(&name) {
                        push(&mut roots, target.dyn_into().ok()?);
                    }
                    continue;
                }
                let added = r.added_nodes();
                for i in 0..added.length() {
                    if let Some(el) = added.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        push(&mut roots, el);
                    }
                }
                if !self.local_text.is_empty() {
                    // childList: the parent's text changed; characterData: the text node's.
                    let el = match target.dyn_into::<Element>() {
                        Ok(el) => el,
                        Err(node) => node.parent_element()?,
                    };
                    push(&mut texts, el);
                }
            }
        }
        if roots.len() + texts.len() > MAX_CHANGES {
            return None;
        }
        let mut relevant = Vec::new();
        if !self.local.is_empty() {
            for r in roots {
                if r.is_connected() && within(&r, &self.local)?.is_some() {
                    relevant.push(r);
                }
            }
        }
        let mut near_text = Vec::new();
        for t in texts {
            if t.closest(&self.local_text).ok()?.is_some() {
                near_text.push(t);
            }
        }
        Some(Changes { roots: relevant, texts: near_text })
    }
}

/// This frame's changes that concern some watch.
#[derive(Default)]
struct Changes {
    /// Connected added subtrees and elements with changed attributes holding a match.
    roots: Vec<Element>,
    /// Elements whose text changed, inside an element a text watch's selector matches.
    texts: Vec<Element>,
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;
    use waymark_core::{Fact, Watch};
    use web_sys::{Document, Element, HtmlElement, MutationObserver};

    use super::{Scope, Watches, scope_of};
    use crate::page;

    wasm_bindgen_test_configure!(run_in_browser);

    fn doc() -> Document {
        web_sys::window().unwrap().document().unwrap()
    }

    fn watch(id: u32, selector: &str, fallbacks: &[&str], text: Option<&str>) -> Watch {
        Watch {
            id,
            selector: selector.into(),
            text: text.map(str::to_string),
            fallbacks: fallbacks.iter().map(|s| s.to_string()).collect(),
            input: None,
        }
    }

    /// Watches fed by a real mutation observer on `<body>`, as the agent runs them.
    struct Page {
        watches: Watches,
        list: Vec<Watch>,
        observer: MutationObserver,
        zone: HtmlElement,
    }

    impl Page {
        fn new(html: &str, list: Vec<Watch>) -> Self {
            let zone: HtmlElement = doc().create_element("div").unwrap().dyn_into().unwrap();
            zone.set_inner_html(html);
            doc().body().unwrap().append_child(&zone).unwrap();
            let mut watches = Watches::default();
            watches.set(&doc(), list.clone());
            let observer = MutationObserver::new(&js_sys::Function::new_no_args("")).unwrap();
            observer.observe_with_options(&doc().body().unwrap(), &watches.observer_init()).unwrap();
            Page { watches, list, observer, zone }
        }

        fn el(&self, sel: &str) -> Element {
            self.zone.query_selector(sel).unwrap().unwrap()
        }

        /// This frame's changed facts, after checking every watch's element is exactly
        /// the one a full query finds now.
        fn frame(&mut self) -> Vec<Fact> {
            self.watches.record(self.observer.take_records());
            let facts = self.watches.facts(&doc());
            for w in &self.list {
                let incremental = self.watches.element(&doc(), w.id);
                let full = page::find(&doc(), w).map(|(_, el)| el);
                let same = match (&incremental, &full) {
                    (Some(a), Some(b)) => a.is_same_node(Some(b)),
                    (None, None) => true,
                    _ => false,
                };
                assert!(
                    same,
                    "watch {} ({}): incremental {incremental:?}, full query {full:?}",
                    w.id, w.selector
                );
            }
            facts
        }
    }

    /// What this frame told the engine about watch `id`'s presence, if anything.
    fn present(facts: &[Fact], id: u32) -> Option<bool> {
        facts.iter().find(|f| f.watch == id).map(|f| f.present)
    }

    impl Drop for Page {
        fn drop(&mut self) {
            self.observer.disconnect();
            self.zone.remove();
        }
    }

    /// What this frame told the engine about watch `id`'s visibility, if anything.
    fn visible(facts: &[Fact], id: u32) -> Option<bool> {
        facts.iter().find(|f| f.watch == id).map(|f| f.visible)
    }

    #[wasm_bindgen_test]
    fn a_target_a_class_hides_or_reveals_is_reported_and_seen() {
        let style = doc().create_element("style").unwrap();
        style.set_text_content(Some(
            ".wm-t-menu { visibility: hidden } .wm-t-menu.open { visibility: visible }",
        ));
        doc().head().unwrap().append_child(&style).unwrap();
        let mut page = Page::new(
            r#"<div class="wm-t-menu"><button id="wm-t-item">Export</button></div>"#,
            vec![watch(1, "#wm-t-item", &[], None)],
        );
        let hidden = page::fact(1, Some(&page::seen(&doc(), &page.list[0], 0, &page.el("#wm-t-item"))));
        assert!(hidden.present && !hidden.visible, "{hidden:?}");
        assert!(page.watches.awaits_sight(), "a hover or a focus is worth a look");
        assert_eq!(page.frame(), [], "nothing changed yet");
        page.el(".wm-t-menu").class_list().add_1("open").unwrap();
        // Apps reveal with a class: the observer reports it whatever the selectors read.
        let records = page.observer.take_records();
        assert_eq!(records.length(), 1, "the class change is reported");
        page.watches.record(records);
        let facts = page.watches.facts(&doc());
        assert_eq!(visible(&facts, 1), Some(true), "revealed: {facts:?}");
        assert!(!page.watches.awaits_sight());
        drop(page);
        style.remove();
    }

    #[wasm_bindgen_test]
    fn a_target_rendered_twice_stands_for_the_copy_that_can_be_seen() {
        let page = Page::new(
            r#"<div style="display:none"><a class="wm-t-twice">A</a></div><a class="wm-t-twice" id="wm-t-seen">B</a>"#,
            vec![watch(1, ".wm-t-twice", &[], None)],
        );
        let el = page.watches.element(&doc(), 1).unwrap();
        assert_eq!(el.id(), "wm-t-seen", "the hidden first match gives way");
    }

    #[wasm_bindgen_test]
    fn selectors_are_classified_by_what_their_matches_depend_on() {
        let mut attrs = Vec::new();
        assert_eq!(scope_of(".open > #menu a[data-Role=\"x]\"]:not(.off)", &mut attrs), Scope::Local);
        assert_eq!(attrs, ["data-role"]);
        for s in [".a + .b", ".a ~ .b", "li:nth-child(2)", "ul:has(.x)", "p:empty", "li:not(:last-child)"] {
            assert_eq!(scope_of(s, &mut attrs), Scope::Structural, "{s}");
        }
        for s in ["input:checked", "a:hover", "p::before", "svg|a", "#a\\:b", "[x=\"unterminated]"] {
            assert_eq!(scope_of(s, &mut attrs), Scope::Volatile, "{s}");
        }
    }

    #[wasm_bindgen_test]
    fn an_element_appearing_inside_an_added_subtree_is_found() {
        let mut p = Page::new("<section id=s1></section>", vec![watch(1, "#wm-menu .item.new", &[], None)]);
        let added = doc().create_element("div").unwrap();
        added.set_inner_html(
            "<div id=wm-menu><ul><li class=item>a</li><li class='item new'>b</li></ul></div>",
        );
        assert_eq!(present(&p.frame(), 1), None, "nothing changed: nothing to tell");
        p.el("#s1").append_child(&added).unwrap();
        assert_eq!(present(&p.frame(), 1), Some(true));
        added.remove();
        assert_eq!(present(&p.frame(), 1), Some(false));
    }

    #[wasm_bindgen_test]
    fn an_attribute_on_an_ancestor_makes_a_scoped_selector_match() {
        let mut p = Page::new(
            "<nav id=wm-nav><div><button id=wm-target>Go</button></div></nav>",
            vec![watch(2, ".open #wm-target", &[], None), watch(3, "[data-state=on] button", &[], None)],
        );
        p.el("#wm-nav").set_class_name("open");
        assert_eq!(present(&p.frame(), 2), Some(true));
        p.el("#wm-nav").set_attribute("data-state", "on").unwrap();
        assert_eq!(present(&p.frame(), 3), Some(true));
        p.el("#wm-nav").set_class_name("");
        let facts = p.frame();
        assert_eq!((present(&facts, 2), present(&facts, 3)), (Some(false), None));
    }

    #[wasm_bindgen_test]
    fn a_sibling_insert_changes_a_sibling_combinator_match() {
        let mut p = Page::new("<p class=wm-value>1</p>", vec![watch(4, ".wm-label + .wm-value", &[], None)]);
        let label = doc().create_element("p").unwrap();
        label.set_class_name("wm-label");
        p.zone.insert_before(&label, p.zone.first_child().as_ref()).unwrap();
        assert_eq!(present(&p.frame(), 4), Some(true));
        label.remove();
        assert_eq!(present(&p.frame(), 4), Some(false));
    }

    #[wasm_bindgen_test]
    fn a_removed_target_is_absent_and_an_earlier_match_takes_over() {
        let mut p = Page::new(
            "<i class='wm-it b'></i><span class=wm-second>2</span>",
            vec![watch(5, ".wm-it", &[], None), watch(6, "#wm-first", &[".wm-second"], None)],
        );
        // A new first match in document order, and a preferred selector appearing.
        let a = doc().create_element("i").unwrap();
        a.set_class_name("wm-it a");
        let first = doc().create_element("span").unwrap();
        first.set_id("wm-first");
        p.zone.insert_before(&a, p.zone.first_child().as_ref()).unwrap();
        p.zone.append_child(&first).unwrap();
        p.frame();
        assert!(p.watches.element(&doc(), 5).unwrap().is_same_node(Some(&a)));
        assert!(p.watches.element(&doc(), 6).unwrap().is_same_node(Some(&first)));
        a.remove();
        p.el(".wm-it").remove();
        assert_eq!(present(&p.frame(), 5), Some(false));
    }

    #[wasm_bindgen_test]
    fn text_targets_follow_text_changes() {
        let mut p = Page::new(
            "<button class=wm-act>Cancel</button><div class=wm-box><b>Sa</b></div>",
            vec![watch(7, "button.wm-act", &[], Some("save")), watch(8, ".wm-box", &[], Some("save now"))],
        );
        let text = p.el("button").first_child().unwrap();
        text.set_node_value(Some(" Save "));
        assert_eq!(present(&p.frame(), 7), Some(true));
        text.set_node_value(Some("Close"));
        assert_eq!(present(&p.frame(), 7), Some(false));
        // Text added deep inside a matching ancestor.
        p.el(".wm-box b").append_child(&doc().create_text_node("ve now")).unwrap();
        assert_eq!(present(&p.frame(), 8), Some(true));
    }

    #[wasm_bindgen_test]
    fn a_moving_target_reports_its_new_place_and_a_flood_of_changes_stays_exact() {
        let mut p = Page::new(
            "<button id=wm-moving style='position:fixed;left:10px;top:100px'>x</button>",
            vec![watch(9, "#wm-moving", &[], None), watch(10, ".wm-flood.last", &[], None)],
        );
        p.el("#wm-moving").dyn_into::<HtmlElement>().unwrap().style().set_property("top", "300px").unwrap();
        let facts = p.frame();
        assert_eq!(facts.iter().find(|f| f.watch == 9).and_then(|f| f.rect).map(|r| r.y), Some(300.0));
        for i in 0..300 {
            let el = doc().create_element("i").unwrap();
            el.set_class_name(if i == 299 { "wm-flood last" } else { "wm-flood" });
            p.zone.append_child(&el).unwrap();
        }
        assert_eq!(present(&p.frame(), 10), Some(true));
    }
}
