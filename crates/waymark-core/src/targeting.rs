//! Audience evaluation: page rules, user and account conditions, locales.

use std::borrow::Cow;

use crate::date;
use crate::duration::Millis;
use crate::format::{Op, UrlRule};
use crate::json::Json;
use crate::map::StrMap;
use crate::pattern::{Pattern, PatternCompiler};
use crate::text::language;

/// The path of a URL, without scheme, host, query string or fragment (`/projects/new`).
pub fn page_path(url: &str) -> String {
    let no_fragment = url.split('#').next().unwrap_or("");
    let no_query = no_fragment.split('?').next().unwrap_or("");
    let path = match find(no_query, "://").and_then(|i| no_query.get(i + 3..)) {
        Some(rest) => rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"),
        None => no_query,
    };
    if path.is_empty() { "/".to_string() } else { path.to_string() }
}

/// Where `needle` first occurs in `haystack`. A byte search (exact on UTF-8) rather than
/// `str::find`/`contains` with a string pattern: std's string searcher can panic with a
/// message that formats chars, which pulls Unicode tables into the agent's wasm.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// A compiled page rule.
#[derive(Clone, Debug)]
pub(crate) enum UrlMatcher {
    Exact(String),
    Prefix(String),
    /// Globs and regexes both become a regex (globs are anchored).
    Pattern(Pattern),
}

impl UrlMatcher {
    /// Compiles a rule; the error says what is wrong with the pattern.
    pub(crate) fn compile(rule: &UrlRule, with: &dyn PatternCompiler) -> Result<Self, String> {
        Ok(match rule {
            UrlRule::Exact(s) => Self::Exact(s.clone()),
            UrlRule::Prefix(s) => Self::Prefix(s.clone()),
            UrlRule::Glob(g) => Self::Pattern(Pattern::new(glob_to_regex(g), with)?),
            UrlRule::Regex(r) => Self::Pattern(Pattern::new(r.clone(), with)?),
        })
    }

    /// Whether a page path matches.
    pub(crate) fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exact(s) => path == s,
            Self::Prefix(s) => path.starts_with(s.as_str()),
            Self::Pattern(r) => r.is_match(path),
        }
    }
}

/// `**` matches across segments, `*` within one, `?` one character; the rest is literal.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(".*");
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            c => out.push_str(&regex_lite::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out.push('$');
    out
}

/// Who the user is, as the host app told the agent (`waymark.identify`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Identity {
    /// User id.
    pub user: Option<String>,
    /// Account id.
    pub account: Option<String>,
    /// User traits (`role`, `created_at`, ...).
    pub user_traits: StrMap<Json>,
    /// Account traits (`plan`, `seats`, ...).
    pub account_traits: StrMap<Json>,
    /// Locale tag (`en`, `ja-JP`).
    pub locale: String,
}

/// A compiled audience condition.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Test { attr: Attr, op: Op, operand: Operand },
}

/// An attribute a condition reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Attr {
    UserId,
    AccountId,
    Locale,
    UserTrait(String),
    AccountTrait(String),
}

impl Attr {
    /// Parses `user.id`, `account.plan`, `locale`, ...
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s.split_once('.') {
            Some(("user", "id")) => Some(Self::UserId),
            Some(("account", "id")) => Some(Self::AccountId),
            Some(("user", t)) if !t.is_empty() => Some(Self::UserTrait(t.to_string())),
            Some(("account", t)) if !t.is_empty() => Some(Self::AccountTrait(t.to_string())),
            None if s == "locale" => Some(Self::Locale),
            _ => None,
        }
    }

    /// The attribute's value for `who`: traits are borrowed (they may be whole objects),
    /// the short id and locale strings copied.
    fn read<'a>(&self, who: &'a Identity) -> Option<Cow<'a, Json>> {
        match self {
            Self::UserId => who.user.clone().map(|u| Cow::Owned(Json::String(u))),
            Self::AccountId => who.account.clone().map(|a| Cow::Owned(Json::String(a))),
            Self::Locale => Some(Cow::Owned(Json::String(who.locale.clone()))),
            Self::UserTrait(t) => who.user_traits.get(t).map(Cow::Borrowed),
            Self::AccountTrait(t) => who.account_traits.get(t).map(Cow::Borrowed),
        }
        .filter(|v| **v != Json::Null)
    }
}

/// The right-hand side of a test, checked against its operator at load time.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    None,
    Value(Json),
    List(Vec<Json>),
    Number(f64),
    Date(date::DateRef),
}

impl Cond {
    /// Whether the condition holds for `who` at `now`.
    pub(crate) fn eval(&self, who: &Identity, now: Millis) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.eval(who, now)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(who, now)),
            Cond::Not(c) => !c.eval(who, now),
            Cond::Test { attr, op, operand } => test(attr.read(who).as_deref(), *op, operand, now),
        }
    }
}

