//! Dates in audience conditions: calendar dates, RFC 3339 times, and times relative to now.

use crate::duration::{Duration, Millis};
use crate::json::Json;

/// A date operand: fixed, or relative to the time of evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateRef {
    /// Milliseconds since the Unix epoch.
    Absolute(Millis),
    /// Signed offset from now (`-14d` is fourteen days ago).
    Relative(i64),
}

impl DateRef {
    /// Parses `2026-01-31`, `2026-01-31T09:00:00Z`, `2026-01-31T09:00:00+09:00`, `-14d`, `+2h`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix('-') {
            let d = Duration::parse(rest)?;
            return Ok(Self::Relative(
                -i64::try_from(d.as_ms()).map_err(|_| "date offset is too large".to_string())?,
            ));
        }
        if let Some(rest) = s.strip_prefix('+') {
            let d = Duration::parse(rest)?;
            return Ok(Self::Relative(
                i64::try_from(d.as_ms()).map_err(|_| "date offset is too large".to_string())?,
            ));
        }
        parse_date(s).map(Self::Absolute)
    }

    /// The instant this refers to at `now`.
    pub fn resolve(self, now: Millis) -> Millis {
        match self {
            Self::Absolute(t) => t,
            Self::Relative(off) => now.saturating_add_signed(off),
        }
    }
}

/// A trait value as an instant: a date string, or a number of milliseconds.
pub(crate) fn value_millis(v: &Json) -> Option<Millis> {
    match v {
        Json::String(s) => millis(s).and_then(|ms| Millis::try_from(ms).ok()),
        // Whole, non-negative milliseconds (`Date.now()`); `as` saturates past u64.
        Json::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as Millis),
        _ => None,
    }
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time to ms since the Unix epoch.
pub fn parse_date(s: &str) -> Result<Millis, String> {
    match millis(s) {
        Some(ms) => Millis::try_from(ms).map_err(|_| format!("date `{s}` is before 1970")),
        None => Err(format!(
            "invalid date `{s}`; expected `YYYY-MM-DD`, an RFC 3339 time, or an offset like `-14d`"
        )),
    }
}

/// `s` as signed ms since the Unix epoch, if it is a date or an RFC 3339 time. Errors are
/// made once, by the caller: the agent only asks whether a trait is a date.
fn millis(s: &str) -> Option<i64> {
    // Digits only: `parse` alone would take a sign.
    let num = |a: usize, b: usize| -> Option<i64> {
        let p = s.get(a..b)?;
        p.bytes().all(|c| c.is_ascii_digit()).then(|| p.bytes().fold(0, |n, c| n * 10 + i64::from(c - b'0')))
    };
    if s.len() < 10 || s.get(4..5) != Some("-") || s.get(7..8) != Some("-") {
        return None;
    }
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if s.len() > 10 {
        if !matches!(s.get(10..11), Some("T" | "t" | " ")) || s.get(13..14) != Some(":") {
            return None;
        }
        let (hh, mm) = (num(11, 13)?, num(14, 16)?);
        let mut rest = s.get(16..)?;
        let mut secs = 0i64;
        let mut millis = 0i64;
        if let Some(r) = rest.strip_prefix(':') {
            secs = num(17, 19)?;
            rest = r.get(2..)?;
            if let Some(r) = rest.strip_prefix('.') {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                // The first three digits as milliseconds: ".5" is 500.
                let frac = r.bytes().take(digits.min(3)).chain(std::iter::repeat(b'0')).take(3);
                millis = frac.fold(0, |ms, d| ms * 10 + i64::from(d - b'0'));
                rest = r.get(digits..)?;
            }
        }
        if hh > 23 || mm > 59 || secs > 60 {
            return None;
        }
        let offset_min = match rest {
            "Z" | "z" => 0,
            tz if tz.len() == 6 && tz.get(3..4) == Some(":") => {
                let at = s.len() - 6;
                let sign = match tz.get(..1)? {
                    "+" => 1,
                    "-" => -1,
                    _ => return None,
                };
                sign * (num(at + 1, at + 3)? * 60 + num(at + 4, at + 6)?)
            }
            _ => return None,
        };
        ms += ((hh * 60 + mm - offset_min) * 60 + secs) * 1000 + millis;
    }
    Some(ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_times_with_offsets() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-03-01"), Ok(951_868_800_000));
        assert_eq!(parse_date("2026-11-23T09:00:00Z"), Ok(1_795_424_400_000));
        assert_eq!(parse_date("2026-11-23T18:00:00+09:00"), Ok(1_795_424_400_000));
        assert_eq!(parse_date("2026-11-23T09:00:00.5Z"), Ok(1_795_424_400_500));
        assert_eq!(parse_date("2026-11-23T09:00:00.0729Z"), Ok(1_795_424_400_072), "past ms: cut");
        assert_eq!(parse_date("2026-11-23T04:00-05:00"), Ok(1_795_424_400_000));
        assert!(parse_date("2024-02-29").is_ok());
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "26-01-01",
            "2026-01-01T25:00Z",
            "2026-01-01Tx",
            "yesterday",
            "+026-01-01",
            "2026-01-01T09:00:+5Z",
            "2026-01-01T09:00:00+9:000",
            "2026-01-01T09:00:00*09:00",
            "2026-01-01T09:00:00",
        ] {
            assert!(parse_date(bad).unwrap_err().starts_with("invalid date"), "{bad}");
        }
        assert_eq!(parse_date("1969-12-31"), Err("date `1969-12-31` is before 1970".to_string()));
        assert_eq!(value_millis(&Json::String("1969-12-31".into())), None);
        assert_eq!(value_millis(&Json::String("2026-11-23T09:00:00Z".into())), Some(1_795_424_400_000));
    }

    #[test]
    fn relative_dates_resolve_against_now() {
        assert_eq!(DateRef::parse("-1d").map(|d| d.resolve(100_000_000)), Ok(13_600_000));
        assert_eq!(DateRef::parse("+1s").map(|d| d.resolve(0)), Ok(1000));
        assert!(DateRef::parse("-1w").is_err());
    }
}
