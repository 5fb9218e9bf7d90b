//! End-to-end harness: the real collector in-process, real headless Chromium over
//! WebDriver (ChromeDriver + fantoccini), and helpers that read what a user would see.
//!
//! ```no_run
//! use waymark_e2e::{Harness, Setup};
//!
//! # async fn t() -> anyhow::Result<()> {
//! let h = Harness::start(Setup::demo()).await?; // collector on the repo, fresh Chromium
//! h.as_user("alice").await?; // the demo's user switch (localStorage)
//! h.open("/app").await?;
//! let card = h.wait_card("first-project", "welcome").await?; // waits, never sleeps blindly
//! assert_eq!(card.role.as_deref(), Some("dialog"));
//! h.click_card_button("next").await?;
//! h.finish().await // fails on any console error or page exception
//! # }
//! ```
//!
//! - Every document gets a recorder before its own scripts run ([`page::RECORDER_JS`]):
//!   uncaught errors, unhandled rejections, failed loads, `console.error`/`warn`, every card
//!   the agent shows, and every event through `waymark.on("event", ...)`. Its log lives in
//!   `sessionStorage`, so it survives reloads. ChromeDriver's browser log
//!   (`goog:loggingPrefs`) is read as well. [`Harness::finish`] fails the test on any error
//!   from either, except the 404s a test allowed with [`Harness::allow_missing`].
//! - Waits poll every 50 ms and fail after [`timeout`] with what they waited for, what the
//!   page showed and the errors so far. Nothing is timed.
//! - The agent's UI is in an open shadow root: it is read with JavaScript
//!   ([`Harness::overlay`]) and clicked through WebDriver's shadow-root lookups.
//! - Chromium and ChromeDriver must be installed (`/usr/bin/chromium`,
//!   `/usr/bin/chromedriver`); without them the tests fail and say how to install them.
//! - At most two browsers run at once (`WAYMARK_E2E_BROWSERS` changes it): the tests of the
//!   binary run in parallel on a small machine.

pub mod browser;
mod fetch;
pub mod page;
pub mod site;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::actions::{InputSource, KeyAction, KeyActions, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};
use waymark_collector::{Config, Running, Tenants};

pub use browser::{Browser, ConsoleEntry};
pub use fetch::Reply;
pub use page::{Button, Card, Entry, Overlay, Rect};
pub use site::{TempTree, page, page_with_guides, repo_root, require_agent_build};

/// How often waits look again.
pub const POLL: Duration = Duration::from_millis(50);

