//! Guide-text markdown: a small, safe, CommonMark-flavoured subset.
//!
//! Step titles and bodies are parsed once into a tiny AST ([`Block`], [`Inline`]) that the
//! browser agent renders as DOM text nodes, so author-written HTML never reaches the page.
//! Raw HTML, autolinks, images, headings and unsafe link targets are errors, all reported at
//! once with byte offsets. Emphasis uses CommonMark's delimiter-stack algorithm, which stays
//! linear on pathological input; nesting deeper than 32 levels is kept as literal text so
//! nothing downstream (drop, serde, renderers) recurses without bound.

use serde::{Deserialize, Serialize};

/// A block of rendered guide text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Block {
    /// Running text.
    Paragraph {
        /// The paragraph's content.
        inlines: Vec<Inline>,
    },
    /// A flat list (the source's start number is not kept: renderers number from 1).
    List {
        /// Numbered (`1.`) rather than bulleted (`-`).
        ordered: bool,
        /// Each item's content.
        items: Vec<Vec<Inline>>,
    },
}

/// Formatted text inside a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Inline {
    /// Literal text; adjacent text is always merged into one node.
    Text {
        /// The text, escapes resolved.
        text: String,
    },
    /// `**strong**` or `__strong__`.
    Strong {
        /// The content.
        children: Vec<Inline>,
    },
    /// `*emphasis*` or `_emphasis_`.
    Emphasis {
        /// The content.
        children: Vec<Inline>,
    },
    /// `` `code` ``, shown verbatim.
    Code {
        /// The literal code.
        text: String,
    },
    /// `[text](href)`; `href` passed [`is_safe_url`].
    Link {
        /// The target, escapes resolved.
        href: String,
        /// The link text.
        children: Vec<Inline>,
    },
    /// A hard line break (two trailing spaces or a trailing backslash).
    LineBreak,
}

/// A problem in guide text, located by byte offset into the source string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownError {
    /// Byte offset (at a char boundary) where the offending construct starts.
    pub offset: usize,
    /// Lower-case description quoting the offending piece.
    pub message: String,
}

/// Parses `src`; returns the blocks, or every problem found (not just the first).
pub fn parse(src: &str) -> Result<Vec<Block>, Vec<MarkdownError>> {
    let mut p = Blocks { src, ..Blocks::default() };
    let mut start = 0;
    for line in src.split('\n') {
        p.line(start, start + line.strip_suffix('\r').unwrap_or(line).len());
        start += line.len() + 1;
    }
    p.flush();
    if p.errors.is_empty() {
        return Ok(p.blocks);
    }
    p.errors.sort_by_key(|e| e.offset);
    Err(p.errors)
}

/// Whether a link target is allowed: http, https, mailto, or a relative URL.
pub fn is_safe_url(href: &str) -> bool {
    // Browsers drop tabs/newlines anywhere and trim controls: `java\tscript:` is javascript:.
    let url: String = href.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let Some((scheme, _)) = url.split_once(':') else {
        return !url.is_empty();
    };
    // A `/`, `?` or `#` before the first colon makes it a relative URL, not a scheme.
    scheme.contains(['/', '?', '#'])
        || ["http", "https", "mailto"].iter().any(|k| scheme.eq_ignore_ascii_case(k))
}

/// The text with formatting removed (for ARIA labels and previews); list items on their own
/// lines, paragraphs separated by a blank line.
pub fn plain_text(blocks: &[Block]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph { inlines } => plain(inlines),
            Block::List { items, .. } => items.iter().map(|i| plain(i)).collect::<Vec<_>>().join("\n"),
        })
        .collect();
    parts.join("\n\n")
}

fn plain(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text { text } | Inline::Code { text } => out.push_str(text),
            Inline::Strong { children } | Inline::Emphasis { children } => out += &plain(children),
            Inline::Link { children, .. } => out += &plain(children),
            Inline::LineBreak => out.push('\n'),
        }
    }
    out
}

// ---------------------------------------------------------------- blocks

/// The block being collected; blocks and list items are `(start, end)` byte ranges of `src`.
#[derive(Default)]
enum Cur {
    #[default]
    None,
    Para(usize, usize),
    List(bool, Vec<(usize, usize)>, bool), // ordered, items, blank line seen
}

