//! `GET /v1/health?window=7d`: the tenant's per-account tech-touch health, for the holder of
//! one of its read tokens (`Authorization: Bearer TOKEN`). The same report as `waymark
//! health --format json`: both call [`report`].
//!
//! A report folds every stored event of its window (and the window before, for the trend)
//! into a [`waymark_health::Aggregate`]. The server keeps the aggregate of each past UTC day
//! in a [`DayCache`], so a request reads only today's events and the days that changed:
//! because the aggregate is a mergeable monoid, merging cached days gives exactly the
//! aggregate of reading them again. A late event (an agent's queue delivered days later)
//! invalidates its day once committed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use waymark_health::{Aggregate, DAY_MS, HealthConfig, Report, Window, day_of};

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
    let cache = s.days.clone();
    let built =
        tokio::task::spawn_blocking(move || report_cached(&store.reader()?, &tenant, &window, Some(&cache)))
            .await;
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

/// The aggregates of past days, per tenant, with a version per day so that a day changed
/// while it was being read is not cached stale.
#[derive(Debug, Default)]
pub(crate) struct DayCache(Mutex<HashMap<(String, u32), Slot>>);

/// A day's version (bumped by each commit that touches it) and its aggregate, if cached.
type Slot = (u64, Option<Arc<Aggregate>>);

impl DayCache {
    /// Forgets the days of these event times (call once their events are committed).
    pub(crate) fn invalidate(&self, tenant: &str, times: impl IntoIterator<Item = u64>) {
        // A batch's events mostly fall on one day: touch each day once.
        let days: BTreeSet<u32> = times.into_iter().map(day_of).collect();
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for day in days {
            let entry = map.entry((tenant.to_string(), day)).or_default();
            entry.0 += 1;
            entry.1 = None;
        }
    }

    /// The cached aggregate of `day`, or its current version.
    fn get(&self, tenant: &str, day: u32) -> Result<Arc<Aggregate>, u64> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(&(tenant.to_string(), day)) {
            Some((_, Some(agg))) => Ok(agg.clone()),
            Some((version, None)) => Err(*version),
            None => Err(0),
        }
    }

    /// Keeps `agg` for `day` unless the day changed since `version` was read.
    fn put(&self, tenant: &str, day: u32, version: u64, agg: Aggregate) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry((tenant.to_string(), day)).or_default();
        if entry.0 == version {
            entry.1 = Some(Arc::new(agg));
        }
    }
}

/// The health of `tenant`'s accounts over `window`, with the trend against the window of
/// the same length before it, read from the store.
pub fn report(reader: &Reader, tenant: &str, window: &Window) -> Result<Report, String> {
    report_cached(reader, tenant, window, None)
}

/// [`report`], taking past days from `cache` when it has them (and filling it).
pub(crate) fn report_cached(
    reader: &Reader,
    tenant: &str,
    window: &Window,
    cache: Option<&DayCache>,
) -> Result<Report, String> {
    let today = day_of(window.to());
    let mut aggregate = Aggregate::default();
    for day in window.report_days() {
        let from = u64::from(day) * DAY_MS;
        let to = from + DAY_MS;
        let past = day < today;
        match cache.filter(|_| past).map(|c| c.get(tenant, day)) {
            Some(Ok(cached)) => aggregate.merge(Aggregate::clone(&cached)),
            Some(Err(version)) => {
                let mut one = Aggregate::default();
                reader.for_each_event(tenant, from, to, |e| one.add(&e))?;
                aggregate.merge(one.clone());
                if let Some(c) = cache {
                    c.put(tenant, day, version, one);
                }
            }
            None => {
                reader.for_each_event(tenant, from, to.min(window.to().saturating_add(1)), |e| {
                    aggregate.add(&e)
                })?;
            }
        }
    }
    Ok(waymark_health::report(&aggregate, window, &HealthConfig::default()))
}
