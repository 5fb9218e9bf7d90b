//! A page runs one agent, even with the snippet on it twice, and keeps its one layer.

use waymark_e2e::{Harness, Setup};

use crate::flows;

/// A tag manager adds the script tag a second time while a guide is on screen: the second
/// copy warns and does nothing. One layer stays on the page and the guide goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_of_the_snippet_does_nothing() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    h.js(
        "const s = document.querySelector('script[data-key]');
         const copy = document.createElement('script');
         for (const a of s.attributes) copy.setAttribute(a.name, a.value);
         document.body.appendChild(copy);",
        vec![],
    )
    .await?;
    h.wait_for("the second copy to warn", async || {
        let w = h.warnings().await?;
        Ok(w.iter().any(|m| m.contains("on the page twice")).then_some(()))
    })
    .await?;
    let layers: u64 = h.js_as("return document.querySelectorAll('#waymark-root').length;", vec![]).await?;
    assert_eq!(layers, 1, "one agent, one layer");
    flows::to_open_projects(&h).await?;
    h.finish().await
}

/// A page that renders its body anew drops the agent's layer with it: the card on screen
/// comes back within a frame, and the page has one layer again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_the_page_removes_comes_back_with_its_card() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    h.js("document.getElementById('waymark-root').remove();", vec![]).await?;
    h.wait_card("first-project", "welcome").await?;
    let layers: u64 =
        h.js_as("return document.querySelectorAll('body > #waymark-root').length;", vec![]).await?;
    assert_eq!(layers, 1);
    flows::to_open_projects(&h).await?;
    h.finish().await
}