#[derive(Default)]
struct Blocks<'a> {
    src: &'a str,
    blocks: Vec<Block>,
    errors: Vec<MarkdownError>,
    cur: Cur,
}

impl Blocks<'_> {
    fn line(&mut self, start: usize, end: usize) {
        let line = self.src.get(start..end).unwrap_or("");
        if line.trim().is_empty() {
            // A blank line ends a paragraph; a list survives it if another item follows.
            match &mut self.cur {
                Cur::List(_, _, blank) => *blank = true,
                _ => self.flush(),
            }
            return;
        }
        // Nested lists are unsupported: inside a list, an indented item joins the same list.
        let item = list_marker(line, if matches!(self.cur, Cur::List(..)) { usize::MAX } else { 3 });
        let body = start + item.map_or(line.len() - line.trim_start_matches([' ', '\t']).len(), |(_, at)| at);
        if is_heading(self.src.get(body..end).unwrap_or("")) {
            let msg = "headings are not supported in guide text; use the step title";
            self.errors.push(error(body, msg.to_owned()));
        }
        match (&mut self.cur, item) {
            (Cur::List(o, items, blank), Some((ordered, _))) if *o == ordered => {
                *blank = false;
                items.push((body, end));
            }
            (Cur::Para(_, e), None) => *e = end,
            (Cur::List(_, items, false), None) => {
                if let Some((_, e)) = items.last_mut() {
                    *e = end; // lazy continuation
                }
            }
            (_, item) => {
                self.flush();
                self.cur = match item {
                    Some((ordered, _)) => Cur::List(ordered, vec![(body, end)], false),
                    None => Cur::Para(body, end),
                };
            }
        }
    }

    fn flush(&mut self) {
        match std::mem::take(&mut self.cur) {
            Cur::None => {}
            Cur::Para(start, end) => {
                let inlines = self.inlines(start, end);
                self.blocks.push(Block::Paragraph { inlines });
            }
            Cur::List(ordered, items, _) => {
                let items = items.into_iter().map(|(s, e)| self.inlines(s, e)).collect();
                self.blocks.push(Block::List { ordered, items });
            }
        }
    }

    fn inlines(&mut self, start: usize, end: usize) -> Vec<Inline> {
        let text = self.src.get(start..end).unwrap_or("").trim_end_matches([' ', '\t']);
        let (inlines, errors) = parse_inlines(text);
        for e in errors {
            self.errors.push(error(start + e.offset, e.message));
        }
        inlines
    }
}

fn error(offset: usize, message: String) -> MarkdownError {
    MarkdownError { offset, message }
}

/// `Some((ordered, content offset))` if `line` is a list item (`- `, `* `, `1. `, `2) `).
fn list_marker(line: &str, max_indent: usize) -> Option<(bool, usize)> {
    let body = line.trim_start_matches([' ', '\t']);
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = match digits {
        _ if line.len() - body.len() > max_indent => return None,
        0 if body.starts_with(['-', '*']) => 1,
        1..=9 if body.get(digits..)?.starts_with(['.', ')']) => digits + 1,
        _ => return None,
    };
    let rest = body.get(marker..)?;
    let content = rest.trim_start_matches([' ', '\t']);
    (content.len() < rest.len()).then_some((digits > 0, line.len() - content.len()))
}

fn is_heading(body: &str) -> bool {
    let rest = body.trim_start_matches('#');
    (1..=6).contains(&(body.len() - rest.len())) && (rest.is_empty() || rest.starts_with([' ', '\t']))
}

// ---------------------------------------------------------------- inlines

/// A run of `*` or `_`; `marks` records its matches as (closes, strong), innermost first.
struct Delim {
    ch: char,
    len: usize,
    left: usize,
    open: bool,
    close: bool,
    marks: Vec<(bool, bool)>,
}

enum Tok {
    Node(Inline),
    Delim(Delim),
    Link(String), // opening bracket of a formed link
    Close,
}

/// An open `[` (or `![`): its token, offset, and the delimiter count when it opened.
struct Bracket(usize, usize, bool, usize);

#[derive(Default)]
struct Inlines<'a> {
    s: &'a str,
    toks: Vec<Tok>,
    text: String,
    delims: Vec<usize>,
    brackets: Vec<Bracket>,
    inactive_below: usize, // brackets below this height may not form links: links don't nest
    no_code_close: Vec<usize>, // backtick run lengths with no closer further on (keeps it linear)
    errors: Vec<MarkdownError>,
}

