//! JSON data as targeting reads it: user and account traits, and the values conditions
//! compare them with.
//!
//! Guides are authored and validated with `serde_json` natively; what the engine keeps is
//! this smaller type. Numbers are `f64`, as in the browser the traits come from, and
//! objects are a [`StrMap`], so the agent's wasm carries neither `serde_json` nor a B-tree
//! map for them.

use crate::map::StrMap;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (always finite).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in order.
    Object(StrMap<Json>),
}

impl Json {
    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_string())
    }
}

impl From<&serde_json::Value> for Json {
    fn from(v: &serde_json::Value) -> Self {
        use serde_json::Value;
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            // serde_json numbers are finite; one that is not would be null, as in JSON.
            Value::Number(n) => n.as_f64().filter(|n| n.is_finite()).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(items) => Json::Array(items.iter().map(Json::from).collect()),
            Value::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), Json::from(v))).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_serde_values_keeping_every_kind() {
        let v = serde_json::json!({"b": [1, -2, 2.5, "x", true, null], "a": {"n": 9007199254740993u64}});
        let b = Json::Array(vec![
            Json::Number(1.0),
            Json::Number(-2.0),
            Json::Number(2.5),
            Json::from("x"),
            Json::Bool(true),
            Json::Null,
        ]);
        // Beyond 2^53 a number is the nearest f64, as in the browser.
        let a = Json::Object(StrMap::from([("n".to_string(), Json::Number(9007199254740992.0))]));
        assert_eq!(Json::from(&v), Json::Object(StrMap::from([("b".to_string(), b), ("a".to_string(), a)])));
    }
}
