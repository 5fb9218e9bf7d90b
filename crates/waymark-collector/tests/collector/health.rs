//! `GET /v1/health`: per-account health for the holder of a read token, one tenant only.

use hyper::Method;
use serde_json::json;
use waymark_collector::now_ms;

use crate::support::{Site, post, request, tenants};

/// `sessions` sessions of `account`, each with a page view; the first `stalled` of them
/// also rage-click on the `email` step of `invite-teammates`.
fn sessions(account: &str, sessions: usize, stalled: usize) -> Vec<serde_json::Value> {
    let ts = now_ms() - 60_000;
    let mut out = Vec::new();
    for s in 0..sessions {
        let base = json!({"v": 1, "seq": 0, "ts": ts, "session": format!("{account}-s{s}"),
            "user": format!("{account}-u{s}"), "account": account, "path": "/app/team"});
        let mut view = base.clone();
        view["id"] = json!(format!("{account}-{s}-view"));
        view["type"] = json!("page_view");
        out.push(view);
        if s < stalled {
            let mut stall = base.clone();
            stall["id"] = json!(format!("{account}-{s}-stall"));
            stall["seq"] = json!(1);
            stall["guide"] = json!("invite-teammates");
            stall["step"] = json!("email");
            for (k, v) in [
                ("type", json!("stall")),
                ("stall", json!("rage_click")),
                ("duration_ms", json!(900)),
                ("count", json!(4)),
            ] {
                stall[k] = v;
            }
            out.push(stall);
        }
    }
    out
}

async fn send(server: &waymark_collector::Running, key: &str, events: Vec<serde_json::Value>) {
    let body = json!({"key": key, "sent_at": now_ms(), "events": events}).to_string();
    let r = post(server, "/v1/events", body).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

async fn health(
    server: &waymark_collector::Running,
    query: &str,
    token: Option<&str>,
) -> crate::support::Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    request(server, Method::GET, &format!("/v1/health{query}"), &headers, vec![]).await
}

async fn two_tenants() -> (Site, waymark_collector::Running) {
    let site = Site::new();
    let mut config = waymark_collector::Config::new(site.root());
    config.tenants = tenants(&site.root().join("guides"));
    let server = waymark_collector::serve(config).await.unwrap();
    send(&server, "acme-key", [sessions("acme", 6, 4), sessions("acme-eu", 6, 0)].concat()).await;
    send(&server, "globex-key", sessions("globex", 6, 0)).await;
    (site, server)
}

#[tokio::test]
async fn health_needs_a_read_token() {
    let (_site, server) = two_tenants().await;
    let r = health(&server, "", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), "Bearer realm=\"waymark\"");
    assert!(r.text().contains("Authorization: Bearer"), "{}", r.text());
    // A write key is public: it reads nothing.
    assert_eq!(health(&server, "", Some("acme-key")).await.status, 401);
    assert_eq!(health(&server, "", Some("acme-read-tokeN")).await.status, 401);
    assert!(!health(&server, "", Some("guess")).await.text().contains("acme"));
}

#[tokio::test]
async fn a_token_reads_its_own_tenant_only() {
    let (_site, server) = two_tenants().await;
    let accounts = async |token: &str| -> Vec<String> {
        let r = health(&server, "?window=7d", Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(accounts("acme-read-token").await, ["acme", "acme-eu"]);
    assert_eq!(accounts("globex-read-token").await, ["globex"]);
}

#[tokio::test]
async fn the_stalling_account_ranks_first_and_names_its_stall_point() {
    let (_site, server) = two_tenants().await;
    let r = health(&server, "?window=7d", Some("acme-read-token")).await;
    let report = r.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["window"]["days"], 7);
    let acme = &report["accounts"][0];
    assert_eq!(acme["account"], "acme");
    let smooth = &report["accounts"][1];
    assert!(acme["score"].as_u64().unwrap() < smooth["score"].as_u64().unwrap(), "{report:#}");
    assert_eq!(acme["band"], "at_risk");
    assert_eq!(acme["touch"], "high_touch");
    assert_eq!(smooth["band"], "healthy");
    let top = &acme["stall_points"][0];
    assert_eq!(
        (top["guide"].as_str(), top["step"].as_str(), top["kind"].as_str()),
        (Some("invite-teammates"), Some("email"), Some("rage_click"))
    );
    assert_eq!(top["users"], 4);
    let reasons = acme["reasons"].to_string();
    assert!(reasons.contains("invite-teammates › email"), "{reasons}");
}

#[tokio::test]
async fn a_bad_window_says_what_is_wrong() {
    let (_site, server) = two_tenants().await;
    for (query, expect) in
        [("?window=3h", "whole number of days"), ("?window=400d", "at most 366"), ("?window=soon", "soon")]
    {
        let r = health(&server, query, Some("acme-read-token")).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.text().starts_with("window: ") && r.text().contains(expect), "{query}: {}", r.text());
    }
}

#[tokio::test]
async fn a_late_event_for_a_past_day_shows_up_in_the_next_report() {
    let site = Site::new();
    let server = site.serve().await;
    let two_days_ago = now_ms() - 2 * waymark_health::DAY_MS;
    let at = |mut events: Vec<serde_json::Value>| {
        for e in &mut events {
            e["ts"] = json!(two_days_ago);
        }
        events
    };
    send(&server, "demo-write-key", at(sessions("acme", 6, 0))).await;
    let stalls = async || {
        let r = health(&server, "?window=7d", Some("demo-read-token")).await;
        r.json()["accounts"][0]["stalls"].as_u64()
    };
    assert_eq!(stalls().await, Some(0));
    // The same day again comes from the server's cache of past days...
    assert_eq!(stalls().await, Some(0));
    // ...until an agent's queue delivers a stall of that day late.
    let mut late = at(sessions("acme", 1, 1));
    for e in &mut late {
        e["id"] = json!(format!("late-{}", e["id"].as_str().unwrap()));
    }
    send(&server, "demo-write-key", late).await;
    assert_eq!(stalls().await, Some(1));
}
