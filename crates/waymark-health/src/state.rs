//! The aggregation state: a monoid keyed by (account, UTC day) holding only integers and sets.
//!
//! Merging adds counters, unions sets, ORs flags and adds histogram buckets, all of which are
//! exactly associative and commutative; floats (decay, ratios) only appear in the report.

use std::collections::hash_map::Entry;

use rustc_hash::{FxHashMap, FxHashSet};
use waymark_core::{Event, EventKind, StallKind};

use crate::intern::{NONE, Names, Sym, hash_id};
use crate::sketch::Sketch;

/// Milliseconds in a UTC day.
pub const DAY_MS: u64 = 86_400_000;

/// The UTC day (days since the Unix epoch) of a timestamp.
pub fn day_of(ts: u64) -> u32 {
    u32::try_from(ts / DAY_MS).unwrap_or(u32::MAX)
}

/// A stall point: where users stall and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PointKey {
    pub(crate) guide: Sym,
    pub(crate) step: Sym,
    pub(crate) page: Sym,
    pub(crate) kind: StallKind,
}

/// One stall point on one day.
#[derive(Clone, Debug, Default)]
pub(crate) struct Point {
    pub(crate) count: u64,
    pub(crate) ms: u64,
    pub(crate) users: FxHashSet<u64>,
    pub(crate) sessions: FxHashSet<u64>,
    pub(crate) durations: Sketch,
}

/// One guide's funnel on one day.
#[derive(Clone, Debug, Default)]
pub(crate) struct GuideDay {
    pub(crate) started: u64,
    pub(crate) completed: u64,
    pub(crate) dismissed: u64,
    pub(crate) abandoned: u64,
    /// (step index, step id) → [shown, completed].
    pub(crate) steps: FxHashMap<(u32, Sym), [u64; 2]>,
}

/// One feature on one day.
#[derive(Clone, Debug, Default)]
pub(crate) struct FeatureDay {
    pub(crate) uses: u64,
    pub(crate) users: FxHashSet<u64>,
}

/// What one account did on one UTC day.
#[derive(Clone, Debug, Default)]
pub(crate) struct Day {
    pub(crate) events: u64,
    /// Session hash → whether it had a user stall that day.
    pub(crate) sessions: FxHashMap<u64, bool>,
    /// User hash → whether they had a user stall that day.
    pub(crate) users: FxHashMap<u64, bool>,
    pub(crate) stalls: u64,
    pub(crate) stall_ms: u64,
    pub(crate) points: FxHashMap<PointKey, Point>,
    pub(crate) guides: FxHashMap<Sym, GuideDay>,
    pub(crate) features: FxHashMap<Sym, FeatureDay>,
    pub(crate) milestones: FxHashMap<Sym, FxHashSet<u64>>,
    /// (guide, step, selector) → targets that did not appear.
    pub(crate) missing: FxHashMap<(Sym, Sym, Sym), u64>,
}

/// The last event's account, day and session: the next event of the same session (the usual
/// case) skips the day lookup and two set updates.
#[derive(Clone, Copy, Debug)]
struct Last {
    account: Sym,
    day: u32,
    slot: usize,
    session: u64,
    user: Option<u64>,
}

/// The guide, step and page of the last guide event: runs of a guide repeat them, and
/// comparing a name is cheaper than looking it up.
#[derive(Clone, Copy, Debug, Default)]
struct Hints {
    guide: Sym,
    step: Sym,
    page: Sym,
}

/// The mergeable health state: per account and UTC day, counters, sets of hashed ids and
/// duration histograms.
///
/// `Aggregate::default()` is the identity; [`add`](Self::add) folds in one event;
/// [`merge`](Self::merge) is associative and commutative, so shards or time slices aggregated
/// separately and merged in any order give exactly the state of one pass.
/// [`encode`](Self::encode) / [`decode`](Self::decode) move it between processes.
#[derive(Clone, Debug, Default)]
pub struct Aggregate {
    pub(crate) names: Names,
    /// (account, day) → its index in `days`.
    slots: FxHashMap<(Sym, u32), usize>,
    pub(crate) days: Vec<((Sym, u32), Day)>,
    last: Option<Last>,
    hints: Hints,
}

