//! The durable event store: one SQLite file in WAL mode.
//!
//! One writer thread owns the write connection and commits with group commit: batches that
//! arrive while a commit is running are written together in the next transaction, so many
//! agents cost one `fsync` per round, not one each. A batch is acknowledged only after its
//! transaction is committed with `synchronous=FULL`, so an acknowledged event survives a
//! crash of the collector or of the machine. Readers open their own connections; WAL lets
//! them read while the writer writes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use rusqlite::{Connection, OpenFlags, params};
use tokio::sync::oneshot;
use waymark_core::{Event, Millis};

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// Most batches committed in one transaction.
const MAX_GROUP: usize = 256;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    tenant      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    account     TEXT,
    user        TEXT,
    session     TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL, -- client time corrected for clock skew (ms since the epoch)
    client_ts   INTEGER NOT NULL, -- the client's own clock
    received_at INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    body        TEXT    NOT NULL, -- the event as JSON (schema v1), with the corrected ts
    UNIQUE (tenant, id)
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (tenant, ts);
CREATE TABLE IF NOT EXISTS dropped (
    tenant      TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    count       INTEGER NOT NULL  -- events an agent had to drop from its full queue
);
";

/// One event ready to store.
#[derive(Debug)]
pub(crate) struct Row {
    /// Its tenant.
    pub(crate) tenant: Arc<str>,
    /// The event, with `ts` already corrected.
    pub(crate) event: Event,
    /// The client's `ts` before correction.
    pub(crate) client_ts: Millis,
    /// When the collector received it.
    pub(crate) received_at: Millis,
}

/// A batch for the writer.
struct Job {
    rows: Vec<Row>,
    dropped: Option<(Arc<str>, Millis, u32)>,
    done: oneshot::Sender<Result<Written, String>>,
}

/// What a committed batch changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Written {
    /// Events stored for the first time.
    pub(crate) new: usize,
    /// Events already stored (re-sent by an agent), ignored.
    pub(crate) duplicates: usize,
}

/// A handle to the store; clones share the writer.
#[derive(Clone, Debug)]
pub struct Store {
    path: Arc<PathBuf>,
    writer: mpsc::SyncSender<Job>,
}

impl Store {
    /// Opens (or creates) the database at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Store, String> {
        let conn = open_write(path)?;
        let (writer, jobs) = mpsc::sync_channel::<Job>(1024);
        std::thread::Builder::new()
            .name("waymark-store".into())
            .spawn(move || write_loop(conn, &jobs))
            .map_err(|e| format!("cannot start the store's writer: {e}"))?;
        Ok(Store { path: Arc::new(path.to_path_buf()), writer })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a batch in one transaction and returns once it is committed.
    pub(crate) async fn write(
        &self,
        rows: Vec<Row>,
        dropped: Option<(Arc<str>, Millis, u32)>,
    ) -> Result<Written, String> {
        let (done, result) = oneshot::channel();
        let stopped = || "the store's writer has stopped".to_string();
        match self.writer.try_send(Job { rows, dropped, done }) {
            Ok(()) => {}
            // The channel is bounded: when the disk falls behind, handlers wait here (off
            // the async threads) instead of queueing without limit. Otherwise the batch is
            // handed over at once, without a blocking-pool hop.
            Err(mpsc::TrySendError::Full(job)) => {
                let writer = self.writer.clone();
                tokio::task::spawn_blocking(move || writer.send(job))
                    .await
                    .map_err(|e| format!("the store's queue failed: {e}"))?
                    .map_err(|_| stopped())?;
            }
            Err(mpsc::TrySendError::Disconnected(_)) => return Err(stopped()),
        }
        result.await.map_err(|_| stopped())?
    }

    /// A read-only connection (readers never block the writer in WAL mode).
    pub fn reader(&self) -> Result<Reader, String> {
        open_read(&self.path).map(Reader)
    }
}

/// Reads events back.
#[derive(Debug)]
pub struct Reader(Connection);

impl Reader {
    /// Opens a database file read-only (for `waymark health` beside a running collector).
    pub fn open(path: &Path) -> Result<Reader, String> {
        open_read(path).map(Reader)
    }

