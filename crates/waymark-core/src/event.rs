//! The beacon event schema, version 1: what the agent sends and the collector stores.
//!
//! Every event has a unique time-ordered id (UUIDv7) for deduplication, a per-session
//! sequence number, the session, user and account, the page path without query string,
//! and never a value the user typed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::Millis;

/// Version of this schema, carried by every event as `v`.
pub const EVENT_SCHEMA_VERSION: u16 = 1;

/// One usage event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Schema version ([`EVENT_SCHEMA_VERSION`]).
    pub v: u16,
    /// UUIDv7, unique per event; the collector deduplicates on it.
    pub id: String,
    /// Position in the session, from 0, so gaps can be seen.
    pub seq: u64,
    /// When it happened (ms since the Unix epoch, client clock).
    pub ts: Millis,
    /// Session id.
    pub session: String,
    /// User id, once identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Account id, the aggregation key of health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Page path, without query string or fragment.
    pub path: String,
    /// Guide id, for guide events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    /// Guide version, for guide events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_version: Option<u32>,
    /// Step id, for step events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an event records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A page was viewed.
    PageView,
    /// A guide started (its first step may still wait for its target).
    GuideShown {
        /// Why it started: `page_load`, `element_appears`, `event`, `stall`, `manual`, `resume`.
        /// (Previews report nothing: they must not count in analytics.)
        cause: String,
    },
    /// A step became visible.
    StepShown {
        /// Step position, from 0.
        index: u32,
        /// Whether it is anchored to its target (false when centred or untargeted).
        anchored: bool,
    },
    /// A step was completed.
    StepCompleted {
        /// Step position.
        index: u32,
        /// Time from the step being shown to its completion.
        duration_ms: u64,
    },
    /// The user finished the guide.
    GuideCompleted {
        /// Time from start to finish.
        duration_ms: u64,
    },
    /// The user closed the guide before its end.
    GuideDismissed {
        /// Step position when closed.
        index: u32,
        /// Time from start.
        duration_ms: u64,
        /// `button`, `escape` or `api`.
        how: String,
    },
    /// The guide was left unfinished (the user went elsewhere and did not come back).
    GuideAbandoned {
        /// Step position when left.
        index: u32,
        /// Time from start.
        duration_ms: u64,
    },
    /// The user is stuck. (A broken page is a `target_missing` event, never a stall.)
    Stall {
        /// The signal.
        stall: StallKind,
        /// How long it lasted (idle time, time waited, span of the clicks, ...).
        duration_ms: u64,
        /// How many times the signal repeated (clicks, failures, reversals).
        count: u32,
        /// CSS selector of the element involved, when known (never its content).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// A feature was used.
    FeatureUsed {
        /// Feature id.
        feature: String,
    },
    /// A per-user milestone was reached.
    MilestoneReached {
        /// Milestone id.
        milestone: String,
    },
    /// A guide could not run (it is broken); the others go on.
    GuideError {
        /// What is wrong.
        message: String,
    },
    /// A step's target did not appear in time: a content problem, not a user one.
    TargetMissing {
        /// The selector looked for.
        selector: String,
        /// How long it was waited for.
        waited_ms: u64,
    },
    /// The host app tracked an event.
    Track {
        /// Its name.
        name: String,
    },
}

impl EventKind {
    /// The `type` tag this kind is serialised with (`page_view`, `stall`, ...). Never
    /// inlined: each inlined copy carried its own table of the names.
    #[inline(never)]
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::PageView => "page_view",
            EventKind::GuideShown { .. } => "guide_shown",
            EventKind::StepShown { .. } => "step_shown",
            EventKind::StepCompleted { .. } => "step_completed",
            EventKind::GuideCompleted { .. } => "guide_completed",
            EventKind::GuideDismissed { .. } => "guide_dismissed",
            EventKind::GuideAbandoned { .. } => "guide_abandoned",
            EventKind::Stall { .. } => "stall",
            EventKind::FeatureUsed { .. } => "feature_used",
            EventKind::MilestoneReached { .. } => "milestone_reached",
            EventKind::GuideError { .. } => "guide_error",
            EventKind::TargetMissing { .. } => "target_missing",
            EventKind::Track { .. } => "track",
        }
    }
}

