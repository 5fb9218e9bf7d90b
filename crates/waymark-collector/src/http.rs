//! Small response helpers shared by the handlers.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `Cache-Control` of everything served: always revalidate (guides and the agent change
/// under a running page; the demo is a development site).
pub(crate) const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], body.into())
        .into_response()
}

/// A JSON response from already serialised bytes.
pub(crate) fn json(body: Vec<u8>) -> Response {
    bytes(body, "application/json")
}

/// A response of `media_type` from already serialised bytes, revalidated on every use.
pub(crate) fn bytes(body: Vec<u8>, media_type: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    r.headers_mut().insert(header::CACHE_CONTROL, NO_CACHE);
    r
}

/// Serialises `value` as a JSON response, or answers 500.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json(body),
        Err(e) => internal(format!("cannot serialise the response: {e}")),
    }
}

/// 404 with a short body.
pub(crate) fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

/// 500: the problem goes to stderr and into the body (this server is for local use).
pub(crate) fn internal(message: String) -> Response {
    eprintln!("waymark-collector: {message}");
    text(StatusCode::INTERNAL_SERVER_ERROR, message + "\n")
}

/// The collector's clock, in ms since the Unix epoch.
pub fn now_ms() -> waymark_core::Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
