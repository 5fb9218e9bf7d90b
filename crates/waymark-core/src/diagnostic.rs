//! Located problems in guide files: what was wrong, where, what was expected, and a hint.

use std::fmt;

use serde::Serialize;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The guide still runs, but something is likely unintended.
    Warning,
    /// The guide is skipped.
    Error,
}

/// One problem, located in its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable kebab-case code (`unknown-field`, `invalid-selector`, ...).
    pub code: &'static str,
    /// The file (or source name) the problem is in.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// JSON pointer to the value (`/steps/0/advance`).
    pub pointer: String,
    /// The guide it belongs to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    /// What is wrong, lower-case, values quoted.
    pub message: String,
    /// What was found, when it is a single value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// What was expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// How to fix it (`did you mean \`click\`?`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {level}[{}]: {}", self.file, self.line, self.column, self.code, self.message)?;
        write!(f, "\n  at {}", if self.pointer.is_empty() { "/" } else { &self.pointer })?;
        if let Some(g) = &self.guide {
            write!(f, " (guide `{g}`)")?;
        }
        if let Some(e) = &self.expected {
            write!(f, "\n  expected: {e}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// A problem found before it is located: where (a JSON pointer) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    pub(crate) code: &'static str,
    pub(crate) pointer: String,
    pub(crate) message: String,
    pub(crate) found: Option<String>,
    pub(crate) expected: Option<String>,
    pub(crate) hint: Option<String>,
    /// Line and column, when known directly (syntax errors) rather than by pointer.
    pub(crate) position: Option<(usize, usize)>,
    /// The guide it belongs to, when known before the guide parses.
    pub(crate) guide: Option<String>,
}

impl Finding {
    /// An error at `pointer`.
    pub(crate) fn error(code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            pointer: pointer.into(),
            message: message.into(),
            found: None,
            expected: None,
            hint: None,
            position: None,
            guide: None,
        }
    }

    /// A warning at `pointer`.
    pub(crate) fn warning(
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, pointer, message) }
    }

    /// Adds what was found.
    pub(crate) fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    /// Adds what was expected.
    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Adds a hint.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The closest of `candidates` to `found`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(found, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Escapes one JSON pointer segment (RFC 6901).
#[cfg(feature = "diagnostics")]
pub(crate) fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("clik", ["next", "click", "input"]), Some("click"));
        assert_eq!(did_you_mean("selecter", ["selector", "text"]), Some("selector"));
        assert_eq!(did_you_mean("zzz", ["next", "click"]), None);
    }

    #[test]
    fn displays_file_line_column_pointer_and_help() {
        let d = Diagnostic {
            severity: Severity::Error,
            code: "unknown-variant",
            file: "g.json".into(),
            line: 3,
            column: 7,
            pointer: "/steps/0/advance".into(),
            guide: Some("tour".into()),
            message: "unknown advance kind `clik`".into(),
            found: Some("clik".into()),
            expected: Some("one of `next`, `click`".into()),
            hint: Some("did you mean `click`?".into()),
        };
        assert_eq!(
            d.to_string(),
            "g.json:3:7: error[unknown-variant]: unknown advance kind `clik`\n  at /steps/0/advance (guide `tour`)\n  expected: one of `next`, `click`\n  help: did you mean `click`?"
        );
    }
}
