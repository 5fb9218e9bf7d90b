//! The durable event queue and consent in real headless Chromium (wasm-bindgen-test):
//! IndexedDB keeps events across queue instances, the caps drop the oldest and count them,
//! and without consent nothing is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use wasm_bindgen_test::*;

use crate::beacon;
use crate::browser_tests::sleep;
use crate::queue::{MAX_QUEUED, MAX_QUEUED_BYTES, Store};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh, empty queue for write key `key`.
async fn empty(key: &str) -> Store {
    let store = Store::open(key).await.unwrap();
    store.clear().unwrap().await.unwrap();
    store
}

fn event(n: usize, pad: usize) -> String {
    format!(r#"{{"id":"e{n}","pad":"{}"}}"#, "x".repeat(pad))
}

async fn append_all(store: &Store, tab: &str, events: impl Iterator<Item = String>) {
    let mut last = None;
    for e in events {
        last = Some(store.append(&e, tab).unwrap());
    }
    // Read-write transactions commit in order: the last one done means all are.
    if let Some(last) = last {
        last.await.unwrap();
    }
}

/// What the queue of `key` holds, read through a new connection (as a reload would).
async fn queued(key: &str, own: Option<&str>) -> (Vec<String>, u32) {
    let (events, dropped) = Store::open(key).await.unwrap().load(own).await.unwrap();
    (events.into_iter().map(|s| s.json).collect(), dropped)
}

#[wasm_bindgen_test]
async fn events_outlive_the_queue_that_wrote_them_in_order() {
    let store = empty("t-reload").await;
    append_all(&store, "tab-a", (0..3).map(|n| event(n, 0))).await;
    append_all(&store, "tab-b", (3..5).map(|n| event(n, 0))).await;
    drop(store);
    let (all, dropped) = queued("t-reload", None).await;
    assert_eq!(all, (0..5).map(|n| event(n, 0)).collect::<Vec<_>>());
    assert_eq!(dropped, 0);
    let (mine, _) = queued("t-reload", Some("tab-b")).await;
    assert_eq!(mine, vec![event(3, 0), event(4, 0)], "a tab without Web Locks reads only its own");
    let (other_key, _) = queued("t-reload-other", None).await;
    assert!(other_key.is_empty(), "queues are per write key");
}

#[wasm_bindgen_test]
async fn the_count_cap_drops_the_oldest_and_counts_them() {
    let store = empty("t-cap-count").await;
    append_all(&store, "t", (0..MAX_QUEUED + 5).map(|n| event(n, 0))).await;
    let (events, dropped) = queued("t-cap-count", None).await;
    assert_eq!(events.len(), MAX_QUEUED);
    assert_eq!(events.first(), Some(&event(5, 0)), "the five oldest went");
    assert_eq!(events.last(), Some(&event(MAX_QUEUED + 4, 0)));
    assert_eq!(dropped, 5);
    // Once a batch reported them, the count goes down by that many.
    store.remove(&[], -3).unwrap().await.unwrap();
    assert_eq!(queued("t-cap-count", None).await.1, 2);
}

#[wasm_bindgen_test]
async fn the_byte_cap_drops_the_oldest_and_counts_them() {
    let store = empty("t-cap-bytes").await;
    let pad = 20 * 1024;
    append_all(&store, "t", (0..100).map(|n| event(n, pad))).await;
    let (events, dropped) = queued("t-cap-bytes", None).await;
    let bytes: usize = events.iter().map(String::len).sum();
    assert!(bytes <= MAX_QUEUED_BYTES, "{bytes} bytes kept");
    assert!(bytes + event(0, pad).len() > MAX_QUEUED_BYTES, "no more dropped than needed: {bytes}");
    assert_eq!(events.last(), Some(&event(99, pad)), "the newest stay");
    assert_eq!(dropped as usize, 100 - events.len());
}

#[wasm_bindgen_test]
fn the_envelope_reports_dropped_events_only_when_there_are_some() {
    let with = beacon::body("k\"1", [r#"{"id":"a"}"#, r#"{"id":"b"}"#].into_iter(), 7);
    let v: serde_json::Value = serde_json::from_str(&with).unwrap();
    assert_eq!(v["key"], "k\"1");
    assert!(v["sent_at"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(v["events"][1]["id"], "b");
    assert_eq!(v["dropped"], 7);
    let without: serde_json::Value = serde_json::from_str(&beacon::body("k", std::iter::empty(), 0)).unwrap();
    assert!(without.get("dropped").is_none(), "{without}");
    assert_eq!(without["events"], serde_json::json!([]));
}

/// The whole agent: events it reports are queued in IndexedDB; `consent(false)` empties
/// the queue and nothing reported afterwards is stored.
#[wasm_bindgen_test]
async fn without_consent_nothing_is_stored_and_the_queue_is_cleared() {
    let key = "t-consent";
    drop(empty(key).await);
    let config = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&config, &k.into(), &v.into()).unwrap();
    set("key", key);
    set("guides", &crate::browser_tests::feed_url("[]"));
    // Nothing listens there: events stay queued.
    set("collector", "http://127.0.0.1:9/v1/events");
    set("user", "u-consent");
    let agent = crate::start(config.clone().into()).unwrap();
    agent.track("before".into());
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = queued(key, None).await.0;
        if stored.iter().any(|e| e.contains("\"before\"")) {
            break;
        }
        sleep(50).await;
    }
    assert!(stored.iter().any(|e| e.contains("\"before\"")), "the track event was queued: {stored:?}");
    agent.consent(false.into());
    agent.track("after".into());
    sleep(300).await;
    let (left, dropped) = queued(key, None).await;
    assert!(left.is_empty(), "consent(false) cleared the queue and stored nothing new: {left:?}");
    assert_eq!(dropped, 0);
}
