//! From figures to a score, a band, a touch and reasons; and the report over all accounts.

use rustc_hash::FxHashMap;

use crate::config::{HealthConfig, MeasureConfig};
use crate::figures::{Figures, PointFigures};
use crate::intern::{Names, Sym};
use crate::report::{AccountHealth, Band, Measure, REPORT_VERSION, Report, StallPoint, Touch, WindowSpan};
use crate::state::{Aggregate, Day};
use crate::text::{format_duration, kind_label, plural};
use crate::window::Window;

/// The measures, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    StalledSessionRate,
    StallMinutesPerUser,
    GuideCompletion,
    Breadth,
    Recurrence,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::StalledSessionRate,
        Kind::StallMinutesPerUser,
        Kind::GuideCompletion,
        Kind::Breadth,
        Kind::Recurrence,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::StalledSessionRate => "stalled_session_rate",
            Kind::StallMinutesPerUser => "stall_minutes_per_user",
            Kind::GuideCompletion => "guide_completion",
            Kind::Breadth => "breadth",
            Kind::Recurrence => "recurrence",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::StalledSessionRate => "Stalled sessions",
            Kind::StallMinutesPerUser => "Stall minutes per active user",
            Kind::GuideCompletion => "Guide completion",
            Kind::Breadth => "Users who stalled",
            Kind::Recurrence => "Recurring stall points",
        }
    }

    fn config(self, c: &HealthConfig) -> &MeasureConfig {
        match self {
            Kind::StalledSessionRate => &c.stalled_session_rate,
            Kind::StallMinutesPerUser => &c.stall_minutes_per_user,
            Kind::GuideCompletion => &c.guide_completion,
            Kind::Breadth => &c.breadth,
            Kind::Recurrence => &c.recurrence,
        }
    }

    fn is_stall(self) -> bool {
        self != Kind::GuideCompletion
    }

    /// The raw value and its sample size.
    fn value(self, f: &Figures) -> (Option<f64>, u64) {
        let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        match self {
            Kind::StalledSessionRate => (ratio(f.w_stalled_sessions, f.w_sessions), f.sessions),
            Kind::StallMinutesPerUser => (ratio(f.w_stall_ms / 60_000.0, f.users as f64), f.users),
            Kind::GuideCompletion => {
                // Completions of guides started before the window can outnumber starts.
                (ratio(f.completed as f64, f.started as f64).map(|v| v.min(1.0)), f.started)
            }
            Kind::Breadth => (ratio(f.w_stalled_users, f.w_users), f.users),
            Kind::Recurrence => (ratio(f.w_recurring_stalls, f.w_stalls), f.stalls),
        }
    }

    /// The measure's finding in words, from the undecayed counts.
    fn sentence(self, f: &Figures) -> String {
        match self {
            Kind::StalledSessionRate => {
                format!("{} of {} had a stall", f.stalled_sessions, plural(f.sessions, "session", "sessions"))
            }
            Kind::StallMinutesPerUser => format!(
                "Stalls took {} per active user",
                format_duration(f.stall_ms.checked_div(f.users).unwrap_or(0))
            ),
            Kind::GuideCompletion => match f.completed {
                0 => format!("None of the {} started guides was completed", f.started),
                1 => format!("Only 1 of {} started guides was completed", f.started),
                n => format!("Only {n} of {} started guides were completed", f.started),
            },
            Kind::Breadth => format!(
                "{} of {} stalled at least once",
                f.stalled_users,
                plural(f.users, "active user", "active users")
            ),
            Kind::Recurrence => format!(
                "{} of {} happened at points several sessions hit: the guide there needs a fix",
                f.recurring_stalls,
                plural(f.stalls, "stall", "stalls")
            ),
        }
    }
}

