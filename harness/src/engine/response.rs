//! What a request gives back to the scenario: a response with its status, or the failure that
//! left it without one ([`Outcome`]) — never a status number standing for "failed".

use std::time::Duration;

use http::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::headers::Headers;
use super::{Failure, TransportError};

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A response came, with this status.
    Status(u16),
    /// No (complete) response came.
    Failed(Failure),
}

/// A response, or the record of a transport failure (no status, no headers, no body).
#[derive(Debug, Clone)]
pub struct Response {
    pub outcome: Outcome,
    /// Its header fields: see [`Response::headers`].
    pub(crate) headers: Headers,
    /// The body, shared with the client's buffer (no copy).
    pub body: bytes::Bytes,
    pub duration: Duration,
    /// Whether a response came with a status in the expected set (k6's `expected_response`);
    /// false after a failure.
    pub expected_response: bool,
}

impl Response {
    /// The status, when a response came.
    pub fn status(&self) -> Option<u16> {
        match self.outcome {
            Outcome::Status(s) => Some(s),
            Outcome::Failed(_) => None,
        }
    }

    /// Why no response came, when none did.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Status(_) => None,
            Outcome::Failed(f) => Some(f),
        }
    }

    /// The failure's class, when no response came.
    pub fn error(&self) -> Option<TransportError> {
        self.failure().map(|f| f.error)
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The header fields (none after a failure). An HTTP/1.1 head is kept as it came and
    /// made into this map on the first call.
    pub fn headers(&self) -> &HeaderMap {
        self.headers.map()
    }

    /// A header's (first) value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name).and_then(|v| v.to_str().ok())
    }
}
