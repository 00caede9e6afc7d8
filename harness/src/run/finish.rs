//! The last phase: the collector's store and how the phases before it ended become the
//! [`Report`] — verdicts (thresholds, analyses, validity) and the run-level problems.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::collector::Collected;
use super::early_end::EarlyEnd;
use super::outcome::{Report, ScenarioInfo};
use super::{Options, Plan, SegmentRecord};
use crate::analysis::Finding;
use crate::metrics::Store;
use crate::threshold::{self, AbortReason};

/// How the phases before the report ended.
pub(super) struct Ended {
    pub started_at: SystemTime,
    /// The whole run's length, setup and teardown included.
    pub elapsed: Duration,
    pub scenarios_started_at: SystemTime,
    /// The end of setup, from the run's start: scenario start times count from it.
    pub scenarios_start: Duration,
    /// When the last scenario ended, from the run's start (its start when none ran).
    pub scenarios_end: Duration,
    pub ended_early: Option<EarlyEnd>,
    pub aborted: Option<AbortReason>,
    /// What executors returned from their runs (a capacity search's finding).
    pub findings: Vec<Finding>,
    /// Problems of the phases so far (a failed teardown), as sentences.
    pub problems: Vec<String>,
    pub iteration_errors: BTreeMap<String, u64>,
}

/// The report of a run from its options, plan, gathered metrics and ends.
pub(super) fn report(options: Options, plan: &Plan, collected: Collected, ended: Ended) -> Report {
    let Collected { store, series } = collected;
    let mut problems = ended.problems;
    if let Some(Err(e)) = series {
        problems.push(e);
    }
    problems.extend(store.problems());
    let scenarios: Vec<ScenarioInfo> = plan
        .scenarios
        .iter()
        .map(|s| ScenarioInfo::of(s, &store, ended.scenarios_start))
        .collect();
    // Verdicts are about the load: a run that ended before it has none but its end.
    let loaded = ended
        .ended_early
        .as_ref()
        .is_none_or(|e| !e.phase.before_load());
    // A run that ended early is judged by its end: a panicking scenario's own cost (a
    // backtrace printed on a worker thread) must not turn its verdict into INVALID.
    let invalid = ended
        .ended_early
        .is_none()
        .then(|| options.validity.judge(&store))
        .flatten();
    let mut analyses = if loaded {
        analyze(
            &options.analyses,
            &store,
            &scenarios,
            ended.scenarios_end,
            plan.time_scale,
        )
    } else {
        Vec::new()
    };
    analyses.extend(ended.findings);
    for s in &scenarios {
        if s.iterations == 0 && ended.aborted.is_none() && ended.ended_early.is_none() {
            problems.push(format!(
                "scenario {:?} completed no iteration: its target never answered in time, \
                 or every iteration was interrupted",
                s.name
            ));
        }
    }
    let thresholds = if loaded {
        threshold::evaluate(
            &plan.thresholds,
            &store,
            ended.elapsed,
            threshold::Span {
                from: ended.scenarios_start.as_secs(),
                to: ended.scenarios_end.as_secs_f64().ceil() as u64,
                complete_only: false,
            },
        )
    } else {
        Vec::new()
    };
    Report {
        name: options.name,
        started_at: ended.started_at,
        target: plan
            .base_url
            .as_ref()
            .map(|u| u.origin().ascii_serialization()),
        duration: ended.elapsed,
        time_scale: plan.time_scale,
        scenarios,
        thresholds,
        store,
        aborted: ended.aborted,
        iteration_errors: ended.iteration_errors,
        problems,
        invalid,
        analyses,
        ended_early: ended.ended_early,
        segment: (!plan.segment.is_whole()).then(|| SegmentRecord {
            segment: plan.segment,
            fingerprint: plan.fingerprint.clone(),
            start_at: options.start_at.map(|(at, _)| at),
            scenarios_started_at: ended.scenarios_started_at,
            scenarios_start: ended.scenarios_start,
            scenarios_end: ended.scenarios_end,
            analyses: options.analyses,
        }),
        merged: None,
    }
}

/// Runs the analyses on the scenarios' time, with the first scenario's stages.
pub(crate) fn analyze(
    analyses: &[crate::analysis::Analysis],
    store: &Store,
    scenarios: &[ScenarioInfo],
    scenarios_end: Duration,
    time_scale: f64,
) -> Vec<crate::analysis::Finding> {
    let Some(first) = scenarios.first() else {
        return Vec::new();
    };
    let start = first.start.as_secs_f64();
    let mut stages = Vec::new();
    let mut prev = start;
    for end in &first.stage_ends {
        stages.push((prev, start + end));
        prev = start + end;
    }
    let cx = crate::analysis::Context {
        from: scenarios
            .iter()
            .map(|s| s.start.as_secs_f64())
            .fold(start, f64::min),
        to: scenarios_end.as_secs_f64(),
        stages,
        time_scale,
        iteration_s: store
            .sink(crate::metrics::names::ITERATION_DURATION, &[])
            .filter(|s| s.samples() > 0)
            .and_then(|s| s.aggregate(crate::metrics::Aggregation::Med, Duration::ZERO))
            .map(|ms| ms / 1000.0),
    };
    analyses.iter().map(|a| a.run(store, &cx)).collect()
}
