//! The adapter's run loop: observations in, decisions out, one timer armed.
//!
//! Every browser resource (listeners, the mutation observer, the timer, the animation
//! frame, the UI layer) is a field of [`Agent`], so tearing it down unhooks everything from
//! the page. Entry points only queue work; [`Agent::drive`] runs the queue, so a host
//! callback that calls back into the agent never re-enters the engine.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::{EventListener, EventListenerOptions};
use gloo_render::AnimationFrame;
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use waymark_core::json::Json;
use waymark_core::{DismissHow, Engine, Guide, Identity, Input, Output, Session, StallConfig, UserState};
use web_sys::{Document, Element, Window};

use crate::follow::Follow;
use crate::page;
use crate::ui::{Ui, UiAction};
use crate::watches::Watches;

/// What the loader read from the script tag.
#[derive(Clone, Debug, Default)]
pub struct Config {
    key: String,
    guides: Option<String>,
    collector: Option<String>,
    user: Option<String>,
    account: Option<String>,
    locale: Option<String>,
    /// The loader's fetch of the guides, started while the wasm was still downloading.
    prefetched: Option<js_sys::Promise>,
}

impl Config {
    /// Reads `{key, guides, collector, user, account, locale, prefetched}`.
    pub fn from_js(v: &JsValue) -> Self {
        Self {
            key: page::prop(v, "key").unwrap_or_else(|| "default".into()),
            guides: page::prop(v, "guides"),
            collector: page::prop(v, "collector"),
            user: page::prop(v, "user"),
            account: page::prop(v, "account"),
            locale: page::prop(v, "locale"),
            prefetched: js_sys::Reflect::get(v, &JsValue::from_str("prefetched"))
                .ok()
                .and_then(|p| p.dyn_into().ok()),
        }
    }
}

/// The mutation observer and the callback it calls (kept alive together).
type Observer = (web_sys::MutationObserver, Closure<dyn FnMut(js_sys::Array)>);

enum Job {
    Input(Input),
    Timeout,
}

/// What a page event the agent listens to means for it.
#[derive(Clone, Copy)]
enum On {
    Click,
    Input,
    Invalid,
    Key,
    /// Keyboard-free activity: pointer, wheel, touch.
    Activity,
    /// Scroll or resize: activity, and targets may have moved.
    Moved,
    /// A transition or animation of the page ended: targets may have moved, shown or
    /// hidden with no mutation after the one that started it.
    Settled,
    /// The pointer or the focus entered an element: CSS alone (`:hover`, `:focus-within`)
    /// may have revealed a target.
    Entered,
    /// An SPA navigation.
    Navigated,
    Visibility,
    Focus,
    PageHide,
    PageShow,
    /// Another tab wrote to `localStorage`.
    Stored,
}

/// The running agent.
pub(crate) struct Agent {
    /// Itself, for the timer and frame callbacks it arms (weak: they never keep it alive).
    me: Weak<Agent>,
    window: Window,
    doc: Document,
    config: Config,
    session: (String, u64, u64),
    engine: RefCell<Option<Engine>>,
    who: RefCell<Identity>,
    ui: RefCell<Option<Ui>>,
    watches: RefCell<Watches>,
    /// A few jobs at a time: a list, as `VecDeque` would be code of its own in the wasm.
    queue: RefCell<Vec<Job>>,
    busy: Cell<bool>,
    consent: Cell<bool>,
    href: RefCell<String>,
    callbacks: RefCell<Vec<(String, js_sys::Function)>>,
    timer: RefCell<Option<(u64, Timeout)>>,
    frame: RefCell<Option<AnimationFrame>>,
    listeners: RefCell<Vec<EventListener>>,
    observer: RefCell<Option<Observer>>,
    last_activity: Cell<f64>,
    beacon: Option<Rc<RefCell<crate::beacon::Beacon>>>,
    /// The events of the running drive (their JSON), stored and queued once it ends.
    events: RefCell<Vec<String>>,
    /// Where the session's event numbering goes on, written once the running drive ends.
    next_seq: Cell<Option<u64>>,
    /// The user's stored state (base64) as this tab last read or wrote it: when storage
    /// holds anything else, another tab wrote, and the engine merges that in.
    stored: RefCell<Option<String>>,
}

