//! `cargo xtask merge <run folders...> --out <folder> [--partial]`: the segments of a split run
//! (their `summary.json`) merged exactly into one run folder with every file — summary.json
//! listing its parts, report.html, junit.xml, summary.md and timeseries.ndjson — whose verdict
//! is the run's. Exits 0 when the merged run passed, 1 otherwise. Folders that hold no run (a
//! segment that never ran, or whose folder was not kept) are named together, with everything
//! the merge says of the others.

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
    let parts = read_parts(&args.folders, args.partial)?;
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

/// Each folder's part. Folders with no `summary.json` (a segment that never ran, or whose
/// folder was not kept) are named together in one sentence, with what the merge says of the
/// parts there are (every share missing, those that ended early too); with `partial` they are
/// left out instead, and the merge reports their shares missing.
fn read_parts(folders: &[PathBuf], partial: bool) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut absent = Vec::new();
    for folder in folders {
        let path = folder.join("summary.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => parts.push(
                Part::parse(folder.display().to_string(), &text).map_err(anyhow::Error::msg)?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let why = if folder.is_dir() {
                    "holds no summary.json"
                } else {
                    "does not exist"
                };
                absent.push(format!("{} {why}", folder.display()));
            }
            Err(e) => return Err(e).with_context(|| format!("{}: unreadable", path.display())),
        }
    }
    if absent.is_empty() {
        return Ok(parts);
    }
    let list = absent.join(", ");
    if parts.is_empty() {
        bail!("nothing to merge: {list} (no segment ran, or no segment's folder was kept)");
    }
    if !partial {
        let merged = merge(&parts, false).err().unwrap_or_else(|| {
            "merge with --partial to see what there is: the result is PARTIAL and never passes"
                .into()
        });
        bail!("{list} (a segment that did not run, or whose folder was not kept): {merged}");
    }
    eprintln!("left out, with no run to merge: {list}");
    Ok(parts)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-merge-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn segments_that_left_no_run_are_named_together_in_one_sentence() {
        let dir = scratch("absent");
        let empty = dir.join("smoke-seg-0-of-3");
        std::fs::create_dir_all(&empty).unwrap();
        let folders = [
            empty.clone(),
            dir.join("smoke-seg-1-of-3"),
            dir.join("smoke-seg-2-of-3"),
        ];
        let e = read_parts(&folders, false).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "nothing to merge: {} holds no summary.json, {} does not exist, {} does not \
                 exist (no segment ran, or no segment's folder was kept)",
                folders[0].display(),
                folders[1].display(),
                folders[2].display()
            )
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
