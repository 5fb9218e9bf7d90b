//! Scores, bands, touches, trends and reasons, from events a CSM could recognise.

use waymark_core::{EventKind, StallKind};
use waymark_health::{
    Band, Feature, Funnel, FunnelStep, HealthConfig, MeasureConfig, Milestone, Touch, Window, report,
};

use crate::support::*;

/// Six users start onboarding; four of them rage-click twice on the name step for 3m10s and
/// never finish, two finish.
fn acme() -> Vec<Event> {
    let mut out = Vec::new();
    for u in 0..6 {
        let (user, session) = (format!("a{u}"), format!("as{u}"));
        out.push(ev("acme", &user, &session, 0, page_view()));
        out.push(at(ev("acme", &user, &session, 0, shown()), "onboarding-first-project", "", "/app"));
        if u < 4 {
            for _ in 0..2 {
                let s = ev("acme", &user, &session, 0, stall(StallKind::RageClick, 190_000));
                out.push(at(s, "onboarding-first-project", "name", "/app/projects"));
            }
        } else {
            out.push(at(ev("acme", &user, &session, 0, completed()), "onboarding-first-project", "", "/app"));
        }
    }
    out
}

use waymark_core::Event;

#[test]
fn a_stalling_account_ranks_first_with_reasons_a_csm_can_act_on() {
    let mut events = acme();
    events.extend(smooth("zen", 6, 1));
    let r = week(&events, &HealthConfig::default());
    let order: Vec<&str> = r.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(order, ["acme", "zen"]);

    let acme = account(&r, "acme");
    assert_eq!((acme.score, acme.band, acme.touch), (Some(20), Band::AtRisk, Touch::HighTouch));
    assert_eq!(
        acme.reasons,
        [
            "4 of 6 users stalled on onboarding-first-project › name (rage clicks) for a median 3m10s",
            "4 of 6 sessions had a stall",
            "Only 2 of 6 started guides were completed",
            "4 of 6 active users stalled at least once",
            "8 of 8 stalls happened at points several sessions hit: the guide there needs a fix",
            "Stalls took 4m13s per active user",
        ]
    );
    assert_eq!((acme.active_users, acme.sessions, acme.stalled_sessions, acme.stalls), (6, 6, 4, 8));
    let p = &acme.stall_points[0];
    assert_eq!(
        (p.guide.as_deref(), p.step.as_deref(), p.page.as_str()),
        (Some("onboarding-first-project"), Some("name"), "/app/projects")
    );
    assert_eq!((p.kind, p.count, p.users), (StallKind::RageClick, 8, 4));
    assert!(p.median_ms.abs_diff(190_000) < 190_000 / 100, "{}", p.median_ms);

    let zen = account(&r, "zen");
    assert_eq!((zen.score, zen.band, zen.touch), (Some(100), Band::Healthy, Touch::TechTouch));
    assert_eq!(zen.reasons, ["No measure is below its healthy threshold"]);
}

#[test]
fn measures_score_linearly_between_their_thresholds_in_either_direction() {
    let lower_is_better = MeasureConfig { weight: 1.0, poor: 0.5, healthy: 0.05, min_samples: 1 };
    assert_eq!(lower_is_better.score(0.5), 0);
    assert_eq!(lower_is_better.score(0.9), 0);
    assert_eq!(lower_is_better.score(0.05), 100);
    assert_eq!(lower_is_better.score(0.0), 100);
    assert_eq!(lower_is_better.score(0.275), 50);
    let higher_is_better = MeasureConfig { weight: 1.0, poor: 0.2, healthy: 0.7, min_samples: 1 };
    assert_eq!(higher_is_better.score(0.45), 50);
    assert_eq!(higher_is_better.score(1.0), 100);
    assert_eq!(higher_is_better.score(0.1), 0);
}

