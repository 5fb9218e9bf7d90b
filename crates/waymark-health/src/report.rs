//! The report's types: exactly the JSON of the health contract (`GET /v1/health`,
//! `waymark health --format json`).

use serde::Serialize;
use waymark_core::StallKind;

/// Version of the report's JSON, carried as `version`.
pub const REPORT_VERSION: u32 = 1;

/// Health of every account active in a window or the one before it, riskiest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The window's end (the `now` it was computed for), ms since the Unix epoch.
    pub generated_at: u64,
    /// The window.
    pub window: WindowSpan,
    /// Lowest score first, `null` scores last, ties by account id.
    pub accounts: Vec<AccountHealth>,
}

/// The days a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WindowSpan {
    /// Midnight UTC of the first day, ms since the Unix epoch.
    pub from: u64,
    /// The end, ms since the Unix epoch.
    pub to: u64,
    /// Length in UTC days.
    pub days: u32,
}

/// Score bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Score at or above `healthy_from`.
    Healthy,
    /// Score at or above `watch_from`.
    Watch,
    /// Score below `watch_from`.
    AtRisk,
    /// No measure had enough data.
    NotEnoughData,
}

/// The recommended customer-success touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Touch {
    /// Let the product and its guides do the work.
    TechTouch,
    /// A light outreach (an email, an offer of help).
    LowTouch,
    /// A CSM steps in.
    HighTouch,
}

/// One account's health in the window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountHealth {
    /// Account id.
    pub account: String,
    /// 0-100, or `None` when no measure had enough data.
    pub score: Option<u8>,
    /// The score's band.
    pub band: Band,
    /// The score of the previous window of equal length.
    pub previous_score: Option<u8>,
    /// `score - previous_score`.
    pub trend: Option<i32>,
    /// What customer success should do.
    pub touch: Touch,
    /// Why, in plain words, most important first.
    pub reasons: Vec<String>,
    /// Distinct users with any event.
    pub active_users: u64,
    /// Distinct sessions with any event.
    pub sessions: u64,
    /// Events.
    pub events: u64,
    /// Distinct sessions with at least one user stall (not decayed).
    pub stalled_sessions: u64,
    /// Distinct users with at least one user stall (not decayed).
    pub stalled_users: u64,
    /// User stalls (not decayed).
    pub stalls: u64,
    /// Their total duration in ms (not decayed).
    pub stall_ms: u64,
    /// Every measure, in a fixed order.
    pub measures: Vec<Measure>,
    /// The top stall points, most affected users first, then count.
    pub stall_points: Vec<StallPoint>,
    /// One per guide with funnel events, by guide id.
    pub funnels: Vec<Funnel>,
    /// Feature adoption, most users first.
    pub features: Vec<Feature>,
    /// Milestone progress, most users first.
    pub milestones: Vec<Milestone>,
    /// Step targets that never appeared: a content problem, never part of the score.
    pub target_missing: TargetMissing,
}

/// One measure of an account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measure {
    /// `stalled_session_rate`, `stall_minutes_per_user`, `guide_completion`, `breadth` or `recurrence`.
    pub name: &'static str,
    /// Its label for people.
    pub label: &'static str,
    /// Raw value in its unit (decayed for stall-derived measures), `None` without samples.
    pub value: Option<f64>,
    /// `ratio` or `minutes_per_user`.
    pub unit: &'static str,
    /// 0-100, or `None` below the minimum sample.
    pub score: Option<u8>,
    /// The weight actually used (renormalised over the measures with a score), 0 without one.
    pub weight: f64,
    /// Value scoring 0.
    pub poor: f64,
    /// Value scoring 100.
    pub healthy: f64,
    /// Size of the sample the value came from.
    pub samples: u64,
    /// Samples needed for a score.
    pub min_samples: u64,
}

/// Where users stall: a guide's step on a page, by kind of stall.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StallPoint {
    /// Guide id.
    pub guide: Option<String>,
    /// Step id.
    pub step: Option<String>,
    /// Page path.
    pub page: String,
    /// The signal.
    pub kind: StallKind,
    /// Stalls.
    pub count: u64,
    /// Distinct users who stalled here.
    pub users: u64,
    /// Median stall duration (within 1.6%, exact when the durations near it are equal), ms.
    pub median_ms: u64,
}

/// A guide's step funnel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Funnel {
    /// Guide id.
    pub guide: String,
    /// Times it started.
    pub started: u64,
    /// Times it was finished.
    pub completed: u64,
    /// Times it was closed early.
    pub dismissed: u64,
    /// Times it was left unfinished.
    pub abandoned: u64,
    /// By step index.
    pub steps: Vec<FunnelStep>,
}

/// One step of a funnel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunnelStep {
    /// Position, from 0.
    pub index: u32,
    /// Step id.
    pub step: Option<String>,
    /// Times shown.
    pub shown: u64,
    /// Times completed.
    pub completed: u64,
}

/// Adoption of one feature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Feature {
    /// Feature id.
    pub feature: String,
    /// Distinct users.
    pub users: u64,
    /// Uses.
    pub uses: u64,
}

/// Progress on one milestone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Milestone {
    /// Milestone id.
    pub milestone: String,
    /// Distinct users who reached it.
    pub users: u64,
    /// Active users.
    pub of: u64,
}

/// Missing step targets (a content problem for the guide author).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TargetMissing {
    /// Targets that did not appear.
    pub count: u64,
    /// `count / (count + steps shown)`, 0 when neither happened.
    pub rate: f64,
    /// The selectors most often missing.
    pub selectors: Vec<MissingSelector>,
}

/// A selector that did not match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissingSelector {
    /// Guide id.
    pub guide: Option<String>,
    /// Step id.
    pub step: Option<String>,
    /// The selector.
    pub selector: String,
    /// Times it did not appear.
    pub count: u64,
}
