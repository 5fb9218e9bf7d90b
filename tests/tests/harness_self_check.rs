//! The harness on its own, with no agent: the demo loads and is served, errors are caught,
//! and a card in an open shadow root is read and clicked.

use waymark_e2e::{Harness, Setup, TempTree};

/// The demo app with `www/dist/waymark.js` missing: the pages work and the only error is
/// that 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_app_works_without_the_agent_and_logs_only_the_404() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo().root(TempTree::demo_without_agent()?)).await?;
    h.allow_missing("/waymark.js");

    // The collector serves the demo's routes.
    for (path, marker) in [
        ("/", "location.replace('/app')"),
        ("/pricing", "Plans and pricing"),
        ("/app", "/app/app.js"),
        ("/app/projects/new", "/app/app.js"),
        ("/app/team", "id=\"btn-invite\""),
        ("/app/settings/billing", "<title>Billing"),
        ("/app/app.css", "{"),
    ] {
        let r = h.fetch(path).await?;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.text().contains(marker), "{path} should contain {marker:?}");
    }
    assert_eq!(h.fetch("/waymark.js").await?.status, 404);

    h.as_user("alice").await?;
    h.open("/").await?; // redirects to /app
    h.wait_js("the dashboard", "return document.querySelector('#welcome-title')?.textContent;").await?;
    assert_eq!(h.path().await?, "/app");
    // The SPA router and its late content.
    h.click("#nav-projects").await?;
    h.wait_element("#btn-new-project").await?;
    assert_eq!(h.path().await?, "/app/projects");
    h.click("#btn-new-project").await?;
    h.wait_element("#project-name").await?;
    // Full pages.
    h.open("/app/team").await?;
    h.click("#btn-invite").await?;
    h.wait_js("the invite panel", "return !document.getElementById('invite-panel').hidden;").await?;
    h.open("/app/settings/billing").await?;
    h.wait_element("#billing-plan").await?;
    h.open("/pricing").await?;

    // The 404 was seen (so the check is real), and nothing else.
    assert!(h.console_available(), "ChromeDriver gives the browser log");
    if h.console_available() {
        let console = h.console().await;
        assert!(
            console
                .iter()
                .any(|e| e.is_error() && e.message.contains("/waymark.js") && e.message.contains("404")),
            "the browser log should show the 404: {console:#?}"
        );
    }
    let log = h.log().await?;
    assert!(log.iter().any(|e| e.kind == "resource_error" && e.url.ends_with("/waymark.js")), "{log:#?}");
    h.finish().await
}

const FIXTURE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Fixture</title></head>
<body>
<button id="target" style="margin: 100px">Target</button>
<script>
  const root = document.createElement('div');
  root.id = 'waymark-root';
  document.body.append(root);
  const sr = root.attachShadow({ mode: 'open' });
  setTimeout(() => {
    sr.innerHTML = `<style>.wm-card { position: fixed; left: 90px; top: 150px; width: 200px; font: 14px/1.4 sans-serif; }</style>
      <div class="wm-card" role="tooltip" data-waymark-guide="g" data-waymark-step="s1" data-side="bottom">
        <button class="wm-close">×</button><h2 class="wm-title">Title</h2><div class="wm-body">Body text</div>
        <button data-action="back">Back</button><button data-action="next">Next</button>
      </div>`;
    sr.querySelector('[data-action=next]').addEventListener('click', () => {
      sr.querySelector('.wm-card').setAttribute('data-waymark-step', 's2');
      window.waymark.on('event', () => {});
      console.warn('fixture: next clicked');
    });
    sr.querySelector('.wm-close').addEventListener('click', () => sr.querySelector('.wm-card').remove());
  }, 300);
  document.addEventListener('keydown', e => { if (e.key === 'Escape') document.body.dataset.escaped = '1'; });
</script>
</body></html>"#;

/// Reads, waits for and clicks a card inside an open shadow root; records cards and
/// warnings; presses keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_clicks_a_card_in_an_open_shadow_root() -> anyhow::Result<()> {
    let root = TempTree::new()?;
    root.write("www/demo/app/fixture.html", FIXTURE)?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.open("/app/fixture").await?;
    h.watch_selectors(&["#target", "#nope"]).await?;
    let card = h.wait_card("g", "s1").await?;
    assert_eq!(card.role.as_deref(), Some("tooltip"));
    assert_eq!(card.side.as_deref(), Some("bottom"));
    assert_eq!(card.title.as_deref(), Some("Title"));
    assert_eq!(card.body.as_deref(), Some("Body text"));
    assert_eq!(card.actions(), ["back", "next"]);
    assert!(card.close);
    assert_eq!(card.styles["card"]["font-size"], "14px");
    let target = h.rect("#target").await?.expect("the target");
    card.rect.check_beside(&target, "bottom", 40.0).map_err(anyhow::Error::msg)?;
    assert!(card.rect.check_beside(&target, "top", 40.0).is_err());
    let (w, height) = h.viewport().await?;
    assert!(card.rect.inside(w, height));

    h.click_card_button("next").await?;
    h.wait_card("g", "s2").await?;
    h.press_escape().await?;
    h.wait_js("the Escape key", "return document.body.dataset.escaped;").await?;
    h.click_close().await?;
    h.wait_no_card("the card to close").await?;

    let seen: Vec<_> = h.cards_seen().await?.into_iter().map(|e| (e.step, e.present)).collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].0.as_deref(), Some("s1"));
    assert_eq!(seen[0].1.get("#target"), Some(&true));
    assert_eq!(seen[0].1.get("#nope"), Some(&false));
    assert_eq!(seen[2].0, None);
    let warnings = h.warnings().await?;
    assert!(warnings.iter().any(|w| w.contains("fixture: next clicked")), "{warnings:?}");
    // The queued stub recorded the page's own `waymark.on` call instead of losing it.
    let queued: usize = h.js_as("return window.waymark.q.length;", vec![]).await?;
    assert_eq!(queued, 2);
    h.finish().await
}

/// Errors of every kind are caught, and `finish` fails on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_page_errors_and_fails_the_test() -> anyhow::Result<()> {
    let root = TempTree::new()?;
    root.write(
        "www/demo/app/broken.html",
        r#"<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script>
  console.error('explicit console error');
  Promise.reject(new Error('nobody catches me'));
  setTimeout(() => { throw new Error('thrown later'); }, 10);
  throw new Error('thrown at load');
</script></body></html>"#,
    )?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.open("/app/broken").await?;
    let problems = h
        .wait_for("all four errors", async || {
            let p = h.problems().await?;
            let all = ["explicit console error", "nobody catches me", "thrown later", "thrown at load"]
                .iter()
                .all(|m| p.iter().any(|x| x.contains(m)));
            Ok(all.then_some(p))
        })
        .await?;
    assert!(problems.iter().any(|p| p.starts_with("page_error")), "{problems:#?}");
    let err = h.finish().await.expect_err("finish must fail on page errors");
    assert!(format!("{err}").contains("thrown at load"), "{err}");
    Ok(())
}