#[test]
fn measures_without_enough_samples_give_their_weight_to_the_others() {
    // Two users in two sessions start three guides and finish one: only completion has data.
    let mut events = vec![
        at(ev("tiny", "u0", "s0", 0, shown()), "tour", "", "/app"),
        at(ev("tiny", "u0", "s0", 0, shown()), "tour", "", "/app"),
        at(ev("tiny", "u1", "s1", 0, shown()), "tour", "", "/app"),
        at(ev("tiny", "u1", "s1", 0, completed()), "tour", "", "/app"),
    ];
    events.push(ev("idle", "u9", "s9", 0, page_view()));
    let r = week(&events, &HealthConfig::default());
    let tiny = account(&r, "tiny");
    let scored: Vec<(&str, Option<u8>, f64)> =
        tiny.measures.iter().map(|m| (m.name, m.score, m.weight)).collect();
    assert_eq!(
        scored,
        [
            ("stalled_session_rate", None, 0.0),
            ("stall_minutes_per_user", None, 0.0),
            ("guide_completion", Some(27), 1.0),
            ("breadth", None, 0.0),
            ("recurrence", None, 0.0),
        ]
    );
    assert_eq!((tiny.score, tiny.band), (Some(27), Band::AtRisk));
    assert_eq!(tiny.reasons, ["Only 1 of 3 started guides was completed"]);

    let idle = account(&r, "idle");
    assert_eq!((idle.score, idle.band, idle.touch), (None, Band::NotEnoughData, Touch::TechTouch));
    assert_eq!(
        idle.reasons,
        ["Not enough data yet: 1 session, 1 active user and 0 started guides in 7 days"]
    );
    assert_eq!(r.accounts.last().map(|a| a.account.as_str()), Some("idle"), "null scores sort last");
}

#[test]
fn bands_and_touches_follow_the_score() {
    let mut events = Vec::new();
    for c in [70, 69, 40, 39] {
        events.extend(guides(&format!("c{c}"), 100, c, 0));
    }
    let r = week(&events, &completion_only());
    let got: Vec<(&str, Option<u8>, Band, Touch)> =
        r.accounts.iter().map(|a| (a.account.as_str(), a.score, a.band, a.touch)).collect();
    assert_eq!(
        got,
        [
            ("c39", Some(39), Band::AtRisk, Touch::HighTouch),
            ("c40", Some(40), Band::Watch, Touch::LowTouch),
            ("c69", Some(69), Band::Watch, Touch::LowTouch),
            ("c70", Some(70), Band::Healthy, Touch::TechTouch),
        ]
    );
}

#[test]
fn a_drop_of_fifteen_points_moves_the_touch_one_step_up() {
    let mut events = Vec::new();
    for (id, before, now) in [("fell", 100, 70), ("slid", 100, 50), ("dipped", 80, 66)] {
        events.extend(guides(id, 100, before, 9));
        events.extend(guides(id, 100, now, 1));
    }
    let r = week(&events, &completion_only());
    let fell = account(&r, "fell");
    assert_eq!((fell.score, fell.previous_score, fell.trend), (Some(70), Some(100), Some(-30)));
    assert_eq!((fell.band, fell.touch), (Band::Healthy, Touch::LowTouch));
    assert!(
        fell.reasons.contains(&"Score fell 30 points against the previous 7 days (100 → 70)".to_string())
    );
    let slid = account(&r, "slid");
    assert_eq!((slid.band, slid.touch), (Band::Watch, Touch::HighTouch));
    let dipped = account(&r, "dipped");
    assert_eq!((dipped.trend, dipped.band, dipped.touch), (Some(-14), Band::Watch, Touch::LowTouch));
}

#[test]
fn an_account_that_went_quiet_gets_a_low_touch() {
    let r = week(&smooth("gone", 3, 9), &HealthConfig::default());
    let gone = account(&r, "gone");
    assert_eq!((gone.events, gone.score, gone.previous_score), (0, None, Some(100)));
    assert_eq!((gone.band, gone.touch), (Band::NotEnoughData, Touch::LowTouch));
    assert_eq!(gone.reasons[0], "No activity in the last 7 days; 3 users were active the 7 days before");
}

