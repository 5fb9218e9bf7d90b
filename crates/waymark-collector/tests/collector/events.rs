//! `POST /v1/events` and `GET /v1/debug/events`.

use hyper::Method;
use serde_json::json;

use crate::support::{Site, get, post, request};

fn event(id: &str, kind: serde_json::Value) -> serde_json::Value {
    let mut e = json!({"v": 1, "id": id, "seq": 0, "ts": 1_700_000_000_000u64, "session": "s1",
        "user": "alice", "account": "acme", "path": "/app", "guide": "first-project", "step": "welcome"});
    e.as_object_mut().unwrap().extend(kind.as_object().unwrap().clone());
    e
}

fn batch(events: Vec<serde_json::Value>) -> String {
    json!({"key": "demo-write-key", "sent_at": 1_700_000_000_500u64, "events": events}).to_string()
}

#[tokio::test]
async fn accepts_a_text_plain_batch_and_lists_it() {
    let site = Site::new();
    let server = site.serve().await;
    let body = batch(vec![
        event("e1", json!({"type": "page_view"})),
        event("e2", json!({"type": "step_completed", "index": 0, "duration_ms": 1200})),
        event("e3", json!({"type": "stall", "stall": "rage_click", "duration_ms": 800, "count": 4})),
    ]);
    let r = post(&server, "/v1/events", body).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), "*");

    let listed = get(&server, "/v1/debug/events").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("content-type"), "application/json");
    let list = listed.json();
    let types: Vec<_> = list.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["page_view", "step_completed", "stall"]);
    assert_eq!(list[2]["stall"], "rage_click");
    assert_eq!(server.events().len(), 3);
}

#[tokio::test]
async fn deduplicates_on_the_event_id() {
    let site = Site::new();
    let server = site.serve().await;
    let body = batch(vec![event("same", json!({"type": "page_view"}))]);
    assert_eq!(post(&server, "/v1/events", body.clone()).await.status, 204);
    assert_eq!(post(&server, "/v1/events", body).await.status, 204);
    assert_eq!(server.events().len(), 1);
}

#[tokio::test]
async fn refuses_a_batch_with_a_bad_event_saying_what_and_where() {
    let site = Site::new();
    let server = site.serve().await;
    let mut missing_id = event("x", json!({"type": "page_view"}));
    missing_id.as_object_mut().unwrap().remove("id");
    let body = batch(vec![
        event("ok", json!({"type": "page_view"})),
        event("e2", json!({"type": "page_view"})),
        event("e3", json!({"type": "guide_shown"})),
        missing_id,
        event("e5", json!({"type": "teleported"})),
    ]);
    let r = post(&server, "/v1/events", body).await;
    assert_eq!(r.status, 400);
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("events[2]") && lines[0].contains("cause"), "{text}");
    assert_eq!(lines[1], "events[3]: missing field `id`");
    assert!(lines[2].starts_with("events[4]") && lines[2].contains("teleported"), "{text}");
    // Nothing of a refused batch is kept.
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn refuses_a_bad_envelope() {
    let site = Site::new();
    let server = site.serve().await;
    for (body, expect) in [
        ("not json", "body"),
        (r#"{"key": "k", "sent_at": 1}"#, "body: missing field `events`"),
        (r#"{"key": "k", "sent_at": 1, "events": {}}"#, "body.events: invalid type"),
        (r#"{"key": "k", "sent_at": 1, "events": []} trailing"#, "body"),
    ] {
        let r = post(&server, "/v1/events", body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.text().starts_with(expect), "{body}: {}", r.text());
    }
    // An empty batch is fine.
    assert_eq!(post(&server, "/v1/events", r#"{"key":"k","sent_at":1,"events":[]}"#).await.status, 204);
}

#[tokio::test]
async fn limits_the_body_to_one_mebibyte() {
    let site = Site::new();
    let server = site.serve().await;
    let filler = "x".repeat(waymark_collector::MAX_BATCH_BYTES);
    let body = format!(r#"{{"key":"{filler}","sent_at":1,"events":[]}}"#);
    assert_eq!(post(&server, "/v1/events", body).await.status, 413);
    // Just under the limit is read (and then judged on its content).
    let key = "x".repeat(waymark_collector::MAX_BATCH_BYTES - 64);
    let body = format!(r#"{{"key":"{key}","sent_at":1,"events":[]}}"#);
    assert_eq!(post(&server, "/v1/events", body).await.status, 204);
}

#[tokio::test]
async fn events_only_take_posts() {
    let site = Site::new();
    let server = site.serve().await;
    assert_eq!(get(&server, "/v1/events").await.status, 405);
    assert_eq!(request(&server, Method::DELETE, "/v1/debug/events", &[], vec![]).await.status, 405);
}
