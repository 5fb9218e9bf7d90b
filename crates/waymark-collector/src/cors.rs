//! Which web pages may talk to the collector.
//!
//! The agent runs inside host apps on other origins. A request from a page carries an
//! `Origin`; it is accepted when it is the collector's own origin or one the tenant lists,
//! and only then does the answer let the page read it (`Access-Control-Allow-Origin` echoes
//! that origin, never `*`). Requests without `Origin` (curl, servers) are not from a page
//! and are judged by their key or token alone.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::http::text;
use crate::{Tenant, Tenants};

/// The tenant of write key `key` and the request's `Origin` when that tenant allows it,
/// or the `401` (unknown key) or `403` (origin not allowed) to answer.
pub(crate) fn writer<'a>(
    tenants: &'a Tenants,
    key: &str,
    headers: &HeaderMap,
) -> Result<(&'a Tenant, Option<HeaderValue>), Box<Response>> {
    let Some(tenant) = tenants.by_write_key(key) else {
        return Err(Box::new(text(StatusCode::UNAUTHORIZED, "key: unknown write key\n")));
    };
    Ok((tenant, check(headers, tenant)?))
}

/// The request's `Origin` when the tenant allows it (`Ok(None)` without one), or the `403`
/// to answer.
fn check(headers: &HeaderMap, tenant: &Tenant) -> Result<Option<HeaderValue>, Box<Response>> {
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(None) };
    let text_origin = origin.to_str().unwrap_or_default();
    if same_origin(headers, text_origin) || tenant.allows_origin(text_origin) {
        Ok(Some(origin.clone()))
    } else {
        Err(Box::new(text(
            StatusCode::FORBIDDEN,
            format!("origin: {text_origin} is not in the origins of this key's tenant\n"),
        )))
    }
}

/// Whether `origin` is the collector's own (its host and port are the request's `Host`).
pub(crate) fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

/// Lets the page of `origin` read `r`.
pub(crate) fn allow(mut r: Response, origin: Option<&HeaderValue>) -> Response {
    if let Some(origin) = origin {
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        // The agent backs off as a `503`/`429` asks; it can only read the header if exposed.
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Retry-After"));
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    r
}

/// A CORS preflight (`OPTIONS`): allowed when some tenant lists the origin (a preflight
/// carries no key, so the request itself is checked again against its key's tenant).
pub(crate) fn preflight(headers: &HeaderMap, tenants: &Tenants) -> Response {
    let origin = headers.get(header::ORIGIN);
    let allowed = origin
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| same_origin(headers, o) || tenants.any_allows_origin(o));
    if !allowed {
        return text(StatusCode::FORBIDDEN, "origin: not allowed\n");
    }
    let mut r = Response::default();
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, authorization"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    allow(r, origin)
}
