//! A step whose target is rendered late waits for it, then anchors to it.

use waymark_e2e::{Harness, Setup};

use crate::flows;

/// `#btn-new-project` appears 300-800 ms after the projects view (a simulated API call):
/// the step shows once the button exists, next to it, not centred as a fallback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_waits_for_an_element_rendered_after_an_async_load() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    flows::to_open_projects(&h).await?;
    h.watch_selectors(&["#btn-new-project"]).await?;
    let absent_before: bool = h.js_as("return !document.querySelector('#btn-new-project');", vec![]).await?;
    assert!(absent_before, "the button does not exist before the projects view");
    let card = flows::to_new_project(&h).await?;
    assert_eq!(card.side.as_deref(), Some("left"), "anchored, not the `center` fallback");
    let target = h.rect("#btn-new-project").await?.expect("#btn-new-project");
    card.rect.check_beside(&target, "left", 32.0).map_err(anyhow::Error::msg)?;
    // When the card first appeared, the button was already there.
    let seen = h.cards_seen().await?;
    let first = seen
        .iter()
        .find(|e| e.step.as_deref() == Some("new-project"))
        .expect("the recorder saw the new-project card");
    assert_eq!(first.present.get("#btn-new-project"), Some(&true), "shown before its target existed");

    // Same on a fresh load of the page: the agent and the button race, the step waits.
    h.reload().await?;
    h.watch_selectors(&["#btn-new-project"]).await?;
    let card = h.wait_card("first-project", "new-project").await?;
    assert_eq!(card.side.as_deref(), Some("left"));
    h.finish().await
}
