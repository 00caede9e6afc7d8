//! The built-in metrics every run records, with k6's names: one table (name, kind, unit) that
//! the store, the thresholds' validation and every writer read.

use super::{HttpSample, MetricKind, Value};

/// Names of the built-in metrics.
pub mod names {
    pub const HTTP_REQS: &str = "http_reqs";
    pub const HTTP_REQ_DURATION: &str = "http_req_duration";
    pub const HTTP_REQ_WAITING: &str = "http_req_waiting";
    pub const HTTP_REQ_RECEIVING: &str = "http_req_receiving";
    pub const HTTP_REQ_BLOCKED: &str = "http_req_blocked";
    pub const HTTP_REQ_CONNECTING: &str = "http_req_connecting";
    pub const HTTP_REQ_TLS_HANDSHAKING: &str = "http_req_tls_handshaking";
    pub const HTTP_REQ_FAILED: &str = "http_req_failed";
    pub const HTTP_TRANSPORT_ERRORS: &str = "http_transport_errors";
    /// Requests sent again after their kept connection died under them (the keep-alive race):
    /// not in k6, which hides them; here a user sees how often the target drops idle
    /// connections just as they are reused.
    pub const HTTP_REQ_RESENT: &str = "http_req_resent";
    /// Requests by the HTTP version they went out on, tagged `proto` (`HTTP/1.1`, `HTTP/2.0`):
    /// k6 tags every request so; here one small counter carries it, and a request that never
    /// reached a connection is not in it.
    pub const HTTP_REQS_BY_PROTO: &str = "http_reqs_by_proto";
    pub const DATA_SENT: &str = "data_sent";
    pub const DATA_RECEIVED: &str = "data_received";
    pub const ITERATIONS: &str = "iterations";
    pub const ITERATION_DURATION: &str = "iteration_duration";
    pub const ITERATION_DURATION_CORRECTED: &str = "iteration_duration_corrected";
    pub const ITERATION_ERRORS: &str = "iteration_errors";
    pub const INTERRUPTED_ITERATIONS: &str = "interrupted_iterations";
    pub const SCHEDULING_LAG: &str = "scheduling_lag";
    pub const GENERATOR_LAG: &str = "generator_lag";
    pub const DROPPED_ITERATIONS: &str = "dropped_iterations";
    pub const VUS: &str = "vus";
    pub const VUS_MAX: &str = "vus_max";
    pub const CHECKS: &str = "checks";
}

/// The built-in metrics a run records one sample at a time, as typed handles (a request's
/// ten come whole from an [`HttpSample`]).
pub mod builtins {
    use super::names;
    use crate::metrics::{Counter, Gauge, Rate, Trend};

    pub const HTTP_TRANSPORT_ERRORS: Counter = Counter::new(names::HTTP_TRANSPORT_ERRORS);
    pub const HTTP_REQ_RESENT: Counter = Counter::new(names::HTTP_REQ_RESENT);
    pub const HTTP_REQS_BY_PROTO: Counter = Counter::new(names::HTTP_REQS_BY_PROTO);
    pub const ITERATIONS: Counter = Counter::new(names::ITERATIONS);
    pub const ITERATION_DURATION: Trend = Trend::new(names::ITERATION_DURATION);
    pub const ITERATION_DURATION_CORRECTED: Trend = Trend::new(names::ITERATION_DURATION_CORRECTED);
    pub const ITERATION_ERRORS: Counter = Counter::new(names::ITERATION_ERRORS);
    pub const INTERRUPTED_ITERATIONS: Counter = Counter::new(names::INTERRUPTED_ITERATIONS);
    pub const SCHEDULING_LAG: Trend = Trend::new(names::SCHEDULING_LAG);
    pub const GENERATOR_LAG: Trend = Trend::new(names::GENERATOR_LAG);
    pub const DROPPED_ITERATIONS: Counter = Counter::new(names::DROPPED_ITERATIONS);
    pub const VUS: Gauge = Gauge::new(names::VUS);
    pub const VUS_MAX: Gauge = Gauge::new(names::VUS_MAX);
    pub const CHECKS: Rate = Rate::new(names::CHECKS);
}

/// What a metric's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Milliseconds.
    Ms,
    Bytes,
    /// A plain count or fraction.
    None,
}

impl Unit {
    /// The suffix a summary prints after a value.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Bytes => "B",
            Unit::None => "",
        }
    }
}

/// One built-in metric.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub kind: MetricKind,
    pub unit: Unit,
}

const fn b(name: &'static str, kind: MetricKind, unit: Unit) -> Builtin {
    Builtin { name, kind, unit }
}

/// The ten metrics one HTTP request adds to, in the order of [`HttpSample::values`].
pub const HTTP_METRICS: [Builtin; 10] = {
    use MetricKind::*;
    use names::*;
    [
        b(HTTP_REQS, Counter, Unit::None),
        b(HTTP_REQ_DURATION, Trend, Unit::Ms),
        b(HTTP_REQ_WAITING, Trend, Unit::Ms),
        b(HTTP_REQ_BLOCKED, Trend, Unit::Ms),
        b(HTTP_REQ_CONNECTING, Trend, Unit::Ms),
        b(HTTP_REQ_TLS_HANDSHAKING, Trend, Unit::Ms),
        b(HTTP_REQ_RECEIVING, Trend, Unit::Ms),
        b(HTTP_REQ_FAILED, Rate, Unit::None),
        b(DATA_SENT, Counter, Unit::Bytes),
        b(DATA_RECEIVED, Counter, Unit::Bytes),
    ]
};

