//! Progress survives page loads: a multi-page guide resumes at the step it was on.

use waymark_e2e::{Harness, Setup};

use crate::flows;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_resumes_a_multi_page_guide_at_the_same_step() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    flows::to_open_projects(&h).await?;
    flows::to_new_project(&h).await?;
    flows::to_name_it(&h).await?;
    let storage = h.local_storage().await?;
    assert!(storage.keys().any(|k| k.starts_with("waymark:")), "progress in localStorage: {storage:?}");

    h.reload().await?;
    let load = h.load_number().await?;
    h.wait_card("first-project", "name-it").await?;
    let seen: Vec<_> = h.cards_seen().await?.into_iter().filter(|e| e.load == load).collect();
    let first = seen.iter().find_map(|e| e.step.clone());
    assert_eq!(first.as_deref(), Some("name-it"), "resumed without replaying earlier steps: {seen:?}");

    // A full page load of another page of the guide (not a reload) resumes the same way.
    h.open("/app/projects/new").await?;
    h.wait_card("first-project", "name-it").await?;
    h.finish().await
}
