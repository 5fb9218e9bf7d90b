//! Guides follow single-page-app navigation (History API), no reload needed.

use serde_json::json;
use waymark_e2e::{Harness, Setup, TempTree};

use crate::flows;

/// Carol (a member: no onboarding for her) goes to the new-project form through the app's
/// router and fails validation twice: the contextual help for that page starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_starts_on_a_page_reached_by_router_navigation() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.as_user("carol").await?;
    h.open("/app/projects").await?;
    let load = h.load_number().await?;
    h.click("#btn-new-project").await?;
    h.wait_element("#project-form").await?;
    assert_eq!(h.path().await?, "/app/projects/new");
    assert!(h.card().await?.is_none(), "nothing targets carol before she is stuck");
    // Submitting the empty form twice: `#project-name` fails validation twice in a row.
    h.click("#btn-create-project").await?;
    h.wait_element("#project-name[aria-invalid=true]").await?;
    h.click("#btn-create-project").await?;
    let card = h.wait_card("help-project-form", "rules").await?;
    assert_eq!(card.title.as_deref(), Some("Need a hand?"));
    assert_eq!(h.load_number().await?, load, "no page load happened");
    h.finish().await
}

/// A page-load guide for `/app/reports` starts when the router shows that page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_load_guide_starts_on_router_navigation() -> anyhow::Result<()> {
    let guides = TempTree::example_guides()?;
    guides.write(
        "reports-tip.json",
        flows::guide(
            "reports-tip",
            40,
            json!([{ "exact": "/app/reports" }]),
            json!({ "on": "page_load" }),
            "always",
            json!({ "target": { "selector": "#report-title" }, "placement": "bottom" }),
        ),
    )?;
    let h = Harness::start(Setup::demo().guides(guides)).await?;
    h.as_user("carol").await?;
    h.open("/app").await?;
    h.wait_element("#welcome-title").await?;
    let load = h.load_number().await?;
    h.click("#nav-reports").await?;
    let card = h.wait_card("reports-tip", "only").await?;
    assert_eq!(h.path().await?, "/app/reports");
    assert_eq!(h.load_number().await?, load, "no page load happened");
    let target = h.rect("#report-title").await?.expect("#report-title");
    card.rect.check_beside(&target, card.side.as_deref().unwrap_or("?"), 32.0).map_err(anyhow::Error::msg)?;
    // It was the first card of the visit: nothing showed on the dashboard.
    let seen = h.cards_seen().await?;
    assert_eq!(seen.first().and_then(|e| e.guide.as_deref()), Some("reports-tip"), "{seen:?}");
    h.finish().await
}
