//! End-to-end tests: the demo app, the collector and the agent in headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod harness_self_check;
