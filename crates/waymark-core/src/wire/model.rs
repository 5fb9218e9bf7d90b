//! [`Wire`] for the guide model (spec and compiled parts) and the user state.
//!
//! The compiled parts travel as they are (conditions, markdown blocks), so the agent needs
//! neither the validator nor the markdown parser; only patterns are recompiled on decode,
//! because a compiled regex has no portable form.

use serde_json::{Map, Number, Value};

use super::codec::{Reader, Wire, WireError, Writer, record, unit_enum};
use crate::date::DateRef;
use crate::duration::Duration;
use crate::event::StallKind;
use crate::format::{
    Advance, Audience, ButtonAction, ButtonSpec, Condition, FeatureSpec, Frequency, FrequencyMode, Goal,
    GuideSpec, InputCondition, MilestoneSpec, MissingPolicy, MissingTarget, Op, Placement, StepKind,
    StepSpec, TargetSpec, Trigger, UrlRule,
};
use crate::guide::{Guide, InputTest, Step};
use crate::markdown::{Block, Inline};
use crate::pattern::Pattern;
use crate::state::{ActiveRun, GuideRecord, UserState};
use crate::targeting::{Attr, Cond, Operand, UrlMatcher};
use crate::text::Text;

record!(GuideSpec {
    schema,
    id,
    name,
    version,
    priority,
    locales,
    audience,
    trigger,
    frequency,
    steps,
    features,
    milestones
});
record!(Audience { urls, exclude_urls, when, locales });
record!(Condition { all, any, not, attr, op, value });
record!(Frequency { mode, cooldown });
record!(StepSpec { id, kind, target, page, placement, title, body, buttons, advance, stall_after });
record!(TargetSpec { selector, text, fallbacks, missing });
record!(MissingTarget { wait, then });
record!(ButtonSpec { action, label, url, step });
record!(FeatureSpec { id, name, selector });
record!(MilestoneSpec { id, name, goal, users });
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
unit_enum!(StallKind [Idle, RageClick, DeadClick, BackAndForth, PagePingPong, InvalidInput, Dismissed, Abandoned, UTurn]);

impl Wire for Duration {
    fn put(&self, w: &mut Writer) {
        w.uint(self.0);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.uint().map(Duration)
    }
}

/// Tag, then the rule's text.
impl Wire for UrlRule {
    fn put(&self, w: &mut Writer) {
        let (tag, s) = match self {
            UrlRule::Exact(s) => (0, s),
            UrlRule::Prefix(s) => (1, s),
            UrlRule::Glob(s) => (2, s),
            UrlRule::Regex(s) => (3, s),
        };
        w.byte(tag);
        w.str(s);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let tag = r.byte()?;
        let s = r.get()?;
        match tag {
            0 => Ok(UrlRule::Exact(s)),
            1 => Ok(UrlRule::Prefix(s)),
            2 => Ok(UrlRule::Glob(s)),
            3 => Ok(UrlRule::Regex(s)),
            _ => r.fail("unknown page rule"),
        }
    }
}

impl Wire for Text {
    fn put(&self, w: &mut Writer) {
        match self {
            Text::Plain(s) => {
                w.byte(0);
                w.str(s);
            }
            Text::Localized(m) => {
                w.byte(1);
                w.put(m);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => r.get().map(Text::Plain),
            1 => r.get().map(Text::Localized),
            _ => r.fail("unknown text form"),
        }
    }
}

impl Wire for Trigger {
    fn put(&self, w: &mut Writer) {
        match self {
            Trigger::PageLoad => w.byte(0),
            Trigger::ElementAppears { selector } => {
                w.byte(1);
                w.str(selector);
            }
            Trigger::Event { name } => {
                w.byte(2);
                w.str(name);
            }
            Trigger::Stall { kinds, selector } => {
                w.byte(3);
                w.put(kinds);
                w.put(selector);
            }
            Trigger::Manual => w.byte(4),
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Trigger::PageLoad,
            1 => Trigger::ElementAppears { selector: r.get()? },
            2 => Trigger::Event { name: r.get()? },
            3 => Trigger::Stall { kinds: r.get()?, selector: r.get()? },
            4 => Trigger::Manual,
            _ => return r.fail("unknown trigger"),
        })
    }
}

