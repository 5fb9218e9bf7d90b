//! End-to-end tests: the demo app, the collector and the agent in headless Chromium.
//!
//! Each test starts its own collector (port 0) and browser; see `waymark_e2e` for the
//! harness. Module names say what behaviour they cover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod advance;
mod banner_hotspot;
mod broken_guides;
mod delivery;
mod dismiss;
mod events;
mod flows;
mod harness_self_check;
mod health;
mod host_css;
mod late_target;
mod missing_wasm;
mod placement;
mod preview;
mod resume;
mod served;
mod snippet_twice;
mod spa;
mod tabs;
