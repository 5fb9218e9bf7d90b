//! Minifies the cards' stylesheet into `OUT_DIR`: the readable source stays in
//! `src/style.css`, the wasm carries it without comments and spare whitespace.

use std::{env, fs, io, path::Path};

fn main() -> io::Result<()> {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = fs::read_to_string("src/style.css")?;
    let out = env::var("OUT_DIR").map_err(io::Error::other)?;
    fs::write(Path::new(&out).join("style.css"), minify(&css))
}

/// Drops comments, turns each run of whitespace into one space and drops that space next to
/// `{ } ; , >` and after `:`. A space before `:` stays (`.a :hover` is not `.a:hover`), and
/// the stylesheet has no quoted strings holding runs of whitespace.
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some((before, after)) = rest.split_once("/*") {
        text.push_str(before);
        rest = after.split_once("*/").map_or("", |(_, tail)| tail);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space
            && !out.ends_with(['{', '}', ';', ',', '>', ':'])
            && !matches!(c, '{' | '}' | ';' | ',' | '>')
        {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out.replace(";}", "}")
}
