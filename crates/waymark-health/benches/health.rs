//! Health benchmark: prints numbers, asserts nothing. Run with
//! `cargo bench -p waymark-health --bench health` (`HEALTH_EVENTS=1000000` for a quick run).
//!
//! Generates 10 M synthetic events deterministically (400 accounts, about 9,000 users, 28
//! days, a realistic mix of page views, guides, stalls, features, milestones and missing
//! targets; accounts differ in how much their users stall), then measures single-threaded
//! aggregation, sharded aggregation on every core plus the merge, the encoding and the
//! report. It writes the same events to a CSV file and runs `tools/bench/health_duckdb.py`,
//! which computes the same per-account figures with DuckDB's SQL (load timed apart), then
//! prints both side by side and checks that every account's figures agree.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use waymark_core::event::EVENT_SCHEMA_VERSION;
use waymark_core::{Event, EventKind, StallKind};
use waymark_health::{Aggregate, HealthConfig, Report, Window, report};

const DAY: u64 = 86_400_000;
/// Noon UTC, 2025-11-23: the benchmark's "now".
const NOW: u64 = 20_415 * DAY + DAY / 2;
const DAYS: u64 = 28;
const ACCOUNTS: u64 = 400;
const RUNS: usize = 3;

const GUIDES: [(&str, &[&str]); 8] = [
    ("onboarding-first-project", &["welcome", "name", "invite", "done"]),
    ("connect-sso", &["open-settings", "choose-provider", "paste-metadata", "test"]),
    ("billing-setup", &["plan", "card", "confirm"]),
    ("import-data", &["upload", "map-columns", "review"]),
    ("invite-team", &["open", "emails", "send"]),
    ("create-report", &["pick-source", "filters", "save"]),
    ("api-keys", &["open", "create", "copy"]),
    ("dashboard-tour", &["charts", "filters", "share", "done"]),
];
const PAGES: [&str; 12] = [
    "/app",
    "/app/projects",
    "/app/projects/new",
    "/app/settings",
    "/app/settings/sso",
    "/app/billing",
    "/app/import",
    "/app/team",
    "/app/reports",
    "/app/reports/new",
    "/app/api",
    "/app/dashboard",
];
const FEATURES: [&str; 10] = [
    "create-project",
    "invite",
    "export-csv",
    "share-link",
    "filter",
    "comment",
    "upload",
    "api-call",
    "schedule",
    "dark-mode",
];
const MILESTONES: [&str; 4] = ["first-project", "first-invite", "first-report", "first-import"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// One session's events, appended to `out`.
struct SessionGen<'a> {
    rng: &'a mut Rng,
    out: &'a mut Vec<Event>,
    account: Option<String>,
    user: Option<String>,
    session: String,
    ts: u64,
}

