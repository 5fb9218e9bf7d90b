//! A step whose target is rendered late waits for it, then anchors to it.

use serde_json::json;
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

/// A target that exists but cannot be seen (`visibility: hidden`, as menus are hidden for
/// their transitions) waits too, and the card shows once the page reveals it with a class
/// (the way apps open menus) that no selector of the guides reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_target_waits_until_a_class_reveals_it() -> anyhow::Result<()> {
    hidden_target_revealed(".menu, .menu * { transition: none !important; }").await
}

/// The same with the demo's own transitions on everything: when the class changes the
/// target is still hidden (a transition starts from where it was), and it can be seen
/// only once the transition ends, with no mutation after the class change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_target_waits_until_a_transition_reveals_it() -> anyhow::Result<()> {
    hidden_target_revealed("").await
}

async fn hidden_target_revealed(extra_css: &str) -> anyhow::Result<()> {
    let h = flows::carol_with_tooltip_on("menu-tip", "#menu-export").await?;
    h.js(
        "const s = document.createElement('style');
         s.textContent = '.menu { visibility: hidden } .menu.open { visibility: visible } ' + arguments[0];
         document.head.appendChild(s);
         const menu = document.createElement('div');
         menu.className = 'menu';
         menu.innerHTML = '<button type=\"button\" id=\"menu-export\">Export</button>';
         document.querySelector('main').prepend(menu);",
        vec![json!(extra_css)],
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(h.card().await?.is_none(), "no card on a target nobody can see");
    h.js("document.querySelector('.menu').classList.add('open');", vec![]).await?;
    let card = h.wait_card("menu-tip", "only").await?;
    let target = h.rect("#menu-export").await?.expect("#menu-export");
    card.rect.check_beside(&target, "bottom", 32.0).map_err(anyhow::Error::msg)?;
    h.finish().await
}

/// The app renders the target twice, the first copy hidden (a mobile menu before the
/// desktop one): the card goes to the copy the user sees, and does not wait for the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_rendered_twice_anchors_to_the_copy_that_can_be_seen() -> anyhow::Result<()> {
    let h = flows::carol_with_tooltip_on("twice-tip", ".export-link").await?;
    h.js(
        "const mobile = document.createElement('nav');
         mobile.style.display = 'none';
         mobile.innerHTML = '<a class=\"export-link\" href=\"#export\">Export</a>';
         const desktop = document.createElement('nav');
         desktop.innerHTML = '<a class=\"export-link\" id=\"desktop-export\" href=\"#export\">Export</a>';
         document.querySelector('main').prepend(mobile, desktop);",
        vec![],
    )
    .await?;
    let card = h.wait_card("twice-tip", "only").await?;
    let target = h.rect("#desktop-export").await?.expect("#desktop-export");
    card.rect.check_beside(&target, "bottom", 32.0).map_err(anyhow::Error::msg)?;
    h.finish().await
}

/// A menu that CSS alone opens on hover (no script, no mutation, no transition): the card
/// on its item shows while the user holds the menu open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_in_a_menu_opened_by_hover_shows_its_card() -> anyhow::Result<()> {
    let h = flows::carol_with_tooltip_on("hover-tip", "#hover-export").await?;
    h.js(
        "const s = document.createElement('style');
         s.textContent = '.hover-menu .items { display: none } .hover-menu:hover .items { display: block } '
           + '.hover-menu, .hover-menu * { transition: none !important }';
         document.head.appendChild(s);
         const menu = document.createElement('div');
         menu.className = 'hover-menu';
         menu.innerHTML = '<button type=\"button\" id=\"hover-open\">File</button>'
           + '<div class=\"items\"><button type=\"button\" id=\"hover-export\">Export</button></div>';
         document.querySelector('main').prepend(menu);",
        vec![],
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(h.card().await?.is_none(), "no card while the menu is closed");
    h.hover("#hover-open").await?;
    let card = h.wait_card("hover-tip", "only").await?;
    let target = h.rect("#hover-export").await?.expect("#hover-export");
    card.rect.check_beside(&target, "bottom", 32.0).map_err(anyhow::Error::msg)?;
    h.finish().await
}
