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
    let parts = read_parts(folders, partial)?;
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

/// Each folder's part. Folders with no `summary.json` (a segment that never ran, or whose
/// folder was not kept) are named together in one sentence, with what the merge says of the
/// parts there are (every share missing, those that ended early too); with `partial` they are
/// left out instead, and the merge reports their shares missing.
fn read_parts(folders: &[PathBuf], partial: bool) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    let mut absent = Vec::new();
    for folder in folders {
        let path = folder.join("summary.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                parts.push(Part::parse(folder.display().to_string(), &text).map_err(Error::Merge)?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let why = if folder.is_dir() {
                    "holds no summary.json"
                } else {
                    "does not exist"
                };
                absent.push(format!("{} {why}", folder.display()));
            }
            Err(e) => {
                return Err(Error::Merge(format!("{}: unreadable: {e}", path.display())));
            }
        }
    }
    if absent.is_empty() {
        return Ok(parts);
    }
    let list = absent.join(", ");
    if parts.is_empty() {
        return Err(Error::Merge(format!(
            "nothing to merge: {list} (no segment ran, or no segment's folder was kept)"
        )));
    }
    if !partial {
        let merged = merge(&parts, false).err().unwrap_or_else(|| {
            "merge with --partial to see what there is: the result is PARTIAL and never passes"
                .into()
        });
        return Err(Error::Merge(format!(
            "{list} (a segment that did not run, or whose folder was not kept): {merged}"
        )));
    }
    Ok(parts)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("merge-{}-{name}", std::process::id()));
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
        let e = read_parts(&folders, false).err().unwrap().to_string();
        assert_eq!(
            e,
            format!(
                "merge: nothing to merge: {} holds no summary.json, {} does not exist, {} does \
                 not exist (no segment ran, or no segment's folder was kept)",
                folders[0].display(),
                folders[1].display(),
                folders[2].display()
            )
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
