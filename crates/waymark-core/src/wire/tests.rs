use proptest::prelude::*;

use super::*;
use crate::compile::{AnySelector, SelectorCheck, Source, load};
use crate::pattern::RegexLite;

/// A guide that uses every variant the feed encodes.
const RICH: &str = r##"[
  { "id": "rich", "name": "Rich", "version": 3, "priority": -2, "locales": ["en"],
    "audience": {
      "urls": [{ "exact": "/a" }, { "prefix": "/b/" }, { "glob": "/p/*/edit" }, { "regex": "^/r/[0-9]+$" }],
      "exclude_urls": [{ "prefix": "/admin" }],
      "locales": ["en", "ja"],
      "when": { "all": [
        { "attr": "user.role", "op": "in", "value": ["admin", 3, -4, 2.5, true, null, {"k": [1]}] },
        { "not": { "attr": "account.plan", "op": "eq", "value": "free" } },
        { "any": [ { "attr": "account.seats", "op": "gte", "value": 10 },
                   { "attr": "user.created_at", "op": "after", "value": "-14d" },
                   { "attr": "user.created_at", "op": "before", "value": "2026-01-31" },
                   { "attr": "locale", "op": "starts_with", "value": "ja" },
                   { "attr": "user.id", "op": "exists" },
                   { "attr": "account.id", "op": "not_exists" } ] } ] } },
    "trigger": { "on": "stall", "kinds": ["rage_click", "u_turn"], "selector": "#form" },
    "frequency": { "mode": "until_completed", "cooldown": "2d" },
    "steps": [
      { "id": "one", "kind": "hotspot", "placement": "left",
        "target": { "selector": "#x", "text": "Go", "fallbacks": [".y"], "missing": { "wait": "2s", "then": "center" } },
        "title": { "en": "Hello" },
        "body": "Some **bold** and *em* `code` [link](https://example.com/a)  \nnext\n\n1. one\n2. two",
        "buttons": [{ "action": "goto", "step": "three", "label": "Skip" }, { "action": "link", "url": "/help" },
                    { "action": "next" }],
        "advance": { "on": "input", "when": { "pattern": "[a-z]+" } }, "stall_after": "45s" },
      { "id": "two", "kind": "banner", "title": "T", "page": { "glob": "/p/**" },
        "advance": { "on": "url", "url": { "regex": "/done$" } } },
      { "id": "three", "kind": "modal", "title": "M", "body": { "en": "- a\n- b" },
        "advance": { "on": "delay", "after": "3s" } },
      { "id": "four", "title": "A", "target": { "selector": "#a" }, "advance": { "on": "appears", "selector": ".ok" } },
      { "id": "five", "title": "D", "target": { "selector": "#a" }, "advance": { "on": "disappears", "selector": ".spin" } },
      { "id": "six", "title": "E", "target": { "selector": "#a" }, "advance": { "on": "event", "name": "saved" } },
      { "id": "seven", "title": "C", "target": { "selector": "#a" }, "advance": { "on": "click" } },
      { "id": "eight", "title": "I", "target": { "selector": "#a" }, "advance": { "on": "input", "when": { "min_length": 3 } } },
      { "id": "nine", "kind": "modal", "title": "V", "buttons": [{ "action": "back" }, { "action": "done" }, { "action": "dismiss" }] }
    ],
    "features": [{ "id": "export", "name": "Export", "selector": "#export" }],
    "milestones": [
      { "id": "m1", "name": "M1", "goal": { "kind": "guide_completed", "guide": "rich" } },
      { "id": "m2", "name": "M2", "goal": { "kind": "feature_used", "feature": "export", "times": 2 }, "users": 3 },
      { "id": "m3", "name": "M3", "goal": { "kind": "event", "name": "saved" } } ] },
  { "id": "others", "name": "Others", "trigger": { "on": "element_appears", "selector": "#late" },
    "frequency": { "mode": "always" },
    "steps": [{ "id": "a", "title": "x", "target": { "selector": "#in" }, "advance": { "on": "input", "when": "valid" } }] },
  { "id": "evented", "name": "Evented", "trigger": { "on": "event", "name": "go" }, "frequency": { "mode": "once_per_session" },
    "steps": [{ "id": "a", "title": "x", "target": { "selector": "#in" }, "advance": { "on": "input" } }] },
  { "id": "manual", "name": "Manual", "trigger": { "on": "manual" },
    "steps": [{ "id": "a", "kind": "modal", "title": "x" }] }
]"##;

fn examples() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("schema.json"))
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect();
    files.sort();
    files.push(("rich.json".into(), RICH.into()));
    files
}

