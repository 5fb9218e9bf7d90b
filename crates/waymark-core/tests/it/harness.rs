//! A simulated adapter with a virtual clock: owns an engine, a tiny DOM model (which
//! selectors are present) and the log of everything the engine decided, with times.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use waymark_core::{
    AnySelector, DismissHow, Engine, EventKind, Fact, Identity, Input, Millis, Output, Rect, Session, Source,
    StallConfig, StepView, UserState, WatchId,
};

/// The engine under test and what it has shown and said.
pub struct Sim {
    pub engine: Engine,
    pub now: Millis,
    log: String,
    /// Selectors present on the simulated page.
    dom: BTreeMap<String, bool>,
    /// Present selectors whose element cannot be seen (`visibility: hidden`, no box).
    hidden: BTreeSet<String>,
    /// Current watches by selector.
    watches: HashMap<String, WatchId>,
    /// Input tests of the current watches.
    inputs: HashMap<WatchId, waymark_core::InputTest>,
    pub shown: Option<StepView>,
    pub events: Vec<waymark_core::Event>,
    pub state: UserState,
    pub warnings: Vec<String>,
}

pub const T0: Millis = 1_795_400_000_000;

pub fn guides(json: &str) -> Vec<waymark_core::Guide> {
    let loaded = waymark_core::load(&[Source { name: "test.json", text: json }], &AnySelector);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.guides
}

impl Sim {
    pub fn new(json: &str) -> Self {
        Self::with_state(json, UserState::default(), "s1")
    }

    pub fn with_state(json: &str, state: UserState, session: &str) -> Self {
        Self::with_session(json, state, Session { id: session.into(), seed: 7, next_seq: 0 })
    }

    fn with_session(json: &str, state: UserState, session: Session) -> Self {
        let engine = Engine::new(guides(json), state.clone(), session, StallConfig::default());
        Self {
            engine,
            now: T0,
            log: String::new(),
            dom: BTreeMap::new(),
            hidden: BTreeSet::new(),
            watches: HashMap::new(),
            inputs: HashMap::new(),
            shown: None,
            events: Vec::new(),
            state,
            warnings: Vec::new(),
        }
    }

    /// A reload: a new engine in a new page, resuming from the persisted state.
    pub fn reload(&mut self, json: &str, session: &str) {
        let state = self.state.clone();
        let now = self.now;
        let log = std::mem::take(&mut self.log);
        let events = std::mem::take(&mut self.events);
        // Like the adapter: fresh random bits per page load, the sequence kept per session.
        let same = events.last().is_some_and(|e| e.session == session);
        let next_seq = if same { self.engine.next_seq() } else { 0 };
        let seed = 1_000 + events.len() as u64;
        *self = Self::with_session(json, state, Session { id: session.into(), seed, next_seq });
        self.now = now;
        self.log = log;
        self.events = events;
    }

    pub fn identify_as(&mut self, who: Identity) {
        self.input(Input::Identify(who));
    }

    pub fn input(&mut self, input: Input) {
        self.engine.handle(self.now, input);
        self.drain();
    }

    /// Navigates; the simulated page keeps its elements (call `set` to change them).
    pub fn page(&mut self, url: &str) {
        self.input(Input::Page { url: url.into() });
    }

    /// Adds or removes an element, then tells the engine like a MutationObserver would.
    pub fn set(&mut self, selector: &str, present: bool) {
        self.dom.insert(selector.into(), present);
        self.engine.handle(self.now, Input::DomChanged);
        self.drain();
        self.send_facts();
    }

    /// Hides or reveals an element without changing the tree (a class, a style), then
    /// tells the engine like the adapter's next evaluation would.
    pub fn set_visible(&mut self, selector: &str, visible: bool) {
        if visible {
            self.hidden.remove(selector);
        } else {
            self.hidden.insert(selector.into());
        }
        self.send_facts();
    }

    pub fn click(&mut self, selector: &str) {
        self.click_at(selector, 100.0, 100.0, true);
    }

    pub fn click_at(&mut self, selector: &str, x: f64, y: f64, actionable: bool) {
        let hits = self.watches.get(selector).copied().into_iter().collect();
        self.input(Input::Click { x, y, hits, actionable });
    }

    /// Types into a field: the test runs here, on the "page"; only the outcome is sent.
    pub fn type_into(&mut self, selector: &str, value: &str, valid: bool) {
        let Some(&watch) = self.watches.get(selector) else { return };
        let passed = self.inputs.get(&watch).is_some_and(|t| t.passes(value, valid));
        self.input(Input::Typed { watch, passed });
    }

    pub fn invalid(&mut self, field: &str) {
        self.input(Input::Invalid { field: field.into() });
    }

    /// Presses button `index` of the shown card, if there is one.
    pub fn press_index(&mut self, index: usize) {
        if let Some(view) = self.shown.clone() {
            self.input(Input::Button { guide: view.guide, step: view.step, index });
        }
    }

    /// The guides in progress (shown, waiting for their page or target, or set aside).
    pub fn in_progress(&self) -> Vec<String> {
        self.state.active.iter().chain(&self.state.suspended).map(|a| a.guide.clone()).collect()
    }

    pub fn press(&mut self, label: &str) {
        let Some(view) = self.shown.clone() else { panic!("no step shown to press `{label}` on") };
        let index = view
            .buttons
            .iter()
            .position(|b| b.label == label)
            .unwrap_or_else(|| panic!("no button `{label}` in {:?}", view.buttons));
        self.input(Input::Button { guide: view.guide, step: view.step, index });
    }