fn parse_inlines(s: &str) -> (Vec<Inline>, Vec<MarkdownError>) {
    let mut p = Inlines { s, ..Inlines::default() };
    let mut i = 0;
    while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
        i = p.step(c, i);
    }
    p.flush();
    let delims = std::mem::take(&mut p.delims);
    process_emphasis(&mut p.toks, delims);
    (build(p.toks), p.errors)
}

impl Inlines<'_> {
    fn step(&mut self, c: char, i: usize) -> usize {
        let rest = self.s.get(i + c.len_utf8()..).unwrap_or("");
        let crlf = usize::from(rest.starts_with('\r'));
        match c {
            '\\' if rest.get(crlf..).is_some_and(|r| r.starts_with('\n')) => self.newline(i + 1 + crlf, true),
            '\\' => match rest.chars().next() {
                Some(p) if p.is_ascii_punctuation() => self.literal(p, i + 2),
                _ => self.literal('\\', i + 1),
            },
            '\n' => self.newline(i, false),
            '`' => self.code(i),
            '*' | '_' => self.delim(c, i),
            '[' => self.open_bracket(i, false),
            '!' if rest.starts_with('[') => self.open_bracket(i, true),
            ']' => self.close_bracket(i),
            '<' => self.angle(i, rest),
            _ => self.literal(c, i + c.len_utf8()),
        }
    }

    fn literal(&mut self, c: char, next: usize) -> usize {
        self.text.push(c);
        next
    }

    fn node(&mut self, node: Inline, next: usize) -> usize {
        self.flush();
        self.toks.push(Tok::Node(node));
        next
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.toks.push(Tok::Node(Inline::Text { text }));
        }
    }

    /// A newline at `nl`: a soft break (a space) or, after two spaces or `\`, a hard one.
    fn newline(&mut self, nl: usize, hard: bool) -> usize {
        let text = self.text.trim_end_matches('\r');
        let hard = hard || text.ends_with("  ");
        self.text.truncate(text.trim_end_matches(' ').len());
        let rest = self.s.get(nl + 1..).unwrap_or("");
        let next = nl + 1 + rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if hard { self.node(Inline::LineBreak, next) } else { self.literal(' ', next) }
    }

    fn code(&mut self, i: usize) -> usize {
        let n = run_len(self.s, i, '`');
        let found = (!self.no_code_close.contains(&n)).then(|| find_backticks(self.s, i + n, n));
        let Some(end) = found.flatten() else {
            self.no_code_close.push(n);
            self.text.push_str(self.s.get(i..i + n).unwrap_or(""));
            return i + n;
        };
        let raw = self.s.get(i + n..end).unwrap_or("");
        let raw = raw.replace("\r\n", " ").replace('\n', " ");
        // One space of padding on both sides is stripped, unless the span is all spaces.
        let padded =
            raw.len() > 2 && raw.starts_with(' ') && raw.ends_with(' ') && !raw.trim_matches(' ').is_empty();
        let text = if padded { raw.get(1..raw.len() - 1).unwrap_or("").to_owned() } else { raw };
        self.node(Inline::Code { text }, end + n)
    }

    fn delim(&mut self, ch: char, i: usize) -> usize {
        let n = run_len(self.s, i, ch);
        let before = self.s.get(..i).and_then(|b| b.chars().next_back());
        let after = self.s.get(i + n..).and_then(|a| a.chars().next());
        let ws = |c: Option<char>| c.is_none_or(char::is_whitespace);
        let punct = is_punct;
        let left = !ws(after) && (!punct(after) || ws(before) || punct(before));
        let right = !ws(before) && (!punct(before) || ws(after) || punct(after));
        // `_` must sit at a word boundary, so snake_case_names stay text.
        let underscore = ch == '_';
        let open = left && (!underscore || !right || punct(before));
        let close = right && (!underscore || !left || punct(after));
        self.flush();
        self.delims.push(self.toks.len());
        let marks = Vec::new();
        self.toks.push(Tok::Delim(Delim { ch, len: n, left: n, open, close, marks }));
        i + n
    }

    fn open_bracket(&mut self, i: usize, image: bool) -> usize {
        self.flush();
        let text = if image { "![" } else { "[" }.to_owned();
        self.brackets.push(Bracket(self.toks.len(), i, image, self.delims.len()));
        self.node(Inline::Text { text }, i + 1 + usize::from(image))
    }

    fn close_bracket(&mut self, i: usize) -> usize {
        let Some(Bracket(tok, off, image, delims)) = self.brackets.pop() else {
            return self.literal(']', i + 1);
        };
        let height = self.brackets.len();
        let active = image || height >= self.inactive_below;
        self.inactive_below = self.inactive_below.min(height);
        let Some((href, end)) = active.then(|| link_dest(self.s, i + 1)).flatten() else {
            return self.literal(']', i + 1);
        };
        let label = self.s.get(off + 1 + usize::from(image)..i).unwrap_or("");
        let mut err = |msg: String| self.errors.push(error(off, msg));
        if image {
            err("images are not supported in guide text".to_owned());
        } else {
            self.inactive_below = height;
            if label.trim().is_empty() {
                err("link text is empty".to_owned());
            }
            if href.is_empty() {
                err("link target is empty".to_owned());
            } else if !is_safe_url(&href) {
                let href = clip(&href, 40);
                err(format!("unsafe link `{href}`; links must be http(s), mailto or relative"));
            }
        }
        self.flush();
        let inner = self.delims.split_off(delims.min(self.delims.len()));
        process_emphasis(&mut self.toks, inner);
        if let Some(t) = self.toks.get_mut(tok) {
            *t = Tok::Link(href);
        }
        self.toks.push(Tok::Close);
        end
    }

    fn angle(&mut self, i: usize, rest: &str) -> usize {
        if let Some(url) = autolink(rest) {
            let mailto = if url.contains(':') { "" } else { "mailto:" };
            let msg = format!("autolinks are not supported; write [text]({mailto}{url})");
            self.errors.push(error(i, msg));
            return i + url.len() + 2;
        }
        if rest.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            let tag = rest.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>')).next();
            let msg = format!("raw HTML is not allowed: `<{}`", clip(tag.unwrap_or(""), 19));
            self.errors.push(error(i, msg));
        }
        self.literal('<', i + 1)
    }
}

