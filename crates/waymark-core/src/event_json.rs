//! Events as JSON without serde: the agent writes every event it sends, and serde's
//! serializer with its number formatting weighed more than the rest of the event path.
//! The output is exactly what `serde_json::to_string` gives (a test holds them together),
//! so the collector reads it with the serde types of [`crate::event`].

use crate::event::{Event, EventKind};

impl Event {
    /// The event as schema-v1 JSON, as the collector expects it.
    pub fn to_json(&self) -> String {
        let mut o = Obj(String::with_capacity(256));
        o.0.push('{');
        o.uint("v", u64::from(self.v));
        o.str("id", &self.id);
        o.uint("seq", self.seq);
        o.uint("ts", self.ts);
        o.str("session", &self.session);
        o.opt_str("user", self.user.as_deref());
        o.opt_str("account", self.account.as_deref());
        o.str("path", &self.path);
        o.opt_str("guide", self.guide.as_deref());
        if let Some(v) = self.guide_version {
            o.uint("guide_version", u64::from(v));
        }
        o.opt_str("step", self.step.as_deref());
        o.str("type", self.kind.type_name());
        match &self.kind {
            EventKind::PageView => {}
            EventKind::GuideShown { cause } => o.str("cause", cause),
            EventKind::StepShown { index, anchored } => {
                o.uint("index", u64::from(*index));
                o.key("anchored");
                o.0.push_str(if *anchored { "true" } else { "false" });
            }
            EventKind::StepCompleted { index, duration_ms }
            | EventKind::GuideAbandoned { index, duration_ms } => {
                o.uint("index", u64::from(*index));
                o.uint("duration_ms", *duration_ms);
            }
            EventKind::GuideCompleted { duration_ms } => o.uint("duration_ms", *duration_ms),
            EventKind::GuideDismissed { index, duration_ms, how } => {
                o.uint("index", u64::from(*index));
                o.uint("duration_ms", *duration_ms);
                o.str("how", how);
            }
            EventKind::Stall { stall, duration_ms, count, target } => {
                o.str("stall", stall.name());
                o.uint("duration_ms", *duration_ms);
                o.uint("count", u64::from(*count));
                o.opt_str("target", target.as_deref());
            }
            EventKind::FeatureUsed { feature } => o.str("feature", feature),
            EventKind::MilestoneReached { milestone } => o.str("milestone", milestone),
            EventKind::GuideError { message } => o.str("message", message),
            EventKind::TargetMissing { selector, waited_ms } => {
                o.str("selector", selector);
                o.uint("waited_ms", *waited_ms);
            }
            EventKind::Track { name } => o.str("name", name),
        }
        o.0.push('}');
        o.0
    }
}

/// An object being written: a comma before every member but the first.
pub(crate) struct Obj(pub(crate) String);

impl Obj {
    pub(crate) fn key(&mut self, k: &str) {
        if !self.0.ends_with('{') {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(k);
        self.0.push_str("\":");
    }

    pub(crate) fn uint(&mut self, k: &str, mut v: u64) {
        self.key(k);
        // Digits come least significant first; they are put back in order below.
        let start = self.0.len();
        loop {
            self.0.push(char::from(b'0' + (v % 10) as u8));
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let digits = self.0.split_off(start);
        self.0.extend(digits.chars().rev());
    }

    pub(crate) fn str(&mut self, k: &str, s: &str) {
        self.key(k);
        self.0.push('"');
        for c in s.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                '\t' => self.0.push_str("\\t"),
                '\u{8}' => self.0.push_str("\\b"),
                '\u{c}' => self.0.push_str("\\f"),
                c if c < ' ' => {
                    let hex = |n: u32| char::from_digit(n, 16).unwrap_or('0');
                    self.0.push_str("\\u00");
                    self.0.push(hex(u32::from(c) >> 4));
                    self.0.push(hex(u32::from(c) & 15));
                }
                c => self.0.push(c),
            }
        }
        self.0.push('"');
    }

    fn opt_str(&mut self, k: &str, s: Option<&str>) {
        if let Some(s) = s {
            self.str(k, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::event::{EVENT_SCHEMA_VERSION, Event, EventKind, StallKind};

    fn kinds(s: String, n: u32, d: u64, b: bool) -> Vec<EventKind> {
        vec![
            EventKind::PageView,
            EventKind::GuideShown { cause: s.clone() },
            EventKind::StepShown { index: n, anchored: b },
            EventKind::StepCompleted { index: n, duration_ms: d },
            EventKind::GuideCompleted { duration_ms: d },
            EventKind::GuideDismissed { index: n, duration_ms: d, how: s.clone() },
            EventKind::GuideAbandoned { index: n, duration_ms: d },
            EventKind::Stall {
                stall: StallKind::ALL[n as usize % StallKind::ALL.len()],
                duration_ms: d,
                count: n,
                target: b.then(|| s.clone()),
            },
            EventKind::FeatureUsed { feature: s.clone() },
            EventKind::MilestoneReached { milestone: s.clone() },
            EventKind::GuideError { message: s.clone() },
            EventKind::TargetMissing { selector: s.clone(), waited_ms: d },
            EventKind::Track { name: s },
        ]
    }

    proptest! {
        #[test]
        fn writes_exactly_what_serde_writes(
            s in any::<String>(), opt in proptest::option::of(any::<String>()),
            n in any::<u32>(), d in any::<u64>(), b in any::<bool>(), ver in proptest::option::of(any::<u32>()),
        ) {
            for kind in kinds(s.clone(), n, d, b) {
                let e = Event {
                    v: EVENT_SCHEMA_VERSION, id: s.clone(), seq: d, ts: d / 2, session: "s\u{1}\"\\".into(),
                    user: opt.clone(), account: opt.clone(), path: s.clone(), guide: opt.clone(),
                    guide_version: ver, step: opt.clone(), kind,
                };
                prop_assert_eq!(e.to_json(), serde_json::to_string(&e).unwrap_or_default());
            }
        }
    }

    #[test]
    fn stall_names_are_the_serde_names() {
        for k in StallKind::ALL {
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::from(k.name())));
        }
    }
}
