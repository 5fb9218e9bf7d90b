//! Where an anchored card goes: the preferred side, flipped when it does not fit, shifted
//! along the edge to stay inside the viewport, with the arrow still pointing at the target.

use crate::format::Placement;
use crate::io::Rect;

/// A side of the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Above.
    Top,
    /// Below.
    Bottom,
    /// Left.
    Left,
    /// Right.
    Right,
}

/// The card's position in viewport pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// Left edge of the card.
    pub x: f64,
    /// Top edge of the card.
    pub y: f64,
    /// The side of the target the card is on.
    pub side: Side,
    /// Where the arrow sits along the card's edge facing the target, from its start.
    pub arrow: f64,
}

/// Space kept between the card and the target, and between the card and the viewport edge.
const GAP: f64 = 10.0;
const MARGIN: f64 = 8.0;
/// The arrow never sits closer than this to a card corner.
const ARROW_PAD: f64 = 14.0;

/// Places a `card_w` × `card_h` card next to `target` inside `view` (the visible area,
/// already shrunk by fixed headers).
pub fn place(target: Rect, card_w: f64, card_h: f64, view: Rect, preferred: Placement) -> Placed {
    let room = |s: Side| match s {
        Side::Top => target.y - view.y,
        Side::Bottom => (view.y + view.height) - (target.y + target.height),
        Side::Left => target.x - view.x,
        Side::Right => (view.x + view.width) - (target.x + target.width),
    };
    let need = |s: Side| match s {
        Side::Top | Side::Bottom => card_h + GAP + MARGIN,
        Side::Left | Side::Right => card_w + GAP + MARGIN,
    };
    let margin = |s: Side| room(s) - need(s);
    // The side with the most room to spare (the first of equals). No sort: each sort
    // instance weighs kilobytes of the agent's wasm.
    let roomiest = |sides: [Side; 4]| {
        sides
            .into_iter()
            .reduce(|best, s| if margin(s) > margin(best) { s } else { best })
            .unwrap_or(Side::Bottom)
    };
    let side = match preferred {
        Placement::Auto => roomiest([Side::Bottom, Side::Top, Side::Right, Side::Left]),
        // The preferred side, else its opposite, else the others; when none fits, the
        // roomiest.
        _ => {
            let order = match preferred {
                Placement::Top => [Side::Top, Side::Bottom, Side::Right, Side::Left],
                Placement::Bottom => [Side::Bottom, Side::Top, Side::Right, Side::Left],
                Placement::Left => [Side::Left, Side::Right, Side::Bottom, Side::Top],
                _ => [Side::Right, Side::Left, Side::Bottom, Side::Top],
            };
            order.iter().copied().find(|s| margin(*s) >= 0.0).unwrap_or_else(|| roomiest(order))
        }
    };
    // Not `f64::clamp`: its NaN assertion formats floats, which pulls float printing
    // into the agent's wasm. `max` then `min` never panics; `lo` wins when `hi < lo`.
    let clamp = |v: f64, lo: f64, hi: f64| v.min(hi).max(lo);
    let (cx, cy) = (target.x + target.width / 2.0, target.y + target.height / 2.0);
    // Shifted along the edge into the view, but never out of line with the target: one that
    // left the view (scrolled away) takes its card along instead of leaving it at the edge.
    // A target that leaves no room on any side (bigger than the view) gets its card over
    // itself, inside the view, while part of it is in view.
    let in_view_x = |x: f64| clamp(x, view.x + MARGIN, view.x + view.width - card_w - MARGIN);
    let in_view_y = |y: f64| clamp(y, view.y + MARGIN, view.y + view.height - card_h - MARGIN);
    let (x, y) = match side {
        Side::Top | Side::Bottom => {
            let x = in_view_x(cx - card_w / 2.0);
            let x = clamp(x, target.x - card_w + ARROW_PAD, target.x + target.width - ARROW_PAD);
            let y = if side == Side::Top { target.y - GAP - card_h } else { target.y + target.height + GAP };
            let seen = target.y < view.y + view.height && target.y + target.height > view.y;
            (x, if seen { in_view_y(y) } else { y })
        }
        Side::Left | Side::Right => {
            let y = in_view_y(cy - card_h / 2.0);
            let y = clamp(y, target.y - card_h + ARROW_PAD, target.y + target.height - ARROW_PAD);
            let x = if side == Side::Left { target.x - GAP - card_w } else { target.x + target.width + GAP };
            let seen = target.x < view.x + view.width && target.x + target.width > view.x;
            (if seen { in_view_x(x) } else { x }, y)
        }
    };
    let arrow = match side {
        Side::Top | Side::Bottom => clamp(cx - x, ARROW_PAD, card_w - ARROW_PAD),
        Side::Left | Side::Right => clamp(cy - y, ARROW_PAD, card_h - ARROW_PAD),
    };
    Placed { x, y, side, arrow }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: Rect = Rect { x: 0.0, y: 60.0, width: 1000.0, height: 700.0 };

    fn r(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, width: w, height: h }
    }

    #[test]
    fn keeps_the_preferred_side_when_it_fits() {
        let p = place(r(400.0, 300.0, 100.0, 40.0), 300.0, 150.0, VIEW, Placement::Bottom);
        assert_eq!(p.side, Side::Bottom);
        assert_eq!((p.x, p.y), (300.0, 350.0));
        assert_eq!(p.arrow, 150.0);
    }

    #[test]
    fn flips_when_the_preferred_side_is_too_small() {
        // Just below the fixed header: no room on top, so the card goes below.
        let p = place(r(400.0, 70.0, 100.0, 40.0), 300.0, 150.0, VIEW, Placement::Top);
        assert_eq!(p.side, Side::Bottom);
        let p = place(r(900.0, 300.0, 80.0, 40.0), 300.0, 150.0, VIEW, Placement::Right);
        assert_eq!(p.side, Side::Left);
    }

    #[test]
    fn shifts_inside_the_viewport_and_keeps_the_arrow_on_the_target() {
        let p = place(r(0.0, 300.0, 40.0, 40.0), 300.0, 150.0, VIEW, Placement::Bottom);
        assert_eq!(p.x, MARGIN);
        assert!(p.x + 300.0 <= VIEW.width);
        assert_eq!(p.arrow, ARROW_PAD);
    }

    #[test]
    fn a_target_out_of_view_takes_its_card_along() {
        // Scrolled far above the view: the card stays in line with it, off screen too.
        let target = r(600.0, -900.0, 100.0, 40.0);
        let p = place(target, 300.0, 150.0, VIEW, Placement::Left);
        assert_eq!(p.side, Side::Left);
        assert!(p.y < target.y + target.height && p.y + 150.0 > target.y, "{p:?}");
        assert!(p.arrow >= ARROW_PAD && p.arrow <= 150.0 - ARROW_PAD);
        let target = r(-700.0, 300.0, 100.0, 40.0);
        let p = place(target, 300.0, 150.0, VIEW, Placement::Bottom);
        assert!(p.x < target.x + target.width && p.x + 300.0 > target.x, "{p:?}");
    }

    #[test]
    fn a_target_bigger_than_the_view_gets_its_card_over_itself_in_view() {
        let target = r(100.0, 0.0, 800.0, 2000.0);
        for preferred in [Placement::Bottom, Placement::Top, Placement::Auto, Placement::Right] {
            let p = place(target, 300.0, 150.0, VIEW, preferred);
            assert!(p.y >= VIEW.y && p.y + 150.0 <= VIEW.y + VIEW.height, "{preferred:?}: {p:?}");
            assert!(p.x >= VIEW.x && p.x + 300.0 <= VIEW.x + VIEW.width, "{preferred:?}: {p:?}");
        }
    }

    #[test]
    fn auto_picks_the_roomiest_side() {
        let p = place(r(350.0, 600.0, 300.0, 40.0), 300.0, 150.0, VIEW, Placement::Auto);
        assert_eq!(p.side, Side::Top);
    }
}