fn clip(s: &str, chars: usize) -> &str {
    s.char_indices().nth(chars).and_then(|(i, _)| s.get(..i)).unwrap_or(s)
}

fn is_punct(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_punctuation() || !(c.is_ascii() || c.is_alphanumeric() || c.is_whitespace()))
}

fn run_len(s: &str, i: usize, ch: char) -> usize {
    s.get(i..).map_or(0, |r| r.len() - r.trim_start_matches(ch).len())
}

fn find_backticks(s: &str, mut from: usize, n: usize) -> Option<usize> {
    loop {
        let p = from + s.get(from..)?.find('`')?;
        from = p + run_len(s, p, '`');
        if from - p == n {
            return Some(p);
        }
    }
}

/// `<scheme:...>` or `<user@host.tld>`: returns the part between the angle brackets.
fn autolink(rest: &str) -> Option<&str> {
    let end = rest.find(|c: char| matches!(c, '<' | '>') || c.is_whitespace() || c.is_control())?;
    let (inner, after) = rest.split_at_checked(end)?;
    let scheme = inner.split_once(':').is_some_and(|(s, _)| {
        let valid = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
        valid && (2..=32).contains(&s.len()) && s.starts_with(|c: char| c.is_ascii_alphabetic())
    });
    let email =
        inner.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !inner.contains(':'));
    (after.starts_with('>') && (scheme || email)).then_some(inner)
}

