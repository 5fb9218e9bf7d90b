//! The monoid laws: any split of a stream into shards, aggregated separately and merged in
//! any order and shape (also through encode/decode), is exactly the state of one pass.

use proptest::prelude::*;
use waymark_core::{Event, EventKind, StallKind};
use waymark_health::{Aggregate, HealthConfig, Window, report};

use crate::support::{DAY, NOW, aggregate, at, ev};

/// A small event: few accounts, users, sessions, guides and steps, so they collide often.
fn event() -> impl Strategy<Value = Event> {
    (0..4u8, 0..6u8, 0..8u8, 0..30u64, 0..DAY, 0..14u8, 0..3u8, 0..4u8, 0..300_000u64).prop_map(
        |(account, user, session, days_ago, offset, kind, guide, step, ms)| {
            let index = u32::from(step);
            let kind = match kind {
                0 => EventKind::PageView,
                1 => EventKind::GuideShown { cause: "page_load".into() },
                2 => EventKind::StepShown { index, anchored: true },
                3 => EventKind::StepCompleted { index, duration_ms: ms },
                4 => EventKind::GuideCompleted { duration_ms: ms },
                5 => EventKind::GuideDismissed { index, duration_ms: ms, how: "button".into() },
                6 => EventKind::GuideAbandoned { index, duration_ms: ms },
                7 | 8 => EventKind::Stall {
                    stall: StallKind::ALL[usize::from(step) * 2 % StallKind::ALL.len()],
                    duration_ms: ms,
                    count: 2,
                    target: None,
                },
                9 => EventKind::FeatureUsed { feature: format!("f{guide}") },
                10 => EventKind::MilestoneReached { milestone: format!("m{step}") },
                11 => EventKind::TargetMissing { selector: format!("#t{step}"), waited_ms: ms },
                12 => EventKind::Track { name: "x".into() },
                _ => EventKind::GuideError { message: "broken".into() },
            };
            // Account "a0" stands for events sent before identify: no account, no user.
            let account = if account == 0 { String::new() } else { format!("a{account}") };
            let user = if user == 0 { String::new() } else { format!("u{user}") };
            let mut e = ev(&account, &user, &format!("s{session}"), days_ago, kind);
            e.ts = e.ts - e.ts % DAY + offset;
            let step = if step == 3 { String::new() } else { format!("st{step}") };
            if guide == 0 {
                e
            } else {
                at(e, &format!("g{guide}"), &step, &format!("/p{}", guide + step.len() as u8))
            }
        },
    )
}

/// Windows and configs the reports are compared under: the last week, all four weeks, no decay.
fn reports_equal(a: &Aggregate, b: &Aggregate) -> Result<(), TestCaseError> {
    let mut flat = HealthConfig::default();
    flat.half_life_days = 0.0;
    for (days, config) in [(7, HealthConfig::default()), (28, HealthConfig::default()), (14, flat)] {
        let w = Window::days_ending(NOW, days);
        prop_assert_eq!(report(a, &w, &config), report(b, &w, &config));
    }
    Ok(())
}

/// Merges `shards` pairwise in the order `picks` gives, until one is left.
fn merge_all(mut shards: Vec<Aggregate>, picks: &[(prop::sample::Index, prop::sample::Index)]) -> Aggregate {
    let mut picks = picks.iter().cycle();
    while shards.len() > 1 {
        let (i, j) = picks.next().map_or((0, 1), |(i, j)| (i.index(shards.len()), j.index(shards.len() - 1)));
        let taken = shards.remove(i);
        shards[j].merge(taken);
    }
    shards.pop().unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn shards_merged_in_any_order_equal_one_pass(
        events in prop::collection::vec(event(), 0..120),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        scatter in any::<bool>(),
        assign in prop::collection::vec(0..5usize, 120),
        picks in prop::collection::vec(any::<(prop::sample::Index, prop::sample::Index)>(), 1..8),
        round_trip in prop::collection::vec(any::<bool>(), 8),
    ) {
        let one = aggregate(&events);
        // Either contiguous slices cut at random points, or events dealt to shards at random.
        let mut shards: Vec<Vec<&Event>> = Vec::new();
        if scatter {
            shards.resize(5, Vec::new());
            for (e, s) in events.iter().zip(&assign) {
                shards[*s].push(e);
            }
        } else {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(events.len() + 1)).collect();
            at.extend([0, events.len()]);
            at.sort_unstable();
            shards.extend(at.windows(2).map(|w| events[w[0]..w[1]].iter().collect()));
        }
        let aggs: Vec<Aggregate> = shards
            .into_iter()
            .zip(round_trip.iter().cycle())
            .map(|(s, &rt)| {
                let agg = aggregate(s);
                if rt { Aggregate::decode(&agg.encode()).unwrap() } else { agg }
            })
            .collect();
        let merged = merge_all(aggs, &picks);
        prop_assert_eq!(merged.encode(), one.encode(), "canonical encodings differ");
        reports_equal(&merged, &one)?;
        let decoded = Aggregate::decode(&one.encode()).unwrap();
        reports_equal(&decoded, &one)?;
    }

    #[test]
    fn the_empty_state_is_the_identity(events in prop::collection::vec(event(), 0..60)) {
        let one = aggregate(&events);
        let mut left = Aggregate::default();
        left.merge(one.clone());
        let mut right = one.clone();
        right.merge(Aggregate::default());
        prop_assert_eq!(left.encode(), one.encode());
        prop_assert_eq!(right.encode(), one.encode());
        reports_equal(&left, &one)?;
    }

    #[test]
    fn adding_after_a_merge_equals_one_pass(events in prop::collection::vec(event(), 0..80), cut in any::<prop::sample::Index>()) {
        let at = cut.index(events.len() + 1);
        let mut agg = aggregate(&events[..at / 2]);
        agg.merge(aggregate(&events[at / 2..at]));
        for e in &events[at..] {
            agg.add(e);
        }
        prop_assert_eq!(agg.encode(), aggregate(&events).encode());
    }
}
