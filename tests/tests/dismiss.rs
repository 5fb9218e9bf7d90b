//! Escape closes the shown guide, and it stays closed.

use waymark_e2e::{Harness, Setup, TempTree};

use crate::flows;

/// With a low-priority guide queued behind it (shown on every load), dismissing
/// first-project lets the queued one through; after a reload the queued one shows at once,
/// which proves first-project was considered and stayed dismissed (it has priority).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_dismisses_and_it_stays_dismissed_after_a_reload() -> anyhow::Result<()> {
    let guides = TempTree::example_guides()?;
    guides.write("sentinel.json", flows::modal_on_app("sentinel", -100))?;
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    flows::alice_welcomed(&h).await?;
    h.press_escape().await?;
    h.wait_for("first-project to close", async || {
        let card = h.card().await?;
        Ok(card.is_none_or(|c| c.guide.as_deref() != Some("first-project")).then_some(()))
    })
    .await?;
    let dismissed = h
        .wait_event("a guide_dismissed event", |e| {
            e.event_type() == Some("guide_dismissed") && e.event_str("guide") == Some("first-project")
        })
        .await?;
    assert_eq!(dismissed.event_str("how"), Some("escape"), "{:?}", dismissed.event);
    let storage = h.local_storage().await?;
    assert!(storage.keys().any(|k| k.starts_with("waymark:")), "state in localStorage: {storage:?}");

    h.reload().await?;
    let load = h.load_number().await?;
    h.wait_card("sentinel", "only").await?;
    let seen: Vec<_> = h.cards_seen().await?.into_iter().filter(|e| e.load == load).collect();
    assert!(
        seen.iter().all(|e| e.guide.as_deref() != Some("first-project")),
        "first-project came back after its dismissal: {seen:?}"
    );
    h.finish().await
}
