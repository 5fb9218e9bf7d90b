//! Cards go where their step says, next to their target, inside the viewport.

use serde_json::json;
use waymark_e2e::{Harness, Rect, Setup, TempTree};

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

/// The page moves a tooltip's target without a change the agent hears of: a class its
/// selectors never read, styled by a sheet in `<head>` (the app's own transitions animate
/// the move). The card follows the target to its new place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_follows_its_target_wherever_the_page_moves_it() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_at_new_project(&h).await?;
    let before = h.rect("#btn-new-project").await?.expect("#btn-new-project");
    h.js(
        "const s = document.createElement('style');
         s.textContent = '.pushed { margin-top: 240px !important; }';
         document.head.appendChild(s);
         document.querySelector('.page-head').classList.add('pushed');",
        vec![],
    )
    .await?;
    let target = h
        .wait_for("the target to settle lower down", async || {
            let r = h.rect("#btn-new-project").await?.expect("#btn-new-project");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let again = h.rect("#btn-new-project").await?.expect("#btn-new-project");
            Ok((r.y > before.y + 200.0 && r == again).then_some(r))
        })
        .await?;
    let card = h
        .wait_card_where("the card beside its moved target", |c| {
            c.rect.check_beside(&target, "left", 32.0).is_ok()
        })
        .await?;
    assert_eq!(card.step.as_deref(), Some("new-project"));
    h.finish().await
}

/// The user scrolls the page away from a tooltip's target: the page stays where they
/// scrolled it (a target is brought into view once, when its step shows) and the card
/// goes with its target instead of hanging at the edge of the screen; scrolling back
/// finds them together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrolling_away_from_a_target_is_never_undone() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_at_new_project(&h).await?;
    h.js(
        "const tall = document.createElement('div');
         tall.style.height = '4000px';
         document.querySelector('main').append(tall);
         window.scrollTo(0, 1500);",
        vec![],
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let y: f64 = h.js_as("return window.scrollY;", vec![]).await?;
    assert!(y >= 1400.0, "the page was scrolled back to the target: scrollY {y}");
    let target = h.rect("#btn-new-project").await?.expect("#btn-new-project");
    assert!(target.bottom() < 0.0, "the target left the screen: {target:?}");
    let card = h.card().await?.expect("the card is still there");
    card.rect.check_beside(&target, "left", 32.0).map_err(anyhow::Error::msg)?;

    h.js("window.scrollTo(0, 0);", vec![]).await?;
    let target = h
        .wait_for("the target back on screen", async || {
            Ok(h.rect("#btn-new-project").await?.filter(|r| r.y >= 0.0))
        })
        .await?;
    h.wait_card_where("the card beside its target again", |c| {
        c.rect.check_beside(&target, "left", 32.0).is_ok()
    })
    .await?;
    h.finish().await
}

/// A step whose text is longer than the screen is tall: the card stays inside the
/// viewport, its text scrolls, and its buttons stay on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_longer_than_the_screen_scrolls_its_text_and_keeps_its_buttons_in_view() -> anyhow::Result<()>
{
    let guides = TempTree::example_guides()?;
    let body: String = (1..=60).map(|i| format!("Paragraph {i} of a long explanation.\n\n")).collect();
    guides.write(
        "long.json",
        flows::guide(
            "long",
            0,
            json!([{ "prefix": "/" }]),
            json!({ "on": "manual" }),
            "always",
            json!({ "kind": "modal", "body": { "en": body } }),
        ),
    )?;
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    h.as_user("carol").await?;
    h.open("/app").await?;
    h.js("window.waymark.start('long');", vec![]).await?;
    let card = h.wait_card("long", "only").await?;
    let (vw, vh) = h.viewport().await?;
    assert!(card.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", card.rect);
    let (button, scrolls): (Rect, bool) = h
        .js_as(
            "const card = document.getElementById('waymark-root').shadowRoot.querySelector('.wm-card');
             const b = card.querySelector('button[data-action]').getBoundingClientRect();
             const body = card.querySelector('.wm-body');
             return [{ x: b.left, y: b.top, width: b.width, height: b.height }, body.scrollHeight > body.clientHeight];",
            vec![],
        )
        .await?;
    assert!(button.inside(vw, vh), "the button {button:?} is off screen ({vw}x{vh})");
    assert!(scrolls, "the text scrolls inside the card");
    h.finish().await
}

/// A target taller than the screen (a long panel) leaves no room beside it: the card
/// shows over it, inside the viewport, instead of off screen below it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_taller_than_the_screen_gets_its_card_on_screen() -> anyhow::Result<()> {
    let h = flows::carol_with_tooltip_on("tall", "#tall-panel").await?;
    h.js(
        "const panel = document.createElement('section');
         panel.id = 'tall-panel';
         panel.style.height = '3000px';
         document.querySelector('main').prepend(panel);",
        vec![],
    )
    .await?;
    let card = h.wait_card("tall", "only").await?;
    let (vw, vh) = h.viewport().await?;
    assert!(card.rect.inside(vw, vh), "{:?} outside {vw}x{vh}", card.rect);
    h.finish().await
}
