//! Per-account tech-touch health from stored Waymark events.
//!
//! A library with no HTTP, storage or clock in it: the collector feeds it events and the time.
//!
//! ```
//! use waymark_health::{Aggregate, HealthConfig, Window, report};
//! # let events: Vec<waymark_core::Event> = Vec::new();
//! # let now_ms = 1_763_900_000_000;
//! let mut agg = Aggregate::default();             // the identity
//! for e in &events { agg.add(e); }                 // events without an account are ignored
//! agg.merge(Aggregate::default());                 // associative, commutative
//! let bytes = agg.encode();                        // stable, versioned binary encoding
//! let agg = Aggregate::decode(&bytes)?;
//! let r = report(&agg, &Window::days_ending(now_ms, 7), &HealthConfig::default());
//! println!("{}", r.to_table());
//! # Ok::<(), waymark_health::DecodeError>(())
//! ```
//!
//! # The state
//!
//! [`Aggregate`] is a monoid keyed by (account, UTC day). Each day holds counters, sets of
//! hashed session and user ids (XXH3-64, a specified hash, so states from any build agree),
//! per stall point (guide, step, page, kind) a count, users, sessions and a log-linear
//! duration histogram (medians within 1.6%, exact for equal durations), each guide's step funnel, feature uses and users,
//! milestone users, and missing targets. Merging adds and unites these, so it is exactly
//! associative and commutative; shards or time slices merged in any order give the state of
//! one pass, and [`Aggregate::encode`] gives the same bytes for it. A report over a window
//! merges the window's days.
//!
//! A user stall is an `EventKind::Stall`. `TargetMissing` is a content problem for the guide
//! author: it is reported in `target_missing` and never lowers the score. Active users and
//! sessions are those with any event in the window.
//!
//! # The score
//!
//! Each measure is scored 0-100 linearly between its `poor` (0) and `healthy` (100) values,
//! clamped. Below its minimum sample it is "not enough data": no score, weight 0, and the
//! other weights are renormalised. The account score is the weighted mean of the measures that
//! have a score, or `null` when none has. All numbers are fields of [`HealthConfig`]:
//!
//! | measure | weight | poor | healthy | min samples | why |
//! |---|---|---|---|---|---|
//! | `stalled_session_rate`: sessions with a user stall / active sessions | 0.25 | 0.5 | 0.05 | 5 sessions | the most direct sign of friction; one session in twenty is normal noise, half of them is a broken experience |
//! | `stall_minutes_per_user`: stall time (minutes) / active users | 0.20 | 10 | 1 | 3 users | a minute a week is a hesitation; ten minutes a week is real lost work |
//! | `guide_completion`: guides completed / started | 0.25 | 0.2 | 0.7 | 3 starts | onboarding that works is finished by most; below one in five the guides are not helping |
//! | `breadth`: users with a stall / active users | 0.15 | 0.6 | 0.1 | 3 users | one stuck user is a support ticket, most of the team stuck is an account at risk |
//! | `recurrence`: stalls on a point hit in 2+ sessions / stalls | 0.15 | 0.7 | 0.2 | 5 stalls | the same point again and again means the product or guide needs fixing there, not the user |
//!
//! | setting | default | why |
//! |---|---|---|
//! | `half_life_days` | 7 | a stall a week old counts half: recent friction matters more, yet one bad day does not swing a 28-day view |
//! | `healthy_from` | 70 | bands: healthy at 70 and above |
//! | `watch_from` | 40 | watch from 40 to 69, at risk below 40 |
//! | `escalate_drop` | 15 | a fall of 15 points against the previous window moves the touch one step up |
//! | `top_stall_points` | 10 | stall points listed per account |
//! | `top_missing_selectors` | 10 | missing-target selectors listed per account |
//!
//! Forward decay: the stall-derived sums of a day `a` days before the window's last day are
//! weighted `2^(-a/half_life_days)` when the report is computed, which keeps the state exact
//! and mergeable (days are separate keys). Rates weigh each session or user by its last active
//! day (a decayed mean: an account whose stalls are all old and whose recent sessions are
//! smooth improves); stall minutes are decayed over plain active users. Guide completion is
//! not decayed. Counts in the report and in reasons are plain, not decayed.
//!
//! Touch: at risk → high touch, watch → low touch, healthy → tech touch; a drop of
//! `escalate_drop` points moves one step up. An account with no events in the window but
//! some in the one before is "not enough data" with a low touch (it went quiet); one with too
//! little data otherwise stays tech touch.

mod config;
mod figures;
mod intern;
mod render;
mod report;
mod score;
mod sketch;
mod state;
mod text;
mod window;
mod wire;

pub use config::{HealthConfig, MeasureConfig};
pub use report::{
    AccountHealth, Band, Feature, Funnel, FunnelStep, Measure, Milestone, MissingSelector, REPORT_VERSION,
    Report, StallPoint, TargetMissing, Touch, WindowSpan,
};
pub use score::report;
pub use state::{Aggregate, DAY_MS, day_of};
pub use text::format_duration;
pub use window::{Window, WindowError};
pub use wire::{DecodeError, FORMAT_VERSION, MAGIC};
