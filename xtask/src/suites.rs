//! `cargo xtask <env> <suite>...|all` (and `cargo xtask run <env> <suite>...`): checks everything
//! first (see [`crate::resolve`]) and that the target answers, builds the suites once, runs them
//! one after another with their output streamed and kept, then prints a table of verdicts and
//! writes it beside the run folders as `index.md` and `index.html`:
//! `reports/<env>/<UTC time>/<suite>/` at the workspace root, whatever the working directory.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use loadtests::Suite;

use crate::index::{Row, write_index};
use crate::paths::{root, runs_of};
use crate::resolve::resolve;
use loadtests::Target;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// mock, local, development, staging or production (see loadtests/environments.toml).
    pub env: String,
    /// Suite names, or `all`.
    #[arg(required = true)]
    pub suites: Vec<String>,
    /// Every stage and duration multiplied by it (else LOADTEST_TIME_SCALE, else 1).
    #[arg(long)]
    pub time_scale: Option<String>,
    /// Lets stress, spike and soak run against production.
    #[arg(long)]
    pub allow_production: bool,
}

pub fn run(args: &RunArgs) -> Result<()> {
    let var = loadtests::entry::process_var;
    let config = loadtests::config::Config::load(var("LOADTEST_CONFIG").as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = resolve(
        &config,
        &args.env,
        &args.suites,
        args.time_scale.clone(),
        args.allow_production,
        &var,
    )
    .map_err(|problems| anyhow::anyhow!("nothing was run:\n  - {}", problems.join("\n  - ")))?;
    let t = &r.target;
    if let Some(url) = &t.base_url {
        reachable(url)?;
    }
    if t.env == "production" {
        println!(
            "PRODUCTION: {} against {} (time scale {})",
            r.suites
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", "),
            t.base_url.as_deref().unwrap_or("?"),
            t.time_scale
        );
    }
    println!("== building the suites' runner once (loadtest)");
    let built = Command::new(crate::proc::cargo())
        .args(["build", "-p", "loadtests", "--bin", "loadtest"])
        .current_dir(root())
        .status()?;
    if !built.success() {
        bail!("the suites did not build");
    }
    let dir = runs_of(&t.env).join(harness::report::compact_timestamp(
        std::time::SystemTime::now(),
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rows = Vec::new();
    for suite in &r.suites {
        println!("== {suite} on {}", t.env);
        let passed = run_suite(t, *suite, &dir)?;
        let baseline = crate::baseline::load(&t.env, suite.name());
        rows.push(Row::read(
            suite.name(),
            passed,
            &dir.join(suite.name()),
            baseline.as_ref(),
        ));
    }
    let table = write_index(&dir, &t.env, &rows)?;
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

/// Runs one suite on the `loadtest` runner with the resolved target as its flags, its output
/// streamed and kept in `<dir>/<suite>/console.log`; passed when it exits 0.
fn run_suite(t: &Target, suite: Suite, dir: &Path) -> Result<bool> {
    let folder = dir.join(suite.name());
    std::fs::create_dir_all(&folder)?;
    let log = std::fs::File::create(folder.join("console.log"))?;
    let mut cmd = Command::new(crate::proc::cargo());
    cmd.args(["run", "-q", "-p", "loadtests", "--bin", "loadtest", "--"])
        .args(["run", suite.name(), "--env", &t.env])
        .arg("--out")
        .arg(dir)
        .args(["--time-scale", &t.time_scale.to_string()])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &t.base_url {
        cmd.args(["--base-url", url]);
    }
    if t.allow_production {
        cmd.arg("--allow-production");
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
