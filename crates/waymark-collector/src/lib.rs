//! Waymark's collector: the HTTP server between the agents in users' browsers, the durable
//! event store and the people who read health.
//!
//! - `GET /v1/guides?key=WRITE_KEY`: the tenant's valid guides, reloaded on every request
//!   (CS teams edit them live), with a strong `ETag` (`304` on a match);
//! - `POST /v1/events`: beacon batches (`{"key", "sent_at", "events": [...]}`, sent as
//!   `text/plain`), every event checked against [`waymark_core::Event`] and the key's
//!   tenant, acknowledged once durably committed to the [`Store`] (SQLite, WAL);
//! - `GET /v1/health?window=7d`: per-account health (`waymark_health`), for the holder of
//!   a read token (`Authorization: Bearer TOKEN`);
//! - `GET /v1/status`: liveness;
//! - the agent's build (`<root>/www/dist/`) at the site root, the dashboard
//!   (`<root>/www/dashboard/`) at `/dashboard`, and the demo app (`<root>/www/demo/`) at
//!   `/`, `/pricing` and `/app/...` with an SPA fallback.
//!
//! Tenants, their write keys, read tokens, origins and accounts come from [`Tenants`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let running = waymark_collector::serve(waymark_collector::Config::new(".")).await?;
//! println!("listening on http://{}", running.addr());
//! running.shutdown().await?;
//! # Ok(()) }
//! ```

mod cors;
mod events;
mod files;
mod guides;
mod health;
mod http;
mod store;
mod tenants;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use waymark_core::Event;

pub use events::MAX_BATCH_BYTES;
pub use guides::guide_files;
pub use health::report as health_report;
pub use http::now_ms;
pub use store::{Reader, Store};
pub use tenants::{DEMO_CONFIG, Tenant, Tenants};

/// How long [`Running::shutdown`] waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Where to listen, where to store, and whom to serve.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind. Port 0 lets the system pick one ([`Running::addr`] tells which).
    pub addr: SocketAddr,
    /// The repository root: the agent is served from `<root>/www/dist/`, the dashboard from
    /// `<root>/www/dashboard/`, the demo app from `<root>/www/demo/`.
    pub root: PathBuf,
    /// The SQLite database file; `None` stores in a temporary file removed when the
    /// collector is dropped (for tests).
    pub db: Option<PathBuf>,
    /// Tenants, keys, tokens, origins, accounts and guide folders.
    pub tenants: Tenants,
}

impl Config {
    /// Serves `root` on `127.0.0.1` (loopback only) on a port the system picks, for the
    /// demo tenant ([`DEMO_CONFIG`], guides in `<root>/guides`), with a temporary store.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tenants: Tenants::demo(&root),
            db: None,
            root,
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
struct AppState {
    root: Arc<PathBuf>,
    tenants: Arc<Tenants>,
    store: Store,
    days: Arc<health::DayCache>,
    guides: Arc<guides::GuideCache>,
}

/// A collector serving in a background task. Dropping it stops the server too (without
/// waiting); [`Running::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _temp: Option<tempfile::TempDir>,
}

impl Running {
    /// The address the server listens on (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The store the collector writes to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every event stored so far, of every tenant, in arrival order. A store that cannot
    /// be read gives an empty list and a message on stderr (this is for tests and tools).
    pub fn events(&self) -> Vec<Event> {
        match self.store.reader().and_then(|r| r.all_events()) {
            Ok(events) => events.into_iter().map(|(_, e)| e).collect(),
            Err(e) => {
                eprintln!("waymark-collector: {e}");
                Vec::new()
            }
        }
    }

    /// Stops accepting connections, lets the open ones finish (for up to 10 s, then ends
    /// them) and waits for the server task.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = stop.send(());
        }
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await {
            Ok(joined) => joined.context("the collector task failed")?.context("the collector failed"),
            Err(_) => {
                self.task.abort();
                anyhow::bail!("connections still open {}s after shutdown; ended", SHUTDOWN_GRACE.as_secs())
            }
        }
    }
}

/// Binds `config.addr`, then serves in a spawned task (so the returned [`Running`] already
/// accepts connections).
pub async fn serve(config: Config) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr().context("cannot read the bound address")?;
    let (db, temp) = match config.db {
        Some(db) => (db, None),
        None => {
            let dir = tempfile::tempdir().context("cannot make a temporary folder for the store")?;
            (dir.path().join("waymark.db"), Some(dir))
        }
    };
    let store = Store::open(&db).map_err(anyhow::Error::msg)?;
    let app = router(AppState {
        root: Arc::new(config.root),
        tenants: Arc::new(config.tenants),
        store: store.clone(),
        days: Arc::default(),
        guides: Arc::default(),
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // A send or a dropped `Running` both stop the server.
                let _ = stopped.await;
            })
            .await
    });
    Ok(Running { addr, store, stop: Some(stop), task, _temp: temp })
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/guides", get(guides::get_guides).options(preflight))
        .route(
            "/v1/events",
            post(events::post_events)
                .options(preflight)
                .layer(DefaultBodyLimit::max(events::MAX_BATCH_BYTES)),
        )
        .route("/v1/health", get(health::get_health))
        .route("/v1/status", get(status))
        .route("/dashboard", get(files::dashboard_index))
        .route("/dashboard/", get(files::dashboard_index))
        .route("/dashboard/{*path}", get(files::dashboard))
        .route("/", get(files::demo_index))
        .route("/pricing", get(files::demo_pricing))
        .route("/app", get(files::demo_app_root))
        .route("/app/", get(files::demo_app_root))
        .route("/app/{*path}", get(files::demo_app))
        .route("/{*path}", get(files::dist))
        .fallback(files::fallback)
        .with_state(state)
}

async fn preflight(
    axum::extract::State(s): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    cors::preflight(&headers, &s.tenants)
}

/// `GET /v1/status`: the collector is up.
async fn status() -> axum::response::Response {
    http::to_json(&serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }))
}
