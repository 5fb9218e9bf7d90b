//! Small response helpers shared by the handlers.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `Cache-Control` of everything served: always revalidate (guides and the agent change
/// under a running page; the demo is a development site). Guides and files carry an
/// `ETag`, so revalidating what did not change costs a `304` and no body.
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

/// A strong entity tag of `body`: its length and 64-bit FNV-1a hash (stable across builds
/// and releases, unlike `std`'s hasher).
pub(crate) fn etag(body: &[u8]) -> String {
    format!("\"{:x}-{:016x}\"", body.len(), hash([body]))
}

/// 64-bit FNV-1a over the bytes of `parts`, in order.
pub(crate) fn hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in parts.into_iter().flatten() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Whether an `If-None-Match` header value matches `tag` (weak comparison, as RFC 9110
/// asks for this header: `W/` prefixes are ignored; `*` matches anything).
fn if_none_match_matches(header: &str, tag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag)
}

/// `r` as the answer to a request with `request` headers: when `r` is a `200` whose `ETag`
/// the client's `If-None-Match` already holds, `304 Not Modified` with `r`'s headers and no
/// body, so the client uses the copy it has.
pub(crate) fn revalidated(r: Response, request: &HeaderMap) -> Response {
    let unchanged = r.status() == StatusCode::OK
        && r.headers().get(header::ETAG).and_then(|t| t.to_str().ok()).is_some_and(|tag| {
            request
                .get_all(header::IF_NONE_MATCH)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| if_none_match_matches(v, tag))
        });
    if !unchanged {
        return r;
    }
    let (mut parts, _) = r.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

/// The collector's clock, in ms since the Unix epoch.
pub fn now_ms() -> waymark_core::Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_stable_and_differ_with_the_body() {
        assert_eq!(etag(b""), "\"0-cbf29ce484222325\"");
        assert_ne!(etag(b"[1]"), etag(b"[2]"));
        assert_eq!(etag(b"[1]"), etag(b"[1]"));
    }

    #[test]
    fn if_none_match_lists_weak_tags_and_star() {
        let tag = "\"3-abc\"";
        assert!(if_none_match_matches("\"3-abc\"", tag));
        assert!(if_none_match_matches("\"x\", W/\"3-abc\"", tag));
        assert!(if_none_match_matches("*", tag));
        assert!(!if_none_match_matches("\"3-abd\"", tag));
        assert!(!if_none_match_matches("3-abc", tag));
    }

    #[test]
    fn a_held_tag_makes_a_bodyless_304_with_the_same_headers() {
        let mut r = bytes(b"feed".to_vec(), "application/octet-stream");
        r.headers_mut().insert(header::ETAG, HeaderValue::from_static("\"4-x\""));
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"4-x\""));
        let r = revalidated(r, &request);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers().get(header::ETAG), Some(&HeaderValue::from_static("\"4-x\"")));
        assert_eq!(r.headers().get(header::CACHE_CONTROL), Some(&NO_CACHE));

        let other = bytes(b"feed".to_vec(), "application/octet-stream");
        assert_eq!(revalidated(other, &request).status(), StatusCode::OK, "no tag, no 304");
    }
}
