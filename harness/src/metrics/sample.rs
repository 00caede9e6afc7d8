//! Samples: the plain data a VU emits. The work loop only builds these; the collector aggregates.

use std::borrow::Cow;
use std::time::Duration;

use super::Tags;

/// The four metric types of k6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// One recorded value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Number(v) => v,
            Value::Bool(b) => f64::from(u8::from(b)),
        }
    }
}

/// One observation of one metric, with its tags and its time since the test started.
#[derive(Debug, Clone)]
pub struct Sample {
    pub metric: Cow<'static, str>,
    pub kind: MetricKind,
    pub tags: Tags,
    pub value: Value,
    pub at: Duration,
}

/// One HTTP request: the one record a request leaves, built where its response is read, with
/// its times already in milliseconds. It feeds the ten [`HTTP_METRICS`](super::HTTP_METRICS).
#[derive(Debug, Clone)]
pub struct HttpSample {
    pub tags: Tags,
    pub at: Duration,
    pub duration_ms: f64,
    pub waiting_ms: f64,
    /// Time spent waiting for a connection permit before sending (k6's `http_req_blocked`).
    pub blocked_ms: f64,
    /// Opening a TCP connection for this request (0 on a kept one).
    pub connecting_ms: f64,
    /// The TLS handshake on a new `https` connection.
    pub tls_handshaking_ms: f64,
    /// Whether the status was one the request expected (k6's `expected_response`); false on
    /// any failure. `http_req_failed` is its negation.
    pub expected_response: bool,
    /// Bytes written on its connections (request line, headers, body; every attempt).
    pub sent: u64,
    /// Bytes read (status line, headers, body with its chunked framing; every attempt).
    pub received: u64,
    /// How many times it was sent again after its kept connection died under it (0 or 1).
    pub resent: u8,
    /// The transport error's class, when there was no response.
    pub error: Option<&'static str>,
}

/// What a VU's buffer holds: single samples, or a whole request.
#[derive(Debug, Clone)]
pub enum Entry {
    Point(Sample),
    Http(HttpSample),
}
