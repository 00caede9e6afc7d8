//! Baselines: `cargo xtask baseline save <env> <suite> [folder]` keeps a small, reviewable file
//! (`baselines/<env>/<suite>.json`: the headline numbers, and `http_req_duration`'s HDR
//! histogram, which the comparison uses); every later run of that suite there is compared with
//! it. p95 ratio: warning from 1.2×, critical from 1.5×; error-rate ratio: warning from 2×,
//! critical from 5× (the original suite's alert levels); a p95 less than 5 ms above the
//! baseline's is noise, whatever the ratio. A critical regression fails the run.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use harness::report::{EncodedHistogram, Summary};
use serde::{Deserialize, Serialize};

use crate::paths::{root, runs_of};

/// Alert levels: (warning, critical) ratios of the current run to the baseline.
pub const P95_LEVELS: (f64, f64) = (1.2, 1.5);
pub const ERROR_LEVELS: (f64, f64) = (2.0, 5.0);
/// Error rates below this count as this, so a baseline of 0 % does not make any error infinite.
const ERROR_FLOOR: f64 = 0.001;
/// A p95 this close to the baseline's (ms) is noise whatever the ratio: 2 ms → 3 ms on a fast
/// mock is not a regression.
pub const P95_FLOOR_MS: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

/// `baselines/<env>/<suite>.json`: a passed run's headline numbers and its `http_req_duration`
/// histogram, which later runs are compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub suite: String,
    pub environment: String,
    /// The run folder it was taken from.
    pub from: String,
    pub started_at: String,
    pub git_commit: Option<String>,
    pub time_scale: f64,
    pub requests: Option<f64>,
    pub error_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub http_req_duration_histogram: Option<EncodedHistogram>,
}

impl Baseline {
    /// The baseline of a passed run's summary, taken from `from`.
    pub fn of(summary: &Summary, suite: &str, env: &str, from: &Path) -> Baseline {
        let duration = summary.metrics.get("http_req_duration");
        Baseline {
            suite: suite.to_string(),
            environment: env.to_string(),
            from: from.display().to_string(),
            started_at: summary.run.started_at.clone(),
            git_commit: summary.run.git_commit.clone(),
            time_scale: summary.run.time_scale,
            requests: summary.value("http_reqs", "count"),
            error_rate: summary.value("http_req_failed", "rate"),
            p95_ms: summary.value("http_req_duration", "p(95)"),
            p99_ms: summary.value("http_req_duration", "p(99)"),
            http_req_duration_histogram: duration.and_then(|d| d.histogram.clone()),
        }
    }
}

/// How a run compares with its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub p95_ratio: f64,
    pub error_ratio: f64,
    pub level: Level,
}

impl Comparison {
    pub fn describe(&self) -> String {
        let level = match self.level {
            Level::Ok => "ok",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        };
        format!(
            "{level}: p95 {:.2}×, errors {:.2}× the baseline",
            self.p95_ratio, self.error_ratio
        )
    }
}

fn level(ratio: f64, (warn, crit): (f64, f64)) -> Level {
    if ratio >= crit {
        Level::Critical
    } else if ratio >= warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// Compares two p95s and error rates: the pure arithmetic.
pub fn compare(p95_now: f64, p95_base: f64, err_now: f64, err_base: f64) -> Comparison {
    let p95_ratio = if p95_base > 0.0 {
        p95_now / p95_base
    } else {
        1.0
    };
    let error_ratio = err_now.max(ERROR_FLOOR) / err_base.max(ERROR_FLOOR);
    Comparison {
        p95_ratio,
        error_ratio,
        level: if p95_now - p95_base < P95_FLOOR_MS {
            Level::Ok
        } else {
            level(p95_ratio, P95_LEVELS)
        }
        .max(level(error_ratio, ERROR_LEVELS)),
    }
}

/// Compares a run's summary with a saved baseline, from their `http_req_duration` histograms.
pub fn compare_summary(summary: &Summary, baseline: &Baseline) -> Option<Comparison> {
    let now = summary
        .metrics
        .get("http_req_duration")?
        .histogram
        .as_ref()?;
    let now = now.percentile(95.0).ok()?;
    let base = baseline.http_req_duration_histogram.as_ref()?;
    let base = base.percentile(95.0).ok()?;
    let err_now = summary.value("http_req_failed", "rate").unwrap_or(0.0);
    let err_base = baseline.error_rate.unwrap_or(0.0);
    Some(compare(now, base, err_now, err_base))
}

pub fn path(env: &str, suite: &str) -> PathBuf {
    root()
        .join("baselines")
        .join(env)
        .join(format!("{suite}.json"))
}

/// The baseline of a suite in an environment, if one was saved.
pub fn load(env: &str, suite: &str) -> Option<Baseline> {
    serde_json::from_slice(&std::fs::read(path(env, suite)).ok()?).ok()
}

/// `baseline save`: from `folder` (a suite's run folder), or the newest run of that suite.
pub fn save(env: &str, suite: &str, folder: Option<&Path>) -> Result<()> {
    let folder = match folder {
        Some(f) => f.to_path_buf(),
        None => newest(env, suite)?,
    };
    let file = folder.join("summary.json");
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let summary = Summary::from_json(&text)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("reading {}", file.display()))?;
    if !summary.passed {
        bail!(
            "{} did not pass: a failed run is no baseline",
            file.display()
        );
    }
    let baseline = Baseline::of(&summary, suite, env, &folder);
    let out = path(env, suite);
    std::fs::create_dir_all(out.parent().expect("a folder"))?;
    std::fs::write(&out, serde_json::to_string_pretty(&baseline)? + "\n")?;
    println!("saved {} from {}", out.display(), folder.display());
    Ok(())
}

