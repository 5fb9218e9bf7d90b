//! The engine: one sans-IO state machine that decides which guide and step to show and
//! detects stalls.
//!
//! # Contract
//!
//! The engine never reads a clock, touches the DOM, the network or storage. The adapter
//! feeds it observations with [`Engine::handle`] and the time with
//! [`Engine::handle_timeout`]; after **any** call it drains [`Engine::poll_output`] until
//! `None`, then arms **one** timer for [`Engine::poll_timeout`]. Spurious or late timer
//! calls are harmless. Time may be given in any order; it never goes backwards inside.

use crate::duration::Millis;
use crate::event::{EVENT_SCHEMA_VERSION, Event, EventKind, StallKind, event_id};
use crate::format::{Advance, ButtonAction, FrequencyMode, Goal, MissingPolicy, StepKind, Trigger};
use crate::guide::Guide;
use crate::io::{ButtonView, DismissHow, Fact, Input, Output, StepView, Watch, WatchId};
use crate::map::StrSet;
use crate::stall::{Detected, Detectors, StallConfig};
use crate::state::{ActiveRun, GuideRecord, UserState};
use crate::targeting::{Identity, locale_matches, page_path};
use crate::text::{Text, is_rtl};

/// The session the engine runs in.
#[derive(Clone, Debug)]
pub struct Session {
    /// Session id (random, from the adapter).
    pub id: String,
    /// Random bits from the adapter, fresh for every page load, that make event ids unique.
    pub seed: u64,
    /// The sequence number of the session's next event; a full page load in the same
    /// session continues where the previous page stopped ([`Engine::next_seq`]).
    pub next_seq: u64,
}

/// The guide runtime for one user in one page session. See the module docs for the
/// calling contract.
#[derive(Debug)]
pub struct Engine {
    guides: Vec<Guide>,
    cfg: StallConfig,
    session: Session,
    seq: u64,
    who: Identity,
    state: UserState,
    dirty: bool,
    now: Millis,
    path: String,
    page_seen: bool,
    visible: bool,
    last_activity: Millis,
    /// The last fact per watch id (ids are dense indices into the watch keys, all interned
    /// when the engine is built).
    facts: Vec<Option<Fact>>,
    watches: Watches,
    plan: WatchPlan,
    run: Option<Run>,
    /// A guide in progress set aside while its pages are left and another guide runs; it
    /// comes back when the slot is free.
    suspended: Option<Run>,
    queue: Vec<(usize, &'static str)>,
    /// Per guide index: whether its trigger fired on this page view.
    fired: Vec<bool>,
    detectors: Detectors,
    counted_events: StrSet,
    /// A handful at a time: a list, as `VecDeque` would be code of its own in the wasm.
    outputs: Vec<Output>,
}

#[derive(Debug)]
struct Run {
    guide: usize,
    step: usize,
    started: Millis,
    cause: &'static str,
    preview: bool,
    announced: bool,
    phase: Phase,
    step_shown: bool,
    idle_reported: bool,
    backs: u32,
    invalid_on_step: u32,
    away_since: Option<Millis>,
    left_page: Option<(String, Millis)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// The step's page is not the current page.
    OffPage,
    /// Waiting for the target until the deadline.
    Waiting { deadline: Millis },
    /// On screen since `since`.
    Showing { since: Millis, anchored: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct WatchKey {
    selector: String,
    text: Option<String>,
    fallbacks: Vec<String>,
    input_of: Option<(usize, usize)>,
}

/// The watch of every element the guides can ask about, interned once at start so the
/// hot paths compare ids, never selectors.
#[derive(Debug, Default)]
struct WatchPlan {
    /// (guide, watch, feature id) of every feature.
    features: Vec<(usize, WatchId, String)>,
    /// Per guide: the element its trigger watches.
    triggers: Vec<Option<WatchId>>,
    /// Per guide and step: the target.
    targets: Vec<Vec<Option<WatchId>>>,
    /// Per guide and step: the element an appears/disappears advance watches.
    advances: Vec<Vec<Option<WatchId>>>,
}

impl WatchPlan {
    fn new(guides: &[Guide], watches: &mut Watches) -> Self {
        let mut plan = WatchPlan::default();
        for (gi, g) in guides.iter().enumerate() {
            for f in &g.spec.features {
                plan.features.push((gi, watches.id(plain(&f.selector)), f.id.clone()));
            }
            plan.triggers.push(match &g.spec.trigger {
                Trigger::ElementAppears { selector } | Trigger::Stall { selector: Some(selector), .. } => {
                    Some(watches.id(plain(selector)))
                }
                _ => None,
            });
            let mut targets = Vec::new();
            let mut advances = Vec::new();
            for (si, s) in g.spec.steps.iter().enumerate() {
                targets.push(s.target.as_ref().map(|t| {
                    let input_of = matches!(s.advance, Advance::Input { .. }).then_some((gi, si));
                    watches.id(WatchKey {
                        selector: t.selector.clone(),
                        text: t.text.clone(),
                        fallbacks: t.fallbacks.clone(),
                        input_of,
                    })
                }));
                advances.push(match &s.advance {
                    Advance::Appears { selector } | Advance::Disappears { selector } => {
                        Some(watches.id(plain(selector)))
                    }
                    _ => None,
                });
            }
            plan.targets.push(targets);
            plan.advances.push(advances);
        }
        plan
    }
}

/// Interned watch descriptions: ids stay stable for the engine's life.
#[derive(Debug, Default)]
struct Watches {
    keys: Vec<WatchKey>,
    current: Vec<WatchId>,
}

impl Watches {
    /// Interning runs once, when the engine is built; a scan of the few hundred keys of
    /// even 50 guides costs less there than a hash table's code costs in the agent's wasm.
    fn id(&mut self, key: WatchKey) -> WatchId {
        let at = self.keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            self.keys.push(key);
            self.keys.len() - 1
        });
        WatchId::try_from(at).unwrap_or(WatchId::MAX)
    }