impl Wire for Advance {
    fn put(&self, w: &mut Writer) {
        match self {
            Advance::Next => w.byte(0),
            Advance::Click => w.byte(1),
            Advance::Input { when } => {
                w.byte(2);
                w.put(when);
            }
            Advance::Url { url } => {
                w.byte(3);
                w.put(url);
            }
            Advance::Appears { selector } => {
                w.byte(4);
                w.str(selector);
            }
            Advance::Disappears { selector } => {
                w.byte(5);
                w.str(selector);
            }
            Advance::Delay { after } => {
                w.byte(6);
                w.put(after);
            }
            Advance::Event { name } => {
                w.byte(7);
                w.str(name);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Advance::Next,
            1 => Advance::Click,
            2 => Advance::Input { when: r.get()? },
            3 => Advance::Url { url: r.get()? },
            4 => Advance::Appears { selector: r.get()? },
            5 => Advance::Disappears { selector: r.get()? },
            6 => Advance::Delay { after: r.get()? },
            7 => Advance::Event { name: r.get()? },
            _ => return r.fail("unknown advance"),
        })
    }
}

impl Wire for InputCondition {
    fn put(&self, w: &mut Writer) {
        match self {
            InputCondition::NonEmpty => w.byte(0),
            InputCondition::Valid => w.byte(1),
            InputCondition::MinLength(n) => {
                w.byte(2);
                w.put(n);
            }
            InputCondition::Pattern(p) => {
                w.byte(3);
                w.str(p);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => InputCondition::NonEmpty,
            1 => InputCondition::Valid,
            2 => InputCondition::MinLength(r.get()?),
            3 => InputCondition::Pattern(r.get()?),
            _ => return r.fail("unknown input condition"),
        })
    }
}

impl Wire for Goal {
    fn put(&self, w: &mut Writer) {
        match self {
            Goal::GuideCompleted { guide } => {
                w.byte(0);
                w.str(guide);
            }
            Goal::FeatureUsed { feature, times } => {
                w.byte(1);
                w.str(feature);
                w.put(times);
            }
            Goal::Event { name, times } => {
                w.byte(2);
                w.str(name);
                w.put(times);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Goal::GuideCompleted { guide: r.get()? },
            1 => Goal::FeatureUsed { feature: r.get()?, times: r.get()? },
            2 => Goal::Event { name: r.get()?, times: r.get()? },
            _ => return r.fail("unknown goal"),
        })
    }
}

/// JSON values of conditions and traits. Numbers keep their kind (unsigned, signed,
/// float) so equality after a round trip is exact.
impl Wire for Value {
    fn put(&self, w: &mut Writer) {
        match self {
            Value::Null => w.byte(0),
            Value::Bool(b) => w.byte(if *b { 2 } else { 1 }),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    w.byte(3);
                    w.uint(u);
                } else if let Some(i) = n.as_i64() {
                    w.byte(4);
                    w.put(&i);
                } else {
                    w.byte(5);
                    w.put(&n.as_f64().unwrap_or(0.0));
                }
            }
            Value::String(s) => {
                w.byte(6);
                w.str(s);
            }
            Value::Array(items) => {
                w.byte(7);
                w.put(items);
            }
            Value::Object(map) => {
                w.byte(8);
                w.uint(map.len() as u64);
                for (k, v) in map {
                    w.str(k);
                    w.put(v);
                }
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(r.uint()?.into()),
            4 => Value::Number(r.get::<i64>()?.into()),
            5 => match Number::from_f64(r.get()?) {
                Some(n) => Value::Number(n),
                None => return r.fail("number is not finite"),
            },
            6 => Value::String(r.get()?),
            7 => Value::Array(r.get()?),
            8 => {
                let n = r.len()?;
                let mut map = Map::new();
                r.nested(|r| {
                    for _ in 0..n {
                        let k = r.get()?;
                        map.insert(k, r.get()?);
                    }
                    Ok(())
                })?;
                Value::Object(map)
            }
            _ => return r.fail("unknown value"),
        })
    }
}

impl Wire for Block {
    fn put(&self, w: &mut Writer) {
        match self {
            Block::Paragraph { inlines } => {
                w.byte(0);
                w.put(inlines);
            }
            Block::List { ordered, items } => {
                w.byte(1);
                w.put(ordered);
                w.put(items);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Block::Paragraph { inlines: r.get()? },
            1 => Block::List { ordered: r.get()?, items: r.get()? },
            _ => return r.fail("unknown block"),
        })
    }
}

