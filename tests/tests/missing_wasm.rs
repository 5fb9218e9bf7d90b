//! The agent never throws into the page, even when its wasm cannot be loaded or the
//! page's policy forbids WebAssembly, and it still starts when the browser refuses to
//! compile the wasm as it streams in.

use waymark_e2e::{Harness, Setup, TempTree, page, repo_root, require_agent_build};

use crate::flows;

/// `www/dist` has the loader and the glue but no `.wasm`: a console warning is fine, an
/// error or exception is not (the 404 itself aside), and the app works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_works_and_nothing_throws_when_the_wasm_is_missing() -> anyhow::Result<()> {
    let dist = require_agent_build()?;
    let root = TempTree::new()?;
    root.link("www/demo", &repo_root().join("www/demo"))?;
    root.link("www/dist/waymark.js", &dist.join("waymark.js"))?;
    root.link("www/dist/waymark_agent.js", &dist.join("waymark_agent.js"))?;
    let h = Harness::start(Setup::demo().root(root)).await?;
    h.allow_missing("/waymark_agent_bg.wasm");
    assert_eq!(h.fetch("/waymark_agent_bg.wasm").await?.status, 404);
    assert_eq!(h.fetch("/waymark.js").await?.status, 200);

    h.as_user("alice").await?;
    h.open("/app").await?;
    h.wait_element("#welcome-title").await?;
    // The loader gave up: it says so (a warning), and the queued API still takes calls.
    h.wait_for("the loader to give up with a warning", async || {
        let w = h.warnings().await?;
        Ok(w.iter().any(|m| m.contains("waymark")).then_some(()))
    })
    .await?;
    h.js("window.waymark.track('x'); window.waymark.start('first-project'); window.waymark.on('event', () => {});", vec![])
        .await?;
    assert!(h.card().await?.is_none());
    // The app itself works.
    h.click("#nav-projects").await?;
    h.wait_element("#btn-new-project").await?;
    h.click("#btn-new-project").await?;
    h.type_into("#project-name", "Launch plan").await?;
    h.click("#btn-create-project").await?;
    h.wait_js(
        "the new project in the list",
        "return document.querySelector('#project-list')?.textContent.includes('Launch plan');",
    )
    .await?;
    h.finish().await
}

/// Streaming compilation fails where a server sends the wasm with another MIME type than
/// `application/wasm`. The loader then hands the glue a plain download (the glue warns
/// and compiles the bytes itself when the type is wrong), and the guides show all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guides_show_when_the_browser_refuses_to_compile_the_wasm_as_it_streams() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.before_page_scripts(
        "window.__refused = 0;
         WebAssembly.compileStreaming = function () {
           window.__refused++;
           return Promise.reject(new TypeError(\"WebAssembly: Incorrect response MIME type.\"));
         };",
    )
    .await?;
    flows::alice_welcomed(&h).await?;
    let refused: u64 = h.js_as("return window.__refused;", vec![]).await?;
    assert_eq!(refused, 1, "the loader asked for streaming compilation once");
    h.finish().await
}

/// The page's own Content-Security-Policy: scripts from the site and inline, but no
/// `'wasm-unsafe-eval'`, so the browser refuses to compile any WebAssembly.
const CSP_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'">
<link rel="icon" href="data:,">
<title>Strict</title>
<script src="/waymark.js" data-key="e2e-key" data-guides="/v1/guides" data-collector="/v1/events" data-user="e2e-user" data-account="e2e-account" data-locale="en" async></script>
</head>
<body>
<p id="status">waiting</p>
<script>document.getElementById("status").textContent = "the page's own script ran";</script>
</body>
</html>
"#;

/// A policy that blocks WebAssembly: the loader warns and gives up, nothing throws, the
/// page's own script runs, and `window.waymark` still takes calls. The same guide starts on
/// a page of the site without that policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_that_blocks_webassembly_leaves_the_page_untouched() -> anyhow::Result<()> {
    let root = TempTree::demo_with_agent()?;
    root.write("www/demo/app/strict.html", CSP_PAGE)?;
    root.write("www/demo/app/open.html", page("Open", "", "<p>No policy.</p>"))?;
    let guides = TempTree::new()?;
    guides.write("csp-probe.json", flows::modal_manual("csp-probe"))?;
    let h = Harness::start(Setup::demo().root(root).guides(guides)).await?;
    // The browser reports each refused compilation as a console error of its own.
    h.expect_browser_error("WebAssembly");

    h.open("/app/strict").await?;
    h.wait_for("the loader to give up with a warning", async || {
        let w = h.warnings().await?;
        Ok(w.iter().any(|m| m.contains("waymark: guides disabled")).then_some(()))
    })
    .await?;
    let status: String = h.js_as("return document.getElementById('status').textContent;", vec![]).await?;
    assert_eq!(status, "the page's own script ran");
    h.js("window.waymark.start('csp-probe'); window.waymark.track('x');", vec![]).await?;
    assert!(h.card().await?.is_none(), "no card where WebAssembly is blocked");
    let layers: u64 = h.js_as("return document.querySelectorAll('#waymark-root').length;", vec![]).await?;
    assert_eq!(layers, 0, "the page is left untouched");

    h.open("/app/open").await?;
    h.js("window.waymark.start('csp-probe');", vec![]).await?;
    h.wait_card("csp-probe", "only").await?;
    h.finish().await
}
