//! The time series streamed to a file while the run goes (`timeseries.ndjson`): one JSON line
//! per closed second per metric, written 50 s after the second ends, so memory holds
//! none of it and a long run's file keeps one-second resolution throughout. The file is written
//! as `<path>.part` and renamed when the run ends: a crash leaves the part written so far.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Error;
use crate::metrics::{MetricKind, Store};

/// A second is written once this many seconds have passed after it ends. A VU sends its samples
/// at the end of each iteration and before each sleep, so a sample can reach the collector as
/// late as its iteration's next pause; the store keeps one-second buckets for a minute, and a
/// second is written just before it would be rolled into a ten-second window.
pub(crate) const SETTLE_SECONDS: u64 = 50;

pub(crate) struct SeriesOut {
    out: BufWriter<File>,
    part: PathBuf,
    path: PathBuf,
    /// The first second not yet written.
    next: u64,
    error: Option<std::io::Error>,
}

/// One line of `timeseries.ndjson`.
#[derive(Serialize)]
struct Line<'a> {
    t: u64,
    metric: &'a str,
    count: u64,
    sum: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trues: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p50: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p95: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p99: Option<f64>,
}

impl SeriesOut {
    /// Creates `<path>.part` (and its folder): a path that cannot be written is refused
    /// before any load.
    pub(crate) fn create(path: &Path) -> Result<SeriesOut, Error> {
        let failed = |e: std::io::Error| Error::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(failed)?;
        Ok(SeriesOut {
            out: BufWriter::new(file),
            part,
            path: path.to_path_buf(),
            next: 0,
            error: None,
        })
    }

    /// Writes every second before `now_second - SETTLE_SECONDS` not yet written.
    pub(crate) fn write_settled(&mut self, store: &Store, now_second: u64) {
        self.write_until(store, now_second.saturating_sub(SETTLE_SECONDS));
    }

    /// Writes the seconds in `[next, until)`, ordered by second, then metric.
    fn write_until(&mut self, store: &Store, until: u64) {
        if until <= self.next || self.error.is_some() {
            return;
        }
        let mut lines = Vec::new();
        for (metric, series) in store.iter() {
            let kind = series.kind();
            for w in series.timeline().windows() {
                if w.seconds != 1 || w.start < self.next || w.start >= until {
                    continue;
                }
                let b = w.bucket;
                let seen = b.count > 0;
                lines.push(Line {
                    t: w.start,
                    metric,
                    count: b.count,
                    sum: b.sum,
                    min: seen.then_some(b.min),
                    max: seen.then_some(b.max),
                    trues: (kind == MetricKind::Rate).then_some(b.trues),
                    p50: b.percentile(50.0),
                    p95: b.percentile(95.0),
                    p99: b.percentile(99.0),
                });
            }
        }
        lines.sort_by(|a, b| a.t.cmp(&b.t).then(a.metric.cmp(b.metric)));
        for line in &lines {
            let written = serde_json::to_writer(&mut self.out, line)
                .map_err(std::io::Error::from)
                .and_then(|()| self.out.write_all(b"\n"));
            if let Err(e) = written {
                self.error = Some(e);
                return;
            }
        }
        self.next = until;
    }

    /// Writes what is left, then renames the file to its final name.
    pub(crate) fn finish(mut self, store: &Store) -> Result<(), String> {
        self.write_until(store, u64::MAX);
        let flushed = match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        };
        flushed
            .and_then(|()| std::fs::rename(&self.part, &self.path))
            .map_err(|e| {
                format!(
                    "could not write the time series {}: {e}",
                    self.path.display()
                )
            })
    }
}
