//! The per-user progress the adapter persists (in `localStorage`) and hands back on the
//! next page load, so multi-page guides resume and frequency rules hold across reloads.

use crate::duration::Millis;
use crate::map::{StrMap, StrSet};

/// Version of the persisted state; an unknown version is discarded, not misread. (1 was
/// JSON; 2 is the byte encoding of [`crate::wire`].)
pub const STATE_VERSION: u16 = 2;

/// Everything the engine remembers about one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserState {
    /// [`STATE_VERSION`].
    pub v: u16,
    /// Per guide id.
    pub guides: StrMap<GuideRecord>,
    /// Uses per feature id.
    pub features: StrMap<u32>,
    /// Counts of the tracked events that milestones count.
    pub tracked: StrMap<u32>,
    /// Milestones reached.
    pub milestones: StrSet,
    /// The guide in progress, to resume after a reload.
    pub active: Option<ActiveRun>,
    /// A guide in progress set aside while another runs (its pages were left).
    pub suspended: Option<ActiveRun>,
}

impl Default for UserState {
    fn default() -> Self {
        Self {
            v: STATE_VERSION,
            guides: StrMap::new(),
            features: StrMap::new(),
            tracked: StrMap::new(),
            milestones: StrSet::new(),
            active: None,
            suspended: None,
        }
    }
}

impl UserState {
    /// Reads a stored state; anything unreadable or of another version starts afresh
    /// (progress is a convenience, never a reason to break the page).
    pub fn decode(bytes: &[u8]) -> Self {
        crate::wire::decode_state(bytes).ok().filter(|s| s.v == STATE_VERSION).unwrap_or_default()
    }

    /// The state as bytes for storage (the agent keeps them base64 in `localStorage`).
    pub fn encode(&self) -> Vec<u8> {
        crate::wire::encode_state(self)
    }
}

/// What a user has done with one guide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuideRecord {
    /// The guide version these facts are about; a newer version starts afresh.
    pub version: u32,
    /// How many times it started.
    pub starts: u32,
    /// When it last started.
    pub last_start: Option<Millis>,
    /// The session it last started in.
    pub last_session: Option<String>,
    /// When it was completed.
    pub completed: Option<Millis>,
    /// When it was dismissed.
    pub dismissed: Option<Millis>,
}

/// A guide in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveRun {
    /// Guide id.
    pub guide: String,
    /// Guide version.
    pub version: u32,
    /// Current step position.
    pub step: u32,
    /// When the guide started.
    pub started: Millis,
    /// When the engine last saw it (to tell a reload from an abandonment).
    pub seen: Millis,
}

impl UserState {
    /// Folds in what another tab of the same user stored (`theirs`) while this one changed
    /// `self`, both from `base` (what this tab last read or wrote): a three-way merge, so
    /// neither tab's progress is lost to the other's next write. Counts add both tabs'
    /// increments; a guide's record keeps the newer version, the later times and every
    /// start; milestones are the union; each run slot keeps the side that changed it (this
    /// tab when both did, unless this tab left it empty). A run its guide's record says was completed or dismissed after
    /// it started is over, wherever that happened.
    pub fn merge(&mut self, base: &UserState, theirs: &UserState) {
        for (id, t) in theirs.guides.iter() {
            let b = base.guides.get(id);
            if b == Some(t) {
                continue;
            }
            match self.guides.get_mut(id) {
                Some(m) if Some(&*m) != b => m.merge(b, t),
                _ => {
                    self.guides.insert(id.clone(), t.clone());
                }
            }
        }
        add_increments(&mut self.features, &base.features, &theirs.features);
        add_increments(&mut self.tracked, &base.tracked, &theirs.tracked);
        for m in theirs.milestones.keys() {
            self.milestones.add(m.clone());
        }
        let slots = [
            (&mut self.active, &base.active, &theirs.active),
            (&mut self.suspended, &base.suspended, &theirs.suspended),
        ];
        for (slot, base, theirs) in slots {
            // A run the other tab moved on wins over a slot this tab left empty.
            if theirs != base && (*slot == *base || slot.is_none()) {
                slot.clone_from(theirs);
            }
            let ended = |run: &ActiveRun| {
                self.guides.get(&run.guide).is_some_and(|r| r.ended(run.version, run.started))
            };
            if slot.as_ref().is_some_and(ended) {
                *slot = None;
            }
        }
    }
}

/// Adds to `mine` what `theirs` counted since `base`.
fn add_increments(mine: &mut StrMap<u32>, base: &StrMap<u32>, theirs: &StrMap<u32>) {
    for (k, t) in theirs.iter() {
        let more = t.saturating_sub(base.get(k).copied().unwrap_or(0));
        if more > 0 {
            let m = mine.or_default(k);
            *m = m.saturating_add(more);
        }
    }
}

impl GuideRecord {
    /// Folds in `theirs`, where both tabs changed the record since `base`.
    fn merge(&mut self, base: Option<&GuideRecord>, theirs: &GuideRecord) {
        if theirs.version != self.version {
            if theirs.version > self.version {
                *self = theirs.clone();
            }
            return;
        }
        let base_starts = base.filter(|b| b.version == self.version).map_or(0, |b| b.starts);
        self.starts = self.starts.saturating_add(theirs.starts.saturating_sub(base_starts));
        if theirs.last_start > self.last_start {
            self.last_start = theirs.last_start;
            self.last_session.clone_from(&theirs.last_session);
        }
        self.completed = self.completed.max(theirs.completed);
        self.dismissed = self.dismissed.max(theirs.dismissed);
    }

