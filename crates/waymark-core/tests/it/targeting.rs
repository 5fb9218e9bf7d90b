//! Audience and trigger evaluation through the engine.

use waymark_core::json::Json;
use waymark_core::{EventKind, Identity, Input};

use crate::harness::Sim;

const TARGETED: &str = r##"{
  "id": "admins", "name": "Admins",
  "audience": {
    "urls": [{ "prefix": "/app" }], "exclude_urls": [{ "glob": "/app/settings/**" }],
    "when": { "all": [{ "attr": "user.role", "op": "eq", "value": "admin" }, { "attr": "account.seats", "op": "gte", "value": 5 }] },
    "locales": ["ja"]
  },
  "steps": [{ "id": "a", "kind": "modal", "title": "Hi" }]
}"##;

fn who(role: &str, seats: u32, locale: &str) -> Identity {
    Identity {
        user: Some("u1".into()),
        account: Some("acme".into()),
        user_traits: [("role".to_string(), Json::from(role))].into_iter().collect(),
        account_traits: [("seats".to_string(), Json::Number(seats.into()))].into_iter().collect(),
        locale: locale.into(),
    }
}

fn shows(identity: Identity, url: &str) -> bool {
    let mut sim = Sim::new(TARGETED);
    sim.identify_as(identity);
    sim.page(url);
    sim.shown.is_some()
}

#[test]
fn audience_needs_page_conditions_and_locale() {
    assert!(shows(who("admin", 5, "ja-JP"), "/app/projects"));
    assert!(!shows(who("member", 5, "ja"), "/app/projects"));
    assert!(!shows(who("admin", 4, "ja"), "/app/projects"));
    assert!(!shows(who("admin", 9, "en"), "/app/projects"));
    assert!(!shows(who("admin", 9, "ja"), "/app/settings/billing"));
    assert!(!shows(who("admin", 9, "ja"), "/login"));
}

#[test]
fn identify_after_the_page_view_still_triggers_on_that_page() {
    let mut sim = Sim::new(TARGETED);
    sim.page("/app");
    assert!(sim.shown.is_none());
    sim.identify_as(who("admin", 5, "ja"));
    assert!(sim.shown.is_some());
    assert!(
        sim.events
            .iter()
            .filter(|e| !matches!(e.kind, EventKind::PageView))
            .all(|e| e.account.as_deref() == Some("acme"))
    );
}

#[test]
fn element_appears_and_tracked_event_triggers() {
    let json = r##"[
      { "id": "late", "name": "Late", "trigger": { "on": "element_appears", "selector": "#chart" },
        "steps": [{ "id": "a", "target": { "selector": "#chart" }, "title": "Your chart" }] },
      { "id": "after-export", "name": "After export", "trigger": { "on": "event", "name": "exported" },
        "steps": [{ "id": "a", "kind": "modal", "title": "Exported" }] }
    ]"##;
    let mut sim = Sim::new(json);
    sim.page("/dashboard");
    assert!(sim.shown.is_none());
    sim.set("#chart", true);
    assert_eq!(sim.shown.as_ref().map(|v| v.guide.as_str()), Some("late"));
    sim.input(Input::Track { name: "exported".into() });
    assert_eq!(
        sim.shown.as_ref().map(|v| v.guide.as_str()),
        Some("late"),
        "the event guide queues behind the shown one"
    );
    sim.press("Done");
    assert_eq!(sim.shown.as_ref().map(|v| v.guide.as_str()), Some("after-export"));
}

fn starts(sim: &Sim, id: &str) -> usize {
    sim.events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::GuideShown { .. }) && e.guide.as_deref() == Some(id))
        .count()
}

fn modal(id: &str, frequency: &str, version: u32) -> String {
    format!(
        r#"{{ "id": "{id}", "name": "x", "version": {version}, "frequency": {frequency}, "steps": [{{ "id": "a", "kind": "modal", "title": "x" }}] }}"#
    )
}

#[test]
fn frequency_rules_over_reloads_and_sessions() {
    // once: dismissed or not, never again.
    let g = modal("g", r#"{ "mode": "once" }"#, 1);
    let mut sim = Sim::new(&g);
    sim.page("/");
    sim.escape();
    sim.reload(&g, "s2");
    sim.page("/");
    assert_eq!(starts(&sim, "g"), 1);
    // A new version shows again.
    let g2 = modal("g", r#"{ "mode": "once" }"#, 2);
    sim.reload(&g2, "s3");
    sim.page("/");
    assert_eq!(starts(&sim, "g"), 2);

    // once per session.
    let g = modal("g", r#"{ "mode": "once_per_session" }"#, 1);
    let mut sim = Sim::new(&g);
    sim.page("/");
    sim.press("Done");
    sim.page("/other");
    sim.reload(&g, "s1");
    sim.page("/");
    assert_eq!(starts(&sim, "g"), 1);
    sim.reload(&g, "s2");
    sim.page("/");
    assert_eq!(starts(&sim, "g"), 2);

    // until completed, with a cool-down.
    let g = modal("g", r#"{ "mode": "until_completed", "cooldown": "1h" }"#, 1);
    let mut sim = Sim::new(&g);
    sim.page("/");
    sim.escape();
    sim.page("/b");
    sim.advance(1_800_000);
    sim.page("/c");
    assert_eq!(starts(&sim, "g"), 1, "inside the cool-down");
    sim.advance(1_800_000);
    sim.page("/d");
    assert_eq!(starts(&sim, "g"), 2, "after the cool-down");
    sim.press("Done");
    sim.advance(7_200_000);
    sim.page("/e");
    assert_eq!(starts(&sim, "g"), 2, "completed: never again");

    // always, with a cool-down.
    let g = modal("g", r#"{ "mode": "always", "cooldown": "10s" }"#, 1);
    let mut sim = Sim::new(&g);
    sim.page("/");
    sim.press("Done");
    sim.page("/b");
    sim.advance(10_000);
    sim.page("/c");
    assert_eq!(starts(&sim, "g"), 2);
}

#[test]
fn milestones_are_reached_once_per_user() {
    let json = r##"{ "id": "m", "name": "M", "trigger": { "on": "manual" },
        "steps": [{ "id": "a", "kind": "modal", "title": "x" }],
        "features": [{ "id": "export", "name": "Export", "selector": "#export" }],
        "milestones": [
          { "id": "exporter", "name": "Exports", "goal": { "kind": "feature_used", "feature": "export", "times": 2 } },
          { "id": "inviter", "name": "Invites", "goal": { "kind": "event", "name": "invite_sent", "times": 1 } },
          { "id": "team", "name": "Team", "goal": { "kind": "event", "name": "invite_sent", "times": 1 }, "users": 3 }
        ] }"##;
    let mut sim = Sim::new(json);
    sim.page("/");
    for _ in 0..3 {
        sim.click("#export");
        sim.input(Input::Track { name: "invite_sent".into() });
    }
    let reached: Vec<String> = sim
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MilestoneReached { milestone } => Some(milestone.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reached,
        vec!["inviter".to_string(), "exporter".to_string()],
        "account goals are for the health crate"
    );
    assert_eq!(sim.state.tracked.get("invite_sent"), Some(&3));
    sim.input(Input::Track { name: "unrelated".into() });
    assert!(!sim.state.tracked.contains_key("unrelated"), "only events that milestones count are kept");
}
