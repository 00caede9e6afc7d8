//! `summary.json`: the run as typed, versioned data (schema in `docs/report-schema.md` and
//! `docs/summary.schema.json`), written from a [`Summary`] and read back into one by every
//! reader — the merge, xtask's table and baselines. Every trend and sub-metric carries its HDR
//! histogram (hdrhistogram's V2 format, DEFLATE-compressed, base64), so runs from several
//! machines merge exactly.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::text::TREND_COLUMNS;
use crate::Report;
use crate::analysis::Finding;
use crate::clock::rfc3339;
use crate::metrics::{Aggregation, MetricKind, Series, Sink, Unit, decode_histogram, unit_of};
use crate::run::{CheckResult, EarlyEnd, EndpointRow, MergedPart, ScenarioInfo};
use crate::threshold::{AbortReason, Expression, Selector, ThresholdResult, Verdict, WindowRef};

/// The version of `summary.json`'s shape. Raised on any change a reader must know about.
pub const SCHEMA_VERSION: u32 = 3;

/// The tags whose values get sub-metrics of their own in the summary.
pub const SUB_METRIC_TAGS: [&str; 2] = ["name", "status"];

/// Facts about a run that the harness cannot know: what the caller ran, where, from which commit.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub suite: Option<String>,
    pub environment: Option<String>,
    pub git_commit: Option<String>,
}

/// `summary.json`, whole: what a run writes and what every reader (the merge, xtask's table
/// and baselines) reads back, through this one type. See `docs/report-schema.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schema_version: u32,
    pub run: RunMeta,
    /// The verdict: every threshold passed, the run was not stopped and it had no problem.
    pub passed: bool,
    pub aborted: Option<AbortReason>,
    /// Where and why the run ended before its plan did (schema version 2), or null.
    pub ended_early: Option<EarlyEnd>,
    /// Why the run is INVALID (the generator fell behind), or null.
    pub invalid: Option<String>,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub scenarios: Vec<ScenarioInfo>,
    pub thresholds: Vec<ThresholdSummary>,
    pub checks: Vec<CheckResult>,
    /// What each analysis found (breaking point, recovery, degradation).
    pub analyses: Vec<Finding>,
    /// Failed requests by class (`status`, `timeout`, `connect`, `interrupted`, ...).
    pub failures_by_class: BTreeMap<String, u64>,
    pub iteration_errors: BTreeMap<String, u64>,
    pub endpoints: Vec<EndpointRow>,
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Requests by the HTTP version they went out on (`HTTP/1.1`, `HTTP/2.0`), from
    /// `http_reqs_by_proto`; a merged summary's are its parts' summed (the merge adds their
    /// stores). Absent (empty) in a summary written before HTTP/2.
    #[serde(default)]
    pub protocols: BTreeMap<String, u64>,
    /// For one segment of a split run (schema version 3): its share and everything the merge
    /// needs, the whole store included; null for a whole run.
    pub segment: Option<SegmentSummary>,
    /// For a run merged from segments (schema version 3): its parts and the missing shares;
    /// null otherwise.
    pub merged: Option<MergedSummary>,
}

