//! The outgoing event queue of one page, as a sans-IO state machine: the agent
//! stores what [`Outbox::to_storage`] gives after every change, posts what
//! [`Outbox::take_batch`] gives, reports how it went with [`Outbox::answered`], and arms
//! one timer for [`Outbox::poll_timeout`].
//!
//! - **Nothing lost.** An event stays queued (and stored) until the collector acknowledged
//!   it (`2xx`). A `4xx` other than 408/429 would never pass: the batch is dropped and
//!   counted. Anything else is retried with exponential backoff and jitter (1 s to 60 s,
//!   `Retry-After` honoured for 429/503), at most 10 times; then the events wait for the
//!   next page load.
//! - **Batches** hold at most 50 events or 16 KiB and go once full or 5 s after the first
//!   event; a backlog goes out batch after batch.
//! - **Bounded.** At most 1,000 events or 256 KiB are kept (the host owns the storage
//!   quota); the oldest go first, are counted, and the count is reported as `"dropped": N`
//!   in the next envelope.
//! - **Pages.** Each page stores its own queue. A page that leaves stores it as touched at
//!   time 0; one touched at 0, or not for [`ORPHAN_AFTER_MS`] (the page crashed, or gave
//!   up), is adopted by the next page that looks. Two pages adopting one queue at once
//!   post its events twice; the collector counts an event id once.
//! - **Leaving.** When the page is hidden, [`Outbox::drain`] hands what is queued to
//!   `sendBeacon`-like sending in pieces of at most 32 KiB, unless the collector is failing:
//!   then the stored queue is the safer place.

use crate::event_json::Obj;

/// At most this many events are kept; the oldest go first.
pub const MAX_QUEUED: usize = 1_000;
/// At most this many bytes of event JSON are kept; the oldest go first.
pub const MAX_QUEUED_BYTES: usize = 256 * 1024;
/// Events per batch.
pub const MAX_EVENTS: usize = 50;
/// Bytes of event JSON per batch.
pub const MAX_BATCH_BYTES: usize = 16 * 1024;
/// `sendBeacon`'s budget is shared by the whole page: stay at half of its 64 KiB.
pub const BEACON_BYTES: usize = 32 * 1024;
/// A batch that is not full goes this long after its first event.
pub const FLUSH_AFTER_MS: u64 = 5_000;
/// A stored queue untouched for this long belongs to no running page.
pub const ORPHAN_AFTER_MS: u64 = 120_000;
const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 60_000;
/// Attempts per batch before the events are left for the next page load.
const MAX_ATTEMPTS: u32 = 10;
/// The longest `Retry-After` obeyed (a longer one is read as this).
const MAX_RETRY_AFTER_MS: u64 = 3_600_000;
/// The first word of a stored queue; the second is its format version.
const STORED: &str = "waymark-queue 1";

/// The outgoing queue of one page. See the module documentation.
#[derive(Debug, Default)]
pub struct Outbox {
    /// The events' JSON, oldest first. The batch in flight is always the first
    /// `in_flight`: batches are taken from the front, the caps spare them, and a page
    /// leaving sends what follows them.
    items: Vec<String>,
    /// Events pushed out by the caps (or refused) and not reported yet.
    dropped: u32,
    /// How many events, from the front, the batch being posted holds.
    in_flight: usize,
    /// The dropped count that batch reports.
    reported: u32,
    /// Failed attempts of the current batch.
    attempts: u32,
    /// Retries are exhausted: wait for the next page load.
    parked: bool,
    due: Option<u64>,
}

/// A stored queue, read.
struct Stored<'a> {
    dropped: u32,
    touched: u64,
    events: std::str::Lines<'a>,
}

fn read(text: &str) -> Option<Stored<'_>> {
    let mut lines = text.lines();
    // The space matters: `waymark-queue 10 ...` is another version, not version 1.
    let mut words = lines.next()?.strip_prefix(STORED)?.strip_prefix(' ')?.split(' ');
    // Read as u64 like `touched`: each integer type's parser is code of its own in the wasm.
    let dropped = u32::try_from(words.next()?.parse::<u64>().ok()?).ok()?;
    let touched = words.next()?.parse().ok()?;
    Some(Stored { dropped, touched, events: lines })
}

