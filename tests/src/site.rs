//! What the collector serves in a test: the repository itself, or a temp root built from
//! it (links to the real demo and agent build, plus test pages), and a guides folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

/// The repository root (`tests/..`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().map_or_else(|| here.to_path_buf(), Path::to_path_buf)
}

/// The agent's build files, as `www/dist/` must hold them.
pub const AGENT_FILES: [&str; 3] = ["waymark.js", "waymark_agent.js", "waymark_agent_bg.wasm"];

/// Fails with a hint when the agent is not built into `<repo>/www/dist/`.
pub fn require_agent_build() -> Result<PathBuf> {
    let dist = repo_root().join("www").join("dist");
    for f in AGENT_FILES {
        if !dist.join(f).is_file() {
            bail!(
                "{} is missing: build the agent first (`./dev build`, which runs wasm-pack on \
                 crates/waymark-agent into www/dist/)",
                dist.join(f).display()
            );
        }
    }
    Ok(dist)
}

/// A temp folder laid out like the repository root (or a guides folder), filled with links
/// to the real files and files written by the test. Removed when dropped.
pub struct TempTree {
    dir: TempDir,
}

impl TempTree {
    /// An empty tree.
    pub fn new() -> Result<TempTree> {
        Ok(TempTree { dir: tempfile::Builder::new().prefix("waymark-e2e-site").tempdir()? })
    }

    /// A root serving the real demo app and nothing in `www/dist/`: the page's
    /// `/waymark.js` is a 404.
    pub fn demo_without_agent() -> Result<TempTree> {
        let t = TempTree::new()?;
        t.link("www/demo", &repo_root().join("www/demo"))?;
        Ok(t)
    }

    /// A root with the real demo app and the real agent build (required), every file
    /// linked on its own so the test can add pages to `www/demo/app/` and files to
    /// `www/dist/` (served at the site root) beside them.
    pub fn demo_with_agent() -> Result<TempTree> {
        let dist = require_agent_build()?;
        let t = TempTree::new()?;
        for entry in std::fs::read_dir(&dist)? {
            let entry = entry?;
            t.link(&format!("www/dist/{}", entry.file_name().to_string_lossy()), &entry.path())?;
        }
        let demo = repo_root().join("www/demo");
        t.link("www/demo/index.html", &demo.join("index.html"))?;
        t.link("www/demo/pricing.html", &demo.join("pricing.html"))?;
        for entry in std::fs::read_dir(demo.join("app"))? {
            let entry = entry?;
            let name = entry.file_name();
            t.link(&format!("www/demo/app/{}", name.to_string_lossy()), &entry.path())?;
        }
        Ok(t)
    }

    /// A guides folder holding copies of the example guides (`<repo>/guides/*.json`).
    pub fn example_guides() -> Result<TempTree> {
        let t = TempTree::new()?;
        for entry in std::fs::read_dir(repo_root().join("guides"))? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.ends_with(".json") && name != "schema.json" {
                t.write(&name, &std::fs::read_to_string(&path)?)?;
            }
        }
        Ok(t)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` at `rel` (folders are created).
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> Result<&TempTree> {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(self)
    }

    /// Makes `rel` a symbolic link to `target`.
    pub fn link(&self, rel: &str, target: &Path) -> Result<&TempTree> {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::os::unix::fs::symlink(target, &path)
            .with_context(|| format!("cannot link {} to {}", path.display(), target.display()))?;
        Ok(self)
    }
}

/// A minimal HTML page that loads the agent like a vendor would (no demo CSS, no stub):
/// `extra_head` goes in `<head>` after the loader, `body` in `<body>`.
pub fn page(title: &str, extra_head: &str, body: &str) -> String {
    page_with_guides(title, "/v1/guides", extra_head, body)
}

/// [`page`] with the loader's `data-guides` pointing at `guides_url`.
pub fn page_with_guides(title: &str, guides_url: &str, extra_head: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{title}</title>
<script src="/waymark.js" data-key="e2e-key" data-guides="{guides_url}" data-collector="/v1/events" data-user="e2e-user" data-account="e2e-account" data-locale="en" async></script>
{extra_head}
</head>
<body>
{body}
</body>
</html>
"#
    )
}
