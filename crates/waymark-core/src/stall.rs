//! The page-level stall detectors (rage clicks, dead clicks, page ping-pong, repeated
//! invalid input) and the thresholds of every stall signal. The signals tied to a guide's
//! progress (idle on a step, back-and-forth, U-turns, dismissals, abandonment) live with
//! the run in [`crate::engine`] and read their thresholds from the same [`StallConfig`].

use crate::duration::{Duration, Millis};
use crate::event::StallKind;

/// Thresholds of the stall signals. Defaults follow the field's public definitions;
/// ARCHITECTURE.md lists them with their sources.
#[derive(Clone, Debug, PartialEq)]
pub struct StallConfig {
    /// No input for this long on a visible page with a shown step (a step may set its own).
    pub idle: Duration,
    /// Clicks in a burst that make a rage click.
    pub rage_clicks: u32,
    /// Longest gap between two clicks of a burst.
    pub rage_gap: Duration,
    /// Farthest distance between two clicks of a burst, in CSS pixels.
    pub rage_radius: f64,
    /// A click on something clickable with no DOM change or navigation within this is dead.
    pub dead_click: Duration,
    /// Returning to a step's page within this after leaving it is a U-turn.
    pub u_turn: Duration,
    /// The same validation failure twice within this is a stall.
    pub invalid_window: Duration,
    /// This many validation failures on one step is a stall, however spread out.
    pub invalid_per_step: u32,
    /// Going back this many times in one guide is back-and-forth.
    pub back_and_forth: u32,
    /// Alternating between two pages (A, B, A, B) within this is page ping-pong.
    pub ping_pong: Duration,
    /// Away from a guide's pages this long ends it as abandoned.
    pub abandon_after: Duration,
}

impl Default for StallConfig {
    fn default() -> Self {
        Self {
            idle: Duration::secs(30),
            rage_clicks: 3,
            rage_gap: Duration::secs(1),
            rage_radius: 30.0,
            dead_click: Duration::ms(2500),
            u_turn: Duration::secs(10),
            invalid_window: Duration::secs(3),
            invalid_per_step: 3,
            back_and_forth: 2,
            ping_pong: Duration::secs(30),
            abandon_after: Duration::secs(600),
        }
    }
}

/// A stall found by a detector, before the engine adds guide and page context.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Detected {
    pub(crate) kind: StallKind,
    pub(crate) duration: u64,
    pub(crate) count: u32,
    pub(crate) target: Option<String>,
}

/// A click in viewport coordinates, with the selector of the watched element it hit.
#[derive(Clone, Debug)]
struct Click {
    at: Millis,
    x: f64,
    y: f64,
    target: Option<String>,
}

/// The page-level detectors.
#[derive(Debug, Default)]
pub(crate) struct Detectors {
    burst: Vec<Click>,
    // At most 16 and 5 items: lists, as `VecDeque` would be code of its own in the wasm.
    dead: Vec<Click>,
    pages: Vec<(String, Millis)>,
    invalid: Vec<(String, Millis)>,
}

/// Dead clicks waiting for a DOM change: bounded so a click storm cannot grow memory.
const MAX_PENDING_DEAD: usize = 16;

impl Detectors {
    /// A click; `actionable` when the element looks clickable (link, button, role, cursor).
    pub(crate) fn click(
        &mut self,
        cfg: &StallConfig,
        now: Millis,
        x: f64,
        y: f64,
        actionable: bool,
        target: Option<String>,
    ) -> Option<Detected> {
        let click = Click { at: now, x, y, target };
        let continues = self.burst.last().is_some_and(|last| {
            now.saturating_sub(last.at) <= cfg.rage_gap.as_ms()
                // Compared squared: `hypot` is libm code of its own in the agent's wasm.
                && (last.x - x) * (last.x - x) + (last.y - y) * (last.y - y) <= cfg.rage_radius * cfg.rage_radius
        });
        let ended = if continues { None } else { self.end_burst(cfg) };
        if actionable {
            if self.dead.len() == MAX_PENDING_DEAD {
                self.dead.remove(0);
            }
            self.dead.push(click.clone());
        }
        self.burst.push(click);
        ended
    }

