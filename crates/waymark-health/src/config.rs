//! Every number the score depends on, in one place (the crate docs explain the defaults).

use serde::{Deserialize, Serialize};

/// How one measure is turned into a 0-100 score and how much it counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureConfig {
    /// Share of the account score before renormalisation (the weights need not add up to 1).
    pub weight: f64,
    /// Value that scores 0.
    pub poor: f64,
    /// Value that scores 100; values between `poor` and `healthy` score linearly.
    pub healthy: f64,
    /// Below this many samples the measure is "not enough data" and its weight goes to the others.
    pub min_samples: u64,
}

impl MeasureConfig {
    /// The 0-100 score of `value`, clamped at both thresholds.
    pub fn score(&self, value: f64) -> u8 {
        let span = self.healthy - self.poor;
        let t = if span == 0.0 {
            if value == self.healthy { 1.0 } else { 0.0 }
        } else {
            ((value - self.poor) / span).clamp(0.0, 1.0)
        };
        // `t` is within 0..=1, so the product is within 0..=100 and the cast is exact.
        (t * 100.0).round() as u8
    }
}

/// Weights, thresholds, minimum samples, forward-decay half-life, bands and touch rules.
///
/// Start from [`HealthConfig::default`] and change fields; the defaults are documented in the
/// crate docs with the reasons for them. Deserialises from a partial table (missing fields
/// keep their defaults), so a collector can read overrides from its config file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HealthConfig {
    /// Sessions with at least one user stall / active sessions.
    pub stalled_session_rate: MeasureConfig,
    /// Stall duration (minutes, decayed) / active users.
    pub stall_minutes_per_user: MeasureConfig,
    /// Guides completed / guides started.
    pub guide_completion: MeasureConfig,
    /// Users with at least one stall / active users.
    pub breadth: MeasureConfig,
    /// Share of stalls on a stall point hit in two or more distinct sessions.
    pub recurrence: MeasureConfig,
    /// Stall-derived sums of a day `a` days before the window's last day count `2^(-a/h)`;
    /// 0 turns decay off.
    pub half_life_days: f64,
    /// Lowest score of the `healthy` band.
    pub healthy_from: u8,
    /// Lowest score of the `watch` band; below it the account is `at_risk`.
    pub watch_from: u8,
    /// A drop of this many points against the previous window moves the touch one step up.
    pub escalate_drop: u8,
    /// Stall points listed per account.
    pub top_stall_points: usize,
    /// Missing-target selectors listed per account.
    pub top_missing_selectors: usize,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            stalled_session_rate: MeasureConfig { weight: 0.25, poor: 0.5, healthy: 0.05, min_samples: 5 },
            stall_minutes_per_user: MeasureConfig { weight: 0.20, poor: 10.0, healthy: 1.0, min_samples: 3 },
            guide_completion: MeasureConfig { weight: 0.25, poor: 0.2, healthy: 0.7, min_samples: 3 },
            breadth: MeasureConfig { weight: 0.15, poor: 0.6, healthy: 0.1, min_samples: 3 },
            recurrence: MeasureConfig { weight: 0.15, poor: 0.7, healthy: 0.2, min_samples: 5 },
            half_life_days: 7.0,
            healthy_from: 70,
            watch_from: 40,
            escalate_drop: 15,
            top_stall_points: 10,
            top_missing_selectors: 10,
        }
    }
}
