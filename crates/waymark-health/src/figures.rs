//! An account's figures over a window, read from its days: unions of the day sets, sums of
//! the day counters, and the forward-decayed stall sums.
//!
//! Floats only appear here, and always from integer counts summed per day in day order, so the
//! same state gives bit-identical figures however it was built.

use std::cmp::Reverse;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::intern::{Names, Sym};
use crate::report::{Feature, Funnel, FunnelStep, Milestone, MissingSelector, TargetMissing};
use crate::sketch::Sketch;
use crate::state::{Day, PointKey};

/// A stall point's figures over the window.
#[derive(Clone, Debug)]
pub(crate) struct PointFigures {
    pub(crate) key: PointKey,
    pub(crate) count: u64,
    pub(crate) users: u64,
    pub(crate) sessions: u64,
    pub(crate) median_ms: u64,
}

/// Everything the measures, the reasons and the report need about one account and window.
#[derive(Clone, Debug, Default)]
pub(crate) struct Figures {
    pub(crate) events: u64,
    pub(crate) sessions: u64,
    pub(crate) stalled_sessions: u64,
    pub(crate) users: u64,
    pub(crate) stalled_users: u64,
    pub(crate) stalls: u64,
    pub(crate) stall_ms: u64,
    pub(crate) recurring_stalls: u64,
    /// Sessions weighted by the decay of the last day they were active.
    pub(crate) w_sessions: f64,
    pub(crate) w_stalled_sessions: f64,
    pub(crate) w_users: f64,
    pub(crate) w_stalled_users: f64,
    pub(crate) w_stall_ms: f64,
    pub(crate) w_stalls: f64,
    pub(crate) w_recurring_stalls: f64,
    pub(crate) started: u64,
    pub(crate) completed: u64,
    /// Every stall point, most affected users first, then count, then by name.
    pub(crate) points: Vec<PointFigures>,
    pub(crate) funnels: Vec<Funnel>,
    pub(crate) features: Vec<Feature>,
    pub(crate) milestones: Vec<Milestone>,
    pub(crate) target_missing: TargetMissing,
}

/// The weight of a day `age` days before the window's last day.
pub(crate) fn decay(half_life_days: f64, age: u32) -> f64 {
    if half_life_days > 0.0 && half_life_days.is_finite() {
        (-f64::from(age) / half_life_days).exp2()
    } else {
        1.0
    }
}

