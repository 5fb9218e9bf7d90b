//! Banners and hotspots: the announcement guide Dan (globex, pro) sees.

use waymark_e2e::{Harness, Setup};

/// The banner spans the page; "Show me" turns into a hotspot on the Reports link that opens
/// its card when clicked; clicking the link completes the guide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banner_leads_to_a_hotspot_that_opens_its_card() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.as_user("dan").await?;
    h.open("/app").await?;
    let banner = h.wait_card("announce-reports", "banner").await?;
    assert!(banner.is_banner(), "classes {:?}", banner.classes);
    assert_eq!(banner.actions(), ["next", "dismiss"]);
    let (vw, _) = h.viewport().await?;
    assert!(banner.rect.width > vw * 0.9, "a banner spans the page: {:?}", banner.rect);

    h.click_card_button("next").await?;
    let marker = h
        .wait_for("the hotspot marker", async || {
            let o = h.overlay().await?;
            Ok(o.hotspot.filter(|_| o.visible_card().is_none()))
        })
        .await?;
    let target = h.rect("#nav-reports").await?.expect("#nav-reports");
    let near = (marker.center_x() - target.center_x()).abs() < target.width / 2.0 + 24.0
        && (marker.center_y() - target.center_y()).abs() < target.height / 2.0 + 24.0;
    assert!(near, "the marker {marker:?} sits on its target {target:?}");

    h.click_hotspot().await?;
    let card = h.wait_card("announce-reports", "where").await?;
    card.rect.check_beside(&target, card.side.as_deref().unwrap_or("?"), 32.0).map_err(anyhow::Error::msg)?;
    h.click("#nav-reports").await?;
    h.wait_event("guide_completed", |e| {
        e.event_type() == Some("guide_completed") && e.event_str("guide") == Some("announce-reports")
    })
    .await?;
    h.wait_no_card("the guide to end").await?;
    h.finish().await
}

/// A keyboard user reaches the hotspot with Tab and opens its card with Enter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyboard_user_opens_a_hotspot_with_enter() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.as_user("dan").await?;
    h.open("/app").await?;
    h.wait_card("announce-reports", "banner").await?;
    h.click_card_button("next").await?;
    h.wait_for("the hotspot marker", async || Ok(h.overlay().await?.hotspot)).await?;
    let name: String = h
        .js_as(
            "const marker = document.getElementById('waymark-root').shadowRoot.querySelector('.wm-hotspot');
             marker.focus();
             return marker.matches(':focus') ? marker.getAttribute('aria-label') : 'not focusable';",
            vec![],
        )
        .await?;
    assert_eq!(name, "Reports", "the marker takes focus and is named by its step's title");
    h.press_enter().await?;
    h.wait_card("announce-reports", "where").await?;
    h.finish().await
}