fn test(actual: Option<&Json>, op: Op, operand: &Operand, now: Millis) -> bool {
    let Some(actual) = actual else {
        return op == Op::NotExists || op == Op::Ne || op == Op::NotIn;
    };
    match (op, operand) {
        (Op::Exists, _) => true,
        (Op::NotExists, _) => false,
        (Op::Eq, Operand::Value(v)) => loose_eq(actual, v),
        (Op::Ne, Operand::Value(v)) => !loose_eq(actual, v),
        (Op::In, Operand::List(l)) => l.iter().any(|v| loose_eq(actual, v)),
        (Op::NotIn, Operand::List(l)) => !l.iter().any(|v| loose_eq(actual, v)),
        (Op::Contains, Operand::Value(v)) => match actual {
            Json::String(s) => v.as_str().is_some_and(|needle| find(s, needle).is_some()),
            Json::Array(items) => items.iter().any(|i| loose_eq(i, v)),
            _ => false,
        },
        (Op::StartsWith, Operand::Value(v)) => {
            matches!((actual.as_str(), v.as_str()), (Some(s), Some(p)) if s.starts_with(p))
        }
        (Op::Gt | Op::Gte | Op::Lt | Op::Lte, Operand::Number(n)) => {
            number(actual).is_some_and(|a| match op {
                Op::Gt => a > *n,
                Op::Gte => a >= *n,
                Op::Lt => a < *n,
                _ => a <= *n,
            })
        }
        (Op::Before | Op::After, Operand::Date(d)) => {
            let limit = d.resolve(now);
            date::value_millis(actual).is_some_and(|t| if op == Op::Before { t < limit } else { t > limit })
        }
        _ => false,
    }
}

/// Equality that treats `"3"` and `3` alike, since traits often arrive as strings.
fn loose_eq(a: &Json, b: &Json) -> bool {
    a == b || matches!((number(a), number(b)), (Some(x), Some(y)) if x == y)
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => Some(*n),
        Json::String(s) => crate::decimal::parse(s.trim()),
        _ => None,
    }
}

/// Whether a user locale is among the audience locales (language match).
pub(crate) fn locale_matches(user: &str, wanted: &[String]) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(user) || language(w) == language(user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::RegexLite;

    #[test]
    fn page_path_drops_host_query_and_fragment() {
        assert_eq!(page_path("https://app.example.com/projects/new?token=secret#x"), "/projects/new");
        assert_eq!(page_path("https://app.example.com"), "/");
        assert_eq!(page_path("/team?invite=1"), "/team");
        assert_eq!(page_path(""), "/");
    }

    #[test]
    fn substring_search_is_exact_on_utf8() {
        assert_eq!(find("a日本b", "日本"), Some(1));
        assert_eq!(find("a日本b", "本b"), Some(4));
        assert_eq!(find("abc", ""), Some(0));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("日", "\u{e6}"), None);
    }

    #[test]
    fn globs_stay_within_segments_unless_double_star() {
        let m = UrlMatcher::compile(&UrlRule::Glob("/projects/*/edit".into()), &RegexLite)
            .unwrap_or(UrlMatcher::Exact(String::new()));
        assert!(m.matches("/projects/42/edit"));
        assert!(!m.matches("/projects/42/x/edit"));
        let m = UrlMatcher::compile(&UrlRule::Glob("/settings/**".into()), &RegexLite)
            .unwrap_or(UrlMatcher::Exact(String::new()));
        assert!(m.matches("/settings/billing/cards"));
        assert!(!m.matches("/setting"));
        let m = UrlMatcher::compile(&UrlRule::Glob("/a.b?".into()), &RegexLite)
            .unwrap_or(UrlMatcher::Exact(String::new()));
        assert!(m.matches("/a.bc") && !m.matches("/axbc"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(UrlMatcher::compile(&UrlRule::Regex("^/projects/(".into()), &RegexLite).is_err());
    }

    fn who() -> Identity {
        Identity {
            user: Some("u1".into()),
            account: Some("acme".into()),
            user_traits: StrMap::from([
                ("role".to_string(), Json::from("admin")),
                ("created_at".to_string(), Json::from("2026-11-20")),
            ]),
            account_traits: StrMap::from([
                ("seats".to_string(), Json::from("12")),
                ("tags".to_string(), Json::Array(vec![Json::from("beta")])),
            ]),
            locale: "ja-JP".into(),
        }
    }

    fn t(attr: &str, op: Op, operand: Operand) -> Cond {
        Cond::Test { attr: Attr::parse(attr).unwrap_or(Attr::Locale), op, operand }
    }

    #[test]
    fn operators_over_traits() {
        let now = date::parse_date("2026-11-23").unwrap_or(0);
        let w = who();
        assert!(t("user.role", Op::Eq, Operand::Value("admin".into())).eval(&w, now));
        assert!(t("account.seats", Op::Gt, Operand::Number(10.0)).eval(&w, now));
        assert!(!t("account.seats", Op::Lt, Operand::Number(10.0)).eval(&w, now));
        assert!(t("account.tags", Op::Contains, Operand::Value("beta".into())).eval(&w, now));
        assert!(t("user.plan", Op::NotExists, Operand::None).eval(&w, now));
        assert!(t("user.plan", Op::Ne, Operand::Value("x".into())).eval(&w, now));
        assert!(t("account.id", Op::In, Operand::List(vec!["acme".into(), "globex".into()])).eval(&w, now));
        let recent = date::DateRef::parse("-7d").unwrap_or(date::DateRef::Absolute(0));
        assert!(t("user.created_at", Op::After, Operand::Date(recent)).eval(&w, now));
        let c = Cond::All(vec![
            t("locale", Op::StartsWith, Operand::Value("ja".into())),
            Cond::Not(Box::new(t("user.role", Op::Eq, Operand::Value("guest".into())))),
        ]);
        assert!(c.eval(&w, now));
        assert!(!Cond::Any(vec![]).eval(&w, now));
    }

    #[test]
    fn locales_match_by_language() {
        assert!(locale_matches("ja-JP", &["ja".to_string()]));
        assert!(!locale_matches("en-US", &["ja".to_string()]));
        assert!(locale_matches("en", &[]));
    }
}