/// Every other built-in metric.
pub const OTHER_METRICS: [Builtin; 14] = {
    use MetricKind::*;
    use names::*;
    [
        b(HTTP_TRANSPORT_ERRORS, Counter, Unit::None),
        b(HTTP_REQ_RESENT, Counter, Unit::None),
        b(HTTP_REQS_BY_PROTO, Counter, Unit::None),
        b(ITERATIONS, Counter, Unit::None),
        b(ITERATION_DURATION, Trend, Unit::Ms),
        b(ITERATION_DURATION_CORRECTED, Trend, Unit::Ms),
        b(ITERATION_ERRORS, Counter, Unit::None),
        b(INTERRUPTED_ITERATIONS, Counter, Unit::None),
        b(SCHEDULING_LAG, Trend, Unit::Ms),
        b(GENERATOR_LAG, Trend, Unit::Ms),
        b(DROPPED_ITERATIONS, Counter, Unit::None),
        b(VUS, Gauge, Unit::None),
        b(VUS_MAX, Gauge, Unit::None),
        b(CHECKS, Rate, Unit::None),
    ]
};

/// The built-in metric of this name.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    HTTP_METRICS
        .iter()
        .chain(OTHER_METRICS.iter())
        .find(|m| m.name == name)
}

/// The kind of a built-in metric, or `None` for a custom one.
pub fn builtin_kind(name: &str) -> Option<MetricKind> {
    builtin(name).map(|m| m.kind)
}

/// The unit of a metric: the table's for a built-in; for a custom trend, milliseconds when its
/// name says it is a time (`…_duration`, `…_time`, `…_lag`), else none.
pub fn unit_of(name: &str) -> Unit {
    match builtin(name) {
        Some(m) => m.unit,
        None if ["_duration", "_time", "_lag", "_ms"]
            .iter()
            .any(|s| name.ends_with(s)) =>
        {
            Unit::Ms
        }
        None => Unit::None,
    }
}

impl HttpSample {
    /// What this request adds to each of [`HTTP_METRICS`], in its order.
    #[inline]
    pub fn values(&self) -> [Value; 10] {
        let t = &self.timings;
        let receiving = (t.duration_ms - t.waiting_ms).max(0.0);
        [
            Value::Number(1.0),
            Value::Number(t.duration_ms),
            Value::Number(t.waiting_ms),
            Value::Number(t.blocked_ms),
            Value::Number(t.connecting_ms),
            Value::Number(t.tls_handshaking_ms),
            Value::Number(receiving),
            Value::Bool(!self.expected_response()),
            Value::Number(self.traffic.sent as f64),
            Value::Number(self.traffic.received as f64),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_name_appears_once_in_the_table() {
        let mut all: Vec<_> = HTTP_METRICS
            .iter()
            .chain(&OTHER_METRICS)
            .map(|m| m.name)
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn every_builtin_handle_has_the_tables_kind() {
        use crate::metrics::Metric;
        fn row<M: Metric>(m: &M) -> (&'static str, MetricKind) {
            (m.name(), M::KIND)
        }
        let handles = [
            row(&builtins::HTTP_TRANSPORT_ERRORS),
            row(&builtins::HTTP_REQ_RESENT),
            row(&builtins::HTTP_REQS_BY_PROTO),
            row(&builtins::ITERATIONS),
            row(&builtins::ITERATION_DURATION),
            row(&builtins::ITERATION_DURATION_CORRECTED),
            row(&builtins::ITERATION_ERRORS),
            row(&builtins::INTERRUPTED_ITERATIONS),
            row(&builtins::SCHEDULING_LAG),
            row(&builtins::GENERATOR_LAG),
            row(&builtins::DROPPED_ITERATIONS),
            row(&builtins::VUS),
            row(&builtins::VUS_MAX),
            row(&builtins::CHECKS),
        ];
        assert_eq!(handles.len(), OTHER_METRICS.len());
        for (name, kind) in handles {
            assert_eq!(builtin_kind(name), Some(kind), "{name}");
        }
    }

    #[test]
    fn every_http_time_metric_is_in_milliseconds() {
        for m in HTTP_METRICS {
            assert_eq!(
                m.unit == Unit::Ms,
                m.kind == MetricKind::Trend,
                "{}",
                m.name
            );
        }
        assert_eq!(unit_of(names::HTTP_REQ_TLS_HANDSHAKING), Unit::Ms);
        assert_eq!(unit_of(names::HTTP_REQ_CONNECTING), Unit::Ms);
        assert_eq!(unit_of("login_duration"), Unit::Ms);
        assert_eq!(unit_of("api_errors"), Unit::None);
    }
}
