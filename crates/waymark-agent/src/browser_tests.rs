//! The adapter in real headless Chromium (wasm-bindgen-test): rendering, isolation,
//! placement against a live target, element facts, and the whole agent on a page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use waymark_core::format::{ButtonAction, Placement, StepKind};
use waymark_core::markdown;
use waymark_core::{ButtonView, StepView, Watch};
use web_sys::{Document, Element, HtmlElement};

use crate::follow::Follow;
use crate::page;
use crate::ui::Ui;

wasm_bindgen_test_configure!(run_in_browser);

fn doc() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

fn view(kind: StepKind, anchor: Option<u32>, body: &str) -> StepView {
    StepView {
        guide: "g".into(),
        step: "s".into(),
        index: 0,
        total: 2,
        kind,
        anchor,
        placement: Placement::Bottom,
        title: "Title <b>".into(),
        body: markdown::parse(body).unwrap(),
        buttons: vec![ButtonView { action: ButtonAction::Next, label: "Next".into(), url: None }],
        locale: "en".into(),
        rtl: false,
        preview: false,
    }
}

fn card(root: &Element) -> HtmlElement {
    root.shadow_root().unwrap().query_selector(".wm-card").unwrap().unwrap().dyn_into().unwrap()
}

fn add(html_id: &str, style: &str) -> HtmlElement {
    let el: HtmlElement = doc().create_element("button").unwrap().dyn_into().unwrap();
    el.set_id(html_id);
    el.set_text_content(Some("Target"));
    el.set_attribute("style", style).unwrap();
    doc().body().unwrap().append_child(&el).unwrap();
    el
}

