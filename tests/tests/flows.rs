//! Journeys through the demo that several tests share, and guides made for tests.

use anyhow::Result;
use serde_json::{Value, json};
use waymark_e2e::{Card, Harness, Setup, TempTree};

/// Alice (owner at acme, trial, no projects) opens the dashboard: `first-project` greets
/// her with its welcome modal.
pub(crate) async fn alice_welcomed(h: &Harness) -> Result<Card> {
    h.as_user("alice").await?;
    h.open("/app").await?;
    h.wait_card("first-project", "welcome").await
}

/// From the welcome modal, "Next": the tooltip on the Projects link.
pub(crate) async fn to_open_projects(h: &Harness) -> Result<Card> {
    h.click_card_button("next").await?;
    h.wait_card("first-project", "open-projects").await
}

/// From the Projects tooltip, a click on the link (an SPA navigation): the tooltip on the
/// "New project" button, which the app renders after its simulated API call.
pub(crate) async fn to_new_project(h: &Harness) -> Result<Card> {
    h.click("#nav-projects").await?;
    h.wait_card("first-project", "new-project").await
}

/// Alice's onboarding from the dashboard to the tooltip on "New project".
pub(crate) async fn alice_at_new_project(h: &Harness) -> Result<Card> {
    alice_welcomed(h).await?;
    to_open_projects(h).await?;
    to_new_project(h).await
}

/// From the "New project" tooltip, a click on the button: the form and its name field.
pub(crate) async fn to_name_it(h: &Harness) -> Result<Card> {
    h.click("#btn-new-project").await?;
    h.wait_card("first-project", "name-it").await
}

/// A one-step guide for tests: `step` is the step object (its `id` is `only`).
pub(crate) fn guide(
    id: &str,
    priority: i64,
    urls: Value,
    trigger: Value,
    frequency: &str,
    step: Value,
) -> String {
    let mut step = step;
    if let Some(s) = step.as_object_mut() {
        s.insert("id".into(), json!("only"));
        s.entry("title").or_insert(json!({ "en": format!("Probe {id}") }));
        s.entry("body").or_insert(json!({ "en": "A card made for an end-to-end test." }));
    }
    json!({
        "id": id,
        "name": format!("Test guide {id}"),
        "priority": priority,
        "audience": { "urls": urls },
        "trigger": trigger,
        "frequency": { "mode": frequency },
        "steps": [step],
    })
    .to_string()
}

/// Carol (no onboarding of her own) on the dashboard, with the example guides and `id`:
/// a tooltip below `selector` on every `/app` page load, for a target the test then adds.
pub(crate) async fn carol_with_tooltip_on(id: &str, selector: &str) -> Result<Harness> {
    let guides = TempTree::example_guides()?;
    let step = json!({ "target": { "selector": selector }, "placement": "bottom" });
    let tip = guide(id, 40, json!([{ "prefix": "/app" }]), json!({ "on": "page_load" }), "always", step);
    guides.write(&format!("{id}.json"), tip)?;
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    h.as_user("carol").await?;
    h.open("/app").await?;
    h.wait_element("#welcome-title").await?;
    Ok(h)
}

/// A modal guide shown on every `/app` page load (`frequency: always`).
pub(crate) fn modal_on_app(id: &str, priority: i64) -> String {
    guide(
        id,
        priority,
        json!([{ "prefix": "/app" }]),
        json!({ "on": "page_load" }),
        "always",
        json!({ "kind": "modal" }),
    )
}

/// A modal guide that only a preview link starts (`?waymark-preview=ID`).
pub(crate) fn modal_manual(id: &str) -> String {
    guide(id, 0, json!([{ "prefix": "/" }]), json!({ "on": "manual" }), "always", json!({ "kind": "modal" }))
}
