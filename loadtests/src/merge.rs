//! A split run's segments (their run folders' `summary.json`) merged exactly into one run folder
//! with every file — summary.json listing its parts, report.html, junit.xml, summary.md and
//! timeseries.ndjson — whose verdict is the run's. Used by `loadtest merge` (in an image, a
//! Kubernetes Job) and `cargo xtask merge`; the edges print.

use std::path::{Path, PathBuf};

use harness::Report;
use harness::report::RunInfo;
use harness::report::merge::{Part, merge};

use crate::{Error, reports};

/// Merges the run folders `folders` into `out` (created; it must not hold a summary.json yet).
/// With `partial`, missing shares are allowed and the result is PARTIAL, never passing.
/// `commit` is recorded as the merge's commit (else `git rev-parse`, where there is a
/// repository). `Err` names the folder or the part that could not be merged.
pub fn merge_folders(
    folders: &[PathBuf],
    out: &Path,
    partial: bool,
    commit: Option<String>,
) -> Result<Report, Error> {
    let mut parts = Vec::new();
    for folder in folders {
        let path = folder.join("summary.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Merge(format!(
                "{}: no summary.json to merge ({e}): did this segment run?",
                folder.display()
            ))
        })?;
        parts.push(Part::parse(folder.display().to_string(), &text).map_err(Error::Merge)?);
    }
    if out.join("summary.json").exists() {
        return Err(Error::Merge(format!(
            "{} already holds a summary.json: give a new folder to --out",
            out.display()
        )));
    }
    let report = merge(&parts, partial).map_err(Error::Merge)?;
    let first = &parts[0].summary.run;
    let info = RunInfo {
        suite: first.suite.clone(),
        environment: first.environment.clone(),
        git_commit: commit.or_else(reports::git_commit),
    };
    let made = |e: std::io::Error| Error::Report {
        path: out.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(out).map_err(made)?;
    reports::write_all(out, &report, &info, None)?;
    write_series(out, &report)?;
    Ok(report)
}

/// The merged time series in the streamed file's format (older windows coarser, as kept).
fn write_series(out: &Path, report: &Report) -> Result<(), Error> {
    let path = out.join("timeseries.ndjson");
    let failed = |e: std::io::Error| Error::Report {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let tmp = out.join("timeseries.ndjson.part");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(failed)?);
    harness::run::write_windows(&report.store, &mut file).map_err(failed)?;
    std::io::Write::flush(&mut file).map_err(failed)?;
    drop(file);
    std::fs::rename(&tmp, &path).map_err(failed)?;
    Ok(())
}
