//! One HTTP request as the metrics see it ([`HttpSample`]): built once where its response is
//! read (or its failure known), by one constructor per case, and fed whole to the ten
//! [`HTTP_METRICS`](super::HTTP_METRICS).

use std::time::Duration;

use serde::Serialize;

use super::Tags;

/// Why a request got no (complete) response: the classes every transport failure is sorted
/// into. A request that got a response with an unexpected status is not a transport failure:
/// its class in the summary is `status`, from its `expected_response` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportError {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection was refused or could not be opened.
    Connect,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// No complete response within the request's timeout.
    Timeout,
    /// The server closed or reset the connection mid-exchange.
    Reset,
    /// The response could not be parsed or its body not read.
    Body,
    /// The body was larger than the run's limit (`Test::max_body_bytes`).
    BodyTooLarge,
    /// The request could not be built (bad URL, header or body).
    Request,
    /// The run stopped (hard stop, signal) while the request was in flight.
    Interrupted,
    Other,
}

impl TransportError {
    /// The class as reports and the `error` tag of `http_transport_errors` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportError::Dns => "dns",
            TransportError::Connect => "connect",
            TransportError::Tls => "tls",
            TransportError::Timeout => "timeout",
            TransportError::Reset => "reset",
            TransportError::Body => "body",
            TransportError::BodyTooLarge => "body_too_large",
            TransportError::Request => "request",
            TransportError::Interrupted => "interrupted",
            TransportError::Other => "other",
        }
    }
}

/// How a request ended, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpOutcome {
    /// A response came: whether its status was one the request expected (k6's
    /// `expected_response`; `http_req_failed` is its negation).
    Answered { expected: bool },
    /// No (complete) response came, for this reason.
    Failed(TransportError),
}

/// A request's times, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HttpTimings {
    /// From sending on an open connection to the end of the body.
    pub duration_ms: f64,
    /// From sending to the response's headers (`receiving` is the rest).
    pub waiting_ms: f64,
    /// Waiting for a connection permit before sending (k6's `http_req_blocked`).
    pub blocked_ms: f64,
    /// Opening a TCP connection for this request (0 on a kept one).
    pub connecting_ms: f64,
    /// The TLS handshake on a new `https` connection.
    pub tls_handshaking_ms: f64,
}

/// The HTTP version a request went out on (k6's `proto` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpProto {
    Http1,
    Http2,
}

impl HttpProto {
    pub const ALL: [HttpProto; 2] = [HttpProto::Http1, HttpProto::Http2];

    /// As k6 writes it: `HTTP/1.1`, `HTTP/2.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpProto::Http1 => "HTTP/1.1",
            HttpProto::Http2 => "HTTP/2.0",
        }
    }
}

/// What a request put on the wire and took from it, over every attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpTraffic {
    /// Bytes written on its connections (request line, headers, body).
    pub sent: u64,
    /// Bytes read (status line, headers, body with its chunked framing).
    pub received: u64,
    /// How many times it was sent again after its kept connection died under it (0 or 1).
    pub resent: u8,
    /// The version its last attempt was sent with; `None` when it never reached a connection.
    pub proto: Option<HttpProto>,
}

/// One HTTP request: the one record a request leaves, with its times already in milliseconds.
/// Made by [`HttpSample::answered`] or [`HttpSample::failed`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpSample {
    /// `name`, `method`, `status`, `expected_response`, the scenario's and the group's.
    pub tags: Tags,
    /// When it ended, from the test's start.
    pub at: Duration,
    pub timings: HttpTimings,
    pub traffic: HttpTraffic,
    pub outcome: HttpOutcome,
}

impl HttpSample {
    /// A request that got a response, whose status was `expected` or not.
    pub fn answered(
        tags: Tags,
        at: Duration,
        timings: HttpTimings,
        traffic: HttpTraffic,
        expected: bool,
    ) -> HttpSample {
        HttpSample {
            tags,
            at,
            timings,
            traffic,
            outcome: HttpOutcome::Answered { expected },
        }
    }

    /// A request that got no (complete) response after `duration_ms`: all of it was waiting
    /// (k6 counts a failed request's time so), no connection time is its own.
    pub fn failed(
        tags: Tags,
        at: Duration,
        duration_ms: f64,
        traffic: HttpTraffic,
        error: TransportError,
    ) -> HttpSample {
        HttpSample {
            tags,
            at,
            timings: HttpTimings {
                duration_ms,
                waiting_ms: duration_ms,
                ..HttpTimings::default()
            },
            traffic,
            outcome: HttpOutcome::Failed(error),
        }
    }

    /// Whether a response came with an expected status (k6's `expected_response`).
    pub fn expected_response(&self) -> bool {
        matches!(self.outcome, HttpOutcome::Answered { expected: true })
    }

    /// The transport failure, when no response came.
    pub fn error(&self) -> Option<TransportError> {
        match self.outcome {
            HttpOutcome::Failed(e) => Some(e),
            HttpOutcome::Answered { .. } => None,
        }
    }
}
