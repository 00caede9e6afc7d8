//! Evaluating compiled thresholds against the aggregated store, and why a run may end early.

use std::time::Duration;

use super::{Compiled, Expression, Selector};
use crate::metrics::{MetricKind, Store};

/// A threshold's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The metric had no samples: a failure unless the threshold allows it
    /// ([`Threshold::allow_no_data`](super::Threshold::allow_no_data)). A counter with no
    /// samples is not "no data": it counted zero.
    NoData,
}

/// The verdict of one threshold, with its parsed selector and expression.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ThresholdResult {
    pub selector: Selector,
    pub expression: Expression,
    /// The observed aggregate, or `None` when the metric had no samples.
    pub observed: Option<f64>,
    pub verdict: Verdict,
    pub abort_on_fail: bool,
    /// Whether "no data" counts as a pass for this threshold.
    pub allow_no_data: bool,
    /// For a windowed threshold: the window whose value is `observed` (the worst one).
    pub worst_window: Option<WindowRef>,
    /// Where the threshold comes from (`suite`, `environment local`), when the test said;
    /// two when one expression on one selector came from both.
    pub sources: Vec<String>,
}

/// One window of the run: its first second (from the run's start) and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowRef {
    pub start: u64,
    pub seconds: u64,
}

/// The part of the run windowed thresholds look at: the scenarios' time, from the end of setup
/// to the start of teardown (seconds from the run's start), with windows aligned at `from`.
/// Mid-run, only windows that have ended (`complete_only`) count.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub from: u64,
    pub to: u64,
    pub complete_only: bool,
}

impl ThresholdResult {
    /// Its sources as one phrase (`suite, environment local`); empty when the test named none.
    pub fn sources_text(&self) -> String {
        self.sources.join(", ")
    }

    /// Pass, or no data where the threshold allows it.
    pub fn passed(&self) -> bool {
        match self.verdict {
            Verdict::Pass => true,
            Verdict::Fail => false,
            Verdict::NoData => self.allow_no_data,
        }
    }
}

/// Why a run ended before its plan did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AbortReason {
    /// An `abort_on_fail` threshold failed.
    Threshold {
        selector: Selector,
        expression: Expression,
    },
    /// The process got SIGINT (Ctrl-C) or SIGTERM, or the caller stopped the run.
    Signal { signal: String },
}

/// "threshold http_req_failed rate<0.01 failed (abort_on_fail)", "interrupted by SIGINT".
impl std::fmt::Display for AbortReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AbortReason::Threshold {
                selector,
                expression,
            } => write!(
                f,
                "threshold {selector} {expression} failed (abort_on_fail)"
            ),
            AbortReason::Signal { signal } => write!(f, "interrupted by {signal}"),
        }
    }
}

/// Evaluates every threshold on the store; windowed ones on the windows of `span`.
pub fn evaluate(
    thresholds: &[Compiled],
    store: &Store,
    elapsed: Duration,
    span: Span,
) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|t| {
            let (observed, worst_window) = match t.expression.over {
                Some(width) => worst_window(t, store, span, width),
                None => {
                    let sink = store.sink(&t.selector.metric, &t.selector.tags);
                    let counter = sink
                        .as_ref()
                        .is_some_and(|s| s.kind() == MetricKind::Counter);
                    let observed = sink
                        .filter(|s| counter || s.samples() > 0)
                        .and_then(|s| s.aggregate(t.expression.aggregation, elapsed));
                    (observed, None)
                }
            };
            let verdict = match observed {
                None => Verdict::NoData,
                Some(v) if t.expression.operator.holds(v, t.expression.value) => Verdict::Pass,
                Some(_) => Verdict::Fail,
            };
            ThresholdResult {
                selector: t.selector.clone(),
                expression: t.expression.clone(),
                observed,
                verdict,
                abort_on_fail: t.abort_on_fail,
                allow_no_data: t.allow_no_data,
                worst_window,
                sources: t.sources.clone(),
            }
        })
        .collect()
}

/// The value of the worst window of `width` seconds in `span` (the first that fails, else the
/// closest to failing), and that window; `None` when no window has samples.
fn worst_window(
    t: &Compiled,
    store: &Store,
    span: Span,
    width: u64,
) -> (Option<f64>, Option<WindowRef>) {
    let Some(series) = store.get(&t.selector.metric) else {
        return (None, None);
    };
    let e = &t.expression;
    let mut worst: Option<(f64, WindowRef)> = None;
    let mut start = span.from;
    while start < span.to {
        let end = start.saturating_add(width);
        if span.complete_only && end > span.to {
            break;
        }
        let (bucket, covered) = series.timeline().between(start, end.min(span.to));
        let seconds = covered.max(1) as f64;
        if let Some(v) = bucket.aggregate(e.aggregation, seconds) {
            let here = WindowRef {
                start,
                seconds: width,
            };
            let fails = !e.operator.holds(v, e.value);
            let worse = match &worst {
                None => true,
                Some((w, _)) if !e.operator.holds(*w, e.value) => false,
                Some(_) if fails => true,
                Some((w, _)) => e.operator.worse(v, *w),
            };
            if worse {
                worst = Some((v, here));
            }
        }
        start = end;
    }
    match worst {
        Some((v, w)) => (Some(v), Some(w)),
        None => (None, None),
    }
}