    /// Something in the page changed (a mutation batch, or navigation): no click is dead.
    pub(crate) fn dom_changed(&mut self) {
        self.dead.clear();
    }

    fn end_burst(&mut self, cfg: &StallConfig) -> Option<Detected> {
        let burst = std::mem::take(&mut self.burst);
        let (first, last) = (burst.first()?, burst.last()?);
        let count = u32::try_from(burst.len()).unwrap_or(u32::MAX);
        (count >= cfg.rage_clicks).then(|| Detected {
            kind: StallKind::RageClick,
            duration: last.at.saturating_sub(first.at),
            count,
            target: burst.iter().rev().find_map(|c| c.target.clone()),
        })
    }

    /// Stalls whose deadline has passed.
    pub(crate) fn expire(&mut self, cfg: &StallConfig, now: Millis) -> Vec<Detected> {
        let mut out = Vec::new();
        if self.burst.last().is_some_and(|c| now >= c.at + cfg.rage_gap.as_ms()) {
            out.extend(self.end_burst(cfg));
        }
        while let Some(c) = self.dead.first() {
            if now < c.at + cfg.dead_click.as_ms() {
                break;
            }
            let target = c.target.clone();
            self.dead.remove(0);
            out.push(Detected {
                kind: StallKind::DeadClick,
                duration: cfg.dead_click.as_ms(),
                count: 1,
                target,
            });
        }
        out
    }

    /// The next deadline of a detector.
    pub(crate) fn next_deadline(&self, cfg: &StallConfig) -> Option<Millis> {
        let burst = self.burst.last().map(|c| c.at + cfg.rage_gap.as_ms());
        let dead = self.dead.first().map(|c| c.at + cfg.dead_click.as_ms());
        [burst, dead].into_iter().flatten().min()
    }

    /// A page view; reports A→B→A→B within the ping-pong window.
    pub(crate) fn page(&mut self, cfg: &StallConfig, now: Millis, path: &str) -> Option<Detected> {
        self.dead.clear();
        if self.pages.last().is_some_and(|(p, _)| p == path) {
            return None;
        }
        self.pages.push((path.to_string(), now));
        if self.pages.len() > 4 {
            self.pages.remove(0);
        }
        let p: Vec<&(String, Millis)> = self.pages.iter().collect();
        if let [a, b, c, d] = p.as_slice()
            && a.0 == c.0
            && b.0 == d.0
            && now.saturating_sub(a.1) <= cfg.ping_pong.as_ms()
        {
            let duration = now.saturating_sub(a.1);
            self.pages.clear();
            self.pages.push((path.to_string(), now));
            return Some(Detected { kind: StallKind::PagePingPong, duration, count: 4, target: None });
        }
        None
    }