/// How long a wait lasts before it fails: 15 s, or `WAYMARK_E2E_TIMEOUT_SECS`.
pub fn timeout() -> Duration {
    let secs = std::env::var("WAYMARK_E2E_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    Duration::from_secs(secs)
}

fn browsers() -> &'static Semaphore {
    static BROWSERS: OnceLock<Semaphore> = OnceLock::new();
    BROWSERS.get_or_init(|| {
        let n = std::env::var("WAYMARK_E2E_BROWSERS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
        Semaphore::new(n)
    })
}

/// What a test serves and how the browser is set up.
pub struct Setup {
    root: Option<TempTree>,
    guides: Option<TempTree>,
    record_events: bool,
}

impl Setup {
    /// The repository as it is: the demo app, the agent build in `www/dist/` (required:
    /// [`Harness::start`] fails early when it is missing) and the example guides.
    pub fn demo() -> Setup {
        Setup { root: None, guides: None, record_events: true }
    }

    /// Serves `root` (see [`TempTree`]) instead of the repository.
    pub fn root(mut self, root: TempTree) -> Setup {
        self.root = Some(root);
        self
    }

    /// Serves the guides of `dir` instead of `<repo>/guides`.
    pub fn guides(mut self, dir: TempTree) -> Setup {
        self.guides = Some(dir);
        self
    }

    /// Whether the recorder queues `waymark.on("event", ...)` before the page's scripts
    /// (on by default; pages then find `window.waymark` already defined, as the demo's own
    /// stub would make it).
    pub fn record_events(mut self, on: bool) -> Setup {
        self.record_events = on;
        self
    }
}

/// The tests' tenant: the fixture pages' key `e2e-key` and the demo's `demo-write-key`, any
/// account, read token [`READ_TOKEN`], guides from `guides`.
fn tenants(guides: &Path) -> Result<Tenants> {
    let toml = format!(
        "[[tenant]]\nid = \"e2e\"\nwrite_keys = [\"e2e-key\", \"demo-write-key\"]\n\
         read_tokens = [\"{READ_TOKEN}\"]\naccounts = [\"*\"]\nguides = {:?}\n",
        guides.display().to_string()
    );
    Tenants::parse("e2e.toml", &toml, guides).map_err(|e| anyhow!(e))
}

/// The read token of the tests' tenant.
pub const READ_TOKEN: &str = "e2e-read-token";

/// A collector, a browser, and what the test saw. End every test with [`Harness::finish`].
pub struct Harness {
    // Fields drop in order: the browser first, then the server, then the folders.
    browser: Browser,
    server: Running,
    _root: Option<TempTree>,
    _guides: Option<TempTree>,
    /// The page recorder, installed in every tab.
    recorder: String,
    console: Mutex<Vec<ConsoleEntry>>,
    console_read: Mutex<bool>,
    allowed: Mutex<Vec<(String, u16)>>,
    expected_errors: Mutex<Vec<String>>,
    _permit: SemaphorePermit<'static>,
}

impl Harness {
    /// Starts the collector on `127.0.0.1:0` and a fresh headless Chromium.
    pub async fn start(setup: Setup) -> Result<Harness> {
        browser::check_installed()?;
        let root = match &setup.root {
            Some(t) => t.path().to_path_buf(),
            None => {
                require_agent_build()?;
                repo_root()
            }
        };
        let mut config = Config::new(&root);
        let guides = match &setup.guides {
            Some(t) => t.path().to_path_buf(),
            None => repo_root().join("guides"),
        };
        config.tenants = tenants(&guides)?;
        let permit = browsers().acquire().await.context("browser slots closed")?;
        let server = waymark_collector::serve(config).await?;
        let browser = Browser::start().await?;
        let recorder =
            page::RECORDER_JS.replace("__STUB__", if setup.record_events { "true" } else { "false" });
        browser.on_new_document(&recorder).await?;
        Ok(Harness {
            browser,
            server,
            _root: setup.root,
            _guides: setup.guides,
            recorder,
            console: Mutex::new(Vec::new()),
            console_read: Mutex::new(false),
            allowed: Mutex::new(vec![("/favicon.ico".into(), 404)]),
            expected_errors: Mutex::new(Vec::new()),
            _permit: permit,
        })
    }

    /// Runs `script` in every document the browser loads from now on, before the page's
    /// own scripts: to stand in for a browser or a server that behaves differently.
    pub async fn before_page_scripts(&self, script: &str) -> Result<()> {
        self.browser.on_new_document(script).await
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.browser.client
    }

    /// The running collector (its address, the events it accepted).
    pub fn collector(&self) -> &Running {
        &self.server
    }

    /// The absolute URL of `path` on the collector.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// A plain HTTP GET to the collector (no browser).
    pub async fn fetch(&self, path: &str) -> Result<Reply> {
        fetch::get(&self.url(path)).await
    }

    /// Navigates to `path` and waits for its `load` event.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.client().goto(&self.url(path)).await.with_context(|| format!("cannot open {path}"))?;
        self.drain_console().await;
        Ok(())
    }

    /// Opens `path` in a new tab of the same browser (same storage, same user), which
    /// becomes the one every other method talks to; returns the tab it was before, for
    /// [`Harness::switch_tab`].
    pub async fn new_tab(&self, path: &str) -> Result<WindowHandle> {
        let tab = self.client().new_window(true).await.context("cannot open a tab")?;
        let before = self.switch_tab(tab.handle).await?;
        self.browser.on_new_document(&self.recorder).await?;
        self.open(path).await?;
        Ok(before)
    }

    /// Makes `tab` the one every other method talks to; returns the tab it was before.
    pub async fn switch_tab(&self, tab: WindowHandle) -> Result<WindowHandle> {
        let before = self.client().window().await.context("cannot read the current tab")?;
        self.client().switch_to_window(tab).await.context("cannot switch tabs")?;
        Ok(before)
    }

    /// Reloads the page and waits for its `load` event.
    pub async fn reload(&self) -> Result<()> {
        self.client().refresh().await.context("cannot reload")?;
        self.drain_console().await;
        Ok(())
    }

    /// Switches the demo's user (`localStorage["demo-user"]`) from a page of the same
    /// origin without the app; open an app page afterwards.
    pub async fn as_user(&self, user: &str) -> Result<()> {
        self.open("/v1/status").await?;
        self.js("localStorage.setItem('demo-user', arguments[0]);", vec![json!(user)]).await?;
        Ok(())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client().execute(script, args).await.map_err(|e| anyhow!("script failed: {e}\n{script}"))
    }

    /// [`Harness::js`], deserialised.
    pub async fn js_as<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> Result<T> {
        let v = self.js(script, args).await?;
        serde_json::from_value(v.clone()).with_context(|| format!("unexpected script result {v}"))
    }

    /// Polls `probe` every 50 ms until it returns `Some`; fails after [`timeout`] with
    /// `what`, the probe's last error, what the page shows and the errors so far.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        mut probe: impl AsyncFnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let start = Instant::now();
        let limit = timeout();
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_error = Some(format!("{e:#}")),
            }
            if start.elapsed() > limit {
                return Err(self.timed_out(what, limit, last_error).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn timed_out(&self, what: &str, limit: Duration, last_error: Option<String>) -> anyhow::Error {
        let mut msg = format!("timed out after {} s waiting for {what}", limit.as_secs());
        if let Some(e) = last_error {
            msg += &format!("\n  last check failed: {e}");
        }
        let path = self.path().await.unwrap_or_else(|e| format!("? ({e})"));
        let overlay = self.overlay().await.map(|o| o.describe()).unwrap_or_else(|e| format!("? ({e})"));
        msg += &format!("\n  page: {path}; agent: {overlay}");
        match self.problems().await {
            Ok(p) if p.is_empty() => {}
            Ok(p) => msg += &format!("\n  errors so far:\n    {}", p.join("\n    ")),
            Err(e) => msg += &format!("\n  errors unknown: {e}"),
        }
        if let Ok(w) = self.warnings().await
            && !w.is_empty()
        {
            msg += &format!("\n  warnings so far:\n    {}", w.join("\n    "));
        }
        anyhow!(msg)
    }

    /// Waits until `script` returns something other than `null`, `undefined` or `false`,
    /// and returns it.
    pub async fn wait_js(&self, what: &str, script: &str) -> Result<Value> {
        self.wait_for(what, async || {
            let v = self.js(script, vec![]).await?;
            Ok((!matches!(v, Value::Null | Value::Bool(false))).then_some(v))
        })
        .await
    }

    /// Waits until an element matches `selector` in the page (not in the agent's UI).
    pub async fn wait_element(&self, selector: &str) -> Result<()> {
        self.wait_js(
            &format!("`{selector}` in the page"),
            &format!("return !!document.querySelector({});", json!(selector)),
        )
        .await
        .map(drop)
    }

    /// The agent's overlay right now.
    pub async fn overlay(&self) -> Result<Overlay> {
        self.js_as(page::OVERLAY_JS, vec![]).await
    }

    /// The visible card, if any.
    pub async fn card(&self) -> Result<Option<Card>> {
        Ok(self.overlay().await?.card.filter(|c| c.visible))
    }

    /// Waits until `guide`'s `step` is the visible card and its rectangle stopped moving
    /// (two polls in a row agree), and returns it.
    pub async fn wait_card(&self, guide: &str, step: &str) -> Result<Card> {
        self.wait_card_where(&format!("the card of {guide}/{step}"), |c| c.is(guide, step)).await
    }

    /// Waits until a visible card satisfies `pred` and stopped moving, and returns it.
    pub async fn wait_card_where(&self, what: &str, pred: impl Fn(&Card) -> bool) -> Result<Card> {
        let mut previous: Option<Rect> = None;
        self.wait_for(what, async || {
            let card = self.card().await?.filter(|c| pred(c));
            let settled = match (&card, previous) {
                (Some(c), Some(p)) => c.rect == p,
                _ => false,
            };
            previous = card.as_ref().map(|c| c.rect);
            Ok(if settled { card } else { None })
        })
        .await
    }

    /// Waits until no card is visible.
    pub async fn wait_no_card(&self, what: &str) -> Result<()> {
        self.wait_for(what, async || Ok(self.card().await?.is_none().then_some(()))).await
    }

    /// The rectangle of the first element matching `selector` in the page.
    pub async fn rect(&self, selector: &str) -> Result<Option<Rect>> {
        self.js_as(
            "const el = document.querySelector(arguments[0]); if (!el) return null;
             const b = el.getBoundingClientRect(); return { x: b.left, y: b.top, width: b.width, height: b.height };",
            vec![json!(selector)],
        )
        .await
    }

    /// The viewport without its scroll bars (where cards must fit), in CSS pixels.
    pub async fn viewport(&self) -> Result<(f64, f64)> {
        self.js_as(
            "const r = document.documentElement;
             return [Math.min(innerWidth, r.clientWidth), Math.min(innerHeight, r.clientHeight)];",
            vec![],
        )
        .await
    }

    /// `location.pathname`.
    pub async fn path(&self) -> Result<String> {
        self.js_as("return location.pathname;", vec![]).await
    }

    /// Waits for `selector` in the page, then clicks it like a user (WebDriver element
    /// click: scrolled into view, fails when something covers it).
    pub async fn click(&self, selector: &str) -> Result<()> {
        let el = self
            .wait_for(&format!("`{selector}` to click"), async || {
                Ok(self.client().find(Locator::Css(selector)).await.ok())
            })
            .await?;
        el.click().await.with_context(|| format!("cannot click `{selector}`"))
    }

    /// Moves the mouse over the page element `selector` (waited for), as a user hovering it.
    pub async fn hover(&self, selector: &str) -> Result<()> {
        let element = self
            .wait_for(&format!("`{selector}` to hover"), async || {
                Ok(self.client().find(Locator::Css(selector)).await.ok())
            })
            .await?;
        let mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        self.client().perform_actions(mouse).await.with_context(|| format!("cannot hover `{selector}`"))
    }

    /// The first element matching `selector` inside the agent's shadow root, waited for.
    pub async fn shadow_element(&self, selector: &str) -> Result<Element> {
        self.wait_for(&format!("`{selector}` in the agent's shadow root"), async || {
            let Ok(host) = self.client().find(Locator::Css("#waymark-root")).await else {
                return Ok(None);
            };
            let root = host.shadow_root().await?;
            Ok(root.find(Locator::Css(selector)).await.ok())
        })
        .await
    }

    /// Clicks the card's `button[data-action="ACTION"]`.
    pub async fn click_card_button(&self, action: &str) -> Result<()> {
        let selector = format!("button[data-action=\"{action}\"]");
        let b = self.shadow_element(&selector).await?;
        b.click().await.with_context(|| format!("cannot click the card's {selector}"))
    }

    /// Clicks the card's close button (`button.wm-close`).
    pub async fn click_close(&self) -> Result<()> {
        let b = self.shadow_element("button.wm-close").await?;
        b.click().await.context("cannot click the card's close button")
    }

    /// Clicks the hotspot marker (`.wm-hotspot`).
    pub async fn click_hotspot(&self) -> Result<()> {
        let b = self.shadow_element(".wm-hotspot").await?;
        b.click().await.context("cannot click the hotspot marker")
    }

    /// Presses and releases a key on whatever has the focus.
    pub async fn press(&self, key: Key) -> Result<()> {
        let k: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
        self.client().perform_actions(keys).await.context("cannot press a key")
    }

    /// Presses Escape.
    pub async fn press_escape(&self) -> Result<()> {
        self.press(Key::Escape).await
    }

    /// Presses Enter.
    pub async fn press_enter(&self) -> Result<()> {
        self.press(Key::Enter).await
    }

    /// Types `text` into the page element `selector` (waited for).
    pub async fn type_into(&self, selector: &str, text: &str) -> Result<()> {
        self.wait_element(selector).await?;
        let el = self.client().find(Locator::Css(selector)).await?;
        el.send_keys(text).await.with_context(|| format!("cannot type into `{selector}`"))
    }

    /// Makes the recorder note, with each card it sees from now on in this document,
    /// whether these selectors matched an element at that moment ([`Entry::present`]).
    pub async fn watch_selectors(&self, selectors: &[&str]) -> Result<()> {
        self.js("window.__waymarkE2E.watch = arguments[0];", vec![json!(selectors)]).await.map(drop)
    }

    /// The recorder's log, for the whole tab so far.
    pub async fn log(&self) -> Result<Vec<Entry>> {
        let raw: Option<String> =
            self.js_as("return sessionStorage.getItem(arguments[0]);", vec![json!(page::LOG_KEY)]).await?;
        match raw {
            Some(text) => serde_json::from_str(&text).context("the recorder's log is not JSON"),
            None => Ok(Vec::new()),
        }
    }

    /// Which document load of the tab is shown (1 for the first page, +1 per navigation).
    pub async fn load_number(&self) -> Result<u64> {
        self.js_as("return window.__waymarkE2E ? window.__waymarkE2E.load : 0;", vec![]).await
    }

    /// The events recorded through `waymark.on("event", ...)` so far.
    pub async fn events(&self) -> Result<Vec<Entry>> {
        Ok(self.log().await?.into_iter().filter(|e| e.kind == "event").collect())
    }

    /// Waits for an event satisfying `pred` and returns it.
    pub async fn wait_event(&self, what: &str, pred: impl Fn(&Entry) -> bool) -> Result<Entry> {
        self.wait_for(what, async || Ok(self.events().await?.into_iter().find(|e| pred(e)))).await
    }

    /// The cards the recorder saw appear, in order (entries with no guide: none shown).
    pub async fn cards_seen(&self) -> Result<Vec<Entry>> {
        Ok(self.log().await?.into_iter().filter(|e| e.kind == "card").collect())
    }

    /// `localStorage` as a map.
    pub async fn local_storage(&self) -> Result<BTreeMap<String, String>> {
        self.js_as("return Object.fromEntries(Object.entries(localStorage));", vec![]).await
    }

    /// Lets a 404 of `path` (`/waymark.js`) pass: the browser logs it as an error.
    pub fn allow_missing(&self, path: &str) {
        self.allow_status(path, 404);
    }

    /// Lets an answer of `status` to `path` (with or without a query) pass: the browser logs
    /// every 4xx/5xx as an error, even when the page handles it.
    pub fn allow_status(&self, path: &str, status: u16) {
        self.allowed.lock().unwrap_or_else(PoisonError::into_inner).push((path.to_string(), status));
    }

    /// Lets a console error the browser itself logs pass when it contains `fragment` (a
    /// Content-Security-Policy report, say); uncaught exceptions never pass.
    pub fn expect_browser_error(&self, fragment: &str) {
        self.expected_errors.lock().unwrap_or_else(PoisonError::into_inner).push(fragment.to_string());
    }

    fn expected_error(&self, text: &str) -> bool {
        self.expected_errors.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|f| text.contains(f))
    }

    async fn drain_console(&self) {
        if let Some(entries) = self.browser.take_console().await {
            *self.console_read.lock().unwrap_or_else(PoisonError::into_inner) = true;
            self.console.lock().unwrap_or_else(PoisonError::into_inner).extend(entries);
        }
    }

    /// The browser console so far (ChromeDriver's log; empty when it gives none).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        self.drain_console().await;
        self.console.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn allowed_status(&self, text: &str) -> bool {
        let allowed = self.allowed.lock().unwrap_or_else(PoisonError::into_inner);
        is_allowed(&self.url(""), &allowed, text)
    }

    /// Every error seen so far that no [`Harness::allow_missing`] covers: console errors,
    /// uncaught exceptions, unhandled rejections, failed loads.
    pub async fn problems(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for e in self.console().await {
            if e.is_error() && !self.allowed_status(&e.message) && !self.expected_error(&e.message) {
                out.push(format!("console [{}]: {}", e.source.as_deref().unwrap_or("?"), e.message));
            }
        }
        for e in self.log().await? {
            let allowed =
                e.kind == "resource_error" && self.allowed_status(&format!("{} failed to load", e.url));
            if matches!(e.kind.as_str(), "page_error" | "console_error" | "resource_error") && !allowed {
                out.push(format!("{} on {}: {}", e.kind, e.path, e.message));
            }
        }
        Ok(out)
    }

    /// Every warning so far (browser log and recorded `console.warn`).
    pub async fn warnings(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> =
            self.console().await.into_iter().filter(|e| e.is_warning()).map(|e| e.message).collect();
        out.extend(self.log().await?.into_iter().filter(|e| e.kind == "console_warn").map(|e| e.message));
        Ok(out)
    }

    /// Fails when [`Harness::problems`] found anything.
    pub async fn check_no_errors(&self) -> Result<()> {
        let problems = self.problems().await?;
        if problems.is_empty() {
            return Ok(());
        }
        bail!("the page logged errors:\n  {}", problems.join("\n  "))
    }

    /// Whether ChromeDriver gave the browser log at least once (otherwise only the
    /// recorder's view of errors is checked).
    pub fn console_available(&self) -> bool {
        *self.console_read.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks that no error was logged, then closes the browser and stops the collector.
    pub async fn finish(self) -> Result<()> {
        let checked = self.check_no_errors().await;
        let Harness { browser, server, .. } = self;
        let closed = browser.close().await;
        let stopped = server.shutdown().await;
        checked?;
        closed?;
        stopped
    }
}

/// Whether `text` (a console line, or a recorder's `URL failed to load`) is the failure to
/// load `origin` + one of the `allowed` paths.
fn is_allowed(origin: &str, allowed: &[(String, u16)], text: &str) -> bool {
    allowed.iter().any(|(p, status)| {
        let url = format!("{origin}{p}");
        // The URL must end there (`/waymark.js` does not allow `/waymark.json`).
        let at_end = text.match_indices(&url).any(|(i, _)| {
            text.get(i + url.len()..)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '?', '#', '"', '\'']))
        });
        at_end && (text.contains(&format!("status of {status}")) || text.ends_with(" failed to load"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allowed_missing_file_passes() {
        let allowed = vec![("/waymark.js".to_string(), 404)];
        let origin = "http://127.0.0.1:9";
        let chrome = |url: &str| {
            format!("{url} - Failed to load resource: the server responded with a status of 404 (Not Found)")
        };
        assert!(is_allowed(origin, &allowed, &chrome("http://127.0.0.1:9/waymark.js")));
        assert!(is_allowed(origin, &allowed, "http://127.0.0.1:9/waymark.js failed to load"));
        assert!(!is_allowed(origin, &allowed, &chrome("http://127.0.0.1:9/waymark.json")));
        assert!(!is_allowed(origin, &allowed, &chrome("http://127.0.0.1:9/waymark_agent.js")));
        assert!(!is_allowed(origin, &allowed, &chrome("http://127.0.0.1:10/waymark.js")));
        let error = "http://127.0.0.1:9/waymark.js 12:3 Uncaught TypeError: x is undefined";
        assert!(!is_allowed(origin, &allowed, error), "an exception in the file is not a 404");
    }
}
