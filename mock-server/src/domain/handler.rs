//! What every resource handler shares: the authenticated caller, body parsing and paging.

use serde_json::json;

use super::reply::{self, ApiResponse, FieldError};
use super::request::ApiRequest;
use super::validate::{Body, query_err};

/// The authenticated user and their organisation.
pub(super) struct Caller<'a> {
    pub(super) user_id: &'a str,
    pub(super) org: &'a str,
}

pub(super) fn summary() -> serde_json::Value {
    json!({"total_executions": 0, "avg_latency_ms": 0, "total_tokens": 0, "total_cost_usd": 0.0,
           "error_rate": 0.0, "success_count": 0, "failure_count": 0})
}

pub(super) fn body(req: &ApiRequest<'_>) -> Result<Body, ApiResponse> {
    Body::parse(req.body).map_err(reply::validation)
}

pub(super) fn done(body: Body) -> Result<(), ApiResponse> {
    body.finish().map_err(reply::validation)
}

/// `limit` (1–100, default 50) and `offset` (≥ 0, default 0).
pub(super) fn page(req: &ApiRequest<'_>) -> Result<(usize, usize), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut int = |name: &str, default: i64, min: i64, max: Option<i64>| -> i64 {
        let Some(raw) = req.param(name) else {
            return default;
        };
        match raw.parse::<i64>() {
            Err(_) => {
                errors.push(query_err(
                    name,
                    "Input should be a valid integer, unable to parse string as an integer",
                    "int_parsing",
                ));
                default
            }
            Ok(v) if v < min => {
                errors.push(query_err(
                    name,
                    &format!("Input should be greater than or equal to {min}"),
                    "greater_than_equal",
                ));
                default
            }
            Ok(v) if max.is_some_and(|m| v > m) => {
                let m = max.unwrap_or_default();
                errors.push(query_err(
                    name,
                    &format!("Input should be less than or equal to {m}"),
                    "less_than_equal",
                ));
                default
            }
            Ok(v) => v,
        }
    };
    let limit = int("limit", 50, 1, Some(100));
    let offset = int("offset", 0, 0, None);
    if errors.is_empty() {
        Ok((limit as usize, offset as usize))
    } else {
        Err(errors)
    }
}
