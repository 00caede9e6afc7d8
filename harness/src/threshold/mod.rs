//! Thresholds: pass/fail criteria in k6's grammar (`p(95)<200` on `http_req_duration{name:...}`),
//! parsed and validated before the run, evaluated only on aggregated numbers.

mod eval;
mod parse;

pub use eval::{ThresholdResult, evaluate};
pub use parse::{Aggregation, Expression, Operator, Selector, parse_expression, parse_selector};

use std::time::Duration;

/// One threshold as written by the test author: a metric selector and an expression,
/// optionally aborting the run as soon as it fails.
#[derive(Debug, Clone)]
pub struct Threshold {
    pub(crate) expression: String,
    pub(crate) abort_on_fail: bool,
    pub(crate) delay_abort_eval: Duration,
}

impl Threshold {
    /// A threshold from k6's expression syntax, e.g. `Threshold::new("p(95)<200")`.
    pub fn new(expression: impl Into<String>) -> Threshold {
        Threshold {
            expression: expression.into(),
            abort_on_fail: false,
            delay_abort_eval: Duration::ZERO,
        }
    }

    /// Typed builder: `Threshold::agg(Aggregation::Percentile(95.0)).lt(200.0)`.
    pub fn agg(aggregation: Aggregation) -> TypedThreshold {
        TypedThreshold(aggregation)
    }

    /// Stop the whole test as soon as this threshold fails (k6's `abortOnFail`).
    pub fn abort_on_fail(mut self) -> Threshold {
        self.abort_on_fail = true;
        self
    }

    /// Do not abort during the first `delay` of the run (k6's `delayAbortEval`).
    pub fn delay_abort_eval(mut self, delay: Duration) -> Threshold {
        self.delay_abort_eval = delay;
        self
    }
}

impl From<&str> for Threshold {
    fn from(s: &str) -> Threshold {
        Threshold::new(s)
    }
}

impl From<String> for Threshold {
    fn from(s: String) -> Threshold {
        Threshold::new(s)
    }
}

/// The second half of the typed builder: pick the operator and limit.
#[derive(Debug, Clone, Copy)]
pub struct TypedThreshold(Aggregation);

impl TypedThreshold {
    fn with(self, op: Operator, value: f64) -> Threshold {
        Threshold::new(
            Expression {
                aggregation: self.0,
                operator: op,
                value,
            }
            .to_string(),
        )
    }
    pub fn lt(self, v: f64) -> Threshold {
        self.with(Operator::Lt, v)
    }
    pub fn le(self, v: f64) -> Threshold {
        self.with(Operator::Le, v)
    }
    pub fn gt(self, v: f64) -> Threshold {
        self.with(Operator::Gt, v)
    }
    pub fn ge(self, v: f64) -> Threshold {
        self.with(Operator::Ge, v)
    }
}

/// A threshold after parsing and validation: ready to evaluate.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub selector: Selector,
    pub source: String,
    pub expression: Expression,
    pub abort_on_fail: bool,
    pub delay_abort_eval: Duration,
}

/// Parses and checks one threshold against the metric kinds known before the run.
pub fn compile(
    metric: &str,
    threshold: &Threshold,
    kind_of: impl Fn(&str) -> Option<crate::metrics::MetricKind>,
) -> Result<Compiled, crate::Error> {
    let err = |reason: String| crate::Error::Threshold {
        metric: metric.to_string(),
        input: threshold.expression.clone(),
        reason,
    };
    let selector = parse_selector(metric).map_err(|r| crate::Error::Threshold {
        metric: metric.to_string(),
        input: metric.to_string(),
        reason: r,
    })?;
    let expression = parse_expression(&threshold.expression).map_err(err)?;
    let Some(kind) = kind_of(&selector.metric) else {
        return Err(err(format!(
            "no metric named {:?} (declare custom metrics with Test::metric)",
            selector.metric
        )));
    };
    if !crate::metrics::Sink::allows(kind, expression.aggregation) {
        return Err(err(format!(
            "aggregation {} does not apply to a {kind:?} metric",
            expression.aggregation
        )));
    }
    Ok(Compiled {
        selector,
        source: threshold.expression.trim().to_string(),
        expression,
        abort_on_fail: threshold.abort_on_fail,
        delay_abort_eval: threshold.delay_abort_eval,
    })
}
