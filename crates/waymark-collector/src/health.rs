//! `GET /v1/health?window=7d`: the tenant's per-account tech-touch health, for the holder of
//! one of its read tokens (`Authorization: Bearer TOKEN`). The same report as `waymark
//! health --format json`: both call [`report`].

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use waymark_health::{Aggregate, HealthConfig, Report, Window};

use crate::AppState;
use crate::http::{internal, now_ms, text, to_json};
use crate::store::Reader;

/// The handler.
pub(crate) async fn get_health(
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return unauthorized("authorization: send the tenant's read token as `Authorization: Bearer TOKEN`");
    };
    let Some(tenant) = s.tenants.by_read_token(token) else {
        return unauthorized("authorization: unknown read token");
    };
    let window = match Window::parse(query.get("window").map_or("7d", String::as_str), now_ms()) {
        Ok(window) => window,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("window: {e}\n")),
    };
    let store = s.store.clone();
    let tenant = tenant.id.clone();
    let built = tokio::task::spawn_blocking(move || report(&store.reader()?, &tenant, &window)).await;
    match built {
        Ok(Ok(report)) => to_json(&report),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(format!("computing health failed: {e}")),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut r = text(StatusCode::UNAUTHORIZED, format!("{message}\n"));
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"waymark\""));
    r
}

/// The health of `tenant`'s accounts over `window`, with the trend against the window of
/// the same length before it.
pub fn report(reader: &Reader, tenant: &str, window: &Window) -> Result<Report, String> {
    let span = u64::from(window.days()) * 86_400_000;
    let mut aggregate = Aggregate::default();
    reader.for_each_event(
        tenant,
        window.from().saturating_sub(span),
        window.to().saturating_add(1),
        |e| {
            aggregate.add(&e);
        },
    )?;
    Ok(waymark_health::report(&aggregate, window, &HealthConfig::default()))
}