/// Parses `(dest "optional title")` at `j`; returns the unescaped dest and the offset after `)`.
fn link_dest(s: &str, j: usize) -> Option<(String, usize)> {
    const WS: [char; 4] = [' ', '\t', '\r', '\n'];
    let t = s.get(j..)?.strip_prefix('(')?.trim_start_matches(WS);
    let (raw, after) = if let Some(p) = t.strip_prefix('<') {
        let (raw, rest) = p.split_at_checked(scan(p, |c| matches!(c, '>' | '<' | '\n'))?)?;
        (raw, rest.strip_prefix('>')?)
    } else {
        // Parentheses must balance; CommonMark's depth limit keeps `[](` spam linear.
        let mut depth = 0i32;
        let end = scan(t, |c| {
            depth += i32::from(c == '(') - i32::from(c == ')');
            !(0..=32).contains(&depth) || c.is_ascii_whitespace() || c.is_ascii_control()
        })?;
        (depth <= 0).then_some(())?;
        t.split_at_checked(end)?
    };
    let mut u = after.trim_start_matches(WS);
    if let Some(q @ ('"' | '\'' | '(')) = u.chars().next().filter(|_| u.len() < after.len()) {
        let body = u.get(1..)?;
        let close = scan(body, |c| c == if q == '(' { ')' } else { q })?;
        u = body.get(close + 1..)?.trim_start_matches(WS);
    }
    let rest = u.strip_prefix(')')?;
    Some((unescape(raw), s.len() - rest.len()))
}

/// Byte offset of the first char, not backslash-escaped, for which `stop` holds.
fn scan(s: &str, mut stop: impl FnMut(char) -> bool) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if !escaped && c != '\\' && stop(c) {
            return Some(i);
        }
        escaped = !escaped && c == '\\';
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '\\' && n.is_ascii_punctuation() => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out
}

fn delim_at(toks: &[Tok], i: usize) -> Option<&Delim> {
    match toks.get(i) {
        Some(Tok::Delim(d)) => Some(d),
        _ => None,
    }
}

/// CommonMark's "process emphasis" over `delims` (token indices, in order), recording matches
/// in the runs. Openers live on a stack; `bottom` remembers, per closer kind, the height
/// below which a search already failed, so unmatched delimiters are not rescanned.
fn process_emphasis(toks: &mut [Tok], delims: Vec<usize>) {
    let mut openers: Vec<usize> = Vec::new();
    let mut bottom = [0usize; 12];
    for d in delims {
        let Some(c) = delim_at(toks, d) else { continue };
        let (ch, len, open, close) = (c.ch, c.len, c.open, c.close);
        let key = usize::from(ch == '_') * 6 + usize::from(open) * 3 + len % 3;
        let fits = |o: &Delim| {
            let both3 = o.len.is_multiple_of(3) && len.is_multiple_of(3);
            let rule_of_3 = (o.close || open) && (o.len + len).is_multiple_of(3) && !both3;
            o.ch == ch && o.left > 0 && !rule_of_3
        };
        while close && delim_at(toks, d).is_some_and(|c| c.left > 0) {
            let floor = bottom.get(key).copied().unwrap_or(0);
            let found = (floor..openers.len())
                .rev()
                .find(|&p| openers.get(p).and_then(|&o| delim_at(toks, o)).is_some_and(fits));
            let Some(p) = found else {
                if let Some(b) = bottom.get_mut(key) {
                    *b = openers.len();
                }
                break;
            };
            openers.truncate(p + 1); // delimiters between opener and closer can no longer match
            let Some(&o) = openers.last() else { break };
            let strong = [o, d].iter().all(|&x| delim_at(toks, x).is_some_and(|x| x.left >= 2));
            for (x, closes) in [(o, false), (d, true)] {
                if let Some(Tok::Delim(x)) = toks.get_mut(x) {
                    x.left = x.left.saturating_sub(1 + usize::from(strong));
                    x.marks.push((closes, strong));
                }
            }
            if delim_at(toks, o).is_some_and(|o| o.left == 0) {
                openers.pop();
            }
            bottom.iter_mut().for_each(|b| *b = (*b).min(openers.len()));
        }
        if open && delim_at(toks, d).is_some_and(|c| c.left > 0) {
            openers.push(d);
        }
    }
}

const MAX_NESTING: usize = 32;

/// Builds the tree: each open frame is the node being built and its children. Frames deeper
/// than [`MAX_NESTING`] are not pushed; their markers become text (`flat` holds closing ones).
#[derive(Default)]
struct Tree {
    stack: Vec<(Inline, Vec<Inline>)>,
    root: Vec<Inline>,
    flat: Vec<String>,
}

