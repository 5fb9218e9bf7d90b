//! Loading guide files, stage one: JSON syntax and shapes, with every problem reported.
//!
//! Each guide and each step is deserialised on its own, and a field that fails is set
//! aside and the rest tried again, so one pass reports all the problems of a file.

use serde::de::DeserializeOwned;
use serde_json::Value;
#[cfg(feature = "diagnostics")]
use serde_path_to_error::Segment;

#[cfg(feature = "diagnostics")]
use crate::diagnostic::escape_segment;
use crate::diagnostic::{Finding, did_you_mean};
use crate::format::{GuideSpec, StepSpec};

/// A guide that passed stage one, with the pointer of its object in the file.
pub(crate) struct Parsed {
    pub(crate) pointer: String,
    pub(crate) spec: GuideSpec,
}

/// Parses a guide file: one guide object or a list of guides.
pub(crate) fn parse_source(text: &str) -> (Vec<Parsed>, Vec<Finding>) {
    let mut findings = Vec::new();
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let mut f =
                Finding::error("syntax", "", format!("invalid JSON: {}", strip_position(&e.to_string())));
            f.position = Some((e.line().max(1), e.column().max(1)));
            return (Vec::new(), vec![f]);
        }
    };
    let items: Vec<(String, Value)> = match root {
        Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (format!("/{i}"), v)).collect(),
        v @ Value::Object(_) => vec![(String::new(), v)],
        other => {
            findings.push(
                Finding::error("invalid-type", "", "a guide file holds a guide object or a list of guides")
                    .found(kind_of(&other))
                    .expected("an object or an array"),
            );
            return (Vec::new(), findings);
        }
    };
    let mut parsed = Vec::new();
    for (pointer, value) in items {
        // A guide that fails to parse is still reported under its id, if it has one.
        let id = value.get("id").and_then(Value::as_str).map(str::to_string);
        let before = findings.len();
        if let Some(spec) = parse_guide(value, &pointer, &mut findings) {
            parsed.push(Parsed { pointer, spec });
        }
        for f in findings.iter_mut().skip(before) {
            f.guide.clone_from(&id);
        }
    }
    (parsed, findings)
}

fn parse_guide(value: Value, pointer: &str, findings: &mut Vec<Finding>) -> Option<GuideSpec> {
    // Steps are checked even when the guide's own fields fail, so one pass finds both.
    let raw_steps = match value.get("steps") {
        Some(Value::Array(steps)) => steps.clone(),
        _ => Vec::new(),
    };
    let shell: Option<GuideSpec<Value>> = deserialize_all(value, pointer, findings);
    let mut steps = Vec::with_capacity(raw_steps.len());
    let mut ok = true;
    for (i, step) in raw_steps.into_iter().enumerate() {
        match deserialize_all::<StepSpec>(step, &format!("{pointer}/steps/{i}"), findings) {
            Some(s) => steps.push(s),
            None => ok = false,
        }
    }
    let shell = shell?;
    ok.then_some(GuideSpec {
        schema: shell.schema,
        id: shell.id,
        name: shell.name,
        version: shell.version,
        priority: shell.priority,
        locales: shell.locales,
        audience: shell.audience,
        trigger: shell.trigger,
        frequency: shell.frequency,
        steps,
        features: shell.features,
        milestones: shell.milestones,
    })
}

