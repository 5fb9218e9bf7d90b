//! The report for people: an aligned table for terminals and CSV for spreadsheets.

use std::fmt::Write;

use crate::report::{AccountHealth, Band, Report, StallPoint, Touch};
use crate::state::DAY_MS;
use crate::text::{format_duration, iso_date, kind_label};

fn band_text(b: Band) -> &'static str {
    match b {
        Band::Healthy => "healthy",
        Band::Watch => "watch",
        Band::AtRisk => "at risk",
        Band::NotEnoughData => "not enough data",
    }
}

fn band_code(b: Band) -> &'static str {
    match b {
        Band::Healthy => "healthy",
        Band::Watch => "watch",
        Band::AtRisk => "at_risk",
        Band::NotEnoughData => "not_enough_data",
    }
}

fn touch_text(t: Touch) -> &'static str {
    match t {
        Touch::TechTouch => "tech touch",
        Touch::LowTouch => "low touch",
        Touch::HighTouch => "high touch",
    }
}

fn touch_code(t: Touch) -> &'static str {
    match t {
        Touch::TechTouch => "tech_touch",
        Touch::LowTouch => "low_touch",
        Touch::HighTouch => "high_touch",
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn signed(v: Option<i32>) -> String {
    v.map(|t| if t > 0 { format!("+{t}") } else { t.to_string() }).unwrap_or_default()
}

fn place(p: &StallPoint) -> String {
    match (&p.guide, &p.step) {
        (Some(g), Some(s)) => format!("{g} › {s}"),
        (Some(g), None) => g.clone(),
        (None, _) => p.page.clone(),
    }
}

/// Rows aligned in columns; `right` marks the numeric columns.
fn columns(out: &mut String, indent: &str, rows: &[Vec<String>], right: &[bool]) {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        widths.resize(widths.len().max(row.len()), 0);
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::from(indent);
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            let last = i + 1 == row.len();
            if right.get(i).copied().unwrap_or(false) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if !last {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            if !last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break; text that a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

impl Report {
    /// The report for a terminal: accounts by risk with score, band, trend, touch and the
    /// first reason; then each account's stall points.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let first = self.window.from / DAY_MS;
        let last = first + u64::from(self.window.days) - 1;
        let _ = writeln!(
            out,
            "Health over the {} days {} to {} (UTC): {} accounts, riskiest first\n",
            self.window.days,
            iso_date(u32::try_from(first).unwrap_or(u32::MAX)),
            iso_date(u32::try_from(last).unwrap_or(u32::MAX)),
            self.accounts.len()
        );
        let mut rows = vec![
            ["ACCOUNT", "SCORE", "BAND", "TREND", "TOUCH", "USERS", "SESSIONS", "FIRST REASON"]
                .map(String::from)
                .to_vec(),
        ];
        rows.extend(self.accounts.iter().map(|a| {
            vec![
                a.account.clone(),
                a.score.map_or_else(|| "-".to_string(), |s| s.to_string()),
                band_text(a.band).to_string(),
                signed(a.trend),
                touch_text(a.touch).to_string(),
                a.active_users.to_string(),
                a.sessions.to_string(),
                a.reasons.first().cloned().unwrap_or_default(),
            ]
        }));
        columns(&mut out, "", &rows, &[false, true, false, true, false, true, true, false]);
        for a in self.accounts.iter().filter(|a| !a.stall_points.is_empty()) {
            let _ = writeln!(out, "\n{}: where users stall", a.account);
            let mut rows =
                vec![["WHERE", "KIND", "USERS", "STALLS", "MEDIAN", "PAGE"].map(String::from).to_vec()];
            rows.extend(a.stall_points.iter().map(|p| {
                vec![
                    place(p),
                    kind_label(p.kind).to_string(),
                    p.users.to_string(),
                    p.count.to_string(),
                    format_duration(p.median_ms),
                    p.page.clone(),
                ]
            }));
            columns(&mut out, "  ", &rows, &[false, false, true, true, true, false]);
        }
        out
    }

    /// One CSV row per account after a header row (RFC 4180 quoting).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "account,score,band,previous_score,trend,touch,active_users,sessions,events,stalled_sessions,\
             stalled_users,stalls,stall_ms,stalled_session_rate,stall_minutes_per_user,guide_completion,\
             breadth,recurrence,target_missing,top_stall_point,reasons\r\n",
        );
        for a in &self.accounts {
            out.push_str(&csv_row(a));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_row(a: &AccountHealth) -> String {
    let mut cells = vec![
        csv_text(&a.account),
        opt(a.score),
        band_code(a.band).to_string(),
        opt(a.previous_score),
        opt(a.trend),
        touch_code(a.touch).to_string(),
        a.active_users.to_string(),
        a.sessions.to_string(),
        a.events.to_string(),
        a.stalled_sessions.to_string(),
        a.stalled_users.to_string(),
        a.stalls.to_string(),
        a.stall_ms.to_string(),
    ];
    cells.extend(a.measures.iter().map(|m| opt(m.value)));
    cells.push(a.target_missing.count.to_string());
    cells.push(csv_text(
        &a.stall_points.first().map(|p| format!("{} ({})", place(p), kind_label(p.kind))).unwrap_or_default(),
    ));
    cells.push(csv_text(&a.reasons.join("; ")));
    cells.join(",")
}