impl Outbox {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn bytes(&self) -> usize {
        self.items.iter().map(String::len).sum()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Queues one event (its JSON, one line): sent when a batch is full or 5 s later.
    pub fn push(&mut self, json: String, now: u64) {
        self.items.push(json);
        self.trim();
        self.schedule(now);
    }

    /// Applies the caps, oldest first, never to the batch being posted.
    fn trim(&mut self) {
        let (mut count, mut bytes) = (self.items.len(), self.bytes());
        let first = self.in_flight;
        let mut over = 0;
        for item in self.items.iter().skip(first) {
            if count <= MAX_QUEUED && bytes <= MAX_QUEUED_BYTES {
                break;
            }
            count -= 1;
            bytes -= item.len();
            over += 1;
        }
        if over > 0 {
            self.items.drain(first..first + over);
            self.dropped = self.dropped.saturating_add(over as u32);
        }
    }

    /// New events: due now if a batch is full, else in 5 s (an earlier time is kept, and
    /// a pending retry decides alone).
    fn schedule(&mut self, now: u64) {
        if self.parked || self.attempts > 0 {
            return;
        }
        let full = self.items.len() >= MAX_EVENTS || self.bytes() >= MAX_BATCH_BYTES;
        self.wake_at(if full { now } else { now + FLUSH_AFTER_MS });
    }

    /// Asks for a timer at `at` at the latest (e.g. when a stored queue becomes an orphan).
    pub fn wake_at(&mut self, at: u64) {
        self.due = Some(self.due.map_or(at, |d| d.min(at)));
    }

    /// When to call [`Outbox::take_batch`] next (`None`: nothing to do until an event).
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.parked || self.in_flight > 0 { None } else { self.due }
    }

    /// Whether `text` is a stored queue (a value under the queue's storage key may be
    /// anything: the host's, or another release's).
    pub fn is_stored(text: &str) -> bool {
        read(text).is_some()
    }

    /// Whether a stored queue (another page's) was left: marked so, or untouched for
    /// [`ORPHAN_AFTER_MS`]. `Some(at)` when it is still live: look again at `at`.
    pub fn orphaned(text: &str, now: u64) -> Result<(), Option<u64>> {
        let Some(stored) = read(text) else { return Err(None) };
        let at = stored.touched.saturating_add(ORPHAN_AFTER_MS);
        if stored.touched == 0 || at <= now { Ok(()) } else { Err(Some(at)) }
    }

    /// Takes over a stored queue (one an earlier page left) and its dropped count. False
    /// when `text` is no stored queue (nothing is taken).
    pub fn adopt(&mut self, text: &str, now: u64) -> bool {
        let Some(stored) = read(text) else { return false };
        self.dropped = self.dropped.saturating_add(stored.dropped);
        for event in stored.events.filter(|e| !e.is_empty()) {
            self.items.push(event.to_string());
        }
        self.trim();
        if !self.items.is_empty() {
            // What an earlier page left goes out now.
            self.attempts = 0;
            self.parked = false;
            self.wake_at(now);
        }
        true
    }

    /// The queue as stored: a header (format, dropped count, the time it was `touched`:
    /// 0 for a page that left) and one event per line. `None` when there is nothing to
    /// keep.
    pub fn to_storage(&self, touched: u64) -> Option<String> {
        if self.items.is_empty() && self.dropped == 0 {
            return None;
        }
        let mut s = String::with_capacity(self.bytes() + self.items.len() + 40);
        s.push_str(STORED);
        for n in [u64::from(self.dropped), touched] {
            s.push(' ');
            s.push_str(&n.to_string());
        }
        for item in &self.items {
            s.push('\n');
            s.push_str(item);
        }
        Some(s)
    }

    /// Where the next batch is: the oldest events not in flight, at most 50 and
    /// `max_bytes` (one at least).
    fn batch(&self, max_bytes: usize) -> std::ops::Range<usize> {
        let mut n = 0;
        let mut bytes = 0;
        for json in self.items.iter().skip(self.in_flight) {
            if n == MAX_EVENTS || (n > 0 && bytes + json.len() > max_bytes) {
                break;
            }
            bytes += json.len() + 1;
            n += 1;
        }
        self.in_flight..self.in_flight + n
    }

