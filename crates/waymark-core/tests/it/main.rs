//! Integration tests of the core at its boundary: guides in, scripted observations and a
//! virtual clock, decisions and events out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod harness;
mod lint;
mod props;
mod stalls;
mod steps;
mod tabs;
mod targeting;
