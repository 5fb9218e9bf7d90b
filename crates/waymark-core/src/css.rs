//! CSS selector checking with servo's selector parser, for native tools (the linter, the
//! collector). Accepts what browsers accept in `querySelector`, and explains the rest.

use std::fmt;

use cssparser::{CowRcStr, ParseError, ParseErrorKind, Parser as CssParser, ToCss};
use precomputed_hash::PrecomputedHash;
use selectors::parser::{self, ParseRelative, SelectorList, SelectorParseErrorKind};

use crate::compile::SelectorCheck;

/// Checks selectors with servo's CSS selector parser (the one Firefox uses).
pub struct CssSelectors;

impl SelectorCheck for CssSelectors {
    fn check(&self, selector: &str) -> Result<(), String> {
        if selector.trim().is_empty() {
            return Err("the selector is empty".into());
        }
        let mut css = CssParser::new(selector);
        let result = SelectorList::<Impl>::parse(&Rules, &mut css, ParseRelative::No);
        let at = css.position().byte_index();
        result.map(|_| ()).map_err(|e| {
            let chars = selector.get(..at).map_or(0, |s| s.chars().count());
            format!("{} (near character {})", explain(&e), chars.max(1))
        })
    }
}

/// Pseudo-classes browsers support outside the tree-structural ones the parser knows.
const PSEUDO_CLASSES: &[&str] = &[
    "active",
    "any-link",
    "autofill",
    "checked",
    "default",
    "defined",
    "disabled",
    "enabled",
    "focus",
    "focus-visible",
    "focus-within",
    "fullscreen",
    "hover",
    "in-range",
    "indeterminate",
    "invalid",
    "link",
    "local-link",
    "modal",
    "open",
    "optional",
    "out-of-range",
    "paused",
    "picture-in-picture",
    "placeholder-shown",
    "playing",
    "popover-open",
    "read-only",
    "read-write",
    "required",
    "target",
    "target-within",
    "user-invalid",
    "user-valid",
    "valid",
    "visited",
];
const FUNCTIONAL_PSEUDO_CLASSES: &[&str] = &["lang", "dir", "state"];

#[derive(Clone, Debug, PartialEq)]
enum Problem {
    Syntax(SelectorParseErrorKind),
    UnknownPseudoClass(String),
    PseudoElement(String),
}

impl From<SelectorParseErrorKind> for Problem {
    fn from(k: SelectorParseErrorKind) -> Self {
        Problem::Syntax(k)
    }
}

fn explain(e: &ParseError<Problem>) -> String {
    match &e.kind {
        ParseErrorKind::Basic(b) => match b {
            cssparser::BasicParseErrorKind::EndOfInput => "the selector ends too early".into(),
            cssparser::BasicParseErrorKind::UnexpectedToken => "unexpected character".into(),
            _ => "invalid selector syntax".into(),
        },
        ParseErrorKind::Custom(Problem::UnknownPseudoClass(n)) => format!("unknown pseudo-class `:{n}`"),
        ParseErrorKind::Custom(Problem::PseudoElement(n)) => {
            format!("`::{n}` is a pseudo-element, which cannot be a guide target; point at its element")
        }
        ParseErrorKind::Custom(Problem::Syntax(k)) => match k {
            SelectorParseErrorKind::EmptySelector => "a selector in the list is empty".into(),
            SelectorParseErrorKind::DanglingCombinator => {
                "a combinator (`>`, `+`, `~`) has nothing after it".into()
            }
            SelectorParseErrorKind::NoQualifiedNameInAttributeSelector => {
                "an attribute selector needs a name, like `[data-id]`".into()
            }
            SelectorParseErrorKind::UnexpectedTokenInAttributeSelector
            | SelectorParseErrorKind::BadValueInAttr => {
                "invalid attribute selector; write `[name]`, `[name=value]` or `[name=\"value\"]`".into()
            }
            SelectorParseErrorKind::ClassNeedsIdent => "`.` must be followed by a class name".into(),
            SelectorParseErrorKind::NoIdentForPseudo | SelectorParseErrorKind::PseudoElementExpectedIdent => {
                "`:` must be followed by a pseudo-class name".into()
            }
            SelectorParseErrorKind::ExpectedNamespace
            | SelectorParseErrorKind::ExplicitNamespaceUnexpectedToken => {
                "namespaces are not supported in guide selectors".into()
            }
            other => format!("invalid selector ({other:?})").to_lowercase(),
        },
    }
}