    /// A validation failure on `field`: reported on the second within the window, or the
    /// n-th on the current step.
    pub(crate) fn invalid(
        &mut self,
        cfg: &StallConfig,
        now: Millis,
        field: &str,
        step_failures: u32,
    ) -> Option<Detected> {
        let window = cfg.invalid_window.as_ms();
        self.invalid.retain(|(_, t)| now.saturating_sub(*t) <= window);
        let recent = self.invalid.iter().filter(|(f, _)| f == field).count();
        self.invalid.push((field.to_string(), now));
        let repeated = recent >= 1;
        let on_step = step_failures == cfg.invalid_per_step;
        if !(repeated || on_step) {
            return None;
        }
        let since = self.invalid.iter().filter(|(f, _)| f == field).map(|(_, t)| *t).min().unwrap_or(now);
        self.invalid.retain(|(f, _)| f != field);
        let count = if repeated { u32::try_from(recent + 1).unwrap_or(u32::MAX) } else { step_failures };
        Some(Detected {
            kind: StallKind::InvalidInput,
            duration: now.saturating_sub(since),
            count,
            target: Some(field.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> StallConfig {
        StallConfig::default()
    }

    // t(ms):   0    400   800        2800
    // clicks:  ●     ●     ●   (gap)  ●        → one rage click of 3, reported when the next
    //                                            click breaks the burst
    #[test]
    fn rage_click_is_three_close_clicks_each_within_a_second() {
        let mut d = Detectors::default();
        assert_eq!(d.click(&cfg(), 0, 10.0, 10.0, false, None), None);
        assert_eq!(d.click(&cfg(), 400, 15.0, 12.0, false, None), None);
        assert_eq!(d.click(&cfg(), 800, 12.0, 20.0, false, Some("#save".into())), None);
        let r = d.click(&cfg(), 2800, 12.0, 20.0, false, None);
        assert_eq!(
            r,
            Some(Detected {
                kind: StallKind::RageClick,
                duration: 800,
                count: 3,
                target: Some("#save".into())
            })
        );
    }

    #[test]
    fn far_or_slow_clicks_are_not_rage() {
        let mut d = Detectors::default();
        d.click(&cfg(), 0, 0.0, 0.0, false, None);
        d.click(&cfg(), 500, 100.0, 0.0, false, None);
        d.click(&cfg(), 1000, 200.0, 0.0, false, None);
        assert!(d.expire(&cfg(), 5000).is_empty());
        d.click(&cfg(), 6000, 0.0, 0.0, false, None);
        d.click(&cfg(), 7100, 0.0, 0.0, false, None);
        d.click(&cfg(), 8200, 0.0, 0.0, false, None);
        assert!(d.expire(&cfg(), 20_000).is_empty());
    }

    // t(ms):  0 click(actionable) ............ 2500 → dead click
    //         0 click(actionable) .. 900 DOM change → nothing
    #[test]
    fn dead_click_needs_no_change_for_the_whole_window() {
        let mut d = Detectors::default();
        d.click(&cfg(), 0, 0.0, 0.0, true, Some("#export".into()));
        assert_eq!(d.next_deadline(&cfg()), Some(1000));
        assert!(d.expire(&cfg(), 2499).is_empty());
        let out = d.expire(&cfg(), 2500);
        assert_eq!(
            out,
            vec![Detected {
                kind: StallKind::DeadClick,
                duration: 2500,
                count: 1,
                target: Some("#export".into())
            }]
        );
        d.click(&cfg(), 10_000, 0.0, 0.0, true, None);
        d.dom_changed();
        assert!(d.expire(&cfg(), 20_000).is_empty());
        d.click(&cfg(), 30_000, 0.0, 0.0, false, None);
        assert!(d.expire(&cfg(), 40_000).is_empty(), "clicks on non-actionable elements are never dead");
    }

    #[test]
    fn page_ping_pong_within_the_window() {
        let mut d = Detectors::default();
        assert!(d.page(&cfg(), 0, "/a").is_none());
        assert!(d.page(&cfg(), 5_000, "/b").is_none());
        assert!(d.page(&cfg(), 10_000, "/a").is_none());
        let r = d.page(&cfg(), 15_000, "/b");
        assert_eq!(r.map(|r| (r.kind, r.duration)), Some((StallKind::PagePingPong, 15_000)));
        let mut slow = Detectors::default();
        for (i, p) in ["/a", "/b", "/a", "/b"].iter().enumerate() {
            assert!(slow.page(&cfg(), i as u64 * 20_000, p).is_none());
        }
    }

    #[test]
    fn invalid_input_twice_quickly_or_three_times_on_a_step() {
        let mut d = Detectors::default();
        assert!(d.invalid(&cfg(), 0, "#name", 1).is_none());
        let r = d.invalid(&cfg(), 2000, "#name", 2);
        assert_eq!(r.map(|r| (r.count, r.duration)), Some((2, 2000)));
        let mut d = Detectors::default();
        assert!(d.invalid(&cfg(), 0, "#name", 1).is_none());
        assert!(d.invalid(&cfg(), 10_000, "#name", 2).is_none());
        assert_eq!(d.invalid(&cfg(), 20_000, "#name", 3).map(|r| r.count), Some(3));
    }
}
