//! Maps JSON pointers to line and column in the source text, so that problems found on
//! parsed values can be reported where the author wrote them.

use std::cell::OnceCell;
use std::collections::HashMap;

#[cfg(feature = "diagnostics")]
use jsonc_parser::ast::{ObjectPropName, Value};
#[cfg(feature = "diagnostics")]
use jsonc_parser::common::Ranged;
#[cfg(feature = "diagnostics")]
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

#[cfg(feature = "diagnostics")]
use crate::diagnostic::escape_segment;

/// A source text with a lazily built index from JSON pointer to byte offset (built only
/// when a problem needs locating, so clean files never pay for it).
pub(crate) struct SourceMap<'a> {
    text: &'a str,
    index: OnceCell<HashMap<String, usize>>,
}

impl<'a> SourceMap<'a> {
    /// Wraps `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, index: OnceCell::new() }
    }

    /// Line and column (1-based) of the value at `pointer`, or of its nearest ancestor.
    pub(crate) fn locate(&self, pointer: &str) -> (usize, usize) {
        let index = self.index.get_or_init(|| build_index(self.text));
        let mut p = pointer;
        loop {
            if let Some(&offset) = index.get(p) {
                return line_col(self.text, offset);
            }
            match p.rfind('/') {
                Some(cut) => p = p.get(..cut).unwrap_or(""),
                None => return (1, 1),
            }
        }
    }
}

/// Line and column (1-based, column in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Without the `diagnostics` feature nothing is indexed: problems point at line 1.
#[cfg(not(feature = "diagnostics"))]
fn build_index(_: &str) -> HashMap<String, usize> {
    HashMap::new()
}

#[cfg(feature = "diagnostics")]
fn build_index(text: &str) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    if let Ok(parsed) = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
        && let Some(value) = &parsed.value
    {
        walk(value, String::new(), value.start(), &mut index);
    }
    index
}

/// Records every value; object members are located at their key, so an unknown or
/// misspelt field points at its name.
#[cfg(feature = "diagnostics")]
fn walk(value: &Value<'_>, pointer: String, at: usize, index: &mut HashMap<String, usize>) {
    match value {
        Value::Object(obj) => {
            for prop in &obj.properties {
                let name = match &prop.name {
                    ObjectPropName::String(s) => s.value.as_ref(),
                    ObjectPropName::Word(w) => w.value,
                };
                let child = format!("{pointer}/{}", escape_segment(name));
                walk(&prop.value, child, prop.range.start, index);
            }
        }
        Value::Array(arr) => {
            for (i, el) in arr.elements.iter().enumerate() {
                walk(el, format!("{pointer}/{i}"), el.start(), index);
            }
        }
        _ => {}
    }
    index.insert(pointer, at);
}

#[cfg(all(test, feature = "diagnostics"))]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_elements_and_ancestors() {
        let text = "{\n  \"steps\": [\n    {\"id\": \"a\"},\n    {\"id\": \"ｂ\", \"x\": 1}\n  ]\n}";
        let map = SourceMap::new(text);
        assert_eq!(map.locate(""), (1, 1));
        assert_eq!(map.locate("/steps"), (2, 3));
        assert_eq!(map.locate("/steps/1"), (4, 5));
        assert_eq!(map.locate("/steps/1/x"), (4, 17));
        assert_eq!(map.locate("/steps/1/missing/deeper"), (4, 5));
    }
}
