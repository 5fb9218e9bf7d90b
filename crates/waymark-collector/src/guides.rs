//! `GET /v1/guides?key=WRITE_KEY`: the guides of the key's tenant as a compiled guide
//! feed ([`waymark_core::wire`]), read on every request; `&format=json` gives the
//! specs of the valid guides as JSON instead, for people and tools.
//!
//! The folder is small and edited live by CS teams, so each request reads every file.
//! Loading them ([`waymark_core::load`]: ids and references are checked across files, then
//! selectors, regexes, markdown) is what costs, so it happens only when the files' names
//! or bytes changed since the folder was last loaded ([`GuideCache`]): an edit is served
//! at once, and each diagnostic is printed to stderr once per change, not per request.
//! A broken guide never hides the others; the feed carries its located error so the
//! agent reports it as a `guide_error`. The key travels in the query (the loader adds it)
//! because a CORS-simple `GET` cannot carry a header.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use waymark_core::wire::{FEED_MEDIA_TYPE, encode_feed};
use waymark_core::{CssSelectors, Source};

use crate::AppState;
use crate::cors;
use crate::http::{bytes, etag, hash, internal, json, revalidated, text};

/// The handler.
pub(crate) async fn get_guides(
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(key) = query.get("key") else {
        return text(StatusCode::UNAUTHORIZED, "key: add ?key=WRITE_KEY (the script tag's data-key)\n");
    };
    let (tenant, origin) = match cors::writer(&s.tenants, key, &headers) {
        Ok(allowed) => allowed,
        Err(r) => return *r,
    };
    let dir = tenant.guides.clone();
    let as_json = query.get("format").is_some_and(|f| f == "json");
    let cache = s.guides.clone();
    let (body, tag) = match tokio::task::spawn_blocking(move || cache.get(&dir, as_json)).await {
        Ok(Ok(built)) => built,
        Ok(Err(e)) => return cors::allow(internal(e), origin.as_ref()),
        Err(e) => return cors::allow(internal(format!("loading guides failed: {e}")), origin.as_ref()),
    };
    let Ok(tag) = HeaderValue::from_str(&tag) else {
        return internal(format!("invalid etag {tag}"));
    };
    let mut r = if as_json { json(body) } else { bytes(body, FEED_MEDIA_TYPE) };
    r.headers_mut().insert(header::ETAG, tag);
    let r = revalidated(r, &headers);
    cors::allow(r, origin.as_ref())
}

/// What each guide folder gave when last loaded (as a feed and as JSON), keyed by a
/// fingerprint of its files' names and bytes.
#[derive(Debug, Default)]
pub(crate) struct GuideCache(Mutex<HashMap<(PathBuf, bool), Built>>);

/// A folder's answer, its entity tag, and the fingerprint of the files it was built from.
#[derive(Debug)]
struct Built {
    print: u64,
    body: Vec<u8>,
    tag: String,
}

impl GuideCache {
    /// The folder as a guide feed, or the valid guides' specs as a JSON array: loaded
    /// again (and its diagnostics printed to stderr) only when a guide file was added,
    /// removed or changed. A file that cannot be read is reported and skipped. Gives the
    /// body and its entity tag.
    pub(crate) fn get(&self, dir: &Path, as_json: bool) -> Result<(Vec<u8>, String), String> {
        let texts = read_dir(dir)?;
        let print =
            hash(texts.iter().flat_map(|(name, text)| [name.as_bytes(), &[0], text.as_bytes(), &[0]]));
        let key = (dir.to_path_buf(), as_json);
        let mut cached = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(built) = cached.get(&key)
            && built.print == print
        {
            return Ok((built.body.clone(), built.tag.clone()));
        }
        // Loading under the lock: concurrent requests after an edit load the folder once.
        let body = load(&texts, as_json)?;
        let tag = etag(&body);
        cached.insert(key, Built { print, body: body.clone(), tag: tag.clone() });
        Ok((body, tag))
    }
}

/// The guide files of `dir`, read: `(name relative to dir, text)`.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let files = guide_files(dir).map_err(|e| format!("cannot list guides in {}: {e}", dir.display()))?;
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        let name = file.strip_prefix(dir).unwrap_or(&file).display().to_string();
        match std::fs::read_to_string(&file) {
            Ok(text) => texts.push((name, text)),
            Err(e) => eprintln!("{name}: cannot read: {e}"),
        }
    }
    Ok(texts)
}

/// Loads the files and encodes them as a guide feed, or the valid guides' specs as a JSON
/// array; diagnostics go to stderr.
fn load(texts: &[(String, String)], as_json: bool) -> Result<Vec<u8>, String> {
    let sources: Vec<Source<'_>> = texts.iter().map(|(name, text)| Source { name, text }).collect();
    let loaded = waymark_core::load(&sources, &CssSelectors);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    if !as_json {
        return Ok(encode_feed(&loaded));
    }
    let specs: Vec<_> = loaded.guides.iter().map(|g| &g.spec).collect();
    serde_json::to_vec(&specs).map_err(|e| format!("cannot serialise guides: {e}"))
}

/// Every guide file under `dir`: `*.json` except `schema.json` and hidden entries, at any
/// depth, in name order.
pub fn guide_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<std::io::Result<_>>()?;
    entries.sort();
    for path in entries {
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "json")
            && path.file_name().is_some_and(|n| n != "schema.json")
        {
            out.push(path);
        }
    }
    Ok(())
}
