//! The stored event queue and consent in real headless Chromium (wasm-bindgen-test): a
//! new page takes over its tab's queue and the queues closed tabs left (never a live
//! tab's), and without consent nothing is stored. The queue's rules themselves are
//! tested natively in `waymark_core::outbox`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use wasm_bindgen_test::*;
use waymark_core::outbox::ORPHAN_AFTER_MS;

use crate::beacon;
use crate::browser_tests::sleep;

wasm_bindgen_test_configure!(run_in_browser);

/// Nothing listens there: events stay queued.
const DOWN: &str = "http://127.0.0.1:9/v1/events";

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// This tab's id (the agent creates it on first use).
fn tab() -> String {
    let session = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    if let Some(id) = session.get_item("waymark:tab").unwrap() {
        return id;
    }
    session.set_item("waymark:tab", "test-tab").unwrap();
    "test-tab".into()
}

/// A stored queue touched at `touched` holding events with these ids.
fn stored(touched: u64, ids: &[&str]) -> String {
    let mut s = format!("waymark-queue 1 0 {touched}");
    for id in ids {
        s += &format!("\n{{\"id\":\"{id}\"}}");
    }
    s
}

/// The ids stored under `key`, in order.
fn ids(key: &str) -> Vec<String> {
    let Some(text) = storage().get_item(key).unwrap() else { return Vec::new() };
    text.lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect()
}

/// Deletes every queue of write key `key`.
fn clear(key: &str) {
    let s = storage();
    let keys: Vec<String> = (0..s.length().unwrap()).filter_map(|i| s.key(i).unwrap()).collect();
    for k in keys.iter().filter(|k| k.starts_with(&format!("waymark:q:{key}:"))) {
        s.remove_item(k).unwrap();
    }
}

#[wasm_bindgen_test]
fn a_new_page_takes_over_its_tab_queue_and_closed_tabs_but_not_live_ones() {
    let key = "t-adopt";
    clear(key);
    let now = js_sys::Date::now() as u64;
    let own = format!("waymark:q:{key}:{}", tab());
    let s = storage();
    s.set_item(&own, &stored(now - 1_000, &["mine-1", "mine-2"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:closed"), &stored(now - ORPHAN_AFTER_MS - 1, &["left-1"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:live"), &stored(now - 1_000, &["live-1"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:host"), "the host's own value").unwrap();

    let b = beacon::start(DOWN.into(), key.into(), true);
    assert_eq!(ids(&own), ["mine-1", "mine-2", "left-1"], "its own queue and the closed tab's");
    assert_eq!(s.get_item(&format!("waymark:q:{key}:closed")).unwrap(), None, "taken over, not copied");
    assert_eq!(ids(&format!("waymark:q:{key}:live")), ["live-1"], "a live tab's queue is left alone");
    assert_eq!(
        s.get_item(&format!("waymark:q:{key}:host")).unwrap().as_deref(),
        Some("the host's own value")
    );

    beacon::push(&b, r#"{"id":"new-1"}"#.into());
    assert_eq!(ids(&own), ["mine-1", "mine-2", "left-1", "new-1"], "stored as it is queued");
    drop(b);
    // The next page of this tab finds everything, once.
    let again = beacon::start(DOWN.into(), key.into(), true);
    assert_eq!(ids(&own), ["mine-1", "mine-2", "left-1", "new-1"]);
    beacon::consent(&again, false);
    assert_eq!(ids(&own), Vec::<String>::new());
    assert_eq!(
        ids(&format!("waymark:q:{key}:live")),
        Vec::<String>::new(),
        "no consent: every tab's queue goes"
    );
    assert!(s.get_item(&format!("waymark:q:{key}:host")).unwrap().is_some(), "never the host's keys");
    clear(key);
}

/// The whole agent: events it reports are stored; `consent(false)` empties the queue and
/// nothing reported afterwards is stored.
#[wasm_bindgen_test]
async fn without_consent_nothing_is_stored_and_the_queue_is_cleared() {
    let key = "t-consent";
    clear(key);
    let own = format!("waymark:q:{key}:{}", tab());
    let config = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&config, &k.into(), &v.into()).unwrap();
    set("key", key);
    set("guides", &crate::browser_tests::feed_url("[]"));
    set("collector", DOWN);
    set("user", "u-consent");
    let agent = crate::start(config.clone().into()).unwrap();
    agent.track("before".into());
    let mut stored = String::new();
    for _ in 0..100 {
        stored = storage().get_item(&own).unwrap().unwrap_or_default();
        if stored.contains("\"before\"") {
            break;
        }
        sleep(50).await;
    }
    assert!(stored.contains("\"before\""), "the track event was stored: {stored:?}");
    agent.consent(false.into());
    agent.track("after".into());
    sleep(300).await;
    assert_eq!(
        storage().get_item(&own).unwrap(),
        None,
        "consent(false) cleared the queue and stored nothing new"
    );
    clear(key);
}
