//! Static files: the agent's build at the site root and the demo app's routes.
//!
//! Request paths are joined segment by segment; `..`, hidden names (`.git`) and
//! backslashes are refused, so nothing outside the served folders can be reached.
//!
//! The agent's files go out compressed: `./dev build` writes each one's brotli (`.br`)
//! and gzip (`.gz`) beside it at the highest settings, once, and a request gets the
//! smallest its `Accept-Encoding` allows. A compressed copy older than its file (the file
//! was replaced, the copies were not) is never served.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::AppState;
use crate::http::{NO_CACHE, etag, hash, internal, not_found, revalidated};

/// `GET /`: the demo's landing page.
pub(crate) async fn demo_index(State(s): State<AppState>) -> Response {
    serve_file(&demo(&s).join("index.html")).await
}

/// `GET /pricing`.
pub(crate) async fn demo_pricing(State(s): State<AppState>) -> Response {
    serve_file(&demo(&s).join("pricing.html")).await
}

/// `GET /app` and `GET /app/`: the single-page app.
pub(crate) async fn demo_app_root(State(s): State<AppState>) -> Response {
    serve_file(&demo(&s).join("app").join("index.html")).await
}

/// `GET /app/<path>`: the file `app/<path>`, else `app/<path>.html`, else the SPA's
/// `app/index.html` (its router shows the view or its own "not found").
pub(crate) async fn demo_app(State(s): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    let app = demo(&s).join("app");
    let Some(file) = safe_join(&app, &path) else {
        return not_found();
    };
    if is_file(&file).await {
        return serve_file(&file).await;
    }
    let mut html = file.into_os_string();
    html.push(".html");
    let html = PathBuf::from(html);
    if is_file(&html).await {
        return serve_file(&html).await;
    }
    serve_file(&app.join("index.html")).await
}

/// `Cache-Control` of a build file asked for by its current fingerprint: the URL names
/// these bytes for good (a new build has new URLs), so browsers keep them without asking.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// `GET /<path>`: a file of the agent's build (`<root>/www/dist/<path>`), compressed when
/// the build wrote a compressed copy the client accepts, or 404. Asked for as
/// `<path>?v=FINGERPRINT` (the loader does), with the file's current fingerprint, it may be
/// cached for good; any other `v` (a build that is gone) is revalidated as usual.
pub(crate) async fn dist(
    State(s): State<AppState>,
    UrlPath(path): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(file) = safe_join(&s.root.join("www").join("dist"), &path) else {
        return not_found();
    };
    let accepted = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let response = match fresh_copy(&file, accepted).await {
        Some((copy, coding)) => serve(&copy, content_type(&file), Some(coding)).await,
        None => serve_file(&file).await,
    };
    // A page load that finds the agent unchanged gets a `304`: no download, and the
    // browser keeps the wasm it compiled.
    let mut response = revalidated(response, &headers);
    if matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        // Caches must keep the copies apart.
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(v) = query.as_deref().and_then(|q| q.split('&').find_map(|p| p.strip_prefix("v=")))
            && fingerprint(&file).await.is_some_and(|f| f == v)
        {
            response.headers_mut().insert(header::CACHE_CONTROL, IMMUTABLE);
        }
    }
    response
}

/// The fingerprint of a build file, as `tools/fingerprint.mjs` stamps it into the loader:
/// the 64-bit FNV-1a hash of its bytes in 16 hex digits.
async fn fingerprint(file: &Path) -> Option<String> {
    let bytes = tokio::fs::read(file).await.ok()?;
    Some(format!("{:016x}", hash([bytes.as_slice()])))
}

/// Whether an `Accept-Encoding` value accepts `coding` (named or through `*`, with a
/// non-zero weight; a named `q=0` refuses it even when `*` is accepted).
fn accepts(header: &str, coding: &str) -> bool {
    let mut star = false;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return weight > 0.0;
        }
        star |= name == "*" && weight > 0.0;
    }
    star
}