    /// Whether a run of `version` that started at `started` was since completed or
    /// dismissed.
    pub fn ended(&self, version: u32, started: Millis) -> bool {
        self.version == version && self.completed.max(self.dismissed).is_some_and(|t| t >= started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(guide: &str, started: Millis) -> ActiveRun {
        ActiveRun { guide: guide.into(), version: 1, step: 0, started, seen: started }
    }

    fn record(starts: u32, last_start: Millis) -> GuideRecord {
        GuideRecord { version: 1, starts, last_start: Some(last_start), ..GuideRecord::default() }
    }

    /// Both tabs start from `base` and apply their own change.
    fn tabs(base: &UserState, mine: impl Fn(&mut UserState), theirs: impl Fn(&mut UserState)) -> UserState {
        let (mut m, mut t) = (base.clone(), base.clone());
        mine(&mut m);
        theirs(&mut t);
        m.merge(base, &t);
        m
    }

    #[test]
    fn what_only_one_tab_changed_is_kept_whichever_tab_it_was() {
        let base = UserState::default();
        let dismiss = |s: &mut UserState| {
            s.guides.insert("tour".into(), GuideRecord { dismissed: Some(50), ..record(1, 10) });
        };
        let nothing = |_: &mut UserState| {};
        let merged = tabs(&base, nothing, dismiss);
        assert_eq!(merged.guides.get("tour").and_then(|r| r.dismissed), Some(50));
        assert_eq!(tabs(&base, dismiss, nothing), merged);
    }

    #[test]
    fn both_tabs_counts_and_starts_add_up_and_the_later_times_win() {
        let mut base = UserState::default();
        base.features.insert("export".into(), 3);
        base.guides.insert("tour".into(), record(1, 10));
        let merged = tabs(
            &base,
            |s| {
                *s.features.or_default("export") += 2;
                s.guides.insert("tour".into(), GuideRecord { completed: Some(40), ..record(2, 30) });
                s.milestones.add("first".into());
            },
            |s| {
                *s.features.or_default("export") += 1;
                *s.tracked.or_default("saved") += 4;
                let rec =
                    GuideRecord { last_session: Some("s2".into()), dismissed: Some(25), ..record(2, 20) };
                s.guides.insert("tour".into(), rec);
                s.milestones.add("second".into());
            },
        );
        assert_eq!(merged.features.get("export"), Some(&6));
        assert_eq!(merged.tracked.get("saved"), Some(&4));
        let rec = merged.guides.get("tour").cloned().unwrap_or_default();
        assert_eq!(
            (rec.starts, rec.last_start, rec.completed, rec.dismissed),
            (3, Some(30), Some(40), Some(25))
        );
        assert_eq!(merged.milestones.keys().collect::<Vec<_>>(), ["first", "second"]);
    }

    #[test]
    fn a_newer_guide_version_replaces_the_older_record() {
        let mut base = UserState::default();
        base.guides.insert("tour".into(), record(1, 10));
        let merged = tabs(
            &base,
            |s| {
                s.guides.insert("tour".into(), record(5, 30));
            },
            |s| {
                s.guides.insert("tour".into(), GuideRecord { version: 2, ..record(1, 20) });
            },
        );
        assert_eq!(merged.guides.get("tour"), Some(&GuideRecord { version: 2, ..record(1, 20) }));
    }

    #[test]
    fn each_run_slot_keeps_the_tab_that_changed_it_until_its_guide_ends() {
        let base = UserState { active: Some(run("old", 1)), ..UserState::default() };
        // Another tab moved on to a new run: it is kept.
        let merged = tabs(&base, |_| {}, |s| s.active = Some(run("new", 5)));
        assert_eq!(merged.active, Some(run("new", 5)));
        // This tab's own run wins when both changed the slot...
        let merged = tabs(&base, |s| s.active = Some(run("mine", 6)), |s| s.active = Some(run("new", 5)));
        assert_eq!(merged.active, Some(run("mine", 6)));
        // ...but a slot this tab emptied takes the run the other tab is in.
        let merged = tabs(&base, |s| s.active = None, |s| s.active = Some(run("new", 5)));
        assert_eq!(merged.active, Some(run("new", 5)));
        // Neither keeps a run the other tab completed.
        let merged = tabs(
            &base,
            |s| s.active = Some(run("mine", 6)),
            |s| {
                s.active = None;
                s.guides.insert("mine".into(), GuideRecord { completed: Some(9), ..record(1, 6) });
            },
        );
        assert_eq!(merged.active, None);
        // A run that started after that guide last ended is a new run and goes on.
        let merged = tabs(
            &base,
            |s| s.active = Some(run("mine", 20)),
            |s| {
                s.guides.insert("mine".into(), GuideRecord { dismissed: Some(9), ..record(1, 6) });
            },
        );
        assert_eq!(merged.active, Some(run("mine", 20)));
    }
}