impl Wire for Inline {
    fn put(&self, w: &mut Writer) {
        match self {
            Inline::Text { text } => {
                w.byte(0);
                w.str(text);
            }
            Inline::Strong { children } => {
                w.byte(1);
                w.put(children);
            }
            Inline::Emphasis { children } => {
                w.byte(2);
                w.put(children);
            }
            Inline::Code { text } => {
                w.byte(3);
                w.str(text);
            }
            Inline::Link { href, children } => {
                w.byte(4);
                w.str(href);
                w.put(children);
            }
            Inline::LineBreak => w.byte(5),
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Inline::Text { text: r.get()? },
            1 => Inline::Strong { children: r.get()? },
            2 => Inline::Emphasis { children: r.get()? },
            3 => Inline::Code { text: r.get()? },
            4 => Inline::Link { href: r.get()?, children: r.get()? },
            5 => Inline::LineBreak,
            _ => return r.fail("unknown inline"),
        })
    }
}

/// A pattern is compiled with the reader's compiler; one it refuses is recorded against
/// the guide being read (see [`Reader::refused`]), not a damaged feed.
fn pattern(r: &mut Reader<'_>, source: String) -> Result<Option<Pattern>, WireError> {
    match Pattern::new(source, r.patterns) {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            r.refused.get_or_insert(e);
            Ok(None)
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
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => UrlMatcher::Exact(r.get()?),
            1 => UrlMatcher::Prefix(r.get()?),
            // A refused pattern stands in as a rule that never matches; its guide is
            // dropped by `decode_feed`.
            2 => {
                let source = r.get()?;
                pattern(r, source)?.map_or(UrlMatcher::Exact(String::new()), UrlMatcher::Pattern)
            }
            _ => return r.fail("unknown page matcher"),
        })
    }
}

/// An input test travels as its condition and is compiled again.
impl Wire for InputTest {
    fn put(&self, w: &mut Writer) {
        w.put(self.condition());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let cond: InputCondition = r.get()?;
        match InputTest::compile(&cond, r.patterns) {
            Ok(t) => Ok(t),
            Err(e) => {
                r.refused.get_or_insert(e);
                Ok(InputTest::uncompiled(cond))
            }
        }
    }
}

impl Wire for Cond {
    fn put(&self, w: &mut Writer) {
        match self {
            Cond::All(cs) => {
                w.byte(0);
                w.put(cs);
            }
            Cond::Any(cs) => {
                w.byte(1);
                w.put(cs);
            }
            Cond::Not(c) => {
                w.byte(2);
                w.put(c);
            }
            Cond::Test { attr, op, operand } => {
                w.byte(3);
                w.put(attr);
                w.put(op);
                w.put(operand);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Cond::All(r.get()?),
            1 => Cond::Any(r.get()?),
            2 => Cond::Not(r.get()?),
            3 => Cond::Test { attr: r.get()?, op: r.get()?, operand: r.get()? },
            _ => return r.fail("unknown condition"),
        })
    }
}

impl Wire for Attr {
    fn put(&self, w: &mut Writer) {
        match self {
            Attr::UserId => w.byte(0),
            Attr::AccountId => w.byte(1),
            Attr::Locale => w.byte(2),
            Attr::UserTrait(t) => {
                w.byte(3);
                w.str(t);
            }
            Attr::AccountTrait(t) => {
                w.byte(4);
                w.str(t);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Attr::UserId,
            1 => Attr::AccountId,
            2 => Attr::Locale,
            3 => Attr::UserTrait(r.get()?),
            4 => Attr::AccountTrait(r.get()?),
            _ => return r.fail("unknown attribute"),
        })
    }
}

impl Wire for Operand {
    fn put(&self, w: &mut Writer) {
        match self {
            Operand::None => w.byte(0),
            Operand::Value(v) => {
                w.byte(1);
                w.put(v);
            }
            Operand::List(l) => {
                w.byte(2);
                w.put(l);
            }
            Operand::Number(n) => {
                w.byte(3);
                w.put(n);
            }
            Operand::Date(DateRef::Absolute(t)) => {
                w.byte(4);
                w.uint(*t);
            }
            Operand::Date(DateRef::Relative(off)) => {
                w.byte(5);
                w.put(off);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => Operand::None,
            1 => Operand::Value(r.get()?),
            2 => Operand::List(r.get()?),
            3 => Operand::Number(r.get()?),
            4 => Operand::Date(DateRef::Absolute(r.uint()?)),
            5 => Operand::Date(DateRef::Relative(r.get()?)),
            _ => return r.fail("unknown operand"),
        })
    }
}
