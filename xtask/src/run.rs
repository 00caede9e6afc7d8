//! `cargo xtask run ENV SUITE|all`: runs suites with `LOADTEST_ENV=ENV`, one `cargo test` per
//! suite, and keeps every suite's run folder under `reports/ENV/TIMESTAMP/SUITE/` at the workspace
//! root (an absolute path: the tests run in `loadtests/`).

use std::process::Command;

use anyhow::{Result, bail};

const SUITES: [&str; 7] = [
    "smoke",
    "auth",
    "agents",
    "pipelines",
    "stress",
    "spike",
    "soak",
];

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// mock, local, development, staging or production (see loadtests/environments.toml).
    pub env: String,
    /// A suite name, or `all`.
    pub suite: String,
    /// Passed on as LOADTEST_TIME_SCALE.
    #[arg(long)]
    pub time_scale: Option<f64>,
}

pub fn run(args: &RunArgs) -> Result<()> {
    let suites: Vec<&str> = if args.suite == "all" {
        SUITES.to_vec()
    } else if SUITES.contains(&args.suite.as_str()) {
        vec![args.suite.as_str()]
    } else {
        bail!(
            "unknown suite {:?}: one of {} or all",
            args.suite,
            SUITES.join(", ")
        );
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root
        .canonicalize()?
        .join("reports")
        .join(&args.env)
        .join(stamp.to_string());
    let mut failed = Vec::new();
    for suite in &suites {
        println!("== {suite} on {}", args.env);
        let mut cmd = Command::new(crate::proc::cargo());
        cmd.args([
            "test",
            "-p",
            "loadtests",
            "--features",
            suite,
            "--test",
            suite,
        ])
        .env("LOADTEST_ENV", &args.env)
        .env("LOADTEST_REPORT_DIR", &dir);
        if let Some(s) = args.time_scale {
            cmd.env("LOADTEST_TIME_SCALE", s.to_string());
        }
        if !cmd.status()?.success() {
            failed.push(*suite);
        }
    }
    println!("reports in {}", dir.display());
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("failed suites: {}", failed.join(", "))
    }
}
