//! Delivering events to the collector without losing them or sending them twice.
//!
//! - Every event goes to the durable queue ([`crate::queue`], IndexedDB) as it is produced
//!   and leaves it only once the collector acknowledged it (`2xx`). Without IndexedDB
//!   (private mode, blocked, broken) the queue lives in memory, after one console warning.
//! - One sender per origin and write key: the tab holding the Web Lock `waymark:KEY` sends
//!   the whole queue; the others only append and ping it on a `BroadcastChannel`. When the
//!   sender closes, the lock passes to another tab. Without Web Locks each tab sends only
//!   the events it wrote itself.
//! - Batches of at most 50 events or 16 KiB, sent once full or 5 s after the first event,
//!   as CORS-simple `text/plain` with `fetch` + `keepalive`. Failures are retried with
//!   exponential backoff and jitter (1 s to 60 s, `Retry-After` honoured), at most 10 times;
//!   then the events wait for the next page load. A `4xx` other than 408/429 drops the
//!   batch (it would never pass) and counts it as dropped.
//! - When the page is hidden or closed the sender drains what it holds with
//!   `navigator.sendBeacon` in batches of at most 32 KiB (the 64 KiB budget is the whole
//!   page's), halving a batch the browser refuses — unless the collector is failing: then
//!   the durable queue is the safer place and the next page load sends them.
//! - Events the caps pushed out are counted and reported as `"dropped": N` in the next
//!   envelope. Without consent nothing is stored or sent, and what was queued is cleared.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::Window;

use crate::queue::{MAX_QUEUED, MAX_QUEUED_BYTES, Store, Stored};

const MAX_EVENTS: usize = 50;
const MAX_BYTES: usize = 16 * 1024;
const FLUSH_AFTER_MS: u32 = 5_000;
const FIRST_BACKOFF_MS: u32 = 1_000;
const MAX_BACKOFF_MS: u32 = 60_000;
/// Attempts per batch before the events are left for the next page load.
const MAX_ATTEMPTS: u32 = 10;
/// The longest `Retry-After` obeyed (a longer one is read as this).
const MAX_RETRY_AFTER_MS: f64 = 3_600_000.0;
/// `sendBeacon`'s budget is shared by the whole page: stay at half of its 64 KiB.
const BEACON_BYTES: usize = 32 * 1024;

/// A queued event, as this tab knows it.
struct Item {
    /// Unique in this page.
    id: u32,
    /// Its key in IndexedDB once written there.
    key: Option<f64>,
    json: String,
    /// The load generation it was queued in (see [`merge`]).
    born: u32,
}

/// Where the queue lives.
enum Backend {
    /// Not opened: consent was never given.
    Closed,
    Opening,
    Idb(Rc<Store>),
    Memory,
}

/// This tab's part in sending.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Another tab holds the lock: append only.
    Waiting,
    /// Holds the lock: sends every tab's events.
    Sender,
    /// No Web Locks: sends the events it wrote.
    Own,
}

/// The outgoing queue of one write key.
pub(crate) struct Beacon {
    url: String,
    key: String,
    tab: String,
    enabled: bool,
    backend: Backend,
    role: Role,
    items: Vec<Item>,
    next_id: u32,
    generation: u32,
    /// Other tabs changed the durable queue since it was last read.
    dirty: bool,
    /// Events pushed out by the caps (or refused) and not reported yet.
    dropped: u32,
    flushing: bool,
    in_flight: Vec<u32>,
    /// Delivered by `sendBeacon` before IndexedDB gave them a key: removed once it does.
    settled: Vec<u32>,
    /// Keys of delivered events whose removal a read of the store may not show yet.
    gone: Vec<f64>,
    timer: Option<Timeout>,
    attempts: u32,
    /// Retries are exhausted: wait for the next page load.
    parked: bool,
    warned: bool,
    /// Resolving it gives the lock up.
    release: Option<js_sys::Function>,
    channel: Option<(web_sys::BroadcastChannel, Closure<dyn FnMut()>)>,
}