impl SessionGen<'_> {
    fn push(&mut self, path: &str, guide: Option<(&str, Option<&str>)>, kind: EventKind) {
        self.ts += 1_000 + self.rng.below(30_000);
        let r = self.rng.next();
        self.out.push(Event {
            v: EVENT_SCHEMA_VERSION,
            id: format!(
                "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
                self.ts >> 16,
                self.ts & 0xffff,
                r & 0xfff,
                (r >> 12) & 0xffff,
                r >> 16
            ),
            seq: self.out.len() as u64,
            ts: self.ts,
            session: self.session.clone(),
            user: self.user.clone(),
            account: self.account.clone(),
            path: path.to_string(),
            guide: guide.map(|(g, _)| g.to_string()),
            guide_version: guide.map(|_| 3),
            step: guide.and_then(|(_, s)| s.map(str::to_string)),
            kind,
        });
    }

    fn stall_kind(&mut self) -> (StallKind, u64) {
        match self.rng.below(10) {
            0..=2 => (StallKind::Idle, 30_000 + self.rng.below(570_000)),
            3..=4 => (StallKind::RageClick, 800 + self.rng.below(4_000)),
            5 => (StallKind::DeadClick, 300 + self.rng.below(2_000)),
            6 => (StallKind::BackAndForth, 10_000 + self.rng.below(120_000)),
            7 => (StallKind::InvalidInput, 5_000 + self.rng.below(60_000)),
            8 => (StallKind::PagePingPong, 20_000 + self.rng.below(200_000)),
            _ => (StallKind::UTurn, 2_000 + self.rng.below(10_000)),
        }
    }

    /// A guide run; `friction` is the chance of stalling on the account's bad step.
    fn guide(&mut self, g: usize, bad_step: usize, friction: f64) {
        let (guide, steps) = GUIDES[g];
        let page = PAGES[g + 1];
        self.push(page, Some((guide, None)), EventKind::GuideShown { cause: "page_load".into() });
        for (i, &step) in steps.iter().enumerate() {
            let at = Some((guide, Some(step)));
            let index = i as u32;
            if self.rng.chance(0.01) {
                let selector = format!("#{guide}-{step}");
                self.push(page, at, EventKind::TargetMissing { selector, waited_ms: 10_000 });
                return;
            }
            self.push(page, at, EventKind::StepShown { index, anchored: true });
            let p = if i == bad_step { friction } else { 0.02 };
            let mut stalled = false;
            while self.rng.chance(p) && !stalled || self.rng.chance(p / 4.0) {
                let (stall, duration_ms) = self.stall_kind();
                self.push(page, at, EventKind::Stall { stall, duration_ms, count: 3, target: None });
                stalled = true;
            }
            if self.rng.chance(if stalled { 0.4 } else { 0.05 }) {
                let duration_ms = self.rng.below(300_000);
                let kind = if self.rng.chance(0.5) {
                    EventKind::GuideDismissed { index, duration_ms, how: "button".into() }
                } else {
                    EventKind::GuideAbandoned { index, duration_ms }
                };
                self.push(page, Some((guide, None)), kind);
                return;
            }
            let duration_ms = 2_000 + self.rng.below(60_000);
            self.push(page, at, EventKind::StepCompleted { index, duration_ms });
        }
        self.push(page, Some((guide, None)), EventKind::GuideCompleted { duration_ms: 120_000 });
    }
}

/// `total` events, deterministically.
fn generate(total: usize) -> Vec<Event> {
    let mut rng = Rng(0x5eed);
    let users: Vec<u64> = (0..ACCOUNTS).map(|_| 5 + rng.below(36)).collect();
    // Friction from smooth to painful, so accounts spread over every band.
    let friction: Vec<f64> =
        (0..ACCOUNTS).map(|a| [0.02, 0.05, 0.1, 0.2, 0.35, 0.6][(a % 6) as usize]).collect();
    let mut out = Vec::with_capacity(total + 200);
    // Arrival order, as the collector stores events: day after day, each session's events
    // together (they travel in batches), sessions of all accounts interleaved.
    let mut day = DAYS;
    while out.len() < total {
        if out.len() >= total / DAYS as usize * (DAYS - day) as usize {
            day = day.saturating_sub(1);
        }
        let a = rng.below(ACCOUNTS);
        let anonymous = rng.chance(0.02);
        let account = (!anonymous).then(|| format!("acct-{a:04}"));
        let u = rng.below(users[a as usize]);
        let user = (!anonymous && !rng.chance(0.05)).then(|| format!("acct-{a:04}-user-{u:03}"));
        let ts = (NOW / DAY - day) * DAY + rng.below(DAY * 3 / 4);
        let session = format!("s-{:016x}", rng.next());
        let mut s = SessionGen { rng: &mut rng, out: &mut out, account, user, session, ts };
        for _ in 0..(3 + s.rng.below(20)) {
            let page = PAGES[s.rng.below(PAGES.len() as u64) as usize];
            s.push(page, None, EventKind::PageView);
            match s.rng.below(10) {
                0..=2 => {
                    let feature = FEATURES[s.rng.below(FEATURES.len() as u64) as usize].to_string();
                    s.push(page, None, EventKind::FeatureUsed { feature });
                }
                3 => s.push(page, None, EventKind::Track { name: "clicked-cta".into() }),
                _ => {}
            }
            if s.rng.chance(0.08) {
                let g = s.rng.below(GUIDES.len() as u64) as usize;
                let bad = (a as usize * 7 + g) % GUIDES[g].1.len();
                s.guide(g, bad, friction[a as usize]);
            }
        }
        if s.rng.chance(0.05) {
            let milestone = MILESTONES[s.rng.below(MILESTONES.len() as u64) as usize].to_string();
            s.push("/app", None, EventKind::MilestoneReached { milestone });
        }
    }
    out.truncate(total);
    out
}

