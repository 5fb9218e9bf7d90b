//! Events reach `waymark.on("event", cb)` and the collector.

use serde_json::Value;
use waymark_e2e::{Harness, Setup};

use crate::flows;

/// Completing the welcome step (its Next button) emits `step_completed` to a callback
/// registered on the live API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_step_emits_step_completed_through_waymark_on() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo().record_events(false)).await?;
    flows::alice_welcomed(&h).await?;
    h.js("window.__seen = []; window.waymark.on('event', e => window.__seen.push(e));", vec![]).await?;
    flows::to_open_projects(&h).await?;
    let event = h
        .wait_js(
            "step_completed for the welcome step",
            "return (window.__seen || []).find(e => e.type === 'step_completed' && e.step === 'welcome') || null;",
        )
        .await?;
    assert_eq!(event["guide"], "first-project");
    assert_eq!(event["index"], 0);
    assert_eq!(event["v"], 1);
    assert_eq!(event["path"], "/app");
    assert_eq!(event["user"], "alice");
    assert_eq!(event["account"], "acme");
    assert!(event["id"].as_str().is_some_and(|id| id.len() == 36), "a UUID: {event}");
    assert!(event["duration_ms"].is_u64(), "{event}");
    // The shown step that followed was announced too.
    h.wait_js(
        "step_shown for open-projects",
        "return (window.__seen || []).some(e => e.type === 'step_shown' && e.step === 'open-projects');",
    )
    .await?;
    h.finish().await
}

/// The same events are beaconed to the collector (checked against the event schema there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_beaconed_to_the_collector() -> anyhow::Result<()> {
    let h = Harness::start(Setup::demo()).await?;
    flows::alice_welcomed(&h).await?;
    flows::to_open_projects(&h).await?;
    let recorded = h
        .wait_event("step_completed through the recorder", |e| e.event_type() == Some("step_completed"))
        .await?;
    // Leaving the page flushes what is queued, if the interval did not already.
    h.open("/pricing").await?;
    let stored = h
        .wait_for("the collector to receive step_completed", async || {
            Ok(h.collector().events().into_iter().find(|e| {
                serde_json::to_value(e).is_ok_and(|v| v["type"] == "step_completed" && v["step"] == "welcome")
            }))
        })
        .await?;
    assert_eq!(serde_json::to_value(&stored)?["id"], recorded.event["id"], "the same event");
    let types: Vec<Value> = h
        .collector()
        .events()
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .map(|v| v["type"].clone())
        .collect();
    assert!(types.contains(&Value::from("page_view")), "{types:?}");
    h.finish().await
}
