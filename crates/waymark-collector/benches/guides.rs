//! Guide-serving benchmark: `GET /v1/guides` answers per second and their latency, for the
//! repository's example guides, against a real collector in this process. Each request
//! reads the folder; it is loaded again only when a file changed, so the first row (one
//! file rewritten before every request) shows what a load costs and the others what a
//! request costs.
//!
//! `cargo bench -p waymark-collector --bench guides` (set `GUIDES_SECS` to run longer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;

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
    let latencies = common::hammer(clients, secs, move |_, n| {
        if edit {
            // A new guide each time: the folder must be loaded again.
            let guide = format!(
                r#"{{"id":"edit","name":"Edit {n}","trigger":{{"on":"manual"}},"steps":[{{"id":"s","kind":"modal","title":{{"en":"Hi"}}}}]}}"#
            );
            std::fs::write(guides.join("zz-edit.json"), guide).unwrap();
        }
        Request::get(&url).body(Full::new(Bytes::new())).unwrap()
    })
    .await;
    println!(
        "| {:<24} | {clients:>7} | {:>9.0} | {:>6.2} | {:>6.2} |",
        if edit { "a file changed each time" } else { "unchanged folder" },
        latencies.per_sec(),
        latencies.ms(0.50),
        latencies.ms(0.99),
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
