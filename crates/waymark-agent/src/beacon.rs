//! Delivering events to the collector: the browser side of [`waymark_core::outbox`],
//! which decides what to send, when, and what to keep.
//!
//! - Each page keeps its queue in `localStorage` under `waymark:q:KEY:PAGE` (a random id
//!   per page load), rewritten after every change. Without `localStorage` (blocked, full)
//!   the queue lives in memory, after one warning.
//! - A page that leaves (`pagehide`: a reload, a navigation, a closed tab) marks what it
//!   could not send as left; before sending, a page takes over the queues left that way
//!   and those untouched for two minutes (the page crashed or was killed). So a reload
//!   sends its predecessor's events at once, and two tabs never write one queue.
//! - Batches go as CORS-simple `text/plain` with `fetch` + `keepalive`; when the page is
//!   hidden or closed, what is queued goes with `navigator.sendBeacon`.
//! - Without consent nothing is stored or sent, and every page's stored queue is deleted.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::{JsCast, JsValue};
use waymark_core::outbox::Outbox;

use crate::agent::{delay_until, now, warn};
use web_sys::{Storage, Window};

/// The outgoing queue of one write key in this page.
pub(crate) struct Beacon {
    url: String,
    key: String,
    /// The `localStorage` keys of this write key's queues: `waymark:q:KEY:`.
    prefix: String,
    /// This page's: the prefix and a random id.
    slot: String,
    storage: Option<Storage>,
    enabled: bool,
    outbox: Outbox,
    timer: Option<(u64, Timeout)>,
    warned: bool,
    /// The page is leaving: whatever is stored from now on is left for the next page.
    left: bool,
}

type Shared = Rc<RefCell<Beacon>>;

/// A queue posting to `url` with the site's write `key`; with `consent` it takes over what
/// earlier pages left, which goes out at once.
pub(crate) fn start(url: String, key: String, consent: bool) -> Shared {
    let window = web_sys::window();
    let prefix = format!("waymark:q:{key}:");
    let cell = Rc::new(RefCell::new(Beacon {
        url,
        key,
        slot: prefix.clone() + &((js_sys::Math::random() * 4_294_967_295.0) as u32).to_string(),
        prefix,
        storage: window.and_then(|w| w.local_storage().ok().flatten()),
        enabled: false,
        outbox: Outbox::new(),
        timer: None,
        warned: false,
        left: false,
    }));
    if consent {
        self::consent(&cell, true);
    }
    cell
}

impl Beacon {
    /// Stores this page's queue as it is now.
    fn save(&mut self) {
        let Some(s) = &self.storage else {
            self.warn_once();
            return;
        };
        // Touched at 0: left, for the next page to take at once.
        let stored = match self.outbox.to_storage(if self.left { 0 } else { now() }) {
            Some(text) => s.set_item(&self.slot, &text),
            None => s.remove_item(&self.slot),
        };
        if stored.is_err() {
            self.warn_once();
        }
    }

    fn warn_once(&mut self) {
        if !self.warned {
            self.warned = true;
            warn("waymark: localStorage is unavailable or full; undelivered events are kept in memory only");
        }
    }

    /// The stored queues of this write key: `(storage key, text)`; other values under
    /// the prefix are not ours to touch.
    fn stored(&self) -> Vec<(String, String)> {
        let Some(s) = &self.storage else { return Vec::new() };
        let keys = (0..s.length().unwrap_or(0)).filter_map(|i| s.key(i).ok().flatten());
        let ours: Vec<String> = keys.filter(|k| k.starts_with(&self.prefix)).collect();
        let texts = ours.into_iter().filter_map(|k| Some((k.clone(), s.get_item(&k).ok().flatten()?)));
        texts.filter(|(_, text)| Outbox::is_stored(text)).collect()
    }

    /// Takes over the queues other pages left; one still in use is looked at again once
    /// it may have been abandoned.
    fn collect(&mut self) {
        let now = now();
        let mut taken = false;
        for (key, text) in self.stored() {
            if key == self.slot {
                continue;
            }
            match Outbox::orphaned(&text, now) {
                Ok(()) => {}
                Err(Some(at)) => {
                    self.outbox.wake_at(at);
                    continue;
                }
                Err(None) => continue,
            }
            if self.outbox.adopt(&text, now) {
                taken = true;
                if let Some(s) = &self.storage {
                    let _ = s.remove_item(&key);
                }
            }
        }
        if taken {
            self.save();
        }
    }
}

