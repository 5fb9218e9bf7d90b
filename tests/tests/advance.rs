//! Steps advance on what the user does on the page.

use waymark_e2e::{Harness, Setup};

use crate::flows;

/// first-project: a click on `#nav-projects` (an SPA link) moves the guide to its next
/// step, shown on `/app/projects`, without a page load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_the_target_advances_to_the_next_page_step() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    flows::to_open_projects(&h).await?;
    let load = h.load_number().await?;
    let card = flows::to_new_project(&h).await?;
    assert_eq!(h.path().await?, "/app/projects");
    assert_eq!(h.load_number().await?, load, "the SPA link did not reload the page");
    assert_eq!(card.title.as_deref(), Some("Start a project"));
    h.finish().await
}

/// invite-teammates (`advance: click`): Dan clicks the highlighted Invite button and the
/// guide moves to the email field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_advance_step_moves_on_when_its_target_is_clicked() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.as_user("dan").await?;
    h.open("/app/team").await?;
    h.wait_card("invite-teammates", "open-invite").await?;
    h.click("#btn-invite").await?;
    let card = h.wait_card("invite-teammates", "email").await?;
    let target = h.rect("#invite-email").await?.expect("#invite-email");
    card.rect.check_beside(&target, card.side.as_deref().unwrap_or("?"), 32.0).map_err(anyhow::Error::msg)?;
    h.finish().await
}
