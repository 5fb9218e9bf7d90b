//! The load generator both collector benches share.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Every request's latency, sorted, over `secs` seconds of load.
pub(crate) struct Latencies {
    pub(crate) all: Vec<Duration>,
    pub(crate) secs: f64,
}

impl Latencies {
    /// Requests answered per second.
    pub(crate) fn per_sec(&self) -> f64 {
        self.all.len() as f64 / self.secs
    }

    /// The `p` quantile in milliseconds (`1.0`: the slowest).
    pub(crate) fn ms(&self, p: f64) -> f64 {
        self.all[((self.all.len() as f64 * p) as usize).min(self.all.len() - 1)].as_secs_f64() * 1e3
    }
}

/// `clients` concurrent clients send requests for `secs` seconds; `next(client, n)` builds
/// a client's `n`-th request (work it does first is not timed). Every answer must be 200.
pub(crate) async fn hammer<F>(clients: usize, secs: u64, next: F) -> Latencies
where
    F: Fn(usize, u64) -> Request<Full<Bytes>> + Send + Sync + 'static,
{
    let next = Arc::new(next);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let next = next.clone();
            tokio::spawn(async move {
                let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                let mut latencies = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let req = next(c, n);
                    let t = Instant::now();
                    let resp = http.request(req).await.unwrap();
                    let status = resp.status();
                    resp.into_body().collect().await.unwrap();
                    assert_eq!(status, 200);
                    latencies.push(t.elapsed());
                    n += 1;
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    Latencies { all, secs: started.elapsed().as_secs_f64() }
}
