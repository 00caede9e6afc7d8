//! Why a request got no response: the classes every transport failure is sorted into. A request
//! that got a response with an unexpected status is not a transport failure: its class in the
//! summary is `status`, from its `expected_response` tag.

use serde::Serialize;

/// Why a request got no (complete) response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// A transport failure and its message.
pub(crate) type Failure = (TransportError, String);
