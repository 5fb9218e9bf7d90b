//! The real `waymark serve` process: killed with SIGKILL in the middle of a stream of
//! batches, every acknowledged event is stored after the restart, and re-sending everything
//! (as agents do from their queues) stores each event exactly once; `waymark health` reads
//! the store of a running collector.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `waymark serve` child process on a free loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(db: &Path, addr: Option<SocketAddr>) -> Server {
        let addr = addr.unwrap_or_else(|| {
            let probe = TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap()
        });
        let child = Command::new(env!("CARGO_BIN_EXE_waymark"))
            .args(["serve", "--addr", &addr.to_string(), "--db"])
            .arg(db)
            .arg("--root")
            .arg(repo_root())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Server { child, addr };
        let start = Instant::now();
        while post(addr, "/v1/status", "GET", "").is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "the collector did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One HTTP/1.1 request on a fresh connection; the status code.
fn post(addr: SocketAddr, path: &str, method: &str, body: &str) -> std::io::Result<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    out.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {out:?}")))
}

fn batch(ids: &[String]) -> String {
    batch_at(ids, "acme", 1_700_000_000_000, false)
}

/// Page views (or rage-click stalls on `first-project › name-it`) of `account`, one session
/// per event, all at `ts`.
fn batch_at(ids: &[String], account: &str, ts: u64, stall: bool) -> String {
    let kind = if stall {
        r#""guide":"first-project","step":"name-it","type":"stall","stall":"rage_click","duration_ms":1200,"count":5"#
    } else {
        r#""type":"page_view""#
    };
    let events: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"v":1,"id":"{id}","seq":{i},"ts":{ts},"session":"s-{id}","user":"u-{id}","account":"{account}","path":"/app",{kind}}}"#
            )
        })
        .collect();
    format!(r#"{{"key":"demo-write-key","sent_at":{ts},"events":[{}]}}"#, events.join(","))
}

fn stored_ids(db: &Path) -> Vec<String> {
    let reader = waymark_collector::Reader::open(db).unwrap();
    reader.all_events().unwrap().into_iter().map(|(_, e)| e.id).collect()
}

#[test]
fn sigkill_loses_no_acknowledged_event_and_resending_counts_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("waymark.db");
    let server = Server::start(&db, None);
    let addr = server.addr;

    // Four senders stream batches of 20 new events until the server dies under them.
    let batches: Vec<Vec<String>> =
        (0..4_000).map(|b| (0..20).map(|i| format!("{b:05}-{i:02}")).collect()).collect();
    let batches = Arc::new(batches);
    let acked = Arc::new(Mutex::new(Vec::<usize>::new()));
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let (batches, acked) = (batches.clone(), acked.clone());
            std::thread::spawn(move || {
                for b in (t..batches.len()).step_by(4) {
                    match post(addr, "/v1/events", "POST", &batch(&batches[b])) {
                        Ok(200) => acked.lock().unwrap().push(b),
                        Ok(status) => panic!("batch {b}: status {status}"),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    // Kill mid-stream, once a good number of batches were acknowledged.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 100 {
        assert!(start.elapsed() < Duration::from_secs(60), "too few batches acknowledged");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    for s in senders {
        s.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < batches.len(), "the kill came after the whole stream; nothing was tested");

    // Restart on the same file: every acknowledged event is there, once.
    let server = Server::start(&db, Some(addr));
    let stored = stored_ids(&db);
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "an event is stored twice");
    for &b in &acked {
        for id in &batches[b] {
            assert!(unique.contains(id), "acknowledged event {id} was lost");
        }
    }

    // Agents re-send what was not acknowledged (and may re-send some that was): each event
    // ends up stored exactly once.
    for b in batches.iter().take(acked.iter().max().copied().unwrap_or(0) + 50) {
        assert_eq!(post(server.addr, "/v1/events", "POST", &batch(b)).unwrap(), 200);
    }
    let stored = stored_ids(&db);
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "an event is stored twice after re-sending");
    let sent = (acked.iter().max().copied().unwrap_or(0) + 50).min(batches.len()) * 20;
    assert_eq!(stored.len(), sent);
}

fn waymark(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_waymark")).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn health_reads_the_store_of_a_running_collector() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("waymark.db");
    let server = Server::start(&db, None);
    let now = waymark_collector::now_ms();
    let ids = |prefix: &str| -> Vec<String> { (0..6).map(|i| format!("{prefix}-{i}")).collect() };
    for (account, stall) in [("acme", true), ("globex", false)] {
        let body = batch_at(&ids(account), account, now - 60_000, stall);
        assert_eq!(post(server.addr, "/v1/events", "POST", &body).unwrap(), 200);
    }
    let db = db.to_str().unwrap();

    let (ok, table, err) = waymark(&["health", "--db", db, "--window", "7d"]);
    assert!(ok, "{err}");
    let acme = table.lines().position(|l| l.starts_with("acme")).expect(&table);
    let globex = table.lines().position(|l| l.starts_with("globex")).expect(&table);
    assert!(acme < globex, "the stalling account comes first:\n{table}");
    assert!(table.contains("first-project › name-it"), "{table}");

    let (ok, json, err) = waymark(&["health", "--db", db, "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["accounts"][0]["account"], "acme");
    assert_eq!(report["accounts"][0]["band"], "at_risk");

    let (ok, csv, _) = waymark(&["health", "--db", db, "--format", "csv"]);
    assert!(ok);
    assert_eq!(csv.lines().count(), 3, "a header and a row per account:\n{csv}");

    let (ok, _, err) = waymark(&["health", "--db", db, "--window", "36h"]);
    assert!(!ok);
    assert!(err.contains("--window") && err.contains("36h"), "{err}");
    let (ok, _, err) = waymark(&["health", "--db", "/nonexistent/w.db"]);
    assert!(!ok);
    assert!(err.contains("/nonexistent/w.db: no such database"), "{err}");
    drop(server);
}