/// The parser's rules: standard pseudo-classes, `:is`, `:where`, `:has`, no pseudo-elements.
struct Rules;

impl<'i> parser::Parser<'i> for Rules {
    type Impl = Impl;
    type Error = Problem;

    fn parse_is_and_where(&self) -> bool {
        true
    }

    fn parse_has(&self) -> bool {
        true
    }

    fn parse_nth_child_of(&self) -> bool {
        true
    }

    fn parse_non_ts_pseudo_class(&self, name: CowRcStr<'i>) -> Result<Pseudo, ParseError<Problem>> {
        let lower = name.to_ascii_lowercase();
        if PSEUDO_CLASSES.contains(&lower.as_str()) {
            Ok(Pseudo(lower))
        } else {
            Err(ParseError::custom(Problem::UnknownPseudoClass(name.to_string())))
        }
    }

    fn parse_non_ts_functional_pseudo_class(
        &self,
        name: CowRcStr<'i>,
        args: &mut CssParser<'i>,
        _after_part: bool,
    ) -> Result<Pseudo, ParseError<Problem>> {
        let lower = name.to_ascii_lowercase();
        if !FUNCTIONAL_PSEUDO_CLASSES.contains(&lower.as_str()) {
            return Err(ParseError::custom(Problem::UnknownPseudoClass(format!("{name}()"))));
        }
        while args.next().is_ok() {}
        Ok(Pseudo(lower))
    }

    fn parse_pseudo_element(&self, name: CowRcStr<'i>) -> Result<Never, ParseError<Problem>> {
        Err(ParseError::custom(Problem::PseudoElement(name.to_string())))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Impl;

impl parser::SelectorImpl for Impl {
    type ExtraMatchingData<'a> = ();
    type AttrValue = Name;
    type Identifier = Name;
    type LocalName = Name;
    type NamespaceUrl = Name;
    type NamespacePrefix = Name;
    type BorrowedNamespaceUrl = Name;
    type BorrowedLocalName = Name;
    type NonTSPseudoClass = Pseudo;
    type PseudoElement = Never;
}

/// Names are only checked, never matched, so a plain string will do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Name(String);

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(s.to_string())
    }
}

impl ToCss for Name {
    fn to_css<W: fmt::Write>(&self, dest: &mut W) -> fmt::Result {
        dest.write_str(&self.0)
    }
}

impl PrecomputedHash for Name {
    fn precomputed_hash(&self) -> u32 {
        self.0.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pseudo(String);

impl ToCss for Pseudo {
    fn to_css<W: fmt::Write>(&self, dest: &mut W) -> fmt::Result {
        dest.write_char(':')?;
        dest.write_str(&self.0)
    }
}

impl parser::NonTSPseudoClass for Pseudo {
    fn is_active_or_hover(&self) -> bool {
        matches!(self.0.as_str(), "active" | "hover")
    }

    fn is_user_action_state(&self) -> bool {
        matches!(self.0.as_str(), "active" | "hover" | "focus")
    }
}

/// Pseudo-elements are refused while parsing, so none is ever built.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Never {}

impl ToCss for Never {
    fn to_css<W: fmt::Write>(&self, _: &mut W) -> fmt::Result {
        match *self {}
    }
}

impl parser::PseudoElement for Never {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_browsers_accept() {
        for s in [
            "a:hover",
            "li:nth-child(2)",
            "button:not(.x)",
            "div:has(> img)",
            "input:focus-visible",
            "[data-test=\"x\"]",
            "#a > .b ~ c + d",
            ":is(a, b)",
            ":where(a)",
            "input:checked",
            "tr:nth-of-type(2n+1)",
            "p:lang(ja)",
            "button[aria-expanded='true']",
            "#new-project, .fallback",
            "nav a[href^=\"/projects\"]",
        ] {
            assert_eq!(CssSelectors.check(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn explains_what_is_wrong() {
        let err = |s: &str| CssSelectors.check(s).err().unwrap_or_default();
        assert_eq!(
            err("div::before"),
            "`::before` is a pseudo-element, which cannot be a guide target; point at its element (near character 11)"
        );
        assert_eq!(err(":nope"), "unknown pseudo-class `:nope` (near character 5)");
        assert!(err("a >").starts_with("a combinator"), "{}", err("a >"));
        assert!(err("div[[x").starts_with("an attribute selector needs a name"), "{}", err("div[[x"));
        assert!(err("..x").starts_with("`.` must be followed by a class name"), "{}", err("..x"));
        assert_eq!(err("  "), "the selector is empty");
    }
}
