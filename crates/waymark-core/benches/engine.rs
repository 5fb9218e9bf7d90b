//! Engine benchmark: prints numbers, asserts nothing. Run with
//! `cargo bench -p waymark-core --bench engine`.
//!
//! 50 guides of 10 steps each, with audience rules of every kind, conditions and
//! element triggers; then a long scripted session of page views, DOM facts, clicks,
//! typing and activity.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use waymark_core::{
    AnySelector, Engine, Fact, Identity, Input, Output, Rect, Session, Source, StallConfig, UserState,
};

const GUIDES: usize = 50;
const STEPS: usize = 10;

fn guides_json() -> String {
    let mut guides = Vec::new();
    for g in 0..GUIDES {
        let url = match g % 3 {
            0 => format!(r#"{{ "prefix": "/area{g}" }}"#),
            1 => format!(r#"{{ "glob": "/area{g}/**" }}"#),
            _ => format!(r#"{{ "regex": "^/area{g}(/.*)?$" }}"#),
        };
        let trigger = if g % 5 == 0 {
            format!(r##"{{ "on": "element_appears", "selector": "#g{g}-s0" }}"##)
        } else {
            r#"{ "on": "page_load" }"#.to_string()
        };
        let steps: Vec<String> = (0..STEPS)
            .map(|s| {
                format!(
                    r##"{{ "id": "s{s}", "target": {{ "selector": "#g{g}-s{s}", "fallbacks": ["[data-step='{g}-{s}']"] }},
                        "title": {{ "en": "Step {s}", "ja": "ステップ {s}" }},
                        "body": {{ "en": "Do **this** then [read more](/docs/{g}/{s}).", "ja": "**これ**をしてから[詳しく](/docs/{g}/{s})。" }},
                        "advance": {{ "on": "click" }} }}"##
                )
            })
            .collect();
        guides.push(format!(
            r##"{{ "id": "g{g}", "name": "Guide {g}", "priority": {g}, "locales": ["en", "ja"],
                "audience": {{ "urls": [{url}], "exclude_urls": [{{ "prefix": "/area{g}/admin" }}],
                  "when": {{ "all": [{{ "attr": "account.plan", "op": "in", "value": ["trial", "pro"] }},
                                     {{ "attr": "user.created_at", "op": "after", "value": "-30d" }}] }} }},
                "trigger": {trigger}, "frequency": {{ "mode": "always" }},
                "steps": [{}],
                "features": [{{ "id": "f{g}", "name": "F{g}", "selector": "#feature-{g}" }}] }}"##,
            steps.join(",")
        ));
    }
    format!("[{}]", guides.join(","))
}

/// What a minimal adapter keeps: the watches and the shown card's anchor.
#[derive(Default)]
struct Page {
    watches: Vec<u32>,
    anchor: Option<u32>,
    shows: u64,
    events: u64,
}

impl Page {
    fn drain(&mut self, engine: &mut Engine) {
        while let Some(o) = engine.poll_output() {
            match o {
                Output::Watch(ws) => self.watches = ws.iter().map(|w| w.id).collect(),
                Output::Show(v) => {
                    self.anchor = v.anchor;
                    self.shows += 1;
                }
                Output::Hide { .. } => self.anchor = None,
                Output::Event(_) => self.events += 1,
                _ => {}
            }
        }
    }

    fn facts(&self) -> Vec<Fact> {
        let rect = Some(Rect { x: 10.0, y: 10.0, width: 80.0, height: 24.0 });
        self.watches.iter().map(|id| Fact { watch: *id, present: true, visible: true, rect }).collect()
    }
}

fn main() {
    let json = guides_json();
    let t = Instant::now();
    let rounds = 20;
    let mut loaded = None;
    for _ in 0..rounds {
        loaded =
            Some(black_box(waymark_core::load(&[Source { name: "bench.json", text: &json }], &AnySelector)));
    }
    let load_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    let loaded = loaded.expect("loaded");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics.first());
    println!(
        "waymark-core engine benchmark ({GUIDES} guides x {STEPS} steps, {} KiB of guide JSON)",
        json.len() / 1024
    );
    println!("  load + validate all guides      {load_ms:>10.2} ms");

    let now0 = 1_795_400_000_000u64;
    let mut engine = Engine::new(
        loaded.guides,
        UserState::default(),
        Session { id: "s".into(), seed: 1, next_seq: 0 },
        StallConfig::default(),
    );
    let who = Identity {
        user: Some("u".into()),
        account: Some("acme".into()),
        user_traits: [("created_at".to_string(), waymark_core::json::Json::from("2026-11-20"))]
            .into_iter()
            .collect(),
        account_traits: [("plan".to_string(), waymark_core::json::Json::from("trial"))].into_iter().collect(),
        locale: "ja".into(),
    };
    engine.handle(now0, Input::Identify(who));

    let mut now = now0;
    let mut page = Page::default();
    let mut observations = 0u64;
    let mut eval_ns: Vec<u64> = Vec::new();
    let started = Instant::now();
    for round in 0..100 {
        for g in 0..GUIDES {
            now += 1_000;
            engine
                .handle(now, Input::Page { url: format!("https://app.example.com/area{g}/page{round}?q=1") });
            observations += 1;
            page.drain(&mut engine);
            for _ in 0..STEPS {
                // A mutation batch: the adapter answers every watch, all present.
                now += 50;
                let t = Instant::now();
                engine.handle(now, Input::Facts(page.facts()));
                page.drain(&mut engine);
                eval_ns.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
                now += 200;
                engine.handle(now, Input::Activity);
                now += 300;
                let hits = page.anchor.into_iter().collect();
                engine.handle(now, Input::Click { x: 40.0, y: 20.0, hits, actionable: true });
                engine.handle(now + 10, Input::DomChanged);
                engine.handle_timeout(now + 20);
                observations += 5;
                page.drain(&mut engine);
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eval_ns.sort_unstable();
    let pct = |p: f64| eval_ns[((eval_ns.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0;
    println!("  observations handled            {observations:>10}");
    println!("  observations per second         {:>10.0}", observations as f64 / secs);
    println!("  steps shown                     {:>10}", page.shows);
    println!("  events emitted                  {:>10}", page.events);
    println!(
        "  one evaluation (facts batch)    p50 {:.2} µs   p99 {:.2} µs   max {:.2} µs",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
