//! `waymark`: lint guide files, print the guide JSON Schema, serve the agent and demo.
//!
//! Exit codes: 0 when clean (warnings allowed), 1 when any guide has an error, 2 on a
//! usage error or a file that cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use waymark_core::{CssSelectors, Diagnostic, Loaded, Severity, Source};

#[derive(Parser)]
#[command(name = "waymark", version, about = "Waymark: in-app guides and tech-touch health")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate guide files; prints every problem with file, line, column and JSON pointer.
    Lint {
        /// Guide files, or folders searched for `*.json` (except `schema.json` and hidden files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Compile guide files into the guide feed the agent reads, for hosting guides as a
    /// static file (`waymark serve` compiles them on each request itself). Broken guides
    /// are reported and carried as errors the agent reports; the exit status is 1 then.
    Compile {
        /// Guide files, or folders searched for `*.json` (except `schema.json` and hidden files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The feed file to write (serve it with `Content-Type: application/vnd.waymark.feed`).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Print the JSON Schema of the guide format.
    Schema,
    /// Serve the agent, the guides, the event intake, health, the dashboard and the demo app.
    Serve {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// The SQLite database the events are stored in (created when missing).
        #[arg(long, default_value = "waymark.db")]
        db: PathBuf,
        /// Tenants, keys, tokens, origins and guide folders (TOML). Without it: the demo
        /// tenant (`waymark demo-config` prints it), with the guides in `<root>/guides`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The repository root holding `www/dist` (the built agent), `www/dashboard` and `www/demo`.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Print the demo configuration, to copy as a start for `serve --config`.
    DemoConfig,
    /// Print per-account tech-touch health from the event store (riskiest account first).
    Health {
        /// The SQLite database `waymark serve` writes (it may be running).
        #[arg(long, default_value = "waymark.db")]
        db: PathBuf,
        /// The window: whole days ending today, like `7d` or `30d`; the trend compares it with
        /// the window before.
        #[arg(long, default_value = "7d")]
        window: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = HealthFormat::Table)]
        format: HealthFormat,
        /// The tenant to report on (needed when the database holds several).
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people.
    Human,
    /// For machines: one JSON document.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum HealthFormat {
    /// For people, in a terminal.
    Table,
    /// The same document as `GET /v1/health`.
    Json,
    /// One row per account, for spreadsheets.
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lint { paths, format } => lint(&paths, format),
        Command::Compile { paths, out } => compile(&paths, &out),
        Command::Schema => {
            print!("{}", waymark_core::schema::guide_schema_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, db, config, root } => serve(addr, db, config, root),
        Command::Health { db, window, format, tenant } => health(&db, &window, format, tenant),
        Command::DemoConfig => {
            print!("{}", waymark_collector::DEMO_CONFIG);
            Ok(ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("waymark: {e:#}");
        ExitCode::from(2)
    })
}

/// The tenants of `--config`, or the demo's.
fn tenants(config: Option<&Path>, root: &Path) -> Result<waymark_collector::Tenants> {
    let Some(path) = config else { return Ok(waymark_collector::Tenants::demo(root)) };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    waymark_collector::Tenants::parse(&path.display().to_string(), &text, base).map_err(anyhow::Error::msg)
}

fn serve(
    addr: std::net::SocketAddr,
    db: PathBuf,
    config: Option<PathBuf>,
    root: PathBuf,
) -> Result<ExitCode> {
    let tenants = tenants(config.as_deref(), &root)?;
    let demo = config.is_none();
    let config = waymark_collector::Config { addr, root, db: Some(db), tenants };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start tokio")?;
    runtime.block_on(async {
        let running = waymark_collector::serve(config).await?;
        println!("Waymark is serving the demo app with the agent: {}", running.url("/app"));
        if demo {
            println!("Dashboard (demo read token): {}", running.url("/dashboard#token=demo-read-token"));
        } else {
            println!("Dashboard: {} (sign in with a read token)", running.url("/dashboard"));
        }
        println!("Events are stored in {}   (Ctrl-C to stop)", running.store().path().display());
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        running.shutdown().await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn health(db: &Path, window: &str, format: HealthFormat, tenant: Option<String>) -> Result<ExitCode> {
    let window = waymark_health::Window::parse(window, waymark_collector::now_ms()).context("--window")?;
    if !db.exists() {
        anyhow::bail!("{}: no such database (start `waymark serve` first, or pass --db)", db.display());
    }
    let reader = waymark_collector::Reader::open(db).map_err(anyhow::Error::msg)?;
    let tenant = match tenant {
        Some(t) => t,
        None => {
            let mut tenants = reader.tenants().map_err(anyhow::Error::msg)?;
            match tenants.len() {
                0 => String::new(),
                1 => tenants.remove(0),
                _ => anyhow::bail!(
                    "{} holds tenants {}: pick one with --tenant",
                    db.display(),
                    tenants.join(", ")
                ),
            }
        }
    };
    let report = waymark_collector::health_report(&reader, &tenant, &window).map_err(anyhow::Error::msg)?;
    match format {
        HealthFormat::Table => print!("{}", report.to_table()),
        HealthFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        HealthFormat::Csv => print!("{}", report.to_csv()),
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(paths: &[PathBuf], format: Format) -> Result<ExitCode> {
    let (loaded, files) = load(paths)?;
    match format {
        Format::Human => print_human(&loaded, files),
        Format::Json => print_json(&loaded, files)?,
    }
    Ok(if loaded.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn compile(paths: &[PathBuf], out: &Path) -> Result<ExitCode> {
    let (loaded, files) = load(paths)?;
    print_human(&loaded, files);
    let feed = waymark_core::wire::encode_feed(&loaded);
    std::fs::write(out, &feed).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}: {} guides, {} bytes", out.display(), loaded.guides.len(), feed.len());
    Ok(if loaded.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Loads the guide files of `paths` together; also says how many files there were.
fn load(paths: &[PathBuf]) -> Result<(waymark_core::Loaded, usize)> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            Ok((
                f.display().to_string(),
                std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
            ))
        })
        .collect::<Result<_>>()?;
    let sources: Vec<Source<'_>> = texts.iter().map(|(name, text)| Source { name, text }).collect();
    Ok((waymark_core::load(&sources, &CssSelectors), files.len()))
}

/// Adds `path`, or the guide files under it (the same ones the collector serves).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        out.extend(
            waymark_collector::guide_files(path)
                .with_context(|| format!("cannot list {}", path.display()))?,
        );
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    (errors, diags.len() - errors)
}

fn print_human(loaded: &Loaded, files: usize) {
    for d in &loaded.diagnostics {
        println!("{d}\n");
    }
    let (errors, warnings) = counts(&loaded.diagnostics);
    println!(
        "{} guide(s) ok in {files} file(s); {errors} error(s), {warnings} warning(s)",
        loaded.guides.len()
    );
}

fn print_json(loaded: &Loaded, files: usize) -> Result<()> {
    let (errors, warnings) = counts(&loaded.diagnostics);
    let doc = serde_json::json!({
        "files": files,
        "guides": loaded.guides.iter().map(|g| g.id()).collect::<Vec<_>>(),
        "errors": errors,
        "warnings": warnings,
        "diagnostics": loaded.diagnostics,
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
