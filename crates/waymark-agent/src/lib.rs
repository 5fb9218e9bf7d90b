//! The Waymark browser agent: a thin adapter around `waymark-core`.
//!
//! It observes the page (DOM facts for the selectors the engine asks about, clicks, input
//! outcomes, navigation, visibility, the time), feeds them to the core's [`Engine`], and
//! applies the engine's decisions (render a step in a shadow root, persist progress,
//! report events). It holds no guide semantics. It never throws into the host page: every
//! entry point returns nothing or `undefined`, errors become console warnings and
//! `guide_error` events, and an internal panic unhooks the agent from the page.
//!
//! [`Engine`]: waymark_core::Engine

mod agent;
mod beacon;
mod follow;
mod page;
mod ui;
mod watches;

use wasm_bindgen::prelude::*;

#[cfg(target_family = "wasm")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use agent::Config;

/// The handle behind `window.waymark` once the wasm has loaded.
#[wasm_bindgen]
pub struct Waymark {
    agent: std::rc::Rc<agent::Agent>,
}

/// Starts the agent with the loader's configuration (`{key, guides, collector, user,
/// account, locale}`); returns `undefined` if the page cannot host it or already runs an
/// agent.
#[wasm_bindgen]
pub fn start(config: JsValue) -> Option<Waymark> {
    std::panic::set_hook(Box::new(agent::on_panic));
    let config = Config::from_js(&config);
    agent::Agent::start(config).map(|agent| Waymark { agent })
}

#[wasm_bindgen]
impl Waymark {
    /// `waymark.identify(userId, {account, locale, account_traits, ...traits})`.
    pub fn identify(&self, user: JsValue, traits: JsValue) {
        self.agent.identify(user.as_string(), &traits);
    }

    /// `waymark.track(name)`: a host event; it may trigger or advance guides.
    pub fn track(&self, name: JsValue) {
        if let Some(name) = name.as_string() {
            self.agent.push(waymark_core::Input::Track { name });
        }
    }

    /// `waymark.start(guideId)`: start a guide now.
    pub fn start(&self, guide: JsValue) {
        if let Some(guide) = guide.as_string() {
            self.agent.push(waymark_core::Input::Start { guide });
        }
    }

    /// `waymark.dismiss()`: close the shown guide.
    pub fn dismiss(&self) {
        self.agent.push(waymark_core::Input::Dismiss(waymark_core::DismissHow::Api));
    }

    /// `waymark.on(name, callback)`: `"event"` for every event, or one event type.
    pub fn on(&self, name: JsValue, callback: JsValue) {
        if let (Some(name), Ok(f)) = (name.as_string(), callback.dyn_into::<js_sys::Function>()) {
            self.agent.on(name, f);
        }
    }

    /// `waymark.consent(bool)`: with `false`, nothing is stored or reported, and events
    /// queued for the collector are deleted.
    pub fn consent(&self, granted: JsValue) {
        self.agent.consent(granted.is_truthy());
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod delivery_tests;
