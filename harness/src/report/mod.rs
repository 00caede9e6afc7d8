//! The result of a run and its writers: the end-of-test summary (text) and JSON. Writers take a
//! finished [`Report`] and any `Write`, so tests need no terminal.

mod json;
mod text;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::engine::AbortReason;
use crate::metrics::{Sink, Store};
use crate::threshold::{ThresholdResult, parse_expression, parse_selector};

/// What each scenario was planned to do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub executor: String,
    pub max_vus: u64,
    #[serde(with = "json::secs")]
    pub duration: Duration,
}

/// Pass and fail counts of one check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckResult {
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

/// Everything a finished run measured, and its verdicts.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub duration: Duration,
    pub time_scale: f64,
    pub scenarios: Vec<ScenarioInfo>,
    pub store: Store,
    pub thresholds: Vec<ThresholdResult>,
    pub aborted: Option<AbortReason>,
    /// Iteration errors by message (the first kinds seen), with counts.
    pub iteration_errors: BTreeMap<String, u64>,
}

impl Report {
    /// Whether every threshold passed and the run was not stopped early.
    pub fn passed(&self) -> bool {
        self.aborted.is_none() && self.thresholds.iter().all(|t| t.passed)
    }

    /// The thresholds that failed.
    pub fn failed_thresholds(&self) -> Vec<&ThresholdResult> {
        self.thresholds.iter().filter(|t| !t.passed).collect()
    }

    /// Fails the calling test with a readable table when a threshold failed or the run was
    /// stopped early.
    #[track_caller]
    pub fn assert_thresholds(&self) {
        if self.passed() {
            return;
        }
        let mut out = Vec::new();
        let _ = text::write_threshold_table(self, &mut out);
        let why = match &self.aborted {
            Some(AbortReason::Threshold { metric, expression }) => {
                format!(" (aborted: {metric} {expression} failed with abort_on_fail)")
            }
            Some(AbortReason::Signal { signal }) => format!(" (interrupted by {signal})"),
            None => String::new(),
        };
        panic!(
            "{}: {} of {} thresholds failed{why}\n{}",
            self.name,
            self.failed_thresholds().len(),
            self.thresholds.len(),
            String::from_utf8_lossy(&out)
        );
    }

    /// The merged sink of a metric or tagged sub-metric, e.g. `http_reqs{status:200}`.
    ///
    /// # Panics
    /// If the selector does not parse (a bug in the calling test).
    pub fn sink(&self, selector: &str) -> Option<Sink> {
        let s = parse_selector(selector).unwrap_or_else(|e| panic!("selector {selector:?}: {e}"));
        self.store.sink(&s.metric, &s.tags)
    }

    /// One aggregate (`count`, `rate`, `avg`, `p(95)`, ...) of a metric or sub-metric;
    /// `None` when the metric has no samples.
    pub fn value(&self, selector: &str, aggregation: &str) -> Option<f64> {
        let expr = parse_expression(&format!("{aggregation}>0"))
            .unwrap_or_else(|e| panic!("aggregation {aggregation:?}: {e}"));
        self.sink(selector)
            .filter(|s| s.samples() > 0)
            .and_then(|s| s.aggregate(expr.aggregation, self.duration))
    }

    /// The total of a counter (or the sample count of a trend), 0 when absent.
    pub fn count(&self, selector: &str) -> f64 {
        self.value(selector, "count").unwrap_or(0.0)
    }

    /// Per-check pass and fail counts, by check name.
    pub fn checks(&self) -> Vec<CheckResult> {
        let mut by_name: BTreeMap<String, CheckResult> = BTreeMap::new();
        if let Some(series) = self.store.get(crate::metrics::names::CHECKS) {
            for (tags, sink) in &series.by_tags {
                let Sink::Rate { trues, total } = sink else {
                    continue;
                };
                let name = tags.get("check").unwrap_or("").to_string();
                let entry = by_name.entry(name.clone()).or_insert(CheckResult {
                    name,
                    passes: 0,
                    fails: 0,
                });
                entry.passes += trues;
                entry.fails += total - trues;
            }
        }
        by_name.into_values().collect()
    }

    /// Writes the end-of-test summary, in k6's spirit.
    pub fn write_summary(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        text::write_summary(self, out)
    }

    /// The report as JSON: metrics with their aggregates, checks, thresholds, per-second series.
    pub fn to_json(&self) -> serde_json::Value {
        json::to_json(self)
    }
}