    pub fn escape(&mut self) {
        self.input(Input::Dismiss(DismissHow::Escape));
    }

    /// Moves the clock, firing every deadline on the way, as one re-armed timer would.
    pub fn advance(&mut self, ms: Millis) {
        let end = self.now + ms;
        while let Some(t) = self.engine.poll_timeout() {
            if t > end {
                break;
            }
            self.now = self.now.max(t);
            self.engine.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    fn send_facts(&mut self) {
        let facts: Vec<Fact> = self
            .watches
            .iter()
            .map(|(sel, id)| {
                let present = self.dom.get(sel).copied().unwrap_or(false);
                Fact {
                    watch: *id,
                    present,
                    visible: present && !self.hidden.contains(sel),
                    rect: present.then_some(Rect { x: 10.0, y: 10.0, width: 50.0, height: 20.0 }),
                }
            })
            .collect();
        if !facts.is_empty() {
            self.engine.handle(self.now, Input::Facts(facts));
            self.drain();
        }
    }

    fn drain(&mut self) {
        let mut new_watches = false;
        while let Some(out) = self.engine.poll_output() {
            let t = format!("{:.1}s", (self.now - T0) as f64 / 1000.0);
            match out {
                Output::Show(v) => {
                    // Invariants every adapter relies on: one card at a time, a real step.
                    assert!(
                        self.shown.is_none(),
                        "a second card while {:?} is shown",
                        self.shown.as_ref().map(|s| (&s.guide, &s.step))
                    );
                    assert!(v.index < v.total, "step {} of {}", v.index, v.total);
                    let buttons: Vec<&str> = v.buttons.iter().map(|b| b.label.as_str()).collect();
                    let anchor = if v.anchor.is_some() { "anchored" } else { "centred" };
                    let _ = writeln!(
                        self.log,
                        "{t:<7} show {}/{} {}/{} {anchor} {buttons:?}",
                        v.guide,
                        v.step,
                        v.index + 1,
                        v.total
                    );
                    self.shown = Some(*v);
                }
                Output::Hide { guide, step } => {
                    assert!(
                        self.shown.as_ref().is_some_and(|s| s.guide == guide && s.step == step),
                        "hide {guide}/{step} that is not shown"
                    );
                    let _ = writeln!(self.log, "{t:<7} hide {guide}/{step}");
                    self.shown = None;
                }
                Output::Event(e) => {
                    assert!(
                        self.events.last().is_none_or(|p| p.session != e.session || p.seq < e.seq),
                        "sequence numbers grow"
                    );
                    let _ = writeln!(self.log, "{t:<7} event {}", describe(&e));
                    self.events.push(*e);
                }
                Output::Watch(ws) => {
                    self.watches = ws.iter().map(|w| (w.selector.clone(), w.id)).collect();
                    self.inputs = ws.iter().filter_map(|w| Some((w.id, w.input.clone()?))).collect();
                    new_watches = true;
                }
                Output::Persist(s) => {
                    assert_eq!(UserState::decode(&s.encode()), *s, "the persisted state round-trips");
                    self.state = *s;
                }
                Output::Open(url) => {
                    let _ = writeln!(self.log, "{t:<7} open {url}");
                }
                Output::Warning(w) => self.warnings.push(w),
                _ => {}
            }
        }
        if new_watches {
            self.send_facts();
        }
    }

    /// The log since the last call.
    pub fn log(&mut self) -> String {
        std::mem::take(&mut self.log)
    }

    pub fn count(&self, pred: impl Fn(&EventKind) -> bool) -> usize {
        self.events.iter().filter(|e| pred(&e.kind)).count()
    }
}

fn describe(e: &waymark_core::Event) -> String {
    let at = match (&e.guide, &e.step) {
        (Some(g), Some(s)) => format!(" {g}/{s}"),
        (Some(g), None) => format!(" {g}"),
        _ => String::new(),
    };
    match &e.kind {
        EventKind::PageView => format!("page_view {}", e.path),
        EventKind::GuideShown { cause } => format!("guide_shown{at} cause={cause}"),
        EventKind::StepShown { index, anchored } => {
            format!("step_shown{at} #{index}{}", if *anchored { "" } else { " centred" })
        }
        EventKind::StepCompleted { index, duration_ms } => {
            format!("step_completed{at} #{index} {duration_ms}ms")
        }
        EventKind::GuideCompleted { duration_ms } => format!("guide_completed{at} {duration_ms}ms"),
        EventKind::GuideDismissed { index, duration_ms, how } => {
            format!("guide_dismissed{at} #{index} {duration_ms}ms how={how}")
        }
        EventKind::GuideAbandoned { index, duration_ms } => {
            format!("guide_abandoned{at} #{index} {duration_ms}ms")
        }
        EventKind::Stall { stall, duration_ms, count, target } => {
            let kind = serde_json::to_value(stall)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!(
                "stall {kind}{at} {duration_ms}ms x{count}{}",
                target.as_ref().map(|t| format!(" target={t}")).unwrap_or_default()
            )
        }
        EventKind::FeatureUsed { feature } => format!("feature_used {feature}"),
        EventKind::MilestoneReached { milestone } => format!("milestone_reached {milestone}"),
        EventKind::GuideError { message } => format!("guide_error{at} {message}"),
        EventKind::TargetMissing { selector, waited_ms } => {
            format!("target_missing{at} {selector} after {waited_ms}ms")
        }
        EventKind::Track { name } => format!("track {name}"),
        _ => "other".into(),
    }
}
