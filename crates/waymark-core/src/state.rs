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
