//! Cards go where their step says, next to their target, inside the viewport.

use waymark_e2e::{Harness, Setup};

use crate::flows;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tooltip_sits_next_to_its_target_on_its_side_inside_the_viewport() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    let welcome = flows::alice_welcomed(&h).await?;
    let (vw, vh) = h.viewport().await?;
    assert_eq!(welcome.role.as_deref(), Some("dialog"), "a modal is a dialog");
    assert_eq!(welcome.side.as_deref(), Some("center"));
    assert!(welcome.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", welcome.rect);
    assert!((welcome.rect.center_x() - vw / 2.0).abs() < 2.0, "a modal is centred: {:?}", welcome.rect);
    assert!(welcome.close, "a close button");
    assert!(welcome.actions().contains(&"next"), "{:?}", welcome.buttons);

    // `placement: bottom` on the nav link, with room below it.
    let card = flows::to_open_projects(&h).await?;
    assert!(matches!(card.role.as_deref(), Some("tooltip" | "dialog")), "role {:?}", card.role);
    assert_eq!(card.side.as_deref(), Some("bottom"), "placement bottom has room");
    let target = h.rect("#nav-projects").await?.expect("#nav-projects");
    card.rect.check_beside(&target, "bottom", 32.0).map_err(anyhow::Error::msg)?;
    assert!(card.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", card.rect);

    // `placement: left` of the button at the right end of the page head.
    let card = flows::to_new_project(&h).await?;
    assert_eq!(card.side.as_deref(), Some("left"), "placement left has room");
    let target = h.rect("#btn-new-project").await?.expect("#btn-new-project");
    card.rect.check_beside(&target, "left", 32.0).map_err(anyhow::Error::msg)?;
    assert!(card.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", card.rect);

    // `placement: right` of the name field: wherever it fits, `data-side` tells the truth.
    let card = flows::to_name_it(&h).await?;
    let side = card.side.clone().expect("data-side");
    let target = h.rect("#project-name").await?.expect("#project-name");
    card.rect.check_beside(&target, &side, 32.0).map_err(anyhow::Error::msg)?;
    assert!(card.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", card.rect);
    h.finish().await
}
