//! The compiled guide model the engine runs: the validated spec plus what loading
//! precomputed (page matchers, conditions, parsed text, input tests).

use crate::format::{Advance, GuideSpec, InputCondition, StepSpec, Trigger};
use crate::markdown::Block;
use crate::pattern::{Pattern, PatternCompiler};
use crate::targeting::{Cond, UrlMatcher};

/// A guide that passed validation.
#[derive(Clone, Debug)]
pub struct Guide {
    /// The guide as written.
    pub spec: GuideSpec,
    /// The file it came from.
    pub source: String,
    pub(crate) urls: Vec<UrlMatcher>,
    pub(crate) exclude_urls: Vec<UrlMatcher>,
    pub(crate) when: Option<Cond>,
    pub(crate) steps: Vec<Step>,
}

/// A compiled step.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) page: Option<UrlMatcher>,
    /// Parsed body per locale key of the step's `body` text (`""` for plain text). A few
    /// entries at most, so a list: a map type of its own would weigh kilobytes of wasm.
    pub(crate) body: Vec<(String, Vec<Block>)>,
    pub(crate) input: Option<InputTest>,
    /// The page rule of an `advance: {on: url}` step.
    pub(crate) advance_url: Option<UrlMatcher>,
}

impl Guide {
    /// The guide id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Every CSS selector the guide uses (trigger, targets and their fallbacks, advance
    /// conditions, features), for a check with the page's own parser.
    pub fn selectors(&self) -> Vec<&str> {
        let spec = &self.spec;
        let mut out = Vec::new();
        match &spec.trigger {
            Trigger::ElementAppears { selector } | Trigger::Stall { selector: Some(selector), .. } => {
                out.push(selector.as_str())
            }
            _ => {}
        }
        for step in &spec.steps {
            if let Some(t) = &step.target {
                out.push(t.selector.as_str());
                out.extend(t.fallbacks.iter().map(String::as_str));
            }
            if let Advance::Appears { selector } | Advance::Disappears { selector } = &step.advance {
                out.push(selector.as_str());
            }
        }
        out.extend(spec.features.iter().map(|f| f.selector.as_str()));
        out
    }

    pub(crate) fn step_spec(&self, i: usize) -> Option<&StepSpec> {
        self.spec.steps.get(i)
    }
}

/// The condition an input must meet to advance a step; evaluated by the adapter on the
/// page, so the typed value never reaches the engine or an event.
#[derive(Clone, Debug)]
pub struct InputTest {
    cond: InputCondition,
    pattern: Option<Pattern>,
}

impl InputTest {
    /// Compiles a condition; the error explains a bad pattern.
    pub(crate) fn compile(cond: &InputCondition, with: &dyn PatternCompiler) -> Result<Self, String> {
        let pattern = match cond {
            InputCondition::Pattern(p) => Some(Pattern::new(format!("^(?:{p})$"), with)?),
            _ => None,
        };
        Ok(Self { cond: cond.clone(), pattern })
    }

    /// A test whose pattern could not be compiled: it never passes (its guide is dropped).
    pub(crate) fn uncompiled(cond: InputCondition) -> Self {
        Self { cond, pattern: None }
    }

    /// The condition as written.
    pub(crate) fn condition(&self) -> &InputCondition {
        &self.cond
    }

    /// Whether `value` passes; `browser_valid` is the element's constraint validity.
    pub fn passes(&self, value: &str, browser_valid: bool) -> bool {
        match &self.cond {
            InputCondition::NonEmpty => !value.trim().is_empty(),
            InputCondition::Valid => browser_valid && !value.is_empty(),
            InputCondition::MinLength(n) => value.chars().count() >= *n as usize,
            InputCondition::Pattern(_) => self.pattern.as_ref().is_some_and(|r| r.is_match(value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_tests_never_need_the_value_outside() {
        let t = |c: InputCondition| InputTest::compile(&c, &crate::pattern::RegexLite).ok();
        assert!(t(InputCondition::NonEmpty).is_some_and(|t| t.passes(" a ", false) && !t.passes("  ", true)));
        assert!(t(InputCondition::Valid).is_some_and(|t| t.passes("a@b.c", true) && !t.passes("a@", false)));
        assert!(
            t(InputCondition::MinLength(3))
                .is_some_and(|t| t.passes("日本語", true) && !t.passes("ab", true))
        );
        assert!(
            t(InputCondition::Pattern("[a-z]+".into()))
                .is_some_and(|t| t.passes("abc", true) && !t.passes("abc1", true))
        );
        assert!(t(InputCondition::Pattern("(".into())).is_none());
    }
}