/// Queues events (their JSON): stored at once, sent when a batch is full or 5 s later.
pub(crate) fn push(cell: &Shared, events: Vec<String>) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if !b.enabled {
        return;
    }
    let now = now();
    for json in events {
        b.outbox.push(json, now);
    }
    b.save();
    drop(b);
    arm(cell);
}

/// Arms the timer for the outbox's next deadline (an armed one for the same time stays).
fn arm(cell: &Shared) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    let next = b.outbox.poll_timeout().filter(|_| b.enabled);
    if next.is_some() && b.timer.as_ref().map(|t| t.0) == next {
        return;
    }
    b.timer = next.map(|at| {
        let again = cell.clone();
        (at, Timeout::new(delay_until(at), move || flush(&again)))
    });
}

/// Posts the batch that is due with `fetch` + `keepalive` and hands the answer over.
fn flush(cell: &Shared) {
    let Some(window) = web_sys::window() else { return };
    let (url, body) = {
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        b.timer = None;
        if !b.enabled {
            return;
        }
        b.collect();
        let key = b.key.clone();
        match b.outbox.take_batch(&key, now()) {
            Some(body) => (b.url.clone(), body),
            None => {
                drop(b);
                arm(cell);
                return;
            }
        }
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // `keepalive` lets the request outlive the page (web-sys lists it as unstable).
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    // A string body is sent as text/plain: a CORS-simple request, no preflight.
    init.set_body(&JsValue::from_str(&body));
    let cell = cell.clone();
    let answer = window.fetch_with_str_and_init(&url, &init);
    crate::agent::when_settled(&answer, Box::new(move |answer| answered(&cell, answer)));
}

/// Hands the collector's answer (a `Response`, or why there is none) to the outbox.
fn answered(cell: &Shared, answer: JsValue) {
    let response = answer.dyn_into::<web_sys::Response>().ok();
    let status = response.as_ref().map_or(0, web_sys::Response::status);
    let retry = response.as_ref().and_then(retry_after);
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if let Some(warning) = b.outbox.answered(status, retry, now(), js_sys::Math::random()) {
        warn(warning);
    }
    if b.enabled {
        b.save();
    }
    drop(b);
    arm(cell);
}

/// `Retry-After` in milliseconds: delay-seconds or an HTTP date (one in the past is 0).
fn retry_after(response: &web_sys::Response) -> Option<u64> {
    let value = response.headers().get("retry-after").ok().flatten()?;
    // u64 as everywhere in the agent: each integer type's parser is code of its own.
    let ms = match value.trim().parse::<u64>() {
        Ok(secs) => secs as f64 * 1000.0,
        Err(_) => js_sys::Date::parse(&value) - js_sys::Date::now(),
    };
    // The cast saturates.
    (!ms.is_nan()).then_some(ms as u64)
}

/// Sends what is queued with `sendBeacon`: the page is being hidden or, when `leaving`,
/// closed; then what could not be sent is stored as left, for the next page to send at
/// once (and so is anything queued later).
pub(crate) fn drain(cell: &Shared, window: &Window, leaving: bool) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    b.left |= leaving;
    if !b.enabled || (b.outbox.is_empty() && !leaving) {
        return;
    }
    let navigator = window.navigator();
    let b = &mut *b;
    b.outbox
        .drain(&b.key, now(), |body| navigator.send_beacon_with_opt_str(&b.url, Some(body)).unwrap_or(false));
    b.save();
}

/// The page came back from the back/forward cache (`pageshow`): its queue is its own again.
pub(crate) fn returned(cell: &Shared) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    b.left = false;
    if b.enabled {
        b.save();
    }
}

/// `consent(true)` takes over what earlier pages left and sends it; `consent(false)`
/// stops sending and deletes every page's stored queue.
pub(crate) fn consent(cell: &Shared, granted: bool) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if granted == b.enabled {
        return;
    }
    b.enabled = granted;
    if granted {
        b.collect();
    } else {
        b.outbox.clear();
        let stored = b.stored();
        if let Some(s) = &b.storage {
            for (key, _) in stored {
                let _ = s.remove_item(&key);
            }
        }
    }
    drop(b);
    arm(cell);
}
