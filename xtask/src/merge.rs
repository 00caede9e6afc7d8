//! `cargo xtask merge <run folders...> --out <folder> [--partial]`: the segments of a split run
//! (their `summary.json`) merged exactly into one run folder with every file — summary.json
//! listing its parts, report.html, junit.xml, summary.md and timeseries.ndjson — whose verdict
//! is the run's. Exits 0 when the merged run passed, 1 otherwise.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use harness::report::RunInfo;
use harness::report::merge::{Part, merge};

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The segments' run folders (each holding a summary.json).
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    /// Where the merged run folder goes (created; must not hold a summary.json yet).
    #[arg(long)]
    out: PathBuf,
    /// Merge even when shares are missing: the result is PARTIAL and never passes.
    #[arg(long)]
    partial: bool,
}

pub fn run(args: &MergeArgs) -> Result<bool> {
    let mut parts = Vec::new();
    for folder in &args.folders {
        let path = folder.join("summary.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: no summary.json to merge", folder.display()))?;
        parts.push(Part::parse(folder.display().to_string(), &text).map_err(anyhow::Error::msg)?);
    }
    if args.out.join("summary.json").exists() {
        bail!(
            "{} already holds a summary.json: give a new folder to --out",
            args.out.display()
        );
    }
    let report = merge(&parts, args.partial).map_err(anyhow::Error::msg)?;
    let first = &parts[0].summary.run;
    let info = RunInfo {
        suite: first.suite.clone(),
        environment: first.environment.clone(),
        git_commit: loadtests::reports::git_commit(),
    };
    std::fs::create_dir_all(&args.out)?;
    loadtests::reports::write_all(&args.out, &report, &info).map_err(anyhow::Error::msg)?;
    write_series(&args.out, &report)?;
    let mut text = Vec::new();
    report.write_summary(&mut text)?;
    print!("{}", String::from_utf8_lossy(&text));
    println!("  merged run: {}", args.out.display());
    Ok(report.passed())
}

/// The merged time series in the streamed file's format (older windows coarser, as kept).
fn write_series(out: &Path, report: &harness::Report) -> Result<()> {
    let tmp = out.join("timeseries.ndjson.part");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    harness::run::write_windows(&report.store, &mut file)?;
    drop(file);
    std::fs::rename(&tmp, out.join("timeseries.ndjson"))?;
    Ok(())
}
