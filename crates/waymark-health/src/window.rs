//! The reporting window: whole UTC days, because the state is kept per day.

use waymark_core::{Duration, Millis};

use crate::state::{DAY_MS, day_of};

/// The `days` UTC days ending with the day that contains `to` (today, when `to` is now).
///
/// The state is kept per UTC day, so a window is made of whole days: it starts at midnight
/// UTC of its first day. Forward decay measures each day's age from the window's last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    to: Millis,
    days: u32,
}

/// A window that is not a whole positive number of days.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid window `{text}`: {reason}")]
pub struct WindowError {
    text: String,
    reason: String,
}

impl Window {
    /// The `days` days (at least one) ending with the day that contains `now_ms`.
    pub fn days_ending(now_ms: Millis, days: u32) -> Self {
        Self { to: now_ms, days: days.max(1) }
    }

    /// Parses `7d`-style text (as `--window 7d` and `?window=7d` take it); the length must be
    /// a whole number of days between 1 and 366.
    pub fn parse(text: &str, now_ms: Millis) -> Result<Self, WindowError> {
        let err = |reason: &str| WindowError { text: text.to_string(), reason: reason.to_string() };
        let ms = Duration::parse(text).map_err(|e| err(&e))?.as_ms();
        if ms == 0 || !ms.is_multiple_of(DAY_MS) {
            return Err(err("expected a whole number of days, like `7d` or `28d`"));
        }
        match u32::try_from(ms / DAY_MS) {
            Ok(days @ 1..=366) => Ok(Self::days_ending(now_ms, days)),
            _ => Err(err("expected at most 366 days")),
        }
    }

    /// Its length in days.
    pub fn days(&self) -> u32 {
        self.days
    }

    /// Its end (the `now` it was made with), in ms since the Unix epoch.
    pub fn to(&self) -> Millis {
        self.to
    }

    /// Midnight UTC of its first day, in ms since the Unix epoch.
    pub fn from(&self) -> Millis {
        u64::from(self.first_day()) * DAY_MS
    }

    /// Its last UTC day.
    pub(crate) fn last_day(&self) -> u32 {
        day_of(self.to)
    }

    /// Its first UTC day.
    pub(crate) fn first_day(&self) -> u32 {
        self.last_day().saturating_add(1).saturating_sub(self.days)
    }

    /// The UTC days a report over this window reads: its own and those of the window
    /// before it (for the trend). Callers that keep one aggregate per day fetch these.
    pub fn report_days(&self) -> std::ops::RangeInclusive<u32> {
        self.previous().map_or(self.first_day(), |p| p.first_day())..=self.last_day()
    }

    /// The window of equal length just before this one, if the epoch leaves room for it.
    pub(crate) fn previous(&self) -> Option<Window> {
        let first = self.first_day().checked_sub(1)?;
        Some(Self { to: u64::from(first) * DAY_MS, days: self.days })
    }
}
