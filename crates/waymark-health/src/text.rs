//! Words for people: durations, stall kinds, counts and dates.

use waymark_core::StallKind;

/// A duration as a CSM reads it: `850ms`, `45s`, `3m10s`, `1h05m`, `2d03h`.
pub fn format_duration(ms: u64) -> String {
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let secs = (ms + 500) / 1_000;
    if secs < 60 {
        return format!("{secs}s");
    }
    if secs < 3_600 {
        return match secs % 60 {
            0 => format!("{}m", secs / 60),
            s => format!("{}m{s:02}s", secs / 60),
        };
    }
    let mins = (ms + 30_000) / 60_000;
    if mins < 24 * 60 {
        return format!("{}h{:02}m", mins / 60, mins % 60);
    }
    let hours = (ms + 1_800_000) / 3_600_000;
    format!("{}d{:02}h", hours / 24, hours % 24)
}

/// A stall kind in plain words, as in "stalled on billing › card (rage clicks)".
pub(crate) fn kind_label(kind: StallKind) -> &'static str {
    match kind {
        StallKind::Idle => "idle",
        StallKind::RageClick => "rage clicks",
        StallKind::DeadClick => "dead clicks",
        StallKind::BackAndForth => "back and forth between steps",
        StallKind::PagePingPong => "back and forth between pages",
        StallKind::InvalidInput => "repeated invalid input",
        StallKind::Dismissed => "closed the guide early",
        StallKind::Abandoned => "left the guide unfinished",
        StallKind::UTurn => "left the page and came straight back",
    }
}

/// `1 user`, `4 users`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A UTC day (days since the Unix epoch) as `YYYY-MM-DD`.
pub(crate) fn iso_date(day: u32) -> String {
    // Howard Hinnant's civil_from_days, for non-negative day numbers.
    let z = i64::from(day) + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(format_duration(850), "850ms");
        assert_eq!(format_duration(45_000), "45s");
        assert_eq!(format_duration(44_600), "45s");
        assert_eq!(format_duration(190_000), "3m10s");
        assert_eq!(format_duration(185_000), "3m05s");
        assert_eq!(format_duration(180_000), "3m");
        assert_eq!(format_duration(3_900_000), "1h05m");
        assert_eq!(format_duration(2 * 86_400_000 + 3 * 3_600_000), "2d03h");
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(20_415), "2025-11-23");
        assert_eq!(iso_date(11_016), "2000-02-29");
    }
}