type Shared = Rc<RefCell<Beacon>>;

/// A queue posting to `url` with the site's write `key`; with `consent` it opens the
/// durable queue and asks for the sender's lock at once, so events left by an earlier page
/// go out.
pub(crate) fn start(url: String, key: String, consent: bool) -> Shared {
    let cell = Rc::new(RefCell::new(Beacon {
        url,
        key,
        tab: tab_id(),
        enabled: false,
        backend: Backend::Closed,
        role: Role::Waiting,
        items: Vec::new(),
        next_id: 0,
        generation: 0,
        dirty: true,
        dropped: 0,
        flushing: false,
        in_flight: Vec::new(),
        settled: Vec::new(),
        gone: Vec::new(),
        timer: None,
        attempts: 0,
        parked: false,
        warned: false,
        release: None,
        channel: None,
    }));
    if consent {
        self::consent(&cell, true);
    }
    cell
}

/// This tab's id, kept in `sessionStorage` so a reload still owns what it wrote.
fn tab_id() -> String {
    let store = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    if let Some(id) = store.as_ref().and_then(|s| s.get_item("waymark:tab").ok().flatten()) {
        return id;
    }
    let id = ((js_sys::Math::random() * 4_294_967_295.0) as u32).to_string();
    if let Some(s) = store {
        let _ = s.set_item("waymark:tab", &id);
    }
    id
}

fn warn(msg: &str) {
    web_sys::console::warn_1(&JsValue::from_str(msg));
}

/// The envelope: `{"key", "sent_at", "events", "dropped"}` (`dropped` only when not 0).
pub(crate) fn body<'a>(key: &str, events: impl Iterator<Item = &'a str>, dropped: u32) -> String {
    let mut s = String::from("{\"key\":");
    s += &js_sys::JSON::stringify(&JsValue::from_str(key)).map(String::from).unwrap_or_default();
    s += ",\"sent_at\":";
    s += &(js_sys::Date::now() as u64).to_string();
    s += ",\"events\":[";
    for (i, e) in events.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s += e;
    }
    s.push(']');
    if dropped > 0 {
        s += ",\"dropped\":";
        s += &dropped.to_string();
    }
    s.push('}');
    s
}

impl Beacon {
    fn sends(&self) -> bool {
        self.enabled
            && match self.backend {
                Backend::Idb(_) => self.role != Role::Waiting,
                Backend::Memory => true,
                Backend::Closed | Backend::Opening => false,
            }
    }

