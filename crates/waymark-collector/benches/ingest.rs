//! Ingest benchmark: events per second acknowledged durably over HTTP, and the latency of a
//! batch, against a real collector (in this process) writing a real SQLite file.
//!
//! `cargo bench -p waymark-collector --bench ingest` (set `INGEST_SECS` to run longer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

fn batch(client: usize, n: usize, size: usize) -> String {
    let events: Vec<String> = (0..size)
        .map(|i| {
            format!(
                r#"{{"v":1,"id":"c{client}-b{n}-e{i}","seq":{i},"ts":1700000000000,"session":"s{client}","user":"u{client}","account":"acme","path":"/app/projects","guide":"first-project","step":"name","type":"stall","stall":"rage_click","duration_ms":900,"count":4,"target":"button#create"}}"#
            )
        })
        .collect();
    format!(r#"{{"key":"demo-write-key","sent_at":1700000000500,"events":[{}]}}"#, events.join(","))
}

async fn run(clients: usize, size: usize, secs: u64) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut config = waymark_collector::Config::new(root);
    config.db = Some(dir.path().join("bench.db"));
    let server = waymark_collector::serve(config).await.unwrap();
    let url = server.url("/v1/events");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                let mut latencies = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let body = batch(c, n, size);
                    let req = Request::post(&url)
                        .header("content-type", "text/plain")
                        .body(Full::new(Bytes::from(body)));
                    let t = Instant::now();
                    let resp = http.request(req.unwrap()).await.unwrap();
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
    let events = latencies.len() * size;
    let stored = server.events().len();
    assert_eq!(stored, events, "every acknowledged event is stored");
    println!(
        "| {clients:>7} | {size:>5} | {:>12.0} | {:>9.0} | {:>8.2} | {:>8.2} | {:>8.2} |",
        events as f64 / elapsed,
        latencies.len() as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    server.shutdown().await.unwrap();
}

fn main() {
    let secs = std::env::var("INGEST_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("Ingest over HTTP into SQLite (WAL, synchronous=FULL, group commit), {secs} s per row,");
    println!(
        "client and server in one process on {} cores:",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| clients | batch | events/s ack | batches/s | p50 ms | p99 ms | max ms |");
    println!("|--------:|------:|-------------:|----------:|-------:|-------:|-------:|");
    for (clients, size) in [(1, 50), (16, 50), (64, 10), (64, 50)] {
        runtime.block_on(run(clients, size, secs));
    }
}
