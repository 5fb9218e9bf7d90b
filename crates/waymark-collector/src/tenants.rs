//! Tenants: who may send events (public write keys), who may read health (secret read
//! tokens), from which web origins, for which accounts, and with which guides.
//!
//! They are read from a TOML file (`waymark serve --config FILE`); without one the
//! collector runs the demo tenant of [`DEMO_CONFIG`]. Every mistake in the file is reported
//! with its place (`tenant[1].read_tokens[0]: ...`), all at once.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use subtle::ConstantTimeEq;

/// The demo configuration (`crates/waymark-collector/demo.toml`), used when no `--config`
/// is given. Its guides folder is relative to the collector's root.
pub const DEMO_CONFIG: &str = include_str!("../demo.toml");

/// Shortest read token accepted: tokens are secrets, a short one is guessable.
const MIN_TOKEN_LEN: usize = 12;

/// The file's shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tenant: Vec<TenantSpec>,
}

/// One `[[tenant]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantSpec {
    id: String,
    #[serde(default)]
    name: Option<String>,
    write_keys: Vec<String>,
    read_tokens: Vec<String>,
    #[serde(default)]
    origins: Vec<String>,
    accounts: Vec<String>,
    guides: PathBuf,
}

/// One tenant, checked.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Its id, stored with every event.
    pub id: String,
    /// A display name.
    pub name: String,
    /// The public keys the agent sends with its batches.
    pub write_keys: Vec<String>,
    /// The secret tokens that read health (`Authorization: Bearer ...`).
    pub read_tokens: Vec<String>,
    /// Web origins allowed to send and fetch guides, besides the collector's own:
    /// `https://app.example.com`, `http://localhost:*` (any port) or `*` (any origin).
    pub origins: Vec<String>,
    /// Accounts whose events this tenant owns: an exact id, `prefix*`, or `*` (any).
    pub accounts: Vec<String>,
    /// The folder of this tenant's guide files.
    pub guides: PathBuf,
}

impl Tenant {
    /// Whether events of `account` belong to this tenant.
    pub fn owns_account(&self, account: &str) -> bool {
        self.accounts.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => account.starts_with(prefix),
            None => p == account,
        })
    }

    /// Whether a page of `origin` (an `Origin` header) may talk to this tenant's endpoints.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|p| {
            p == "*"
                || p == origin
                || p.strip_suffix(":*").is_some_and(|base| {
                    origin.strip_prefix(base).is_some_and(|rest| {
                        rest.strip_prefix(':').is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
                    })
                })
        })
    }
}

/// Every tenant, with lookups by write key and read token.
#[derive(Clone, Debug)]
pub struct Tenants {
    tenants: Vec<Tenant>,
    by_key: HashMap<String, usize>,
}

impl Tenants {
    /// Parses and checks a configuration; relative guide folders are taken from `base`.
    /// The error lists every problem, each with its place, prefixed by `name`.
    pub fn parse(name: &str, text: &str, base: &Path) -> Result<Tenants, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        let mut problems = Vec::new();
        let mut tenants = Vec::with_capacity(file.tenant.len());
        let mut by_key = HashMap::new();
        let mut tokens: HashMap<String, usize> = HashMap::new();
        if file.tenant.is_empty() {
            problems.push("tenant: at least one [[tenant]] is needed".to_string());
        }
        for (i, spec) in file.tenant.into_iter().enumerate() {
            let at = format!("tenant[{i}]");
            check_id(&at, &spec.id, &mut problems);
            if tenants.iter().any(|t: &Tenant| t.id == spec.id) {
                problems.push(format!("{at}.id: \"{}\" is used by another tenant", spec.id));
            }
            if spec.write_keys.is_empty() {
                problems.push(format!("{at}.write_keys: at least one key is needed"));
            }
            if spec.read_tokens.is_empty() {
                problems.push(format!("{at}.read_tokens: at least one token is needed"));
            }
            if spec.accounts.is_empty() {
                problems.push(format!("{at}.accounts: list the account ids (or `prefix*`, or `*`)"));
            }
            for (j, key) in spec.write_keys.iter().enumerate() {
                if key.trim().is_empty() {
                    problems.push(format!("{at}.write_keys[{j}]: empty key"));
                } else if by_key.insert(key.clone(), i).is_some() {
                    problems.push(format!("{at}.write_keys[{j}]: \"{key}\" is used twice"));
                }
            }
            for (j, token) in spec.read_tokens.iter().enumerate() {
                if token.len() < MIN_TOKEN_LEN {
                    problems.push(format!(
                        "{at}.read_tokens[{j}]: a read token is a secret; use at least {MIN_TOKEN_LEN} characters"
                    ));
                } else if tokens.insert(token.clone(), i).is_some() {
                    problems.push(format!("{at}.read_tokens[{j}]: this token is used twice"));
                }
            }
            for (j, origin) in spec.origins.iter().enumerate() {
                if let Err(why) = check_origin(origin) {
                    problems.push(format!("{at}.origins[{j}]: \"{origin}\" {why}"));
                }
            }
            let guides = if spec.guides.is_absolute() { spec.guides } else { base.join(spec.guides) };
            tenants.push(Tenant {
                name: spec.name.unwrap_or_else(|| spec.id.clone()),
                id: spec.id,
                write_keys: spec.write_keys,
                read_tokens: spec.read_tokens,
                origins: spec.origins,
                accounts: spec.accounts,
                guides,
            });
        }
        if tokens.keys().any(|t| by_key.contains_key(t)) {
            problems.push(
                "read_tokens: a read token equals a write key; write keys are public, tokens must be secret"
                    .to_string(),
            );
        }
        if problems.is_empty() {
            Ok(Tenants { tenants, by_key })
        } else {
            let mut out = String::new();
            for p in problems {
                let _ = writeln!(out, "{name}: {p}");
            }
            Err(out.trim_end().to_string())
        }
    }

    /// The demo configuration ([`DEMO_CONFIG`]) with its guides under `root`.
    pub fn demo(root: &Path) -> Tenants {
        // The embedded file is checked by a test, so this cannot fail at run time; should it,
        // the collector still starts, with no tenant.
        Tenants::parse("demo.toml", DEMO_CONFIG, root)
            .unwrap_or_else(|_| Tenants { tenants: Vec::new(), by_key: HashMap::new() })
    }

    /// The tenant a write key belongs to.
    pub fn by_write_key(&self, key: &str) -> Option<&Tenant> {
        self.by_key.get(key).and_then(|&i| self.tenants.get(i))
    }

    /// The tenant a read token belongs to. Every token is compared in constant time, so
    /// response times do not reveal how much of a guess was right.
    pub fn by_read_token(&self, token: &str) -> Option<&Tenant> {
        let mut found = None;
        for t in &self.tenants {
            for candidate in &t.read_tokens {
                if bool::from(candidate.as_bytes().ct_eq(token.as_bytes())) {
                    found = Some(t);
                }
            }
        }
        found
    }

    /// The tenant with this id.
    pub fn by_id(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }

    /// Every tenant, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.iter()
    }

    /// Whether any tenant allows `origin` (for CORS preflights, which carry no key).
    pub fn any_allows_origin(&self, origin: &str) -> bool {
        self.tenants.iter().any(|t| t.allows_origin(origin))
    }
}