#[wasm_bindgen_test]
fn renders_in_an_open_shadow_root_as_text_never_html() {
    let window = web_sys::window().unwrap();
    let mut ui = Ui::new(&doc(), Follow::new(|| {})).unwrap();
    ui.show(view(StepKind::Modal, None, "Use **bold** and a < b <3"), None, &window);
    let c = card(ui.root());
    assert_eq!(c.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(c.get_attribute("data-waymark-guide").as_deref(), Some("g"));
    assert_eq!(c.get_attribute("data-side").as_deref(), Some("center"));
    let title = c.query_selector(".wm-title").unwrap().unwrap();
    assert_eq!(title.text_content().as_deref(), Some("Title <b>"));
    assert!(title.query_selector("b").unwrap().is_none(), "guide text is never parsed as HTML");
    assert_eq!(c.query_selector("strong").unwrap().unwrap().text_content().as_deref(), Some("bold"));
    assert_eq!(
        c.query_selector("button[data-action=next]").unwrap().unwrap().text_content().as_deref(),
        Some("Next")
    );
    // A modal takes focus.
    let active = ui.root().shadow_root().unwrap().active_element().unwrap();
    assert_eq!(active.get_attribute("data-action").as_deref(), Some("next"));
    ui.remove();
    assert!(!ui.root().is_connected());
}

#[wasm_bindgen_test]
fn the_layer_goes_on_the_page_with_the_first_card_and_back_if_the_page_removes_it() {
    let window = web_sys::window().unwrap();
    let mut ui = Ui::new(&doc(), Follow::new(|| {})).unwrap();
    assert!(!ui.root().is_connected(), "no layer on the page before a card");
    ui.show(view(StepKind::Modal, None, "Body"), None, &window);
    assert!(ui.root().is_connected());
    // The page renders its body anew; the next frame places the card again.
    ui.root().remove();
    ui.place(None, &window);
    assert_eq!(ui.root().parent_element(), doc().body().map(Into::into));
    assert!(card(ui.root()).offset_width() > 0, "the card is laid out again");
    ui.remove();
}

#[wasm_bindgen_test]
fn host_css_does_not_reach_the_card() {
    let window = web_sys::window().unwrap();
    let style = doc().create_element("style").unwrap();
    style.set_text_content(Some(
        "* { letter-spacing: 9px !important; font-family: serif !important; box-sizing: content-box !important } div { color: red !important }",
    ));
    doc().head().unwrap().append_child(&style).unwrap();
    let mut ui = Ui::new(&doc(), Follow::new(|| {})).unwrap();
    ui.show(view(StepKind::Modal, None, "Hello"), None, &window);
    let cs = window.get_computed_style(&card(ui.root())).unwrap().unwrap();
    assert_eq!(cs.get_property_value("letter-spacing").unwrap(), "normal");
    assert_eq!(cs.get_property_value("box-sizing").unwrap(), "border-box");
    assert!(!cs.get_property_value("font-family").unwrap().starts_with("serif"));
    assert_eq!(cs.get_property_value("color").unwrap(), "rgb(31, 36, 48)");
    ui.remove();
    style.remove();
}

#[wasm_bindgen_test]
fn an_anchored_card_sits_on_its_side_inside_the_viewport() {
    let window = web_sys::window().unwrap();
    let target = add("anchor-a", "position:fixed;left:20px;top:200px;width:120px;height:30px");
    let mut ui = Ui::new(&doc(), Follow::new(|| {})).unwrap();
    ui.show(view(StepKind::Tooltip, Some(1), "Below the target"), Some(&target), &window);
    let c = card(ui.root());
    assert_eq!(c.get_attribute("data-side").as_deref(), Some("bottom"));
    let (t, r) = (target.get_bounding_client_rect(), c.get_bounding_client_rect());
    assert!(r.top() >= t.bottom(), "card below its target");
    assert!(
        r.left() >= 0.0 && r.right() <= window.inner_width().unwrap().as_f64().unwrap(),
        "inside the viewport"
    );
    // The target moves: placing again follows it.
    target.style().set_property("top", "400px").unwrap();
    ui.place(Some(&target), &window);
    let (t, r) = (target.get_bounding_client_rect(), c.get_bounding_client_rect());
    let vh = window.inner_height().unwrap().as_f64().unwrap();
    assert!(
        r.top() >= t.bottom() || r.bottom() <= t.top(),
        "moved with the target: {} {} {} {} vh {vh}",
        t.top(),
        t.bottom(),
        r.top(),
        r.bottom()
    );
    ui.remove();
    target.remove();
}

#[wasm_bindgen_test]
fn facts_use_fallbacks_and_text() {
    let a = add("fact-a", "");
    a.set_text_content(Some("New project"));
    a.set_class_name("cta");
    let watch = |selector: &str, fallbacks: &[&str], text: Option<&str>| Watch {
        id: 7,
        selector: selector.into(),
        text: text.map(str::to_string),
        fallbacks: fallbacks.iter().map(|s| s.to_string()).collect(),
        input: None,
    };
    let facts = |w: Watch| crate::watches::Watches::default().set(&doc(), vec![w]);
    let f = facts(watch("#missing", &[".cta"], None));
    assert!(f[0].present && f[0].visible && f[0].rect.is_some());
    let f = facts(watch("button.cta", &[], Some("new PROJECT")));
    assert!(f[0].present);
    let f = facts(watch("button.cta", &[], Some("Delete")));
    assert!(!f[0].present);
    let inner = doc().create_element("span").unwrap();
    a.append_child(&inner).unwrap();
    assert!(page::hits(&inner, &watch("#fact-a", &[], None)), "a click inside the target hits it");
    assert!(page::actionable(&inner));
    assert_eq!(page::field_name(&a), "#fact-a");
    a.remove();
}

#[wasm_bindgen_test]
async fn the_agent_waits_for_a_late_target_persists_and_dismisses_on_escape() {
    let _turn = agent_turn().await;
    let guides = r##"[{"id":"late","name":"Late","steps":[{"id":"a","target":{"selector":"#late-target"},"title":"Hi","advance":{"on":"click"}},{"id":"b","kind":"modal","title":"Two"}]}]"##;
    let url = feed_url(guides);
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"key".into(), &"test".into()).unwrap();
    js_sys::Reflect::set(&config, &"guides".into(), &url.into()).unwrap();
    js_sys::Reflect::set(&config, &"user".into(), &"u1".into()).unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let agent = crate::start(config.into()).unwrap();
    let shadow_card = || {
        doc()
            .get_element_by_id("waymark-root")
            .and_then(|r| r.shadow_root())
            .and_then(|s| s.query_selector(".wm-card").ok().flatten())
    };
    sleep(300).await;
    assert!(shadow_card().is_none(), "no card before its target exists");
    let target = add("late-target", "position:fixed;left:300px;top:300px");
    sleep(300).await;
    let c = shadow_card().expect("the mutation observer noticed the late target");
    assert_eq!(c.get_attribute("data-waymark-step").as_deref(), Some("a"));
    target.click();
    sleep(100).await;
    assert_eq!(shadow_card().and_then(|c| c.get_attribute("data-waymark-step")).as_deref(), Some("b"));
    let saved = stored_state(&storage);
    assert_eq!(
        saved.active.map(|a| (a.guide, a.step)),
        Some(("late".to_string(), 1)),
        "progress is persisted"
    );
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &{
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("Escape");
        init.set_bubbles(true);
        init
    })
    .unwrap();
    doc().dispatch_event(&esc).unwrap();
    sleep(100).await;
    assert!(shadow_card().is_none(), "Escape dismisses");
    let saved = stored_state(&storage);
    assert!(saved.guides.get("late").is_some_and(|g| g.dismissed.is_some()), "{saved:?}");
    assert!(saved.active.is_none());
    drop(agent);
    target.remove();
}

