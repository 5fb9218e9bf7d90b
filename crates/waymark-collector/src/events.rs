//! `POST /v1/events`: beacon batches from the agent, checked event by event.
//!
//! A batch is `{"key": "...", "sent_at": <ms>, "events": [...]}`, sent as `text/plain` so
//! the browser needs no CORS preflight (any content type is accepted). Each event must
//! deserialise as a [`waymark_core::Event`]; a batch with a bad event is refused whole
//! with `400` and a line per problem (`events[3]: missing field `id``), so the agent's bug
//! shows instead of half a batch. Events are deduplicated on their id (agents retry) and
//! kept in memory for now.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use waymark_core::{Event, Millis};

use crate::AppState;
use crate::http::{allow_any_origin, text, to_json};

/// The largest batch accepted, in bytes; larger ones get `413`.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// How many problems a `400` lists before it stops.
const MAX_REPORTED: usize = 20;

/// The envelope of a beacon.
#[derive(Deserialize)]
struct Batch {
    /// The site's write key.
    #[allow(dead_code)]
    key: String,
    /// When the agent sent it (its clock).
    #[allow(dead_code)]
    sent_at: Millis,
    /// The events, checked one by one.
    events: Vec<serde_json::Value>,
}

/// Accepted events, in arrival order, without duplicates.
#[derive(Clone, Debug, Default)]
pub(crate) struct Store(Arc<Mutex<Inner>>);

#[derive(Debug, Default)]
struct Inner {
    events: Vec<Event>,
    ids: HashSet<String>,
}

impl Store {
    /// Adds the events not seen before.
    fn extend(&self, events: Vec<Event>) {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for e in events {
            if inner.ids.insert(e.id.clone()) {
                inner.events.push(e);
            }
        }
    }

    /// A copy of every accepted event.
    pub(crate) fn all(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).events.clone()
    }
}

/// The handler: `204` when every event is valid, else `400` saying what and where.
pub(crate) async fn post_events(State(s): State<AppState>, body: Bytes) -> Response {
    let r = match parse_batch(&body) {
        Ok(events) => {
            s.events.extend(events);
            let mut r = Response::default();
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Err(problems) => text(StatusCode::BAD_REQUEST, problems.join("\n") + "\n"),
    };
    allow_any_origin(r)
}

/// `GET /v1/debug/events`: every accepted event, as a JSON array (for tests).
pub(crate) async fn debug_events(State(s): State<AppState>) -> Response {
    to_json(&s.events.all())
}

/// The batch's events, or every problem found (at most [`MAX_REPORTED`]).
pub(crate) fn parse_batch(body: &[u8]) -> Result<Vec<Event>, Vec<String>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let batch: Batch = match serde_path_to_error::deserialize(&mut de) {
        Ok(b) => b,
        Err(e) => return Err(vec![located("body", &e)]),
    };
    if let Err(e) = de.end() {
        return Err(vec![format!("body: {e}")]);
    }
    let mut events = Vec::with_capacity(batch.events.len());
    let mut problems = Vec::new();
    let mut failed = 0usize;
    for (i, value) in batch.events.into_iter().enumerate() {
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
    if problems.is_empty() { Ok(events) } else { Err(problems) }
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
        let events = parse_batch(body.as_bytes()).unwrap();
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
    }
}
