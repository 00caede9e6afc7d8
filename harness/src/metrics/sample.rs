//! Samples: the plain data a VU emits. The work loop only builds these; the collector aggregates.

use std::time::Duration;

use super::{HttpSample, Tags};

/// The four metric types of k6.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// A sum of added values (`count`, `rate` per second).
    Counter,
    /// The last value set (`value`, also `min`/`max`).
    Gauge,
    /// The fraction of non-zero values (`rate`).
    Rate,
    /// A distribution of values (`avg`, `min`, `med`, `max`, `p(N)`), in an HDR histogram.
    Trend,
}

impl MetricKind {
    /// Its name in reports: `counter`, `gauge`, `rate` or `trend`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "trend",
        }
    }
}

/// A duration in milliseconds, the unit of every time metric: the one place this is converted.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One recorded value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
}

impl Value {
    #[inline]
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Number(v) => v,
            Value::Bool(b) => f64::from(u8::from(b)),
        }
    }
}

/// One observation of one metric, with its tags and its time since the test started. Its name
/// and kind come from a [`Metric`](super::Metric) handle.
#[derive(Debug, Clone)]
pub struct Sample {
    pub metric: &'static str,
    pub kind: MetricKind,
    pub tags: Tags,
    pub value: Value,
    pub at: Duration,
}

/// What a VU's buffer holds: single samples, or a whole request.
#[derive(Debug, Clone)]
pub enum Entry {
    Point(Sample),
    Http(HttpSample),
}
