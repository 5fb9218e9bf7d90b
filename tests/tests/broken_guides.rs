//! A broken guide never stops the others, nor the page.

use serde_json::json;
use waymark_core::pattern::RegexLite;
use waymark_core::wire::{decode_feed, encode_feed};
use waymark_core::{AnySelector, Source};
use waymark_e2e::{Harness, Setup, TempTree, page_with_guides};

use crate::flows;

/// The collector skips broken files of the guides folder; the valid guide beside them runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_guide_file_is_skipped_while_the_valid_one_runs() -> anyhow::Result<()> {
    let guides = TempTree::new()?;
    guides.write(
        "a-broken.json",
        r#"{ "id": "broken", "steps": [ { "id": "x", "advance": { "on": "clik" } } ] }"#,
    )?;
    guides.write("b-not-json.json", "{ \"id\": ")?;
    guides.write("c-valid.json", flows::modal_on_app("valid-probe", 10))?;
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    let served = decode_feed(&h.fetch("/v1/guides?key=demo-write-key").await?.body, &RegexLite)?;
    let ids: Vec<&str> = served.guides.iter().map(|g| g.id()).collect();
    assert_eq!(ids, ["valid-probe"], "the collector serves only the valid guide");
    let broken: Vec<Option<&str>> = served.broken.iter().map(|b| b.guide.as_deref()).collect();
    assert_eq!(broken, [Some("broken"), None], "and the errors of the broken files");
    h.as_user("carol").await?;
    h.open("/app").await?;
    h.wait_card("valid-probe", "only").await?;
    h.finish().await
}

/// The agent itself skips broken guides in the feed it loads (here a static file made
/// without a CSS parser, so a selector only the browser refuses gets through): the valid
/// one shows, the broken ones are reported as `guide_error` events or console warnings, and
/// nothing throws.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_skips_broken_guides_in_its_feed_and_reports_them() -> anyhow::Result<()> {
    let root = TempTree::demo_with_agent()?;
    let valid: serde_json::Value = serde_json::from_str(&flows::modal_on_app("valid-probe", 10))?;
    let unknown_advance = json!({
        "id": "broken-advance", "name": "Broken", "audience": { "urls": [{ "prefix": "/app" }] },
        "trigger": { "on": "page_load" }, "priority": 50,
        "steps": [{ "id": "x", "kind": "modal", "title": { "en": "x" }, "advance": { "on": "clik" } }],
    });
    let bad_selector = json!({
        "id": "broken-selector", "name": "Broken", "audience": { "urls": [{ "prefix": "/app" }] },
        "trigger": { "on": "page_load" }, "priority": 60,
        "steps": [{ "id": "x", "target": { "selector": "#a[[" }, "title": { "en": "x" } }],
    });
    let text = json!([unknown_advance, valid, bad_selector]).to_string();
    let loaded = waymark_core::load(&[Source { name: "e2e-feed.json", text: &text }], &AnySelector);
    root.write("www/dist/e2e.feed", encode_feed(&loaded))?;
    root.write(
        "www/demo/app/feed.html",
        page_with_guides("Feed", "/e2e.feed", "", "<main><h1 id=\"heading\">A page</h1></main>"),
    )?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.open("/app/feed").await?;
    h.wait_card("valid-probe", "only").await?;
    // Each broken guide is named, by id or by its place in the feed (`/0`, `/2/...`).
    let broken = [("broken-advance", "/0"), ("broken-selector", "/2")];
    let reports = h
        .wait_for("a report of each broken guide", async || {
            let mut reports: Vec<String> = h
                .events()
                .await?
                .into_iter()
                .filter(|e| e.event_type() == Some("guide_error"))
                .map(|e| e.event.to_string())
                .collect();
            reports.extend(h.warnings().await?);
            let named = |id: &str, at: &str| {
                reports.iter().any(|r| {
                    r.contains(id) || r.contains(&format!("at {at}")) || r.contains(&format!("\"{at}"))
                })
            };
            Ok(broken.iter().all(|(id, at)| named(id, at)).then_some(reports))
        })
        .await?;
    assert!(!reports.is_empty());
    // And the valid guide works: its button ends it.
    let card = h.wait_card("valid-probe", "only").await?;
    let finish = card.actions().into_iter().find(|a| matches!(*a, "done" | "next")).map(str::to_string);
    h.click_card_button(&finish.unwrap_or_else(|| panic!("a done or next button: {:?}", card.buttons)))
        .await?;
    h.wait_no_card("the valid guide to end").await?;
    h.finish().await
}

/// A guides URL that serves something other than a feed (here the JSON an author might
/// point it at by mistake) is refused as a whole: a console warning and a `guide_error`
/// event say what and where, no card shows, and the page goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guides_url_that_is_not_a_feed_is_reported_and_the_page_goes_on() -> anyhow::Result<()> {
    let root = TempTree::demo_with_agent()?;
    root.write("www/dist/guides.json", flows::modal_on_app("never-shown", 10))?;
    root.write(
        "www/demo/app/json.html",
        page_with_guides("Json", "/guides.json", "", "<main><h1 id=\"heading\">A page</h1></main>"),
    )?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.open("/app/json").await?;
    let report =
        h.wait_event("a guide_error for the feed", |e| e.event_type() == Some("guide_error")).await?;
    let message = report.event["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.ends_with(
            "/guides.json?key=e2e-key: cannot read the guide feed: byte 0: not a Waymark guide feed"
        ),
        "{message}"
    );
    let warnings = h.warnings().await?;
    assert!(warnings.iter().any(|w| w.contains(&message)), "{warnings:?}");
    assert!(h.card().await?.is_none(), "nothing from that URL shows");
    assert_eq!(h.js("return document.getElementById('heading').textContent", vec![]).await?, "A page");
    h.finish().await
}

/// A guides URL that answers 404 (here one no file is behind): the agent says which URL and
/// what it answered in one console warning, shows nothing, and the page and the API go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guides_url_that_fails_is_reported_and_the_page_goes_on() -> anyhow::Result<()> {
    let root = TempTree::demo_with_agent()?;
    root.write(
        "www/demo/app/gone.html",
        page_with_guides("Gone", "/no-such.feed", "", "<main><h1 id=\"heading\">A page</h1></main>"),
    )?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.allow_missing("/no-such.feed");
    h.open("/app/gone").await?;
    let warning = h
        .wait_for("a warning about the guides URL", async || {
            let w = h.warnings().await?;
            Ok(w.into_iter().find(|m| m.contains("cannot load guides")))
        })
        .await?;
    assert!(warning.contains("/no-such.feed?key=e2e-key: HTTP 404"), "{warning}");
    h.js("window.waymark.track('x'); window.waymark.start('first-project');", vec![]).await?;
    assert!(h.card().await?.is_none(), "nothing shows without guides");
    assert_eq!(h.js("return document.getElementById('heading').textContent", vec![]).await?, "A page");
    h.finish().await
}
