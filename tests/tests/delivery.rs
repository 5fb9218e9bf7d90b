//! Delivery of events from the agent's durable queue to the real collector: an outage,
//! a page closed with events still queued, two tabs of one origin, and no consent.
//!
//! The test page records every request the agent makes to `/v1/events` (through `fetch`
//! or `sendBeacon`) in `localStorage`, so what was posted is counted in the page, not at
//! the collector (which deduplicates).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;

use anyhow::{Context, Result, anyhow, ensure};
use serde::Deserialize;
use serde_json::json;
use waymark_collector::{Config, Running, Tenants};
use waymark_e2e::{Harness, Setup, TempTree, page};

use crate::flows;

/// Wraps `fetch` and `sendBeacon`: each request to `/v1/events` is logged under a key of
/// this document (`__posts:...`) with the event ids in its body, how it went, and that
/// key (which page sent it).
const RECORD_POSTS: &str = r#"<script>
(() => {
  const key = '__posts:' + Math.random();
  const log = (via, body, status) => {
    let ids = [];
    try { ids = JSON.parse(body).events.map(e => e.id); } catch (e) { ids = ['unreadable']; }
    const all = JSON.parse(localStorage.getItem(key) || '[]');
    all.push({ via, ids, status, page: key });
    localStorage.setItem(key, JSON.stringify(all));
  };
  const fetch = window.fetch;
  window.fetch = function (url, init) {
    const p = fetch.apply(this, arguments);
    if (String(url).includes('/v1/events')) {
      p.then(r => log('fetch', init && init.body, r.status), () => log('fetch', init && init.body, 0));
    }
    return p;
  };
  const beacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, body) => {
    const ok = beacon(url, body);
    log('beacon', body, ok ? 202 : 0);
    return ok;
  };
})();
</script>"#;

/// One request the page made to the collector.
#[derive(Debug, Deserialize)]
struct Post {
    /// `fetch` or `beacon`.
    via: String,
    ids: Vec<String>,
    /// The HTTP status, `0` when the request failed (202 for a beacon the browser took).
    status: u16,
    /// The page that sent it.
    page: String,
}