    fn selector(&self, id: WatchId) -> Option<&str> {
        self.keys.get(id as usize).map(|k| k.selector.as_str())
    }
}

fn plain(selector: &str) -> WatchKey {
    WatchKey { selector: selector.to_string(), text: None, fallbacks: Vec::new(), input_of: None }
}

impl Engine {
    /// An engine over validated guides, the user's persisted state and the session.
    pub fn new(guides: Vec<Guide>, state: UserState, session: Session, cfg: StallConfig) -> Self {
        // Inserted, not collected: collecting into a set sorts, and each sort instance
        // weighs kilobytes of the agent's wasm.
        let mut counted_events = StrSet::new();
        for m in guides.iter().flat_map(|g| &g.spec.milestones) {
            if let Goal::Event { name, .. } = &m.goal {
                counted_events.add(name.clone());
            }
        }
        let mut watches = Watches::default();
        let plan = WatchPlan::new(&guides, &mut watches);
        let fired = vec![false; guides.len()];
        Self {
            guides,
            cfg,
            seq: session.next_seq,
            session,
            who: Identity { locale: "en".into(), ..Identity::default() },
            state,
            dirty: false,
            now: 0,
            path: "/".into(),
            page_seen: false,
            visible: true,
            last_activity: 0,
            facts: vec![None; watches.keys.len()],
            watches,
            plan,
            run: None,
            suspended: None,
            queue: Vec::new(),
            fired,
            detectors: Detectors::default(),
            counted_events,
            outputs: Vec::new(),
        }
    }

    /// The loaded guides.
    pub fn guides(&self) -> &[Guide] {
        &self.guides
    }

    /// The guides back, to build the engine of another user without copying them.
    pub fn into_guides(self) -> Vec<Guide> {
        self.guides
    }

    /// The sequence number the next event will get (persist it per session).
    pub fn next_seq(&self) -> u64 {
        self.seq
    }

    /// The user's state as it stands.
    pub fn state(&self) -> &UserState {
        &self.state
    }

    /// The next decision, or `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        (!self.outputs.is_empty()).then(|| self.outputs.remove(0))
    }

