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

/// Written as JSON, whole numbers as integers (`3`, as authored, not `3.0`).
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
                s.serialize_i64(*n as i64)
            }
            Json::Number(n) => s.serialize_f64(*n),
            Json::String(v) => s.serialize_str(v),
            Json::Array(items) => items.serialize(s),
            Json::Object(map) => map.serialize(s),
        }
    }
}

/// Read as any JSON value (natively, where guides are authored).
impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(|v| Json::from(&v))
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

    #[test]
    fn round_trips_through_serde_with_whole_numbers_as_integers() {
        let text = r#"{"a":[1,-2,2.5,"x",true,null],"b":{"c":{}}}"#;
        let v: Json = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
    }
}
