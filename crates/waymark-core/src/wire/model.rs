//! [`Wire`] for the guide model (spec and compiled parts) and the user state.
//!
//! The compiled parts travel as they are (conditions, markdown blocks), so the agent needs
//! neither the validator nor the markdown parser; only patterns are recompiled on decode,
//! because a compiled regex has no portable form.

use super::codec::{Reader, Wire, Writer, record, tagged, unit_enum};
use crate::date::DateRef;
use crate::duration::Duration;
use crate::event::StallKind;
use crate::format::{
    Advance, Audience, ButtonAction, ButtonSpec, FeatureSpec, Frequency, FrequencyMode, Goal, GuideSpec,
    InputCondition, MilestoneSpec, MissingPolicy, MissingTarget, Op, Placement, StepKind, StepSpec,
    TargetSpec, Trigger, UrlRule,
};
use crate::guide::{Guide, InputTest, Step};
use crate::json::Json;
use crate::markdown::{Block, Inline};
use crate::pattern::Pattern;
use crate::state::{ActiveRun, GuideRecord, UserState};
use crate::targeting::{Attr, Cond, Operand, UrlMatcher};
use crate::text::Text;

// Names and the schema hint are for authors and dashboards: the agent never shows them.
record!(GuideSpec {
    id,
    version,
    priority,
    locales,
    audience,
    trigger,
    frequency,
    steps,
    features,
    milestones
} skip { schema, name });
record!(Frequency { mode, cooldown });
// The authored page rules and `when` condition stay with the author's tools: the engine
// runs their compiled forms ([`Guide`]'s `urls`, `exclude_urls` and `when`, [`Step`]'s
// `page`), so a decoded spec has none.
record!(Audience { locales } skip { urls, exclude_urls, when });
record!(StepSpec { id, kind, target, placement, title, body, buttons, advance, stall_after } skip { page });
record!(TargetSpec { selector, text, fallbacks, missing });
record!(MissingTarget { wait, then });
record!(ButtonSpec { action, label, url, step });
record!(FeatureSpec { id, selector } skip { name });
record!(MilestoneSpec { id, goal, users } skip { name });
record!(Guide { spec, source, urls, exclude_urls, when, steps });
record!(Step { page, body, input, advance_url });
record!(UserState { v, guides, features, tracked, milestones, active, suspended });
record!(GuideRecord { version, starts, last_start, last_session, completed, dismissed });
record!(ActiveRun { guide, version, step, started, seen });

unit_enum!(Op [Eq, Ne, In, NotIn, Contains, StartsWith, Gt, Gte, Lt, Lte, Exists, NotExists, Before, After]);
unit_enum!(FrequencyMode [Once, UntilCompleted, OncePerSession, Always]);
unit_enum!(StepKind [Tooltip, Modal, Hotspot, Banner]);
unit_enum!(MissingPolicy [End, Skip, Center]);
unit_enum!(Placement [Auto, Top, Bottom, Left, Right]);
unit_enum!(ButtonAction [Next, Back, Done, Dismiss, Link, Goto]);

tagged!(UrlRule { 0 => Exact(s), 1 => Prefix(s), 2 => Glob(s), 3 => Regex(s) });
tagged!(Text { 0 => Plain(s), 1 => Localized(m) });
tagged!(Trigger {
    0 => PageLoad,
    1 => ElementAppears { selector },
    2 => Event { name },
    3 => Stall { kinds, selector },
    4 => Manual,
});
tagged!(Advance {
    0 => Next,
    1 => Click,
    2 => Input { when },
    3 => Url { url },
    4 => Appears { selector },
    5 => Disappears { selector },
    6 => Delay { after },
    7 => Event { name },
});
tagged!(InputCondition { 0 => NonEmpty, 1 => Valid, 2 => MinLength(n), 3 => Pattern(p) });
tagged!(Goal {
    0 => GuideCompleted { guide },
    1 => FeatureUsed { feature, times },
    2 => Event { name, times },
});
tagged!(Block { 0 => Paragraph { inlines }, 1 => List { ordered, items } });
tagged!(Inline {
    0 => Text { text },
    1 => Strong { children },
    2 => Emphasis { children },
    3 => Code { text },
    4 => Link { href, children },
    5 => LineBreak,
});
tagged!(Cond { 0 => All(cs), 1 => Any(cs), 2 => Not(c), 3 => Test { attr, op, operand } });
tagged!(Attr { 0 => UserId, 1 => AccountId, 2 => Locale, 3 => UserTrait(t), 4 => AccountTrait(t) });
tagged!(Operand { 0 => None, 1 => Value(v), 2 => List(l), 3 => Number(n), 4 => Date(d) });
tagged!(DateRef { 0 => Absolute(t), 1 => Relative(off) });