/// The smallest compressed copy of `file` (`<file>.br`, else `<file>.gz`) that `accepted`
/// allows and that is not older than `file`, with its coding.
async fn fresh_copy(file: &Path, accepted: &str) -> Option<(PathBuf, &'static str)> {
    let modified = tokio::fs::metadata(file).await.ok().filter(|m| m.is_file())?.modified().ok()?;
    for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
        if !accepts(accepted, coding) {
            continue;
        }
        let mut copy = file.as_os_str().to_owned();
        copy.push(".");
        copy.push(ext);
        let copy = PathBuf::from(copy);
        let fresh = tokio::fs::metadata(&copy)
            .await
            .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t >= modified));
        if fresh {
            return Some((copy, coding));
        }
    }
    None
}

/// `GET /dashboard`: the health dashboard's page.
pub(crate) async fn dashboard_index(State(s): State<AppState>) -> Response {
    serve_file(&s.root.join("www").join("dashboard").join("index.html")).await
}

/// `GET /dashboard/<path>`: the dashboard's script, styles and assets.
pub(crate) async fn dashboard(State(s): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    match safe_join(&s.root.join("www").join("dashboard"), &path) {
        Some(file) => serve_file(&file).await,
        None => not_found(),
    }
}

/// Anything no route knows (other methods than `GET` and `HEAD` on file paths).
pub(crate) async fn fallback() -> Response {
    not_found()
}

fn demo(s: &AppState) -> PathBuf {
    s.root.join("www").join("demo")
}

/// `base` joined with the `/`-separated `rel`, or `None` when a segment could climb out
/// or names a hidden file.
pub(crate) fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for segment in rel.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') || segment.contains(['\\', '\0']) {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

async fn is_file(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file())
}

/// The file's bytes with its content type, or 404 when it is not a readable file.
async fn serve_file(path: &Path) -> Response {
    serve(path, content_type(path), None).await
}

/// The bytes of `path` as `ty`, encoded with `coding` (they are already) and tagged with
/// their hash (each copy has its own), or 404 when it is not a readable file.
async fn serve(path: &Path, ty: &'static str, coding: Option<&'static str>) -> Response {
    if !is_file(path).await {
        return not_found();
    }
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            let tag = HeaderValue::from_str(&etag(&bytes));
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            if let Ok(tag) = tag {
                h.insert(header::ETAG, tag);
            }
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
            if let Some(coding) = coding {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            h.insert(header::CACHE_CONTROL, NO_CACHE);
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            r
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => not_found(),
        Err(e) => internal(format!("cannot read {}: {e}", path.display())),
    }
}

/// The media type of a file, by extension. `.wasm` must be `application/wasm` for
/// `WebAssembly.instantiateStreaming`.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_plain_segments_and_refuses_climbing_out() {
        let base = Path::new("/srv/app");
        assert_eq!(
            safe_join(base, "settings/billing.html"),
            Some(PathBuf::from("/srv/app/settings/billing.html"))
        );
        assert_eq!(safe_join(base, "//a///b/"), Some(PathBuf::from("/srv/app/a/b")));
        assert_eq!(safe_join(base, ""), Some(PathBuf::from("/srv/app")));
        for bad in ["..", "../etc/passwd", "a/../../b", ".git/config", "a\\..\\b", "a/.hidden"] {
            assert_eq!(safe_join(base, bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_accept_encoding_with_weights_and_wildcards() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip, deflate, br, zstd", "gzip"));
        assert!(accepts("GZIP;q=0.5", "gzip"));
        assert!(accepts("*", "br"));
        assert!(!accepts("", "gzip"), "no header: the file as it is");
        assert!(!accepts("br;q=0, gzip", "br"), "refused by weight");
        assert!(!accepts("*, br; q=0", "br"), "a named refusal beats the wildcard");
        assert!(!accepts("*;q=0", "gzip"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("x-gzip-ish", "gzip"), "whole names only");
    }

    #[test]
    fn knows_the_types_the_agent_needs() {
        assert_eq!(content_type(Path::new("x/waymark_agent_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("waymark.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("INDEX.HTML")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }
}
