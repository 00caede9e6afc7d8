//! Verdicts: thresholds — pass/fail criteria in k6's grammar (`p(95)<200` on `http_req_duration{name:...}`),
//! parsed and validated before the run, evaluated only on aggregated numbers.

mod eval;
mod parse;

pub use eval::{AbortReason, Span, ThresholdResult, Verdict, WindowRef, evaluate};
pub use parse::{Aggregation, Expression, Operator, Selector, parse_expression, parse_selector};

use std::time::Duration;

use crate::metrics::MetricKind;

/// One threshold as written by the test author: an expression (k6's text or the typed
/// builder's value), optionally aborting the run as soon as it fails.
#[derive(Debug, Clone)]
pub struct Threshold {
    pub(crate) expression: Spec,
    pub(crate) abort_on_fail: bool,
    pub(crate) delay_abort_eval: Duration,
    pub(crate) allow_no_data: bool,
    pub(crate) over: Option<Duration>,
    pub(crate) source: Option<String>,
}

/// A threshold's expression before validation.
#[derive(Debug, Clone)]
pub(crate) enum Spec {
    /// k6's text, parsed by `validate`.
    Text(String),
    /// Built with [`Threshold::agg`]: nothing to parse.
    Typed(Expression),
}

impl Threshold {
    /// A threshold from k6's expression syntax, e.g. `Threshold::new("p(95)<200")`.
    pub fn new(expression: impl Into<String>) -> Threshold {
        Threshold::from_spec(Spec::Text(expression.into()))
    }

    fn from_spec(expression: Spec) -> Threshold {
        Threshold {
            expression,
            abort_on_fail: false,
            delay_abort_eval: Duration::ZERO,
            allow_no_data: false,
            over: None,
            source: None,
        }
    }

    /// Typed builder: `Threshold::agg(Aggregation::Percentile(95.0)).lt(200.0)`.
    pub fn agg(aggregation: Aggregation) -> TypedThreshold {
        TypedThreshold(aggregation)
    }

    /// Makes the threshold windowed: its condition must hold in every window of `window`
    /// (whole seconds, at least 1) of the scenarios' time, not only over the whole run — the
    /// typed form of `p(95)<500 over 30s`. Windowed thresholds apply to a whole metric (no tag
    /// filter): the time series keeps all tag sets together.
    pub fn over(mut self, window: Duration) -> Threshold {
        self.over = Some(window);
        self
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

    /// Passes when its metric got no samples at all. By default "no data" fails: a threshold
    /// on a request that never completed must not pass.
    pub fn allow_no_data(mut self) -> Threshold {
        self.allow_no_data = true;
        self
    }

    /// Where the threshold comes from (`"suite"`, `"environment staging"`), named in the
    /// report. A test given one expression on one selector twice evaluates it once and names
    /// both sources.
    pub fn source(mut self, source: impl Into<String>) -> Threshold {
        self.source = Some(source.into());
        self
    }

    /// The expression as written, for messages.
    fn text(&self) -> String {
        match &self.expression {
            Spec::Text(t) => t.clone(),
            Spec::Typed(e) => e.to_string(),
        }
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
    fn with(self, operator: Operator, value: f64) -> Threshold {
        Threshold::from_spec(Spec::Typed(Expression {
            aggregation: self.0,
            operator,
            value,
            over: None,
        }))
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
    pub expression: Expression,
    pub abort_on_fail: bool,
    pub delay_abort_eval: Duration,
    pub allow_no_data: bool,
    /// Where it comes from, when the test said: more than one when the test gave the same
    /// expression on the same selector more than once.
    pub sources: Vec<String>,
}

impl Compiled {
    /// Takes in a duplicate of itself (one selector, one expression) from another source: it
    /// aborts if either did (as soon as the sooner of those allows), and allows no data only
    /// if both did.
    fn absorb(&mut self, other: Compiled) {
        self.delay_abort_eval = match (self.abort_on_fail, other.abort_on_fail) {
            (true, true) => self.delay_abort_eval.min(other.delay_abort_eval),
            (false, true) => other.delay_abort_eval,
            _ => self.delay_abort_eval,
        };
        self.abort_on_fail |= other.abort_on_fail;
        self.allow_no_data &= other.allow_no_data;
        for s in other.sources {
            if !self.sources.contains(&s) {
                self.sources.push(s);
            }
        }
    }
}

/// One threshold per selector and expression, in the order they were first given: a
/// duplicate (a suite's own SLO that its environment also sets) is merged into the first,
/// naming both sources. Different expressions on one metric stay apart.
pub fn dedupe(compiled: Vec<Compiled>) -> Vec<Compiled> {
    let mut out: Vec<Compiled> = Vec::with_capacity(compiled.len());
    for c in compiled {
        match out
            .iter_mut()
            .find(|o| o.selector == c.selector && o.expression == c.expression)
        {
            Some(first) => first.absorb(c),
            None => out.push(c),
        }
    }
    out
}

/// Parses and checks one threshold against the metric kinds known before the run.
pub fn compile(
    metric: &str,
    threshold: &Threshold,
    kind_of: impl Fn(&str) -> Option<MetricKind>,
) -> Result<Compiled, crate::Error> {
    let err = |reason: String| crate::Error::Threshold {
        metric: metric.to_string(),
        input: threshold.text(),
        reason,
    };
    let selector = parse_selector(metric).map_err(|r| crate::Error::Threshold {
        metric: metric.to_string(),
        input: metric.to_string(),
        reason: r,
    })?;
    let mut expression = match &threshold.expression {
        Spec::Text(t) => parse_expression(t).map_err(err)?,
        Spec::Typed(e) => e.clone(),
    };
    if let Some(window) = threshold.over {
        let secs = window.as_secs();
        if window.subsec_nanos() != 0 || !(1..=86_400).contains(&secs) {
            return Err(err(format!(
                "window {window:?} must be whole seconds, from 1s to 24h"
            )));
        }
        if expression.over.is_some_and(|o| o != secs) {
            return Err(err(
                "two different windows: in the text and in over()".into()
            ));
        }
        expression.over = Some(secs);
    }
    if expression.over.is_some() {
        if !selector.tags.is_empty() {
            return Err(err(
                "a windowed threshold applies to a whole metric: the time series keeps no tag \
                 sets apart, so drop the {tag:value} filter"
                    .into(),
            ));
        }
        if expression.aggregation == Aggregation::Value {
            return Err(err(
                "value has no meaning over a window (and value is all a \
                 Gauge allows, so a gauge takes no window)"
                    .into(),
            ));
        }
    }
    if !expression.value.is_finite() {
        return Err(err("the limit must be a finite number".into()));
    }
    if let Aggregation::Percentile(p) = expression.aggregation
        && !(0.0..=100.0).contains(&p)
    {
        return Err(err(format!("percentile {p} is outside 0..=100")));
    }
    let Some(kind) = kind_of(&selector.metric) else {
        return Err(err(format!(
            "no metric named {:?} (declare custom metrics with Test::metric)",
            selector.metric
        )));
    };
    if !crate::metrics::Sink::allows(kind, expression.aggregation) {
        return Err(err(format!(
            "aggregation {} does not apply to {:?}, a {kind:?} metric: a {kind:?} allows {}",
            expression.aggregation,
            selector.metric,
            crate::metrics::Sink::allowed(kind)
        )));
    }
    Ok(Compiled {
        selector,
        expression,
        abort_on_fail: threshold.abort_on_fail,
        delay_abort_eval: threshold.delay_abort_eval,
        allow_no_data: threshold.allow_no_data,
        sources: threshold.source.iter().cloned().collect(),
    })
}
