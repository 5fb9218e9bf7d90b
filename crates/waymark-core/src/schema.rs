//! The JSON Schema of the guide format, generated from [`crate::format`] so that it
//! cannot drift from what the loader accepts.

use crate::format::GuideSpec;

/// The schema of a guide file (one guide or a list of guides) as pretty JSON.
pub fn guide_schema_json() -> String {
    let one = schemars::schema_for!(GuideSpec);
    let mut value = serde_json::to_value(&one).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        let guide: serde_json::Map<String, serde_json::Value> = obj
            .iter()
            .filter(|(k, _)| !k.starts_with('$') && k.as_str() != "definitions" && k.as_str() != "$defs")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let defs = obj.remove("$defs").unwrap_or_default();
        let mut root = serde_json::Map::new();
        root.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
        root.insert("$id".into(), "https://waymark.dev/schema/guide-v1.json".into());
        root.insert("title".into(), "Waymark guide file (format v1)".into());
        root.insert("description".into(), "One guide, or a list of guides.".into());
        root.insert("oneOf".into(), serde_json::json!([{ "$ref": "#/$defs/Guide" }, { "type": "array", "items": { "$ref": "#/$defs/Guide" } }]));
        let mut defs = match defs {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        defs.insert("Guide".into(), serde_json::Value::Object(guide));
        root.insert("$defs".into(), serde_json::Value::Object(defs));
        value = serde_json::Value::Object(root);
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
