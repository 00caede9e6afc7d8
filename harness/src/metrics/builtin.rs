//! The built-in metrics every run records, with k6's names.

use super::MetricKind;

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
    pub const DATA_SENT: &str = "data_sent";
    pub const DATA_RECEIVED: &str = "data_received";
    pub const ITERATIONS: &str = "iterations";
    pub const ITERATION_DURATION: &str = "iteration_duration";
    pub const ITERATION_DURATION_CORRECTED: &str = "iteration_duration_corrected";
    pub const ITERATION_ERRORS: &str = "iteration_errors";
    pub const SCHEDULING_LAG: &str = "scheduling_lag";
    pub const GENERATOR_LAG: &str = "generator_lag";
    pub const DROPPED_ITERATIONS: &str = "dropped_iterations";
    pub const VUS: &str = "vus";
    pub const VUS_MAX: &str = "vus_max";
    pub const CHECKS: &str = "checks";
}

/// The kind of a built-in metric, or `None` for a custom one.
pub fn builtin_kind(name: &str) -> Option<MetricKind> {
    use names::*;
    Some(match name {
        HTTP_REQS
        | HTTP_TRANSPORT_ERRORS
        | ITERATIONS
        | ITERATION_ERRORS
        | DROPPED_ITERATIONS
        | DATA_SENT
        | DATA_RECEIVED => MetricKind::Counter,
        HTTP_REQ_DURATION
        | HTTP_REQ_WAITING
        | HTTP_REQ_RECEIVING
        | HTTP_REQ_BLOCKED
        | HTTP_REQ_CONNECTING
        | HTTP_REQ_TLS_HANDSHAKING
        | ITERATION_DURATION
        | ITERATION_DURATION_CORRECTED
        | SCHEDULING_LAG
        | GENERATOR_LAG => MetricKind::Trend,
        HTTP_REQ_FAILED | CHECKS => MetricKind::Rate,
        VUS | VUS_MAX => MetricKind::Gauge,
        _ => return None,
    })
}
