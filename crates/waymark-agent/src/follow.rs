//! Hears when the shown card's target moves or changes size, whatever moved it: a class
//! the agent's selectors never read, an image loading above it, a font swap, the host's
//! transitions. Mutations, scrolling and resizing reach the agent anyway; these changes
//! leave no trace but the target's rectangle, so the rectangle is what is watched, with no
//! polling: an intersection observer whose root is shrunk to the target's rectangle fires
//! as soon as the target leaves that rectangle by a pixel or grows out of it, and a resize
//! observer fires when it shrinks inside it.

use wasm_bindgen::prelude::*;
use waymark_core::Rect;
use web_sys::{Element, IntersectionObserver, IntersectionObserverInit, ResizeObserver};

use crate::ui::px;

/// The observers on the shown card's target, and what they were fitted to.
pub(crate) struct Follow {
    /// Called by both observers: their entries are not needed, only that something changed.
    callback: Closure<dyn FnMut()>,
    moves: Option<IntersectionObserver>,
    resizes: Option<ResizeObserver>,
    target: Option<Element>,
    fitted: Option<Rect>,
}

impl Follow {
    /// Observers that call `changed` (from a browser callback of their own).
    pub(crate) fn new(changed: impl FnMut() + 'static) -> Self {
        Self { callback: Closure::new(changed), moves: None, resizes: None, target: None, fitted: None }
    }

    /// Watches `el`, now at `rect`, in a viewport of `width` × `height` (without its scroll
    /// bars, as the intersection observer's root). Watching the same element at the same
    /// rectangle again does nothing.
    pub(crate) fn watch(&mut self, el: &Element, rect: Rect, width: f64, height: f64) {
        let same = self.target.as_ref().is_some_and(|t| t.is_same_node(Some(el)));
        if same && self.fitted == Some(rect) {
            return;
        }
        if !same {
            if let Some(r) = &self.resizes {
                r.disconnect();
            }
            if self.resizes.is_none() {
                self.resizes = ResizeObserver::new(self.callback.as_ref().unchecked_ref()).ok();
            }
            if let Some(r) = &self.resizes {
                r.observe(el);
            }
            self.target = Some(el.clone());
        }
        if let Some(m) = self.moves.take() {
            m.disconnect();
        }
        self.fitted = Some(rect);
        // A target without an area cannot leave or outgrow a rectangle; the resize observer
        // hears it gaining one.
        if rect.width <= 0.0 || rect.height <= 0.0 {
            return;
        }
        // Each side of the root moves in to the target's edge, rounded outwards so the
        // whole target starts inside it (a ratio of exactly 1); a negative inset (a target
        // partly off screen) grows the root instead.
        let inset = |v: f64| px(-v.floor());
        let margin = inset(rect.y)
            + " "
            + &inset(width - rect.x - rect.width)
            + " "
            + &inset(height - rect.y - rect.height)
            + " "
            + &inset(rect.x);
        // Set as plain properties: each typed setter would be an import of its own.
        let init = IntersectionObserverInit::new();
        let _ = js_sys::Reflect::set(&init, &JsValue::from_str("rootMargin"), &JsValue::from_str(&margin));
        let _ = js_sys::Reflect::set(&init, &JsValue::from_str("threshold"), &JsValue::from_f64(1.0));
        if let Ok(m) = IntersectionObserver::new_with_options(self.callback.as_ref().unchecked_ref(), &init) {
            m.observe(el);
            self.moves = Some(m);
        }
    }

    /// Stops watching.
    pub(crate) fn stop(&mut self) {
        if let Some(m) = self.moves.take() {
            m.disconnect();
        }
        if let Some(r) = &self.resizes {
            r.disconnect();
        }
        self.target = None;
        self.fitted = None;
    }
}

impl Drop for Follow {
    /// Disconnected first: an observer calling a dropped closure would throw into the page.
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::cell::Cell;
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;
    use web_sys::HtmlElement;

    use super::Follow;
    use crate::browser_tests::sleep;
    use crate::page;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Fits `follow` to where `el` is now, waits for the observers' first reports, and
    /// returns how many calls there have been.
    async fn refit(follow: &mut Follow, el: &HtmlElement, calls: &Cell<u32>) -> u32 {
        let window = web_sys::window().unwrap();
        let (width, height) = page::viewport(&window, &window.document().unwrap());
        follow.watch(el, page::rect(el), width, height);
        sleep(100).await;
        calls.get()
    }

    #[wasm_bindgen_test]
    async fn a_target_moving_growing_or_shrinking_without_a_mutation_is_heard() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let el: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
        el.set_attribute("style", "position:fixed;left:100px;top:100px;width:80px;height:30px").unwrap();
        doc.body().unwrap().append_child(&el).unwrap();
        let calls = Rc::new(Cell::new(0));
        let counter = calls.clone();
        let mut follow = Follow::new(move || counter.set(counter.get() + 1));
        let style = el.style();
        for (prop, value, what) in
            [("top", "140px", "a move"), ("width", "120px", "growing"), ("height", "10px", "shrinking")]
        {
            let before = refit(&mut follow, &el, &calls).await;
            sleep(100).await;
            assert_eq!(calls.get(), before, "nothing is heard while the target stays put");
            style.set_property(prop, value).unwrap();
            sleep(100).await;
            assert!(calls.get() > before, "{what} is heard");
        }
        let before = refit(&mut follow, &el, &calls).await;
        follow.stop();
        style.set_property("left", "300px").unwrap();
        sleep(100).await;
        assert_eq!(calls.get(), before, "nothing is heard once stopped");
        el.remove();
    }
}
