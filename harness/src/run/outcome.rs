//! The result of a run: what it measured, its verdicts and the run-level problems. Writers
//! (text, JSON, ...) live in [`crate::report`] and take a finished `Report`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::early_end::{EarlyEnd, Phase, exit_code};
use crate::metrics::{Aggregation, Sink, Store, names};
use crate::scenario::Schedule;
use crate::threshold::{AbortReason, ThresholdResult, parse_expression, parse_selector};

/// What each scenario was planned to do, and how many iterations it completed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub executor: String,
    pub max_vus: u64,
    /// When it started, from the run's start (scenario start times count from the end of setup).
    #[serde(with = "secs")]
    pub start: Duration,
    #[serde(with = "secs")]
    pub duration: Duration,
    /// The VUs it needed over time, from its start: `(seconds, vus)` steps (k6's plan).
    pub plan: Vec<(f64, u64)>,
    /// Where its stages end, in seconds from its start (one end for an executor without stages).
    pub stage_ends: Vec<f64>,
    /// Iterations that ran to their end.
    pub iterations: u64,
    /// Iterations cut by the scenario's hard stop or a stop of the run.
    pub interrupted: u64,
}

impl ScenarioInfo {
    pub(crate) fn of(s: &Schedule, store: &Store, scenarios_start: Duration) -> ScenarioInfo {
        let only = [("scenario".to_string(), s.name.clone())];
        let count = |metric| {
            store
                .sink(metric, &only)
                .and_then(|k| k.aggregate(Aggregation::Count, Duration::ZERO))
                .unwrap_or(0.0) as u64
        };
        ScenarioInfo {
            name: s.name.clone(),
            executor: s.executor.name().to_string(),
            max_vus: s.executor.max_vus(),
            start: scenarios_start + s.start_time,
            duration: s.executor.duration(),
            plan: s
                .executor
                .plan()
                .iter()
                .map(|p| (p.offset.as_secs_f64(), p.vus))
                .collect(),
            stage_ends: s
                .executor
                .stage_ends()
                .iter()
                .map(Duration::as_secs_f64)
                .collect(),
            iterations: count(names::ITERATIONS),
            interrupted: count(names::INTERRUPTED_ITERATIONS),
        }
    }
}

/// A duration as seconds (a JSON number), and back.
mod secs {
    use std::time::Duration;

    use serde::Deserialize;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = f64::deserialize(d)?;
        Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom)
    }
}

/// Pass and fail counts of one check.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

/// Everything a finished run measured, and its verdicts.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    /// When the run started (wall clock).
    pub started_at: SystemTime,
    /// The target's origin (`scheme://host:port`, never credentials or a path), if one was set.
    pub target: Option<String>,
    pub duration: Duration,
    pub time_scale: f64,
    pub scenarios: Vec<ScenarioInfo>,
    pub store: Store,
    pub thresholds: Vec<ThresholdResult>,
    pub aborted: Option<AbortReason>,
    /// Iteration errors by message (the first kinds seen), with counts.
    pub iteration_errors: BTreeMap<String, u64>,
    /// What makes the run a failure whatever its thresholds say: a scenario that completed no
    /// iteration, a teardown that failed or timed out.
    pub problems: Vec<String>,
    /// Why the run is INVALID — the generator fell behind, so its numbers are not the
    /// target's — or `None` for a valid run.
    pub invalid: Option<String>,
    /// What each analysis the test asked for found.
    pub analyses: Vec<crate::analysis::Finding>,
    /// Where and why the run ended before its plan did — configuration refused, target
    /// unreachable, setup failed, a scenario panicked — or `None`. Thresholds and analyses
    /// are judged only when the load ran (an end in [`Phase::Scenarios`]).
    pub ended_early: Option<EarlyEnd>,
    /// For one segment of a split run: its share and what the merge needs. Its verdict is
    /// about partial data.
    pub segment: Option<super::SegmentRecord>,
    /// For a run merged from segments: its parts, and the shares missing from it.
    pub merged: Option<super::MergeRecord>,
}

impl Report {
    /// Whether every threshold passed, the run was not stopped early, it had no problem and it
    /// is valid.
    pub fn passed(&self) -> bool {
        self.ended_early.is_none()
            && self.merged.as_ref().is_none_or(|m| !m.partial())
            && self.aborted.is_none()
            && self.invalid.is_none()
            && self.problems.is_empty()
            && self.analyses.iter().all(|a| a.passed)
            && self.thresholds.iter().all(ThresholdResult::passed)
    }

    /// A report of a run that ended before it started — its configuration refused — with no
    /// metric and no verdict but that: every writer still gives it its file. `target` and
    /// `time_scale` (1) may be set afterwards when the caller knows them.
    pub fn ended_before_run(name: impl Into<String>, phase: Phase, reason: &str) -> Report {
        Report {
            name: name.into(),
            started_at: SystemTime::now(),
            target: None,
            duration: Duration::ZERO,
            time_scale: 1.0,
            scenarios: Vec::new(),
            store: Store::new(),
            thresholds: Vec::new(),
            aborted: None,
            iteration_errors: BTreeMap::new(),
            problems: Vec::new(),
            invalid: None,
            analyses: Vec::new(),
            ended_early: Some(EarlyEnd::new(phase, reason)),
            segment: None,
            merged: None,
        }
    }

