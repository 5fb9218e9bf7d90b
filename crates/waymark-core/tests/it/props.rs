//! Property tests: random streams of observations never break the engine's invariants.

use std::collections::HashMap;

use proptest::prelude::*;
use waymark_core::{EventKind, Input};

use crate::harness::Sim;

const GUIDES: &str = r##"[
  { "id": "tour", "name": "Tour", "priority": 3, "frequency": { "mode": "until_completed" },
    "steps": [
      { "id": "hello", "kind": "modal", "title": "Hello" },
      { "id": "menu", "target": { "selector": "#a", "missing": { "wait": "2s", "then": "skip" } }, "title": "A", "advance": { "on": "click" } },
      { "id": "name", "target": { "selector": "#b", "missing": { "wait": "2s", "then": "center" } }, "title": "B", "advance": { "on": "input", "when": { "min_length": 2 } } },
      { "id": "bye", "kind": "modal", "title": "Bye" }
    ] },
  { "id": "pages", "name": "Pages", "priority": 2, "frequency": { "mode": "until_completed", "cooldown": "5s" },
    "steps": [
      { "id": "p1", "page": { "exact": "/one" }, "target": { "selector": "#a" }, "title": "1", "advance": { "on": "url", "url": { "exact": "/two" } } },
      { "id": "p2", "page": { "exact": "/two" }, "kind": "modal", "title": "2" }
    ] },
  { "id": "once", "name": "Once", "priority": 1, "frequency": { "mode": "once" },
    "steps": [{ "id": "x", "kind": "banner", "title": "New" }] },
  { "id": "late", "name": "Late", "trigger": { "on": "element_appears", "selector": "#c" }, "frequency": { "mode": "always", "cooldown": "3s" },
    "steps": [{ "id": "c", "target": { "selector": "#c", "missing": { "wait": "1s", "then": "end" } }, "title": "C" }] },
  { "id": "help", "name": "Help", "priority": 9, "trigger": { "on": "stall" }, "frequency": { "mode": "always" },
    "steps": [{ "id": "h", "kind": "modal", "title": "Help", "advance": { "on": "delay", "after": "4s" } }] },
  { "id": "manual", "name": "Manual", "trigger": { "on": "manual" },
    "steps": [{ "id": "m1", "kind": "modal", "title": "M" }, { "id": "m2", "kind": "modal", "title": "M2" }] }
]"##;

const PAGES: [&str; 4] = ["/", "/one", "/two", "/other?q=1"];
const SELECTORS: [&str; 3] = ["#a", "#b", "#c"];

#[derive(Clone, Debug)]
enum Act {
    Page(usize),
    Set(usize, bool),
    Click(usize, u8, bool),
    Type(usize, bool),
    Invalid(usize),
    Activity,
    Track,
    Press(usize),
    Escape,
    Start(bool),
    Hidden(bool),
    Wait(u32),
    Reload,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        (0..PAGES.len()).prop_map(Act::Page),
        (0..SELECTORS.len(), any::<bool>()).prop_map(|(s, p)| Act::Set(s, p)),
        (0..SELECTORS.len(), 0u8..4, any::<bool>()).prop_map(|(s, x, a)| Act::Click(s, x, a)),
        (0..SELECTORS.len(), any::<bool>()).prop_map(|(s, v)| Act::Type(s, v)),
        (0..SELECTORS.len()).prop_map(Act::Invalid),
        Just(Act::Activity),
        Just(Act::Track),
        (0usize..3).prop_map(Act::Press),
        Just(Act::Escape),
        any::<bool>().prop_map(Act::Start),
        any::<bool>().prop_map(Act::Hidden),
        (0u32..45_000).prop_map(Act::Wait),
        Just(Act::Reload),
    ]
}