    /// The envelope `{"key", "sent_at", "events", "dropped"}` of `events` (`dropped` only
    /// when not 0).
    fn envelope(key: &str, now: u64, events: &[String], dropped: u32) -> String {
        let mut o = Obj(String::with_capacity(MAX_BATCH_BYTES / 4));
        o.0.push('{');
        o.str("key", key);
        o.uint("sent_at", now);
        o.key("events");
        o.0.push('[');
        for (n, json) in events.iter().enumerate() {
            if n > 0 {
                o.0.push(',');
            }
            o.0.push_str(json);
        }
        o.0.push(']');
        if dropped > 0 {
            o.uint("dropped", u64::from(dropped));
        }
        o.0.push('}');
        o.0
    }

    /// The next batch to post for write `key`, once it is due and none is in flight.
    pub fn take_batch(&mut self, key: &str, now: u64) -> Option<String> {
        if self.poll_timeout().is_none_or(|due| due > now) {
            return None;
        }
        self.due = None;
        let at = self.batch(MAX_BATCH_BYTES);
        let body =
            Self::envelope(key, now, self.items.get(at.clone()).filter(|b| !b.is_empty())?, self.dropped);
        self.reported = self.dropped;
        self.in_flight = at.end;
        Some(body)
    }

    /// Forgets the events `at` (delivered or refused) and adds `dropped` to the count.
    fn settle(&mut self, at: std::ops::Range<usize>, dropped: i64) {
        if at.end <= self.items.len() {
            self.items.drain(at);
        }
        self.dropped = (i64::from(self.dropped) + dropped).max(0).min(i64::from(u32::MAX)) as u32;
    }

    /// How the batch from [`Outbox::take_batch`] went: the HTTP `status` (0 when the
    /// request failed) and, for 429 and 503, the `Retry-After` delay. `random` in
    /// `[0, 1)` spreads retries. Gives a warning for the console, if any.
    pub fn answered(
        &mut self,
        status: u16,
        retry_after_ms: Option<u64>,
        now: u64,
        random: f64,
    ) -> Option<&'static str> {
        let n = std::mem::take(&mut self.in_flight);
        let reported = i64::from(std::mem::take(&mut self.reported));
        let warning = match status {
            200..=299 => {
                self.settle(0..n, -reported);
                None
            }
            400..=499 if status != 408 && status != 429 => {
                self.settle(0..n, n as i64);
                Some("waymark: the collector refused a batch of events; dropped")
            }
            _ => {
                self.attempts += 1;
                if self.attempts >= MAX_ATTEMPTS {
                    self.parked = true;
                    return Some("waymark: the collector is unreachable; events wait for the next page load");
                }
                let wait = retry_after_ms
                    .filter(|_| status == 429 || status == 503)
                    .map(|ms| ms.min(MAX_RETRY_AFTER_MS))
                    .unwrap_or_else(|| backoff(self.attempts, random));
                self.due = Some(now + wait);
                return None;
            }
        };
        self.attempts = 0;
        // A backlog (an earlier page's, or built up in an outage) goes out now.
        if !self.items.is_empty() {
            self.due = Some(now);
        }
        warning
    }

    /// The page is being hidden or closed: hands every queued event not in flight to
    /// `send` (`sendBeacon`) in envelopes of at most [`BEACON_BYTES`], halving one it
    /// refuses, and forgets what it took. Nothing is sent while the collector is failing.
    pub fn drain(&mut self, key: &str, now: u64, mut send: impl FnMut(&str) -> bool) {
        if self.attempts > 0 || self.parked {
            return;
        }
        loop {
            let at = self.batch(BEACON_BYTES);
            if at.is_empty() {
                return;
            }
            let (mut sent, mut reported) = (0, 0);
            let whole = self.beacon(key, now, at.clone(), &mut send, &mut sent, &mut reported);
            self.settle(at.start..at.start + sent, -i64::from(reported));
            if !whole {
                return;
            }
        }
    }

    /// Sends the events `at`, halving while refused; counts how many went (always the
    /// first ones: a half goes only after the half before it) and the dropped count they
    /// reported. False once one event alone is refused (the page's budget is spent).
    fn beacon(
        &self,
        key: &str,
        now: u64,
        at: std::ops::Range<usize>,
        send: &mut impl FnMut(&str) -> bool,
        sent: &mut usize,
        reported: &mut u32,
    ) -> bool {
        let Some(events) = self.items.get(at.clone()) else { return false };
        let dropped = self.dropped.saturating_sub(*reported);
        if send(&Self::envelope(key, now, events, dropped)) {
            *sent += events.len();
            *reported += dropped;
            return true;
        }
        let mid = at.start + events.len() / 2;
        mid > at.start
            && self.beacon(key, now, at.start..mid, send, sent, reported)
            && self.beacon(key, now, mid..at.end, send, sent, reported)
    }

    /// Forgets everything (consent was withdrawn).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s ... 60 s, each spread over its upper