#[test]
fn missing_targets_are_reported_but_never_lower_the_score() {
    let base = acme();
    let mut broken = base.clone();
    for i in 0..40 {
        let kind = EventKind::TargetMissing { selector: "#card".into(), waited_ms: 5_000 };
        broken.push(at(
            ev("acme", &format!("a{}", i % 6), &format!("as{}", i % 6), 0, kind),
            "billing",
            "card",
            "/billing",
        ));
    }
    let (before, after) = (week(&base, &HealthConfig::default()), week(&broken, &HealthConfig::default()));
    let (b, a) = (account(&before, "acme"), account(&after, "acme"));
    assert_eq!((a.score, a.band, a.touch), (b.score, b.band, b.touch));
    assert_eq!(a.measures, b.measures);
    assert_eq!((a.target_missing.count, a.target_missing.rate), (40, 1.0));
    assert_eq!(a.target_missing.selectors[0].selector, "#card");
    assert_eq!(
        a.reasons.last().map(String::as_str),
        Some(
            "40 step targets did not appear (most often #card in billing › card): a content fix for the guide author, not counted in the score"
        )
    );
}

#[test]
fn recent_stalls_weigh_more_than_old_ones() {
    // Same users, sessions and stalls; "recent" stalled today, "old" six days ago.
    let mut events = Vec::new();
    for (id, stall_day) in [("recent", 0), ("old", 6)] {
        for u in 0..10 {
            let user = format!("u{u}");
            for day in [0, 6] {
                let session = format!("s{u}-{day}");
                events.push(ev(id, &user, &session, day, page_view()));
                if u < 5 && day == stall_day {
                    events.push(ev(id, &user, &session, day, stall(StallKind::Idle, 120_000)));
                }
            }
        }
    }
    let r = week(&events, &HealthConfig::default());
    let (recent, old) = (account(&r, "recent"), account(&r, "old"));
    assert_eq!((recent.stalled_sessions, recent.stall_ms), (old.stalled_sessions, old.stall_ms));
    assert!(recent.score < old.score, "{:?} vs {:?}", recent.score, old.score);
    assert!(recent.measures[0].value > old.measures[0].value);

    let mut flat = HealthConfig::default();
    flat.half_life_days = 0.0;
    let r = week(&events, &flat);
    assert_eq!(account(&r, "recent").score, account(&r, "old").score);
    assert_eq!(account(&r, "old").measures[0].value, Some(0.25));
}

#[test]
fn funnels_features_and_milestones_count_steps_uses_and_users() {
    let mut events = Vec::new();
    for u in 0..3 {
        let (user, session) = (format!("u{u}"), format!("s{u}"));
        let step = |index, name, done: bool| {
            let kind = if done {
                EventKind::StepCompleted { index, duration_ms: 1_000 }
            } else {
                EventKind::StepShown { index, anchored: true }
            };
            at(ev("acme", &user, &session, 0, kind), "setup", name, "/app")
        };
        events.push(at(ev("acme", &user, &session, 0, shown()), "setup", "", "/app"));
        events.push(step(0, "welcome", false));
        if u < 2 {
            events.push(step(0, "welcome", true));
            events.push(step(1, "name", false));
        }
        if u == 0 {
            events.push(step(1, "name", true));
            for _ in 0..3 {
                events.push(ev(
                    "acme",
                    &user,
                    &session,
                    0,
                    EventKind::FeatureUsed { feature: "create-project".into() },
                ));
            }
            events.push(ev(
                "acme",
                &user,
                &session,
                0,
                EventKind::MilestoneReached { milestone: "first-project".into() },
            ));
        }
        if u == 1 {
            events.push(ev(
                "acme",
                &user,
                &session,
                0,
                EventKind::FeatureUsed { feature: "create-project".into() },
            ));
            let dismissed = EventKind::GuideDismissed { index: 1, duration_ms: 9_000, how: "button".into() };
            events.push(at(ev("acme", &user, &session, 0, dismissed), "setup", "name", "/app"));
        }
    }
    let r = week(&events, &HealthConfig::default());
    let acme = account(&r, "acme");
    assert_eq!(
        acme.funnels,
        [Funnel {
            guide: "setup".into(),
            started: 3,
            completed: 0,
            dismissed: 1,
            abandoned: 0,
            steps: vec![
                FunnelStep { index: 0, step: Some("welcome".into()), shown: 3, completed: 2 },
                FunnelStep { index: 1, step: Some("name".into()), shown: 2, completed: 1 },
            ],
        }]
    );
    assert_eq!(acme.features, [Feature { feature: "create-project".into(), users: 2, uses: 4 }]);
    assert_eq!(acme.milestones, [Milestone { milestone: "first-project".into(), users: 1, of: 3 }]);
}

