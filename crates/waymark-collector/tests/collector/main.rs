//! The collector over real HTTP: a server on port 0 per test, a plain hyper client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod events;
mod files;
mod guides;
mod health;
mod support;