/// Deserialises `value`, reporting each failing top-level field and retrying without it;
/// returns the value only when nothing failed.
#[cfg(feature = "diagnostics")]
fn deserialize_all<T: DeserializeOwned>(
    mut value: Value,
    base: &str,
    findings: &mut Vec<Finding>,
) -> Option<T> {
    let mut set_aside: Vec<String> = Vec::new();
    let before = findings.len();
    // Each retry removes one field, so an object with n fields needs at most n + 1 tries.
    let tries = value.as_object().map_or(1, |o| o.len() + 1);
    for _ in 0..tries {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(t) => return (findings.len() == before).then_some(t),
            Err(e) => e,
        };
        let segments: Vec<&Segment> = error.path().iter().collect();
        let message = error.inner().to_string();
        let is_set_aside = quoted_after(&message, "missing field ").is_some_and(|f| set_aside.contains(&f));
        if !is_set_aside {
            findings.push(classify(&message, &pointer_of(base, &segments)));
        }
        let first_key = match segments.first() {
            Some(Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        let removed = match (&first_key, value.as_object_mut()) {
            (Some(key), Some(obj)) => obj.remove(key).is_some(),
            _ => false,
        };
        match first_key {
            Some(key) if removed => set_aside.push(key),
            _ => return None,
        }
    }
    None
}

/// Without the `diagnostics` feature (the browser agent, which gets guides the collector
/// already linted) a failing value is reported once, at the value itself.
#[cfg(not(feature = "diagnostics"))]
fn deserialize_all<T: DeserializeOwned>(value: Value, base: &str, findings: &mut Vec<Finding>) -> Option<T> {
    T::deserialize(&value).map_err(|e| findings.push(classify(&e.to_string(), base))).ok()
}

#[cfg(feature = "diagnostics")]
fn pointer_of(base: &str, segments: &[&Segment]) -> String {
    let mut p = base.to_string();
    for s in segments {
        match s {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => p.push_str(&format!("/{}", escape_segment(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}

/// Turns serde's message into a finding with found, expected and a did-you-mean hint.
fn classify(message: &str, pointer: &str) -> Finding {
    if let Some(found) = quoted_after(message, "unknown field ") {
        let expected = backticked(message.split_once("expected").map_or("", |(_, e)| e));
        return with_choices(
            Finding::error("unknown-field", pointer, format!("unknown field `{found}`")),
            &found,
            &expected,
        );
    }
    if let Some(found) = quoted_after(message, "unknown variant ") {
        let expected = backticked(message.split_once("expected").map_or("", |(_, e)| e));
        let noun = noun_for(pointer);
        return with_choices(
            Finding::error("unknown-variant", pointer, format!("unknown {noun} `{found}`")),
            &found,
            &expected,
        );
    }
    if let Some(field) = quoted_after(message, "missing field ") {
        return Finding::error("missing-field", pointer, format!("missing field `{field}`"))
            .expected(format!("`{field}`"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return Finding::error("invalid-type", pointer, format!("expected {expected}, found {found}"))
            .found(found)
            .expected(expected);
    }
    let code = if message.starts_with("invalid length") { "invalid-length" } else { "invalid-value" };
    Finding::error(code, pointer, message.strip_prefix("invalid value: ").unwrap_or(message))
}

fn with_choices(f: Finding, found: &str, expected: &[String]) -> Finding {
    let mut f = f.found(found);
    if expected.is_empty() {
        return f.expected("no fields here");
    }
    let list = expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    f = f.expected(if expected.len() == 1 { list } else { format!("one of {list}") });
    match did_you_mean(found, expected.iter().map(String::as_str)) {
        Some(best) => f.hint(format!("did you mean `{best}`?")),
        None => f,
    }
}

/// What an enum at this pointer is called, for messages like "unknown advance kind".
fn noun_for(pointer: &str) -> &'static str {
    let mut segments = pointer.rsplit('/');
    let last = segments.next().unwrap_or("");
    let before = segments.next().unwrap_or("");
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    // Tags (`"on"`, `"kind"`) are named after the object holding them, list items after the list.
    let owner = if numeric(last) || (matches!(last, "on" | "kind") && !numeric(before) && !before.is_empty())
    {
        before
    } else {
        last
    };
    match owner {
        "advance" => "advance kind",
        "trigger" => "trigger",
        "kind" => "step kind",
        "action" => "button action",
        "placement" => "placement",
        "mode" => "frequency mode",
        "then" => "missing-target policy",
        "op" => "operator",
        "when" => "input condition",
        "goal" => "goal kind",
        "kinds" => "stall kind",
        "urls" | "exclude_urls" | "page" | "url" => "url rule",
        _ => "value",
    }
}

/// The first backtick-quoted word after `prefix` in `message`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1.strip_prefix('`')?;
    Some(rest.split_once('`')?.0.to_string())
}

/// Every backtick-quoted word in `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}