/// The measures of some figures and the account score they give.
fn measures(f: &Figures, config: &HealthConfig) -> (Vec<Measure>, Option<u8>) {
    let scored: Vec<(Kind, Option<f64>, u64, Option<u8>)> = Kind::ALL
        .iter()
        .map(|&k| {
            let c = k.config(config);
            let (value, samples) = k.value(f);
            let score = value.filter(|_| samples >= c.min_samples).map(|v| c.score(v));
            (k, value, samples, score)
        })
        .collect();
    let weight = |k: Kind| k.config(config).weight.max(0.0);
    let total: f64 = scored.iter().filter(|m| m.3.is_some()).map(|m| weight(m.0)).sum();
    let score = (total > 0.0).then(|| {
        let sum: f64 = scored.iter().filter_map(|m| m.3.map(|s| weight(m.0) * f64::from(s))).sum();
        // A weighted mean of 0-100 scores stays within 0..=100.
        (sum / total).round() as u8
    });
    let list = scored
        .into_iter()
        .map(|(k, value, samples, score)| {
            let c = k.config(config);
            Measure {
                name: k.name(),
                label: k.label(),
                value,
                unit: if k == Kind::StallMinutesPerUser { "minutes_per_user" } else { "ratio" },
                score,
                weight: if score.is_some() && total > 0.0 { weight(k) / total } else { 0.0 },
                poor: c.poor,
                healthy: c.healthy,
                samples,
                min_samples: c.min_samples,
            }
        })
        .collect();
    (list, score)
}

fn band(score: Option<u8>, c: &HealthConfig) -> Band {
    match score {
        None => Band::NotEnoughData,
        Some(s) if s >= c.healthy_from => Band::Healthy,
        Some(s) if s >= c.watch_from => Band::Watch,
        Some(_) => Band::AtRisk,
    }
}

fn touch(band: Band, trend: Option<i32>, gone_quiet: bool, c: &HealthConfig) -> Touch {
    let base = match band {
        Band::AtRisk => Touch::HighTouch,
        Band::Watch => Touch::LowTouch,
        Band::Healthy => Touch::TechTouch,
        // An account that stopped using the product deserves a word; one just starting does not.
        Band::NotEnoughData if gone_quiet => Touch::LowTouch,
        Band::NotEnoughData => Touch::TechTouch,
    };
    match trend {
        Some(t) if t <= -i32::from(c.escalate_drop) => match base {
            Touch::TechTouch => Touch::LowTouch,
            _ => Touch::HighTouch,
        },
        _ => base,
    }
}

/// Where a stall point is, as a CSM would say it.
fn place(names: &Names, p: &PointFigures) -> String {
    let page = names.get(p.key.page).unwrap_or_default();
    match (names.get(p.key.guide), names.get(p.key.step)) {
        (Some(g), Some(s)) => format!("{g} › {s}"),
        (Some(g), None) => format!("{g} on {page}"),
        (None, _) => page.to_string(),
    }
}

struct ReasonInput<'a> {
    names: &'a Names,
    cur: &'a Figures,
    prev: Option<&'a Figures>,
    measures: &'a [Measure],
    score: Option<u8>,
    previous_score: Option<u8>,
    trend: Option<i32>,
    days: u32,
}

fn reasons(r: &ReasonInput<'_>, c: &HealthConfig) -> Vec<String> {
    let (f, days) = (r.cur, r.days);
    let mut out = Vec::new();
    if f.events == 0 {
        let before = r.prev.map_or(0, |p| p.users);
        out.push(format!(
            "No activity in the last {days} days; {} the {days} days before",
            plural(before, "user was active", "users were active")
        ));
    }
    let below: Vec<(Kind, f64)> = Kind::ALL
        .iter()
        .zip(r.measures)
        .filter_map(|(&k, m)| {
            let s = m.score.filter(|&s| s < c.healthy_from)?;
            Some((k, m.weight * f64::from(100 - s)))
        })
        .collect();
    if below.iter().any(|(k, _)| k.is_stall())
        && let Some(p) = f.points.first()
    {
        let who = if f.users > 0 {
            format!("{} of {}", p.users, plural(f.users, "user", "users"))
        } else {
            format!("In {} of {}, users", p.sessions, plural(f.sessions, "session", "sessions"))
        };
        out.push(format!(
            "{who} stalled on {} ({}) for a median {}",
            place(r.names, p),
            kind_label(p.key.kind),
            format_duration(p.median_ms)
        ));
    }
    let mut ranked = below;
    // Most points lost first; the sort is stable, so ties keep the measures' order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.extend(ranked.iter().map(|(k, _)| k.sentence(f)));
    if let (Some(t), Some(before), Some(now)) = (r.trend, r.previous_score, r.score)
        && t <= -i32::from(c.escalate_drop)
    {
        out.push(format!("Score fell {} points against the previous {days} days ({before} → {now})", -t));
    }
    if r.score.is_none() && f.events > 0 {
        out.push(format!(
            "Not enough data yet: {}, {} and {} in {days} days",
            plural(f.sessions, "session", "sessions"),
            plural(f.users, "active user", "active users"),
            plural(f.started, "started guide", "started guides")
        ));
    }
    if out.is_empty() {
        out.push("No measure is below its healthy threshold".to_string());
    }
    if let Some(top) = f.target_missing.selectors.first() {
        let at = match (&top.guide, &top.step) {
            (Some(g), Some(s)) => format!(" in {g} › {s}"),
            (Some(g), None) => format!(" in {g}"),
            _ => String::new(),
        };
        out.push(format!(
            "{} did not appear (most often {}{at}): a content fix for the guide author, not counted in the score",
            plural(f.target_missing.count, "step target", "step targets"),
            top.selector
        ));
    }
    out
}