impl Aggregate {
    /// Folds in one event. Events without an account are ignored (health is per account).
    ///
    /// A `stall` event is a user stall; `target_missing` only feeds the content report.
    pub fn add(&mut self, e: &Event) {
        let Some(account) = e.account.as_deref() else { return };
        let account = match self.last {
            Some(last) if self.names.get(last.account) == Some(account) => last.account,
            _ => self.names.intern(account),
        };
        if account == NONE {
            return;
        }
        let day = day_of(e.ts);
        let session = hash_id(&e.session);
        let user = e.user.as_deref().map(hash_id);
        let stall = match e.kind {
            EventKind::Stall { stall, duration_ms, .. } => Some((stall, duration_ms)),
            _ => None,
        };
        let (slot, seen) = match self.last {
            Some(l) if l.account == account && l.day == day => {
                (l.slot, l.session == session && l.user == user)
            }
            _ => (self.slot((account, day)), false),
        };
        let Self { names, days, last, hints, .. } = self;
        let Some((_, d)) = days.get_mut(slot) else { return };
        d.events += 1;
        if !seen || stall.is_some() {
            *d.sessions.entry(session).or_default() |= stall.is_some();
            if let Some(u) = user {
                *d.users.entry(u).or_default() |= stall.is_some();
            }
        }
        *last = Some(Last { account, day, slot, session, user });
        let mut at = Place { names, hints, e };
        match &e.kind {
            EventKind::Stall { .. } => {
                let Some((kind, ms)) = stall else { return };
                d.stalls += 1;
                d.stall_ms = d.stall_ms.saturating_add(ms);
                let key = PointKey { guide: at.guide(), step: at.step(), page: at.page(), kind };
                let p = d.points.entry(key).or_default();
                p.count += 1;
                p.ms = p.ms.saturating_add(ms);
                p.sessions.insert(session);
                if let Some(u) = user {
                    p.users.insert(u);
                }
                p.durations.add(ms);
            }
            EventKind::GuideShown { .. } => {
                if let Some(g) = d.guide(at.guide()) {
                    g.started += 1;
                }
            }
            EventKind::GuideCompleted { .. } => {
                if let Some(g) = d.guide(at.guide()) {
                    g.completed += 1;
                }
            }
            EventKind::GuideDismissed { .. } => {
                if let Some(g) = d.guide(at.guide()) {
                    g.dismissed += 1;
                }
            }
            EventKind::GuideAbandoned { .. } => {
                if let Some(g) = d.guide(at.guide()) {
                    g.abandoned += 1;
                }
            }
            EventKind::StepShown { index, .. } => {
                let step = at.step();
                if let Some(g) = d.guide(at.guide()) {
                    g.steps.entry((*index, step)).or_default()[0] += 1;
                }
            }
            EventKind::StepCompleted { index, .. } => {
                let step = at.step();
                if let Some(g) = d.guide(at.guide()) {
                    g.steps.entry((*index, step)).or_default()[1] += 1;
                }
            }
            EventKind::FeatureUsed { feature } => {
                let f = d.features.entry(at.names.intern(feature)).or_default();
                f.uses += 1;
                if let Some(u) = user {
                    f.users.insert(u);
                }
            }
            EventKind::MilestoneReached { milestone } => {
                let users = d.milestones.entry(at.names.intern(milestone)).or_default();
                if let Some(u) = user {
                    users.insert(u);
                }
            }
            EventKind::TargetMissing { selector, .. } => {
                let key = (at.guide(), at.step(), at.names.intern(selector));
                *d.missing.entry(key).or_default() += 1;
            }
            _ => {}
        }
    }

    /// The index of a day in `days`, adding it when new.
    fn slot(&mut self, key: (Sym, u32)) -> usize {
        let days = &mut self.days;
        *self.slots.entry(key).or_insert_with(|| {
            days.push((key, Day::default()));
            days.len() - 1
        })
    }

    /// Adds a day that is not in the state yet; `false` (and no change) when it is.
    pub(crate) fn insert_day(&mut self, key: (Sym, u32), day: Day) -> bool {
        if self.slots.contains_key(&key) {
            return false;
        }
        self.slots.insert(key, self.days.len());
        self.days.push((key, day));
        true
    }

