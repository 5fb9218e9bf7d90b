//! Waymark's collector, first cut: a small HTTP server that serves what the browser agent
//! and the demo app need.
//!
//! - `GET /v1/guides`: the valid guides of a folder, reloaded on every request (CS teams
//!   edit them live), as a JSON array of specs with a strong `ETag` (`304` on a match);
//! - `POST /v1/events`: beacon batches (`{"key", "sent_at", "events": [...]}`, sent as
//!   `text/plain`), every event checked against [`waymark_core::Event`]; accepted events are
//!   kept in memory and listed at `GET /v1/debug/events` (durable storage comes later);
//! - the agent's build (`<root>/www/dist/`) at the site root, and the demo app
//!   (`<root>/www/demo/`) at `/`, `/pricing` and `/app/...` with an SPA fallback.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let running = waymark_collector::serve(waymark_collector::Config::new(".")).await?;
//! println!("listening on http://{}", running.addr());
//! running.shutdown().await?;
//! # Ok(()) }
//! ```

mod events;
mod files;
mod guides;
mod http;

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

/// How long [`Running::shutdown`] waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Where to listen and what to serve.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind. Port 0 lets the system pick one ([`Running::addr`] tells which).
    pub addr: SocketAddr,
    /// The repository root: the agent is served from `<root>/www/dist/`, the demo app from
    /// `<root>/www/demo/`.
    pub root: PathBuf,
    /// The folder of guide files (`*.json` at any depth, except `schema.json`).
    pub guides_dir: PathBuf,
}

impl Config {
    /// Serves `root` on `127.0.0.1` (loopback only) on a port the system picks, with the
    /// guides of `<root>/guides`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Config { addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), guides_dir: root.join("guides"), root }
    }
}

/// Shared by every handler.
#[derive(Clone)]
struct AppState {
    root: Arc<PathBuf>,
    guides_dir: Arc<PathBuf>,
    events: events::Store,
}

/// A collector serving in a background task. Dropping it stops the server too (without
/// waiting); [`Running::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    events: events::Store,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
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

    /// The events accepted so far, in arrival order (what `GET /v1/debug/events` lists).
    pub fn events(&self) -> Vec<Event> {
        self.events.all()
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
    let events = events::Store::default();
    let app = router(AppState {
        root: Arc::new(config.root),
        guides_dir: Arc::new(config.guides_dir),
        events: events.clone(),
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
    Ok(Running { addr, events, stop: Some(stop), task })
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/guides", get(guides::get_guides))
        .route("/v1/events", post(events::post_events).layer(DefaultBodyLimit::max(events::MAX_BATCH_BYTES)))
        .route("/v1/debug/events", get(events::debug_events))
        .route("/", get(files::demo_index))
        .route("/pricing", get(files::demo_pricing))
        .route("/app", get(files::demo_app_root))
        .route("/app/", get(files::demo_app_root))
        .route("/app/{*path}", get(files::demo_app))
        .route("/{*path}", get(files::dist))
        .fallback(files::fallback)
        .with_state(state)
}