thread_local! {
    /// The page's one agent, which `stop` unhooks.
    static RUNNING: RefCell<Option<Rc<Agent>>> = const { RefCell::new(None) };
}

/// Unhooks the running agent from the page (after a panic; browser tests run whole agents
/// one after another).
pub(crate) fn stop() {
    let agent = RUNNING.with(|r| r.try_borrow_mut().ok().and_then(|mut r| r.take()));
    if let Some(a) = agent {
        a.teardown();
    }
}

/// Called on an internal panic: report it and unhook the agent so the page goes on.
pub(crate) fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    web_sys::console::warn_1(&JsValue::from_str(&format!(
        "waymark: internal error, guides disabled: {info}"
    )));
    stop();
}

/// The time, in ms since the Unix epoch.
pub(crate) fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// The delay in ms until `at`, as `setTimeout` takes it (which fires at once past 2^31).
pub(crate) fn delay_until(at: u64) -> u32 {
    u32::try_from(at.saturating_sub(now())).unwrap_or(u32::MAX).min(2_000_000_000)
}

/// A console warning: the agent reports, it never throws into the page.
pub(crate) fn warn(msg: &str) {
    web_sys::console::warn_1(&JsValue::from_str(msg));
}

impl Agent {
    /// Hooks the agent into the page and starts loading the guides.
    pub(crate) fn start(config: Config) -> Option<Rc<Self>> {
        // One agent per page: two would show every guide twice and report every event twice.
        if RUNNING.with(|r| r.try_borrow().map_or(true, |r| r.is_some())) {
            warn("waymark: the agent is already running on this page; this start does nothing");
            return None;
        }
        let window = web_sys::window()?;
        let doc = window.document()?;
        // `navigator.doNotTrack` is null when unset and `globalPrivacyControl` is missing
        // in most browsers, so both are read as plain values.
        let navigator = window.navigator();
        let read = |name: &str| js_sys::Reflect::get(&navigator, &JsValue::from_str(name)).ok();
        let dnt = read("doNotTrack").and_then(|v| v.as_string()).is_some_and(|v| v == "1")
            || read("globalPrivacyControl").and_then(|v| v.as_bool()) == Some(true);
        let who = Identity {
            user: config.user.clone(),
            account: config.account.clone(),
            locale: config
                .locale
                .clone()
                .or_else(|| window.navigator().language())
                .unwrap_or_else(|| "en".into()),
            ..Identity::default()
        };
        let agent = Rc::new_cyclic(|me| Self {
            me: me.clone(),
            session: session(&window),
            href: RefCell::new(String::new()),
            window,
            doc,
            engine: RefCell::new(None),
            who: RefCell::new(who),
            ui: RefCell::new(None),
            watches: RefCell::new(Watches::default()),
            queue: RefCell::new(Vec::new()),
            busy: Cell::new(false),
            consent: Cell::new(!dnt),
            callbacks: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            frame: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            observer: RefCell::new(None),
            last_activity: Cell::new(0.0),
            beacon: config.collector.clone().map(|url| crate::beacon::start(url, config.key.clone(), !dnt)),
            events: RefCell::new(Vec::new()),
            next_seq: Cell::new(None),
            stored: RefCell::new(None),
            config,
        });
        RUNNING.with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                *r = Some(agent.clone());
            }
        });
        agent.load();
        Some(agent)
    }

    /// Asks for the guide feed: the loader's prefetch when there is one, else a fetch.
    fn load(self: &Rc<Self>) {
        let Some(url) = self.config.guides.clone() else {
            warn("waymark: no data-guides URL on the script tag; nothing to show");
            return;
        };
        let a = self.clone();
        match self.config.prefetched.clone() {
            Some(p) => when_settled(&p, Box::new(move |v| a.feed_arrived(v))),
            None => when_settled(
                &self.window.fetch_with_str(&url),
                Box::new(move |v| match v.dyn_into::<web_sys::Response>() {
                    Ok(r) if r.ok() => match r.array_buffer() {
                        Ok(body) => when_settled(&body, Box::new(move |v| a.feed_arrived(v))),
                        Err(e) => a.feed_arrived(e),
                    },
                    // The status printed as a u64: a u16 would bring a printer of its own.
                    Ok(r) => a.feed_arrived(JsValue::from_str(
                        &("HTTP ".to_string() + &u64::from(r.status()).to_string()),
                    )),
                    Err(e) => a.feed_arrived(e),
                }),
            ),
        }
    }

    /// Task 1: reads the feed (`value`: its bytes, or why there are none) and checks its
    /// selectors; the engine starts in the next task.
    fn feed_arrived(self: &Rc<Self>, value: JsValue) {
        let url = self.config.guides.as_deref().unwrap_or_default();
        let bytes = match value.dyn_into::<js_sys::ArrayBuffer>() {
            Ok(b) => js_sys::Uint8Array::new(&b).to_vec(),
            Err(e) => {
                let why = e
                    .as_string()
                    .or_else(|| page::prop(&e, "message"))
                    .unwrap_or_else(|| "the request failed".into());
                warn(&format!("waymark: cannot load guides from {url}: {why}"));
                return;
            }
        };
        let mut errors = Vec::new();
        let feed = match waymark_core::wire::decode_feed(&bytes, &page::BrowserRegExp) {
            Ok(mut feed) => {
                // A page that cannot create a <div> could not show a card either.
                if let Some(check) = page::BrowserSelectors::new(&self.doc) {
                    feed.check_selectors(&check);
                }
                feed
            }
            Err(e) => {
                let message = format!("{url}: cannot read the guide feed: {e}");
                warn(&format!("waymark: {message}"));
                errors.push(Input::GuideError { guide: None, message });
                waymark_core::wire::Feed::default()
            }
        };
        for b in feed.broken {
            warn(&format!("waymark: guide skipped: {}", b.message));
            errors.push(Input::GuideError { guide: b.guide, message: b.message });
        }
        // Reading the feed and starting the engine (which queries the page, renders and
        // lays out) run as two tasks, so neither becomes a long task for the host.
        let a = self.clone();
        let begin = Closure::once_into_js(move || a.begin(feed.guides, errors));
        let _ = self.window.set_timeout_with_callback(begin.unchecked_ref());
    }

    /// Task 2: the engine and the page's listeners. The layer goes on the page with the
    /// first card (see [`Ui::new`]).
    fn begin(self: &Rc<Self>, guides: Vec<Guide>, errors: Vec<Input>) {
        // An agent unhooked while its feed loaded (after a panic) stays off the page.
        if !RUNNING.with(|r| r.try_borrow().is_ok_and(|r| r.as_ref().is_some_and(|a| Rc::ptr_eq(a, self)))) {
            return;
        }
        // A target the page moves without a mutation calls for a frame, as a mutation does.
        let me = self.me.clone();
        let follow = Follow::new(move || {
            if let Some(a) = me.upgrade() {
                a.schedule_frame();
            }
        });
        let Some(ui) = Ui::new(&self.doc, follow) else {
            warn("waymark: the page has no <body>; guides disabled");
            return;
        };
        *self.ui.borrow_mut() = Some(ui);
        self.build_engine(guides);
        self.hook();
        for e in errors {
            self.push(e);
        }
        let preview =
            web_sys::UrlSearchParams::new_with_str(&self.window.location().search().unwrap_or_default())
                .ok()
                .and_then(|p| p.get("waymark-preview"));
        if let Some(guide) = preview {
            self.push(Input::Preview { guide });
        }
    }

    /// A fresh engine for the identified user, resuming their persisted progress.
    fn build_engine(&self, guides: Vec<Guide>) {
        let stored = self.storage().and_then(|s| s.get_item(&self.state_key()).ok().flatten());
        let state = self.decode_state(stored.as_deref());
        *self.stored.borrow_mut() = stored;
        let (id, seed, next_seq) = self.session.clone();
        let engine = Engine::new(guides, state, Session { id, seed, next_seq }, StallConfig::default());
        *self.engine.borrow_mut() = Some(engine);
        self.watches.borrow_mut().resend();
        let who = self.who.borrow().clone();
        let href = self.window.location().href().unwrap_or_default();
        *self.href.borrow_mut() = href.clone();
        let mut q = self.queue.borrow_mut();
        q.splice(0..0, [Job::Input(Input::Identify(who)), Job::Input(Input::Page { url: href })]);
        drop(q);
        self.drive();
    }

    fn state_key(&self) -> String {
        let who = self.who.borrow();
        format!("waymark:{}:{}", self.config.key, who.user.as_deref().unwrap_or("anonymous"))
    }

    fn storage(&self) -> Option<web_sys::Storage> {
        self.window.local_storage().ok().flatten()
    }

    /// A stored state; anything unreadable starts afresh.
    fn decode_state(&self, stored: Option<&str>) -> UserState {
        stored.and_then(|s| from_base64(&self.window, s)).map(|b| UserState::decode(&b)).unwrap_or_default()
    }

    /// Another tab stored `theirs` for this user: queues it for the engine to merge, unless
    /// it is what this tab already knows.
    fn stored_elsewhere(&self, theirs: Option<String>) -> bool {
        if theirs == *self.stored.borrow() {
            return false;
        }
        let base = self.decode_state(self.stored.replace(theirs).as_deref());
        let theirs = self.decode_state(self.stored.borrow().as_deref());
        if let Ok(mut q) = self.queue.try_borrow_mut() {
            q.push(Job::Input(Input::Stored { base: Box::new(base), theirs: Box::new(theirs) }));
        }
        true
    }

    /// Queues an observation and runs the queue.
    pub(crate) fn push(&self, input: Input) {
        if let Ok(mut q) = self.queue.try_borrow_mut() {
            q.push(Job::Input(input));
        }
        self.drive();
    }

    /// `identify`: a new user gets their own progress; traits update targeting.
    pub(crate) fn identify(&self, user: Option<String>, traits: &JsValue) {
        let mut who = self.who.borrow().clone();
        let changed_user = user.is_some() && user != who.user;
        who.user = user.or(who.user);
        if let Some(Json::Object(map)) = page::json_data(traits) {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("account", Json::String(a)) => who.account = Some(a),
                    ("locale", Json::String(l)) => who.locale = l,
                    ("account_traits", Json::Object(t)) => who.account_traits = t,
                    (_, v) => {
                        who.user_traits.insert(k, v);
                    }
                }
            }
        }
        *self.who.borrow_mut() = who.clone();
        // The new user's engine takes the guides over from the old one.
        if changed_user && let Some(old) = self.engine.try_borrow_mut().ok().and_then(|mut e| e.take()) {
            if let Some(ui) = self.ui.borrow_mut().as_mut() {
                ui.hide();
            }
            self.build_engine(old.into_guides());
        } else {
            self.push(Input::Identify(who));
        }
    }

    pub(crate) fn on(&self, name: String, f: js_sys::Function) {
        self.callbacks.borrow_mut().push((name, f));
    }

    /// Without consent nothing is stored or sent, and the event queue is emptied.
    pub(crate) fn consent(&self, granted: bool) {
        self.consent.set(granted);
        if let Some(b) = &self.beacon {
            crate::beacon::consent(b, granted);
        }
    }

    /// Runs queued work through the engine and applies its decisions; re-entrant calls
    /// only queue.
    fn drive(&self) {
        if self.busy.replace(true) {
            return;
        }
        loop {
            let job = match self.queue.try_borrow_mut() {
                Ok(mut q) => (!q.is_empty()).then(|| q.remove(0)),
                Err(_) => None,
            };
            let Some(job) = job else { break };
            let outputs = {
                let Ok(mut engine) = self.engine.try_borrow_mut() else { break };
                let Some(engine) = engine.as_mut() else {
                    // Not loaded yet: keep the work for when the engine exists.
                    if let (Job::Input(i), Ok(mut q)) = (job, self.queue.try_borrow_mut()) {
                        q.insert(0, Job::Input(i));
                    }
                    break;
                };
                match job {
                    Job::Input(input) => engine.handle(now(), input),
                    Job::Timeout => engine.handle_timeout(now()),
                }
                std::iter::from_fn(|| engine.poll_output()).collect::<Vec<_>>()
            };
            for o in outputs {
                self.apply(o);
            }
        }
        self.busy.set(false);
        self.save();
        self.arm_timer();
    }

    /// Stores the last drive's events once it ends, not one by one: a start or a click
    /// gives several, and each store rewrites the page's whole queue.
    fn save(&self) {
        if let Some(seq) = self.next_seq.take()
            && let Some(s) = self.window.session_storage().ok().flatten()
        {
            let _ = s.set_item("waymark:seq", &seq.to_string());
        }
        let events = self.events.try_borrow_mut().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default();
        if let Some(b) = &self.beacon
            && !events.is_empty()
        {
            crate::beacon::push(b, events);
        }
    }

    fn apply(&self, output: Output) {
        match output {
            Output::Show(view) => {
                let target = view.anchor.and_then(|a| self.element_of(a));
                if let Ok(mut ui) = self.ui.try_borrow_mut()
                    && let Some(ui) = ui.as_mut()
                {
                    ui.show(*view, target.as_ref(), &self.window);
                }
            }
            Output::Hide { .. } => {
                if let Ok(mut ui) = self.ui.try_borrow_mut()
                    && let Some(ui) = ui.as_mut()
                {
                    ui.hide();
                }
            }
            Output::Watch(ws) => {
                let Ok(mut watches) = self.watches.try_borrow_mut() else { return };
                let facts = watches.set(&self.doc, ws);
                drop(watches);
                // The selectors may read other attributes than the last set did.
                self.observe();
                if let Ok(mut q) = self.queue.try_borrow_mut() {
                    q.push(Job::Input(Input::Facts(facts)));
                }
            }
            Output::Persist(state) => {
                let Some(s) = self.storage().filter(|_| self.consent.get()) else { return };
                let key = self.state_key();
                // If another tab wrote first, the engine merges that in and persists again.
                if !self.stored_elsewhere(s.get_item(&key).ok().flatten())
                    && let Some(b64) = to_base64(&self.window, &state.encode())
                {
                    let _ = s.set_item(&key, &b64);
                    *self.stored.borrow_mut() = Some(b64);
                }
            }
            Output::Event(e) => {
                self.next_seq.set(Some(e.seq + 1));
                if self.consent.get() {
                    let json = e.to_json();
                    self.notify(&e, &json);
                    if self.beacon.is_some()
                        && let Ok(mut events) = self.events.try_borrow_mut()
                    {
                        events.push(json);
                    }
                }
            }
            Output::Open(url) => {
                if url.starts_with("http") {
                    let _ = self.window.open_with_url_and_target_and_features(&url, "_blank", "noopener");
                } else {
                    let _ = self.window.location().assign(&url);
                }
            }
            Output::Warning(w) => warn(&w),
            _ => {}
        }
    }

    /// Calls the host's `waymark.on` callbacks; a throwing callback is reported, not raised.
    /// `json` is `e` as written for the collector; it is parsed only when someone listens.
    fn notify(&self, e: &waymark_core::Event, json: &str) {
        let kind = e.kind.type_name();
        let callbacks: Vec<js_sys::Function> = self
            .callbacks
            .borrow()
            .iter()
            .filter(|(n, _)| n == "event" || *n == kind)
            .map(|(_, f)| f.clone())
            .collect();
        if callbacks.is_empty() {
            return;
        }
        let Ok(value) = js_sys::JSON::parse(json) else { return };
        for f in callbacks {
            if let Err(err) = f.call1(&JsValue::NULL, &value) {
                web_sys::console::warn_2(&JsValue::from_str("waymark: an `on` callback threw:"), &err);
            }
        }
    }

    fn element_of(&self, watch: u32) -> Option<Element> {
        self.watches.try_borrow().ok()?.element(&self.doc, watch)
    }

    fn arm_timer(&self) {
        let next = self.engine.try_borrow().ok().and_then(|e| e.as_ref().and_then(Engine::poll_timeout));
        let Ok(mut timer) = self.timer.try_borrow_mut() else { return };
        match next {
            None => *timer = None,
            Some(at) if timer.as_ref().is_some_and(|(t, _)| *t == at) => {}
            Some(at) => {
                let me = self.me.clone();
                *timer = Some((
                    at,
                    Timeout::new(delay_until(at), move || {
                        if let Some(a) = me.upgrade() {
                            if let Ok(mut t) = a.timer.try_borrow_mut() {
                                *t = None;
                            }
                            if let Ok(mut q) = a.queue.try_borrow_mut() {
                                q.push(Job::Timeout);
                            }
                            a.drive();
                        }
                    }),
                ));
            }
        }
    }

    /// Coalesces page changes into one evaluation per animation frame.
    fn schedule_frame(&self) {
        let Ok(mut frame) = self.frame.try_borrow_mut() else { return };
        if frame.is_some() {
            return;
        }
        let me = self.me.clone();
        *frame = Some(gloo_render::request_animation_frame(move |_| {
            if let Some(a) = me.upgrade() {
                if let Ok(mut f) = a.frame.try_borrow_mut() {
                    *f = None;
                }
                a.on_frame();
            }
        }));
    }

    fn on_frame(&self) {
        let href = self.window.location().href().unwrap_or_default();
        if *self.href.borrow() != href {
            *self.href.borrow_mut() = href.clone();
            // A new page clears the engine's facts.
            if let Ok(mut w) = self.watches.try_borrow_mut() {
                w.resend();
            }
            self.push(Input::Page { url: href });
        }
        let Ok(mut watches) = self.watches.try_borrow_mut() else { return };
        let facts = watches.facts(&self.doc);
        drop(watches);
        // Pushed even when nothing changed: the engine re-checks a waiting step on facts.
        self.push(Input::Facts(facts));
        self.reposition();
    }

    fn reposition(&self) {
        let anchor = self.ui.borrow().as_ref().and_then(|u| u.shown().and_then(|v| v.anchor));
        let target = anchor.and_then(|a| self.element_of(a));
        if let Ok(mut ui) = self.ui.try_borrow_mut()
            && let Some(ui) = ui.as_mut()
        {
            ui.place(target.as_ref(), &self.window);
        }
    }

    /// Registers every listener and the mutation observer.
    fn hook(self: &Rc<Self>) {
        use EventListenerOptions as Options;
        let capture = Options::run_in_capture_phase();
        let passive = Options { passive: true, ..capture };
        let bubble = Options::default();
        let doc: &web_sys::EventTarget = self.doc.as_ref();
        let win: &web_sys::EventTarget = self.window.as_ref();
        let table = [
            (doc, "click", passive, On::Click),
            (doc, "input", passive, On::Input),
            (doc, "invalid", passive, On::Invalid),
            (doc, "keydown", capture, On::Key),
            (doc, "pointerdown", passive, On::Activity),
            (doc, "wheel", passive, On::Activity),
            (doc, "touchstart", passive, On::Activity),
            (win, "scroll", passive, On::Moved),
            (win, "resize", passive, On::Moved),
            (doc, "transitionend", passive, On::Settled),
            (doc, "animationend", passive, On::Settled),
            (doc, "pointerover", passive, On::Entered),
            (doc, "focusin", passive, On::Entered),
            (win, "popstate", bubble, On::Navigated),
            (win, "hashchange", bubble, On::Navigated),
            (win, "waymark:navigate", bubble, On::Navigated),
            (doc, "visibilitychange", bubble, On::Visibility),
            (win, "focus", bubble, On::Focus),
            (win, "blur", bubble, On::Focus),
            (win, "pagehide", bubble, On::PageHide),
            (win, "pageshow", bubble, On::PageShow),
            (win, "storage", bubble, On::Stored),
        ];
        // One closure type for every listener: each distinct closure is code of its own.
        let ls = table
            .into_iter()
            .map(|(target, name, options, on)| {
                let a = self.clone();
                EventListener::new_with_options(target, name, options, move |e| a.on_event(on, e))
            })
            .collect();
        *self.listeners.borrow_mut() = ls;

        let a = self.clone();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
            if let Ok(mut w) = a.watches.try_borrow_mut() {
                w.record(records);
            }
            // One DomChanged per frame is all the engine needs.
            if let Ok(mut q) = a.queue.try_borrow_mut()
                && !matches!(q.last(), Some(Job::Input(Input::DomChanged)))
            {
                q.push(Job::Input(Input::DomChanged));
            }
            a.schedule_frame();
        });
        if let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) {
            *self.observer.borrow_mut() = Some((observer, callback));
            self.observe();
        }
    }

    /// (Re)starts observing `<body>`, with the attributes the watched selectors read.
    fn observe(&self) {
        let (Ok(o), Some(body)) = (self.observer.try_borrow(), self.doc.body()) else { return };
        let (Some((observer, _)), Ok(watches)) = (o.as_ref(), self.watches.try_borrow()) else { return };
        let _ = observer.observe_with_options(&body, &watches.observer_init());
    }

    fn on_event(&self, on: On, e: &web_sys::Event) {
        match on {
            On::Click => self.on_click(e),
            On::Input => self.on_input(e),
            On::Invalid => {
                if let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    self.push(Input::Invalid { field: page::field_name(&el) });
                }
            }
            On::Key => self.on_key(e),
            On::Activity => self.activity(),
            On::Moved => {
                self.activity();
                self.schedule_frame();
            }
            On::Navigated | On::Settled => self.schedule_frame(),
            // Looked at only while some target waits to be seen: pointers move a lot.
            On::Entered => {
                if self.watches.try_borrow().is_ok_and(|w| w.awaits_sight()) {
                    self.schedule_frame();
                }
            }
            On::Visibility => {
                // Hidden: send what is queued while the page can still send.
                if self.doc.hidden()
                    && let Some(b) = &self.beacon
                {
                    crate::beacon::drain(b, &self.window, false);
                }
                self.visibility_changed();
            }
            On::Focus => self.visibility_changed(),
            // Leaving: send what the page can, and hand the rest to the next page (until
            // this one comes back from the back/forward cache).
            On::PageHide => {
                if let Some(b) = &self.beacon {
                    crate::beacon::drain(b, &self.window, true);
                }
            }
            On::PageShow => {
                if let Some(b) = &self.beacon {
                    crate::beacon::returned(b);
                }
            }
            On::Stored => {
                if let Some(e) = e.dyn_ref::<web_sys::StorageEvent>()
                    && e.key() == Some(self.state_key())
                    && self.stored_elsewhere(e.new_value())
                {
                    self.drive();
                }
            }
        }
    }

    /// Tells the engine whether the page is visible and focused.
    fn visibility_changed(&self) {
        let visible = !self.doc.hidden() && self.doc.has_focus().unwrap_or(true);
        self.push(Input::Visibility { visible });
    }

    fn activity(&self) {
        // Activity only resets the idle clock: once per half second is plenty.
        let t = js_sys::Date::now();
        if t - self.last_activity.get() > 500.0 {
            self.last_activity.set(t);
            self.push(Input::Activity);
        }
    }

    fn in_layer(&self, e: &web_sys::Event) -> Option<Element> {
        // Events from inside the shadow root are retargeted to the host element.
        let target = e.target()?.dyn_into::<Element>().ok()?;
        let ui = self.ui.borrow();
        let root = ui.as_ref()?.root();
        if !target.is_same_node(Some(root)) {
            return None;
        }
        let path = e.composed_path();
        path.get(0).dyn_into::<Element>().ok()
    }

    fn on_click(&self, e: &web_sys::Event) {
        if let Some(inner) = self.in_layer(e) {
            let action = self.ui.borrow().as_ref().and_then(|u| u.action_for(&inner));
            let shown = self
                .ui
                .borrow()
                .as_ref()
                .and_then(|u| u.shown().map(|v| (v.guide.clone(), v.step.clone(), v.anchor)));
            match (action, shown) {
                (Some(UiAction::Button(index)), Some((guide, step, _))) => {
                    self.push(Input::Button { guide, step, index })
                }
                (Some(UiAction::Close), _) => self.push(Input::Dismiss(DismissHow::Button)),
                (Some(UiAction::OpenHotspot), Some((_, _, anchor))) => {
                    let target = anchor.and_then(|a| self.element_of(a));
                    if let Ok(mut ui) = self.ui.try_borrow_mut()
                        && let Some(ui) = ui.as_mut()
                    {
                        ui.open_hotspot(target.as_ref(), &self.window);
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let hits: Vec<u32> =
            self.watches.borrow().iter().filter(|w| page::hits(&el, w)).map(|w| w.id).collect();
        let (x, y) = e
            .dyn_ref::<web_sys::MouseEvent>()
            .map_or((0.0, 0.0), |m| (f64::from(m.client_x()), f64::from(m.client_y())));
        self.last_activity.set(js_sys::Date::now());
        self.push(Input::Click { x, y, hits, actionable: page::actionable(&el) });
    }

    fn on_input(&self, e: &web_sys::Event) {
        let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let tested: Vec<(u32, bool)> = self
            .watches
            .borrow()
            .iter()
            .filter_map(|w| {
                let test = w.input.as_ref()?;
                if !page::hits(&el, w) {
                    return None;
                }
                let (value, valid) = page::value_and_validity(&el)?;
                Some((w.id, test.passes(&value, valid)))
            })
            .collect();
        if tested.is_empty() {
            self.activity();
        }
        for (watch, passed) in tested {
            self.push(Input::Typed { watch, passed });
        }
    }

    fn on_key(&self, e: &web_sys::Event) {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
        let shown = self.ui.borrow().as_ref().is_some_and(|u| u.shown().is_some());
        if k.key() == "Escape" && shown {
            self.push(Input::Dismiss(DismissHow::Escape));
            return;
        }
        if k.key() == "Tab" && self.ui.borrow().as_ref().is_some_and(Ui::traps_focus) {
            let active = self.in_layer(e);
            let moved = self.ui.borrow().as_ref().is_some_and(|u| u.trap_tab(k.shift_key(), active));
            if moved {
                e.prevent_default();
            }
        }
        self.activity();
    }

    /// Unhooks everything from the page.
    fn teardown(&self) {
        if let Ok(mut ls) = self.listeners.try_borrow_mut() {
            ls.clear();
        }
        if let Ok(mut o) = self.observer.try_borrow_mut()
            && let Some((observer, _)) = o.take()
        {
            observer.disconnect();
        }
        if let Ok(mut t) = self.timer.try_borrow_mut() {
            *t = None;
        }
        if let Ok(mut f) = self.frame.try_borrow_mut() {
            *f = None;
        }
        if let Ok(mut ui) = self.ui.try_borrow_mut()
            && let Some(mut ui) = ui.take()
        {
            ui.remove();
        }
    }
}

/// The session id (kept for 30 minutes of inactivity in `sessionStorage`), fresh random
/// bits for event ids, and the sequence number to continue from.
fn session(window: &Window) -> (String, u64, u64) {
    let mut bytes = [0u8; 16];
    if let Ok(c) = window.crypto() {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    let seed = bytes.iter().take(8).fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let store = window.session_storage().ok().flatten();
    let t = now();
    let existing = store.as_ref().and_then(|s| s.get_item("waymark:session").ok().flatten()).and_then(|v| {
        let (id, last) = v.split_once('|')?;
        (t.saturating_sub(last.parse().ok()?) < 30 * 60 * 1000).then(|| id.to_string())
    });
    let (id, seq) = match existing {
        Some(id) => {
            let seq = store
                .as_ref()
                .and_then(|s| s.get_item("waymark:seq").ok().flatten())
                .and_then(|v| v.parse().ok());
            (id, seq.unwrap_or(0))
        }
        None => {
            // Not `format!("{b:02x}")`: padded hex formatting is code of its own in the wasm.
            let hex = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
            (bytes.iter().skip(8).flat_map(|b| [hex(b >> 4), hex(b & 15)]).collect(), 0)
        }
    };
    if let Some(s) = store {
        let _ = s.set_item("waymark:session", &format!("{id}|{t}"));
    }
    (id, seed, seq)
}

/// Bytes as base64, through the browser's `btoa` (which takes one char per byte).
pub(crate) fn to_base64(window: &Window, bytes: &[u8]) -> Option<String> {
    let binary: String = bytes.iter().copied().map(char::from).collect();
    window.btoa(&binary).ok()
}

/// The bytes of base64 text, through the browser's `atob` (which gives one char per byte).
pub(crate) fn from_base64(window: &Window, text: &str) -> Option<Vec<u8>> {
    let binary = window.atob(text).ok()?;
    Some(binary.chars().filter_map(|c| u8::try_from(u32::from(c)).ok()).collect())
}

#[wasm_bindgen]
extern "C" {
    /// A promise, seen only through `then`.
    type Thenable;
    /// `promise.then(f, f)`: `f` gets the value or the rejection reason.
    #[wasm_bindgen(method, js_name = then)]
    fn then_either(this: &Thenable, on_value: &JsValue, on_reason: &JsValue);
}

/// Calls `then` once `promise` settles, with its value or its rejection reason (callers
/// tell them apart by type). One closure type for every caller, and no async executor:
/// each would be code of its own in the wasm.
pub(crate) fn when_settled(promise: &js_sys::Promise, then: Box<dyn FnOnce(JsValue)>) {
    let f = Closure::once_into_js(move |v: JsValue| then(v));
    promise.unchecked_ref::<Thenable>().then_either(&f, &f);
}