/// Distinct ids over the days and, weighting each by the decay of its last day, their sums;
/// also how many were flagged (stalled) on any day.
fn entities<'a>(
    days: &[(u32, &'a Day)],
    weights: &[f64],
    pick: impl Fn(&'a Day) -> &'a FxHashMap<u64, bool>,
) -> (u64, u64, f64, f64) {
    let mut last: FxHashMap<u64, (usize, bool)> = FxHashMap::default();
    for (i, (_, d)) in days.iter().enumerate() {
        for (&id, &flag) in pick(d) {
            let e = last.entry(id).or_insert((i, false));
            e.0 = i;
            e.1 |= flag;
        }
    }
    let mut per_day = vec![[0u64; 2]; days.len()];
    for &(i, flag) in last.values() {
        if let Some(p) = per_day.get_mut(i) {
            p[0] += 1;
            p[1] += u64::from(flag);
        }
    }
    let (mut n, mut flagged, mut w, mut w_flagged) = (0, 0, 0.0, 0.0);
    for ([all, some], weight) in per_day.into_iter().zip(weights) {
        n += all;
        flagged += some;
        w += all as f64 * weight;
        w_flagged += some as f64 * weight;
    }
    (n, flagged, w, w_flagged)
}

#[derive(Default)]
struct PointAcc {
    count: u64,
    users: FxHashSet<u64>,
    sessions: FxHashSet<u64>,
    durations: Sketch,
    per_day: Vec<u64>,
}

#[derive(Default)]
struct FunnelAcc {
    started: u64,
    completed: u64,
    dismissed: u64,
    abandoned: u64,
    steps: FxHashMap<(u32, Sym), [u64; 2]>,
}

impl Figures {
    /// The figures of `days` (one account's, ascending, all inside the window ending on `last_day`).
    pub(crate) fn compute(
        names: &Names,
        days: &[(u32, &Day)],
        last_day: u32,
        half_life_days: f64,
        top_missing: usize,
    ) -> Figures {
        let weights: Vec<f64> =
            days.iter().map(|&(day, _)| decay(half_life_days, last_day.saturating_sub(day))).collect();
        let mut f = Figures::default();
        (f.sessions, f.stalled_sessions, f.w_sessions, f.w_stalled_sessions) =
            entities(days, &weights, |d| &d.sessions);
        (f.users, f.stalled_users, f.w_users, f.w_stalled_users) = entities(days, &weights, |d| &d.users);

        let mut points: FxHashMap<PointKey, PointAcc> = FxHashMap::default();
        let mut funnels: FxHashMap<Sym, FunnelAcc> = FxHashMap::default();
        let mut features: FxHashMap<Sym, (u64, FxHashSet<u64>)> = FxHashMap::default();
        let mut milestones: FxHashMap<Sym, FxHashSet<u64>> = FxHashMap::default();
        let mut missing: FxHashMap<(Sym, Sym, Sym), u64> = FxHashMap::default();
        for (i, ((_, d), weight)) in days.iter().zip(&weights).enumerate() {
            f.events += d.events;
            f.stalls += d.stalls;
            f.stall_ms = f.stall_ms.saturating_add(d.stall_ms);
            f.w_stalls += d.stalls as f64 * weight;
            f.w_stall_ms += d.stall_ms as f64 * weight;
            for (k, p) in &d.points {
                let acc = points.entry(*k).or_default();
                acc.count += p.count;
                acc.users.extend(&p.users);
                acc.sessions.extend(&p.sessions);
                acc.durations.merge(&p.durations);
                acc.per_day.resize(days.len(), 0);
                if let Some(c) = acc.per_day.get_mut(i) {
                    *c += p.count;
                }
            }
            for (g, gd) in &d.guides {
                let acc = funnels.entry(*g).or_default();
                acc.started += gd.started;
                acc.completed += gd.completed;
                acc.dismissed += gd.dismissed;
                acc.abandoned += gd.abandoned;
                for (k, [shown, completed]) in &gd.steps {
                    let s = acc.steps.entry(*k).or_default();
                    s[0] += shown;
                    s[1] += completed;
                }
            }
            for (feat, fd) in &d.features {
                let acc = features.entry(*feat).or_default();
                acc.0 += fd.uses;
                acc.1.extend(&fd.users);
            }
            for (m, users) in &d.milestones {
                milestones.entry(*m).or_default().extend(users);
            }
            for (k, n) in &d.missing {
                *missing.entry(*k).or_default() += n;
            }
        }

        // A stall recurs when its point was hit in two or more sessions of the window.
        let mut recurring_per_day = vec![0u64; days.len()];
        for acc in points.values().filter(|p| p.sessions.len() >= 2) {
            for (total, n) in recurring_per_day.iter_mut().zip(&acc.per_day) {
                *total += n;
            }
        }
        for (n, weight) in recurring_per_day.iter().zip(&weights) {
            f.recurring_stalls += n;
            f.w_recurring_stalls += *n as f64 * weight;
        }

        let name = |s: Sym| names.get(s);
        let owned = |s: Sym| names.get(s).map(str::to_string);
        f.points = points
            .into_iter()
            .map(|(key, acc)| PointFigures {
                key,
                count: acc.count,
                users: acc.users.len() as u64,
                sessions: acc.sessions.len() as u64,
                median_ms: acc.durations.median().unwrap_or(0),
            })
            .collect();
        f.points.sort_unstable_by(|a, b| {
            let rank = |p: &PointFigures| {
                let k = p.key;
                (Reverse(p.users), Reverse(p.count), name(k.guide), name(k.step), name(k.page), k.kind.name())
            };
            rank(a).cmp(&rank(b))
        });

        let mut steps_shown = 0;
        f.funnels = funnels
            .into_iter()
            .map(|(g, acc)| {
                f.started += acc.started;
                f.completed += acc.completed;
                let mut steps: Vec<FunnelStep> = acc
                    .steps
                    .into_iter()
                    .map(|((index, step), [shown, completed])| {
                        steps_shown += shown;
                        FunnelStep { index, step: owned(step), shown, completed }
                    })
                    .collect();
                steps.sort_unstable_by(|a, b| (a.index, &a.step).cmp(&(b.index, &b.step)));
                Funnel {
                    guide: owned(g).unwrap_or_default(),
                    started: acc.started,
                    completed: acc.completed,
                    dismissed: acc.dismissed,
                    abandoned: acc.abandoned,
                    steps,
                }
            })
            .collect();
        f.funnels.sort_unstable_by(|a, b| a.guide.cmp(&b.guide));

        f.features = features
            .into_iter()
            .map(|(feat, (uses, users))| Feature {
                feature: owned(feat).unwrap_or_default(),
                users: users.len() as u64,
                uses,
            })
            .collect();
        f.features.sort_unstable_by(|a, b| {
            (Reverse(a.users), Reverse(a.uses), &a.feature).cmp(&(
                Reverse(b.users),
                Reverse(b.uses),
                &b.feature,
            ))
        });

        f.milestones = milestones
            .into_iter()
            .map(|(m, users)| Milestone {
                milestone: owned(m).unwrap_or_default(),
                users: users.len() as u64,
                of: f.users,
            })
            .collect();
        f.milestones
            .sort_unstable_by(|a, b| (Reverse(a.users), &a.milestone).cmp(&(Reverse(b.users), &b.milestone)));

        let count: u64 = missing.values().sum();
        let mut selectors: Vec<MissingSelector> = missing
            .into_iter()
            .map(|((g, s, sel), count)| MissingSelector {
                guide: owned(g),
                step: owned(s),
                selector: owned(sel).unwrap_or_default(),
                count,
            })
            .collect();
        selectors.sort_unstable_by(|a, b| {
            (Reverse(a.count), &a.guide, &a.step, &a.selector).cmp(&(
                Reverse(b.count),
                &b.guide,
                &b.step,
                &b.selector,
            ))
        });
        selectors.truncate(top_missing);
        let attempts = count + steps_shown;
        f.target_missing = TargetMissing {
            count,
            rate: if attempts == 0 { 0.0 } else { count as f64 / attempts as f64 },
            selectors,
        };
        f
    }
}