/// A stall kind travels as its stable code ([`StallKind::code`]).
impl Wire for StallKind {
    fn put(&self, w: &mut Writer) {
        w.byte(self.code());
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let code = r.byte();
        StallKind::from_code(code).unwrap_or_else(|| {
            r.fail("unknown StallKind");
            StallKind::Idle
        })
    }
}

impl Wire for Duration {
    fn put(&self, w: &mut Writer) {
        w.uint(self.0);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        Duration(r.uint())
    }
}

/// The values conditions compare traits with.
impl Wire for Json {
    fn put(&self, w: &mut Writer) {
        match self {
            Json::Null => w.byte(0),
            Json::Bool(b) => w.byte(if *b { 2 } else { 1 }),
            Json::Number(n) => {
                w.byte(3);
                w.put(n);
            }
            Json::String(s) => {
                w.byte(4);
                w.str(s);
            }
            Json::Array(items) => {
                w.byte(5);
                w.put(items);
            }
            Json::Object(map) => {
                w.byte(6);
                w.put(map);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => Json::Null,
            1 => Json::Bool(false),
            2 => Json::Bool(true),
            3 => {
                let n: f64 = r.get();
                if n.is_finite() {
                    Json::Number(n)
                } else {
                    r.fail("number is not finite");
                    Json::Null
                }
            }
            4 => Json::String(r.string()),
            5 => Json::Array(r.get()),
            6 => Json::Object(r.get()),
            _ => {
                r.fail("unknown value");
                Json::Null
            }
        }
    }
}

/// A pattern is compiled with the reader's compiler; one it refuses is recorded against
/// the guide being read (see [`Reader::refused`]), not a damaged feed.
fn pattern(r: &mut Reader<'_>, source: String) -> Option<Pattern> {
    match Pattern::new(source, r.patterns) {
        Ok(p) => Some(p),
        Err(e) => {
            r.refused.get_or_insert(e);
            None
        }
    }
}

/// A pattern travels as its (already anchored) regex source.
impl Wire for UrlMatcher {
    fn put(&self, w: &mut Writer) {
        match self {
            UrlMatcher::Exact(s) => {
                w.byte(0);
                w.str(s);
            }
            UrlMatcher::Prefix(s) => {
                w.byte(1);
                w.str(s);
            }
            UrlMatcher::Pattern(p) => {
                w.byte(2);
                w.str(p.source());
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => UrlMatcher::Exact(r.string()),
            1 => UrlMatcher::Prefix(r.string()),
            // A refused pattern stands in as a rule that never matches; its guide is
            // dropped by `decode_feed`.
            2 => {
                let source = r.string();
                pattern(r, source).map_or(UrlMatcher::Exact(String::new()), UrlMatcher::Pattern)
            }
            _ => {
                r.fail("unknown page matcher");
                UrlMatcher::Exact(String::new())
            }
        }
    }
}

/// An input test travels as its condition and is compiled again.
impl Wire for InputTest {
    fn put(&self, w: &mut Writer) {
        w.put(self.condition());
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let cond: InputCondition = r.get();
        match InputTest::compile(&cond, r.patterns) {
            Ok(t) => t,
            Err(e) => {
                r.refused.get_or_insert(e);
                InputTest::uncompiled(cond)
            }
        }
    }
}