fn aggregate(events: &[Event]) -> Aggregate {
    let mut agg = Aggregate::default();
    for e in events {
        agg.add(e);
    }
    agg
}

/// Aggregates `events` in `shards` threads and merges; returns the state and the merge time.
fn sharded(events: &[Event], shards: usize) -> (Aggregate, Duration) {
    let chunk = events.len().div_ceil(shards.max(1));
    let parts: Vec<Aggregate> = std::thread::scope(|s| {
        let handles: Vec<_> = events.chunks(chunk).map(|c| s.spawn(|| aggregate(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let start = Instant::now();
    let mut all = Aggregate::default();
    for p in parts {
        all.merge(p);
    }
    (all, start.elapsed())
}

/// The best of [`RUNS`] timings of `f`, with its last result.
fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = black_box(f());
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.unwrap())
}

fn csv_field(out: &mut impl Write, v: Option<&str>) {
    if let Some(v) = v {
        if v.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", v.replace('"', "\"\"")).unwrap();
        } else {
            out.write_all(v.as_bytes()).unwrap();
        }
    }
}

fn write_csv(events: &[Event], path: &Path) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "ts,session,user,account,path,guide,step,type,stall,duration_ms,idx,feature,milestone,selector"
    )
    .unwrap();
    for e in events {
        let (mut stall, mut duration, mut idx, mut feature, mut milestone, mut selector) =
            (None, None, None, None, None, None);
        match &e.kind {
            EventKind::Stall { stall: k, duration_ms, .. } => {
                stall = Some(serde_json::to_value(k).unwrap().as_str().unwrap().to_string());
                duration = Some(*duration_ms);
            }
            EventKind::StepShown { index, .. } | EventKind::StepCompleted { index, .. } => idx = Some(*index),
            EventKind::FeatureUsed { feature: f } => feature = Some(f.as_str()),
            EventKind::MilestoneReached { milestone: m } => milestone = Some(m.as_str()),
            EventKind::TargetMissing { selector: s, .. } => selector = Some(s.as_str()),
            _ => {}
        }
        write!(out, "{},", e.ts).unwrap();
        for v in [
            Some(e.session.as_str()),
            e.user.as_deref(),
            e.account.as_deref(),
            Some(e.path.as_str()),
            e.guide.as_deref(),
            e.step.as_deref(),
            Some(e.kind.type_name()),
            stall.as_deref(),
        ] {
            csv_field(&mut out, v);
            out.write_all(b",").unwrap();
        }
        let num = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        write!(out, "{},{},", num(duration), num(idx.map(u64::from))).unwrap();
        csv_field(&mut out, feature);
        out.write_all(b",").unwrap();
        csv_field(&mut out, milestone);
        out.write_all(b",").unwrap();
        csv_field(&mut out, selector);
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

/// Compares DuckDB's figures with ours; returns the accounts that agree and the first mismatch.
fn compare(ours: &Report, theirs: &serde_json::Map<String, Value>) -> (usize, Option<String>) {
    let mut agree = 0;
    let mut first = None;
    let mut ids: BTreeMap<&str, ()> = ours.accounts.iter().map(|a| (a.account.as_str(), ())).collect();
    ids.extend(theirs.keys().map(|k| (k.as_str(), ())));
    for id in ids.keys() {
        let mismatch = match (ours.accounts.iter().find(|a| a.account == *id), theirs.get(*id)) {
            (Some(a), Some(t)) => account_mismatch(a, t),
            (None, _) => Some("missing from waymark-health".to_string()),
            (_, None) => Some("missing from DuckDB".to_string()),
        };
        match mismatch {
            None => agree += 1,
            Some(m) => {
                first.get_or_insert(format!("{id}: {m}"));
            }
        }
    }
    (agree, first)
}

fn account_mismatch(a: &waymark_health::AccountHealth, t: &Value) -> Option<String> {
    let n = |k: &str| t[k].as_u64().unwrap_or(u64::MAX);
    let started: u64 = a.funnels.iter().map(|f| f.started).sum();
    let completed: u64 = a.funnels.iter().map(|f| f.completed).sum();
    let recurring = a
        .measures
        .iter()
        .find(|m| m.name == "recurrence")
        .and_then(|m| m.value)
        .map(|v| (v * a.stalls as f64).round() as u64);
    let totals = [
        ("events", a.events),
        ("users", a.active_users),
        ("sessions", a.sessions),
        ("stalled_sessions", a.stalled_sessions),
        ("stalled_users", a.stalled_users),
        ("stalls", a.stalls),
        ("stall_ms", a.stall_ms),
        ("started", started),
        ("completed", completed),
        ("target_missing", a.target_missing.count),
        ("recurring", recurring.unwrap_or(0)),
    ];
    for (k, ours) in totals {
        if n(k) != ours {
            return Some(format!("{k}: ours {ours}, DuckDB {}", n(k)));
        }
    }
    let points = t["points"].as_array().cloned().unwrap_or_default();
    if points.len() != a.stall_points.len() {
        return Some(format!("{} stall points, DuckDB {}", a.stall_points.len(), points.len()));
    }
    for (p, q) in a.stall_points.iter().zip(&points) {
        let kind = serde_json::to_value(p.kind).unwrap();
        let same_key = q[0].as_str() == p.guide.as_deref()
            && q[1].as_str() == p.step.as_deref()
            && q[2] == p.page.as_str()
            && q[3] == kind;
        let (count, users, median) =
            (q[4].as_u64().unwrap_or(0), q[5].as_u64().unwrap_or(0), q[6].as_u64().unwrap_or(0));
        let close = (p.median_ms as f64 - median as f64).abs() <= median as f64 * 0.016;
        if !same_key || count != p.count || users != p.users || !close {
            return Some(format!("stall point {p:?}, DuckDB {q}"));
        }
    }
    let steps: Vec<Value> = a
        .funnels
        .iter()
        .flat_map(|f| {
            f.steps.iter().map(|s| serde_json::json!([f.guide, s.index, s.step, s.shown, s.completed]))
        })
        .filter(|s| s[3].as_u64() != Some(0) || s[4].as_u64() != Some(0))
        .collect();
    if t["funnel_steps"].as_array() != Some(&steps) {
        return Some("funnel steps differ".to_string());
    }
    let features: Vec<Value> =
        a.features.iter().map(|f| serde_json::json!([f.feature, f.users, f.uses])).collect();
    if t["features"].as_array() != Some(&features) {
        return Some("features differ".to_string());
    }
    let milestones: Vec<Value> =
        a.milestones.iter().map(|m| serde_json::json!([m.milestone, m.users])).collect();
    if t["milestones"].as_array() != Some(&milestones) {
        return Some("milestones differ".to_string());
    }
    None
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() {
    let total: usize = std::env::var("HEALTH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("generating {total} events...");
    let start = Instant::now();
    let events = generate(total);
    let users =
        events.iter().filter_map(|e| e.user.as_deref()).collect::<std::collections::HashSet<&str>>().len();
    let stalls = events.iter().filter(|e| matches!(e.kind, EventKind::Stall { .. })).count();
    eprintln!("generated in {}", secs(start.elapsed()));

    let window = Window::days_ending(NOW, DAYS as u32);
    let config = HealthConfig::default();
    let (t_one, one) = best(|| aggregate(&events));
    let (t_par, (par, t_merge)) = best(|| sharded(&events, cores));
    let (t_encode, bytes) = best(|| par.encode());
    let (t_decode, decoded) = best(|| Aggregate::decode(&bytes).unwrap());
    let (t_report, ours) = best(|| report(&decoded, &window, &config));
    let (t_week, _) = best(|| report(&decoded, &Window::days_ending(NOW, 7), &config));
    assert_eq!(one.encode(), bytes, "sharded state differs from one pass");

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("events.csv");
    let start = Instant::now();
    write_csv(&events, &csv);
    eprintln!(
        "wrote {} MB of CSV in {}",
        std::fs::metadata(&csv).map_or(0, |m| m.len()) >> 20,
        secs(start.elapsed())
    );
    drop(events);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/bench/health_duckdb.py");
    let duck = Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .args(["--first-day", &(NOW / DAY + 1 - DAYS).to_string(), "--last-day", &(NOW / DAY).to_string()])
        .args(["--runs", &RUNS.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output();
    let duck: Value = match duck {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).unwrap_or_else(
            |e| serde_json::json!({ "skipped": format!("unreadable output from {}: {e}", script.display()) }),
        ),
        Ok(out) => {
            serde_json::json!({ "skipped": format!("{} failed with {}", script.display(), out.status) })
        }
        Err(e) => serde_json::json!({ "skipped": format!("python3 could not run: {e}") }),
    };

    let rate = |d: Duration| format!("{:.1} M events/s", total as f64 / d.as_secs_f64() / 1e6);
    let q = |t: &str| duck["query_s"][t].as_f64().map(Duration::from_secs_f64);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "\nwaymark-health vs DuckDB {}: {total} events, {} accounts, {} users, {stalls} stalls, {DAYS} days, {cores} cores",
        duck["version"].as_str().unwrap_or("(skipped)"),
        ours.accounts.len(),
        users
    );
    let _ = writeln!(
        table,
        "(best of {RUNS}; ours = aggregate all events + report; DuckDB = the queries over its loaded table)\n"
    );
    let _ = writeln!(table, "{:<34} {:>30} {:>14} {:>10}", "", "waymark-health", "DuckDB", "DuckDB/ours");
    for (label, ours_t, threads) in [
        ("1 thread", t_one + t_report, "1".to_string()),
        (&*format!("{cores} threads (shards + merge)"), t_par + t_report, cores.to_string()),
    ] {
        let theirs = q(&threads);
        let _ = writeln!(
            table,
            "{:<34} {:>30} {:>14} {:>10}",
            label,
            format!("{} ({})", secs(ours_t), rate(ours_t)),
            theirs.map_or_else(|| "skipped".to_string(), secs),
            theirs.map_or_else(String::new, |t| format!("{:.1}x", t.as_secs_f64() / ours_t.as_secs_f64()))
        );
    }
    let load = duck["load_s"].as_f64().map_or_else(|| "skipped".to_string(), |s| format!("{s:.3} s"));
    let _ = writeln!(table, "{:<34} {:>30} {:>14}", "load CSV (not counted)", "-", load);
    let _ = writeln!(table, "\nwaymark-health alone:");
    let _ = writeln!(table, "  add, 1 thread:          {} ({})", secs(t_one), rate(t_one));
    let _ = writeln!(
        table,
        "  add, {cores} shards + merge:   {} ({}), of which merge {}",
        secs(t_par),
        rate(t_par),
        secs(t_merge)
    );
    let _ = writeln!(
        table,
        "  encode:                 {} -> {:.1} MB ({:.1} bytes/event)",
        secs(t_encode),
        bytes.len() as f64 / 1e6,
        bytes.len() as f64 / total as f64
    );
    let _ = writeln!(table, "  decode:                 {}", secs(t_decode));
    let _ = writeln!(table, "  report, 28-day window:  {}", secs(t_report));
    let _ = writeln!(table, "  report, 7-day window:   {}", secs(t_week));
    match duck["accounts"].as_object() {
        Some(theirs) => {
            // Compared without decay, so the recurring share times the stalls is a plain count.
            let mut flat = HealthConfig::default();
            flat.half_life_days = 0.0;
            let plain = report(&decoded, &window, &flat);
            let (agree, first) = compare(&plain, theirs);
            let verdict = if agree == ours.accounts.len() && first.is_none() { "MATCH" } else { "MISMATCH" };
            let _ = writeln!(
                table,
                "\nfigures vs DuckDB: {verdict}, {agree} of {} accounts agree (events, users, sessions, stalled sessions and users, stalls, stall ms, guides started/completed, recurring stalls, missing targets, top 10 stall points with medians within 1.6%, funnels, features, milestones){}",
                ours.accounts.len(),
                first.map(|f| format!("; first difference: {f}")).unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(
                table,
                "\nDuckDB column skipped: {}",
                duck["skipped"].as_str().unwrap_or("no figures")
            );
        }
    }
    print!("{table}");
}
