//! Why a request got no response: its class ([`TransportError`], the metrics' own word for it)
//! and the transport's message, as one value. A request that got a response with an
//! unexpected status is not a failure here: its class in the summary is `status`.

pub use crate::metrics::TransportError;

/// A transport failure: its class and what the transport said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: TransportError,
    pub message: String,
}

impl Failure {
    pub fn new(error: TransportError, message: impl Into<String>) -> Failure {
        Failure {
            error,
            message: message.into(),
        }
    }

    /// A response body over the run's limit (`Test::max_body_bytes`).
    pub(crate) fn body_too_large(max_body: usize) -> Failure {
        Failure::new(
            TransportError::BodyTooLarge,
            format!("response body larger than the limit of {max_body} bytes"),
        )
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error.as_str(), self.message)
    }
}
