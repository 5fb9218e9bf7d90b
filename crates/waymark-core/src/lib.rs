//! Waymark's core: the guide format and its validation, targeting, triggers, the step
//! state machine and the stall detector.
//!
//! It is *sans-IO*: it never touches the DOM, the network, storage or a clock. It is fed
//! facts and the time and returns decisions ([`Engine`]), so the same code runs in the
//! browser agent, in native tests with a virtual clock, and in the CLI.

mod compile;
#[cfg(feature = "css")]
mod css;
pub mod date;
mod decimal;
pub mod diagnostic;
pub mod duration;
mod engine;
pub mod event;
mod event_json;
pub mod format;
mod guide;
mod io;
pub mod json;
mod load;
mod locate;
pub mod map;
pub mod markdown;
pub mod outbox;
pub mod pattern;
pub mod placement;
pub mod schema;
mod stall;
pub mod state;
pub mod targeting;
pub mod text;
pub mod wire;

pub use compile::{AnySelector, Loaded, SelectorCheck, Source, load};
#[cfg(feature = "css")]
pub use css::CssSelectors;
pub use diagnostic::{Diagnostic, Severity};
pub use duration::{Duration, Millis};
pub use engine::{Engine, Session};
pub use event::{Event, EventKind, StallKind};
pub use guide::{Guide, InputTest};
pub use io::{ButtonView, DismissHow, Fact, Input, Output, Rect, StepView, Watch, WatchId};
pub use stall::StallConfig;
pub use state::UserState;
pub use targeting::Identity;
