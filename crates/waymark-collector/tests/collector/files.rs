//! The agent's build at the site root and the demo app's routes.

use hyper::Method;

use crate::support::{Site, get, raw_status, repo_root, request};

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
