//! Durations as guide authors write them (`"30s"`, `"5m"`, `"1d"` or milliseconds) and
//! the millisecond timestamps the engine is fed.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, in milliseconds since the Unix epoch, as given by the adapter.
pub type Millis = u64;

/// A span of time. Written in guides as a whole number of milliseconds or a string with
/// a unit: `ms`, `s`, `m`, `h` or `d` (`"1500ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

impl Duration {
    /// A duration of `ms` milliseconds.
    pub const fn ms(ms: u64) -> Self {
        Self(ms)
    }

    /// A duration of `s` seconds.
    pub const fn secs(s: u64) -> Self {
        Self(s * 1000)
    }

    /// The duration in milliseconds.
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// Parses `"30s"`-style text; the error says what was expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let unit_ms = match unit.trim() {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(format!("duration `{text}` has no unit; write e.g. `{text}ms` or `{text}s`")),
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{text}`; expected ms, s, m, h or d"
                ));
            }
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("invalid duration `{text}`; expected a number and a unit, like `30s`"))?;
        n.checked_mul(unit_ms).map(Self).ok_or_else(|| format!("duration `{text}` is too long"))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
            if ms != 0 && ms.is_multiple_of(size) {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: milliseconds or a string like \"30s\", \"5m\", \"1d\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v).map(Duration).map_err(|_| E::custom(format!("duration `{v}` is negative")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: whole milliseconds, or a number with a unit (ms, s, m, h, d).",
            "oneOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*[0-9]+\\s*(ms|s|m|h|d)\\s*$" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_prints_them_back() {
        for (text, ms) in
            [("1500ms", 1500), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("7d", 604_800_000)]
        {
            assert_eq!(Duration::parse(text), Ok(Duration(ms)));
            assert_eq!(Duration(ms).to_string(), text);
        }
    }

    #[test]
    fn rejects_missing_and_unknown_units() {
        assert_eq!(
            Duration::parse("30"),
            Err("duration `30` has no unit; write e.g. `30ms` or `30s`".to_string())
        );
        assert_eq!(
            Duration::parse("3w"),
            Err("unknown duration unit `w` in `3w`; expected ms, s, m, h or d".to_string())
        );
        assert!(Duration::parse("s").is_err());
        assert!(Duration::parse("99999999999999999999d").is_err());
    }

    #[test]
    fn deserializes_numbers_and_strings() {
        let d: Duration = serde_json::from_str("250").unwrap_or_default();
        assert_eq!(d, Duration(250));
        let d: Duration = serde_json::from_str("\"2s\"").unwrap_or_default();
        assert_eq!(d, Duration(2000));
        assert!(serde_json::from_str::<Duration>("-1").is_err());
        assert!(serde_json::from_str::<Duration>("true").is_err());
    }
}