/// Another tab of the same user: what it stores is heard (a card it closed closes here)
/// and merged before this tab writes, so neither tab's progress is lost.
#[wasm_bindgen_test]
async fn another_tabs_progress_is_heard_and_never_written_over() {
    let _turn = agent_turn().await;
    let guides = r##"[{"id":"m","name":"M","steps":[{"id":"a","kind":"modal","title":"Hi"}]},
        {"id":"n","name":"N","trigger":{"on":"manual"},"steps":[{"id":"a","kind":"modal","title":"N"}]}]"##;
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"key".into(), &"test".into()).unwrap();
    js_sys::Reflect::set(&config, &"guides".into(), &feed_url(guides).into()).unwrap();
    js_sys::Reflect::set(&config, &"user".into(), &"u1".into()).unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let agent = crate::start(config.into()).unwrap();
    sleep(300).await;
    let shown = || {
        let root = doc().get_element_by_id("waymark-root")?;
        root.shadow_root()?.query_selector(".wm-card").ok().flatten()?.get_attribute("data-waymark-guide")
    };
    assert_eq!(shown().as_deref(), Some("m"));
    let other_tab_stores = |change: &dyn Fn(&mut waymark_core::UserState)| {
        let mut state = stored_state(&storage);
        change(&mut state);
        let b64 = crate::agent::to_base64(&web_sys::window().unwrap(), &state.encode()).unwrap();
        storage.set_item("waymark:test:u1", &b64).unwrap();
        b64
    };
    // The other tab closes `m`; the browser tells this tab with a `storage` event.
    let b64 = other_tab_stores(&|s| {
        if let Some(r) = s.guides.get_mut("m") {
            r.dismissed = r.last_start;
        }
        s.active = None;
    });
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some("waymark:test:u1"));
    init.set_new_value(Some(&b64));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    sleep(100).await;
    assert_eq!(shown(), None, "closed here too");
    // The other tab completes a guide this tab has not heard of; this tab then writes.
    other_tab_stores(&|s| {
        s.guides.insert(
            "x".into(),
            waymark_core::state::GuideRecord { completed: Some(5), ..Default::default() },
        );
    });
    agent.start("n".into());
    sleep(100).await;
    assert_eq!(shown().as_deref(), Some("n"));
    let saved = stored_state(&storage);
    let record =
        |id: &str| saved.guides.get(id).map(|r| (r.starts, r.completed.is_some(), r.dismissed.is_some()));
    assert_eq!(
        [record("m"), record("n"), record("x")],
        [Some((1, false, true)), Some((1, false, false)), Some((0, true, false))],
        "{saved:?}"
    );
    assert_eq!(saved.active.map(|a| a.guide).as_deref(), Some("n"));
}