/// The newest run folder of `suite` in `env` that has a summary.
fn newest(env: &str, suite: &str) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(runs_of(env))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|run| {
            let p = run.path();
            [p.join(suite), p.clone()]
        })
        .filter(|p| {
            p.join("summary.json").is_file()
                && (p.ends_with(suite)
                    || p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{suite}-"))))
        })
        .collect();
    found.sort_by_key(|p| {
        std::fs::metadata(p.join("summary.json"))
            .and_then(|m| m.modified())
            .ok()
    });
    found.pop().with_context(|| {
        format!(
            "no run of {suite} on {env} under {}",
            runs_of(env).display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alert_levels_are_the_original_suites() {
        // (p95 now, p95 then, errors now, errors then, level)
        let cases = [
            (100.0, 100.0, 0.0, 0.0, Level::Ok),
            (119.0, 100.0, 0.01, 0.01, Level::Ok),
            (120.0, 100.0, 0.0, 0.0, Level::Warning),
            (149.0, 100.0, 0.0, 0.0, Level::Warning),
            (150.0, 100.0, 0.0, 0.0, Level::Critical),
            (100.0, 100.0, 0.02, 0.01, Level::Warning),
            (100.0, 100.0, 0.05, 0.01, Level::Critical),
            // A 0 % baseline: errors are compared from 0.1 %.
            (100.0, 100.0, 0.0015, 0.0, Level::Ok),
            (100.0, 100.0, 0.005, 0.0, Level::Critical),
            (80.0, 100.0, 0.0, 0.0, Level::Ok),
            // 2 ms → 4 ms is 2×, but within the noise floor of 5 ms.
            (4.0, 2.0, 0.0, 0.0, Level::Ok),
            (8.0, 2.0, 0.0, 0.0, Level::Critical),
        ];
        for (p95_now, p95_base, e_now, e_base, expected) in cases {
            let c = compare(p95_now, p95_base, e_now, e_base);
            assert_eq!(
                c.level, expected,
                "{p95_now} {p95_base} {e_now} {e_base}: {c:?}"
            );
        }
    }

    /// A passed run's summary whose requests took `values_ms`, with `error_rate` failed.
    fn summary_with(values_ms: impl Iterator<Item = u64>, error_rate: f64) -> Summary {
        let mut trend = harness::metrics::TrendSink::new();
        for v in values_ms {
            trend.add(v as f64);
        }
        let histogram = EncodedHistogram {
            encoding: harness::report::HistogramEncoding::HdrV2DeflateBase64,
            scale: harness::metrics::TREND_SCALE,
            data: harness::metrics::encode_histogram(&trend.hist).unwrap(),
        };
        let report = harness::Report::ended_before_run("t", harness::run::Phase::Config, "");
        let mut summary = report.summary(&harness::report::RunInfo::default());
        use harness::metrics::MetricKind::{Counter, Rate, Trend};
        let metric = |kind, values: &[(&str, f64)], histogram| harness::report::MetricSummary {
            kind,
            unit: harness::metrics::Unit::None,
            values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            histogram,
            sub_metrics: Vec::new(),
            windows: Vec::new(),
        };
        summary.ended_early = None;
        summary.passed = true;
        summary.metrics = [
            ("http_reqs", metric(Counter, &[("count", 100.0)], None)),
            (
                "http_req_failed",
                metric(Rate, &[("rate", error_rate)], None),
            ),
            ("http_req_duration", metric(Trend, &[], Some(histogram))),
        ]
        .into_iter()
        .map(|(k, m)| (k.to_string(), m))
        .collect();
        summary
    }

    #[test]
    fn a_planted_1_6x_regression_is_critical_from_the_histograms() {
        let then = summary_with(1..=100, 0.0);
        let base = Baseline::of(&then, "smoke", "mock", Path::new("/r/smoke"));
        assert_eq!(base.requests, Some(100.0));
        // Every request 1.6× slower: p95 95 ms → 152 ms.
        let now = summary_with((1..=100).map(|v| v * 16 / 10), 0.0);
        let c = compare_summary(&now, &base).unwrap();
        assert_eq!(c.level, Level::Critical, "{c:?}");
        assert!((c.p95_ratio - 1.6).abs() < 0.02, "{c:?}");
        assert!(
            c.describe().starts_with("CRITICAL: p95 1.60×"),
            "{}",
            c.describe()
        );
        let same = compare_summary(&then, &base).unwrap();
        assert_eq!((same.level, same.p95_ratio), (Level::Ok, 1.0));
    }

    #[test]
    fn a_baseline_file_reads_back_as_saved_and_as_earlier_versions_wrote_it() {
        let summary = summary_with(1..=100, 0.02);
        let base = Baseline::of(&summary, "soak", "staging", Path::new("/r/soak"));
        let text = serde_json::to_string_pretty(&base).unwrap();
        assert_eq!(serde_json::from_str::<Baseline>(&text).unwrap(), base);
        // What `baseline save` wrote before this type: the same fields, nulls where absent.
        let earlier = r#"{"suite": "soak", "environment": "staging", "from": "/r/soak",
            "started_at": "2026-11-29T00:00:00Z", "git_commit": null, "time_scale": 1.0,
            "requests": null, "error_rate": 0.0, "p95_ms": null, "p99_ms": null,
            "http_req_duration_histogram": null}"#;
        let earlier: Baseline = serde_json::from_str(earlier).unwrap();
        assert_eq!((earlier.error_rate, earlier.requests), (Some(0.0), None));
        assert_eq!(
            compare_summary(&summary, &earlier),
            None,
            "no histogram, no comparison"
        );
    }
}
