//! The agent's build at the site root and the demo app's routes.

use hyper::Method;

use waymark_collector::Running;

use crate::support::{Reply, Site, get, raw_status, repo_root, request};

#[tokio::test]
async fn serves_the_agent_build_with_the_right_types() {
    let site = Site::new();
    let server = site.serve().await;
    for (path, ty, body) in [
        ("/waymark.js", "text/javascript; charset=utf-8", "/* loader */"),
        ("/waymark_agent.js", "text/javascript; charset=utf-8", "/* glue */"),
        ("/waymark_agent_bg.wasm", "application/wasm", "\0asm"),
        ("/nested/extra.css", "text/css; charset=utf-8", "b{}"),
    ] {
        let r = get(&server, path).await;
        assert_eq!((r.status, r.header("content-type"), r.text().as_str()), (200, ty, body), "{path}");
    }
    for path in ["/missing.js", "/nested", "/nested/", "/v1/nothing"] {
        assert_eq!(get(&server, path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn serves_the_smallest_encoding_the_client_accepts_and_never_a_stale_copy() {
    let site = Site::new();
    site.write("www/dist/waymark_agent_bg.wasm.br", "brotli bytes");
    site.write("www/dist/waymark_agent_bg.wasm.gz", "gzip bytes");
    site.write("www/dist/waymark.js.gz", "gzip loader");
    let server = site.serve().await;
    let fetch = |path: &'static str, accept: &'static str| get_accepting(&server, path, accept);
    let wasm = "/waymark_agent_bg.wasm";
    for (path, accept, encoding, body) in [
        (wasm, "gzip, deflate, br, zstd", "br", "brotli bytes"),
        (wasm, "gzip", "gzip", "gzip bytes"),
        (wasm, "br;q=0, gzip;q=0.8", "gzip", "gzip bytes"),
        (wasm, "*", "br", "brotli bytes"),
        (wasm, "", "", "\0asm"),
        (wasm, "identity", "", "\0asm"),
        // Only the copies that exist: the loader has a gzip one, the glue none.
        ("/waymark.js", "br, gzip", "gzip", "gzip loader"),
        ("/waymark_agent.js", "br, gzip", "", "/* glue */"),
    ] {
        let r = fetch(path, accept).await;
        let what = format!("{path} with Accept-Encoding `{accept}`");
        assert_eq!(r.status, 200, "{what}");
        assert_eq!(r.header("content-encoding"), encoding, "{what}");
        assert_eq!(r.text(), body, "{what}");
        assert_eq!(r.header("vary"), "accept-encoding", "{what}");
        let ty = if path.ends_with(".wasm") { "application/wasm" } else { "text/javascript; charset=utf-8" };
        assert_eq!(r.header("content-type"), ty, "{what}: the type of the file, not of its copy");
    }

    // The wasm is replaced by a newer build and its copies are not: they are not served.
    let newer = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    let original = std::fs::File::options()
        .write(true)
        .open(site.root().join("www/dist/waymark_agent_bg.wasm"))
        .unwrap();
    original.set_modified(newer).unwrap();
    let r = fetch(wasm, "gzip, br").await;
    assert_eq!((r.header("content-encoding"), r.text().as_str()), ("", "\0asm"));
}

/// A page load that finds the agent's files unchanged revalidates them for a `304` and no
/// body (each copy has its own tag); a rebuilt file has a new tag and comes whole.
#[tokio::test]
async fn revalidating_an_unchanged_file_costs_a_304_and_no_body() {
    let site = Site::new();
    site.write("www/dist/waymark_agent_bg.wasm.br", "brotli bytes");
    let server = site.serve().await;
    let wasm = "/waymark_agent_bg.wasm";
    let fetch = |headers: Vec<(&'static str, String)>| {
        let server = &server;
        async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            request(server, Method::GET, wasm, &headers, vec![]).await
        }
    };
    let plain = fetch(vec![]).await;
    let br = fetch(vec![("accept-encoding", "br".into())]).await;
    let (plain_tag, br_tag) = (plain.header("etag").to_string(), br.header("etag").to_string());
    assert!(plain_tag.starts_with('"') && plain_tag.ends_with('"'), "a strong tag: {plain_tag}");
    assert_ne!(plain_tag, br_tag, "the brotli copy is another representation");
    assert_eq!(plain.header("cache-control"), "no-cache", "always revalidated");

    let again = fetch(vec![("accept-encoding", "br".into()), ("if-none-match", br_tag.clone())]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!((again.header("etag"), again.header("vary")), (br_tag.as_str(), "accept-encoding"));
    // The identity copy's tag does not stand for the brotli bytes.
    let other = fetch(vec![("accept-encoding", "br".into()), ("if-none-match", plain_tag.clone())]).await;
    assert_eq!((other.status, other.text().as_str()), (200, "brotli bytes"));

    site.write("www/dist/waymark_agent_bg.wasm", "\0asm rebuilt");
    let rebuilt = fetch(vec![("if-none-match", plain_tag.clone())]).await;
    assert_eq!((rebuilt.status, rebuilt.text().as_str()), (200, "\0asm rebuilt"));
    assert_ne!(rebuilt.header("etag"), plain_tag);
}

/// Asked for by its current fingerprint (as the loader asks), a build file may be kept for
/// good; by a fingerprint of a build that is gone, or none, it is revalidated as usual.
#[tokio::test]
async fn a_file_asked_for_by_its_fingerprint_is_cached_for_good() {
    let site = Site::new();
    site.write("www/dist/waymark_agent_bg.wasm.br", "brotli bytes");
    let server = site.serve().await;
    // `node tools/fingerprint.mjs` of the site's wasm (`\0asm`): its 64-bit FNV-1a hash.
    let current = "/waymark_agent_bg.wasm?v=2ea6307efb58f2f2";
    for (path, accept, cache) in [
        (current, "", "public, max-age=31536000, immutable"),
        (current, "br", "public, max-age=31536000, immutable"),
        ("/waymark_agent_bg.wasm?x=1&v=2ea6307efb58f2f2", "", "public, max-age=31536000, immutable"),
        ("/waymark_agent_bg.wasm?v=0000000000000000", "br", "no-cache"),
        ("/waymark_agent_bg.wasm", "br", "no-cache"),
    ] {
        let r = get_accepting(&server, path, accept).await;
        assert_eq!((r.status, r.header("cache-control")), (200, cache), "{path} ({accept})");
    }
    site.write("www/dist/waymark_agent_bg.wasm", "\0asm rebuilt");
    let r = get(&server, current).await;
    assert_eq!(
        (r.text().as_str(), r.header("cache-control")),
        ("\0asm rebuilt", "no-cache"),
        "a stale fingerprint"
    );
}

/// `GET path` with `Accept-Encoding: accept` (no header when it is empty).
async fn get_accepting(server: &Running, path: &str, accept: &str) -> Reply {
    let headers: &[(&str, &str)] = if accept.is_empty() { &[] } else { &[("accept-encoding", accept)] };
    request(server, Method::GET, path, headers, vec![]).await
}

#[tokio::test]
async fn routes_the_demo_app() {
    let site = Site::new();
    let server = site.serve().await;
    for (path, body) in [
        ("/", "<p>landing"),
        ("/pricing", "<p>pricing"),
        ("/app", "<p>spa"),
        ("/app/", "<p>spa"),
        ("/app/team", "<p>team"),
        ("/app/team.html", "<p>team"),
        ("/app/settings/billing", "<p>billing"),
        ("/app/app.css", "body{}"),
        // The SPA's own routes and anything unknown get the SPA.
        ("/app/projects", "<p>spa"),
        ("/app/projects/new", "<p>spa"),
        ("/app/settings", "<p>spa"),
        ("/app/no/such/page", "<p>spa"),
        ("/app/projects?x=1", "<p>spa"),
    ] {
        let r = get(&server, path).await;
        assert_eq!((r.status, r.text().as_str()), (200, body), "{path}");
        let css = path.ends_with(".css");
        let ty = if css { "text/css; charset=utf-8" } else { "text/html; charset=utf-8" };
        assert_eq!(r.header("content-type"), ty, "{path}");
    }
    // HEAD works like GET without the body.
    let r = request(&server, Method::HEAD, "/app/team", &[], vec![]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn never_serves_outside_the_served_folders() {
    let site = Site::new();
    let server = site.serve().await;
    for path in [
        "/app/..%2f..%2fsecret.txt",
        "/app/%2e%2e/%2e%2e/secret.txt",
        "/%2e%2e/%2e%2e/secret.txt",
        "/..%2f..%2fsecret.txt",
        "/app/.hidden",
        "/app/..%5c..%5csecret.txt",
    ] {
        let r = get(&server, path).await;
        assert!(!r.text().contains("top secret"), "{path} leaked");
        assert_eq!(r.status, 404, "{path}");
    }
    for raw in ["/../secret.txt", "/app/../../secret.txt", "/app/../../../secret.txt"] {
        let status =
            raw_status(&server, &format!("GET {raw} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).await;
        assert!(!status.contains(" 200 "), "{raw}: {status}");
    }
}

#[tokio::test]
async fn serves_the_real_demo() {
    let server = waymark_collector::serve(waymark_collector::Config::new(repo_root())).await.unwrap();
    let r = get(&server, "/app/team").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("id=\"btn-invite\""));
    let r = get(&server, "/app/settings/billing").await;
    assert!(r.text().contains("<html"), "billing page");
    let r = get(&server, "/app/projects/new").await;
    assert!(r.text().contains("/app/app.js"), "SPA shell");
}

#[tokio::test]
async fn listens_on_loopback_by_default_and_shuts_down() {
    let site = Site::new();
    let config = waymark_collector::Config::new(site.root());
    assert!(config.addr.ip().is_loopback());
    let demo = config.tenants.by_write_key("demo-write-key").unwrap();
    assert_eq!(demo.guides, site.root().join("guides"));
    assert!(config.db.is_none(), "tests get a temporary store");
    let server = waymark_collector::serve(config).await.unwrap();
    let addr = server.addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(server.url("/x"), format!("http://{addr}/x"));
    server.shutdown().await.unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still listening after shutdown");
}
