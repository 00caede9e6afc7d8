//! Evaluating compiled thresholds against the aggregated store.

use std::time::Duration;

use super::Compiled;
use crate::metrics::Store;

/// The verdict of one threshold.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ThresholdResult {
    /// The selector as written, e.g. `http_req_duration{name:GET /health}`.
    pub metric: String,
    /// The expression as written, e.g. `p(95)<200`.
    pub expression: String,
    /// The observed aggregate, or `None` when the metric had no samples.
    pub observed: Option<f64>,
    pub passed: bool,
    pub abort_on_fail: bool,
}

/// Evaluates every threshold. A metric with no samples passes with no observed value, as in k6,
/// and the summary says so.
pub fn evaluate(thresholds: &[Compiled], store: &Store, elapsed: Duration) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|t| {
            let sink = store
                .sink(&t.selector.metric, &t.selector.tags)
                .filter(|s| s.samples() > 0);
            let observed = sink.and_then(|s| s.aggregate(t.expression.aggregation, elapsed));
            let passed =
                observed.is_none_or(|v| t.expression.operator.holds(v, t.expression.value));
            ThresholdResult {
                metric: t.selector.to_string(),
                expression: t.source.clone(),
                observed,
                passed,
                abort_on_fail: t.abort_on_fail,
            }
        })
        .collect()
}