    /// Calls `f` with every event of `tenant` whose corrected time is in `[from, to)`, in
    /// time order. A stored body that does not parse is reported, not skipped silently.
    pub fn for_each_event(
        &self,
        tenant: &str,
        from: Millis,
        to: Millis,
        mut f: impl FnMut(Event),
    ) -> Result<u64, String> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT body FROM events WHERE tenant = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts")
            .map_err(db_error)?;
        let mut rows = stmt.query(params![tenant, to_sql(from), to_sql(to)]).map_err(db_error)?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(db_error)? {
            let body =
                row.get_ref(0).map_err(db_error)?.as_str().map_err(|e| format!("database error: {e}"))?;
            let event =
                serde_json::from_str(body).map_err(|e| format!("a stored event does not parse: {e}"))?;
            f(event);
            n += 1;
        }
        Ok(n)
    }

    /// Every stored event of every tenant, in arrival order, with its tenant.
    pub fn all_events(&self) -> Result<Vec<(String, Event)>, String> {
        let mut stmt = self.0.prepare("SELECT tenant, body FROM events ORDER BY rowid").map_err(db_error)?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(db_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (tenant, body) = row.map_err(db_error)?;
            let event =
                serde_json::from_str(&body).map_err(|e| format!("a stored event does not parse: {e}"))?;
            out.push((tenant, event));
        }
        Ok(out)
    }

    /// The tenants that have events, sorted.
    pub fn tenants(&self) -> Result<Vec<String>, String> {
        let mut stmt =
            self.0.prepare("SELECT DISTINCT tenant FROM events ORDER BY tenant").map_err(db_error)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db_error)?;
        rows.collect::<Result<_, _>>().map_err(db_error)
    }

    /// Events agents reported dropping from full queues, for `tenant`.
    pub fn dropped(&self, tenant: &str) -> Result<u64, String> {
        self.0
            .query_row("SELECT COALESCE(SUM(count), 0) FROM dropped WHERE tenant = ?1", [tenant], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(db_error)
    }
}

fn db_error(e: rusqlite::Error) -> String {
    format!("database error: {e}")
}

fn to_sql(ms: Millis) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn open_write(path: &Path) -> Result<Connection, String> {
    let at = |e: rusqlite::Error| format!("{}: {e}", path.display());
    let conn = Connection::open(path).map_err(at)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(at)?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{}: written by a newer Waymark (schema {version}; this build knows {SCHEMA_VERSION})",
            path.display()
        ));
    }
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(at)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("{}: cannot use WAL mode (got {mode})", path.display()));
    }
    // FULL: a commit is on disk before the batch is acknowledged.
    conn.pragma_update(None, "synchronous", "FULL").map_err(at)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(at)?;
    conn.execute_batch(SCHEMA).map_err(at)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(at)?;
    Ok(conn)
}

fn open_read(path: &Path) -> Result<Connection, String> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(conn)
}

/// Takes every batch waiting (up to [`MAX_GROUP`]) and commits them together.
fn write_loop(mut conn: Connection, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match commit(&mut conn, &group) {
            Ok(written) => {
                for (job, w) in group.into_iter().zip(written) {
                    let _ = job.done.send(Ok(w));
                }
            }
            Err(e) => {
                let message = format!("cannot store events: {e}");
                eprintln!("waymark-collector: {message}");
                for job in group {
                    let _ = job.done.send(Err(message.clone()));
                }
            }
        }
    }
}

fn commit(conn: &mut Connection, group: &[Job]) -> rusqlite::Result<Vec<Written>> {
    let tx = conn.transaction()?;
    let mut written = Vec::with_capacity(group.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO events
             (tenant, id, account, user, session, seq, ts, client_ts, received_at, type, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut drop_note =
            tx.prepare_cached("INSERT INTO dropped (tenant, received_at, count) VALUES (?1, ?2, ?3)")?;
        for job in group {
            let mut w = Written { new: 0, duplicates: 0 };
            for row in &job.rows {
                let e = &row.event;
                let body = serde_json::to_string(e)
                    .map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))?;
                let n = insert.execute(params![
                    &*row.tenant,
                    e.id,
                    e.account,
                    e.user,
                    e.session,
                    to_sql(e.seq),
                    to_sql(e.ts),
                    to_sql(row.client_ts),
                    to_sql(row.received_at),
                    e.kind.type_name(),
                    body,
                ])?;
                if n == 1 { w.new += 1 } else { w.duplicates += 1 }
            }
            if let Some((tenant, at, count)) = &job.dropped {
                drop_note.execute(params![&**tenant, to_sql(*at), count])?;
            }
            written.push(w);
        }
    }
    tx.commit()?;
    Ok(written)
}
