//! The `waymark` command as a user runs it: output, locations and exit codes.
#![allow(clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::path::Path;
use std::process::Command;

use expect_test::{Expect, expect};

fn waymark(args: &[&str]) -> (String, i32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out =
        Command::new(env!("CARGO_BIN_EXE_waymark")).args(args).current_dir(root).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (text, out.status.code().unwrap_or(-1))
}

fn lint(file: &str, expected: Expect) {
    let (out, code) = waymark(&["lint", &format!("crates/waymark-cli/tests/broken/{file}")]);
    assert_eq!(code, 1, "{out}");
    expected.assert_eq(&out);
}

#[test]
fn the_example_guides_are_clean() {
    let (out, code) = waymark(&["lint", "guides"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "5 guide(s) ok in 3 file(s); 0 error(s), 0 warning(s)\n");
}

#[test]
fn compile_writes_the_feed_the_agent_reads_and_carries_broken_guides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("guides.feed");
    let (text, code) = waymark(&["compile", "guides", "-o", &out.display().to_string()]);
    assert_eq!(code, 0, "{text}");
    let feed = waymark_core::wire::decode_feed(
        &std::fs::read(&out).expect("written"),
        &waymark_core::pattern::RegexLite,
    )
    .expect("a feed");
    assert_eq!(feed.guides.len(), 5);
    assert!(feed.broken.is_empty());
    assert!(
        text.ends_with(&format!(
            "{}: 5 guides, {} bytes\n",
            out.display(),
            std::fs::metadata(&out).expect("written").len()
        )),
        "{text}"
    );

    let (text, code) = waymark(&[
        "compile",
        "guides",
        "crates/waymark-cli/tests/broken/syntax.json",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(code, 1, "a broken guide fails the build: {text}");
    let feed = waymark_core::wire::decode_feed(
        &std::fs::read(&out).expect("written"),
        &waymark_core::pattern::RegexLite,
    )
    .expect("a feed");
    assert_eq!(feed.guides.len(), 5, "the good guides are still in");
    assert!(
        feed.broken.iter().any(|b| b.message.contains("syntax.json:5:50: error[syntax]")),
        "{:?}",
        feed.broken
    );
}

#[test]
fn a_syntax_error_is_located() {
    lint(
        "syntax.json",
        expect![[r#"
        crates/waymark-cli/tests/broken/syntax.json:5:50: error[syntax]: invalid JSON: trailing comma
          at /

        0 guide(s) ok in 1 file(s); 1 error(s), 0 warning(s)
    "#]],
    );
}

#[test]
fn misspelt_keys_and_values_get_a_did_you_mean() {
    lint(
        "typos.json",
        expect![[r#"
            crates/waymark-cli/tests/broken/typos.json:4:3: error[unknown-field]: unknown field `priorty`
              at /priorty (guide `typos`)
              expected: one of `$schema`, `id`, `name`, `version`, `priority`, `locales`, `audience`, `trigger`, `frequency`, `steps`, `features`, `milestones`
              help: did you mean `priority`?

            crates/waymark-cli/tests/broken/typos.json:5:16: error[unknown-variant]: unknown trigger `page_lod`
              at /trigger/on (guide `typos`)
              expected: one of `page_load`, `element_appears`, `event`, `stall`, `manual`
              help: did you mean `page_load`?

            crates/waymark-cli/tests/broken/typos.json:6:18: error[unknown-variant]: unknown frequency mode `onse`
              at /frequency/mode (guide `typos`)
              expected: one of `once`, `until_completed`, `once_per_session`, `always`
              help: did you mean `once`?

            crates/waymark-cli/tests/broken/typos.json:8:30: error[unknown-field]: unknown field `selecter`
              at /steps/0/target/selecter (guide `typos`)
              expected: one of `selector`, `text`, `fallbacks`, `missing`
              help: did you mean `selector`?

            crates/waymark-cli/tests/broken/typos.json:9:18: error[unknown-variant]: unknown step kind `tooltipp`
              at /steps/1/kind (guide `typos`)
              expected: one of `tooltip`, `modal`, `hotspot`, `banner`
              help: did you mean `tooltip`?

            crates/waymark-cli/tests/broken/typos.json:10:62: error[unknown-variant]: unknown advance kind `clik`
              at /steps/2/advance/on (guide `typos`)
              expected: one of `next`, `click`, `input`, `url`, `appears`, `disappears`, `delay`, `event`
              help: did you mean `click`?

            crates/waymark-cli/tests/broken/typos.json:11:35: error[invalid-type]: expected a string, or an object mapping locales to strings like {"en": "…", "ja": "…"}, found integer `42`
              at /steps/3/title (guide `typos`)
              expected: a string, or an object mapping locales to strings like {"en": "…", "ja": "…"}

            crates/waymark-cli/tests/broken/typos.json:11:48: error[invalid-value]: duration `30` has no unit; write e.g. `30ms` or `30s`
              at /steps/3/stall_after (guide `typos`)

            0 guide(s) ok in 1 file(s); 8 error(s), 0 warning(s)
        "#]],
    );
}

#[test]
fn meaning_problems_are_all_reported_and_good_guides_still_load() {
    lint(
        "meaning.json",
        expect![[r#"
        crates/waymark-cli/tests/broken/meaning.json:7:18: error[invalid-regex]: invalid regular expression `^/projects/(`: found open group without closing ')'
          at /0/audience/urls/0/regex (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:7:47: error[invalid-value]: page rule `projects` must start with `/`
          at /0/audience/urls/1/prefix (guide `meaning`)
          help: rules match the path only, without host or query string

        crates/waymark-cli/tests/broken/meaning.json:8:54: error[invalid-value]: operator `gt` takes a number
          at /0/audience/when/value (guide `meaning`)
          expected: a number

        crates/waymark-cli/tests/broken/meaning.json:11:37: error[missing-translation]: the text is not translated
          at /0/steps/0/title (guide `meaning`)
          expected: an object with a text for each of `en`, `ja`

        crates/waymark-cli/tests/broken/meaning.json:11:73: error[impossible]: the step advances on `click` but has no target to click
          at /0/steps/0/advance/on (guide `meaning`)
          help: add a `target`

        crates/waymark-cli/tests/broken/meaning.json:12:9: error[duplicate-id]: duplicate step id `a`
          at /0/steps/1/id (guide `meaning`)
          help: first used by step 0

        crates/waymark-cli/tests/broken/meaning.json:12:32: error[invalid-selector]: invalid CSS selector `div::before`: `::before` is a pseudo-element, which cannot be a guide target; point at its element (near character 11)
          at /0/steps/1/target/selector (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:13:19: error[unsafe-content]: raw HTML is not allowed: `<b` (at character 1)
          at /0/steps/1/body/en (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:13:19: error[unsafe-content]: raw HTML is not allowed: `</b` (at character 6)
          at /0/steps/1/body/en (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:13:19: error[unsafe-link]: unsafe link `javascript:alert(1)`; links must be http(s), mailto or relative (at character 11)
          at /0/steps/1/body/en (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:14:53: error[missing-translation]: missing translation for `ja`
          at /0/steps/2/title (guide `meaning`)
          expected: texts for `en`, `ja`

        crates/waymark-cli/tests/broken/meaning.json:15:41: error[dangling-reference]: no step has the id `zz`
          at /0/steps/2/buttons/0/step (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:15:57: error[missing-field]: a `link` button needs a `url`
          at /0/steps/2/buttons/1 (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:17:54: error[invalid-selector]: invalid CSS selector `button[[`: an attribute selector needs a name, like `[data-id]` (near character 8)
          at /0/features/0/selector (guide `meaning`)

        crates/waymark-cli/tests/broken/meaning.json:18:83: error[dangling-reference]: no guide has the id `meanig`
          at /0/milestones/0/goal/guide (guide `meaning`)
          help: did you mean `meaning`?

        crates/waymark-cli/tests/broken/meaning.json:26:5: error[duplicate-id]: duplicate guide id `fine`
          at /2/id (guide `fine`)
          help: first defined at crates/waymark-cli/tests/broken/meaning.json:21:5

        crates/waymark-cli/tests/broken/meaning.json:29:20: error[duplicate-id]: duplicate feature id `export`
          at /2/features/0/id (guide `fine`)
          help: first defined at crates/waymark-cli/tests/broken/meaning.json:17:20

        1 guide(s) ok in 1 file(s); 17 error(s), 0 warning(s)
    "#]],
    );
}

#[test]
fn a_file_that_is_not_a_guide() {
    lint(
        "not-guides.json",
        expect![[r#"
        crates/waymark-cli/tests/broken/not-guides.json:1:1: error[invalid-type]: a guide file holds a guide object or a list of guides
          at /
          expected: an object or an array

        0 guide(s) ok in 1 file(s); 1 error(s), 0 warning(s)
    "#]],
    );
}

#[test]
fn json_output_for_machines() {
    let (out, code) = waymark(&["lint", "--format", "json", "crates/waymark-cli/tests/broken/typos.json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["errors"], 8);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "unknown-field");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(4), Some(3)));
    assert_eq!(first["pointer"], "/priorty");
    assert_eq!(first["found"], "priorty");
    assert_eq!(first["hint"], "did you mean `priority`?");
}

#[test]
fn usage_errors_exit_2() {
    let (out, code) = waymark(&["lint", "does/not/exist.json"]);
    assert_eq!(code, 2);
    assert!(out.contains("cannot read does/not/exist.json"), "{out}");
    assert_eq!(waymark(&["lint"]).1, 2);
    assert_eq!(waymark(&["frobnicate"]).1, 2);
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let (generated, code) = waymark(&["schema"]);
    assert_eq!(code, 0);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guides/schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "guides/schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -p waymark-cli` and commit it"
    );
}

#[test]
fn the_codemap_names_every_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for entry in std::fs::read_dir(root.join("crates")).expect("crates/") {
        let name = entry.expect("entry").file_name().to_string_lossy().to_string();
        assert!(
            map.contains(&format!("### `crates/{name}`")),
            "ARCHITECTURE.md has no section for crates/{name}"
        );
    }
}
