//! Ingest benchmark: events per second acknowledged durably over HTTP, and the latency of a
//! batch, against a real collector (in this process) writing a real SQLite file.
//!
//! `cargo bench -p waymark-collector --bench ingest` (set `INGEST_SECS` to run longer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;

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
    let latencies = common::hammer(clients, secs, move |c, n| {
        Request::post(&url)
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from(batch(c, n as usize, size))))
            .unwrap()
    })
    .await;
    let events = latencies.all.len() * size;
    let stored = server.events().len();
    assert_eq!(stored, events, "every acknowledged event is stored");
    println!(
        "| {clients:>7} | {size:>5} | {:>12.0} | {:>9.0} | {:>8.2} | {:>8.2} | {:>8.2} |",
        events as f64 / latencies.secs,
        latencies.per_sec(),
        latencies.ms(0.50),
        latencies.ms(0.99),
        latencies.ms(1.0),
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
