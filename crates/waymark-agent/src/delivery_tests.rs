//! The stored event queue and consent in real headless Chromium (wasm-bindgen-test): a
//! page takes over the queues earlier pages left (handed over when leaving, or abandoned)
//! and never a live page's, and without consent nothing is stored. The queue's rules
//! themselves are tested natively in `waymark_core::outbox`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use wasm_bindgen_test::*;
use waymark_core::outbox::ORPHAN_AFTER_MS;

use crate::beacon;
use crate::browser_tests::sleep;

wasm_bindgen_test_configure!(run_in_browser);

/// Neither `fetch` nor `sendBeacon` sends there (not HTTP): events stay queued.
const DOWN: &str = "ftp://127.0.0.1:9/v1/events";

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// The stored queues of write key `key`: `(storage key, value)`.
fn queues(key: &str) -> Vec<(String, String)> {
    let s = storage();
    let keys: Vec<String> = (0..s.length().unwrap()).filter_map(|i| s.key(i).unwrap()).collect();
    let prefix = format!("waymark:q:{key}:");
    keys.into_iter()
        .filter(|k| k.starts_with(&prefix))
        .map(|k| (k.clone(), s.get_item(&k).unwrap().unwrap()))
        .collect()
}

/// A stored queue touched at `touched` holding events with these ids.
fn stored(touched: u64, ids: &[&str]) -> String {
    let mut s = format!("waymark-queue 1 0 {touched}");
    for id in ids {
        s += &format!("\n{{\"id\":\"{id}\"}}");
    }
    s
}

/// The event ids a stored queue holds, in order, and the time it was touched.
fn read(text: &str) -> (Vec<String>, u64) {
    let mut lines = text.lines();
    let touched = lines.next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    let ids = lines
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string());
    (ids.collect(), touched)
}

/// Deletes every queue of write key `key`.
fn clear(key: &str) {
    for (k, _) in queues(key) {
        storage().remove_item(&k).unwrap();
    }
}

#[wasm_bindgen_test]
fn a_page_takes_over_what_pages_left_and_hands_its_own_over_when_it_leaves() {
    let key = "t-adopt";
    clear(key);
    let now = js_sys::Date::now() as u64;
    let s = storage();
    s.set_item(&format!("waymark:q:{key}:reloaded"), &stored(0, &["left-1", "left-2"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:crashed"), &stored(now - ORPHAN_AFTER_MS - 1, &["lost-1"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:live"), &stored(now - 1_000, &["live-1"])).unwrap();
    s.set_item(&format!("waymark:q:{key}:host"), "the host's own value").unwrap();

    let b = beacon::start(DOWN.into(), key.into(), true);
    let mut after: Vec<(String, String)> = queues(key);
    after.retain(|(k, _)| !k.ends_with(":live") && !k.ends_with(":host"));
    assert_eq!(after.len(), 1, "one queue, this page's: {after:?}");
    let (mine, text) = after.pop().unwrap();
    let (mut ids, touched) = read(&text);
    ids.sort();
    assert_eq!(ids, ["left-1", "left-2", "lost-1"], "what a page left and what a crashed page left");
    assert!(touched >= now, "touched by this live page");
    assert_eq!(read(&s.get_item(&format!("waymark:q:{key}:live")).unwrap().unwrap()).0, ["live-1"]);
    assert_eq!(
        s.get_item(&format!("waymark:q:{key}:host")).unwrap().as_deref(),
        Some("the host's own value")
    );

    beacon::push(&b, vec![r#"{"id":"new-1"}"#.into()]);
    assert_eq!(
        read(&s.get_item(&mine).unwrap().unwrap()).0.last().unwrap(),
        "new-1",
        "stored as it is queued"
    );
    beacon::drain(&b, &web_sys::window().unwrap(), true);
    beacon::push(&b, vec![r#"{"id":"late-1"}"#.into()]);
    assert_eq!(
        read(&s.get_item(&mine).unwrap().unwrap()).1,
        0,
        "left for the next page, even after a late event"
    );
    drop(b);
    // The next page sends all of it.
    let next = beacon::start(DOWN.into(), key.into(), true);
    assert_eq!(s.get_item(&mine).unwrap(), None, "taken over");
    let (_, text) = queues(key)
        .into_iter()
        .find(|(k, _)| k != &mine && !k.ends_with(":live") && !k.ends_with(":host"))
        .unwrap();
    assert_eq!(read(&text).0.len(), 5);
    beacon::consent(&next, false);
    let left: Vec<String> = queues(key).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        left,
        [format!("waymark:q:{key}:host")],
        "no consent: every page's queue goes, never the host's keys"
    );
    clear(key);
    s.remove_item(&format!("waymark:q:{key}:host")).unwrap();
}

/// The whole agent: events it reports are stored; `consent(false)` empties the queue and
/// nothing reported afterwards is stored.
#[wasm_bindgen_test]
async fn without_consent_nothing_is_stored_and_the_queue_is_cleared() {
    let _turn = crate::browser_tests::agent_turn().await;
    let key = "t-consent";
    clear(key);
    let config = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&config, &k.into(), &v.into()).unwrap();
    set("key", key);
    set("guides", &crate::browser_tests::feed_url("[]"));
    set("collector", DOWN);
    set("user", "u-consent");
    let agent = crate::start(config.clone().into()).unwrap();
    agent.track("before".into());
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = queues(key);
        if stored.iter().any(|(_, v)| v.contains("\"before\"")) {
            break;
        }
        sleep(50).await;
    }
    assert!(stored.iter().any(|(_, v)| v.contains("\"before\"")), "the track event was stored: {stored:?}");
    agent.consent(false.into());
    agent.track("after".into());
    sleep(300).await;
    assert_eq!(queues(key), Vec::new(), "consent(false) cleared the queue and stored nothing new");
}

/// A guide starting reports several events at once (page view, guide shown, step shown):
/// the page's queue is rewritten once for them, not once per event.
#[wasm_bindgen_test]
async fn the_events_of_one_turn_are_stored_in_one_write() {
    let _turn = crate::browser_tests::agent_turn().await;
    let key = "t-one-write";
    clear(key);
    // Counts the writes of this key's queues, through the host page's own `setItem`.
    js_sys::eval(
        "window.__queueWrites = 0; const set = Storage.prototype.setItem;\
         Storage.prototype.__realSetItem = set;\
         Storage.prototype.setItem = function (k, v) {\
           if (String(k).startsWith('waymark:q:t-one-write:')) window.__queueWrites++;\
           return set.call(this, k, v);\
         };",
    )
    .unwrap();
    let guides = r##"[{"id":"m","name":"M","steps":[{"id":"a","kind":"modal","title":"Hi"}]}]"##;
    let config = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&config, &k.into(), &v.into()).unwrap();
    set("key", key);
    set("guides", &crate::browser_tests::feed_url(guides));
    set("collector", DOWN);
    set("user", "u-one-write");
    let _agent = crate::start(config.into()).unwrap();
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = queues(key).into_iter().flat_map(|(_, v)| read(&v).0).collect();
        if stored.len() >= 3 {
            break;
        }
        sleep(50).await;
    }
    let writes =
        js_sys::eval("Storage.prototype.setItem = Storage.prototype.__realSetItem; window.__queueWrites")
            .unwrap()
            .as_f64()
            .unwrap();
    assert!(stored.len() >= 3, "page view, guide shown, step shown: {stored:?}");
    assert_eq!(writes, 1.0, "one write for the {} events of the start", stored.len());
    clear(key);
}
