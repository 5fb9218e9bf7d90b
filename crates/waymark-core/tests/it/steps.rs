//! Step progression: advancing, the missing-target policies, resuming, priority, preview.

use expect_test::expect;
use waymark_core::{EventKind, Input};

use crate::harness::Sim;

pub const TOUR: &str = r##"{
  "id": "tour", "name": "Tour",
  "audience": { "urls": [{ "prefix": "/app" }] },
  "steps": [
    { "id": "hello", "kind": "modal", "title": "Hello" },
    { "id": "menu", "target": { "selector": "#menu" }, "title": "Menu", "advance": { "on": "click" } },
    { "id": "name", "target": { "selector": "#name" }, "title": "Name", "advance": { "on": "input", "when": { "min_length": 3 } } },
    { "id": "bye", "kind": "modal", "title": "Bye" }
  ]
}"##;

#[test]
fn a_tour_advances_by_button_click_and_input() {
    let mut sim = Sim::new(TOUR);
    sim.page("https://app.example.com/app?session=secret");
    sim.advance(1_000);
    sim.press("Next");
    sim.advance(2_000);
    sim.set("#menu", true);
    sim.click("#menu");
    sim.set("#name", true);
    sim.type_into("#name", "ab", true);
    sim.type_into("#name", "abc", true);
    sim.press("Done");
    expect![[r#"
        0.0s    event page_view /app
        0.0s    event guide_shown tour cause=page_load
        0.0s    event step_shown tour/hello #0 centred
        0.0s    show tour/hello 1/4 centred ["Next"]
        1.0s    event step_completed tour/hello #0 1000ms
        1.0s    hide tour/hello
        3.0s    event step_shown tour/menu #1
        3.0s    show tour/menu 2/4 anchored ["Back"]
        3.0s    event step_completed tour/menu #1 0ms
        3.0s    hide tour/menu
        3.0s    event step_shown tour/name #2
        3.0s    show tour/name 3/4 anchored ["Back"]
        3.0s    event step_completed tour/name #2 0ms
        3.0s    hide tour/name
        3.0s    event step_shown tour/bye #3 centred
        3.0s    show tour/bye 4/4 centred ["Back", "Done"]
        3.0s    event step_completed tour/bye #3 0ms
        3.0s    hide tour/bye
        3.0s    event guide_completed tour 3000ms
    "#]]
    .assert_eq(&sim.log());
    assert!(sim.events.iter().all(|e| e.path == "/app"), "query strings never reach events");
    assert!(sim.state.guides.get("tour").is_some_and(|g| g.completed.is_some()));
    assert_eq!(sim.state.active, None);
}

fn with_missing(then: &str) -> String {
    format!(
        r##"{{ "id": "m", "name": "M", "steps": [
            {{ "id": "one", "target": {{ "selector": "#gone", "missing": {{ "wait": "3s", "then": "{then}" }} }}, "title": "One" }},
            {{ "id": "two", "kind": "modal", "title": "Two" }}
        ] }}"##
    )
}