#[test]
fn stall_points_rank_by_users_then_count_with_median_durations() {
    let mut events = Vec::new();
    for (u, ms) in [(0, 10_000), (0, 20_000), (0, 30_000), (0, 40_000), (0, 50_000)] {
        events.push(at(ev("acme", &format!("u{u}"), "s0", 0, stall(StallKind::Idle, ms)), "g", "busy", "/a"));
    }
    for u in 1..3 {
        let e = ev("acme", &format!("u{u}"), &format!("s{u}"), 0, stall(StallKind::DeadClick, 800));
        events.push(at(e, "g", "wide", "/b"));
    }
    let r = week(&events, &HealthConfig::default());
    let points: Vec<(Option<&str>, u64, u64)> =
        account(&r, "acme").stall_points.iter().map(|p| (p.step.as_deref(), p.users, p.count)).collect();
    assert_eq!(points, [(Some("wide"), 2, 2), (Some("busy"), 1, 5)]);
    let busy = &account(&r, "acme").stall_points[1];
    assert_eq!(busy.median_ms, 30_000);
    assert_eq!(account(&r, "acme").stall_points[0].median_ms, 800, "equal durations give an exact median");
}

#[test]
fn events_without_an_account_are_ignored() {
    let r = week(&[ev("", "u", "s", 0, page_view())], &HealthConfig::default());
    assert!(r.accounts.is_empty());
}

#[test]
fn windows_are_whole_utc_days() {
    let w = Window::days_ending(NOW, 7);
    assert_eq!((w.from(), w.to(), w.days()), (NOW - NOW % DAY - 6 * DAY, NOW, 7));
    // A report reads this window's days and the 7 before (the trend's window).
    let days = w.report_days();
    assert_eq!(
        (*days.start(), *days.end()),
        (waymark_health::day_of(w.from()) - 7, waymark_health::day_of(NOW))
    );
    assert_eq!(Window::parse("28d", NOW), Ok(Window::days_ending(NOW, 28)));
    let err = |t: &str| Window::parse(t, NOW).map_err(|e| e.to_string()).err();
    assert_eq!(
        err("36h").as_deref(),
        Some("invalid window `36h`: expected a whole number of days, like `7d` or `28d`")
    );
    assert_eq!(
        err("0d").as_deref(),
        Some("invalid window `0d`: expected a whole number of days, like `7d` or `28d`")
    );
    assert!(err("7").is_some_and(|e| e.contains("has no unit")));
    // An event just after midnight of the window's first day counts; one just before does not.
    let first = w.from();
    let mut inside = ev("acme", "u", "s", 0, page_view());
    inside.ts = first;
    let mut outside = inside.clone();
    outside.ts = first - 1;
    outside.session = "t".into();
    let r = report(&aggregate([&inside, &outside]), &w, &HealthConfig::default());
    assert_eq!(account(&r, "acme").sessions, 1);
}

#[test]
fn accounts_without_user_ids_are_told_in_sessions() {
    let mut events = Vec::new();
    for s in 0..6 {
        let session = format!("s{s}");
        events.push(ev("anon", "", &session, 0, page_view()));
        if s < 4 {
            events.push(at(
                ev("anon", "", &session, 0, stall(StallKind::Idle, 60_000)),
                "tour",
                "plan",
                "/app",
            ));
        }
    }
    let r = week(&events, &HealthConfig::default());
    let anon = account(&r, "anon");
    assert_eq!(anon.active_users, 0);
    assert_eq!(anon.reasons[0], "In 4 of 6 sessions, users stalled on tour › plan (idle) for a median 1m");
}