fn decode(bytes: &[u8]) -> Result<Feed, WireError> {
    decode_feed(bytes, &RegexLite)
}

fn load_all(files: &[(String, String)]) -> Loaded {
    let sources: Vec<Source<'_>> = files.iter().map(|(n, t)| Source { name: n, text: t }).collect();
    load(&sources, &AnySelector)
}

/// The audience as it travels: its locales.
fn as_travelling(a: &crate::format::Audience) -> crate::format::Audience {
    crate::format::Audience { locales: a.locales.clone(), ..Default::default() }
}

#[test]
fn every_guide_survives_the_feed_exactly() {
    let loaded = load_all(&examples());
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    assert!(loaded.guides.len() >= 6);
    let bytes = encode_feed(&loaded);
    let feed = decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(feed.broken.is_empty());
    assert_eq!(feed.guides.len(), loaded.guides.len());
    for (a, b) in loaded.guides.iter().zip(&feed.guides) {
        // Debug shows the compiled parts too (conditions, blocks, patterns). The authored
        // page rules and audience condition do not travel (only their compiled forms do),
        // nor do names.
        let mut a = a.clone();
        a.spec.audience = as_travelling(&a.spec.audience);
        (a.spec.schema, a.spec.name) = (None, String::new());
        for s in &mut a.spec.steps {
            s.page = None;
        }
        for f in &mut a.spec.features {
            f.name = String::new();
        }
        for m in &mut a.spec.milestones {
            m.name = String::new();
        }
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    let again = Loaded { guides: feed.guides, diagnostics: Vec::new() };
    assert_eq!(encode_feed(&again), bytes, "re-encoding gives the same bytes");
}

#[test]
fn the_feed_is_smaller_than_the_json_it_came_from() {
    let files = examples();
    let json: usize = files.iter().map(|(_, t)| t.len()).sum();
    let feed = encode_feed(&load_all(&files)).len();
    assert!(feed < json, "feed {feed} B, json {json} B");
}

#[test]
fn broken_guides_travel_as_located_errors() {
    let files = vec![
        (
            "bad.json".to_string(),
            r#"{ "id": "bad", "steps": [{ "id": "x", "advance": { "on": "clik" } }] }"#.to_string(),
        ),
        (
            "ok.json".to_string(),
            r#"{ "id": "ok", "name": "O", "steps": [{ "id": "x", "kind": "modal", "title": "t" }] }"#
                .to_string(),
        ),
    ];
    let feed = decode(&encode_feed(&load_all(&files))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feed.guides.iter().map(Guide::id).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(feed.broken.len(), 1);
    assert_eq!(feed.broken[0].guide.as_deref(), Some("bad"));
    assert!(feed.broken[0].message.starts_with("bad.json:1:"), "{}", feed.broken[0].message);
    assert!(feed.broken[0].message.contains("did you mean `click`?"), "{}", feed.broken[0].message);
    assert!(
        feed.broken[0].message.contains("`name`"),
        "both errors of the guide: {}",
        feed.broken[0].message
    );
}

#[test]
fn guides_with_selectors_the_page_refuses_are_moved_to_broken() {
    struct NoBrackets;
    impl SelectorCheck for NoBrackets {
        fn check(&self, s: &str) -> Result<(), String> {
            if s.contains('[') { Err("the browser cannot parse it".into()) } else { Ok(()) }
        }
    }
    let files = vec![
        ("a.json".to_string(), r##"{ "id": "a", "name": "A", "steps": [{ "id": "x", "title": "t", "target": { "selector": "#ok", "fallbacks": ["#a[["] } }] }"##.to_string()),
        ("b.json".to_string(), r##"{ "id": "b", "name": "B", "steps": [{ "id": "x", "title": "t", "target": { "selector": "#fine" } }] }"##.to_string()),
    ];
    let mut feed = decode(&encode_feed(&load_all(&files))).unwrap_or_else(|e| panic!("{e}"));
    feed.check_selectors(&NoBrackets);
    assert_eq!(feed.guides.iter().map(Guide::id).collect::<Vec<_>>(), ["b"]);
    assert_eq!(
        feed.broken,
        [Broken {
            guide: Some("a".into()),
            message: "a.json: guide `a`: invalid selector `#a[[`: the browser cannot parse it".into()
        }]
    );
}

#[test]
fn guides_with_patterns_the_page_refuses_are_moved_to_broken() {
    struct NoFlags;
    impl crate::pattern::PatternCompiler for NoFlags {
        fn compile(&self, s: &str) -> Result<std::rc::Rc<dyn crate::pattern::Matcher>, String> {
            if s.contains("(?i)") {
                Err("inline flags are not supported".into())
            } else {
                RegexLite.compile(s)
            }
        }
    }
    let files = vec![
        ("a.json".to_string(), r#"{ "id": "a", "name": "A", "audience": { "urls": [{ "regex": "(?i)^/p" }] }, "steps": [{ "id": "x", "kind": "modal", "title": "t" }] }"#.to_string()),
        ("b.json".to_string(), r#"{ "id": "b", "name": "B", "steps": [{ "id": "x", "title": "t", "target": { "selector": "input" }, "advance": { "on": "input", "when": { "pattern": "(?i)yes" } } }] }"#.to_string()),
        ("c.json".to_string(), r#"{ "id": "c", "name": "C", "audience": { "urls": [{ "glob": "/p/*" }] }, "steps": [{ "id": "x", "kind": "modal", "title": "t" }] }"#.to_string()),
    ];
    let feed = decode_feed(&encode_feed(&load_all(&files)), &NoFlags).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feed.guides.iter().map(Guide::id).collect::<Vec<_>>(), ["c"]);
    assert_eq!(
        feed.broken,
        [
            Broken {
                guide: Some("a".into()),
                message: "a.json: guide `a`: a pattern this page cannot use: inline flags are not supported"
                    .into()
            },
            Broken {
                guide: Some("b".into()),
                message: "b.json: guide `b`: a pattern this page cannot use: inline flags are not supported"
                    .into()
            },
        ]
    );
}

#[test]
fn foreign_or_damaged_feeds_are_refused_with_a_place() {
    assert_eq!(decode(b"[{\"id\":1}]").err().map(|e| e.at), Some(0));
    let err = decode(b"WMF\x09").err();
    assert!(err.is_some_and(|e| e.at == 3 && e.what.contains("another version")));
    let bytes = encode_feed(&load_all(&examples()));
    for cut in 4..bytes.len() {
        assert!(decode(&bytes[..cut]).is_err(), "a feed cut at {cut} is refused");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(decode(&long).err().map(|e| e.what), Some("trailing bytes"));
}

#[test]
fn condition_values_round_trip_and_bad_numbers_are_refused() {
    use crate::json::Json;
    use crate::map::StrMap;
    let v = Json::Array(vec![
        Json::Null,
        Json::Bool(false),
        Json::Bool(true),
        Json::Number(-2.5),
        Json::from("日本"),
        Json::Object(StrMap::from([("k".to_string(), Json::Number(1.0))])),
    ]);
    let mut w = Writer::default();
    w.put(&v);
    assert_eq!(Reader::read::<Json>(&w.0), Ok(v));
    let mut nan = vec![3];
    nan.extend_from_slice(&f64::NAN.to_le_bytes());
    assert_eq!(Reader::read::<Json>(&nan).err().map(|e| e.what), Some("number is not finite"));
    assert_eq!(Reader::read::<Json>(&[9]).err(), Some(WireError { at: 1, what: "unknown value" }));
}

#[test]
fn deep_nesting_is_refused_before_it_can_exhaust_the_stack() {
    // A value that is an array in an array ... 10,000 deep.
    let mut w = Writer::default();
    for _ in 0..10_000 {
        w.byte(5);
        w.uint(1);
    }
    w.byte(0);
    let err = Reader::read::<crate::json::Json>(&w.0).err();
    assert_eq!(err.map(|e| e.what), Some("nested too deeply"));
}

#[test]
fn user_state_round_trips_and_old_or_damaged_state_is_refused() {
    let mut s = UserState::default();
    s.features.insert("export".into(), 3);
    s.milestones.add("m1".into());
    s.active = Some(crate::state::ActiveRun { guide: "g".into(), version: 2, step: 1, started: 5, seen: 9 });
    s.guides.insert(
        "g".into(),
        crate::state::GuideRecord { version: 2, starts: 1, last_start: Some(5), ..Default::default() },
    );
    assert_eq!(UserState::decode(&s.encode()), s);
    // The JSON of the first release, or damage, starts afresh rather than misreading.
    s.v = 1;
    assert_eq!(UserState::decode(&s.encode()), UserState::default());
    assert_eq!(UserState::decode(br#"{"v":1,"guides":{}}"#), UserState::default());
    assert!(decode_state(&[]).is_err());
}

proptest! {
    #[test]
    fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut framed = b"WMF\x01".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = decode(&framed);
        let _ = decode_state(&bytes);
    }

    #[test]
    fn flipped_bytes_of_a_real_feed_never_panic(at in 0usize..4096, to in any::<u8>()) {
        let mut bytes = encode_feed(&load_all(&examples()));
        let i = at % bytes.len();
        bytes[i] = to;
        let _ = decode(&bytes);
    }
}
