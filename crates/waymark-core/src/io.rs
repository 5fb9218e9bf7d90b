//! The engine's inputs and outputs: plain data the adapter turns observations into and
//! applies to the page.

use crate::event::Event;
use crate::format::{ButtonAction, Placement, StepKind};
use crate::guide::InputTest;
use crate::markdown::Block;
use crate::state::UserState;
use crate::targeting::Identity;

/// Identifies a watched element description for the lifetime of an engine.
pub type WatchId = u32;

/// A rectangle in viewport CSS pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// What the adapter observed about one watched element.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// The watch answered.
    pub watch: WatchId,
    /// An element matches (selector, fallbacks, text).
    pub present: bool,
    /// It is rendered with a non-zero size and not hidden.
    pub visible: bool,
    /// Where it is, when present.
    pub rect: Option<Rect>,
}

/// How a guide was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DismissHow {
    /// The close (×) or a dismiss button.
    Button,
    /// The Escape key.
    Escape,
    /// `waymark.dismiss()`.
    Api,
}

/// An observation fed to the engine with the time it happened.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Input {
    /// A page view: a full load or an SPA navigation (the URL; query strings are dropped).
    Page {
        /// The page URL or path.
        url: String,
    },
    /// Who the user is.
    Identify(Identity),
    /// The page became visible and focused, or not.
    Visibility {
        /// Visible and focused.
        visible: bool,
    },
    /// Answers about watched elements (only the ones that changed are needed).
    Facts(Vec<Fact>),
    /// The host page's DOM changed (outside Waymark's own UI).
    DomChanged,
    /// A click in the host page.
    Click {
        /// Viewport x.
        x: f64,
        /// Viewport y.
        y: f64,
        /// Watches whose element contains the clicked element.
        hits: Vec<WatchId>,
        /// The element looks clickable (link, button, form control, role, pointer cursor).
        actionable: bool,
    },
    /// Input into a watched field, tested on the page with the watch's [`InputTest`].
    Typed {
        /// The field's watch.
        watch: WatchId,
        /// The watch's test passed.
        passed: bool,
    },
    /// A form field failed validation (`invalid` event or `aria-invalid`); never its value.
    Invalid {
        /// A short selector naming the field (`#project-name`).
        field: String,
    },
    /// Keyboard, pointer or scroll activity: the user is not idle.
    Activity,
    /// The host app tracked an event.
    Track {
        /// Event name.
        name: String,
    },
    /// A button of the shown step was pressed.
    Button {
        /// Guide id of the step view.
        guide: String,
        /// Step id of the step view.
        step: String,
        /// Index into [`StepView::buttons`].
        index: usize,
    },
    /// The user or the host closed the guide.
    Dismiss(DismissHow),
    /// `waymark.start(id)`: start a guide now, whatever its trigger and frequency.
    Start {
        /// Guide id.
        guide: String,
    },
    /// A preview link: run one guide regardless of targeting, without analytics.
    Preview {
        /// Guide id.
        guide: String,
    },
    /// A guide could not be loaded; reported as a `guide_error` event.
    GuideError {
        /// Guide id, when known.
        guide: Option<String>,
        /// What was wrong.
        message: String,
    },
    /// Another tab of the same user stored its state (`theirs`) over what this tab last
    /// read or wrote (`base`): merged in, so this tab neither shows again what that tab
    /// completed or dismissed nor writes over its progress.
    Stored {
        /// The stored state as this tab last read or wrote it.
        base: Box<UserState>,
        /// The state the other tab stored.
        theirs: Box<UserState>,
    },
}

/// An element the engine needs facts about, and what to test on input into it.
#[derive(Clone, Debug)]
pub struct Watch {
    /// Its id in facts, clicks and typing.
    pub id: WatchId,
    /// CSS selector.
    pub selector: String,
    /// Only elements whose text contains this (trimmed, case-insensitive).
    pub text: Option<String>,
    /// Selectors tried when `selector` matches nothing.
    pub fallbacks: Vec<String>,
    /// The test input into it must pass, if input advances a step.
    pub input: Option<InputTest>,
}

/// A button on a step card.
#[derive(Clone, Debug, PartialEq)]
pub struct ButtonView {
    /// What it does.
    pub action: ButtonAction,
    /// Its label in the user's locale.
    pub label: String,
    /// For links: the URL.
    pub url: Option<String>,
}

/// A step to render.
#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    /// Guide id.
    pub guide: String,
    /// Step id.
    pub step: String,
    /// Position, from 0.
    pub index: usize,
    /// Number of steps.
    pub total: usize,
    /// Tooltip, modal, hotspot or banner.
    pub kind: StepKind,
    /// The watch of the element to anchor to; `None` for a centred card.
    pub anchor: Option<WatchId>,
    /// Preferred side.
    pub placement: Placement,
    /// Title, plain text.
    pub title: String,
    /// Body, parsed safe markdown.
    pub body: Vec<Block>,
    /// Buttons in order.
    pub buttons: Vec<ButtonView>,
    /// The locale the text is in.
    pub locale: String,
    /// Lay out right to left.
    pub rtl: bool,
    /// Shown in preview mode.
    pub preview: bool,
}

/// A decision for the adapter.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Output {
    /// Render this step (replacing any shown one).
    Show(Box<StepView>),
    /// Remove the shown step.
    Hide {
        /// Guide id.
        guide: String,
        /// Step id.
        step: String,
    },
    /// An event to beacon.
    Event(Box<Event>),
    /// The elements to observe now (the whole set; replaces the previous one).
    Watch(Vec<Watch>),
    /// Progress to persist.
    Persist(Box<UserState>),
    /// Open a link button's URL.
    Open(String),
    /// Something for the console (an unknown guide id, ...).
    Warning(String),
}