    /// The exit status for a runner, k6's where it has one (see [`exit_code`]): 130 after a
    /// signal, 104 for a refused configuration, 107 for an unreachable target, a failed setup
    /// or a panicking scenario, 105 after an `abort_on_fail` threshold, 99 for any other
    /// failure, 0 when the run passed.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted() {
            return exit_code::INTERRUPTED;
        }
        match (&self.ended_early, &self.aborted) {
            (Some(e), _) if e.phase == Phase::Config => exit_code::CONFIG,
            (Some(_), _) => exit_code::SCRIPT,
            (None, Some(AbortReason::Threshold { .. })) => exit_code::ABORTED,
            _ if self.passed() => exit_code::PASSED,
            _ => exit_code::FAILED,
        }
    }

    /// Whether a signal (or the caller's stop) ended the run early: the edge exits with 130.
    pub fn interrupted(&self) -> bool {
        matches!(self.aborted, Some(AbortReason::Signal { .. }))
    }

    /// The thresholds that failed (including "no data" where not allowed).
    pub fn failed_thresholds(&self) -> Vec<&ThresholdResult> {
        self.thresholds.iter().filter(|t| !t.passed()).collect()
    }

    /// What a split run's reports say first: a segment's verdict is partial; a merge names its
    /// parts and, when partial, what is missing. Empty for a whole run.
    pub fn split_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(s) = &self.segment {
            notes.push(format!(
                "SEGMENT {} of a split run: this verdict is about its share only; the run's \
                 verdict is the merge's (cargo xtask merge)",
                s.segment
            ));
        }
        if let Some(m) = &self.merged {
            let parts: Vec<String> = m
                .parts
                .iter()
                .map(|p| {
                    let v = if p.passed { "passed" } else { "failed" };
                    format!("{} ({v} alone)", p.segment)
                })
                .collect();
            notes.push(format!(
                "MERGED from {} segments: {}; every figure and verdict is from the merged data",
                m.parts.len(),
                parts.join(", ")
            ));
            if m.partial() {
                notes.push(format!(
                    "PARTIAL: no data for {}: this result cannot pass",
                    m.missing.join(", ")
                ));
            }
        }
        notes
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

    /// Failed requests by class: `status` (an answer with an unexpected status) and each
    /// transport class (`timeout`, `connect`, `dns`, `tls`, `reset`, `body`, `body_too_large`,
    /// `interrupted`, ...), most frequent first.
    pub fn failures_by_class(&self) -> Vec<(String, u64)> {
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        let mut transport = 0;
        if let Some(series) = self.store.get(names::HTTP_TRANSPORT_ERRORS) {
            for (tags, sink) in series.by_tags() {
                let n = sink.samples();
                transport += n;
                *by.entry(tags.get("error").unwrap_or("other").to_string())
                    .or_default() += n;
            }
        }
        let unexpected = self.count("http_reqs{expected_response:false}") as u64;
        if unexpected > transport {
            by.insert("status".into(), unexpected - transport);
        }
        let mut out: Vec<_> = by.into_iter().filter(|(_, n)| *n > 0).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Requests sent again because their kept connection died under them (`http_req_resent`):
    /// none of them failed for it, but a target that drops idle connections shows here.
    pub fn resent(&self) -> u64 {
        self.count(names::HTTP_REQ_RESENT) as u64
    }

    /// Per-check pass and fail counts, by check name.
    pub fn checks(&self) -> Vec<CheckResult> {
        let mut by_name: BTreeMap<String, CheckResult> = BTreeMap::new();
        if let Some(series) = self.store.get(names::CHECKS) {
            for (tags, sink) in series.by_tags() {
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
}

/// One row of the per-endpoint table: the requests of one `name` tag.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EndpointRow {
    pub name: String,
    pub requests: u64,
    /// Requests whose response was not expected (an unexpected status or a transport error).
    pub failures: u64,
    /// `http_req_duration` percentiles and maximum, in ms.
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl EndpointRow {
    pub fn failure_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.failures as f64 / self.requests as f64
        }
    }
}

impl Report {
    /// The requests by their `name` tag, worst first: the highest failure rate, then the
    /// slowest p95.
    pub fn endpoints(&self) -> Vec<EndpointRow> {
        let Some(reqs) = self.store.get(names::HTTP_REQS) else {
            return Vec::new();
        };
        let mut seen: Vec<&str> = reqs.by_tags().filter_map(|(t, _)| t.get("name")).collect();
        seen.sort_unstable();
        seen.dedup();
        let mut rows: Vec<EndpointRow> = seen
            .into_iter()
            .map(|name| {
                let only = [("name".to_string(), name.to_string())];
                let duration = self.store.sink(names::HTTP_REQ_DURATION, &only);
                let at = |a| {
                    duration
                        .as_ref()
                        .and_then(|s| s.aggregate(a, self.duration))
                        .unwrap_or(0.0)
                };
                let failed = self.store.sink(names::HTTP_REQ_FAILED, &only);
                EndpointRow {
                    name: name.to_string(),
                    requests: reqs.merged(&only).samples(),
                    failures: match failed {
                        Some(Sink::Rate { trues, .. }) => trues,
                        _ => 0,
                    },
                    p50: at(Aggregation::Med),
                    p95: at(Aggregation::Percentile(95.0)),
                    p99: at(Aggregation::Percentile(99.0)),
                    max: at(Aggregation::Max),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.failure_rate()
                .total_cmp(&a.failure_rate())
                .then(b.p95.total_cmp(&a.p95))
                .then(a.name.cmp(&b.name))
        });
        rows
    }
}