impl Post {
    fn delivered(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A root with the agent and `/app/delivery`, whose agent posts to `collector`; `head`
/// goes after the request recorder.
fn site(collector: &str, head: &str) -> Result<TempTree> {
    let root = TempTree::demo_with_agent()?;
    let html = page("Delivery", &format!("{RECORD_POSTS}\n{head}"), "<main><h1>Delivery</h1></main>")
        .replace(r#"data-collector="/v1/events""#, &format!(r#"data-collector="{collector}""#));
    ensure!(html.contains(collector), "the fixture page no longer has data-collector=\"/v1/events\"");
    root.write("www/demo/app/delivery.html", &html)?;
    Ok(root)
}

/// A guides folder with one modal on every `/app` page.
fn modal_guides() -> Result<TempTree> {
    let guides = TempTree::new()?;
    guides.write("modal.json", flows::modal_on_app("delivery-modal", 0))?;
    Ok(guides)
}

/// Every request logged by every document of the origin so far (open a page of the
/// origin first).
async fn posts(h: &Harness) -> Result<Vec<Post>> {
    let logs: Vec<String> = h
        .js_as(
            "return Object.keys(localStorage).filter(k => k.startsWith('__posts:')).map(k => localStorage.getItem(k));",
            vec![],
        )
        .await?;
    let mut all = Vec::new();
    for log in logs {
        let mut posts: Vec<Post> = serde_json::from_str(&log).context("the request log is not JSON")?;
        all.append(&mut posts);
    }
    Ok(all)
}

/// `waymark.track(name)` in the current page.
async fn track(h: &Harness, name: &str) -> Result<()> {
    h.js("window.waymark.track(arguments[0]);", vec![json!(name)]).await.map(drop)
}

/// The track events' names among `events`.
fn tracked(events: &[waymark_core::Event]) -> Vec<String> {
    let mut names: Vec<String> = events
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .filter(|v| v["type"] == "track")
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn ids(events: &[waymark_core::Event]) -> Vec<String> {
    let mut ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    ids.sort();
    ids
}

/// Fails when an event id went out in more than one request the browser accepted.
fn check_posted_once(posts: &[Post]) -> Result<()> {
    let mut sent: Vec<&String> = posts.iter().filter(|p| p.delivered()).flat_map(|p| p.ids.iter()).collect();
    sent.sort();
    let twice: Vec<&&String> = sent.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    ensure!(twice.is_empty(), "events posted twice: {twice:?}\nrequests: {posts:#?}");
    Ok(())
}

/// How many events the agent's stored queues of `e2e-key` hold, over every tab.
async fn queued(h: &Harness) -> Result<u64> {
    h.js_as(
        "return Object.keys(localStorage).filter(k => k.startsWith('waymark:q:e2e-key:'))
           .map(k => localStorage.getItem(k).split('\\n').length - 1).reduce((a, b) => a + b, 0);",
        vec![],
    )
    .await
}

/// A port nothing listens on (yet).
fn closed_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?)
}

/// A second collector on `addr` (a page of another port posts to it), storing in `dir`.
async fn collector_at(addr: SocketAddr, dir: &Path) -> Result<Running> {
    let toml = format!(
        "[[tenant]]\nid = \"e2e\"\nwrite_keys = [\"e2e-key\"]\nread_tokens = [\"delivery-read\"]\n\
         origins = [\"http://127.0.0.1:*\"]\naccounts = [\"*\"]\nguides = {:?}\n",
        dir.display().to_string()
    );
    let mut config = Config::new(dir);
    config.addr = addr;
    config.db = Some(dir.join("events.db"));
    config.tenants = Tenants::parse("delivery.toml", &toml, dir).map_err(|e| anyhow!(e))?;
    waymark_collector::serve(config).await
}

/// Like [`Harness::finish`], except that the refused connections to `down` (a collector
/// that was down on purpose) are not errors. The harness has no way to allow them, so it
/// is dropped rather than finished.
async fn finish_after_outage(h: Harness, down: &str) -> Result<()> {
    let problems: Vec<String> = h
        .problems()
        .await?
        .into_iter()
        .filter(|p| !(p.contains(down) && p.contains("ERR_CONNECTION_REFUSED")))
        .collect();
    ensure!(problems.is_empty(), "the page logged errors:\n  {}", problems.join("\n  "));
    Ok(())
}

/// The collector is down while the user works and across a reload; once it is up, every
/// event arrives, and none was posted twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_made_while_the_collector_is_down_arrive_once_it_is_up() -> Result<()> {
    let addr = closed_port()?;
    let events_url = format!("http://{addr}/v1/events");
    let setup = Setup::demo().root(site(&events_url, "")?).guides(TempTree::new()?);
    let h = Harness::start(setup).await?;
    h.open("/app/delivery").await?;
    for n in 1..=3 {
        track(&h, &format!("offline-{n}")).await?;
    }
    h.wait_for("an attempt to send that fails (the collector is down)", async || {
        Ok(posts(&h).await?.iter().any(|p| p.via == "fetch" && p.status == 0).then_some(()))
    })
    .await?;
    // Still down: the stored queue carries the events into the next page.
    h.reload().await?;
    track(&h, "offline-4").await?;
    let spare = TempTree::new()?;
    let collector = collector_at(addr, spare.path()).await?;
    // Everything the agent reported (through `waymark.on`, on both loads) arrives.
    let arrived = h
        .wait_for("every reported event at the collector once it is up", async || {
            let reported: Vec<waymark_core::Event> = h
                .events()
                .await?
                .into_iter()
                .map(|e| serde_json::from_value(e.event))
                .collect::<Result<_, _>>()?;
            let events = collector.events();
            Ok((ids(&events) == ids(&reported)).then_some(events))
        })
        .await?;
    assert_eq!(tracked(&arrived), ["offline-1", "offline-2", "offline-3", "offline-4"]);
    let posts = posts(&h).await?;
    check_posted_once(&posts)?;
    assert!(posts.iter().all(|p| p.via == "fetch"), "nothing was beaconed into the outage: {posts:#?}");
    finish_after_outage(h, &events_url).await?;
    collector.shutdown().await
}

/// Leaving the page right after an event: `sendBeacon` delivers what the 5 s batch had
/// not sent yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_page_delivers_its_last_events_with_send_beacon() -> Result<()> {
    let setup = Setup::demo().root(site("/v1/events", "")?).guides(TempTree::new()?);
    let h = Harness::start(setup).await?;
    h.open("/app/delivery").await?;
    // The agent runs (calls made before it does would wait in the loader's queue).
    h.wait_event("the page view", |e| e.event_type() == Some("page_view")).await?;
    track(&h, "working").await?;
    h.js("window.waymark.track('last-words'); location.href = 'about:blank';", vec![]).await?;
    let last = h
        .wait_for("last-words at the collector", async || {
            Ok(h.collector()
                .events()
                .into_iter()
                .find(|e| tracked(std::slice::from_ref(e)) == ["last-words"]))
        })
        .await?;
    // A page of the origin without the agent, to read the request log.
    h.open("/waymark.js").await?;
    let posts = posts(&h).await?;
    let carried = posts.iter().find(|p| p.ids.contains(&last.id)).context("no request carried last-words")?;
    assert_eq!(carried.via, "beacon", "{posts:#?}");
    assert_eq!(tracked(&h.collector().events()), ["last-words", "working"]);
    check_posted_once(&posts)?;
    h.finish().await
}