impl Summary {
    /// Reads a `summary.json`'s text: its schema version first — a file of another version is
    /// refused with a sentence naming both —, then the whole.
    pub fn from_json(json: &str) -> Result<Summary, String> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let v: Version =
            serde_json::from_str(json).map_err(|e| format!("not a summary.json: {e}"))?;
        if v.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "summary.json schema version {}, this harness reads {SCHEMA_VERSION}",
                v.schema_version
            ));
        }
        serde_json::from_str(json).map_err(|e| format!("not a summary.json: {e}"))
    }

    /// One of k6's aggregates of a whole metric by its name in `values` (`count`, `rate`,
    /// `p(95)`, …), if the metric had it.
    pub fn value(&self, metric: &str, aggregate: &str) -> Option<f64> {
        self.metrics.get(metric)?.values.get(aggregate).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSummary {
    /// `i/N` or `from:to`.
    pub segment: String,
    /// A hash of the whole test's plan: the same in every segment of one run.
    pub fingerprint: String,
    /// The common start every instance waited for, if one was set.
    pub start_at: Option<String>,
    /// When this instance's scenarios started, in milliseconds since the Unix epoch.
    pub scenarios_started_at_ms: u64,
    /// The scenarios' time in this run's seconds (from its start): end of setup, start of
    /// teardown.
    pub scenarios_start_s: f64,
    pub scenarios_end_s: f64,
    /// The analyses the whole test asks for (the merge runs them on the merged data).
    pub analyses: Vec<crate::analysis::Analysis>,
    /// Every metric's sinks and windows (see `harness::metrics::StoreDump`).
    pub store: crate::metrics::StoreDump,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedSummary {
    pub parts: Vec<MergedPart>,
    /// The shares no part covered: a PARTIAL result, never passed.
    pub missing: Vec<String>,
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub name: String,
    pub suite: Option<String>,
    pub environment: Option<String>,
    /// The target's origin: scheme, host and port only.
    pub target: Option<String>,
    pub started_at: String,
    pub duration_s: f64,
    pub time_scale: f64,
    pub harness_version: String,
    pub git_commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSummary {
    /// As written, e.g. `http_req_duration{name:GET /health}`.
    pub selector: Selector,
    pub metric: String,
    pub tags: BTreeMap<String, String>,
    /// As written, e.g. `p(95)<300`.
    pub expression: Expression,
    pub aggregation: String,
    pub operator: String,
    pub limit: f64,
    /// For a windowed threshold (`… over 30s`): the window length, in seconds.
    pub window_seconds: Option<u64>,
    /// For a windowed threshold: the worst window, whose value is `observed`.
    pub worst_window: Option<WindowRef>,
    pub observed: Option<f64>,
    pub verdict: Verdict,
    pub passed: bool,
    pub abort_on_fail: bool,
    pub allow_no_data: bool,
    /// Where the threshold comes from (`suite`, `environment local`); absent in older files.
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    #[serde(rename = "type")]
    pub kind: MetricKind,
    /// `ms`, `bytes` or `none` (a count or a fraction).
    pub unit: Unit,
    /// k6's aggregates by their names (`avg`, `p(95)`, `count`, `rate`, …).
    pub values: BTreeMap<String, f64>,
    pub histogram: Option<EncodedHistogram>,
    /// The metric restricted to one value of a tag in [`SUB_METRIC_TAGS`].
    pub sub_metrics: Vec<SubMetric>,
    /// Its windows over time: per second for the last minute, per 10 s for the last hour, per
    /// minute before.
    pub windows: Vec<WindowSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubMetric {
    pub tag: String,
    pub value: String,
    pub values: BTreeMap<String, f64>,
    pub histogram: Option<EncodedHistogram>,
}

/// How a histogram is written: the one encoding there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistogramEncoding {
    /// hdrhistogram's V2 serialisation, DEFLATE-compressed, in base64.
    #[serde(rename = "hdr-v2-deflate-base64")]
    HdrV2DeflateBase64,
}

/// A trend's whole-run HDR histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodedHistogram {
    pub encoding: HistogramEncoding,
    /// Recorded values are the metric's values times this (µs for a ms trend), rounded.
    pub scale: f64,
    pub data: String,
}

impl EncodedHistogram {
    /// The histogram, decoded (its values are the metric's times [`EncodedHistogram::scale`]).
    pub fn decode(&self) -> Result<Histogram<u64>, String> {
        decode_histogram(&self.data)
    }

    /// The metric's value at percentile `p` (0–100), in the metric's unit: the histogram's
    /// value at that quantile over the scale (the summary's own figure also clamps it to the
    /// metric's min and max).
    pub fn percentile(&self, p: f64) -> Result<f64, String> {
        Ok(self.decode()?.value_at_quantile(p / 100.0) as f64 / self.scale)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    /// Its first second, from the run's start.
    pub t: u64,
    pub seconds: u64,
    pub count: u64,
    pub sum: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// For a rate: how many samples were true.
    pub trues: Option<u64>,
    /// For a trend: within 1 %.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

pub(super) fn summary(r: &Report, info: &RunInfo) -> Summary {
    Summary {
        schema_version: SCHEMA_VERSION,
        run: RunMeta {
            name: r.name.clone(),
            suite: info.suite.clone(),
            environment: info.environment.clone(),
            target: r.target.clone(),
            started_at: rfc3339(r.started_at),
            duration_s: r.duration.as_secs_f64(),
            time_scale: r.time_scale,
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: info.git_commit.clone(),
        },
        passed: r.passed(),
        aborted: r.aborted.clone(),
        ended_early: r.ended_early.clone(),
        invalid: r.invalid.clone(),
        problems: r.problems.clone(),
        warnings: r.store.warnings(),
        scenarios: r.scenarios.clone(),
        thresholds: r.thresholds.iter().map(threshold).collect(),
        checks: r.checks(),
        analyses: r.analyses.clone(),
        failures_by_class: r.failures_by_class().into_iter().collect(),
        iteration_errors: r.iteration_errors.clone(),
        endpoints: r.endpoints(),
        metrics: r
            .store
            .iter()
            .map(|(name, series)| (name.to_string(), metric(name, series, r)))
            .collect(),
        protocols: super::text::protocols(r),
        segment: r.segment.as_ref().map(|s| SegmentSummary {
            segment: s.segment.to_string(),
            fingerprint: s.fingerprint.clone(),
            start_at: s.start_at.map(rfc3339),
            scenarios_started_at_ms: s
                .scenarios_started_at
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            scenarios_start_s: s.scenarios_start.as_secs_f64(),
            scenarios_end_s: s.scenarios_end.as_secs_f64(),
            analyses: s.analyses.clone(),
            store: r.store.dump(),
        }),
        merged: r.merged.as_ref().map(|m| MergedSummary {
            parts: m.parts.clone(),
            missing: m.missing.clone(),
            partial: m.partial(),
        }),
    }
}

fn threshold(t: &ThresholdResult) -> ThresholdSummary {
    ThresholdSummary {
        selector: t.selector.clone(),
        metric: t.selector.metric.clone(),
        tags: t.selector.tags.iter().cloned().collect(),
        expression: t.expression.clone(),
        aggregation: t.expression.aggregation.to_string(),
        operator: t.expression.operator.to_string(),
        limit: t.expression.value,
        window_seconds: t.expression.over,
        worst_window: t.worst_window,
        observed: t.observed,
        verdict: t.verdict,
        passed: t.passed(),
        abort_on_fail: t.abort_on_fail,
        allow_no_data: t.allow_no_data,
        sources: t.sources.clone(),
    }
}

fn metric(name: &str, series: &Series, r: &Report) -> MetricSummary {
    let whole = series.merged(&[]);
    let mut sub_metrics = Vec::new();
    for tag in SUB_METRIC_TAGS {
        let mut seen: Vec<&str> = series.by_tags().filter_map(|(t, _)| t.get(tag)).collect();
        seen.sort_unstable();
        seen.dedup();
        for value in seen {
            let sink = series.merged(&[(tag.to_string(), value.to_string())]);
            sub_metrics.push(SubMetric {
                tag: tag.to_string(),
                value: value.to_string(),
                values: values(&sink, r),
                histogram: histogram(&sink),
            });
        }
    }
    MetricSummary {
        kind: series.kind(),
        unit: unit_of(name),
        values: values(&whole, r),
        histogram: histogram(&whole),
        sub_metrics,
        windows: series
            .timeline()
            .windows()
            .map(|w| {
                let b = w.bucket;
                let seen = b.count > 0;
                WindowSummary {
                    t: w.start,
                    seconds: w.seconds,
                    count: b.count,
                    sum: b.sum,
                    min: seen.then_some(b.min),
                    max: seen.then_some(b.max),
                    trues: (series.kind() == MetricKind::Rate).then_some(b.trues),
                    p50: b.percentile(50.0),
                    p95: b.percentile(95.0),
                    p99: b.percentile(99.0),
                }
            })
            .collect(),
    }
}

/// The aggregates k6's summary shows for each kind, by their k6 names.
fn values(sink: &Sink, r: &Report) -> BTreeMap<String, f64> {
    let trend: Vec<(&str, Aggregation)> = TREND_COLUMNS
        .into_iter()
        .chain([("count", Aggregation::Count)])
        .collect();
    let aggs: &[(&str, Aggregation)] = match sink.kind() {
        MetricKind::Trend => &trend,
        MetricKind::Counter => &[("count", Aggregation::Count), ("rate", Aggregation::Rate)],
        MetricKind::Rate => &[("rate", Aggregation::Rate)],
        MetricKind::Gauge => &[
            ("value", Aggregation::Value),
            ("min", Aggregation::Min),
            ("max", Aggregation::Max),
        ],
    };
    let mut m = BTreeMap::new();
    if sink.samples() == 0 && sink.kind() != MetricKind::Counter {
        return m;
    }
    for (k, a) in aggs {
        if let Some(v) = sink.aggregate(*a, r.duration) {
            m.insert(k.to_string(), v);
        }
    }
    if let Sink::Rate { trues, total } = sink {
        m.insert("passes".into(), *trues as f64);
        m.insert("fails".into(), (total - trues) as f64);
    }
    m
}

fn histogram(sink: &Sink) -> Option<EncodedHistogram> {
    let Sink::Trend(t) = sink else { return None };
    if t.count == 0 {
        return None;
    }
    Some(EncodedHistogram {
        encoding: HistogramEncoding::HdrV2DeflateBase64,
        scale: crate::metrics::TREND_SCALE,
        data: crate::metrics::encode_histogram(&t.hist)?,
    })
}