impl Tree {
    fn add(&mut self, node: Inline) {
        let v = self.stack.last_mut().map_or(&mut self.root, |(_, v)| v);
        match (v.last_mut(), &node) {
            (_, Inline::Text { text }) if text.is_empty() => {}
            (Some(Inline::Text { text: last }), Inline::Text { text }) => last.push_str(text),
            _ => v.push(node),
        }
    }
    fn open(&mut self, frame: Inline, marker: String) {
        if self.stack.len() < MAX_NESTING {
            return self.stack.push((frame, Vec::new()));
        }
        let text = marker.clone();
        self.add(Inline::Text { text });
        self.flat.push(marker);
    }
    fn close(&mut self) {
        if let Some(text) = self.flat.pop() {
            return self.add(Inline::Text { text });
        }
        let Some((frame, children)) = self.stack.pop() else {
            return;
        };
        self.add(match frame {
            Inline::Link { href, .. } => Inline::Link { href, children },
            Inline::Strong { .. } => Inline::Strong { children },
            _ => Inline::Emphasis { children },
        });
    }
}

fn build(toks: Vec<Tok>) -> Vec<Inline> {
    let mut tree = Tree::default();
    for tok in toks {
        match tok {
            Tok::Node(node) => tree.add(node),
            Tok::Link(href) => tree.open(Inline::Link { href, children: vec![] }, String::new()),
            Tok::Close => tree.close(),
            Tok::Delim(d) => {
                for _ in d.marks.iter().filter(|(closes, _)| *closes) {
                    tree.close();
                }
                let text = d.ch.to_string().repeat(d.left); // unmatched: literal
                tree.add(Inline::Text { text });
                for &(_, strong) in d.marks.iter().rev().filter(|(closes, _)| !closes) {
                    let (children, marker) = (vec![], d.ch.to_string().repeat(1 + usize::from(strong)));
                    let frame =
                        if strong { Inline::Strong { children } } else { Inline::Emphasis { children } };
                    tree.open(frame, marker);
                }
            }
        }
    }
    while !tree.stack.is_empty() || !tree.flat.is_empty() {
        tree.close();
    }
    tree.root
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Renders a parse as compact HTML-like text, or its errors as `@offset message` lines;
    /// also checks that no empty or adjacent text nodes were left unmerged.
    fn md(src: &str) -> String {
        let Ok(blocks) = parse(src) else {
            let errors = parse(src).unwrap_err().into_iter();
            return errors.map(|e| format!("@{} {}", e.offset, e.message)).collect::<Vec<_>>().join("\n");
        };
        let block = |b: &Block| match b {
            Block::Paragraph { inlines } => format!("<p>{}</p>", html(inlines)),
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let items: String = items.iter().map(|i| format!("<li>{}</li>", html(i))).collect();
                format!("<{tag}>{items}</{tag}>")
            }
        };
        blocks.iter().map(block).collect()
    }

    fn html(inlines: &[Inline]) -> String {
        let text = |i: &Inline| matches!(i, Inline::Text { .. });
        assert!(!inlines.windows(2).any(|w| w.iter().all(text)), "unmerged: {inlines:?}");
        let render = |i: &Inline| match i {
            Inline::Text { text } if text.is_empty() => "EMPTY TEXT NODE".to_owned(),
            Inline::Text { text } => text.clone(),
            Inline::Strong { children } => format!("<b>{}</b>", html(children)),
            Inline::Emphasis { children } => format!("<i>{}</i>", html(children)),
            Inline::Code { text } => format!("<code>{text}</code>"),
            Inline::Link { href, children } => format!("<a {href}>{}</a>", html(children)),
            Inline::LineBreak => "<br>".to_owned(),
        };
        inlines.iter().map(render).collect()
    }

    fn check(cases: &[(&str, &str)]) {
        for (src, want) in cases {
            assert_eq!(md(src), *want, "source: {src:?}");
        }
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        check(&[
            ("", ""),
            ("a\r\n  b\n\n \n\nc", "<p>a b</p><p>c</p>"),
            ("a  \nb\\\nc\\\r\nd  \r\ne  ", "<p>a<br>b<br>c<br>d<br>e</p>"),
            ("a \\", "<p>a \\</p>"),
        ]);
    }

    #[test]
    fn lists_are_flat_with_lazy_continuation() {
        check(&[
            (
                "- a\n* b\nlazy\n    - flat\n\n- after blank",
                "<ul><li>a</li><li>b lazy</li><li>flat</li><li>after blank</li></ul>",
            ),
            (
                "Steps:\n1. one\n10) ten\n- x\n\ny",
                "<p>Steps:</p><ol><li>one</li><li>ten</li></ol><ul><li>x</li></ul><p>y</p>",
            ),
            ("- a\n\nnot lazy", "<ul><li>a</li></ul><p>not lazy</p>"),
            ("- \n   - *b*", "<ul><li></li><li><i>b</i></li></ul>"),
            ("-a\n1.b\n    - c\n1234567890. d", "<p>-a 1.b - c 1234567890. d</p>"),
        ]);
    }

    #[test]
    fn emphasis_nests() {
        check(&[
            ("**s** __s__ *e* _e_", "<p><b>s</b> <b>s</b> <i>e</i> <i>e</i></p>"),
            ("**bold *and em***", "<p><b>bold <i>and em</i></b></p>"),
            ("***x*** *a **b** c*", "<p><i><b>x</b></i> <i>a <b>b</b> c</i></p>"),
            ("*a\nb*", "<p><i>a b</i></p>"),
        ]);
    }

    #[test]
    fn snake_case_and_unclosed_delimiters_are_text() {
        check(&[
            ("snake_case_names __init__x", "<p>snake_case_names __init__x</p>"),
            ("**a *b _c [d `e ![f", "<p>**a *b _c [d `e ![f</p>"),
            ("a * b ** c ]", "<p>a * b ** c ]</p>"),
        ]);
    }

    #[test]
    fn code_spans_are_literal() {
        check(&[
            ("`a *b* <div> [x](javascript:y)`", "<p><code>a *b* <div> [x](javascript:y)</code></p>"),
            ("``a`b`` `` `c` ``", "<p><code>a`b</code> <code>`c`</code></p>"),
            ("`a\nb` ` ` ``a`", "<p><code>a b</code> <code> </code> ``a`</p>"),
        ]);
    }

    #[test]
    fn backslash_escapes() {
        check(&[(r"\*no\* \[x\](y) \<div> \\ \a \_", r"<p>*no* [x](y) <div> \ \a _</p>")]);
    }

    #[test]
    fn links() {
        check(&[
            ("[**go** on](https://x.y/a_(b))", "<p><a https://x.y/a_(b)><b>go</b> on</a></p>"),
            ("[a](</x y> \"t\") [b](\\#c 'd')", "<p><a /x y>a</a> <a #c>b</a></p>"),
            ("[a [b](/c)](/d) *a [b* c](/x)", "<p>[a <a /c>b</a>](/d) *a <a /x>b* c</a></p>"),
            ("[a] (b) [c](d e) [f](", "<p>[a] (b) [c](d e) [f](</p>"),
        ]);
    }

    #[test]
    fn japanese_and_emoji() {
        check(&[
            ("これは**強調**です。\n次の行 🎉", "<p>これは<b>強調</b>です。 次の行 🎉</p>"),
            ("日本語\n\n🎉 <div>", "@16 raw HTML is not allowed: `<div`"),
            ("- 手順_1_です", "<ul><li>手順_1_です</li></ul>"),
        ]);
    }

    #[test]
    fn raw_html_is_rejected() {
        check(&[
            ("x <div class=\"a\">", "@2 raw HTML is not allowed: `<div`"),
            ("</p><!-- c -->", "@0 raw HTML is not allowed: `</p`\n@4 raw HTML is not allowed: `<!--`"),
            (
                "<?php <abcdefghijklmnopqrstuvwxyz>",
                "@0 raw HTML is not allowed: `<?php`\n@6 raw HTML is not allowed: `<abcdefghijklmnopqrs`",
            ),
            ("a < b <3 <", "<p>a < b <3 <</p>"),
        ]);
    }

    #[test]
    fn each_error_has_its_offset_and_message() {
        check(&[
            ("see <https://a.b/c>", "@4 autolinks are not supported; write [text](https://a.b/c)"),
            ("<me@a.b>", "@0 autolinks are not supported; write [text](mailto:me@a.b)"),
            ("x ![alt](/a.png) ![kept]", "@2 images are not supported in guide text"),
            ("a\n  ## Title", "@4 headings are not supported in guide text; use the step title"),
            ("- # in item", "@2 headings are not supported in guide text; use the step title"),
            ("#hashtag ####### seven", "<p>#hashtag ####### seven</p>"),
            (
                "go [x](javascript:alert(1))",
                "@3 unsafe link `javascript:alert(1)`; links must be http(s), mailto or relative",
            ),
            ("[](/x) [ ](/y)", "@0 link text is empty\n@7 link text is empty"),
            ("[a]()", "@0 link target is empty"),
        ]);
    }

    #[test]
    fn every_error_is_reported_in_source_order() {
        let errors = parse("# T\n\n- [](data:x) <b>\n\n![i](j) <x@y.z>").unwrap_err();
        let offsets: Vec<usize> = errors.iter().map(|e| e.offset).collect();
        assert_eq!(offsets, [0, 7, 7, 18, 23, 31], "{errors:?}");
    }

    #[test]
    fn safe_urls() {
        let ok =
            ["http://a", "HTTPS://a", "mailto:a@b", "/x", "./x", "../x", "#x", "?x", "x/y", "//h/x", "a.b"];
        assert!(ok.iter().all(|u| is_safe_url(u)));
        let bad = ["", " \t", "javascript:alert(1)", "jAvAsCrIpT:x", "java\tscript:x", "java\nscript:x"];
        let more = [" \x01javascript:x", "data:text/html,x", "vbscript:x", "file:///etc", ":x", "x:y/z"];
        for u in bad.iter().chain(&more) {
            assert!(!is_safe_url(u), "{u:?}");
        }
    }

    #[test]
    fn plain_text_drops_formatting() {
        let blocks = parse("**Click** [*Save*](/s) `now`  \nthen\n\n1. a\n2. _b_").unwrap();
        assert_eq!(plain_text(&blocks), "Click Save now\nthen\n\na\nb");
    }

    #[test]
    fn serde_shape_for_the_agent() {
        let blocks = parse("a  \n*b*").unwrap();
        let json = serde_json::to_string(&blocks).unwrap();
        let inlines = r#"[{"t":"text","text":"a"},{"t":"line_break"},{"t":"emphasis","children":[{"t":"text","text":"b"}]}]"#;
        assert_eq!(json, format!(r#"[{{"t":"paragraph","inlines":{inlines}}}]"#));
        assert_eq!(serde_json::from_str::<Vec<Block>>(&json).unwrap(), blocks);
    }

    #[test]
    fn pathological_input_stays_fast_and_shallow() {
        for unit in ["*", "_", "[", "]", "`", "<", "![", "[](", "*a ", "_a", "a*", "**a", "[a](", "(", "\\"] {
            assert!(parse(&unit.repeat(100_000 / unit.len())).is_ok(), "{unit}");
        }
        let ticks: String = (1..400).map(|k| "`".repeat(k) + "x").collect(); // no closers at all
        assert!(md(&ticks).starts_with("<p>`x``x"));
        let deep = "*a ".repeat(20_000) + &"a* ".repeat(20_000); // flattened below 32 levels
        assert!(plain_text(&parse(&deep).unwrap()).contains("*a *a"));
        let images = "![".repeat(20_000) + &"](x)".repeat(20_000);
        assert_eq!(parse(&images).unwrap_err().len(), 20_000);
    }

    proptest! {
        #[test]
        fn never_panics_and_offsets_are_char_boundaries(src in any::<String>()) {
            if let Err(errors) = parse(&src) {
                prop_assert!(errors.iter().all(|e| e.offset < src.len() && src.is_char_boundary(e.offset)));
            }
        }

        #[test]
        fn never_panics_on_markdown_punctuation(src in "[*_`\\[\\]()<>!#\\\\\\- \nab日]{0,64}") {
            if let Ok(blocks) = parse(&src) {
                plain_text(&blocks);
            }
        }

        #[test]
        fn well_formed_spans_leave_no_delimiters(words in prop::collection::vec((0..6, "[a-z]{1,8}"), 1..12)) {
            let src: Vec<String> = words.iter().map(|(kind, w)| match kind {
                0 => format!("**{w}**"), 1 => format!("*{w}*"), 2 => format!("_{w}_"),
                3 => format!("`{w}`"), 4 => format!("[{w}](/{w})"), _ => w.clone(),
            }).collect();
            let plain = plain_text(&parse(&src.join(" ")).unwrap());
            prop_assert!(!plain.contains("**"));
            prop_assert_eq!(plain, words.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" "));
        }
    }
}
