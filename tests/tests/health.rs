//! From users' clicks to a CSM's decision: users of three accounts go through the demo's
//! guides in a real browser, acme's users stall on the new-project form while globex's and
//! initech's finish their guide smoothly; health, read from what the collector stored, ranks
//! acme first and names the step, and the dashboard shows the same.

use anyhow::Result;
use fantoccini::Locator;
use waymark_e2e::{Harness, READ_TOKEN, Setup};

use crate::flows;

/// A new browser session (the agent keeps its session id in `sessionStorage`) as `user`.
async fn new_session(h: &Harness, user: &str) -> Result<()> {
    h.as_user(user).await?;
    h.js("sessionStorage.clear();", vec![]).await?;
    Ok(())
}

/// Owner or admin at acme (no projects yet): through `first-project` to its name field, then
/// "Create project" with no name again and again — the form refuses each time.
async fn stalls_on_the_project_form(h: &Harness, user: &str) -> Result<()> {
    new_session(h, user).await?;
    h.open("/app").await?;
    h.wait_card("first-project", "welcome").await?;
    flows::to_open_projects(h).await?;
    flows::to_new_project(h).await?;
    flows::to_name_it(h).await?;
    let create = h.client().find(Locator::Css("#btn-create-project")).await?;
    for _ in 0..4 {
        create.click().await?;
    }
    h.wait_event(&format!("{user}'s stall on name-it"), |e| {
        e.event_type() == Some("stall") && e.event_str("step") == Some("name-it")
    })
    .await?;
    Ok(())
}

/// An owner or admin invites a teammate with the `invite-teammates` guide, without a hitch.
async fn invites_smoothly(h: &Harness, user: &str) -> Result<()> {
    new_session(h, user).await?;
    h.open("/app/team").await?;
    h.wait_card("invite-teammates", "open-invite").await?;
    h.click("#btn-invite").await?;
    h.wait_card("invite-teammates", "email").await?;
    h.type_into("#invite-email", &format!("new-{user}@example.com")).await?;
    h.wait_card("invite-teammates", "send").await?;
    h.click("#btn-send-invite").await?;
    h.wait_event(&format!("{user} completing invite-teammates"), |e| {
        e.event_type() == Some("guide_completed") && e.event_str("guide") == Some("invite-teammates")
    })
    .await?;
    Ok(())
}

/// A session that only looks at a page.
async fn browses(h: &Harness, user: &str) -> Result<()> {
    new_session(h, user).await?;
    h.open("/app/projects").await?;
    h.wait_event(&format!("{user}'s page view"), |e| e.event_type() == Some("page_view")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalling_accounts_rank_below_smooth_ones_in_health_and_on_the_dashboard() -> Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    // Five sessions per account: enough for the stalled-session rate to count.
    stalls_on_the_project_form(&h, "alice").await?;
    stalls_on_the_project_form(&h, "bob").await?;
    invites_smoothly(&h, "dan").await?;
    invites_smoothly(&h, "frank").await?;
    for user in
        ["carol", "carol", "carol", "erin", "erin", "erin", "erin", "grace", "grace", "grace", "grace"]
    {
        browses(&h, user).await?;
    }
    // Leaving the last page sends what is still queued.
    h.open("/v1/status").await?;
    let sessions = |account: &str| {
        let events = h.collector().events();
        let mut s: Vec<String> =
            events.into_iter().filter(|e| e.account.as_deref() == Some(account)).map(|e| e.session).collect();
        s.sort();
        s.dedup();
        s.len()
    };
    h.wait_for("every session's events at the collector", async || {
        Ok((sessions("acme") >= 5 && sessions("globex") >= 5 && sessions("initech") >= 5).then_some(()))
    })
    .await?;

    // What `waymark health` prints and `GET /v1/health` answers.
    let window = waymark_health::Window::parse("7d", waymark_collector::now_ms())?;
    let reader = h.collector().store().reader().map_err(anyhow::Error::msg)?;
    let report = waymark_collector::health_report(&reader, "e2e", &window).map_err(anyhow::Error::msg)?;
    let json = serde_json::to_value(&report)?;
    let order: Vec<&str> =
        json["accounts"].as_array().unwrap().iter().filter_map(|a| a["account"].as_str()).collect();
    assert_eq!(order[0], "acme", "the stalling account first: {json:#}");
    let acme = &json["accounts"][0];
    for smooth in &json["accounts"].as_array().unwrap()[1..] {
        assert!(acme["score"].as_u64() < smooth["score"].as_u64(), "{json:#}");
    }
    assert_ne!(acme["band"], "healthy", "{json:#}");
    let top = &acme["stall_points"][0];
    assert_eq!(
        (top["guide"].as_str(), top["step"].as_str()),
        (Some("first-project"), Some("name-it")),
        "{json:#}"
    );
    assert_eq!(top["users"], 2);
    assert!(acme["reasons"].to_string().contains("first-project › name-it"), "{json:#}");

    // The dashboard, opened with the read token in the address as `./dev run` prints it.
    h.open(&format!("/dashboard#token={READ_TOKEN}")).await?;
    h.wait_js("the dashboard ready", "return document.querySelector('main')?.dataset.state === 'ready';")
        .await?;
    let rows: Vec<String> = h
        .js_as(
            "return [...document.querySelectorAll('tr[data-account]')].map(r => r.dataset.account);",
            vec![],
        )
        .await?;
    assert_eq!(rows.first().map(String::as_str), Some("acme"), "{rows:?}");
    assert!(rows.contains(&"globex".to_string()) && rows.contains(&"initech".to_string()), "{rows:?}");
    let fragment: String = h.js_as("return location.hash;", vec![]).await?;
    assert!(!fragment.contains(READ_TOKEN), "the token leaves the address bar");
    h.click("tr[data-account=\"acme\"] a").await?;
    let hotspots = h
        .wait_js(
            "acme's stall hotspots",
            "const s = document.querySelector('[data-section=\"stall-points\"]'); return s && s.textContent;",
        )
        .await?;
    let text = hotspots.as_str().unwrap_or_default();
    assert!(text.contains("first-project") && text.contains("name-it"), "{text}");
    h.finish().await
}

/// Without a valid token the dashboard asks for one and shows nothing of the tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_asks_for_a_read_token() -> Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    h.open("/dashboard").await?;
    h.wait_element("#token-form").await?;
    h.type_into("#token-input", "demo-write-key\n").await?;
    h.wait_js("the refusal", "return document.querySelector('[role=alert]')?.textContent || null;").await?;
    let alert: String = h.js_as("return document.querySelector('[role=alert]').textContent;", vec![]).await?;
    assert!(alert.contains("not valid"), "{alert}");
    assert_eq!(
        h.js_as::<usize>("return document.querySelectorAll('tr[data-account]').length;", vec![]).await?,
        0
    );
    // Chromium logs the refused request itself.
    h.allow_status("/v1/health", 401);
    h.finish().await
}
