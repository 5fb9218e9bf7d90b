//! Integration tests of waymark-health through its public API: events in, state, bytes and
//! reports out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod encoding;
mod merge;
mod render;
mod scoring;
mod support;
