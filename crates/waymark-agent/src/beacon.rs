//! Delivering events to the collector: batched (50 events, 16 KiB or 5 s, whichever comes
//! first), sent as CORS-simple `text/plain` with `fetch` + `keepalive`, retried with
//! exponential backoff and jitter, and drained with `navigator.sendBeacon` when the page is
//! hidden or closed. (The durable per-origin queue in IndexedDB is still to come.)

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::Window;

const MAX_EVENTS: usize = 50;
const MAX_BYTES: usize = 16 * 1024;
const FLUSH_AFTER_MS: u32 = 5_000;
const MAX_BACKOFF_MS: u32 = 60_000;
/// `sendBeacon`'s budget is shared by the whole page: stay well under its 64 KiB.
const BEACON_BYTES: usize = 48 * 1024;
/// Undelivered events kept in memory at most; the oldest go first.
const MAX_QUEUED: usize = 1_000;

/// The outgoing queue.
pub(crate) struct Beacon {
    url: String,
    key: String,
    queue: VecDeque<String>,
    timer: Option<Timeout>,
    backoff_ms: u32,
    in_flight: bool,
    dropped: u32,
}

impl Beacon {
    /// A queue that posts to `url` with the site's write `key`.
    pub(crate) fn new(url: String, key: String) -> Self {
        Self { url, key, queue: VecDeque::new(), timer: None, backoff_ms: 0, in_flight: false, dropped: 0 }
    }

    fn body(&self, events: &[String]) -> String {
        let key = serde_json::to_string(&self.key).unwrap_or_default();
        format!(
            "{{\"key\":{key},\"sent_at\":{},\"events\":[{}]}}",
            js_sys::Date::now() as u64,
            events.join(",")
        )
    }

    /// Takes the next batch off the queue.
    fn take(&mut self, max_bytes: usize) -> Vec<String> {
        let mut batch = Vec::new();
        let mut bytes = 0;
        while let Some(e) = self.queue.front() {
            if batch.len() == MAX_EVENTS || (!batch.is_empty() && bytes + e.len() > max_bytes) {
                break;
            }
            bytes += e.len() + 1;
            batch.extend(self.queue.pop_front());
        }
        batch
    }
}

/// Queues one event (its JSON) and sends when a batch is full or after 5 s.
pub(crate) fn push(cell: &Rc<RefCell<Beacon>>, event: String) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if b.queue.len() == MAX_QUEUED {
        b.queue.pop_front();
        b.dropped += 1;
    }
    b.queue.push_back(event);
    let bytes: usize = b.queue.iter().map(String::len).sum();
    let full = b.queue.len() >= MAX_EVENTS || bytes >= MAX_BYTES;
    drop(b);
    if full {
        send(cell);
    } else {
        arm(cell, FLUSH_AFTER_MS);
    }
}

fn arm(cell: &Rc<RefCell<Beacon>>, ms: u32) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if b.timer.is_some() {
        return;
    }
    let again = cell.clone();
    b.timer = Some(Timeout::new(ms, move || {
        if let Ok(mut b) = again.try_borrow_mut() {
            b.timer = None;
        }
        send(&again);
    }));
}

/// Sends one batch with `fetch` + `keepalive`; on failure puts it back and retries later.
fn send(cell: &Rc<RefCell<Beacon>>) {
    let Some(window) = web_sys::window() else { return };
    let (url, body, batch) = {
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        if b.in_flight || b.queue.is_empty() {
            return;
        }
        let batch = b.take(MAX_BYTES);
        b.in_flight = true;
        (b.url.clone(), b.body(&batch), batch)
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // `keepalive` lets the request outlive the page (web-sys lists it as unstable).
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    // A string body is sent as text/plain: a CORS-simple request, no preflight.
    init.set_body(&JsValue::from_str(&body));
    let request = window.fetch_with_str_and_init(&url, &init);
    let cell = cell.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = wasm_bindgen_futures::JsFuture::from(request).await;
        let status = outcome.ok().and_then(|r| r.dyn_into::<web_sys::Response>().ok()).map(|r| r.status());
        let retry = match status {
            Some(s) if (200..300).contains(&s) => false,
            Some(s) if (400..500).contains(&s) && s != 408 && s != 429 => {
                web_sys::console::warn_1(&JsValue::from_str(
                    "waymark: the collector refused a batch of events",
                ));
                false
            }
            _ => true,
        };
        let delay = {
            let Ok(mut b) = cell.try_borrow_mut() else { return };
            b.in_flight = false;
            if retry {
                for e in batch.into_iter().rev() {
                    b.queue.push_front(e);
                }
                b.backoff_ms = (b.backoff_ms.max(500) * 2).min(MAX_BACKOFF_MS);
                // Jitter spreads the retries of many tabs after an outage.
                Some(b.backoff_ms / 2 + (js_sys::Math::random() * f64::from(b.backoff_ms / 2)) as u32)
            } else {
                b.backoff_ms = 0;
                (!b.queue.is_empty()).then_some(0)
            }
        };
        if let Some(ms) = delay {
            arm(&cell, ms);
        }
    });
}

/// Drains the queue synchronously with `sendBeacon` (the page is being hidden or closed).
pub(crate) fn drain(cell: &Rc<RefCell<Beacon>>, window: &Window) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    while !b.queue.is_empty() {
        let batch = b.take(BEACON_BYTES);
        let body = b.body(&batch);
        if !window.navigator().send_beacon_with_opt_str(&b.url, Some(&body)).unwrap_or(false) {
            for e in batch.into_iter().rev() {
                b.queue.push_front(e);
            }
            break;
        }
    }
}