/// The signals of a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StallKind {
    /// No input on an active step beyond its threshold.
    Idle,
    /// Several clicks in a short time in a small area.
    RageClick,
    /// A click on something clickable that changed nothing.
    DeadClick,
    /// Going back and forth between steps.
    BackAndForth,
    /// Going back and forth between pages.
    PagePingPong,
    /// The same input failed validation repeatedly.
    InvalidInput,
    /// The guide was dismissed before its end.
    Dismissed,
    /// The guide was abandoned before its end.
    Abandoned,
    /// Leaving a step's page and coming back within seconds.
    UTurn,
}

impl StallKind {
    /// Every stall kind. A kind's position here is its byte code in the encodings that
    /// store or send it (the guide feed, health's stored state), so this list only ever
    /// grows at its end.
    pub const ALL: [StallKind; 9] = [
        StallKind::Idle,
        StallKind::RageClick,
        StallKind::DeadClick,
        StallKind::BackAndForth,
        StallKind::PagePingPong,
        StallKind::InvalidInput,
        StallKind::Dismissed,
        StallKind::Abandoned,
        StallKind::UTurn,
    ];

    /// The stable byte code: the position in [`StallKind::ALL`].
    pub fn code(self) -> u8 {
        // Every kind is in `ALL` (a test checks it), so the fallback is never taken.
        Self::ALL.iter().position(|&k| k == self).map_or(u8::MAX, |i| i as u8)
    }

    /// The kind a byte code stands for, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// The name events carry (`rage_click`, `u_turn`, ...).
    pub fn name(self) -> &'static str {
        match self {
            StallKind::Idle => "idle",
            StallKind::RageClick => "rage_click",
            StallKind::DeadClick => "dead_click",
            StallKind::BackAndForth => "back_and_forth",
            StallKind::PagePingPong => "page_ping_pong",
            StallKind::InvalidInput => "invalid_input",
            StallKind::Dismissed => "dismissed",
            StallKind::Abandoned => "abandoned",
            StallKind::UTurn => "u_turn",
        }
    }
}

/// A UUIDv7 from a timestamp and 80 bits that the session seed and sequence make unique.
pub(crate) fn event_id(ts: Millis, seed: u64, seq: u64) -> String {
    let a = splitmix(seed ^ seq.rotate_left(32));
    let b = splitmix(a ^ seq);
    let mut bytes = [0u8; 10];
    for (dst, src) in bytes.iter_mut().zip(a.to_le_bytes().into_iter().chain(b.to_le_bytes())) {
        *dst = src;
    }
    let id = uuid::Builder::from_unix_timestamp_millis(ts, &bytes).into_uuid();
    // Encoded into a buffer rather than through `Display`, which costs the agent's wasm
    // uuid's formatting code.
    let mut buf = uuid::Uuid::encode_buffer();
    let text: &str = id.hyphenated().encode_lower(&mut buf);
    text.to_owned()
}

/// A bijective 64-bit mixer (SplitMix64's finaliser): distinct inputs give distinct outputs.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stall_kind_has_a_code_that_reads_back() {
        for kind in StallKind::ALL {
            assert_eq!(StallKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(StallKind::from_code(StallKind::ALL.len() as u8), None);
    }

    #[test]
    fn ids_are_uuid_v7_and_distinct_per_sequence() {
        let a = event_id(1_700_000_000_000, 42, 0);
        let b = event_id(1_700_000_000_000, 42, 1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('7'));
        // Time-ordered: a later timestamp sorts after.
        assert!(event_id(1_700_000_000_001, 1, 0) > event_id(1_700_000_000_000, 99, 5));
    }

    #[test]
    fn serialises_flat_with_a_type_tag() {
        let e = Event {
            v: EVENT_SCHEMA_VERSION,
            id: "x".into(),
            seq: 3,
            ts: 10,
            session: "s".into(),
            user: Some("u".into()),
            account: None,
            path: "/p".into(),
            guide: Some("g".into()),
            guide_version: Some(2),
            step: None,
            kind: EventKind::Stall { stall: StallKind::RageClick, duration_ms: 900, count: 4, target: None },
        };
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"v":1,"id":"x","seq":3,"ts":10,"session":"s","user":"u","path":"/p","guide":"g","guide_version":2,"type":"stall","stall":"rage_click","duration_ms":900,"count":4}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).ok(), Some(e.clone()));
        assert!(json.contains(&format!("\"type\":\"{}\"", e.kind.type_name())));
    }
}
