//! What people read: the terminal table, the CSV and the JSON of the contract.

use waymark_core::StallKind;
use waymark_health::HealthConfig;

use crate::support::*;

fn sample() -> waymark_health::Report {
    let mut events = smooth("zen", 6, 1);
    for u in 0..4 {
        let (user, session) = (format!("u{u}"), format!("s{u}"));
        events.push(at(ev("acme", &user, &session, 0, shown()), "onboarding", "", "/app"));
        let e = ev("acme", &user, &session, 0, stall(StallKind::RageClick, 190_000));
        events.push(at(e, "onboarding", "name", "/app/projects"));
    }
    events.push(ev("=cmd,\"x\"", "v", "t", 0, page_view()));
    week(&events, &HealthConfig::default())
}

#[test]
fn the_table_lists_accounts_by_risk_then_their_stall_points() {
    let table = sample().to_table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "Health over the 7 days 2025-11-02 to 2025-11-08 (UTC): 3 accounts, riskiest first");
    assert_eq!(
        lines[2..6],
        [
            "ACCOUNT   SCORE  BAND             TREND  TOUCH       USERS  SESSIONS  FIRST REASON",
            "acme         25  at risk                 high touch      4         4  4 of 4 users stalled on onboarding › name (rage clicks) for a median 3m10s",
            "zen         100  healthy                 tech touch      6         6  No measure is below its healthy threshold",
            "=cmd,\"x\"      -  not enough data         tech touch      1         1  Not enough data yet: 1 session, 1 active user and 0 started guides in 7 days",
        ]
    );
    assert!(table.contains("acme: where users stall\n  WHERE              KIND         USERS  STALLS  MEDIAN  PAGE\n  onboarding › name  rage clicks      4       4   3m10s  /app/projects\n"), "{table}");
}

#[test]
fn the_csv_has_a_header_and_one_quoted_row_per_account() {
    let csv = sample().to_csv();
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(rows.len(), 5, "header, three accounts, final line break");
    assert!(rows[0].starts_with("account,score,band,previous_score,trend,touch,active_users,sessions,"));
    assert_eq!(
        rows[1],
        "acme,25,at_risk,,,high_touch,4,4,8,4,4,4,760000,1,3.1666666666666665,0,1,1,0,onboarding › name (rage clicks),\
         4 of 4 users stalled on onboarding › name (rage clicks) for a median 3m10s; \
         None of the 4 started guides was completed; 4 of 4 active users stalled at least once"
    );
    // Quotes doubled, the field quoted, and a would-be formula defused.
    assert!(rows[3].starts_with("\"'=cmd,\"\"x\"\"\",,not_enough_data,"), "{}", rows[3]);
    assert_eq!(rows[1].split(',').count(), rows[0].split(',').count());
}

#[test]
fn the_json_follows_the_contract() {
    let json = serde_json::to_value(sample()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["generated_at"], NOW);
    assert_eq!(json["window"]["days"], 7);
    let acme = &json["accounts"][0];
    assert_eq!(acme["account"], "acme");
    assert_eq!(acme["band"], "at_risk");
    assert_eq!(acme["touch"], "high_touch");
    assert_eq!(acme["previous_score"], serde_json::Value::Null);
    assert_eq!(acme["stall_points"][0]["kind"], "rage_click");
    assert_eq!(acme["stall_points"][0]["median_ms"], 190_000);
    let m = &acme["measures"][0];
    assert_eq!(m["name"], "stalled_session_rate");
    assert_eq!(m["unit"], "ratio");
    assert_eq!(m["poor"], 0.5);
    assert_eq!(m["min_samples"], 5);
    assert_eq!(
        acme["measures"][4]["score"],
        serde_json::Value::Null,
        "four stalls are too few for recurrence"
    );
    assert_eq!(acme["measures"][4]["weight"], 0.0);
    assert_eq!(acme["target_missing"]["count"], 0);
    assert_eq!(json["accounts"][2]["band"], "not_enough_data");
    assert_eq!(json["accounts"][2]["score"], serde_json::Value::Null);
}