    /// When [`Engine::handle_timeout`] should next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut next = self.detectors.next_deadline(&self.cfg);
        let mut add = |t: Option<Millis>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if let Some(run) = &self.run {
            match run.phase {
                Phase::Waiting { deadline } => add(Some(deadline)),
                Phase::Showing { since, .. } => {
                    add(self.idle_deadline(run, since));
                    if let Some(Advance::Delay { after }) = self.step_advance(run) {
                        add(Some(since + after.as_ms()));
                    }
                }
                Phase::OffPage => {}
            }
            add(run.away_since.map(|t| t + self.cfg.abandon_after.as_ms()));
        }
        if let Some(run) = &self.suspended {
            add(run.away_since.map(|t| t + self.cfg.abandon_after.as_ms()));
        }
        next
    }

    /// Feeds the time: fires every deadline that has passed.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.tick(now);
        for d in self.detectors.expire(&self.cfg, self.now) {
            self.stall(d);
        }
        if let Some(run) = &self.run {
            let phase = run.phase;
            let away = run.away_since;
            match phase {
                Phase::Waiting { deadline } if self.now >= deadline => self.target_missing(),
                Phase::Showing { since, .. } => {
                    if let Some(Advance::Delay { after }) = self.step_advance(run)
                        && self.now >= since + after.as_ms()
                    {
                        self.complete_step();
                    } else if self.idle_deadline(run, since).is_some_and(|t| self.now >= t) {
                        let idle = self.now.saturating_sub(self.last_activity.max(since));
                        if let Some(run) = self.run.as_mut() {
                            run.idle_reported = true;
                        }
                        self.stall(Detected {
                            kind: StallKind::Idle,
                            duration: idle,
                            count: 1,
                            target: self.run_target(),
                        });
                    }
                }
                _ => {}
            }
            if away.is_some_and(|t| self.now >= t + self.cfg.abandon_after.as_ms()) {
                self.abandon();
            }
        }
        let limit = self.cfg.abandon_after.as_ms();
        if self.suspended.as_ref().and_then(|r| r.away_since).is_some_and(|t| self.now >= t + limit)
            && let Some(run) = self.suspended.take()
        {
            self.abandoned(run);
        }
        self.settle();
    }

    /// Feeds one observation made at `now`.
    pub fn handle(&mut self, now: Millis, input: Input) {
        self.tick(now);
        match input {
            Input::Page { url } => self.page(&url),
            Input::Identify(who) => self.who = who,
            Input::Visibility { visible } => {
                self.visible = visible;
                self.last_activity = self.now;
            }
            Input::Facts(facts) => self.facts_in(facts),
            Input::DomChanged => self.detectors.dom_changed(),
            Input::Click { x, y, hits, actionable } => self.click(x, y, &hits, actionable),
            Input::Typed { watch, passed } => {
                self.activity();
                if passed
                    && self.showing()
                    && self.run_target_watch() == Some(watch)
                    && matches!(self.current_advance(), Some(Advance::Input { .. }))
                {
                    self.complete_step();
                }
            }
            Input::Invalid { field } => self.invalid(field),
            Input::Activity => self.activity(),
            Input::Track { name } => self.track(name),
            Input::Button { guide, step, index } => self.button(&guide, &step, index),
            Input::Dismiss(how) => self.dismiss(how),
            Input::Start { guide } => self.start_by_id(&guide, false),
            Input::Preview { guide } => self.start_by_id(&guide, true),
            Input::GuideError { guide, message } => {
                self.emit_raw(guide, None, None, EventKind::GuideError { message })
            }
            Input::Stored { base, theirs } => self.stored(&base, &theirs),
        }
        self.settle();
    }

    fn tick(&mut self, now: Millis) {
        self.now = self.now.max(now);
    }

    // ----- observations -------------------------------------------------------------

    fn page(&mut self, url: &str) {
        let path = page_path(url);
        let first = !self.page_seen;
        if !first && path == self.path {
            return;
        }
        let old = std::mem::replace(&mut self.path, path.clone());
        self.page_seen = true;
        self.facts.fill(None);
        self.fired.fill(false);
        self.emit(None, None, EventKind::PageView);
        if let Some(d) = self.detectors.page(&self.cfg, self.now, &path) {
            self.stall(d);
        }
        if first {
            self.resume();
        }
        let Some(run) = self.run.as_mut() else { return };
        if let Some((p, t)) = run.left_page.take()
            && p == path
            && self.now.saturating_sub(t) <= self.cfg.u_turn.as_ms()
        {
            let d = Detected {
                kind: StallKind::UTurn,
                duration: self.now.saturating_sub(t),
                count: 1,
                target: None,
            };
            self.stall(d);
        }
        if let Some(run) = self.run.as_mut()
            && matches!(run.phase, Phase::Showing { .. })
        {
            run.left_page = Some((old, self.now));
        }
        if let Some(url) = self.current_advance_url()
            && url.matches(&path)
        {
            self.complete_step();
            return;
        }
        self.place_step();
        if let Some(active) = self.state.active.as_mut() {
            active.seen = self.now;
            self.dirty = true;
        }
    }

    /// Another tab's progress, merged in. A run that tab completed or dismissed ends here
    /// without a word (that tab reported it); one set aside here is forgotten.
    fn stored(&mut self, base: &UserState, theirs: &UserState) {
        self.state.merge(base, theirs);
        let ended = |run: &Option<Run>| {
            run.as_ref().filter(|r| !r.preview).is_some_and(|r| {
                self.guides.get(r.guide).is_some_and(|g| {
                    self.state.guides.get(&g.spec.id).is_some_and(|rec| rec.ended(g.spec.version, r.started))
                })
            })
        };
        if ended(&self.suspended) {
            self.suspended = None;
        }
        if ended(&self.run) {
            self.hide();
            if let Some(run) = self.run.take() {
                self.fire(run.guide);
            }
        }
        // Stored again, with what this tab adds. Storage ignores a write of the bytes it
        // holds (no `storage` event), so two tabs never echo each other.
        self.dirty = true;
    }

    fn facts_in(&mut self, facts: Vec<Fact>) {
        for f in facts {
            // Only ids the engine handed out have a slot; a stray one is ignored.
            if let Some(slot) = self.facts.get_mut(f.watch as usize) {
                *slot = Some(f);
            }
        }
        if let Some(adv) = self.current_advance() {
            let fact = self.run_plan(&self.plan.advances).and_then(|id| self.fact(id));
            let done = match adv {
                Advance::Appears { .. } => fact.is_some_and(|f| f.present && f.visible),
                Advance::Disappears { .. } => fact.is_some_and(|f| !f.present),
                _ => false,
            };
            if done && !matches!(self.run.as_ref().map(|r| r.phase), Some(Phase::OffPage)) {
                self.complete_step();
                return;
            }
        }
        let Some(phase) = self.run.as_ref().map(|r| r.phase) else { return };
        match phase {
            Phase::Showing { anchored: true, .. } if !self.target_present() => {
                self.hide();
                let wait = self.target_wait();
                if let Some(run) = self.run.as_mut() {
                    run.phase = Phase::Waiting { deadline: self.now + wait };
                }
            }
            Phase::Waiting { .. } if self.target_present() => self.show(true),
            _ => {}
        }
    }

    fn click(&mut self, x: f64, y: f64, hits: &[WatchId], actionable: bool) {
        self.activity();
        let run_target = self.run_target_watch();
        let target = run_target
            .filter(|t| hits.contains(t))
            .or_else(|| hits.first().copied())
            .and_then(|w| self.watches.selector(w))
            .map(str::to_string);
        if let Some(d) = self.detectors.click(&self.cfg, self.now, x, y, actionable, target) {
            self.stall(d);
        }
        let used: Vec<(usize, String)> = self
            .plan
            .features
            .iter()
            .filter(|(_, w, _)| hits.contains(w))
            .map(|(gi, _, f)| (*gi, f.clone()))
            .collect();
        for (gi, feature) in used {
            *self.state.features.or_default(&feature) += 1;
            self.dirty = true;
            self.emit_raw(Some(self.guide_id(gi)), None, None, EventKind::FeatureUsed { feature });
            self.check_milestones();
        }
        if self.showing()
            && run_target.is_some_and(|t| hits.contains(&t))
            && self.current_advance() == Some(&Advance::Click)
        {
            self.complete_step();
        }
    }

    fn invalid(&mut self, field: String) {
        self.activity();
        let on_step = match self.run.as_mut() {
            Some(run) => {
                run.invalid_on_step += 1;
                run.invalid_on_step
            }
            None => 0,
        };
        if let Some(d) = self.detectors.invalid(&self.cfg, self.now, &field, on_step) {
            self.stall(d);
        }
    }

    fn activity(&mut self) {
        self.last_activity = self.now;
        if let Some(run) = self.run.as_mut() {
            run.idle_reported = false;
        }
    }

    fn track(&mut self, name: String) {
        self.emit(None, None, EventKind::Track { name: name.clone() });
        if self.counted_events.contains(&name) {
            *self.state.tracked.or_default(&name) += 1;
            self.dirty = true;
            self.check_milestones();
        }
        for gi in 0..self.guides.len() {
            if matches!(&self.guides.get(gi).map(|g| &g.spec.trigger), Some(Trigger::Event { name: n }) if *n == name)
            {
                self.enqueue(gi, "event");
            }
        }
        if matches!(self.current_advance(), Some(Advance::Event { name: n }) if *n == name) {
            self.complete_step();
        }
    }

    fn button(&mut self, guide: &str, step: &str, index: usize) {
        self.activity();
        let Some(view) = self.view(true) else { return };
        if view.guide != guide || view.step != step {
            return;
        }
        let Some(b) = view.buttons.get(index) else { return };
        match b.action {
            ButtonAction::Next => self.complete_step(),
            ButtonAction::Back => self.go_to_step(view.index.saturating_sub(1)),
            ButtonAction::Done => {
                self.complete_step_then(true);
            }
            ButtonAction::Dismiss => self.dismiss(DismissHow::Button),
            ButtonAction::Link => {
                if let Some(url) = &b.url {
                    self.outputs.push(Output::Open(url.clone()));
                }
            }
            ButtonAction::Goto => {
                let target = self
                    .step_spec_of_run()
                    .and_then(|s| s.buttons.as_ref())
                    .and_then(|bs| bs.get(index))
                    .and_then(|b| b.step.clone());
                let to = target.and_then(|id| {
                    self.run
                        .as_ref()
                        .and_then(|r| self.guides.get(r.guide))
                        .and_then(|g| g.spec.steps.iter().position(|s| s.id == id))
                });
                if let Some(to) = to {
                    if to > view.index {
                        self.complete_step_to(to);
                    } else {
                        self.go_to_step(to);
                    }
                }
            }
        }
    }

    // ----- guide lifecycle ----------------------------------------------------------

    fn start_by_id(&mut self, id: &str, preview: bool) {
        match self.guides.iter().position(|g| g.spec.id == id) {
            Some(gi) => self.start(gi, if preview { "preview" } else { "manual" }, true),
            None => self.outputs.push(Output::Warning(format!("waymark: no guide has the id `{id}`"))),
        }
    }

    fn enqueue(&mut self, gi: usize, cause: &'static str) {
        if !self.queue.iter().any(|(g, _)| *g == gi) && self.run.as_ref().is_none_or(|r| r.guide != gi) {
            self.queue.push((gi, cause));
        }
    }

    fn start(&mut self, gi: usize, cause: &'static str, explicit: bool) {
        if self.run.is_some() {
            if !explicit {
                self.enqueue(gi, cause);
                return;
            }
            self.end_run_replaced();
        }
        self.fire(gi);
        self.queue.retain(|(g, _)| *g != gi);
        self.run = Some(Run {
            guide: gi,
            step: 0,
            started: self.now,
            cause,
            preview: cause == "preview",
            announced: false,
            phase: Phase::OffPage,
            step_shown: false,
            idle_reported: false,
            backs: 0,
            invalid_on_step: 0,
            away_since: None,
            left_page: None,
        });
        self.enter_step(0);
    }

    /// Resumes the guide persisted as in progress, or reports it abandoned if the user
    /// has been away too long.
    fn resume(&mut self) {
        if self.run.is_some() {
            return;
        }
        let (active, suspended) = (self.state.active.take(), self.state.suspended.take());
        self.dirty = true;
        self.suspended = suspended.and_then(|a| self.revive(a, true));
        match active.and_then(|a| self.revive(a, false)) {
            Some(run) => {
                let step = run.step;
                self.run = Some(run);
                self.enter_step(step);
            }
            None => self.save_active(),
        }
    }

    /// A persisted run as a live one, or reported abandoned if the user was away too long.
    fn revive(&mut self, a: ActiveRun, suspended: bool) -> Option<Run> {
        let gi = self.guides.iter().position(|g| g.spec.id == a.guide && g.spec.version == a.version)?;
        let step = a.step as usize;
        if self.now.saturating_sub(a.seen) > self.cfg.abandon_after.as_ms() {
            let duration_ms = a.seen.saturating_sub(a.started);
            self.emit(Some(gi), Some(step), EventKind::GuideAbandoned { index: a.step, duration_ms });
            let stall = EventKind::Stall { stall: StallKind::Abandoned, duration_ms, count: 1, target: None };
            self.emit(Some(gi), Some(step), stall);
            return None;
        }
        self.fire(gi);
        Some(Run {
            guide: gi,
            step,
            started: a.started,
            cause: "resume",
            preview: false,
            announced: true,
            phase: Phase::OffPage,
            step_shown: false,
            idle_reported: false,
            backs: 0,
            invalid_on_step: 0,
            away_since: suspended.then_some(a.seen),
            left_page: None,
        })
    }

    fn enter_step(&mut self, i: usize) {
        let Some(run) = self.run.as_mut() else { return };
        run.step = i;
        run.step_shown = false;
        run.idle_reported = false;
        run.invalid_on_step = 0;
        run.phase = Phase::OffPage;
        self.save_active();
        self.place_step();
    }

    /// Records the current and the set-aside run, to resume after a reload.
    fn save_active(&mut self) {
        let record = |run: &Option<Run>| {
            let run = run.as_ref().filter(|r| !r.preview)?;
            let g = self.guides.get(run.guide)?;
            let step = u32::try_from(run.step).unwrap_or(u32::MAX);
            let (guide, version) = (g.spec.id.clone(), g.spec.version);
            Some(ActiveRun { guide, version, step, started: run.started, seen: self.now })
        };
        let (active, suspended) = (record(&self.run), record(&self.suspended));
        if active.is_some() {
            self.state.active = active;
        }
        self.state.suspended = suspended;
        self.dirty = true;
    }

    /// Decides where the current step stands on this page: off page, waiting, or shown.
    fn place_step(&mut self) {
        let Some(run) = &self.run else { return };
        let (Some(g), preview) = (self.guides.get(run.guide), run.preview) else { return };
        let on_page = preview || self.audience_page(g);
        let step_page =
            g.steps.get(run.step).and_then(|s| s.page.as_ref()).is_none_or(|m| m.matches(&self.path));
        let phase = run.phase;
        let away = !(on_page && step_page);
        let has_target = self.step_spec_of_run().is_some_and(|s| s.target.is_some());
        let wait = self.target_wait();
        if let Some(run) = self.run.as_mut() {
            run.away_since = if away { run.away_since.or(Some(self.now)) } else { None };
        }
        if away {
            if matches!(phase, Phase::Showing { .. }) {
                self.hide();
            }
            if let Some(run) = self.run.as_mut() {
                run.phase = Phase::OffPage;
            }
            return;
        }
        match phase {
            Phase::Showing { anchored: true, .. } if !self.target_present() => {
                self.hide();
                if let Some(run) = self.run.as_mut() {
                    run.phase = Phase::Waiting { deadline: self.now + wait };
                }
            }
            Phase::Showing { .. } | Phase::Waiting { .. } => {}
            Phase::OffPage if !has_target => self.show(false),
            Phase::OffPage if self.target_present() => self.show(true),
            Phase::OffPage => {
                if let Some(run) = self.run.as_mut() {
                    run.phase = Phase::Waiting { deadline: self.now + wait };
                }
            }
        }
    }

    fn show(&mut self, anchored: bool) {
        let Some(run) = self.run.as_mut() else { return };
        run.phase = Phase::Showing { since: self.now, anchored };
        let (gi, step, announce, first_show) = (run.guide, run.step, !run.announced, !run.step_shown);
        let cause = run.cause;
        run.announced = true;
        run.step_shown = true;
        self.last_activity = self.last_activity.max(self.now);
        if announce {
            self.record_start(gi);
            self.emit(Some(gi), None, EventKind::GuideShown { cause: cause.to_string() });
        }
        if first_show {
            let index = u32::try_from(step).unwrap_or(u32::MAX);
            self.emit(Some(gi), Some(step), EventKind::StepShown { index, anchored });
        }
        if let Some(view) = self.view(anchored) {
            self.outputs.push(Output::Show(Box::new(view)));
        }
    }

    /// Removes the card, if one is on screen.
    fn hide(&mut self) {
        let Some(run) = self.run.as_ref().filter(|r| matches!(r.phase, Phase::Showing { .. })) else {
            return;
        };
        if let (Some(g), Some(s)) = (self.guides.get(run.guide), self.step_spec_of_run()) {
            self.outputs.push(Output::Hide { guide: g.spec.id.clone(), step: s.id.clone() });
        }
    }

    fn record_start(&mut self, gi: usize) {
        if self.run.as_ref().is_some_and(|r| r.preview) {
            return;
        }
        let Some(g) = self.guides.get(gi) else { return };
        let rec = self.state.guides.or_default(&g.spec.id);
        if rec.version != g.spec.version {
            *rec = GuideRecord { version: g.spec.version, ..GuideRecord::default() };
        }
        rec.starts += 1;
        rec.last_start = Some(self.now);
        rec.last_session = Some(self.session.id.clone());
        self.dirty = true;
    }

    fn complete_step(&mut self) {
        self.complete_step_then(false);
    }

    /// Completes the current step; then the next step, or the guide when `finish` or last.
    fn complete_step_then(&mut self, finish: bool) {
        let Some(run) = &self.run else { return };
        let next = run.step + 1;
        let total = self.guides.get(run.guide).map_or(0, |g| g.spec.steps.len());
        if finish || next >= total {
            self.step_completed();
            self.finish_guide();
        } else {
            self.complete_step_to(next);
        }
    }

    fn complete_step_to(&mut self, to: usize) {
        self.step_completed();
        self.enter_step(to);
    }

    fn step_completed(&mut self) {
        let Some(run) = &self.run else { return };
        let (gi, step) = (run.guide, run.step);
        if let Phase::Showing { since, .. } = run.phase {
            let index = u32::try_from(step).unwrap_or(u32::MAX);
            self.emit(
                Some(gi),
                Some(step),
                EventKind::StepCompleted { index, duration_ms: self.now.saturating_sub(since) },
            );
            self.hide();
        }
    }

    fn go_to_step(&mut self, to: usize) {
        let Some(run) = self.run.as_mut() else { return };
        run.backs += 1;
        let backs = run.backs;
        if backs == self.cfg.back_and_forth {
            let duration = self.now.saturating_sub(run.started);
            self.stall(Detected { kind: StallKind::BackAndForth, duration, count: backs, target: None });
        }
        self.hide();
        self.enter_step(to);
    }

    fn finish_guide(&mut self) {
        let Some(run) = self.run.take() else { return };
        let duration_ms = self.now.saturating_sub(run.started);
        self.run = Some(run);
        self.emit_run(None, EventKind::GuideCompleted { duration_ms });
        let run = self.run.take();
        if let Some(r) = &run {
            self.fire(r.guide);
        }
        if let Some(run) = run.filter(|r| !r.preview)
            && let Some(g) = self.guides.get(run.guide)
        {
            let rec = self.state.guides.or_default(&g.spec.id);
            rec.completed = Some(self.now);
            self.state.active = None;
            self.dirty = true;
            self.check_milestones();
        }
    }

    fn dismiss(&mut self, how: DismissHow) {
        let Some(run) = &self.run else { return };
        let (index, duration_ms) =
            (u32::try_from(run.step).unwrap_or(u32::MAX), self.now.saturating_sub(run.started));
        let how = match how {
            DismissHow::Button => "button",
            DismissHow::Escape => "escape",
            DismissHow::Api => "api",
        };
        self.emit_run(Some(()), EventKind::GuideDismissed { index, duration_ms, how: how.into() });
        self.emit_run(
            Some(()),
            EventKind::Stall { stall: StallKind::Dismissed, duration_ms, count: 1, target: None },
        );
        self.hide();
        self.end_run(|rec, now| rec.dismissed = Some(now));
    }

    /// Ends the run because an explicit start replaced it.
    fn end_run_replaced(&mut self) {
        let Some(run) = &self.run else { return };
        if run.announced {
            let (index, duration_ms) =
                (u32::try_from(run.step).unwrap_or(u32::MAX), self.now.saturating_sub(run.started));
            self.emit_run(Some(()), EventKind::GuideDismissed { index, duration_ms, how: "replaced".into() });
        }
        self.hide();
        self.end_run(|rec, now| rec.dismissed = Some(now));
    }

    fn abandon(&mut self) {
        self.hide();
        if let Some(run) = self.run.take() {
            self.abandoned(run);
        }
    }

    /// Reports a run left unfinished and forgets it.
    fn abandoned(&mut self, run: Run) {
        if run.announced && !run.preview {
            let (index, duration_ms) =
                (u32::try_from(run.step).unwrap_or(u32::MAX), self.now.saturating_sub(run.started));
            self.emit(Some(run.guide), Some(run.step), EventKind::GuideAbandoned { index, duration_ms });
            let stall = EventKind::Stall { stall: StallKind::Abandoned, duration_ms, count: 1, target: None };
            self.emit(Some(run.guide), Some(run.step), stall);
        }
        self.fire(run.guide);
        let id = self.guides.get(run.guide).map(|g| g.spec.id.as_str());
        if !run.preview && self.state.active.as_ref().map(|a| a.guide.as_str()) == id {
            self.state.active = None;
            self.dirty = true;
        }
        if self.state.suspended.as_ref().map(|a| a.guide.as_str()) == id {
            self.state.suspended = None;
            self.dirty = true;
        }
    }

    fn target_missing(&mut self) {
        let Some(run) = &self.run else { return };
        let waited = self.target_wait();
        let (selector, policy) = match self.step_spec_of_run().and_then(|s| s.target.as_ref()) {
            Some(t) => (t.selector.clone(), t.missing.then),
            None => return,
        };
        let (announced, started, step) = (run.announced, run.started, run.step);
        self.emit_run(Some(()), EventKind::TargetMissing { selector, waited_ms: waited });
        match policy {
            MissingPolicy::Center => self.show(false),
            MissingPolicy::Skip => {
                let total = self
                    .run
                    .as_ref()
                    .and_then(|r| self.guides.get(r.guide))
                    .map_or(0, |g| g.spec.steps.len());
                if step + 1 < total {
                    self.enter_step(step + 1);
                } else if announced {
                    self.finish_guide();
                } else {
                    self.end_run(|_, _| {});
                }
            }
            MissingPolicy::End => {
                if announced {
                    let index = u32::try_from(step).unwrap_or(u32::MAX);
                    self.emit_run(
                        Some(()),
                        EventKind::GuideAbandoned { index, duration_ms: self.now.saturating_sub(started) },
                    );
                }
                self.end_run(|_, _| {});
            }
        }
    }

    fn end_run(&mut self, record: impl FnOnce(&mut GuideRecord, Millis)) {
        let Some(run) = self.run.take() else { return };
        // Ended guides do not start again on the same page view.
        self.fire(run.guide);
        if run.preview {
            return;
        }
        if let Some(g) = self.guides.get(run.guide)
            && run.announced
        {
            record(self.state.guides.or_default(&g.spec.id), self.now);
        }
        self.state.active = None;
        self.dirty = true;
    }

    // ----- stalls, milestones, events -----------------------------------------------

    fn stall(&mut self, d: Detected) {
        // A stall belongs to the guide step the user has been shown, if any.
        let step = self.run.as_ref().filter(|r| r.announced).map(|r| r.step);
        let gi = step.and(self.run.as_ref().map(|r| r.guide));
        let kind = EventKind::Stall {
            stall: d.kind,
            duration_ms: d.duration,
            count: d.count,
            target: d.target.clone(),
        };
        self.emit(gi, step, kind);
        for i in 0..self.guides.len() {
            let wanted = match self.guides.get(i).map(|g| &g.spec.trigger) {
                Some(Trigger::Stall { kinds, selector }) => {
                    (kinds.is_empty() || kinds.contains(&d.kind))
                        && selector.as_ref().is_none_or(|s| d.target.as_ref() == Some(s))
                }
                _ => false,
            };
            if wanted && self.eligible(i) {
                self.enqueue(i, "stall");
            }
        }
    }

    fn check_milestones(&mut self) {
        let mut reached = Vec::new();
        for (gi, g) in self.guides.iter().enumerate() {
            for m in g
                .spec
                .milestones
                .iter()
                .filter(|m| m.users.is_none() && !self.state.milestones.contains(&m.id))
            {
                let done = match &m.goal {
                    Goal::GuideCompleted { guide } => {
                        self.state.guides.get(guide).is_some_and(|r| r.completed.is_some())
                    }
                    Goal::FeatureUsed { feature, times } => {
                        self.state.features.get(feature).is_some_and(|n| n >= times)
                    }
                    Goal::Event { name, times } => self.state.tracked.get(name).is_some_and(|n| n >= times),
                };
                if done {
                    reached.push((gi, m.id.clone()));
                }
            }
        }
        for (gi, milestone) in reached {
            self.state.milestones.add(milestone.clone());
            self.dirty = true;
            self.emit_raw(Some(self.guide_id(gi)), None, None, EventKind::MilestoneReached { milestone });
        }
    }

    /// An event about the current run (and its step when `with_step` is set).
    fn emit_run(&mut self, with_step: Option<()>, kind: EventKind) {
        let Some(run) = &self.run else { return };
        let (gi, step) = (run.guide, with_step.map(|()| run.step));
        self.emit(Some(gi), step, kind);
    }

    fn emit(&mut self, gi: Option<usize>, step: Option<usize>, kind: EventKind) {
        let preview = gi.is_some() && self.run.as_ref().is_some_and(|r| r.preview && Some(r.guide) == gi);
        if preview {
            return;
        }
        let g = gi.and_then(|i| self.guides.get(i));
        let step_id = g.and_then(|g| step.and_then(|s| g.spec.steps.get(s))).map(|s| s.id.clone());
        let (id, version) = (g.map(|g| g.spec.id.clone()), g.map(|g| g.spec.version));
        self.emit_raw(id, version, step_id, kind);
    }

    fn emit_raw(
        &mut self,
        guide: Option<String>,
        guide_version: Option<u32>,
        step: Option<String>,
        kind: EventKind,
    ) {
        let seq = self.seq;
        self.seq += 1;
        let event = Event {
            v: EVENT_SCHEMA_VERSION,
            id: event_id(self.now, self.session.seed, seq),
            seq,
            ts: self.now,
            session: self.session.id.clone(),
            user: self.who.user.clone(),
            account: self.who.account.clone(),
            path: self.path.clone(),
            guide,
            guide_version,
            step,
            kind,
        };
        self.outputs.push(Output::Event(Box::new(event)));
    }

    // ----- after every input ----------------------------------------------------------

    /// Starts what should start, publishes the watch set and the state.
    fn settle(&mut self) {
        if self.run.is_none()
            && let Some(run) = self.suspended.take()
        {
            self.run = Some(run);
            self.save_active();
            self.place_step();
        }
        // A guide whose pages the user has left holds no UI: another may run meanwhile.
        let away = self.run.as_ref().is_some_and(|r| r.phase == Phase::OffPage && !r.preview);
        if (self.run.is_none() || away) && self.page_seen {
            let mut candidates: Vec<(usize, &'static str)> =
                self.queue.iter().copied().filter(|(gi, _)| self.eligible(*gi)).collect();
            for gi in 0..self.guides.len() {
                if self.has_fired(gi) || candidates.iter().any(|(g, _)| *g == gi) || !self.eligible(gi) {
                    continue;
                }
                match self.guides.get(gi).map(|g| &g.spec.trigger) {
                    Some(Trigger::PageLoad) => candidates.push((gi, "page_load")),
                    Some(Trigger::ElementAppears { .. }) if self.present(self.plan.triggers.get(gi)) => {
                        candidates.push((gi, "element_appears"))
                    }
                    _ => {}
                }
            }
            let best = candidates.into_iter().max_by_key(|(gi, _)| {
                (self.guides.get(*gi).map_or(i32::MIN, |g| g.spec.priority), std::cmp::Reverse(*gi))
            });
            if let Some((gi, cause)) = best {
                if away {
                    if let Some(older) = self.suspended.take() {
                        self.abandoned(older);
                    }
                    self.suspended = self.run.take();
                    self.state.active = None;
                }
                self.start(gi, cause, false);
            }
        }
        self.publish_watches();
        if self.dirty {
            self.dirty = false;
            self.outputs.push(Output::Persist(Box::new(self.state.clone())));
        }
    }

    fn publish_watches(&mut self) {
        // Sorted and unique without a sort (each sort instance weighs kilobytes of the
        // agent's wasm): mark the wanted keys, then read the marks in order.
        let mut wanted = vec![false; self.watches.keys.len()];
        let mut want = |w: WatchId| {
            if let Some(m) = wanted.get_mut(w as usize) {
                *m = true;
            }
        };
        for (_, w, _) in &self.plan.features {
            want(*w);
        }
        for (gi, g) in self.guides.iter().enumerate() {
            let armed = match g.spec.trigger {
                Trigger::ElementAppears { .. } => !self.has_fired(gi) && self.audience_page(g),
                Trigger::Stall { .. } => self.audience_page(g),
                _ => false,
            };
            if armed && let Some(Some(w)) = self.plan.triggers.get(gi) {
                want(*w);
            }
        }
        self.run_plan(&self.plan.targets)
            .into_iter()
            .chain(self.run_plan(&self.plan.advances))
            .for_each(want);
        let ids: Vec<WatchId> =
            wanted.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i as WatchId).collect();
        if ids != self.watches.current {
            let list = ids
                .iter()
                .filter_map(|id| {
                    let k = self.watches.keys.get(*id as usize)?;
                    let input = k.input_of.and_then(|(g, s)| self.guides.get(g)?.steps.get(s)?.input.clone());
                    Some(Watch {
                        id: *id,
                        selector: k.selector.clone(),
                        text: k.text.clone(),
                        fallbacks: k.fallbacks.clone(),
                        input,
                    })
                })
                .collect();
            self.watches.current = ids;
            self.outputs.push(Output::Watch(list));
        }
    }

    // ----- queries ----------------------------------------------------------------------

    /// Whether guide `gi` may start now: audience, locale, conditions and frequency.
    fn eligible(&self, gi: usize) -> bool {
        let Some(g) = self.guides.get(gi) else { return false };
        let busy = |r: &Option<Run>| r.as_ref().is_some_and(|r| r.guide == gi);
        if busy(&self.run) || busy(&self.suspended) || g.spec.trigger == Trigger::Manual {
            return false;
        }
        if !self.audience_page(g) || !locale_matches(&self.who.locale, &g.spec.audience.locales) {
            return false;
        }
        // A guide starts where its first step can show, not somewhere it would only wait.
        if g.steps.first().and_then(|s| s.page.as_ref()).is_some_and(|m| !m.matches(&self.path)) {
            return false;
        }
        if g.when.as_ref().is_some_and(|c| !c.eval(&self.who, self.now)) {
            return false;
        }
        let Some(rec) = self.state.guides.get(&g.spec.id).filter(|r| r.version == g.spec.version) else {
            return true;
        };
        let allowed = match g.spec.frequency.mode {
            FrequencyMode::Once => rec.starts == 0,
            FrequencyMode::UntilCompleted => rec.completed.is_none(),
            FrequencyMode::OncePerSession => rec.last_session.as_deref() != Some(self.session.id.as_str()),
            FrequencyMode::Always => true,
        };
        let cooled = match (g.spec.frequency.cooldown, rec.last_start) {
            (Some(c), Some(t)) => self.now >= t + c.as_ms(),
            _ => true,
        };
        allowed && cooled
    }

    fn audience_page(&self, g: &Guide) -> bool {
        (g.urls.is_empty() || g.urls.iter().any(|m| m.matches(&self.path)))
            && !g.exclude_urls.iter().any(|m| m.matches(&self.path))
    }

    fn present(&self, watch: Option<&Option<WatchId>>) -> bool {
        watch.copied().flatten().and_then(|id| self.fact(id)).is_some_and(|f| f.present && f.visible)
    }

    /// The last fact about watch `id` on this page view.
    fn fact(&self, id: WatchId) -> Option<&Fact> {
        self.facts.get(id as usize)?.as_ref()
    }

    fn fire(&mut self, gi: usize) {
        if let Some(f) = self.fired.get_mut(gi) {
            *f = true;
        }
    }

    fn has_fired(&self, gi: usize) -> bool {
        self.fired.get(gi).copied().unwrap_or(false)
    }

    /// The current step's entry in a per-guide, per-step table of the plan.
    fn run_plan(&self, table: &[Vec<Option<WatchId>>]) -> Option<WatchId> {
        let run = self.run.as_ref()?;
        table.get(run.guide)?.get(run.step).copied().flatten()
    }

    fn guide_id(&self, gi: usize) -> String {
        self.guides.get(gi).map(|g| g.spec.id.clone()).unwrap_or_default()
    }

    fn showing(&self) -> bool {
        self.run.as_ref().is_some_and(|r| matches!(r.phase, Phase::Showing { .. }))
    }

    fn step_spec_of_run(&self) -> Option<&crate::format::StepSpec> {
        let run = self.run.as_ref()?;
        self.guides.get(run.guide)?.step_spec(run.step)
    }

    fn step_advance(&self, run: &Run) -> Option<&Advance> {
        self.guides.get(run.guide)?.step_spec(run.step).map(|s| &s.advance)
    }

    /// The page rule that completes the current step, for an `advance: {on: url}` step.
    fn current_advance_url(&self) -> Option<&crate::targeting::UrlMatcher> {
        let run = self.run.as_ref()?;
        self.guides.get(run.guide)?.steps.get(run.step)?.advance_url.as_ref()
    }

    fn current_advance(&self) -> Option<&Advance> {
        self.step_spec_of_run().map(|s| &s.advance)
    }

    fn run_target_watch(&self) -> Option<WatchId> {
        self.run_plan(&self.plan.targets)
    }

    fn run_target(&self) -> Option<String> {
        self.step_spec_of_run().and_then(|s| s.target.as_ref()).map(|t| t.selector.clone())
    }

    fn target_present(&self) -> bool {
        self.run_target_watch().and_then(|id| self.fact(id)).is_some_and(|f| f.present && f.visible)
    }

    fn target_wait(&self) -> u64 {
        self.step_spec_of_run().and_then(|s| s.target.as_ref()).map_or(0, |t| t.missing.wait.as_ms())
    }

    fn idle_deadline(&self, run: &Run, since: Millis) -> Option<Millis> {
        if run.idle_reported || !self.visible || run.preview {
            return None;
        }
        let threshold = self.guides.get(run.guide)?.step_spec(run.step)?.stall_after.unwrap_or(self.cfg.idle);
        Some(self.last_activity.max(since) + threshold.as_ms())
    }

    /// The view of the current step; `anchored` false for a centred card.
    fn view(&self, anchored: bool) -> Option<StepView> {
        let run = self.run.as_ref()?;
        let g = self.guides.get(run.guide)?;
        let s = g.spec.steps.get(run.step)?;
        let fallback = g.spec.locales.first().map_or("en", String::as_str);
        let locale = self.who.locale.as_str();
        let title = s.title.as_ref().map(|t| t.resolve(locale, fallback).to_string()).unwrap_or_default();
        let body_key = match &s.body {
            Some(Text::Localized(map)) => resolve_key(map.keys().map(String::as_str), locale, fallback),
            _ => Some(""),
        };
        let body = body_key
            .and_then(|k| {
                g.steps.get(run.step)?.body.iter().find(|(key, _)| key == k).map(|(_, b)| b.clone())
            })
            .unwrap_or_default();
        let total = g.spec.steps.len();
        let last = run.step + 1 == total;
        let label_locale =
            resolve_key(g.spec.locales.iter().map(String::as_str), locale, fallback).unwrap_or(fallback);
        let mut buttons: Vec<ButtonView> = match &s.buttons {
            Some(bs) => bs
                .iter()
                .map(|b| ButtonView {
                    action: b.action,
                    label: b.label.as_ref().map_or_else(
                        || default_label(b.action, label_locale).to_string(),
                        |l| l.resolve(locale, fallback).to_string(),
                    ),
                    url: b.url.clone(),
                })
                .collect(),
            None => {
                let mut v = Vec::new();
                if run.step > 0 {
                    v.push(ButtonAction::Back);
                }
                if s.advance == Advance::Next || !anchored {
                    v.push(if last { ButtonAction::Done } else { ButtonAction::Next });
                }
                v.into_iter()
                    .map(|a| ButtonView {
                        action: a,
                        label: default_label(a, label_locale).to_string(),
                        url: None,
                    })
                    .collect()
            }
        };
        let needs_target = matches!(s.advance, Advance::Click | Advance::Input { .. });
        if !anchored
            && needs_target
            && !buttons.iter().any(|b| matches!(b.action, ButtonAction::Next | ButtonAction::Done))
        {
            let a = if last { ButtonAction::Done } else { ButtonAction::Next };
            buttons.push(ButtonView {
                action: a,
                label: default_label(a, label_locale).to_string(),
                url: None,
            });
        }
        let anchor = if anchored && matches!(s.kind, StepKind::Tooltip | StepKind::Hotspot | StepKind::Modal)
        {
            self.run_target_watch()
        } else {
            None
        };
        Some(StepView {
            guide: g.spec.id.clone(),
            step: s.id.clone(),
            index: run.step,
            total,
            kind: s.kind,
            anchor,
            placement: s.placement,
            title,
            body,
            buttons,
            locale: label_locale.to_string(),
            rtl: is_rtl(label_locale),
            preview: run.preview,
        })
    }
}

