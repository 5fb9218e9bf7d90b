//! `GET /v1/health?window=7d`: the tenant's per-account tech-touch health, for the holder of
//! one of its read tokens (`Authorization: Bearer TOKEN`). The same report as `waymark
//! health --format json`: both call [`report`].

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use waymark_core::{Duration, Millis};
use waymark_health::{Aggregate, HealthConfig, Report, Window};

use crate::AppState;
use crate::http::{internal, now_ms, text, to_json};
use crate::store::Reader;

/// The longest window a report covers.
const MAX_WINDOW_DAYS: u32 = 366;

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
    let days = match window_days(query.get("window").map_or("7d", String::as_str)) {
        Ok(days) => days,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("window: {e}\n")),
    };
    let store = s.store.clone();
    let tenant = tenant.id.clone();
    let now = now_ms();
    let built = tokio::task::spawn_blocking(move || report(&store.reader()?, &tenant, now, days)).await;
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

/// Whole days from `7d`, `14d`, `1d`... (1 to 366).
pub fn window_days(text: &str) -> Result<u32, String> {
    let d = Duration::parse(text).map_err(|e| format!("\"{text}\": {e}"))?;
    let day = 86_400_000;
    let days = u32::try_from(d.0 / day).unwrap_or(u32::MAX);
    if d.0 % day != 0 || days == 0 || days > MAX_WINDOW_DAYS {
        return Err(format!("\"{text}\" must be whole days from 1d to {MAX_WINDOW_DAYS}d, like 7d"));
    }
    Ok(days)
}

/// The health of `tenant`'s accounts over the `days` ending at `now`, with the trend against
/// the `days` before.
pub fn report(reader: &Reader, tenant: &str, now: Millis, days: u32) -> Result<Report, String> {
    let window = Window::days_ending(now, days);
    let span = u64::from(days) * 86_400_000;
    let mut aggregate = Aggregate::default();
    reader.for_each_event(tenant, now.saturating_sub(2 * span), now.saturating_add(1), |e| aggregate.add(&e))?;
    Ok(waymark_health::report(&aggregate, &window, &HealthConfig::default()))
}