/// The days of `days` (ascending) that fall in `window`.
fn within<'a>(days: &[(u32, &'a Day)], window: &Window) -> Vec<(u32, &'a Day)> {
    let (first, last) = (window.first_day(), window.last_day());
    days.iter().copied().filter(|&(d, _)| d >= first && d <= last).collect()
}

fn account(
    agg: &Aggregate,
    account: Sym,
    days: &[(u32, &Day)],
    window: &Window,
    config: &HealthConfig,
) -> AccountHealth {
    let figures = |w: &Window| {
        Figures::compute(
            &agg.names,
            &within(days, w),
            w.last_day(),
            config.half_life_days,
            config.top_missing_selectors,
        )
    };
    let cur = figures(window);
    let prev = window.previous().map(|w| figures(&w));
    let (measures, score) = measures(&cur, config);
    let previous_score = prev.as_ref().and_then(|p| self::measures(p, config).1);
    let trend = score.zip(previous_score).map(|(s, p)| i32::from(s) - i32::from(p));
    let band = band(score, config);
    let gone_quiet = cur.events == 0;
    let reasons = reasons(
        &ReasonInput {
            names: &agg.names,
            cur: &cur,
            prev: prev.as_ref(),
            measures: &measures,
            score,
            previous_score,
            trend,
            days: window.days(),
        },
        config,
    );
    let owned = |s: Sym| agg.names.get(s).map(str::to_string);
    AccountHealth {
        account: owned(account).unwrap_or_default(),
        score,
        band,
        previous_score,
        trend,
        touch: touch(band, trend, gone_quiet, config),
        reasons,
        active_users: cur.users,
        sessions: cur.sessions,
        events: cur.events,
        stalled_sessions: cur.stalled_sessions,
        stalled_users: cur.stalled_users,
        stalls: cur.stalls,
        stall_ms: cur.stall_ms,
        measures,
        stall_points: cur
            .points
            .iter()
            .take(config.top_stall_points)
            .map(|p| StallPoint {
                guide: owned(p.key.guide),
                step: owned(p.key.step),
                page: owned(p.key.page).unwrap_or_default(),
                kind: p.key.kind,
                count: p.count,
                users: p.users,
                median_ms: p.median_ms,
            })
            .collect(),
        funnels: cur.funnels,
        features: cur.features,
        milestones: cur.milestones,
        target_missing: cur.target_missing,
    }
}

/// Health of every account with events in `window` or the window of equal length before it.
pub fn report(agg: &Aggregate, window: &Window, config: &HealthConfig) -> Report {
    let first = window.previous().map_or(window.first_day(), |p| p.first_day());
    let last = window.last_day();
    let mut by_account: FxHashMap<Sym, Vec<(u32, &Day)>> = FxHashMap::default();
    for &((a, day), ref d) in &agg.days {
        if day >= first && day <= last {
            by_account.entry(a).or_default().push((day, d));
        }
    }
    let mut accounts: Vec<AccountHealth> = by_account
        .into_iter()
        .map(|(a, mut days)| {
            days.sort_unstable_by_key(|&(day, _)| day);
            account(agg, a, &days, window, config)
        })
        .collect();
    accounts.sort_unstable_by(|a, b| {
        let risk = |x: &AccountHealth| (x.score.is_none(), x.score);
        (risk(a), &a.account).cmp(&(risk(b), &b.account))
    });
    Report {
        version: REPORT_VERSION,
        generated_at: window.to(),
        window: WindowSpan { from: window.from(), to: window.to(), days: window.days() },
        accounts,
    }
}
