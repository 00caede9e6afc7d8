//! The Kaizen Studio client: one typed call per endpoint, on a harness VU. Every call is tagged
//! with a templated `name`, feeds the suite's custom metrics and turns surprises into
//! [`ApiError`]s. A 429 is counted as `rate_limited` and the VU waits out `Retry-After`.

use std::time::Duration;

use harness::prelude::{Method, Response, Vu};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::*;

mod resources;
pub use resources::*;

/// Custom metric names of the original suite.
pub mod metric {
    pub const LOGIN_DURATION: &str = "login_duration";
    pub const LOGOUT_DURATION: &str = "logout_duration";
    pub const AGENT_CRUD_DURATION: &str = "agent_crud_duration";
    pub const PIPELINE_CRUD_DURATION: &str = "pipeline_crud_duration";
    pub const DEPLOYMENT_DURATION: &str = "deployment_duration";
    pub const AUTH_ERRORS: &str = "auth_errors";
    pub const API_ERRORS: &str = "api_errors";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const SUCCESS_RATE: &str = "success_rate";
}

/// How a call went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{call}: status {status}: {body}")]
    Status {
        call: &'static str,
        status: u16,
        body: String,
    },
    #[error("{call}: rate limited, retried after {retry_after} s")]
    RateLimited {
        call: &'static str,
        retry_after: u64,
    },
    #[error("{call}: {kind}: {message}")]
    Transport {
        call: &'static str,
        kind: &'static str,
        message: String,
    },
    #[error("{call}: unexpected body: {message}")]
    Decode { call: &'static str, message: String },
}

/// Who is calling: an access token, and optionally the client address to present.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    pub token: &'a str,
    pub forwarded_for: Option<&'a str>,
}

/// Which custom trend a call feeds, and which error counter.
#[derive(Clone, Copy)]
pub(super) enum Family {
    Auth(Option<&'static str>),
    Agent,
    Pipeline,
    Deployment,
    Other,
}

pub(super) struct Call<'a, B: Serialize + ?Sized> {
    method: Method,
    path: String,
    name: &'static str,
    expect: u16,
    auth: Option<&'a str>,
    forwarded_for: Option<&'a str>,
    body: Option<&'a B>,
    family: Family,
}

pub(super) async fn send<B: Serialize + ?Sized>(
    vu: &mut Vu,
    c: Call<'_, B>,
) -> Result<Response, ApiError> {
    let mut rb = vu.request(c.method, &c.path).name(c.name).expect(c.expect);
    if let Some(t) = c.auth {
        rb = rb.bearer(t);
    }
    if let Some(ip) = c.forwarded_for {
        rb = rb.header("x-forwarded-for", ip);
    }
    if let Some(b) = c.body {
        rb = rb.json(b);
    }
    let res = rb.send().await;
    let trend = match c.family {
        Family::Auth(t) => t,
        Family::Agent => Some(metric::AGENT_CRUD_DURATION),
        Family::Pipeline => Some(metric::PIPELINE_CRUD_DURATION),
        Family::Deployment => Some(metric::DEPLOYMENT_DURATION),
        Family::Other => None,
    };
    if let (Some(t), None) = (trend, res.error) {
        vu.trend_time(t, res.duration);
    }
    vu.rate(metric::SUCCESS_RATE, res.expected_response);
    if res.status == 429 {
        vu.counter(metric::RATE_LIMITED, 1.0);
        let retry_after = res
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1u64);
        // Honour the server's instruction in real time: scaling it down would hammer.
        tokio::time::sleep(Duration::from_secs(retry_after)).await;
        return Err(ApiError::RateLimited {
            call: c.name,
            retry_after,
        });
    }
    if res.expected_response {
        return Ok(res);
    }
    let counter = if matches!(c.family, Family::Auth(_)) {
        metric::AUTH_ERRORS
    } else {
        metric::API_ERRORS
    };
    vu.counter(counter, 1.0);
    match res.error {
        Some(kind) => Err(ApiError::Transport {
            call: c.name,
            kind: kind.as_str(),
            message: res.error_message.unwrap_or_default(),
        }),
        None => Err(ApiError::Status {
            call: c.name,
            status: res.status,
            body: truncate(res.text()),
        }),
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > 200 {
        let mut cut = 200;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

pub(super) fn decode<T: DeserializeOwned>(
    call: &'static str,
    res: &Response,
) -> Result<T, ApiError> {
    res.json().map_err(|e| ApiError::Decode {
        call,
        message: e.to_string(),
    })
}

pub(super) const NO_BODY: Option<&()> = None;

pub(super) fn call<'a, B: Serialize + ?Sized>(
    method: Method,
    path: String,
    name: &'static str,
    expect: u16,
    auth: Option<Auth<'a>>,
    body: Option<&'a B>,
    family: Family,
) -> Call<'a, B> {
    Call {
        method,
        path,
        name,
        expect,
        auth: auth.map(|a| a.token),
        forwarded_for: auth.and_then(|a| a.forwarded_for),
        body,
        family,
    }
}

