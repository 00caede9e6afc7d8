//! Evaluating compiled thresholds against the aggregated store, and why a run may end early.

use std::time::Duration;

use super::{Compiled, Expression, Selector};
use crate::metrics::{MetricKind, Store};

/// A threshold's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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
}

impl ThresholdResult {
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

/// Evaluates every threshold on the store.
pub fn evaluate(thresholds: &[Compiled], store: &Store, elapsed: Duration) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|t| {
            let sink = store.sink(&t.selector.metric, &t.selector.tags);
            let counter = sink
                .as_ref()
                .is_some_and(|s| s.kind() == MetricKind::Counter);
            let observed = sink
                .filter(|s| counter || s.samples() > 0)
                .and_then(|s| s.aggregate(t.expression.aggregation, elapsed));
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
            }
        })
        .collect()
}
