//! Loading guide files, stage two: meaning. Checks what serde cannot (ids, references,
//! selectors, patterns, translations, link safety, impossible settings) and builds the
//! compiled [`Guide`]s. A guide with any error is left out; the others load.

use std::collections::{HashMap, HashSet};

use crate::date::DateRef;
use crate::diagnostic::{Diagnostic, Finding, Severity, did_you_mean};
use crate::format::{
    Advance, ButtonAction, Condition, Goal, GuideSpec, Op, StepKind, StepSpec, Trigger, UrlRule,
};
use crate::guide::{Guide, InputTest, Step};
use crate::json::Json;
use crate::load::{Parsed, parse_source};
use crate::locate::SourceMap;
use crate::markdown;
use crate::pattern::RegexLite;
use crate::targeting::{Attr, Cond, Operand, UrlMatcher};
use crate::text::Text;

/// Checks CSS selector syntax. Native tools use a real CSS parser ([`CssSelectors`] with
/// the `css` feature); the browser agent uses the browser's own.
pub trait SelectorCheck {
    /// `Ok` when `selector` is valid, else what is wrong with it.
    fn check(&self, selector: &str) -> Result<(), String>;
}

/// Accepts every non-empty selector, for callers that check selectors elsewhere.
pub struct AnySelector;

impl SelectorCheck for AnySelector {
    fn check(&self, selector: &str) -> Result<(), String> {
        if selector.trim().is_empty() { Err("the selector is empty".into()) } else { Ok(()) }
    }
}

/// A guide file to load.
pub struct Source<'a> {
    /// File name (used in diagnostics).
    pub name: &'a str,
    /// Its contents.
    pub text: &'a str,
}

/// The outcome of loading: the usable guides and every problem found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Guides without errors, in file order.
    pub guides: Vec<Guide>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

struct Candidate {
    source: usize,
    pointer: String,
    spec: GuideSpec,
    findings: Vec<Finding>,
}

