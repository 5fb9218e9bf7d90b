//! Stall signals through the engine, each with its timeline.

use expect_test::expect;
use waymark_core::{EventKind, Input, StallKind};

use crate::harness::Sim;

const FORM: &str = r##"{
  "id": "form", "name": "Form",
  "steps": [
    { "id": "name", "target": { "selector": "#name" }, "title": "Name", "advance": { "on": "input" }, "stall_after": "20s" },
    { "id": "save", "target": { "selector": "#save" }, "title": "Save", "advance": { "on": "click" } }
  ]
}"##;

/// (kind, duration, count, target, step) of every stall event.
type StallRow = (StallKind, u64, u32, Option<String>, Option<String>);

fn stalls(sim: &Sim) -> Vec<StallRow> {
    sim.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Stall { stall, duration_ms, count, target } => {
                Some((*stall, *duration_ms, *count, target.clone(), e.step.clone()))
            }
            _ => None,
        })
        .collect()
}

// t(s): 0 step shown ── 5 activity ─────────── 25 idle (20s since activity) ── 30 activity
//       ── 50 idle again
#[test]
fn idle_on_a_step_counts_from_the_last_activity_and_rearms() {
    let mut sim = Sim::new(FORM);
    sim.set("#name", true);
    sim.page("/p");
    sim.advance(5_000);
    sim.input(Input::Activity);
    sim.advance(25_000);
    sim.input(Input::Activity);
    sim.advance(20_000);
    expect![[r#"
        0.0s    event page_view /p
        0.0s    event guide_shown form cause=page_load
        0.0s    event step_shown form/name #0
        0.0s    show form/name 1/2 anchored []
        25.0s   event stall idle form/name 20000ms x1 target=#name
        50.0s   event stall idle form/name 20000ms x1 target=#name
    "#]]
    .assert_eq(&sim.log());
}

#[test]
fn a_hidden_page_is_never_idle() {
    let mut sim = Sim::new(FORM);
    sim.set("#name", true);
    sim.page("/p");
    sim.input(Input::Visibility { visible: false });
    sim.advance(600_000);
    assert!(stalls(&sim).is_empty());
    sim.input(Input::Visibility { visible: true });
    sim.advance(19_000);
    assert!(stalls(&sim).is_empty(), "the idle clock restarts when the page is seen again");
}

// t(ms): 0  300  600  900 ─(1s quiet)─ 1900: one rage click of 4 on #save
#[test]
fn rage_clicks_on_a_step_target() {
    let mut sim = Sim::new(FORM);
    sim.set("#name", true);
    sim.set("#save", true);
    sim.page("/p");
    sim.type_into("#name", "x", true);
    for i in 0..4 {
        sim.click_at("#save", 200.0 + f64::from(i) * 5.0, 300.0, false);
        sim.advance(300);
    }
    sim.advance(2_000);
    let s = stalls(&sim);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(
        s[0],
        (StallKind::RageClick, 900, 4, Some("#save".into()), None),
        "the first click completed the step"
    );
}

// t(ms): 0 click on actionable #export ── 2500 no DOM change: dead click
#[test]
fn dead_clicks_and_live_clicks() {
    let json = r##"{ "id": "f", "name": "F", "trigger": { "on": "manual" }, "steps": [{ "id": "a", "kind": "modal", "title": "A" }],
        "features": [{ "id": "export", "name": "Export", "selector": "#export" }] }"##;
    let mut sim = Sim::new(json);
    sim.page("/reports");
    sim.click("#export");
    sim.advance(3_000);
    sim.click("#export");
    sim.advance(1_000);
    sim.set("#toast", true);
    sim.advance(3_000);
    let s = stalls(&sim);
    assert_eq!(s, vec![(StallKind::DeadClick, 2_500, 1, Some("#export".into()), None)]);
    assert_eq!(sim.count(|k| matches!(k, EventKind::FeatureUsed { feature } if feature == "export")), 2);
    assert_eq!(sim.state.features.get("export"), Some(&2));
}

// t(s): 0 invalid ── 2 invalid (2 within 3s) → stall
#[test]
fn repeated_invalid_input() {
    let mut sim = Sim::new(FORM);
    sim.set("#name", true);
    sim.page("/p");
    sim.invalid("#name");
    sim.advance(2_000);
    sim.invalid("#name");
    assert_eq!(
        stalls(&sim),
        vec![(StallKind::InvalidInput, 2_000, 2, Some("#name".into()), Some("name".into()))]
    );
}

const PAGES: &str = r##"{
  "id": "pages", "name": "Pages", "frequency": { "mode": "until_completed" },
  "steps": [
    { "id": "a", "page": { "exact": "/a" }, "kind": "modal", "title": "A" },
    { "id": "b", "page": { "exact": "/b" }, "kind": "modal", "title": "B" }
  ]
}"##;