fn check_id(at: &str, id: &str, problems: &mut Vec<String>) {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        problems.push(format!("{at}.id: \"{id}\" must be 1-64 characters of a-z, 0-9, - or _"));
    }
}

/// `*`, or `scheme://host[:port]` with `:*` for any port, without a path.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    if origin == "*" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("must start with http:// or https:// (or be *)")?;
    let host = match rest.rsplit_once(':') {
        Some((host, port))
            if port == "*" || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())) =>
        {
            host
        }
        Some(_) => return Err("has an invalid port"),
        None => rest,
    };
    if host.is_empty() || host.contains(['/', '?', '#', '*', ' ']) {
        return Err("must be scheme://host[:port] with no path, like https://app.example.com");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_demo_config_is_valid() {
        let t = Tenants::parse("demo.toml", DEMO_CONFIG, Path::new("/repo")).unwrap();
        let demo = t.by_write_key("demo-write-key").unwrap();
        assert_eq!(demo.guides, Path::new("/repo/guides"));
        assert!(demo.owns_account("acme"));
        assert!(!demo.owns_account("umbrella"));
        assert!(t.by_read_token(&demo.read_tokens[0]).is_some());
        assert!(t.by_read_token("demo-write-key").is_none());
    }

    #[test]
    fn origins_match_exactly_or_by_port_wildcard() {
        let t = Tenant {
            id: "t".into(),
            name: "t".into(),
            write_keys: vec![],
            read_tokens: vec![],
            origins: vec!["https://app.example.com".into(), "http://localhost:*".into()],
            accounts: vec!["acme-*".into(), "globex".into()],
            guides: PathBuf::new(),
        };
        assert!(t.allows_origin("https://app.example.com"));
        assert!(!t.allows_origin("https://app.example.com.evil.test"));
        assert!(!t.allows_origin("http://app.example.com"));
        assert!(t.allows_origin("http://localhost:3000"));
        assert!(!t.allows_origin("http://localhost:3000.evil.test"));
        assert!(!t.allows_origin("http://localhostx:3000"));
        assert!(t.owns_account("acme-eu") && t.owns_account("globex"));
        assert!(!t.owns_account("globex2") && !t.owns_account("acme"));
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let text = r#"
[[tenant]]
id = "Bad Id"
write_keys = ["k1"]
read_tokens = ["short"]
origins = ["app.example.com", "https://x.test/path"]
accounts = []
guides = "g"

[[tenant]]
id = "two"
write_keys = ["k1"]
read_tokens = ["k1k1k1k1k1k1k1"]
accounts = ["*"]
guides = "g"
"#;
        let err = Tenants::parse("w.toml", text, Path::new(".")).unwrap_err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines,
            [
                "w.toml: tenant[0].id: \"Bad Id\" must be 1-64 characters of a-z, 0-9, - or _",
                "w.toml: tenant[0].accounts: list the account ids (or `prefix*`, or `*`)",
                "w.toml: tenant[0].read_tokens[0]: a read token is a secret; use at least 12 characters",
                "w.toml: tenant[0].origins[0]: \"app.example.com\" must start with http:// or https:// (or be *)",
                "w.toml: tenant[0].origins[1]: \"https://x.test/path\" must be scheme://host[:port] with no path, like https://app.example.com",
                "w.toml: tenant[1].write_keys[0]: \"k1\" is used twice",
            ]
        );
    }

    #[test]
    fn syntax_and_unknown_fields_are_located() {
        let err = Tenants::parse("w.toml", "[[tenant]]\nid = \"a\"\nwrite_key = [\"k\"]\n", Path::new("."))
            .unwrap_err();
        assert!(err.starts_with("w.toml: TOML parse error at line 3, column 1"), "{err}");
        assert!(err.contains("unknown field `write_key`"), "{err}");
    }
}
