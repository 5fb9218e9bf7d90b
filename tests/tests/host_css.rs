//! The host page's CSS never reaches the agent's UI.

use std::collections::BTreeMap;

use waymark_e2e::{Card, Harness, Setup, TempTree, page};

use crate::flows;

/// CSS a hostile host could have: everything `!important`, on every element, the root
/// font size changed (rem units), the agent's own root element targeted.
const HOSTILE_CSS: &str = r#"<style>
html { font-size: 31px !important; }
* { font-family: "Comic Sans MS", cursive !important; letter-spacing: 3px !important; word-spacing: 9px !important;
    box-sizing: content-box !important; line-height: 3 !important; text-transform: uppercase !important;
    color: #f0f !important; font-weight: 900 !important; font-style: italic !important; text-align: right !important;
    text-decoration: underline !important; }
div, h2, button { padding: 30px !important; margin: 20px !important; border: 4px solid red !important; }
#waymark-root { font-size: 40px !important; letter-spacing: 5px !important; direction: rtl !important; }
</style>"#;

async fn probe_card(h: &Harness, path: &str) -> anyhow::Result<Card> {
    h.open(&format!("{path}?waymark-preview=css-probe")).await?;
    h.wait_card("css-probe", "only").await
}

fn styles(card: &Card) -> BTreeMap<String, BTreeMap<String, String>> {
    card.styles.clone()
}

async fn harness() -> anyhow::Result<Harness> {
    let root = TempTree::demo_with_agent()?;
    root.write("www/demo/app/blank.html", page("Blank", "", "<p>A blank page.</p>"))?;
    root.write("www/demo/app/hostile.html", page("Hostile", HOSTILE_CSS, "<p>A hostile page.</p>"))?;
    let guides = TempTree::new()?;
    guides.write("css-probe.json", flows::modal_manual("css-probe"))?;
    Harness::start(Setup::demo().root(root).guides(guides)).await
}

/// The demo's stylesheet: the card's computed style (font-family, letter-spacing,
/// box-sizing and the rest of the text styles) is the same as on a blank page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_css_does_not_change_the_card() -> anyhow::Result<()> {
    let h = harness().await?;
    h.as_user("carol").await?;
    let blank = probe_card(&h, "/app/blank").await?;
    let demo = probe_card(&h, "/app/team").await?;
    for part in ["card", "title", "body"] {
        for prop in ["font-family", "letter-spacing", "box-sizing"] {
            assert!(!blank.styles[part][prop].is_empty(), "{part} {prop} read");
        }
    }
    assert_eq!(styles(&demo), styles(&blank), "the demo's CSS reached the card");
    assert_eq!(demo.rect.width, blank.rect.width, "same size");
    h.finish().await
}

/// A page whose CSS attacks everything, `!important`: still the blank page's card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_page_css_does_not_change_the_card() -> anyhow::Result<()> {
    let h = harness().await?;
    let blank = probe_card(&h, "/app/blank").await?;
    let hostile = probe_card(&h, "/app/hostile").await?;
    let mut leaks = Vec::new();
    for (part, props) in &blank.styles {
        for (prop, value) in props {
            let got = &hostile.styles[part][prop];
            if got != value {
                leaks.push(format!("{part} {prop}: {value:?} on a blank page, {got:?} on the hostile one"));
            }
        }
    }
    assert!(leaks.is_empty(), "the page's CSS reached the card:\n  {}", leaks.join("\n  "));
    assert_eq!(hostile.rect.width, blank.rect.width, "same size");
    h.finish().await
}