    /// Adds another state into this one: counters add, sets unite, histograms add.
    pub fn merge(&mut self, other: Aggregate) {
        if self.names.is_empty() && self.days.is_empty() {
            *self = Aggregate { last: None, ..other };
            return;
        }
        let remap: Vec<Sym> = other.names.all().iter().map(|n| self.names.intern(n)).collect();
        // Shards that saw names in the same order need no translation of their keys.
        let identity = remap.iter().enumerate().all(|(i, &s)| s as usize == i);
        let map = |s: Sym| if s == NONE { NONE } else { remap.get(s as usize).copied().unwrap_or(NONE) };
        for ((account, day), d) in other.days {
            let key = (map(account), day);
            match self.slots.get(&key) {
                Some(&i) => {
                    if let Some((_, mine)) = self.days.get_mut(i) {
                        mine.merge(d, &map);
                    }
                }
                None if identity => {
                    self.insert_day(key, d);
                }
                None => {
                    let mut fresh = Day::default();
                    fresh.merge(d, &map);
                    self.insert_day(key, fresh);
                }
            }
        }
        self.last = None;
    }

    /// Whether no event with an account was added.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

/// Interns an event's guide, step and page, trying the previous guide event's names first.
struct Place<'a> {
    names: &'a mut Names,
    hints: &'a mut Hints,
    e: &'a Event,
}

impl Place<'_> {
    fn guide(&mut self) -> Sym {
        self.names.intern_hinted(self.e.guide.as_deref(), &mut self.hints.guide)
    }

    fn step(&mut self) -> Sym {
        self.names.intern_hinted(self.e.step.as_deref(), &mut self.hints.step)
    }

    fn page(&mut self) -> Sym {
        self.names.intern_hinted(Some(&self.e.path), &mut self.hints.page)
    }
}

impl Day {
    /// The funnel of a guide; events of a guide without an id are left out of funnels.
    fn guide(&mut self, guide: Sym) -> Option<&mut GuideDay> {
        (guide != NONE).then(|| self.guides.entry(guide).or_default())
    }

    /// Adds `other`, whose symbols `map` translates into this aggregate's.
    pub(crate) fn merge(&mut self, other: Day, map: &impl Fn(Sym) -> Sym) {
        self.events += other.events;
        union_flags(&mut self.sessions, other.sessions);
        union_flags(&mut self.users, other.users);
        self.stalls += other.stalls;
        self.stall_ms = self.stall_ms.saturating_add(other.stall_ms);
        for (k, p) in other.points {
            let key = PointKey { guide: map(k.guide), step: map(k.step), page: map(k.page), kind: k.kind };
            match self.points.entry(key) {
                Entry::Vacant(v) => {
                    v.insert(p);
                }
                Entry::Occupied(mut o) => {
                    let mine = o.get_mut();
                    mine.count += p.count;
                    mine.ms = mine.ms.saturating_add(p.ms);
                    union(&mut mine.users, p.users);
                    union(&mut mine.sessions, p.sessions);
                    mine.durations.merge(&p.durations);
                }
            }
        }
        for (g, o) in other.guides {
            let mine = self.guides.entry(map(g)).or_default();
            mine.started += o.started;
            mine.completed += o.completed;
            mine.dismissed += o.dismissed;
            mine.abandoned += o.abandoned;
            for ((index, step), [shown, completed]) in o.steps {
                let s = mine.steps.entry((index, map(step))).or_default();
                s[0] += shown;
                s[1] += completed;
            }
        }
        for (f, o) in other.features {
            let mine = self.features.entry(map(f)).or_default();
            mine.uses += o.uses;
            union(&mut mine.users, o.users);
        }
        for (m, users) in other.milestones {
            union(self.milestones.entry(map(m)).or_default(), users);
        }
        for ((g, s, sel), n) in other.missing {
            *self.missing.entry((map(g), map(s), map(sel))).or_default() += n;
        }
    }
}

/// `mine ∪= other`, inserting the smaller set into the larger.
fn union(mine: &mut FxHashSet<u64>, mut other: FxHashSet<u64>) {
    if mine.len() < other.len() {
        std::mem::swap(mine, &mut other);
    }
    mine.extend(other);
}

/// Unites two id → flag maps, ORing the flags of ids in both; the smaller goes into the larger.
fn union_flags(mine: &mut FxHashMap<u64, bool>, mut other: FxHashMap<u64, bool>) {
    if mine.len() < other.len() {
        std::mem::swap(mine, &mut other);
    }
    for (id, flag) in other {
        *mine.entry(id).or_default() |= flag;
    }
}
