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

impl<'a> Line<'a> {
    fn of(metric: &'a str, kind: MetricKind, w: &crate::metrics::Window<'_>) -> Line<'a> {
        let b = w.bucket;
        let seen = b.count > 0;
        Line {
            t: w.start,
            metric,
            seconds: (w.seconds != 1).then_some(w.seconds),
            count: b.count,
            sum: b.sum,
            min: seen.then_some(b.min),
            max: seen.then_some(b.max),
            trues: (kind == MetricKind::Rate).then_some(b.trues),
            p50: b.percentile(50.0),
            p95: b.percentile(95.0),
            p99: b.percentile(99.0),
        }
    }
}

/// Every window a store holds, oldest first, in the streamed file's format (a window longer
/// than a second says so in `seconds`): the time series of a run merged from segments.
pub fn write_windows(store: &Store, out: &mut impl Write) -> std::io::Result<()> {
    let mut lines: Vec<Line<'_>> = store
        .iter()
        .flat_map(|(metric, series)| {
            let kind = series.kind();
            series
                .timeline()
                .windows()
                .map(move |w| Line::of(metric, kind, &w))
        })
        .collect();
    lines.sort_by(|a, b| a.t.cmp(&b.t).then(a.metric.cmp(b.metric)));
    for line in &lines {
        serde_json::to_writer(&mut *out, line)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

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
    /// Only for a window longer than a second (a merged run's older windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<u64>,
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
                lines.push(Line::of(metric, kind, &w));
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

#[cfg(test)]
mod window_tests {
    use super::*;
    use crate::metrics::{Sample, Tags, Value};

    #[test]
    fn every_window_is_a_line_and_only_coarse_ones_say_their_length() {
        let mut store = Store::new();
        for s in 0..200u64 {
            store.add(&Sample {
                metric: "c",
                kind: MetricKind::Counter,
                tags: Tags::default(),
                value: Value::Number(1.0),
                at: std::time::Duration::from_secs(s),
            });
        }
        let mut out = Vec::new();
        write_windows(&store, &mut out).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let total: f64 = lines.iter().map(|l| l["count"].as_f64().unwrap()).sum();
        assert_eq!(total, 200.0);
        assert!(lines.iter().any(|l| l["seconds"] == 10));
        let last = lines.last().unwrap();
        assert!(last.get("seconds").is_none() && last["t"] == 199, "{last}");
    }
}
