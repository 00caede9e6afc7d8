//! What a request gives back to the scenario: a response, or the record of a transport failure.

use std::time::Duration;

use http::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::TransportError;

/// A response, or the record of a transport failure (`status` 0, `error` set).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body, shared with the client's buffer (no copy).
    pub body: bytes::Bytes,
    pub error: Option<TransportError>,
    pub error_message: Option<String>,
    pub duration: Duration,
    /// Whether the status was in the expected set (k6's `expected_response`).
    pub expected_response: bool,
}

impl Response {
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
