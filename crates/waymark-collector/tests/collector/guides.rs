//! `GET /v1/guides`.

use hyper::Method;

use waymark_core::format::{StepKind, Trigger};
use waymark_core::pattern::RegexLite;
use waymark_core::wire::{FEED_MEDIA_TYPE, Feed, decode_feed};

use crate::support::{Site, get, guide, repo_root, request};

/// The guide feed the agent reads.
fn feed(r: &crate::support::Reply) -> Feed {
    decode_feed(&r.body, &RegexLite).unwrap_or_else(|e| panic!("not a guide feed: {e}"))
}

fn ids(r: &crate::support::Reply) -> Vec<String> {
    feed(r).guides.iter().map(|g| g.id().to_string()).collect()
}

#[tokio::test]
async fn serves_the_guides_as_a_feed_with_cache_headers() {
    let site = Site::new();
    site.write("guides/nested/b.json", &format!("[{}, {}]", guide("beta"), guide("gamma")));
    let server = site.serve().await;
    let r = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), FEED_MEDIA_TYPE);
    assert_eq!(r.header("cache-control"), "no-cache");
    let etag = r.header("etag");
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 4, "strong etag: {etag}");
    // schema.json is not a guide; nested folders are read; file order is kept.
    assert_eq!(ids(&r), ["alpha", "beta", "gamma"]);
    let alpha = &feed(&r).guides[0];
    assert_eq!(alpha.spec.steps[0].kind, StepKind::Modal);
    assert_eq!(alpha.spec.trigger, Trigger::PageLoad);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn serves_the_valid_specs_as_json_on_request() {
    let site = Site::new();
    let server = site.serve().await;
    let r = get(&server, "/v1/guides?key=demo-write-key&format=json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json");
    let json = r.json();
    assert_eq!(json[0]["id"], "alpha");
    assert_eq!(json[0]["steps"][0]["kind"], "modal");
    assert_eq!(json[0]["trigger"]["on"], "page_load");
    assert_ne!(r.header("etag"), get(&server, "/v1/guides?key=demo-write-key").await.header("etag"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn answers_304_to_a_matching_if_none_match() {
    let site = Site::new();
    let server = site.serve().await;
    let first = get(&server, "/v1/guides?key=demo-write-key").await;
    let etag = first.header("etag").to_string();
    for header in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}"), "*".to_string()] {
        let r = request(
            &server,
            Method::GET,
            "/v1/guides?key=demo-write-key",
            &[("if-none-match", &header)],
            Vec::new(),
        )
        .await;
        assert_eq!(r.status, 304, "If-None-Match: {header}");
        assert_eq!(r.header("etag"), etag);
        assert_eq!(r.header("cache-control"), "no-cache");
        assert!(r.body.is_empty());
    }
    let r = request(
        &server,
        Method::GET,
        "/v1/guides?key=demo-write-key",
        &[("if-none-match", "\"stale\"")],
        Vec::new(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, first.body);
}

#[tokio::test]
async fn reloads_the_folder_on_every_request() {
    let site = Site::new();
    let server = site.serve().await;
    let before = get(&server, "/v1/guides?key=demo-write-key").await;
    site.write("guides/z.json", &guide("zeta"));
    let after = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(ids(&after), ["alpha", "zeta"]);
    assert_ne!(before.header("etag"), after.header("etag"));
    // The old tag no longer matches.
    let r = request(
        &server,
        Method::GET,
        "/v1/guides?key=demo-write-key",
        &[("if-none-match", before.header("etag"))],
        vec![],
    )
    .await;
    assert_eq!(r.status, 200);
    site.remove("guides/z.json");
    assert_eq!(get(&server, "/v1/guides?key=demo-write-key").await.header("etag"), before.header("etag"));
}

#[tokio::test]
async fn an_edit_in_place_is_served_at_once() {
    let site = Site::new();
    site.write("guides/b.json", &guide("beta"));
    let server = site.serve().await;
    let before = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(
        get(&server, "/v1/guides?key=demo-write-key").await.body,
        before.body,
        "unchanged: the same feed"
    );
    // Same file, same length: only its bytes say it changed.
    site.write("guides/b.json", &guide("bet2"));
    let after = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(ids(&after), ["alpha", "bet2"]);
    assert_ne!(before.header("etag"), after.header("etag"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn serves_the_others_and_the_located_errors_of_broken_guides() {
    let site = Site::new();
    // Stage one (syntax), stage one (shape), stage two (meaning), and a duplicate id.
    site.write("guides/b-syntax.json", "{ \"id\": ");
    site.write("guides/c-typo.json", &guide("typo").replace("\"page_load\"", "\"page_lod\""));
    site.write(
        "guides/d-selector.json",
        &guide("bad-selector").replace(r#""kind":"modal""#, r##""target":{"selector":"#a[["}"##),
    );
    site.write("guides/e-dup.json", &guide("alpha"));
    site.write("guides/f-ok.json", &format!("[{}, {{\"id\": 3}}]", guide("ok")));
    let server = site.serve().await;
    let r = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(r.status, 200);
    assert_eq!(ids(&r), ["alpha", "ok"]);
    let broken = feed(&r).broken;
    let named = |id: &str| broken.iter().find(|b| b.guide.as_deref() == Some(id)).map(|b| b.message.clone());
    assert!(
        named("typo")
            .is_some_and(|m| m.starts_with("c-typo.json:2:") && m.contains("did you mean `page_load`?")),
        "{broken:?}"
    );
    assert!(named("bad-selector").is_some_and(|m| m.contains("#a[[")), "{broken:?}");
    assert!(broken.iter().any(|b| b.message.starts_with("b-syntax.json:")), "{broken:?}");
    assert!(broken.iter().any(|b| b.message.starts_with("e-dup.json:")), "{broken:?}");
}

#[tokio::test]
async fn a_missing_folder_is_a_server_error() {
    let site = Site::new();
    let mut config = waymark_collector::Config::new(site.root());
    config.tenants = crate::support::tenants(&site.root().join("no-such-folder"));
    let server = waymark_collector::serve(config).await.unwrap();
    let r = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(r.status, 500);
    assert!(r.text().contains("no-such-folder"), "{}", r.text());
}

#[tokio::test]
async fn the_example_guides_all_load() {
    let server = waymark_collector::serve(waymark_collector::Config::new(repo_root())).await.unwrap();
    let r = get(&server, "/v1/guides?key=demo-write-key").await;
    assert_eq!(r.status, 200);
    let mut ids = ids(&r);
    ids.sort();
    assert_eq!(
        ids,
        ["announce-reports", "billing-setup", "first-project", "help-project-form", "invite-teammates"]
    );
}

#[tokio::test]
async fn guides_need_a_known_write_key() {
    let site = Site::new();
    let server = site.serve().await;
    let r = get(&server, "/v1/guides").await;
    assert_eq!(r.status, 401);
    assert!(r.text().contains("?key=WRITE_KEY"), "{}", r.text());
    assert_eq!(get(&server, "/v1/guides?key=nope").await.status, 401);
}

#[tokio::test]
async fn guides_answer_pages_of_allowed_origins_only() {
    let site = Site::new();
    let server = site.serve().await;
    let path = "/v1/guides?key=demo-write-key";
    // The demo allows localhost on any port, and the collector's own origin.
    let r = request(&server, Method::GET, path, &[("origin", "http://localhost:3000")], vec![]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), "http://localhost:3000");
    let own = server.url("");
    let r = request(&server, Method::GET, path, &[("origin", &own)], vec![]).await;
    assert_eq!(r.header("access-control-allow-origin"), own);
    let r = request(&server, Method::GET, path, &[("origin", "https://evil.test")], vec![]).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("access-control-allow-origin"), "");
    assert!(r.text().contains("https://evil.test"), "{}", r.text());
}