/// A page runs one agent: a second start does nothing while the first runs.
#[wasm_bindgen_test]
async fn a_second_start_on_the_page_does_nothing() {
    let _turn = agent_turn().await;
    let config = js_sys::Object::new();
    let guides = r##"[{"id":"m","name":"M","steps":[{"id":"a","kind":"modal","title":"Hi"}]}]"##;
    js_sys::Reflect::set(&config, &"key".into(), &"twice".into()).unwrap();
    js_sys::Reflect::set(&config, &"guides".into(), &feed_url(guides).into()).unwrap();
    assert!(crate::start(config.clone().into()).is_some());
    assert!(crate::start(config.into()).is_none(), "the second start is refused");
    sleep(200).await;
    let layers = doc().query_selector_all("#waymark-root").unwrap();
    assert_eq!(layers.length(), 1, "one layer");
    let root: Element = layers.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(card(&root).get_attribute("data-waymark-guide").as_deref(), Some("m"), "one card");
}

/// An agent unhooked while its guides load (as after a panic) never comes onto the page:
/// no layer, no card, however the feed arrives later.
#[wasm_bindgen_test]
async fn an_agent_stopped_while_its_guides_load_stays_off_the_page() {
    let _turn = agent_turn().await;
    let guides = r##"[{"id":"m","name":"M","steps":[{"id":"a","kind":"modal","title":"Hi"}]}]"##;
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"key".into(), &"stopped".into()).unwrap();
    js_sys::Reflect::set(&config, &"guides".into(), &feed_url(guides).into()).unwrap();
    assert!(crate::start(config.into()).is_some());
    crate::agent::stop();
    sleep(300).await;
    assert!(doc().get_element_by_id("waymark-root").is_none(), "no layer from a stopped agent");
}

#[wasm_bindgen_test]
fn guide_patterns_compile_with_the_browsers_regexp() {
    use waymark_core::pattern::Pattern;
    let p = Pattern::new("^/p/[0-9]+$".into(), &page::BrowserRegExp).unwrap();
    assert!(p.is_match("/p/12") && !p.is_match("/p/x"));
    let err = Pattern::new("(".into(), &page::BrowserRegExp).err().unwrap();
    assert!(err.contains("Invalid regular expression"), "{err}");
    // Globs (translated with regex-lite's escaping) and input conditions work in the browser.
    let json = r#"[{"id":"g","name":"G","audience":{"urls":[{"glob":"/a-b.c/*/x~y&z#"},{"regex":"^/r/\\d+$"}]},
        "steps":[{"id":"s","title":"t","target":{"selector":"input"},"advance":{"on":"input","when":{"pattern":"[a-z]{2,}"}}}]}]"#;
    let loaded = waymark_core::load(
        &[waymark_core::Source { name: "g.json", text: json }],
        &waymark_core::AnySelector,
    );
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let feed =
        waymark_core::wire::decode_feed(&waymark_core::wire::encode_feed(&loaded), &page::BrowserRegExp)
            .unwrap();
    assert!(feed.broken.is_empty(), "{:?}", feed.broken);
    assert_eq!(feed.guides.len(), 1);
}

/// A `data:` URL serving the guide feed compiled from `json` (as the collector would).
pub(crate) fn feed_url(json: &str) -> String {
    let loaded = waymark_core::load(
        &[waymark_core::Source { name: "test.json", text: json }],
        &waymark_core::AnySelector,
    );
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let feed = waymark_core::wire::encode_feed(&loaded);
    format!(
        "data:application/vnd.waymark.feed;base64,{}",
        crate::agent::to_base64(&web_sys::window().unwrap(), &feed).unwrap()
    )
}

/// The progress the agent stored for user `u1` of key `test`.
fn stored_state(storage: &web_sys::Storage) -> waymark_core::UserState {
    let saved = storage.get_item("waymark:test:u1").unwrap().expect("a stored state");
    let bytes = crate::agent::from_base64(&web_sys::window().unwrap(), &saved).unwrap();
    waymark_core::UserState::decode(&bytes)
}

thread_local! {
    static AGENT_ON_PAGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A whole agent's turn on the test page. A page runs one agent (a second `start` is
/// refused), while async tests interleave: tests that start one take turns, and a turn
/// ends with that agent unhooked and its layer removed.
pub(crate) struct AgentTurn;

pub(crate) async fn agent_turn() -> AgentTurn {
    while AGENT_ON_PAGE.with(|busy| busy.replace(true)) {
        sleep(20).await;
    }
    AgentTurn
}

impl Drop for AgentTurn {
    fn drop(&mut self) {
        crate::agent::stop();
        AGENT_ON_PAGE.with(|busy| busy.set(false));
    }
}

pub(crate) async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}