fn run(acts: &[Act]) -> Sim {
    let mut sim = Sim::new(GUIDES);
    let mut session = 1;
    for a in acts {
        match a {
            Act::Page(p) => sim.page(PAGES[*p]),
            Act::Set(s, present) => sim.set(SELECTORS[*s], *present),
            Act::Click(s, x, actionable) => {
                sim.click_at(SELECTORS[*s], f64::from(*x) * 7.0, 10.0, *actionable)
            }
            Act::Type(s, ok) => sim.type_into(SELECTORS[*s], if *ok { "long enough" } else { "x" }, *ok),
            Act::Invalid(s) => sim.invalid(SELECTORS[*s]),
            Act::Activity => sim.input(Input::Activity),
            Act::Track => sim.input(Input::Track { name: "saved".into() }),
            Act::Press(i) => sim.press_index(*i),
            Act::Escape => sim.escape(),
            Act::Start(preview) => {
                let guide = "manual".to_string();
                sim.input(if *preview { Input::Preview { guide } } else { Input::Start { guide } })
            }
            Act::Hidden(h) => sim.input(Input::Visibility { visible: !*h }),
            Act::Wait(ms) => sim.advance(u64::from(*ms)),
            Act::Reload => {
                session += 1;
                sim.reload(GUIDES, &format!("s{session}"));
                sim.page("/");
            }
        }
    }
    sim
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The harness asserts one card at a time, real step indices, paired hides, growing
    /// sequence numbers and round-tripping state on every output; this drives it hard.
    #[test]
    fn random_sessions_keep_the_invariants(acts in prop::collection::vec(act(), 1..80)) {
        let sim = run(&acts);

        // Frequency: a `once` guide starts at most once, across reloads and sessions.
        let once = sim.events.iter().filter(|e| matches!(e.kind, EventKind::GuideShown { .. }) && e.guide.as_deref() == Some("once")).count();
        prop_assert!(once <= 1, "`once` shown {once} times");

        // Every shown step ends completed, dismissed or abandoned, unless its guide is still
        // in progress (it resumes after a reload) or was ended by a missing target.
        let mut open: HashMap<String, String> = HashMap::new();
        for e in &sim.events {
            let Some(g) = e.guide.clone() else { continue };
            match &e.kind {
                EventKind::StepShown { .. } => { open.insert(g, e.step.clone().unwrap_or_default()); }
                EventKind::StepCompleted { .. } | EventKind::GuideDismissed { .. } | EventKind::GuideAbandoned { .. } | EventKind::GuideCompleted { .. } => { open.remove(&g); }
                _ => {}
            }
        }
        let in_progress = sim.in_progress();
        open.retain(|g, _| !in_progress.contains(g));
        prop_assert!(open.is_empty(), "steps shown but never ended: {open:?}");

        // Event ids are unique.
        let mut ids: Vec<&str> = sim.events.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        prop_assert_eq!(ids.len(), n);

        // No event carries a query string.
        prop_assert!(sim.events.iter().all(|e| !e.path.contains('?')));
    }
}

const EXAMPLE: &str = include_str!("../../../../guides/onboarding.json");

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any edit of a real guide file loads without panicking, and every problem points
    /// inside the file.
    #[test]
    fn mangled_guide_files_are_reported_not_fatal(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, "[\\[\\]{}\":,a-z0-9 ]{0,3}"), 1..6)) {
        let mut text = EXAMPLE.to_string();
        for (at, cut, insert) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            let mut end = (i + cut).min(text.len());
            while !text.is_char_boundary(end) { end += 1; }
            text.replace_range(i..end, &insert);
        }
        let loaded = waymark_core::load(&[waymark_core::Source { name: "g.json", text: &text }], &waymark_core::AnySelector);
        let lines = text.lines().count() + 1;
        for d in &loaded.diagnostics {
            prop_assert!(d.line >= 1 && d.line <= lines, "{d}");
            prop_assert!(d.column >= 1, "{d}");
        }
        prop_assert!(loaded.guides.len() + loaded.diagnostics.len() > 0);
    }
}
