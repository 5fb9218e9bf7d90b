//! A fixture site in a temp folder, a running collector over it and a small HTTP client.

use std::path::{Path, PathBuf};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tempfile::TempDir;
use waymark_collector::{Config, Running};

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// A valid guide with the given id.
pub fn guide(id: &str) -> String {
    format!(
        r##"{{"id":"{id}","name":"Guide {id}","audience":{{"urls":[{{"prefix":"/app"}}]}},
"trigger":{{"on":"page_load"}},
"steps":[{{"id":"one","kind":"modal","title":{{"en":"Hello"}},"body":{{"en":"Body"}}}}]}}"##
    )
}

/// A temp repository root with a tiny agent build, a tiny demo app, a guides folder and a
/// secret file beside them that must never be served.
pub struct Site {
    pub dir: TempDir,
}

impl Site {
    pub fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let site = Site { dir };
        for (path, text) in [
            ("www/dist/waymark.js", "/* loader */"),
            ("www/dist/waymark_agent.js", "/* glue */"),
            ("www/dist/waymark_agent_bg.wasm", "\0asm"),
            ("www/dist/nested/extra.css", "b{}"),
            ("www/demo/index.html", "<p>landing"),
            ("www/demo/pricing.html", "<p>pricing"),
            ("www/demo/app/index.html", "<p>spa"),
            ("www/demo/app/team.html", "<p>team"),
            ("www/demo/app/app.css", "body{}"),
            ("www/demo/app/settings/billing.html", "<p>billing"),
            ("www/demo/app/.hidden", "hidden"),
            ("secret.txt", "top secret"),
            ("guides/a.json", &guide("alpha")),
            ("guides/schema.json", "{\"not\": \"a guide\"}"),
        ] {
            site.write(path, text);
        }
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root().join(rel)).unwrap();
    }

    pub async fn serve(&self) -> Running {
        waymark_collector::serve(Config::new(self.root())).await.unwrap()
    }
}

/// Two tenants: `acme-co` (key `acme-key`, token `acme-read-token`, account `acme*`) and
/// `globex-co` (key `globex-key`, token `globex-read-token`, account `globex`), both reading
/// guides from `guides`.
pub fn tenants(guides: &Path) -> waymark_collector::Tenants {
    let toml = format!(
        r#"
[[tenant]]
id = "acme-co"
write_keys = ["acme-key", "demo-write-key"]
read_tokens = ["acme-read-token"]
origins = ["https://app.acme.test"]
accounts = ["acme*"]
guides = "{g}"

[[tenant]]
id = "globex-co"
write_keys = ["globex-key"]
read_tokens = ["globex-read-token"]
accounts = ["globex"]
guides = "{g}"
"#,
        g = guides.display()
    );
    waymark_collector::Tenants::parse("test.toml", &toml, Path::new("/")).unwrap()
}

/// The repository root (for tests on the real guides and demo).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub async fn get(server: &Running, path: &str) -> Reply {
    request(server, Method::GET, path, &[], Vec::new()).await
}

pub async fn post(server: &Running, path: &str, body: impl Into<Vec<u8>>) -> Reply {
    request(server, Method::POST, path, &[("content-type", "text/plain;charset=UTF-8")], body.into()).await
}

pub async fn request(
    server: &Running,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(method).uri(server.url(path));
    for (k, v) in headers {
        req = req.header(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    let resp = client.request(req.body(Full::new(Bytes::from(body))).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

/// Sends `raw` (a whole HTTP/1.1 request) over a plain TCP socket and returns the status
/// line: for paths no HTTP client would send as they are.
pub async fn raw_status(server: &Running, raw: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).lines().next().unwrap_or("").to_string()
}
