//! The run folder: where a suite run's reports go, and writing them. Every run writes one
//! folder — `reports/<env>/<suite>-<UTC timestamp>/` under the workspace root by default, or
//! `$LOADTEST_REPORT_DIR/<suite>/` — holding `summary.json`, `report.html`, `junit.xml`,
//! `summary.md` and `timeseries.ndjson` (streamed during the run). Each file is written whole
//! (a temporary file, then a rename), so a reader never sees half a report; a run that ended
//! early — even one refused before it started — gets the same five files.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use harness::Report;
use harness::report::{RunInfo, compact_timestamp};

use crate::{Error, Suite};

/// The workspace root, whatever the test's working directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The folder this run writes into: `<base>/<suite>/` when a base is given (the option, or
/// `LOADTEST_REPORT_DIR`), else `<root>/reports/<env>/<suite>-<UTC timestamp>/`; a segment's
/// name ends in its share (`smoke-seg-1-of-3`, `smoke-seg-1_4-to-1`), so the instances of a
/// split run can share one volume. Created now, so a folder that cannot be made fails the run
/// before any load.
pub fn run_folder(
    base: Option<PathBuf>,
    suite: Suite,
    env: &str,
    segment: Option<harness::segment::Segment>,
) -> Result<PathBuf, Error> {
    let share = match segment.filter(|s| !s.is_whole()) {
        Some(harness::segment::Segment::Stripe { index, count }) => {
            format!("-seg-{index}-of-{count}")
        }
        Some(s) => {
            let (from, to) = s.bounds();
            format!("-seg-{from}-to-{to}").replace('/', "_")
        }
        None => String::new(),
    };
    let folder = match base {
        Some(base) => base.join(format!("{}{share}", suite.name())),
        None => workspace_root().join("reports").join(env).join(format!(
            "{}-{}{share}",
            suite.name(),
            compact_timestamp(SystemTime::now())
        )),
    };
    std::fs::create_dir_all(&folder).map_err(|e| Error::Report {
        path: folder.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(folder)
}

/// The commit the suites were built from, by `git rev-parse` (in GitHub Actions the edge takes
/// `GITHUB_SHA` instead); `None` where there is no repository, as in the runner image.
pub fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(workspace_root())
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !sha.is_empty()).then_some(sha)
}

/// Writes the finished run's reports into `folder`, and appends `summary.md` to
/// `step_summary` (`$GITHUB_STEP_SUMMARY`) when given.
pub fn write_all(
    folder: &Path,
    report: &Report,
    info: &RunInfo,
    step_summary: Option<&Path>,
) -> Result<(), Error> {
    let summary = serde_json::to_vec_pretty(&report.summary(info))
        .map_err(|e| failed(&folder.join("summary.json"), e.into()))?;
    write_whole(&folder.join("summary.json"), &summary)?;
    let mut html = Vec::new();
    report.write_html(&mut html).expect("writing to memory");
    write_whole(&folder.join("report.html"), &html)?;
    let mut junit = Vec::new();
    report.write_junit(&mut junit).expect("writing to memory");
    write_whole(&folder.join("junit.xml"), &junit)?;
    let mut md = Vec::new();
    report.write_markdown(&mut md).expect("writing to memory");
    write_whole(&folder.join("summary.md"), &md)?;
    if let Some(step) = step_summary {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(step)
            .and_then(|mut f| f.write_all(&md))
            .map_err(|e| failed(step, e))?;
    }
    Ok(())
}

/// An empty `timeseries.ndjson`, for a run refused before its time series was opened: no
/// second was measured (and a previous run's series in a reused folder must not stand in).
pub(crate) fn write_empty_series(folder: &Path) -> Result<(), Error> {
    write_whole(&folder.join("timeseries.ndjson"), b"")
}

fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| failed(path, e))
}

fn failed(path: &Path, e: std::io::Error) -> Error {
    Error::Report {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}