    fn store(&self) -> Option<Rc<Store>> {
        match &self.backend {
            Backend::Idb(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn bytes(&self) -> usize {
        self.items.iter().map(|i| i.json.len()).sum()
    }

    /// The next batch: the oldest events not in flight (in IndexedDB mode only those
    /// already written there, unless `urgent`).
    fn batch(&self, max_bytes: usize, urgent: bool) -> Vec<(u32, Option<f64>, String)> {
        let durable = matches!(self.backend, Backend::Idb(_));
        let mut batch = Vec::new();
        let mut bytes = 0;
        for i in &self.items {
            if self.in_flight.contains(&i.id) || (durable && !urgent && i.key.is_none()) {
                continue;
            }
            if batch.len() == MAX_EVENTS || (!batch.is_empty() && bytes + i.json.len() > max_bytes) {
                break;
            }
            bytes += i.json.len() + 1;
            batch.push((i.id, i.key, i.json.clone()));
        }
        batch
    }

    /// Falls back to the in-memory queue after IndexedDB failed.
    fn use_memory(&mut self) {
        if !self.warned {
            self.warned = true;
            warn("waymark: IndexedDB is unavailable; undelivered events are kept in memory only");
        }
        self.backend = Backend::Memory;
    }

    /// Forgets delivered (or refused) events here and in the durable queue.
    fn settle(&mut self, ids: &[u32], dropped: i64) {
        let keys: Vec<f64> =
            self.items.iter().filter(|i| ids.contains(&i.id)).filter_map(|i| i.key).collect();
        let unwritten = self.items.iter().filter(|i| ids.contains(&i.id) && i.key.is_none()).map(|i| i.id);
        let unwritten: Vec<u32> = unwritten.collect();
        self.items.retain(|i| !ids.contains(&i.id));
        self.dropped = (i64::from(self.dropped) + dropped).max(0) as u32;
        if let Some(store) = self.store() {
            self.settled.extend(unwritten);
            self.gone.extend(&keys);
            if let Ok(done) = store.remove(&keys, dropped) {
                spawn_local(async move {
                    let _ = done.await;
                });
            }
        }
    }
}

/// Queues one event (its JSON): written to IndexedDB at once, sent when a batch is full
/// or 5 s later.
pub(crate) fn push(cell: &Shared, json: String) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if !b.enabled {
        return;
    }
    let id = b.next_id;
    b.next_id += 1;
    let store = b.store();
    if let Some(store) = store {
        write(cell, &mut b, &store, id, &json);
    }
    let born = b.generation;
    b.items.push(Item { id, key: None, json, born });
    // Memory stays bounded too; IndexedDB's copy is trimmed (and counted) when read.
    let (mut bytes, mut over) = (b.bytes(), 0);
    while b.items.len() - over > MAX_QUEUED || bytes > MAX_QUEUED_BYTES {
        let Some(old) = b.items.get(over) else { break };
        bytes -= old.json.len();
        over += 1;
    }
    if over > 0 {
        b.items.drain(..over);
        match b.backend {
            Backend::Idb(_) => b.dirty = true,
            _ => b.dropped += over as u32,
        }
    }
    drop(b);
    trigger(cell);
}

/// Appends to IndexedDB; once committed, records the key (or removes the event again if
/// it was delivered meanwhile) and pings the sender.
fn write(cell: &Shared, b: &mut Beacon, store: &Rc<Store>, id: u32, json: &str) {
    let Ok(added) = store.append(json, &b.tab) else {
        b.use_memory();
        return;
    };
    let cell = cell.clone();
    let store = store.clone();
    spawn_local(async move {
        let added = added.await;
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        let Ok(key) = added else {
            b.use_memory();
            return;
        };
        if let Some(at) = b.settled.iter().position(|s| *s == id) {
            b.settled.swap_remove(at);
            b.gone.push(key);
            if let Ok(done) = store.remove(&[key], 0) {
                spawn_local(async move {
                    let _ = done.await;
                });
            }
        } else if let Some(item) = b.items.iter_mut().find(|i| i.id == id) {
            item.key = Some(key);
        }
        if b.role == Role::Waiting
            && let Some((channel, _)) = &b.channel
        {
            let _ = channel.post_message(&JsValue::NULL);
        }
    });
}

/// New events: send now if a batch is full, else in 5 s (unless a retry is pending).
fn trigger(cell: &Shared) {
    let Ok(b) = cell.try_borrow() else { return };
    if !b.sends() || b.attempts > 0 || b.parked {
        return;
    }
    let full = b.items.len() >= MAX_EVENTS || b.bytes() >= MAX_BYTES;
    drop(b);
    arm(cell, if full { 0 } else { FLUSH_AFTER_MS }, false);
}

/// Sends in `ms`; an armed timer is kept unless `replace`.
fn arm(cell: &Shared, ms: u32, replace: bool) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if b.timer.is_some() && !replace {
        return;
    }
    let again = cell.clone();
    b.timer = Some(Timeout::new(ms, move || {
        if let Ok(mut b) = again.try_borrow_mut() {
            b.timer = None;
        }
        spawn_local(flush(again));
    }));
}

/// Replaces what this tab holds with the durable queue read at generation `generation`,
/// keeping what was queued while it was read and the identity of what it already held.
fn merge(b: &mut Beacon, mut loaded: Vec<Stored>, generation: u32) {
    // Delivered while the store was read (the page was hidden): not again.
    b.gone.retain(|k| loaded.iter().any(|s| s.key == *k));
    loaded.retain(|s| !b.gone.contains(&s.key));
    let mut held: Vec<Option<Item>> = b.items.drain(..).map(Some).collect();
    let mut items = Vec::with_capacity(loaded.len());
    // Both are in key order: each search starts after the last match.
    let mut from = 0;
    for s in loaded {
        let at = (from..held.len())
            .chain(0..from)
            .find(|&j| held.get(j).is_some_and(|i| i.as_ref().is_some_and(|i| i.key == Some(s.key))));
        let item = match at.and_then(|j| held.get_mut(j)).and_then(Option::take) {
            Some(item) => item,
            None => {
                b.next_id += 1;
                Item { id: b.next_id - 1, key: Some(s.key), json: s.json, born: generation }
            }
        };
        from = at.map_or(from, |j| j + 1);
        items.push(item);
    }
    // What was queued while the store was read stays, in order; the rest left the store.
    items.extend(held.into_iter().flatten().filter(|i| i.born > generation));
    b.items = items;
}

/// Sends one batch with `fetch` + `keepalive` and handles the answer.
async fn flush(cell: Shared) {
    let Some(window) = web_sys::window() else { return };
    let (store, own) = {
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        if !b.sends() || b.flushing || b.parked {
            return;
        }
        b.flushing = true;
        b.timer = None;
        (b.store().filter(|_| b.dirty), (b.role == Role::Own).then(|| b.tab.clone()))
    };
    if let Some(store) = store {
        let generation = {
            let Ok(mut b) = cell.try_borrow_mut() else { return };
            b.dirty = false;
            b.generation += 1;
            b.generation - 1
        };
        let loaded = store.load(own.as_deref()).await;
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        match loaded {
            Ok((loaded, dropped)) => {
                merge(&mut b, loaded, generation);
                b.dropped = dropped;
            }
            Err(_) => b.use_memory(),
        }
    }
    let (url, body, ids, reported) = {
        let Ok(mut b) = cell.try_borrow_mut() else { return };
        let batch = b.batch(MAX_BYTES, false);
        if batch.is_empty() || !b.enabled {
            b.flushing = false;
            return;
        }
        let reported = b.dropped;
        let body = body(&b.key, batch.iter().map(|e| e.2.as_str()), reported);
        b.in_flight = batch.iter().map(|e| e.0).collect();
        (b.url.clone(), body, b.in_flight.clone(), reported)
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // `keepalive` lets the request outlive the page (web-sys lists it as unstable).
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    // A string body is sent as text/plain: a CORS-simple request, no preflight.
    init.set_body(&JsValue::from_str(&body));
    let answer = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await;
    let response = answer.ok().and_then(|r| r.dyn_into::<web_sys::Response>().ok());
    let status = response.as_ref().map_or(0, web_sys::Response::status);
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    b.in_flight.clear();
    b.flushing = false;
    let next = match status {
        200..=299 => {
            b.settle(&ids, -i64::from(reported));
            b.attempts = 0;
            Some(0)
        }
        400..=499 if status != 408 && status != 429 => {
            warn("waymark: the collector refused a batch of events; dropped");
            b.settle(&ids, ids.len() as i64);
            b.attempts = 0;
            Some(0)
        }
        _ => {
            b.attempts += 1;
            if b.attempts >= MAX_ATTEMPTS {
                b.parked = true;
                warn("waymark: the collector is unreachable; events wait for the next page load");
                None
            } else {
                let wait = response.filter(|_| status == 429 || status == 503).and_then(|r| retry_after(&r));
                Some(wait.unwrap_or_else(|| backoff(b.attempts)))
            }
        }
    };
    let ready = !b.batch(MAX_BYTES, false).is_empty();
    let waiting = !b.items.is_empty() || b.dirty;
    drop(b);
    match next {
        // A backlog (an earlier page's, or built up in an outage) goes out now.
        Some(0) if ready => arm(&cell, 0, true),
        Some(0) if waiting => arm(&cell, FLUSH_AFTER_MS, false),
        Some(0) | None => {}
        Some(ms) => arm(&cell, ms, true),
    }
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s ... 60 s, each spread over its upper
/// half so many tabs recovering from an outage do not retry in step.
fn backoff(attempt: u32) -> u32 {
    let full = FIRST_BACKOFF_MS.saturating_mul(1 << attempt.saturating_sub(1).min(6)).min(MAX_BACKOFF_MS);
    full / 2 + (js_sys::Math::random() * f64::from(full / 2)) as u32
}

/// `Retry-After` in milliseconds: delay-seconds or an HTTP date.
fn retry_after(response: &web_sys::Response) -> Option<u32> {
    let value = response.headers().get("retry-after").ok().flatten()?;
    let ms = match value.trim().parse::<u32>() {
        Ok(secs) => f64::from(secs) * 1000.0,
        Err(_) => js_sys::Date::parse(&value) - js_sys::Date::now(),
    };
    // Not `f64::clamp`: its assertion would pull float printing into the wasm. The cast
    // saturates (a date in the past is 0).
    (!ms.is_nan()).then(|| (ms as u32).min(MAX_RETRY_AFTER_MS as u32))
}

/// Drains the queue synchronously with `sendBeacon` (the page is being hidden or closed).
pub(crate) fn drain(cell: &Shared, window: &Window) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    let failing = b.attempts > 0 || b.parked;
    let drains = match b.backend {
        // The collector is failing: the durable queue is the safer place.
        Backend::Idb(_) => b.sends() && !failing,
        // Still opening: the events exist only here.
        Backend::Opening | Backend::Memory => b.enabled,
        Backend::Closed => false,
    };
    if !drains {
        return;
    }
    let navigator = window.navigator();
    let mut dropped = b.dropped;
    loop {
        let batch = b.batch(BEACON_BYTES, true);
        if batch.is_empty() {
            break;
        }
        let mut sent = Vec::new();
        let mut reported = 0;
        let whole = send_beacon(&b, &navigator, &batch, dropped, &mut sent, &mut reported);
        dropped -= reported;
        b.settle(&sent, -i64::from(reported));
        if !whole {
            break;
        }
    }
}

/// Hands `batch` to `sendBeacon`, halving it while the browser refuses; collects the ids
/// that went out and how many dropped events were reported. False once one event alone
/// is refused (the page's budget is spent).
fn send_beacon(
    b: &Beacon,
    navigator: &web_sys::Navigator,
    batch: &[(u32, Option<f64>, String)],
    dropped: u32,
    sent: &mut Vec<u32>,
    reported: &mut u32,
) -> bool {
    let body = body(&b.key, batch.iter().map(|e| e.2.as_str()), dropped);
    if navigator.send_beacon_with_opt_str(&b.url, Some(&body)).unwrap_or(false) {
        sent.extend(batch.iter().map(|e| e.0));
        *reported += dropped;
        return true;
    }
    let Some((first, second)) = batch.split_at_checked(batch.len() / 2).filter(|(f, _)| !f.is_empty()) else {
        return false;
    };
    send_beacon(b, navigator, first, dropped, sent, reported)
        && send_beacon(b, navigator, second, 0, sent, reported)
}

/// `consent(true)` opens the durable queue and asks for the sender's lock; `consent(false)`
/// stops sending, empties the queue here and in IndexedDB, and lets another tab send.
pub(crate) fn consent(cell: &Shared, granted: bool) {
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    if granted == b.enabled {
        return;
    }
    b.enabled = granted;
    if granted {
        let closed = matches!(b.backend, Backend::Closed);
        if closed {
            b.backend = Backend::Opening;
        }
        drop(b);
        if closed {
            spawn_local(open(cell.clone()));
        }
        // Asked while IndexedDB opens, so the role is known before the first event.
        lock(cell);
        return;
    }
    b.items.clear();
    b.settled.clear();
    b.gone.clear();
    b.timer = None;
    b.dropped = 0;
    b.attempts = 0;
    b.parked = false;
    b.role = Role::Waiting;
    if let Some(release) = b.release.take() {
        let _ = release.call0(&JsValue::NULL);
    }
    if let Some(store) = b.store()
        && let Ok(done) = store.clear()
    {
        spawn_local(async move {
            let _ = done.await;
        });
    }
    if let Some((channel, _)) = &b.channel {
        let _ = channel.post_message(&JsValue::NULL);
    }
}

/// Opens IndexedDB and writes what was queued meanwhile.
async fn open(cell: Shared) {
    let key = match cell.try_borrow() {
        Ok(b) => b.key.clone(),
        Err(_) => return,
    };
    let opened = Store::open(&key).await;
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    let store = match opened {
        Ok(store) => Rc::new(store),
        Err(_) => {
            b.use_memory();
            drop(b);
            trigger(&cell);
            return;
        }
    };
    b.backend = Backend::Idb(store.clone());
    if !b.enabled {
        // Consent was withdrawn while opening: what earlier pages queued goes too.
        if let Ok(done) = store.clear() {
            spawn_local(async move {
                let _ = done.await;
            });
        }
        return;
    }
    let early: Vec<(u32, String)> =
        b.items.iter().filter(|i| i.key.is_none()).map(|i| (i.id, i.json.clone())).collect();
    for (id, json) in early {
        write(&cell, &mut b, &store, id, &json);
    }
    drop(b);
    // What earlier pages left goes out now if this tab sends.
    arm(&cell, 0, false);
}

/// Asks for the lock `waymark:KEY`; the grant makes this tab the sender until it closes
/// or withdraws consent. Without Web Locks this tab sends its own events.
fn lock(cell: &Shared) {
    let Some(window) = web_sys::window() else { return };
    let Ok(mut b) = cell.try_borrow_mut() else { return };
    let locks = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("locks")).unwrap_or_default();
    let request = js_sys::Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request else {
        b.role = Role::Own;
        b.dirty = true;
        drop(b);
        arm(cell, 0, false);
        return;
    };
    let name = JsValue::from_str(&format!("waymark:{}", b.key));
    if b.channel.is_none()
        && let Ok(channel) = web_sys::BroadcastChannel::new(&format!("waymark:{}", b.key))
    {
        let pinged = cell.clone();
        let on_message = Closure::<dyn FnMut()>::new(move || {
            if let Ok(mut b) = pinged.try_borrow_mut() {
                b.dirty = true;
            }
            trigger(&pinged);
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        b.channel = Some((channel, on_message));
    }
    drop(b);
    let granted = cell.clone();
    let on_grant = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let Ok(mut b) = granted.try_borrow_mut() else { return JsValue::UNDEFINED };
        if !b.enabled {
            return JsValue::UNDEFINED;
        }
        let mut release = None;
        let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
        b.release = release;
        b.role = Role::Sender;
        b.dirty = true;
        drop(b);
        arm(&granted, 0, false);
        held.into()
    });
    match request.call2(&locks, &name, &on_grant) {
        Ok(asked) => {
            let refused = cell.clone();
            spawn_local(async move {
                let asked = js_sys::Promise::resolve(&asked);
                if wasm_bindgen_futures::JsFuture::from(asked).await.is_err()
                    && let Ok(mut b) = refused.try_borrow_mut()
                    && b.role == Role::Waiting
                    && b.enabled
                {
                    b.role = Role::Own;
                    b.dirty = true;
                    drop(b);
                    arm(&refused, 0, false);
                }
            });
        }
        Err(_) => {
            if let Ok(mut b) = cell.try_borrow_mut() {
                b.role = Role::Own;
            }
            arm(cell, 0, false);
        }
    }
}
