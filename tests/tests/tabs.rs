//! One user with the app open in two tabs: what one tab does with a guide holds in the
//! other, live, and neither tab's writes undo the other's progress.

use serde_json::json;
use waymark_e2e::{Harness, Setup, TempTree};

use crate::flows;

/// Carol (no onboarding of her own) with the example guides, `extra` and a sentinel: a
/// modal on every `/app` page, below everything else, so a card that never comes shows as
/// the sentinel coming instead (where nothing else shows first).
async fn carol_with(extra: &[(&str, String)]) -> anyhow::Result<Harness> {
    let guides = TempTree::example_guides()?;
    guides.write("sentinel.json", flows::modal_on_app("sentinel", -100))?;
    for (id, json) in extra {
        guides.write(&format!("{id}.json"), json)?;
    }
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    h.as_user("carol").await?;
    Ok(h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guide_seen_in_one_tab_does_not_show_again_in_a_tab_opened_before() -> anyhow::Result<()> {
    let projects = json!([{ "prefix": "/app/projects" }]);
    let on_load = json!({ "on": "page_load" });
    // A banner on the dashboard says the agent is up, with the state it read.
    let ready = json!({ "kind": "banner" });
    let ready = flows::guide("ready", 0, json!([{ "exact": "/app" }]), on_load.clone(), "always", ready);
    let tip = flows::guide("tip", 50, projects, on_load, "once", json!({ "kind": "modal" }));
    let h = carol_with(&[("ready", ready), ("tip", tip)]).await?;
    h.open("/app").await?;
    h.wait_card("ready", "only").await?;
    let first = h.new_tab("/app").await?;
    h.wait_card("ready", "only").await?;
    // The first tab goes to the projects page, shows the tip and closes it.
    let second = h.switch_tab(first).await?;
    h.click("#nav-projects").await?;
    h.wait_card("tip", "only").await?;
    h.press_escape().await?;
    h.wait_card("sentinel", "only").await?;
    // The second tab, loaded before the tip was ever shown, goes there too: the tip, shown
    // once per user, is not shown again; the sentinel below it is.
    h.switch_tab(second).await?;
    h.click("#nav-projects").await?;
    h.wait_card("sentinel", "only").await?;
    let seen = h.cards_seen().await?;
    assert!(seen.iter().all(|e| e.guide.as_deref() != Some("tip")), "the tip came back: {seen:?}");
    h.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guide_closed_in_one_tab_closes_in_the_other_and_stays_closed() -> anyhow::Result<()> {
    let both = flows::guide(
        "both",
        50,
        json!([{ "prefix": "/app" }]),
        json!({ "on": "page_load" }),
        "until_completed",
        json!({ "kind": "modal" }),
    );
    let h = carol_with(&[("both", both)]).await?;
    h.open("/app").await?;
    h.wait_card("both", "only").await?;
    // Not completed yet, so a second tab shows it too.
    let first = h.new_tab("/app").await?;
    h.wait_card("both", "only").await?;
    let second = h.switch_tab(first).await?;
    h.click_card_button("done").await?;
    h.wait_card("sentinel", "only").await?;
    // In the second tab it is gone, and the sentinel queued behind it shows.
    h.switch_tab(second).await?;
    h.wait_card("sentinel", "only").await?;
    let events = h.events().await?;
    assert!(
        events
            .iter()
            .all(|e| e.event_type() != Some("guide_completed") && e.event_type() != Some("guide_dismissed")),
        "only the tab where it was completed reports it: {events:?}"
    );
    // Completed stays completed, in both tabs.
    h.reload().await?;
    h.wait_card("sentinel", "only").await?;
    let load = h.load_number().await?;
    let seen: Vec<_> = h.cards_seen().await?.into_iter().filter(|e| e.load == load).collect();
    assert!(seen.iter().all(|e| e.guide.as_deref() != Some("both")), "it came back: {seen:?}");
    h.finish().await
}
