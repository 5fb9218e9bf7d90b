//! Guide text given once or per locale, and how a user's locale picks a translation.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::map::StrMap;

/// Text written once (`"Create a project"`) or per locale
/// (`{"en": "Create a project", "ja": "プロジェクトを作成"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Text {
    /// The same text for every locale.
    Plain(String),
    /// One text per locale tag (`en`, `ja`, `pt-BR`, ...).
    Localized(StrMap<String>),
}

impl Text {
    /// The translation for `locale`: the exact tag, then its language (`ja` for `ja-JP`),
    /// then `fallback` (the guide's first locale), then any translation.
    pub fn resolve<'a>(&'a self, locale: &str, fallback: &str) -> &'a str {
        match self {
            Text::Plain(s) => s,
            Text::Localized(map) => map
                .get(locale)
                .or_else(|| map.get(language(locale)))
                .or_else(|| map.get(fallback))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Every (locale, text) pair; a plain text is reported under `None`.
    pub fn entries(&self) -> Vec<(Option<&str>, &str)> {
        match self {
            Text::Plain(s) => vec![(None, s.as_str())],
            Text::Localized(map) => map.iter().map(|(k, v)| (Some(k.as_str()), v.as_str())).collect(),
        }
    }
}

/// The language part of a locale tag: `ja` for `ja-JP`.
pub fn language(locale: &str) -> &str {
    locale.split(['-', '_']).next().unwrap_or(locale)
}

/// Whether a locale is written right to left (Arabic, Hebrew, Persian, Urdu, ...).
pub fn is_rtl(locale: &str) -> bool {
    matches!(language(locale), "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv")
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a string, or an object mapping locales to strings like {\"en\": \"…\", \"ja\": \"…\"}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::Plain(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut out = StrMap::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(Text::Localized(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Text for every locale, or an object of locale tag to text. Safe markdown subset: **bold**, *italic*, `code`, [links](https://…), lists; no raw HTML.",
            "oneOf": [
                { "type": "string" },
                { "type": "object", "additionalProperties": { "type": "string" }, "minProperties": 1 }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> Text {
        Text::Localized(StrMap::from([
            ("en".to_string(), "Hello".to_string()),
            ("ja".to_string(), "こんにちは".to_string()),
        ]))
    }

    #[test]
    fn resolves_exact_then_language_then_fallback() {
        assert_eq!(both().resolve("ja", "en"), "こんにちは");
        assert_eq!(both().resolve("ja-JP", "en"), "こんにちは");
        assert_eq!(both().resolve("fr", "en"), "Hello");
        assert_eq!(Text::Plain("x".into()).resolve("ja", "en"), "x");
    }

    #[test]
    fn knows_right_to_left_languages() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("he-IL"));
        assert!(!is_rtl("ja"));
    }

    #[test]
    fn rejects_non_text() {
        let err = serde_json::from_str::<Text>("3").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("a string, or an object mapping locales"), "{err}");
        assert!(serde_json::from_str::<Text>(r#"{"en": 3}"#).is_err());
    }
}
