//! `cargo xtask <env> <suite>...|all` (and `cargo xtask run <env> <suite>...`): checks everything
//! first (see [`crate::resolve`]) and that the target answers, builds the suites once, runs them
//! one after another with their output streamed and kept, then prints a table of verdicts and
//! writes it beside the run folders as `index.md` and `index.html`:
//! `reports/<env>/<UTC time>/<suite>/` at the workspace root, whatever the working directory.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use loadtests::Suite;

use crate::index::{Row, write_index};
use crate::resolve::{Resolved, resolve};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// mock, local, development, staging or production (see loadtests/environments.toml).
    pub env: String,
    /// Suite names, or `all`.
    #[arg(required = true)]
    pub suites: Vec<String>,
    /// Passed on as LOADTEST_TIME_SCALE (every stage and duration multiplied by it).
    #[arg(long)]
    pub time_scale: Option<f64>,
    /// Lets stress, spike and soak run against production.
    #[arg(long)]
    pub allow_production: bool,
}

/// The workspace root, absolute.
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    here.canonicalize().unwrap_or(here)
}

/// Where an environment's runs are kept: `<root>/reports/<env>`.
pub fn runs_of(env: &str) -> PathBuf {
    root().join("reports").join(env)
}

pub fn run(args: &RunArgs) -> Result<()> {
    let config = loadtests::config::Config::load().map_err(|e| anyhow::anyhow!("{e}"))?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let r = resolve(
        &config,
        &args.env,
        &args.suites,
        args.time_scale,
        args.allow_production,
        &var,
    )
    .map_err(|problems| anyhow::anyhow!("nothing was run:\n  - {}", problems.join("\n  - ")))?;
    if let Some(url) = &r.base_url {
        reachable(url)?;
    }
    if r.env == "production" {
        println!(
            "PRODUCTION: {} against {} (time scale {})",
            r.suites
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", "),
            r.base_url.as_deref().unwrap_or("?"),
            r.time_scale.unwrap_or(1.0)
        );
    }
    let features: Vec<&str> = r.suites.iter().map(|s| s.name()).collect();
    let features = features.join(",");
    println!("== building the suites once ({features})");
    let built = Command::new(crate::proc::cargo())
        .args([
            "test",
            "-p",
            "loadtests",
            "--no-run",
            "--features",
            &features,
        ])
        .current_dir(root())
        .status()?;
    if !built.success() {
        bail!("the suites did not build");
    }
    let dir = runs_of(&r.env).join(harness::report::compact_timestamp(
        std::time::SystemTime::now(),
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rows = Vec::new();
    for suite in &r.suites {
        println!("== {suite} on {}", r.env);
        let passed = run_suite(&r, *suite, &features, &dir)?;
        let baseline = crate::baseline::load(&r.env, suite.name());
        rows.push(Row::read(
            suite.name(),
            passed,
            &dir.join(suite.name()),
            baseline.as_ref(),
        ));
    }
    let table = write_index(&dir, &r.env, &rows)?;
    println!("\n{table}");
    println!("reports in {}", dir.display());
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.suite.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("failed: {}", failed.join(", "))
    }
}

/// Runs one suite's test, its output streamed and kept in `<dir>/<suite>/console.log`.
fn run_suite(r: &Resolved, suite: Suite, features: &str, dir: &Path) -> Result<bool> {
    let folder = dir.join(suite.name());
    std::fs::create_dir_all(&folder)?;
    let log = std::fs::File::create(folder.join("console.log"))?;
    let mut cmd = Command::new(crate::proc::cargo());
    cmd.args([
        "test",
        "-p",
        "loadtests",
        "--features",
        features,
        "--test",
        suite.name(),
    ])
    .current_dir(root())
    .env("LOADTEST_ENV", &r.env)
    .env("LOADTEST_REPORT_DIR", dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match &r.base_url {
        Some(url) => cmd.env("BASE_URL", url),
        None => cmd.env_remove("BASE_URL"),
    };
    if let Some(s) = r.time_scale {
        cmd.env("LOADTEST_TIME_SCALE", s.to_string());
    }
    if r.allow_production {
        cmd.env("LOADTEST_ALLOW_PRODUCTION", "1");
    }
    let mut child = cmd.spawn()?;
    let log = std::sync::Arc::new(std::sync::Mutex::new(log));
    let tee = |pipe: Box<dyn std::io::Read + Send>, to_err: bool| {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if to_err {
                    eprintln!("{line}");
                } else {
                    println!("{line}");
                }
                if let Ok(mut f) = log.lock() {
                    let _ = writeln!(f, "{line}");
                }
            }
        })
    };
    let out = tee(Box::new(child.stdout.take().expect("piped")), false);
    let err = tee(Box::new(child.stderr.take().expect("piped")), true);
    let status = child.wait()?;
    let _ = out.join();
    let _ = err.join();
    Ok(status.success())
}

/// The target accepts a connection within 5 s (its host and port; the suites check `/health`).
fn reachable(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    let addrs = parsed
        .socket_addrs(|| None)
        .with_context(|| format!("target unreachable: {url}: its host does not resolve"))?;
    let ok = addrs
        .iter()
        .any(|a| std::net::TcpStream::connect_timeout(a, Duration::from_secs(5)).is_ok());
    if !ok {
        bail!("target unreachable: {url} accepts no connection; nothing was run");
    }
    Ok(())
}
