//! Guide-serving benchmark: `GET /v1/guides` answers per second and their latency, for the
//! repository's example guides, against a real collector in this process. Each request
//! reads the folder; it is loaded again only when a file changed, so the first row (one
//! file rewritten before every request) shows what a load costs and the others what a
//! request costs.
//!
//! `cargo bench -p waymark-collector --bench guides` (set `GUIDES_SECS` to run longer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

async fn run(clients: usize, edit: bool, secs: u64) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let guides = dir.path().join("guides");
    std::fs::create_dir(&guides).unwrap();
    for f in std::fs::read_dir(root.join("guides")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, guides.join(f.file_name().unwrap())).unwrap();
    }
    let mut config = waymark_collector::Config::new(dir.path().to_path_buf());
    config.db = Some(dir.path().join("bench.db"));
    let server = waymark_collector::serve(config).await.unwrap();
    let url = server.url("/v1/guides?key=demo-write-key");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (url, guides) = (url.clone(), guides.clone());
            tokio::spawn(async move {
                let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if edit {
                        // A new guide each time: the folder must be loaded again.
                        let guide = format!(
                            r#"{{"id":"edit","name":"Edit {n}","trigger":{{"on":"manual"}},"steps":[{{"id":"s","kind":"modal","title":{{"en":"Hi"}}}}]}}"#
                        );
                        std::fs::write(guides.join("zz-edit.json"), guide).unwrap();
                    }
                    let t = Instant::now();
                    let resp = http.request(Request::get(&url).body(Empty::new()).unwrap()).await.unwrap();
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
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "| {:<24} | {clients:>7} | {:>9.0} | {:>6.2} | {:>6.2} |",
        if edit { "a file changed each time" } else { "unchanged folder" },
        latencies.len() as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
    server.shutdown().await.unwrap();
}

fn main() {
    let secs = std::env::var("GUIDES_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("GET /v1/guides (the example guides as a feed), {secs} s per row,");
    println!(
        "client and server in one process on {} cores:",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| folder                   | clients | answers/s | p50 ms | p99 ms |");
    println!("|--------------------------|--------:|----------:|-------:|-------:|");
    for (clients, edit) in [(1, true), (1, false), (8, false)] {
        runtime.block_on(run(clients, edit, secs));
    }
}
