//! Building events and aggregates for the tests.

use waymark_core::event::EVENT_SCHEMA_VERSION;
use waymark_core::{Event, EventKind, StallKind};
use waymark_health::{AccountHealth, Aggregate, HealthConfig, Report, Window, report};

pub const DAY: u64 = 86_400_000;
/// Noon UTC on 2025-11-08: the `now` of most tests.
pub const NOW: u64 = 20_400 * DAY + DAY / 2;

/// An event of `account`, `user` and `session`, `days_ago` days before [`NOW`].
pub fn ev(account: &str, user: &str, session: &str, days_ago: u64, kind: EventKind) -> Event {
    Event {
        v: EVENT_SCHEMA_VERSION,
        id: format!("{account}-{session}-{days_ago}"),
        seq: 0,
        ts: NOW - days_ago * DAY,
        session: session.to_string(),
        user: (!user.is_empty()).then(|| user.to_string()),
        account: (!account.is_empty()).then(|| account.to_string()),
        path: "/app".to_string(),
        guide: None,
        guide_version: None,
        step: None,
        kind,
    }
}

/// The same event in a guide's step on a page.
pub fn at(mut e: Event, guide: &str, step: &str, page: &str) -> Event {
    e.guide = Some(guide.to_string());
    e.guide_version = Some(1);
    e.step = (!step.is_empty()).then(|| step.to_string());
    e.path = page.to_string();
    e
}

pub fn stall(kind: StallKind, ms: u64) -> EventKind {
    EventKind::Stall { stall: kind, duration_ms: ms, count: 3, target: None }
}

pub fn shown() -> EventKind {
    EventKind::GuideShown { cause: "page_load".into() }
}

pub fn completed() -> EventKind {
    EventKind::GuideCompleted { duration_ms: 5_000 }
}

pub fn page_view() -> EventKind {
    EventKind::PageView
}

pub fn aggregate<'a>(events: impl IntoIterator<Item = &'a Event>) -> Aggregate {
    let mut agg = Aggregate::default();
    for e in events {
        agg.add(e);
    }
    agg
}

pub fn week(events: &[Event], config: &HealthConfig) -> Report {
    report(&aggregate(events), &Window::days_ending(NOW, 7), config)
}

pub fn account<'a>(r: &'a Report, id: &str) -> &'a AccountHealth {
    r.accounts.iter().find(|a| a.account == id).unwrap_or_else(|| panic!("no account {id} in {r:#?}"))
}

/// `users` users of `account`, each with one session `days_ago` that starts and finishes a guide.
pub fn smooth(account: &str, users: usize, days_ago: u64) -> Vec<Event> {
    (0..users)
        .flat_map(|u| {
            let (user, session) = (format!("{account}-u{u}"), format!("{account}-s{u}-{days_ago}"));
            [
                ev(account, &user, &session, days_ago, page_view()),
                at(ev(account, &user, &session, days_ago, shown()), "tour", "", "/app"),
                at(ev(account, &user, &session, days_ago, completed()), "tour", "", "/app"),
            ]
        })
        .collect()
}

/// A config where only guide completion counts, scoring its ratio as a percentage.
pub fn completion_only() -> HealthConfig {
    let mut c = HealthConfig::default();
    for m in [&mut c.stalled_session_rate, &mut c.stall_minutes_per_user, &mut c.breadth, &mut c.recurrence] {
        m.weight = 0.0;
    }
    c.guide_completion.poor = 0.0;
    c.guide_completion.healthy = 1.0;
    c
}

/// `started` guide starts of `account`, `completed` of them finished, `days_ago`.
pub fn guides(account: &str, started: usize, completed: usize, days_ago: u64) -> Vec<Event> {
    let mut out = Vec::new();
    for i in 0..started {
        let (user, session) = (format!("u{i}"), format!("s{i}-{days_ago}"));
        out.push(at(ev(account, &user, &session, days_ago, shown()), "tour", "", "/app"));
        if i < completed {
            out.push(at(ev(account, &user, &session, days_ago, self::completed()), "tour", "", "/app"));
        }
    }
    out
}
