//! Regular expressions of page rules and input conditions, behind a compiler the caller
//! chooses: native loading checks and compiles them with regex-lite ([`RegexLite`]); the
//! browser agent hands the same sources to the browser's own `RegExp`, which keeps a regex
//! compiler out of its wasm. Sources are the ones authors wrote (or a glob's translation),
//! in the syntax both engines share; `waymark lint` refuses what regex-lite cannot read.

use std::fmt;
use std::rc::Rc;

/// A compiled regular expression.
pub trait Matcher {
    /// Whether the pattern matches anywhere in `haystack`.
    fn is_match(&self, haystack: &str) -> bool;
}

/// Turns sources into matchers.
pub trait PatternCompiler {
    /// The compiled `source`, or what is wrong with it.
    fn compile(&self, source: &str) -> Result<Rc<dyn Matcher>, String>;
}

/// A regular expression: its source and its compiled form.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    matcher: Rc<dyn Matcher>,
}

impl Pattern {
    /// Compiles `source` with `with`.
    pub fn new(source: String, with: &dyn PatternCompiler) -> Result<Self, String> {
        let matcher = with.compile(&source)?;
        Ok(Self { source, matcher })
    }

    /// The source it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether it matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &str) -> bool {
        self.matcher.is_match(haystack)
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// regex-lite: the compiler of native tools and tests.
pub struct RegexLite;

impl PatternCompiler for RegexLite {
    fn compile(&self, source: &str) -> Result<Rc<dyn Matcher>, String> {
        match regex_lite::Regex::new(source) {
            Ok(re) => Ok(Rc::new(re)),
            // regex-lite's message ends with the reason, after the pattern and a caret line.
            Err(e) => {
                let msg = e.to_string();
                Err(msg.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(&msg).trim().to_string())
            }
        }
    }
}

impl Matcher for regex_lite::Regex {
    fn is_match(&self, haystack: &str) -> bool {
        regex_lite::Regex::is_match(self, haystack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_matches_and_explains_a_bad_source() {
        let p = Pattern::new("^/p/[0-9]+$".into(), &RegexLite).ok();
        assert!(p.as_ref().is_some_and(|p| p.is_match("/p/12") && !p.is_match("/p/x")));
        assert_eq!(p.map(|p| format!("{p:?}")).as_deref(), Some("Pattern(\"^/p/[0-9]+$\")"));
        let err = Pattern::new("(".into(), &RegexLite).err().unwrap_or_default();
        assert!(err.contains("without closing"), "{err}");
        assert!(!err.contains('\n'));
    }
}