pub async fn health(vu: &mut Vu) -> Result<Health, ApiError> {
    let res = send(
        vu,
        call(
            Method::GET,
            "/health".into(),
            "GET /health",
            200,
            None,
            NO_BODY,
            Family::Other,
        ),
    )
    .await?;
    decode("GET /health", &res)
}

pub async fn register(
    vu: &mut Vu,
    user: &NewUser,
    forwarded_for: Option<&str>,
) -> Result<Registered, ApiError> {
    const N: &str = "POST /api/v1/auth/register";
    let mut c = call(
        Method::POST,
        "/api/v1/auth/register".into(),
        N,
        201,
        None,
        Some(user),
        Family::Auth(None),
    );
    c.forwarded_for = forwarded_for;
    let res = send(vu, c).await?;
    decode(N, &res)
}

pub async fn login(
    vu: &mut Vu,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> Result<LoggedIn, ApiError> {
    const N: &str = "POST /api/v1/auth/login";
    let body = serde_json::json!({ "email": email, "password": password });
    let mut c = call(
        Method::POST,
        "/api/v1/auth/login".into(),
        N,
        200,
        None,
        Some(&body),
        Family::Auth(Some(metric::LOGIN_DURATION)),
    );
    c.forwarded_for = forwarded_for;
    let res = send(vu, c).await?;
    decode(N, &res)
}

pub async fn me(vu: &mut Vu, auth: Auth<'_>) -> Result<User, ApiError> {
    const N: &str = "GET /api/v1/auth/me";
    let res = send(
        vu,
        call(
            Method::GET,
            "/api/v1/auth/me".into(),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Auth(None),
        ),
    )
    .await?;
    decode(N, &res)
}

/// `GET /auth/me` with a token that must have been revoked: succeeds when the server says 401.
pub async fn me_is_rejected(vu: &mut Vu, auth: Auth<'_>) -> Result<(), ApiError> {
    const N: &str = "GET /api/v1/auth/me";
    send(
        vu,
        call(
            Method::GET,
            "/api/v1/auth/me".into(),
            N,
            401,
            Some(auth),
            NO_BODY,
            Family::Auth(None),
        ),
    )
    .await
    .map(|_| ())
}

pub async fn refresh(
    vu: &mut Vu,
    refresh_token: &str,
    forwarded_for: Option<&str>,
) -> Result<Tokens, ApiError> {
    const N: &str = "POST /api/v1/auth/refresh";
    let body = serde_json::json!({ "refresh_token": refresh_token });
    let mut c = call(
        Method::POST,
        "/api/v1/auth/refresh".into(),
        N,
        200,
        None,
        Some(&body),
        Family::Auth(None),
    );
    c.forwarded_for = forwarded_for;
    let res = send(vu, c).await?;
    decode(N, &res)
}

pub async fn logout(
    vu: &mut Vu,
    auth: Auth<'_>,
    refresh_token: Option<&str>,
) -> Result<(), ApiError> {
    let body = match refresh_token {
        Some(r) => serde_json::json!({ "refresh_token": r }),
        None => serde_json::json!({}),
    };
    let c = call(
        Method::POST,
        "/api/v1/auth/logout".into(),
        "POST /api/v1/auth/logout",
        200,
        Some(auth),
        Some(&body),
        Family::Auth(Some(metric::LOGOUT_DURATION)),
    );
    send(vu, c).await.map(|_| ())
}