/// Picks the key for `locale` among `keys`: exact, then language, then `fallback`.
fn resolve_key<'a>(
    keys: impl Iterator<Item = &'a str> + Clone,
    locale: &str,
    fallback: &str,
) -> Option<&'a str> {
    let lang = crate::text::language(locale);
    keys.clone()
        .find(|k| *k == locale)
        .or_else(|| keys.clone().find(|k| *k == lang))
        .or_else(|| keys.clone().find(|k| *k == fallback))
        .or_else(|| keys.clone().next())
}

/// Button labels when a guide gives none, in the languages guides are written in.
fn default_label(action: ButtonAction, locale: &str) -> &'static str {
    let ja = crate::text::language(locale) == "ja";
    match (action, ja) {
        (ButtonAction::Next, false) => "Next",
        (ButtonAction::Next, true) => "次へ",
        (ButtonAction::Back, false) => "Back",
        (ButtonAction::Back, true) => "戻る",
        (ButtonAction::Done, false) => "Done",
        (ButtonAction::Done, true) => "完了",
        (ButtonAction::Dismiss, false) => "Dismiss",
        (ButtonAction::Dismiss, true) => "閉じる",
        (ButtonAction::Link, false) => "Learn more",
        (ButtonAction::Link, true) => "詳しく見る",
        (ButtonAction::Goto, false) => "Go",
        (ButtonAction::Goto, true) => "移動",
    }
}