// t(s): 0 /a (step a shown) ── 4 /x ── 7 back on /a: a U-turn of 3s
#[test]
fn u_turn_is_coming_back_to_a_step_page_within_seconds() {
    let mut sim = Sim::new(PAGES);
    sim.page("/a");
    sim.advance(4_000);
    sim.page("/x");
    sim.advance(3_000);
    sim.page("/a");
    let s = stalls(&sim);
    assert_eq!(s, vec![(StallKind::UTurn, 3_000, 1, None, Some("a".into()))]);
}

// t(s): 0 /a ── 5 /b ── 10 /a ── 15 /b: ping-pong within 30s
#[test]
fn page_ping_pong() {
    let mut sim = Sim::new(PAGES);
    for p in ["/x", "/y", "/x", "/y"] {
        sim.page(p);
        sim.advance(5_000);
    }
    assert_eq!(
        stalls(&sim).iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
        vec![(StallKind::PagePingPong, 15_000)]
    );
}

#[test]
fn back_and_forth_between_steps() {
    let mut sim = Sim::new(crate::steps::TOUR);
    sim.set("#menu", true);
    sim.page("/app");
    sim.press("Next");
    sim.press("Back");
    sim.press("Next");
    sim.press("Back");
    let s = stalls(&sim);
    assert_eq!(s.iter().map(|s| (s.0, s.2)).collect::<Vec<_>>(), vec![(StallKind::BackAndForth, 2)]);
}

// t(min): 0 step a on /a ── 1 leaves to /elsewhere ─── 11 abandoned (10 min away)
#[test]
fn leaving_a_guide_for_too_long_abandons_it() {
    let mut sim = Sim::new(PAGES);
    sim.page("/a");
    sim.advance(60_000);
    sim.page("/elsewhere");
    sim.advance(700_000);
    expect![[r#"
        0.0s    event page_view /a
        0.0s    event guide_shown pages cause=page_load
        0.0s    event step_shown pages/a #0 centred
        0.0s    show pages/a 1/2 centred ["Next"]
        30.0s   event stall idle pages/a 30000ms x1
        60.0s   event page_view /elsewhere
        60.0s   hide pages/a
        660.0s  event guide_abandoned pages/a #0 660000ms
        660.0s  event stall abandoned pages/a 660000ms x1
    "#]]
    .assert_eq(&sim.log());
    assert_eq!(sim.state.active, None);
}

#[test]
fn a_reload_long_after_counts_as_abandoned() {
    let mut sim = Sim::new(PAGES);
    sim.page("/a");
    sim.advance(3_600_000);
    sim.reload(PAGES, "s2");
    sim.page("/a");
    let s = stalls(&sim);
    assert_eq!(s.iter().map(|s| s.0).collect::<Vec<_>>(), vec![StallKind::Idle, StallKind::Abandoned]);
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::GuideShown { .. })),
        2,
        "until_completed offers it again"
    );
}

#[test]
fn a_missing_target_is_a_broken_page_not_a_stuck_user() {
    let json = r##"{ "id": "t", "name": "T", "steps": [{ "id": "a", "target": { "selector": "#never" }, "title": "A" }] }"##;
    let mut sim = Sim::new(json);
    sim.page("/p");
    sim.advance(120_000);
    assert!(stalls(&sim).is_empty(), "no idle stall while waiting for a target");
    assert_eq!(sim.count(|k| matches!(k, EventKind::TargetMissing { .. })), 1);
}

#[test]
fn a_stall_starts_contextual_help() {
    let json = r##"[
      { "id": "help", "name": "Help", "priority": 5,
        "audience": { "urls": [{ "exact": "/projects/new" }] },
        "trigger": { "on": "stall", "kinds": ["invalid_input"] },
        "frequency": { "mode": "always", "cooldown": "10m" },
        "steps": [{ "id": "tip", "kind": "modal", "title": "Names need 3 characters" }] }
    ]"##;
    let mut sim = Sim::new(json);
    sim.page("/projects/new");
    sim.invalid("#project-name");
    assert!(sim.shown.is_none());
    sim.advance(1_000);
    sim.invalid("#project-name");
    assert_eq!(sim.shown.as_ref().map(|v| v.guide.as_str()), Some("help"));
    assert!(sim.events.iter().any(|e| e.kind == EventKind::GuideShown { cause: "stall".into() }));
    sim.press("Done");
    sim.invalid("#project-name");
    sim.invalid("#project-name");
    assert!(sim.shown.is_none(), "the cool-down holds");
    sim.advance(600_000);
    sim.invalid("#project-name");
    sim.invalid("#project-name");
    assert!(sim.shown.is_some(), "after the cool-down, help comes again");
}