// t(s): 0 page ─── waiting for #gone ─── 3 target_missing → policy
#[test]
fn missing_target_policies() {
    let mut sim = Sim::new(&with_missing("skip"));
    sim.page("/x");
    sim.advance(5_000);
    expect![[r#"
        0.0s    event page_view /x
        3.0s    event target_missing m/one #gone after 3000ms
        3.0s    event guide_shown m cause=page_load
        3.0s    event step_shown m/two #1 centred
        3.0s    show m/two 2/2 centred ["Back", "Done"]
    "#]]
    .assert_eq(&sim.log());

    let mut sim = Sim::new(&with_missing("center"));
    sim.page("/x");
    sim.advance(5_000);
    expect![[r#"
        0.0s    event page_view /x
        3.0s    event target_missing m/one #gone after 3000ms
        3.0s    event guide_shown m cause=page_load
        3.0s    event step_shown m/one #0 centred
        3.0s    show m/one 1/2 centred ["Next"]
    "#]]
    .assert_eq(&sim.log());

    let mut sim = Sim::new(&with_missing("end"));
    sim.page("/x");
    sim.advance(5_000);
    expect![[r#"
        0.0s    event page_view /x
        3.0s    event target_missing m/one #gone after 3000ms
    "#]]
    .assert_eq(&sim.log());
    assert!(!sim.state.guides.contains_key("m"), "a guide that never showed does not use up its `once`");
}

#[test]
fn a_late_target_is_waited_for_and_followed_when_it_goes_and_comes_back() {
    let mut sim = Sim::new(&with_missing("end"));
    sim.page("/x");
    sim.advance(2_000);
    sim.set("#gone", true);
    sim.advance(1_000);
    sim.set("#gone", false);
    sim.advance(1_000);
    sim.set("#gone", true);
    expect![[r#"
        0.0s    event page_view /x
        2.0s    event guide_shown m cause=page_load
        2.0s    event step_shown m/one #0
        2.0s    show m/one 1/2 anchored ["Next"]
        3.0s    hide m/one
        4.0s    show m/one 1/2 anchored ["Next"]
    "#]]
    .assert_eq(&sim.log());
}

const MULTI_PAGE: &str = r##"{
  "id": "setup", "name": "Setup", "frequency": { "mode": "until_completed" },
  "steps": [
    { "id": "go", "page": { "exact": "/home" }, "target": { "selector": "#nav-billing" }, "title": "Go to billing",
      "advance": { "on": "url", "url": { "exact": "/billing" } } },
    { "id": "card", "page": { "exact": "/billing" }, "target": { "selector": "#card" }, "title": "Add a card" }
  ]
}"##;

#[test]
fn a_multi_page_guide_resumes_after_a_reload() {
    let mut sim = Sim::new(MULTI_PAGE);
    sim.set("#nav-billing", true);
    sim.page("/home");
    sim.advance(1_000);
    // A full page load to /billing: a new engine resumes from the persisted state.
    sim.reload(MULTI_PAGE, "s1");
    sim.set("#card", true);
    sim.page("/billing");
    sim.advance(500);
    sim.press("Done");
    expect![[r#"
        0.0s    event page_view /home
        0.0s    event guide_shown setup cause=page_load
        0.0s    event step_shown setup/go #0
        0.0s    show setup/go 1/2 anchored []
        1.0s    event page_view /billing
        1.0s    event step_shown setup/card #1
        1.0s    show setup/card 2/2 anchored ["Back", "Done"]
        1.5s    event step_completed setup/card #1 500ms
        1.5s    hide setup/card
        1.5s    event guide_completed setup 1500ms
    "#]]
    .assert_eq(&sim.log());
    assert_eq!(
        sim.state.guides.get("setup").map(|g| g.starts),
        Some(1),
        "a resumed guide is not a new start"
    );
}

#[test]
fn an_spa_navigation_completes_a_url_step_and_moves_on() {
    let mut sim = Sim::new(MULTI_PAGE);
    sim.set("#nav-billing", true);
    sim.set("#card", true);
    sim.page("/home");
    sim.page("/billing");
    expect![[r#"
        0.0s    event page_view /home
        0.0s    event guide_shown setup cause=page_load
        0.0s    event step_shown setup/go #0
        0.0s    show setup/go 1/2 anchored []
        0.0s    event page_view /billing
        0.0s    event step_completed setup/go #0 0ms
        0.0s    hide setup/go
        0.0s    event step_shown setup/card #1
        0.0s    show setup/card 2/2 anchored ["Back", "Done"]
    "#]]
    .assert_eq(&sim.log());
}

#[test]
fn escape_dismisses_and_it_stays_dismissed_after_a_reload() {
    let mut sim = Sim::new(TOUR);
    sim.page("/app");
    sim.advance(4_000);
    sim.escape();
    sim.reload(TOUR, "s2");
    sim.page("/app");
    expect![[r#"
        0.0s    event page_view /app
        0.0s    event guide_shown tour cause=page_load
        0.0s    event step_shown tour/hello #0 centred
        0.0s    show tour/hello 1/4 centred ["Next"]
        4.0s    event guide_dismissed tour/hello #0 4000ms how=escape
        4.0s    event stall dismissed tour/hello 4000ms x1
        4.0s    hide tour/hello
        4.0s    event page_view /app
    "#]]
    .assert_eq(&sim.log());
}

const TWO: &str = r##"[
  { "id": "low", "name": "Low", "priority": 1, "steps": [{ "id": "a", "kind": "modal", "title": "Low" }] },
  { "id": "high", "name": "High", "priority": 9, "steps": [{ "id": "a", "kind": "modal", "title": "High" }] }
]"##;

#[test]
fn one_guide_at_a_time_by_priority_the_rest_queue() {
    let mut sim = Sim::new(TWO);
    sim.page("/");
    sim.press("Done");
    sim.press("Done");
    let log = sim.log();
    let shows: Vec<&str> = log.lines().filter(|l| l.contains(" show ")).collect();
    assert_eq!(shows.len(), 2);
    assert!(shows[0].contains("show high/a") && shows[1].contains("show low/a"), "{log}");
}

#[test]
fn preview_runs_one_guide_regardless_of_targeting_and_records_nothing() {
    let json = r##"{ "id": "p", "name": "P", "trigger": { "on": "manual" },
        "audience": { "urls": [{ "exact": "/never" }], "when": { "attr": "user.role", "op": "eq", "value": "nobody" } },
        "steps": [{ "id": "a", "kind": "modal", "title": "Preview me" }] }"##;
    let mut sim = Sim::new(json);
    sim.page("/somewhere");
    sim.input(Input::Preview { guide: "p".into() });
    assert_eq!(sim.shown.as_ref().map(|v| v.preview), Some(true));
    sim.press("Done");
    assert_eq!(sim.count(|k| !matches!(k, EventKind::PageView)), 0, "{:?}", sim.events);
    assert!(sim.state.guides.is_empty());
    sim.input(Input::Start { guide: "nope".into() });
    assert_eq!(sim.warnings, vec!["waymark: no guide has the id `nope`".to_string()]);
}

#[test]
fn a_manual_start_replaces_the_running_guide() {
    let json = r##"[
      { "id": "auto", "name": "A", "steps": [{ "id": "a", "kind": "modal", "title": "A" }] },
      { "id": "help", "name": "H", "trigger": { "on": "manual" }, "steps": [{ "id": "h", "kind": "modal", "title": "H" }] }
    ]"##;
    let mut sim = Sim::new(json);
    sim.page("/");
    sim.input(Input::Start { guide: "help".into() });
    expect![[r#"
        0.0s    event page_view /
        0.0s    event guide_shown auto cause=page_load
        0.0s    event step_shown auto/a #0 centred
        0.0s    show auto/a 1/1 centred ["Done"]
        0.0s    event guide_dismissed auto/a #0 0ms how=replaced
        0.0s    hide auto/a
        0.0s    event guide_shown help cause=manual
        0.0s    event step_shown help/h #0 centred
        0.0s    show help/h 1/1 centred ["Done"]
    "#]]
    .assert_eq(&sim.log());
}

#[test]
fn back_goto_and_link_buttons() {
    let json = r##"{ "id": "b", "name": "B", "steps": [
      { "id": "one", "kind": "modal", "title": "1", "buttons": [{ "action": "goto", "step": "three", "label": "Skip ahead" }, { "action": "next" }] },
      { "id": "two", "kind": "modal", "title": "2" },
      { "id": "three", "kind": "modal", "title": "3", "buttons": [{ "action": "link", "url": "/docs", "label": "Docs" }, { "action": "back" }, { "action": "done" }] }
    ] }"##;
    let mut sim = Sim::new(json);
    sim.page("/");
    sim.press("Skip ahead");
    sim.press("Docs");
    sim.press("Back");
    expect![[r#"
        0.0s    event page_view /
        0.0s    event guide_shown b cause=page_load
        0.0s    event step_shown b/one #0 centred
        0.0s    show b/one 1/3 centred ["Skip ahead", "Next"]
        0.0s    event step_completed b/one #0 0ms
        0.0s    hide b/one
        0.0s    event step_shown b/three #2 centred
        0.0s    show b/three 3/3 centred ["Docs", "Back", "Done"]
        0.0s    open /docs
        0.0s    hide b/three
        0.0s    event step_shown b/two #1 centred
        0.0s    show b/two 2/3 centred ["Back", "Next"]
    "#]]
    .assert_eq(&sim.log());
}

#[test]
fn texts_follow_the_user_locale_with_japanese_default_labels_and_rtl() {
    let json = r##"{ "id": "l", "name": "L", "locales": ["en", "ja", "ar"], "steps": [
      { "id": "a", "kind": "modal", "title": { "en": "Hello", "ja": "こんにちは", "ar": "مرحبا" }, "body": { "en": "**Hi**", "ja": "**やあ**", "ar": "أهلا" } },
      { "id": "b", "kind": "modal", "title": { "en": "Bye", "ja": "さようなら", "ar": "وداعا" } }
    ] }"##;
    let mut sim = Sim::new(json);
    sim.identify_as(waymark_core::Identity { locale: "ja-JP".into(), ..Default::default() });
    sim.page("/");
    let v = sim.shown.clone().unwrap();
    assert_eq!((v.title.as_str(), v.locale.as_str(), v.rtl), ("こんにちは", "ja", false));
    assert_eq!(v.buttons[0].label, "次へ");
    assert_eq!(waymark_core::markdown::plain_text(&v.body), "やあ");
    let mut sim = Sim::new(json);
    sim.identify_as(waymark_core::Identity { locale: "ar-EG".into(), ..Default::default() });
    sim.page("/");
    assert!(sim.shown.as_ref().is_some_and(|v| v.rtl && v.title == "مرحبا"));
    let mut sim = Sim::new(json);
    sim.identify_as(waymark_core::Identity { locale: "fr".into(), ..Default::default() });
    sim.page("/");
    assert!(
        sim.shown.as_ref().is_some_and(|v| v.title == "Hello" && v.buttons[0].label == "Next"),
        "unknown locales fall back to the first"
    );
}

#[test]
fn delay_appears_and_event_advances() {
    let json = r##"{ "id": "d", "name": "D", "steps": [
      { "id": "wait", "kind": "banner", "title": "Wait", "advance": { "on": "delay", "after": "5s" } },
      { "id": "saved", "kind": "banner", "title": "Save", "advance": { "on": "appears", "selector": ".saved" } },
      { "id": "event", "kind": "banner", "title": "Create", "advance": { "on": "event", "name": "created" } },
      { "id": "gone", "kind": "banner", "title": "Close", "advance": { "on": "disappears", "selector": ".saved" } }
    ] }"##;
    let mut sim = Sim::new(json);
    sim.page("/");
    sim.advance(6_000);
    sim.set(".saved", true);
    sim.input(Input::Track { name: "created".into() });
    sim.set(".saved", false);
    let completed: Vec<(String, u64)> = sim
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::StepCompleted { .. } => {
                Some((e.step.clone().unwrap_or_default(), e.ts - crate::harness::T0))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        completed,
        vec![
            ("wait".into(), 5_000),
            ("saved".into(), 6_000),
            ("event".into(), 6_000),
            ("gone".into(), 6_000)
        ]
    );
    assert_eq!(sim.count(|k| matches!(k, EventKind::GuideCompleted { .. })), 1);
}

#[test]
fn a_guide_left_behind_is_set_aside_for_another_and_comes_back() {
    let json = r##"[
      { "id": "setup", "name": "Setup", "priority": 9, "audience": { "urls": [{ "prefix": "/home" }] },
        "steps": [{ "id": "a", "kind": "modal", "title": "A" }, { "id": "b", "kind": "modal", "title": "B" }] },
      { "id": "team", "name": "Team", "audience": { "urls": [{ "exact": "/team" }] },
        "steps": [{ "id": "t", "kind": "modal", "title": "T" }] }
    ]"##;
    let mut sim = Sim::new(json);
    sim.page("/home");
    sim.press("Next");
    sim.page("/team");
    assert_eq!(sim.shown.as_ref().map(|v| v.guide.as_str()), Some("team"));
    assert_eq!(sim.state.suspended.as_ref().map(|a| (a.guide.as_str(), a.step)), Some(("setup", 1)));
    // A reload keeps both.
    sim.reload(json, "s1");
    sim.page("/team");
    sim.press("Done");
    assert!(sim.shown.is_none());
    sim.page("/home");
    assert_eq!(sim.shown.as_ref().map(|v| (v.guide.as_str(), v.step.as_str())), Some(("setup", "b")));
    assert_eq!(sim.state.suspended, None);
}

#[test]
fn a_target_that_cannot_be_seen_waits_until_it_is_revealed() {
    let guide = r##"{"id":"m","name":"M","audience":{"urls":[{"prefix":"/app"}]},
        "steps":[{"id":"only","target":{"selector":"#menu"},"title":"T"}]}"##;
    let mut sim = Sim::new(guide);
    sim.page("https://app.example.com/app");
    sim.set_visible("#menu", false);
    sim.set("#menu", true);
    sim.advance(500);
    assert!(sim.shown.is_none(), "a hidden target waits");
    sim.set_visible("#menu", true);
    expect![[r#"
        0.0s    event page_view /app
        0.5s    event guide_shown m cause=page_load
        0.5s    event step_shown m/only #0
        0.5s    show m/only 1/1 anchored ["Done"]
    "#]]
    .assert_eq(&sim.log());
}