/// half so many tabs recovering from an outage do not retry in step.
fn backoff(attempt: u32, random: f64) -> u64 {
    let full = (FIRST_BACKOFF_MS << attempt.saturating_sub(1).min(6)).min(MAX_BACKOFF_MS);
    let half = full / 2;
    // The cast saturates: a `random` out of range stays within the upper half.
    half + ((random * half as f64) as u64).min(half)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use super::*;

    fn event(n: usize, pad: usize) -> String {
        format!(r#"{{"id":"e{n}","pad":"{}"}}"#, "x".repeat(pad))
    }

    /// The event ids of an envelope, and its dropped count.
    fn posted(body: &str) -> (Vec<String>, u64) {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["key"], "k\"1");
        let ids = v["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string());
        (ids.collect(), v.get("dropped").map_or(0, |d| d.as_u64().unwrap()))
    }

    fn names(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|n| format!("e{n}")).collect()
    }

    fn queued(o: &Outbox) -> Vec<String> {
        o.items
            .iter()
            .map(|json| serde_json::from_str::<serde_json::Value>(json).unwrap()["id"].to_string())
            .collect()
    }

    #[test]
    fn a_batch_goes_five_seconds_after_its_first_event_or_once_full() {
        let mut o = Outbox::new();
        o.push(event(0, 0), 1_000);
        o.push(event(1, 0), 3_000);
        assert_eq!(o.poll_timeout(), Some(6_000), "5 s after the first event");
        assert_eq!(o.take_batch("k\"1", 5_999), None);
        let body = o.take_batch("k\"1", 6_000).unwrap();
        assert_eq!(posted(&body), (names(0..2), 0));
        assert_eq!(o.poll_timeout(), None, "nothing else while the batch is in flight");
        assert_eq!(o.answered(200, None, 6_100, 0.5), None);
        assert!(o.is_empty());
        assert_eq!(o.to_storage(6_100), None, "nothing left to store");

        for n in 0..MAX_EVENTS {
            o.push(event(n, 0), 10_000);
        }
        assert_eq!(o.poll_timeout(), Some(10_000), "a full batch goes at once");
    }

    #[test]
    fn a_backlog_goes_out_batch_after_batch() {
        let mut o = Outbox::new();
        for n in 0..120 {
            o.push(event(n, 0), 0);
        }
        let mut sent = Vec::new();
        let mut now = 0;
        while let Some(at) = o.poll_timeout() {
            now = now.max(at);
            let body = o.take_batch("k\"1", now).unwrap();
            let (ids, _) = posted(&body);
            assert!(ids.len() <= MAX_EVENTS);
            sent.extend(ids);
            o.answered(204, None, now, 0.5);
        }
        assert_eq!(sent, names(0..120), "in order, each once");
        assert_eq!(now, 0, "no wait between the batches of a backlog");
    }

    #[test]
    fn failures_back_off_with_jitter_and_honour_retry_after_then_park() {
        let mut o = Outbox::new();
        o.push(event(0, 0), 0);
        let mut now = 5_000;
        let mut waits = Vec::new();
        for attempt in 1..MAX_ATTEMPTS {
            assert!(o.take_batch("k\"1", now).is_some(), "attempt {attempt}");
            o.push(event(attempt as usize, 0), now);
            assert_eq!(o.answered(0, None, now, 0.0), None);
            let at = o.poll_timeout().unwrap();
            waits.push(at - now);
            now = at;
        }
        // The lower half of 1, 2, 4 ... 60 s (random 0), and new events did not hurry it.
        assert_eq!(waits[..7], [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
        assert_eq!(waits[7], 30_000);
        assert!(o.take_batch("k\"1", now).is_some());
        let parked = o.answered(503, None, now, 0.5);
        assert!(parked.unwrap().contains("next page load"));
        assert_eq!(o.poll_timeout(), None, "given up until the next page load");
        let stored = o.to_storage(now).unwrap();
        let mut next = Outbox::new();
        assert!(next.adopt(&stored, now));
        assert_eq!(queued(&next).len(), MAX_ATTEMPTS as usize, "the next page has every event");
        assert_eq!(next.poll_timeout(), Some(now), "and sends them at once");

        let mut o = Outbox::new();
        o.push(event(0, 0), 0);
        o.take_batch("k\"1", 5_000).unwrap();
        o.answered(429, Some(7_000), 5_000, 0.9);
        assert_eq!(o.poll_timeout(), Some(12_000), "Retry-After is obeyed");
        o.take_batch("k\"1", 12_000).unwrap();
        o.answered(500, Some(7_000), 12_000, 1.0);
        assert_eq!(o.poll_timeout(), Some(14_000), "only on 429 and 503: full backoff of attempt 2");
        o.take_batch("k\"1", 14_000).unwrap();
        o.answered(503, Some(u64::MAX), 14_000, 0.0);
        assert_eq!(o.poll_timeout(), Some(14_000 + MAX_RETRY_AFTER_MS), "a huge Retry-After is capped");
    }

    #[test]
    fn a_refused_batch_is_dropped_and_counted_while_408_and_429_are_retried() {
        let mut o = Outbox::new();
        o.push(event(0, 0), 0);
        o.push(event(1, 0), 0);
        o.take_batch("k\"1", 5_000).unwrap();
        o.push(event(2, 0), 5_001);
        let warning = o.answered(400, None, 5_010, 0.5).unwrap();
        assert!(warning.contains("refused"), "{warning}");
        assert_eq!(queued(&o), ["\"e2\""]);
        assert_eq!(o.poll_timeout(), Some(5_010), "the rest goes at once");
        let (ids, dropped) = posted(&o.take_batch("k\"1", 5_010).unwrap());
        assert_eq!((ids, dropped), (names(2..3), 2), "the refused events are reported as dropped");
        o.answered(200, None, 5_020, 0.5);
        assert_eq!(o.to_storage(5_020), None, "reported: the count is back to 0");

        for status in [408, 429] {
            o.push(event(3, 0), 0);
            o.take_batch("k\"1", 5_000).unwrap();
            assert_eq!(o.answered(status, None, 5_000, 0.5), None);
            assert_eq!(queued(&o), ["\"e3\""], "{status} is retried");
            o.clear();
        }
    }

    #[test]
    fn the_caps_drop_the_oldest_count_them_and_spare_the_batch_in_flight() {
        let mut o = Outbox::new();
        for n in 0..MAX_EVENTS {
            o.push(event(n, 0), 0);
        }
        o.take_batch("k\"1", 0).unwrap();
        for n in MAX_EVENTS..MAX_QUEUED + 5 {
            o.push(event(n, 0), 0);
        }
        let q = queued(&o);
        assert_eq!(q.len(), MAX_QUEUED);
        assert_eq!(q[MAX_EVENTS - 1], "\"e49\"", "the batch in flight stays");
        assert_eq!(q[MAX_EVENTS], "\"e55\"", "the five oldest after it went");
        assert_eq!(o.dropped, 5);
        o.answered(200, None, 1, 0.5);
        assert_eq!(o.dropped, 5, "that batch reported none of them");
        let (_, dropped) = posted(&o.take_batch("k\"1", 1).unwrap());
        assert_eq!(dropped, 5);
        o.answered(200, None, 2, 0.5);
        assert_eq!(o.dropped, 0);

        let mut o = Outbox::new();
        let pad = 20 * 1024;
        for n in 0..100 {
            o.push(event(n, pad), 0);
        }
        let bytes = o.bytes();
        assert!(bytes <= MAX_QUEUED_BYTES && bytes + event(0, pad).len() > MAX_QUEUED_BYTES, "{bytes}");
        assert_eq!(queued(&o).last().unwrap(), "\"e99\"", "the newest stay");
        assert_eq!(o.dropped as usize, 100 - o.items.len());
    }

    #[test]
    fn a_stored_queue_is_taken_over_whole_and_orphans_are_told_apart() {
        let mut o = Outbox::new();
        for n in 0..3 {
            o.push(event(n, 0), 0);
        }
        o.dropped = 4;
        let stored = o.to_storage(50_000).unwrap();
        assert!(stored.starts_with("waymark-queue 1 4 50000\n"), "{stored}");
        assert_eq!(
            Outbox::orphaned(&stored, 50_000 + ORPHAN_AFTER_MS - 1),
            Err(Some(50_000 + ORPHAN_AFTER_MS))
        );
        assert_eq!(Outbox::orphaned(&stored, 50_000 + ORPHAN_AFTER_MS), Ok(()));
        assert_eq!(Outbox::orphaned("something of the host's", 0), Err(None));
        assert!(Outbox::is_stored(&stored) && !Outbox::is_stored("something of the host's"));
        let left = o.to_storage(0).unwrap();
        assert_eq!(Outbox::orphaned(&left, 50_000), Ok(()), "a page that left hands its queue over at once");

        let mut next = Outbox::new();
        next.push(event(9, 0), 60_000);
        assert!(next.adopt(&stored, 60_000));
        assert_eq!(queued(&next), ["\"e9\"", "\"e0\"", "\"e1\"", "\"e2\""]);
        assert_eq!(next.poll_timeout(), Some(60_000));
        let (ids, dropped) = posted(&next.take_batch("k\"1", 60_000).unwrap());
        assert_eq!((ids.len(), dropped), (4, 4));

        for bad in [
            "",
            "waymark-queue 2 0 0\n{}",
            "waymark-queue 10 0 0\n{}",
            "waymark-queue 1 x 0",
            "waymark-queue 1 0",
        ] {
            assert!(!Outbox::new().adopt(bad, 0), "{bad:?} is not taken");
        }
    }

    #[test]
    fn leaving_beacons_everything_in_pieces_halving_what_is_refused() {
        let mut o = Outbox::new();
        for n in 0..120 {
            o.push(event(n, 400), 0);
        }
        o.dropped = 3;
        let mut bodies = Vec::new();
        // The browser refuses anything over 20 KiB.
        o.drain("k\"1", 1, |body| {
            let ok = body.len() <= 20 * 1024;
            if ok {
                bodies.push(posted(body));
            }
            ok
        });
        let ids: Vec<String> = bodies.iter().flat_map(|b| b.0.clone()).collect();
        assert_eq!(ids, names(0..120), "every event once, in order");
        assert_eq!(bodies.iter().map(|b| b.1).sum::<u64>(), 3, "the dropped count reported once");
        assert!(o.is_empty());
        assert_eq!(o.to_storage(2), None);

        let mut o = Outbox::new();
        o.push(event(0, 0), 0);
        o.push(event(1, 0), 0);
        o.drain("k\"1", 1, |_| false);
        assert_eq!(queued(&o).len(), 2, "a spent budget keeps everything");

        o.take_batch("k\"1", 5_000).unwrap();
        o.answered(0, None, 5_000, 0.5);
        o.drain("k\"1", 5_001, |_| panic!("nothing is beaconed while the collector fails"));
        assert_eq!(queued(&o).len(), 2);
    }

    #[test]
    fn leaving_during_a_post_beacons_only_what_follows_the_batch_in_flight() {
        let mut o = Outbox::new();
        for n in 0..62 {
            o.push(event(n, 0), 0);
        }
        assert_eq!(posted(&o.take_batch("k\"1", 0).unwrap()).0, names(0..50));
        // The page's budget takes pieces of at most 4 events, 7 events in all.
        let (mut beaconed, mut budget) = (Vec::new(), 7);
        o.drain("k\"1", 1, |body| {
            let (ids, _) = posted(body);
            let ok = ids.len() <= 4 && ids.len() <= budget;
            if ok {
                budget -= ids.len();
                beaconed.extend(ids);
            }
            ok
        });
        assert_eq!(beaconed, names(50..57), "the first events after the batch in flight, in order");
        let kept =
            |o: &Outbox| queued(o).iter().map(|id| id.trim_matches('"').to_string()).collect::<Vec<_>>();
        assert_eq!(kept(&o), [names(0..50), names(57..62)].concat());
        // The post succeeds: exactly the batch it carried is forgotten.
        assert_eq!(o.answered(200, None, 2, 0.5), None);
        assert_eq!(kept(&o), names(57..62));
        assert_eq!(posted(&o.take_batch("k\"1", 2).unwrap()).0, names(57..62));
    }
}
