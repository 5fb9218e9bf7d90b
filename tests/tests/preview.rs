//! Preview links start a guide whatever its targeting says.

use waymark_e2e::{Harness, Setup};

/// Carol is a member, so billing-setup (owners on a trial) never targets her; its preview
/// link shows it anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_link_starts_the_guide_regardless_of_targeting() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.as_user("carol").await?;
    h.open("/app/settings/billing?waymark-preview=billing-setup").await?;
    let card = h.wait_card("billing-setup", "plan").await?;
    let target = h.rect("#billing-plan").await?.expect("#billing-plan");
    card.rect.check_beside(&target, card.side.as_deref().unwrap_or("?"), 32.0).map_err(anyhow::Error::msg)?;
    // The page view is recorded without the query string (`?waymark-preview=...`).
    let view = h.wait_event("page_view", |e| e.event_type() == Some("page_view")).await?;
    assert_eq!(view.event_str("path"), Some("/app/settings/billing"), "{:?}", view.event);
    assert!(
        h.events().await?.iter().all(|e| e.event_str("path").is_none_or(|p| !p.contains('?'))),
        "event paths never carry the query string"
    );
    h.finish().await
}