/// Loads and validates guide files together (ids and references are checked across files).
pub fn load(sources: &[Source<'_>], selectors: &dyn SelectorCheck) -> Loaded {
    let maps: Vec<SourceMap<'_>> = sources.iter().map(|s| SourceMap::new(s.text)).collect();
    let mut loaded = Loaded::default();
    let mut candidates = Vec::new();
    for (si, source) in sources.iter().enumerate() {
        let (parsed, findings) = parse_source(source.text);
        loaded.diagnostics.extend(findings.into_iter().map(|f| locate(f, source.name, &maps, si, None)));
        for Parsed { pointer, spec } in parsed {
            let findings = check_guide(&spec, &pointer, selectors);
            candidates.push(Candidate { source: si, pointer, spec, findings });
        }
    }
    check_across(&mut candidates, sources, &maps);
    for c in candidates {
        let failed = c.findings.iter().any(|f| f.severity == Severity::Error);
        let (name, id) = (sources.get(c.source).map_or("", |s| s.name), c.spec.id.clone());
        loaded
            .diagnostics
            .extend(c.findings.into_iter().map(|f| locate(f, name, &maps, c.source, Some(&id))));
        if !failed && let Some(guide) = compile(c.spec, name) {
            loaded.guides.push(guide);
        }
    }
    // Reported in reading order: by file as given, then line and column.
    let order: HashMap<&str, usize> = sources.iter().enumerate().map(|(i, s)| (s.name, i)).collect();
    loaded
        .diagnostics
        .sort_by_key(|d| (order.get(d.file.as_str()).copied().unwrap_or(usize::MAX), d.line, d.column));
    loaded
}

fn locate(f: Finding, file: &str, maps: &[SourceMap<'_>], source: usize, guide: Option<&str>) -> Diagnostic {
    let (line, column) =
        f.position.unwrap_or_else(|| maps.get(source).map_or((1, 1), |m| m.locate(&f.pointer)));
    Diagnostic {
        severity: f.severity,
        code: f.code,
        file: file.to_string(),
        line,
        column,
        pointer: f.pointer,
        guide: f.guide.or_else(|| guide.map(str::to_string)),
        message: f.message,
        found: f.found,
        expected: f.expected,
        hint: f.hint,
    }
}

/// Duplicate ids and dangling references across all guides of all files.
fn check_across(candidates: &mut [Candidate], sources: &[Source<'_>], maps: &[SourceMap<'_>]) {
    let place = |c: &Candidate, ptr: &str| {
        let (l, col) = maps.get(c.source).map_or((1, 1), |m| m.locate(ptr));
        format!("{}:{l}:{col}", sources.get(c.source).map_or("", |s| s.name))
    };
    let mut guide_ids: HashMap<String, String> = HashMap::new();
    let mut feature_ids: HashMap<String, String> = HashMap::new();
    let mut milestone_ids: HashMap<String, String> = HashMap::new();
    for c in candidates.iter_mut() {
        let mut fresh = Vec::new();
        // The first place an id is defined wins; later ones are reported against it.
        let mut claim =
            |ids: &mut HashMap<String, String>, id: &str, ptr: String, what: &str| match ids.get(id) {
                Some(first) => fresh.push(
                    Finding::error("duplicate-id", &ptr, format!("duplicate {what} id `{id}`"))
                        .hint(format!("first defined at {first}")),
                ),
                None => {
                    ids.insert(id.to_string(), place(c, &ptr));
                }
            };
        claim(&mut guide_ids, &c.spec.id, format!("{}/id", c.pointer), "guide");
        for (i, f) in c.spec.features.iter().enumerate() {
            claim(&mut feature_ids, &f.id, format!("{}/features/{i}/id", c.pointer), "feature");
        }
        for (i, m) in c.spec.milestones.iter().enumerate() {
            claim(&mut milestone_ids, &m.id, format!("{}/milestones/{i}/id", c.pointer), "milestone");
        }
        c.findings.extend(fresh);
    }
    for c in candidates.iter_mut() {
        for (i, m) in c.spec.milestones.iter().enumerate() {
            let (what, id, known): (&str, &str, &HashMap<String, String>) = match &m.goal {
                Goal::GuideCompleted { guide } => ("guide", guide, &guide_ids),
                Goal::FeatureUsed { feature, .. } => ("feature", feature, &feature_ids),
                Goal::Event { .. } => continue,
            };
            if !known.contains_key(id) {
                let ptr = format!("{}/milestones/{i}/goal/{what}", c.pointer);
                c.findings.push(dangling(&ptr, what, id, known.keys().map(String::as_str)));
            }
        }
    }
}

fn dangling<'a>(ptr: &str, what: &str, id: &str, known: impl IntoIterator<Item = &'a str>) -> Finding {
    let known: Vec<&str> = known.into_iter().collect();
    let f = Finding::error("dangling-reference", ptr, format!("no {what} has the id `{id}`")).found(id);
    match did_you_mean(id, known.iter().copied()) {
        Some(best) => f.hint(format!("did you mean `{best}`?")),
        None => f,
    }
}

/// Every per-guide check; an empty result means the guide compiles.
fn check_guide(g: &GuideSpec, at: &str, sel: &dyn SelectorCheck) -> Vec<Finding> {
    let mut out = Vec::new();
    check_id(&g.id, &format!("{at}/id"), "guide", &mut out);
    if g.name.trim().is_empty() {
        out.push(Finding::error("empty", format!("{at}/name"), "the guide name is empty"));
    }
    if g.locales.is_empty() {
        out.push(
            Finding::error("empty", format!("{at}/locales"), "a guide needs at least one locale")
                .hint("write `\"locales\": [\"en\"]`"),
        );
    }
    let mut seen = HashSet::new();
    for (i, l) in g.locales.iter().enumerate() {
        if !seen.insert(l) {
            out.push(Finding::error(
                "duplicate-id",
                format!("{at}/locales/{i}"),
                format!("locale `{l}` is listed twice"),
            ));
        }
    }
    for (i, r) in g.audience.urls.iter().enumerate() {
        check_url(r, &format!("{at}/audience/urls/{i}"), &mut out);
    }
    for (i, r) in g.audience.exclude_urls.iter().enumerate() {
        check_url(r, &format!("{at}/audience/exclude_urls/{i}"), &mut out);
    }
    if let Some(c) = &g.audience.when {
        let _ = compile_cond(c, &format!("{at}/audience/when"), &mut out);
    }
    match &g.trigger {
        Trigger::ElementAppears { selector } => {
            check_selector(sel, selector, &format!("{at}/trigger/selector"), &mut out)
        }
        Trigger::Stall { selector: Some(s), .. } => {
            check_selector(sel, s, &format!("{at}/trigger/selector"), &mut out)
        }
        Trigger::Event { name } if name.trim().is_empty() => {
            out.push(Finding::error("empty", format!("{at}/trigger/name"), "the event name is empty"))
        }
        _ => {}
    }
    if g.frequency.cooldown.is_some() && g.frequency.mode == crate::format::FrequencyMode::Once {
        out.push(
            Finding::warning(
                "no-effect",
                format!("{at}/frequency/cooldown"),
                "a cool-down has no effect with mode `once`",
            )
            .hint("use `until_completed`, `once_per_session` or `always`"),
        );
    }
    if g.steps.is_empty() {
        out.push(Finding::error("empty", format!("{at}/steps"), "a guide needs at least one step"));
    }
    let step_ids: Vec<&str> = g.steps.iter().map(|s| s.id.as_str()).collect();
    let mut seen = HashMap::new();
    for (i, s) in g.steps.iter().enumerate() {
        let sp = format!("{at}/steps/{i}");
        if let Some(first) = seen.insert(s.id.as_str(), i) {
            out.push(
                Finding::error("duplicate-id", format!("{sp}/id"), format!("duplicate step id `{}`", s.id))
                    .hint(format!("first used by step {first}")),
            );
        }
        check_step(g, s, i, &step_ids, &sp, sel, &mut out);
    }
    for (i, f) in g.features.iter().enumerate() {
        check_id(&f.id, &format!("{at}/features/{i}/id"), "feature", &mut out);
        check_selector(sel, &f.selector, &format!("{at}/features/{i}/selector"), &mut out);
    }
    for (i, m) in g.milestones.iter().enumerate() {
        check_id(&m.id, &format!("{at}/milestones/{i}/id"), "milestone", &mut out);
        if m.users == Some(0) {
            out.push(Finding::error(
                "invalid-value",
                format!("{at}/milestones/{i}/users"),
                "`users` must be at least 1",
            ));
        }
    }
    out
}

fn check_id(id: &str, ptr: &str, what: &str, out: &mut Vec<Finding>) {
    let ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        out.push(
            Finding::error("invalid-id", ptr, format!("invalid {what} id `{id}`"))
                .expected("letters, digits, `-`, `_` or `.` (it appears in URLs and analytics)"),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn check_step(
    g: &GuideSpec,
    s: &StepSpec,
    i: usize,
    ids: &[&str],
    sp: &str,
    sel: &dyn SelectorCheck,
    out: &mut Vec<Finding>,
) {
    check_id(&s.id, &format!("{sp}/id"), "step", out);
    let last = i + 1 == g.steps.len();
    if let Some(t) = &s.target {
        check_selector(sel, &t.selector, &format!("{sp}/target/selector"), out);
        for (j, f) in t.fallbacks.iter().enumerate() {
            check_selector(sel, f, &format!("{sp}/target/fallbacks/{j}"), out);
        }
    } else if matches!(s.kind, StepKind::Tooltip | StepKind::Hotspot) {
        let kind = if s.kind == StepKind::Tooltip { "tooltip" } else { "hotspot" };
        out.push(
            Finding::error("impossible", sp, format!("a {kind} step needs a `target` to point at"))
                .hint("add a target, or use `\"kind\": \"modal\"`"),
        );
    }
    if let Some(p) = &s.page {
        check_url(p, &format!("{sp}/page"), out);
    }
    let ap = format!("{sp}/advance");
    match &s.advance {
        Advance::Click | Advance::Input { .. } if s.target.is_none() => {
            let on = if s.advance == Advance::Click { "click" } else { "input" };
            out.push(
                Finding::error(
                    "impossible",
                    format!("{ap}/on"),
                    format!("the step advances on `{on}` but has no target to {on}"),
                )
                .hint("add a `target`"),
            );
        }
        Advance::Input { when } => {
            if let Err(e) = InputTest::compile(when, &RegexLite) {
                out.push(Finding::error(
                    "invalid-regex",
                    format!("{ap}/when/pattern"),
                    format!("invalid pattern: {e}"),
                ));
            }
        }
        Advance::Url { url } => check_url(url, &format!("{ap}/url"), out),
        Advance::Appears { selector } | Advance::Disappears { selector } => {
            check_selector(sel, selector, &format!("{ap}/selector"), out)
        }
        Advance::Event { name } if name.trim().is_empty() => {
            out.push(Finding::error("empty", format!("{ap}/name"), "the event name is empty"))
        }
        _ => {}
    }
    if let Some(t) = s.stall_after
        && t.as_ms() < 1000
    {
        out.push(
            Finding::error(
                "invalid-value",
                format!("{sp}/stall_after"),
                format!("`stall_after` of {t} is too short to mean a stall"),
            )
            .expected("at least 1s"),
        );
    }
    if s.title.is_none() && s.body.is_none() {
        out.push(Finding::error("empty", sp, "the step has neither `title` nor `body`"));
    }
    if let Some(t) = &s.title {
        check_text(g, t, &format!("{sp}/title"), false, out);
    }
    if let Some(t) = &s.body {
        check_text(g, t, &format!("{sp}/body"), true, out);
    }
    if let Some(buttons) = &s.buttons {
        for (j, b) in buttons.iter().enumerate() {
            let bp = format!("{sp}/buttons/{j}");
            if let Some(l) = &b.label {
                check_text(g, l, &format!("{bp}/label"), false, out);
            }
            match (b.action, &b.url, &b.step) {
                (ButtonAction::Link, None, _) => {
                    out.push(Finding::error("missing-field", &bp, "a `link` button needs a `url`"))
                }
                (ButtonAction::Link, Some(u), _) if !markdown::is_safe_url(u) => {
                    out.push(unsafe_link(&format!("{bp}/url"), u))
                }
                (ButtonAction::Goto, _, None) => {
                    out.push(Finding::error("missing-field", &bp, "a `goto` button needs a `step`"))
                }
                (ButtonAction::Goto, _, Some(to)) if !ids.contains(&to.as_str()) => {
                    out.push(dangling(&format!("{bp}/step"), "step", to, ids.iter().copied()));
                }
                (ButtonAction::Back, _, _) if i == 0 => out.push(Finding::error(
                    "impossible",
                    format!("{bp}/action"),
                    "the first step has no step to go back to",
                )),
                (a, Some(_), _) if a != ButtonAction::Link => out.push(Finding::warning(
                    "no-effect",
                    format!("{bp}/url"),
                    "`url` only applies to `link` buttons",
                )),
                (a, _, Some(_)) if a != ButtonAction::Goto => out.push(Finding::warning(
                    "no-effect",
                    format!("{bp}/step"),
                    "`step` only applies to `goto` buttons",
                )),
                _ => {}
            }
        }
        let advances = buttons
            .iter()
            .any(|b| matches!(b.action, ButtonAction::Next | ButtonAction::Done | ButtonAction::Goto));
        if s.advance == Advance::Next && !advances {
            let what = if last { "done" } else { "next" };
            out.push(
                Finding::error("impossible", format!("{sp}/buttons"), "the step advances on `next` but has no next, done or goto button, so it can never be completed")
                    .hint(format!("add `{{\"action\": \"{what}\"}}`")),
            );
        }
    }
}

fn check_text(g: &GuideSpec, t: &Text, ptr: &str, markup: bool, out: &mut Vec<Finding>) {
    match t {
        Text::Plain(_) if g.locales.len() > 1 => out.push(
            Finding::error("missing-translation", ptr, "the text is not translated")
                .expected(format!("an object with a text for each of {}", quoted_list(&g.locales))),
        ),
        Text::Localized(map) => {
            let missing: Vec<String> = g.locales.iter().filter(|l| !map.contains_key(l)).cloned().collect();
            if !missing.is_empty() {
                out.push(
                    Finding::error(
                        "missing-translation",
                        ptr,
                        format!("missing translation for {}", quoted_list(&missing)),
                    )
                    .expected(format!("texts for {}", quoted_list(&g.locales))),
                );
            }
            for k in map.keys().filter(|k| !g.locales.contains(k)) {
                out.push(
                    Finding::warning(
                        "unknown-locale",
                        format!("{ptr}/{k}"),
                        format!("locale `{k}` is not in the guide's `locales`"),
                    )
                    .hint("add it to `locales` or remove this text"),
                );
            }
        }
        Text::Plain(_) => {}
    }
    for (locale, text) in t.entries() {
        let p = locale.map_or_else(|| ptr.to_string(), |l| format!("{ptr}/{l}"));
        if text.trim().is_empty() {
            out.push(Finding::error("empty", &p, "the text is empty"));
        } else if markup && let Err(errors) = markdown::parse(text) {
            for e in errors {
                let code =
                    if e.message.starts_with("unsafe link") { "unsafe-link" } else { "unsafe-content" };
                out.push(Finding::error(
                    code,
                    &p,
                    format!(
                        "{} (at character {})",
                        e.message,
                        text.get(..e.offset).map_or(0, |s| s.chars().count()) + 1
                    ),
                ));
            }
        } else if !markup && text.contains('<') && text.contains('>') {
            out.push(Finding::warning(
                "plain-text",
                &p,
                "this text is shown as plain text; markup appears as typed",
            ));
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    items.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
}

fn unsafe_link(ptr: &str, url: &str) -> Finding {
    Finding::error("unsafe-link", ptr, format!("unsafe link `{url}`"))
        .expected("an http(s), mailto or relative URL")
}

fn check_selector(sel: &dyn SelectorCheck, s: &str, ptr: &str, out: &mut Vec<Finding>) {
    if let Err(e) = sel.check(s) {
        out.push(
            Finding::error("invalid-selector", ptr, format!("invalid CSS selector `{s}`: {e}")).found(s),
        );
    }
}

fn check_url(rule: &UrlRule, ptr: &str, out: &mut Vec<Finding>) {
    let (key, text) = match rule {
        UrlRule::Exact(s) => ("exact", s),
        UrlRule::Prefix(s) => ("prefix", s),
        UrlRule::Glob(s) => ("glob", s),
        UrlRule::Regex(s) => ("regex", s),
    };
    let p = format!("{ptr}/{key}");
    if let Err(e) = UrlMatcher::compile(rule, &RegexLite) {
        out.push(Finding::error("invalid-regex", &p, format!("invalid regular expression `{text}`: {e}")));
    } else if key != "regex" && !text.starts_with('/') {
        out.push(
            Finding::error("invalid-value", &p, format!("page rule `{text}` must start with `/`"))
                .hint("rules match the path only, without host or query string"),
        );
    } else if key != "regex" && text.contains('?') && key != "glob" {
        out.push(
            Finding::error("invalid-value", &p, "page rules never see the query string").found(text.as_str()),
        );
    }
}

/// Checks and compiles a condition; `None` when it has errors (they are in `out`).
fn compile_cond(c: &Condition, ptr: &str, out: &mut Vec<Finding>) -> Option<Cond> {
    let given: Vec<&str> = [
        ("all", c.all.is_some()),
        ("any", c.any.is_some()),
        ("not", c.not.is_some()),
        ("attr", c.attr.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    if given.len() != 1 {
        out.push(Finding::error(
            "invalid-condition",
            ptr,
            format!(
                "a condition needs exactly one of `all`, `any`, `not` or `attr`; found {}",
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            ),
        ));
        return None;
    }
    let list = |cs: &[Condition], key: &str, out: &mut Vec<Finding>| -> Option<Vec<Cond>> {
        let compiled: Vec<Option<Cond>> =
            cs.iter().enumerate().map(|(i, c)| compile_cond(c, &format!("{ptr}/{key}/{i}"), out)).collect();
        compiled.into_iter().collect()
    };
    if let Some(cs) = &c.all {
        return list(cs, "all", out).map(Cond::All);
    }
    if let Some(cs) = &c.any {
        return list(cs, "any", out).map(Cond::Any);
    }
    if let Some(n) = &c.not {
        return compile_cond(n, &format!("{ptr}/not"), out).map(|c| Cond::Not(Box::new(c)));
    }
    let attr_text = c.attr.as_deref().unwrap_or("");
    let Some(attr) = Attr::parse(attr_text) else {
        out.push(
            Finding::error(
                "invalid-value",
                format!("{ptr}/attr"),
                format!("unknown attribute `{attr_text}`"),
            )
            .expected("`user.id`, `user.<trait>`, `account.id`, `account.<trait>` or `locale`"),
        );
        return None;
    };
    let Some(op) = c.op else {
        out.push(
            Finding::error("missing-field", ptr, "missing field `op`")
                .expected("an operator like `eq`, `in`, `gt`, `exists`, `after`"),
        );
        return None;
    };
    let vp = format!("{ptr}/value");
    let operand = match (op, &c.value) {
        (Op::Exists | Op::NotExists, None) => Operand::None,
        (Op::Exists | Op::NotExists, Some(_)) => return bad_operand(out, &vp, op, "no `value`"),
        (_, None) => return bad_operand(out, ptr, op, "a `value`"),
        (Op::In | Op::NotIn, Some(Json::Array(items))) => Operand::List(items.clone()),
        (Op::In | Op::NotIn, Some(_)) => return bad_operand(out, &vp, op, "a list of values"),
        (Op::Gt | Op::Gte | Op::Lt | Op::Lte, Some(v)) => match v {
            Json::Number(n) => Operand::Number(*n),
            _ => return bad_operand(out, &vp, op, "a number"),
        },
        (Op::Before | Op::After, Some(Json::String(s))) => match DateRef::parse(s) {
            Ok(d) => Operand::Date(d),
            Err(e) => {
                out.push(Finding::error("invalid-value", &vp, e));
                return None;
            }
        },
        (Op::Before | Op::After, Some(_)) => {
            return bad_operand(out, &vp, op, "a date string like `2026-01-31` or `-14d`");
        }
        (Op::StartsWith, Some(v)) if v.as_str().is_none() => return bad_operand(out, &vp, op, "a string"),
        (_, Some(Json::Array(_) | Json::Object(_))) if op != Op::Contains => {
            return bad_operand(out, &vp, op, "a string, number or boolean");
        }
        (_, Some(v)) => Operand::Value(v.clone()),
    };
    Some(Cond::Test { attr, op, operand })
}

fn bad_operand<T>(out: &mut Vec<Finding>, ptr: &str, op: Op, expected: &str) -> Option<T> {
    let name = serde_json::to_value(op).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    out.push(
        Finding::error("invalid-value", ptr, format!("operator `{name}` takes {expected}"))
            .expected(expected),
    );
    None
}

/// Builds the compiled guide; only called on a guide whose checks passed.
fn compile(spec: GuideSpec, source: &str) -> Option<Guide> {
    let rules = |rs: &[UrlRule]| {
        rs.iter().map(|r| UrlMatcher::compile(r, &RegexLite).ok()).collect::<Option<Vec<_>>>()
    };
    let urls = rules(&spec.audience.urls)?;
    let exclude_urls = rules(&spec.audience.exclude_urls)?;
    let when = match &spec.audience.when {
        Some(c) => Some(compile_cond(c, "", &mut Vec::new())?),
        None => None,
    };
    let mut steps = Vec::with_capacity(spec.steps.len());
    for s in &spec.steps {
        let page = match &s.page {
            Some(p) => Some(UrlMatcher::compile(p, &RegexLite).ok()?),
            None => None,
        };
        let mut body = Vec::new();
        for (locale, text) in s.body.iter().flat_map(Text::entries) {
            body.push((locale.unwrap_or("").to_string(), markdown::parse(text).ok()?));
        }
        let (input, advance_url) = match &s.advance {
            Advance::Input { when } => (Some(InputTest::compile(when, &RegexLite).ok()?), None),
            Advance::Url { url } => (None, Some(UrlMatcher::compile(url, &RegexLite).ok()?)),
            _ => (None, None),
        };
        steps.push(Step { page, body, input, advance_url });
    }
    Some(Guide { spec, source: source.to_string(), urls, exclude_urls, when, steps })
}