/// Two tabs of one origin work at once (each hidden in turn): each page sends its own
/// events, and no event is posted twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_of_one_origin_never_post_the_same_event_twice() -> Result<()> {
    let setup = Setup::demo().root(site("/v1/events", "")?).guides(TempTree::new()?);
    let h = Harness::start(setup).await?;
    h.open("/app/delivery").await?;
    let first = h.client().window().await?;
    let second = h.client().new_window(true).await?.handle;
    h.client().switch_to_window(second.clone()).await?;
    h.open("/app/delivery").await?;
    let mut expected = Vec::new();
    for n in 1..=4 {
        for (tab, window) in [("one", &first), ("two", &second)] {
            h.client().switch_to_window(window.clone()).await?;
            let name = format!("{tab}-{n}");
            track(&h, &name).await?;
            expected.push(name);
        }
    }
    expected.sort();
    h.wait_for("both tabs' events at the collector", async || {
        Ok((tracked(&h.collector().events()) == expected).then_some(()))
    })
    .await?;
    let posts = posts(&h).await?;
    check_posted_once(&posts)?;
    // Each page sent the events it made, and only those.
    let names: HashMap<String, String> = h
        .collector()
        .events()
        .iter()
        .filter_map(|e| Some((e.id.clone(), tracked(std::slice::from_ref(e)).pop()?)))
        .collect();
    let mut by_page: HashMap<&str, Vec<&str>> = HashMap::new();
    for post in &posts {
        let labels = post.ids.iter().filter_map(|id| names.get(id)?.split('-').next());
        by_page.entry(&post.page).or_default().extend(labels);
    }
    for (page, mut labels) in by_page {
        labels.sort();
        labels.dedup();
        assert!(labels.len() <= 1, "page {page} sent another page's events: {labels:?}\n{posts:#?}");
    }
    h.finish().await
}

/// A tab leaves its page while the collector is down: the events it could not send are
/// left in storage, and the next page of the origin, in another tab, sends them at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_left_during_an_outage_hands_its_events_to_the_next_tab() -> Result<()> {
    let addr = closed_port()?;
    let events_url = format!("http://{addr}/v1/events");
    let setup = Setup::demo().root(site(&events_url, "")?).guides(TempTree::new()?);
    let h = Harness::start(setup).await?;
    h.open("/app/delivery").await?;
    track(&h, "left-behind").await?;
    h.wait_for("an attempt to send that fails (the collector is down)", async || {
        Ok(posts(&h).await?.iter().any(|p| p.via == "fetch" && p.status == 0).then_some(()))
    })
    .await?;
    // Leaving during the outage beacons nothing: the events stay stored.
    h.open("/waymark.js").await?;
    ensure!(queued(&h).await? >= 2, "the page view and the track event are stored");
    let spare = TempTree::new()?;
    let collector = collector_at(addr, spare.path()).await?;
    let second = h.client().new_window(true).await?.handle;
    h.client().close_window().await?;
    h.client().switch_to_window(second).await?;
    h.open("/app/delivery").await?;
    h.wait_for("the left page's event at the collector", async || {
        Ok((tracked(&collector.events()) == ["left-behind"]).then_some(()))
    })
    .await?;
    h.wait_for("the left queue to be gone", async || Ok((queued(&h).await? == 0).then_some(()))).await?;
    check_posted_once(&posts(&h).await?)?;
    finish_after_outage(h, &events_url).await?;
    collector.shutdown().await
}

/// `consent(false)` before the agent starts: the user sees guides, but nothing is posted
/// and nothing is stored, even after leaving the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_consent_nothing_is_posted_or_queued() -> Result<()> {
    no_events_leave_the_page("<script>window.waymark.consent(false);</script>").await
}

/// Global Privacy Control counts as no consent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_privacy_control_means_nothing_is_posted_or_queued() -> Result<()> {
    let gpc = "<script>Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });</script>";
    no_events_leave_the_page(gpc).await
}

/// With `head` on the page, a user works through a guide and tracked events and leaves;
/// nothing reaches the collector and nothing is stored.
async fn no_events_leave_the_page(head: &str) -> Result<()> {
    let setup = Setup::demo().root(site("/v1/events", head)?).guides(modal_guides()?);
    let h = Harness::start(setup).await?;
    h.open("/app/delivery").await?;
    h.wait_card("delivery-modal", "only").await?;
    track(&h, "private").await?;
    h.click_close().await?;
    h.wait_no_card("the modal to close").await?;
    // Leaving drains the queue, if anything were in it.
    h.open("/waymark.js").await?;
    assert_eq!(queued(&h).await?, 0);
    assert!(posts(&h).await?.is_empty(), "nothing was posted");
    assert!(h.collector().events().is_empty(), "{:?}", h.collector().events());
    let leaked: Vec<String> = h.events().await?.iter().map(|e| e.event.to_string()).collect();
    assert!(leaked.is_empty(), "no event reached waymark.on either: {leaked:?}");
    h.finish().await
}
