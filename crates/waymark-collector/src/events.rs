//! `POST /v1/events`: beacon batches from the agent, checked, then stored durably.
//!
//! A batch is `{"key": "...", "sent_at": <ms>, "events": [...], "dropped": <n>?}`, sent as
//! `text/plain` so the browser needs no CORS preflight (any content type is accepted). The
//! answer is, in order of the checks:
//!
//! - `413` past [`MAX_BATCH_BYTES`];
//! - `400` when the body or any event does not match the schema, with a line per problem
//!   (`events[3]: missing field `id``), so the agent's bug shows instead of half a batch;
//! - `401` for an unknown write key, `403` for a page origin the key's tenant does not allow
//!   or an event whose account is not one of the tenant's;
//! - `503` (with `Retry-After`) when the store cannot commit;
//! - `200` `{"accepted": n, "duplicates": d}` once every event is durably committed.
//!   Events are deduplicated on their id (agents retry).
//!
//! Each event's time is corrected for the client's clock: it is stored at
//! `received_at + (ts - sent_at)`, its offset from the batch's `sent_at` applied to the
//! collector's clock (the client's own `ts` is kept beside it).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use waymark_core::{Event, Millis};

use crate::AppState;
use crate::cors;
use crate::http::{now_ms, text, to_json};
use crate::store::Row;

/// The largest batch accepted, in bytes; larger ones get `413`.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// How many problems a `400` lists before it stops.
const MAX_REPORTED: usize = 20;

/// The envelope of a beacon.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Batch {
    /// The site's write key.
    pub(crate) key: String,
    /// When the agent sent it (its clock).
    pub(crate) sent_at: Millis,
    /// The events, checked one by one.
    events: Vec<serde_json::Value>,
    /// Events the agent dropped from its full queue since its last batch.
    #[serde(default)]
    pub(crate) dropped: u32,
}

/// The handler.
pub(crate) async fn post_events(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let received_at = now_ms();
    let (batch, events) = match parse_batch(&body) {
        Ok(parsed) => parsed,
        Err(problems) => return text(StatusCode::BAD_REQUEST, problems.join("\n") + "\n"),
    };
    let (tenant, origin) = match cors::writer(&s.tenants, &batch.key, &headers) {
        Ok(allowed) => allowed,
        Err(r) => return *r,
    };
    let foreign: Vec<String> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let account = e.account.as_deref()?;
            (!tenant.owns_account(account))
                .then(|| format!("events[{i}].account: \"{account}\" is not an account of this key's tenant"))
        })
        .take(MAX_REPORTED)
        .collect();
    if !foreign.is_empty() {
        return cors::allow(text(StatusCode::FORBIDDEN, foreign.join("\n") + "\n"), origin.as_ref());
    }
    let tenant_id: Arc<str> = Arc::from(tenant.id.as_str());
    let rows: Vec<Row> = events
        .into_iter()
        .map(|mut event| {
            let client_ts = event.ts;
            event.ts = corrected(client_ts, batch.sent_at, received_at);
            Row { tenant: tenant_id.clone(), event, client_ts, received_at }
        })
        .collect();
    let dropped = (batch.dropped > 0).then(|| (tenant_id.clone(), received_at, batch.dropped));
    let times: Vec<Millis> = rows.iter().map(|r: &Row| r.event.ts).collect();
    let r = match s.store.write(rows, dropped).await {
        Ok(w) => {
            // Committed: the days these events fall on must be read again.
            s.days.invalidate(&tenant.id, times);
            to_json(&serde_json::json!({ "accepted": w.new, "duplicates": w.duplicates }))
        }
        Err(e) => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, e + "\n");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    };
    cors::allow(r, origin.as_ref())
}

/// The event's time on the collector's clock: its offset from `sent_at` (never after it)
/// applied to `received_at`.
fn corrected(ts: Millis, sent_at: Millis, received_at: Millis) -> Millis {
    received_at.saturating_sub(sent_at.saturating_sub(ts))
}

/// The batch and its events, or every problem found (at most [`MAX_REPORTED`]).
pub(crate) fn parse_batch(body: &[u8]) -> Result<(Batch, Vec<Event>), Vec<String>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut batch: Batch = match serde_path_to_error::deserialize(&mut de) {
        Ok(b) => b,
        Err(e) => return Err(vec![located("body", &e)]),
    };
    if let Err(e) = de.end() {
        return Err(vec![format!("body: {e}")]);
    }
    let mut events = Vec::with_capacity(batch.events.len());
    let mut problems = Vec::new();
    let mut failed = 0usize;
    for (i, value) in std::mem::take(&mut batch.events).into_iter().enumerate() {
        match serde_path_to_error::deserialize::<_, Event>(value) {
            Ok(e) => events.push(e),
            Err(e) => {
                failed += 1;
                if problems.len() < MAX_REPORTED {
                    problems.push(located(&format!("events[{i}]"), &e));
                }
            }
        }
    }
    if failed > problems.len() {
        problems.push(format!("... and {} more", failed - problems.len()));
    }
    if problems.is_empty() { Ok((batch, events)) } else { Err(problems) }
}

/// `where.path: message`, or `where: message` at the top.
fn located<E: std::fmt::Display>(place: &str, e: &serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    if path == "." || path.is_empty() {
        format!("{place}: {}", e.inner())
    } else {
        format!("{place}.{path}: {}", e.inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"v":1,"id":"e1","seq":0,"ts":1,"session":"s","path":"/app","type":"page_view"}"#;

    #[test]
    fn accepts_a_valid_batch() {
        let body = format!(r#"{{"key":"k","sent_at":5,"events":[{EVENT}]}}"#);
        let (batch, events) = parse_batch(body.as_bytes()).unwrap();
        assert_eq!((batch.key.as_str(), batch.sent_at, batch.dropped), ("k", 5, 0));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].id, "e1");
    }

    #[test]
    fn names_the_bad_event_and_field() {
        let body = format!(
            r#"{{"key":"k","sent_at":5,"events":[{EVENT},{{"v":1,"seq":0,"ts":1,"session":"s","path":"/","type":"page_view"}}]}}"#
        );
        assert_eq!(parse_batch(body.as_bytes()).unwrap_err(), vec!["events[1]: missing field `id`"]);
    }

    #[test]
    fn names_envelope_problems() {
        let problems = parse_batch(br#"{"key":"k","sent_at":5}"#).unwrap_err();
        assert!(problems[0].starts_with("body: missing field `events`"), "{problems:?}");
        let problems = parse_batch(br#"{"key":"k","sent_at":"x","events":[]}"#).unwrap_err();
        assert!(problems[0].starts_with("body.sent_at: invalid type"), "{problems:?}");
        assert!(parse_batch(b"nope").is_err());
        let problems = parse_batch(br#"{"key":"k","sent_at":5,"events":[],"extra":1}"#).unwrap_err();
        assert!(problems[0].starts_with("body.extra: unknown field `extra`"), "{problems:?}");
    }

    #[test]
    fn corrects_the_client_clock_by_the_offset_from_sent_at() {
        // The client's clock is an hour behind: an event 2 s before sending lands 2 s before
        // the collector received the batch.
        assert_eq!(corrected(1_000_000, 1_002_000, 4_602_000), 4_600_000);
        // An event "after" sending is clamped to the send time.
        assert_eq!(corrected(1_003_000, 1_002_000, 4_602_000), 4_602_000);
    }
}
