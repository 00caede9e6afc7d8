//! Responses in the real backend's shapes, including its error envelope and 422 details.

use serde::Serialize;
use serde_json::json;

/// A response from the domain, before any transport.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// `application/json` unless a route says otherwise.
    pub content_type: &'static str,
}

impl ApiResponse {
    pub fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> ApiResponse {
        ApiResponse::serialized(status, serialize(body))
    }

    /// A JSON body serialized already (by [`serialize`]).
    pub fn serialized(status: u16, body: Vec<u8>) -> ApiResponse {
        ApiResponse {
            status,
            headers: Vec::new(),
            body,
            content_type: "application/json",
        }
    }

    pub fn text(status: u16, body: String, content_type: &'static str) -> ApiResponse {
        ApiResponse {
            status,
            headers: Vec::new(),
            body: body.into_bytes(),
            content_type,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> ApiResponse {
        self.headers.push((name, value));
        self
    }

    /// The body as JSON, for tests.
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// `body` as JSON bytes.
pub fn serialize<T: Serialize + ?Sized>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// `{"error":{"code":..., "message":...}}`
pub fn error(status: u16, code: &str, message: &str) -> ApiResponse {
    ApiResponse::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

pub fn unauthorized(message: &str) -> ApiResponse {
    error(401, "UNAUTHORIZED", message)
}

pub fn not_found(message: &str) -> ApiResponse {
    error(404, "NOT_FOUND", message)
}

pub fn message(text: &str) -> ApiResponse {
    ApiResponse::json(200, &json!({ "message": text }))
}

/// One entry of a 422's `details.errors`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
}

pub fn validation(errors: Vec<FieldError>) -> ApiResponse {
    ApiResponse::json(
        422,
        &json!({ "error": { "code": "VALIDATION_ERROR", "message": "Request validation failed",
                 "details": { "errors": errors } } }),
    )
}

/// The auth rate limiter's 429, with `Retry-After` and the `X-RateLimit-*` headers.
pub fn rate_limited(limit: u32, retry_after: u64) -> ApiResponse {
    let body = json!({
        "error": "rate_limit_exceeded",
        "message": format!("Rate limit exceeded. Try again in {retry_after} seconds."),
        "retry_after": retry_after,
    });
    ApiResponse::json(429, &body)
        .with_header("retry-after", retry_after.to_string())
        .with_header("x-ratelimit-limit", limit.to_string())
        .with_header("x-ratelimit-remaining", "0".to_string())
        .with_header("x-ratelimit-reset", retry_after.to_string())
}
