//! ChromeDriver and a headless Chromium session, killed with their whole process group
//! when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Chromium's path; `WAYMARK_CHROMIUM` overrides it.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// ChromeDriver's path; `WAYMARK_CHROMEDRIVER` overrides it.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Viewport size the browser window is opened with (`--window-size`).
pub const WINDOW: (u32, u32) = (1280, 800);

const HOW_TO_INSTALL: &str = "the end-to-end tests need Chromium and ChromeDriver: install them with \
     `apt-get install chromium chromium-driver` (Debian), or point WAYMARK_CHROMIUM and \
     WAYMARK_CHROMEDRIVER at them";

fn tool(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// Fails with an installation hint when Chromium or ChromeDriver is missing.
pub fn check_installed() -> Result<(PathBuf, PathBuf)> {
    let chromium = tool("WAYMARK_CHROMIUM", CHROMIUM);
    let driver = tool("WAYMARK_CHROMEDRIVER", CHROMEDRIVER);
    for p in [&chromium, &driver] {
        if !p.is_file() {
            bail!("{} is missing: {HOW_TO_INSTALL}", p.display());
        }
    }
    Ok((chromium, driver))
}

/// A running ChromeDriver in its own process group (Chromium is started inside it).
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start(binary: &Path) -> Result<Driver> {
        let port = free_port()?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group, so dropping it can end Chromium and its helpers too.
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}: {HOW_TO_INSTALL}", binary.display()))?;
        let mut driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_ok() {
                return Ok(driver);
            }
            if let Some(status) = driver.child.try_wait()? {
                bail!("chromedriver exited at start ({status}); is port {port} taken?");
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative id names the group: ChromeDriver, Chromium and its helpers.
        let group = format!("-{}", self.child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !killed {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?.port())
}

/// A WebDriver session in a fresh headless Chromium profile.
pub struct Browser {
    /// The fantoccini client (every WebDriver command).
    pub client: Client,
    // Drop order: the driver (and Chromium) before its profile folder.
    driver: Driver,
    _profile: TempDir,
}

impl Browser {
    /// Starts ChromeDriver on a free port and opens a session with the project's flags.
    pub async fn start() -> Result<Browser> {
        let (chromium, driver_path) = check_installed()?;
        // Two attempts: a ChromeDriver that listens but drops the first request (seen now
        // and then with several tests starting browsers at once on a small machine) is the
        // machine's hiccup, not a finding; a second fresh driver and port decide.
        match Self::start_once(&chromium, &driver_path).await {
            Ok(b) => Ok(b),
            Err(first) => Self::start_once(&chromium, &driver_path)
                .await
                .with_context(|| format!("the first attempt failed too: {first:#}")),
        }
    }

    async fn start_once(chromium: &Path, driver_path: &Path) -> Result<Browser> {
        let profile = tempfile::Builder::new().prefix("waymark-e2e-profile").tempdir()?;
        let driver = Driver::start(driver_path).await?;
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium.display().to_string(), "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(caps) = caps else { bail!("capabilities are an object") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .with_context(|| format!("cannot open a Chromium session ({})", chromium.display()))?;
        Ok(Browser { client, driver, _profile: profile })
    }

    /// Runs `script` at the start of every document this tab loads, before the page's own
    /// scripts (Chrome DevTools `Page.addScriptToEvaluateOnNewDocument`).
    pub async fn on_new_document(&self, script: &str) -> Result<()> {
        let cmd = Cdp { cmd: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": script }) };
        self.client.issue_cmd(cmd).await.context("cannot install the page recorder")?;
        Ok(())
    }

    /// The browser console entries since the last call (`goog:loggingPrefs`), or `None`
    /// when this ChromeDriver cannot give them.
    pub async fn take_console(&self) -> Option<Vec<ConsoleEntry>> {
        let raw = self.client.issue_cmd(GetLog).await.ok()?;
        serde_json::from_value(raw).ok()
    }

    /// Ends the session (Chromium quits); the driver is killed on drop.
    pub async fn close(self) -> Result<()> {
        let Browser { client, driver, _profile } = self;
        let closed = client.close().await;
        drop(driver);
        closed.context("cannot close the browser session")
    }
}

/// One line of the browser console, as ChromeDriver reports it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    /// The text, prefixed by Chrome with where it came from.
    pub message: String,
    /// `console-api`, `javascript`, `network`, ... when given.
    #[serde(default)]
    pub source: Option<String>,
}

impl ConsoleEntry {
    /// An error (console.error, an uncaught exception, a failed load).
    pub fn is_error(&self) -> bool {
        self.level == "SEVERE"
    }

    /// A warning (console.warn).
    pub fn is_warning(&self) -> bool {
        self.level == "WARNING"
    }
}

/// ChromeDriver's `POST /session/{id}/se/log` for the browser log.
#[derive(Debug)]
struct GetLog;

impl WebDriverCompatibleCommand for GetLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// ChromeDriver's `POST /session/{id}/goog/cdp/execute`: one DevTools command.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}
