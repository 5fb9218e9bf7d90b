//! The guide feed: compiled guides in a compact binary form, made by the collector (or
//! `waymark compile`) and read by the browser agent.
//!
//! Guides are authored as JSON and validated natively with every diagnostic
//! ([`crate::load`]); what reaches the browser is the result: the compiled guides, and
//! for each guide that failed, its id and the located error, so the agent can still
//! report it as a `guide_error`. The agent then decodes bytes instead of parsing and
//! validating JSON, which keeps the JSON parser, serde and the validator out of its wasm
//! and takes less time on the page.
//!
//! Layout: the magic `WMF`, a version byte ([`FEED_VERSION`]), then the guides and the
//! broken guides as length-prefixed lists (see [`codec`] for the encoding of values).

mod codec;
mod model;

pub use codec::WireError;

use codec::{Reader, Writer, record};

use crate::compile::{Loaded, SelectorCheck};
use crate::diagnostic::Severity;
use crate::guide::Guide;
use crate::pattern::PatternCompiler;
use crate::state::UserState;

/// The feed layout version; a feed of another version is refused as a whole. (2: condition
/// values are [`Json`](crate::json::Json), and the authored audience condition is left out.)
pub const FEED_VERSION: u8 = 3;

/// The media type the collector serves a feed with.
pub const FEED_MEDIA_TYPE: &str = "application/vnd.waymark.feed";

const FEED_MAGIC: &[u8; 3] = b"WMF";

/// A guide left out of the feed because it failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// Its id, when the file got that far.
    pub guide: Option<String>,
    /// The diagnostic as `waymark lint` prints it (file, line, column, pointer, help).
    pub message: String,
}

record!(Broken { guide, message });

impl Broken {
    /// Guide `g`, left out because of `why`, named the way the loader's messages name it.
    fn of(g: &Guide, why: &str) -> Self {
        Broken {
            guide: Some(g.id().to_string()),
            message: format!("{}: guide `{}`: {why}", g.source, g.id()),
        }
    }
}

/// A decoded feed.
#[derive(Debug, Default)]
pub struct Feed {
    /// The guides that passed validation, in file order.
    pub guides: Vec<Guide>,
    /// The guides that did not.
    pub broken: Vec<Broken>,
}

impl Feed {
    /// Moves every guide with a selector `check` refuses to [`Feed::broken`]: the agent
    /// asks the browser's own parser, which may refuse what the collector's accepted.
    pub fn check_selectors(&mut self, check: &dyn SelectorCheck) {
        for g in std::mem::take(&mut self.guides) {
            match g.selectors().into_iter().find_map(|s| check.check(s).err().map(|e| (s, e))) {
                None => self.guides.push(g),
                Some((selector, why)) => {
                    self.broken.push(Broken::of(&g, &format!("invalid selector `{selector}`: {why}")))
                }
            }
        }
    }
}

/// Encodes the outcome of loading: its guides, and an entry per broken guide with its
/// errors (warnings stay with the author's tools).
pub fn encode_feed(loaded: &Loaded) -> Vec<u8> {
    // One entry per broken guide, holding all its errors, so the agent reports it once.
    let mut broken: Vec<Broken> = Vec::new();
    for d in loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        let message = d.to_string();
        match broken.iter_mut().find(|b| b.guide.is_some() && b.guide == d.guide) {
            Some(b) => {
                b.message.push('\n');
                b.message.push_str(&message);
            }
            None => broken.push(Broken { guide: d.guide.clone(), message }),
        }
    }
    let mut w = Writer::default();
    w.0.extend_from_slice(FEED_MAGIC);
    w.byte(FEED_VERSION);
    w.put(&loaded.guides);
    w.put(&broken);
    w.0
}

/// Decodes a feed, compiling its patterns with `patterns`. Any damage rejects the whole
/// feed, with the byte offset of the damage; a guide with a pattern `patterns` refuses is
/// moved to [`Feed::broken`].
pub fn decode_feed(bytes: &[u8], patterns: &dyn PatternCompiler) -> Result<Feed, WireError> {
    let mut r = Reader::with_patterns(bytes, patterns);
    if r.take(3) != FEED_MAGIC {
        return Err(WireError { at: 0, what: "not a Waymark guide feed" });
    }
    // A feed cut right after its magic is cut, not of another version.
    if r.byte() != FEED_VERSION && !r.failed() {
        return Err(WireError {
            at: 3,
            what: "a guide feed of another version; serve the agent and feed of one release",
        });
    }
    let mut feed = Feed::default();
    let mut left = r.len();
    while r.more(&mut left) {
        r.refused = None;
        let guide: Guide = r.get();
        match r.refused.take() {
            None => feed.guides.push(guide),
            Some(why) => {
                feed.broken.push(Broken::of(&guide, &format!("a pattern this page cannot use: {why}")))
            }
        }
    }
    feed.broken.extend(r.get::<Vec<Broken>>());
    r.finish(feed)
}

/// Encodes a user state for storage.
pub(crate) fn encode_state(state: &UserState) -> Vec<u8> {
    let mut w = Writer::default();
    w.put(state);
    w.0
}

/// Decodes a stored user state.
pub(crate) fn decode_state(bytes: &[u8]) -> Result<UserState, WireError> {
    Reader::read(bytes)
}

#[cfg(test)]
mod tests;
