//! The Kaizen Studio client: one typed call per endpoint, on a harness VU. Each endpoint is
//! described once ([`Endpoint`]: method, path template, expected status, metric family); its
//! `name` tag is the template, so ids never reach the tags. Every call feeds the suite's custom
//! metrics and turns surprises into [`ApiError`]s. A 429 is counted as `rate_limited` and the
//! VU waits out `Retry-After` (at most [`MAX_RETRY_AFTER`]).

use std::time::Duration;

use harness::prelude::{Expected, Method, Outcome, Response, TransportError, Trend, Vu};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod endpoints;
pub use endpoints::*;

/// The custom metrics of the original suite, as typed handles: declared with
/// `Test::metric(metric::LOGIN_DURATION)`, added to with `vu.add(&metric::LOGIN_DURATION, d)`.
pub mod metric {
    use harness::prelude::{Counter, Rate, Trend};

    pub const LOGIN_DURATION: Trend = Trend::new("login_duration");
    pub const LOGOUT_DURATION: Trend = Trend::new("logout_duration");
    pub const AGENT_CRUD_DURATION: Trend = Trend::new("agent_crud_duration");
    pub const PIPELINE_CRUD_DURATION: Trend = Trend::new("pipeline_crud_duration");
    pub const DEPLOYMENT_DURATION: Trend = Trend::new("deployment_duration");
    pub const AUTH_ERRORS: Counter = Counter::new("auth_errors");
    pub const API_ERRORS: Counter = Counter::new("api_errors");
    pub const RATE_LIMITED: Counter = Counter::new("rate_limited");
    pub const SUCCESS_RATE: Rate = Rate::new("success_rate");
}

/// The longest `Retry-After` a VU honours: the real API's windows are one minute long, so a
/// larger value is a misbehaving server, not a reason to stall a run for an hour. Not
/// time-scaled: a scaled run must not hammer a rate-limited server.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How a call went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{call}: status {status}: {body}")]
    Status {
        call: &'static str,
        status: u16,
        body: String,
    },
    #[error("{call}: rate limited (429); waited {waited} s as Retry-After asked")]
    RateLimited { call: &'static str, waited: u64 },
    #[error("{call}: {}: {message}", kind.as_str())]
    Transport {
        call: &'static str,
        kind: TransportError,
        message: String,
    },
    #[error("{call}: unexpected body: {message}")]
    Decode { call: &'static str, message: String },
}

impl ApiError {
    /// Whether trying again later may succeed: a 5xx, a dropped connection, a timeout, a 429.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Status { status, .. } => *status >= 500,
            ApiError::RateLimited { .. } => true,
            ApiError::Transport { kind, .. } => matches!(
                kind,
                TransportError::Reset
                    | TransportError::Timeout
                    | TransportError::Connect
                    | TransportError::Body
            ),
            ApiError::Decode { .. } => false,
        }
    }

    /// Whether the server said the token is not (or no longer) valid.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Status { status: 401, .. })
    }
}

/// Who is calling: an access token, and optionally the client address to present.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    pub token: &'a str,
    pub forwarded_for: Option<&'a str>,
}

/// Which custom trend a call feeds, and which error counter.
#[derive(Debug, Clone, Copy)]
pub enum Family {
    /// Auth calls count failures in `auth_errors`; some feed a trend.
    Auth(Option<Trend>),
    Agent,
    Pipeline,
    Deployment,
    Other,
}

impl Family {
    fn trend(self) -> Option<Trend> {
        match self {
            Family::Auth(t) => t,
            Family::Agent => Some(metric::AGENT_CRUD_DURATION),
            Family::Pipeline => Some(metric::PIPELINE_CRUD_DURATION),
            Family::Deployment => Some(metric::DEPLOYMENT_DURATION),
            Family::Other => None,
        }
    }
}

/// One endpoint of the API, described once.
#[derive(Debug)]
pub struct Endpoint {
    pub method: Method,
    /// The path, with `{id}` where an id goes.
    pub template: &'static str,
    /// `METHOD template`: the `name` tag of every request to it.
    pub name: &'static str,
    /// The statuses that mean success.
    pub expect: &'static [u16],
    pub family: Family,
}

/// `endpoint!(GET "/api/v1/agents/{id}" => [200], Family::Agent)`.
macro_rules! endpoint {
    ($method:ident $template:literal => $expect:expr, $family:expr) => {
        $crate::client::Endpoint {
            method: harness::prelude::Method::$method,
            template: $template,
            name: concat!(stringify!($method), " ", $template),
            expect: &$expect,
            family: $family,
        }
    };
}
pub(crate) use endpoint;

impl Endpoint {
    /// A call to this endpoint, to be completed with an id, auth, query and body.
    pub fn call(&'static self) -> Call<'static> {
        Call {
            ep: self,
            path: self.template.to_string(),
            auth: None,
            forwarded_for: None,
            body: None,
        }
    }
}

/// A call being built.
#[must_use = "a call does nothing until .send(vu) or .fetch(vu)"]
pub struct Call<'a> {
    ep: &'static Endpoint,
    path: String,
    auth: Option<&'a str>,
    forwarded_for: Option<&'a str>,
    body: Option<Vec<u8>>,
}

impl<'a> Call<'a> {
    /// Puts `id` where the template says `{id}`.
    pub fn id(mut self, id: &str) -> Self {
        self.path = self.path.replace("{id}", id);
        self
    }

    /// Appends a query string (`limit=20&offset=0`).
    pub fn query(mut self, query: &str) -> Self {
        self.path.push('?');
        self.path.push_str(query);
        self
    }

    pub fn auth<'b>(self, auth: Auth<'b>) -> Call<'b>
    where
        'a: 'b,
    {
        Call {
            auth: Some(auth.token),
            forwarded_for: auth.forwarded_for,
            ..self
        }
    }

    /// The client address to present (`X-Forwarded-For`), for servers that rate-limit by it.
    pub fn from<'b>(self, forwarded_for: Option<&'b str>) -> Call<'b>
    where
        'a: 'b,
    {
        Call {
            forwarded_for,
            ..self
        }
    }

    pub fn json(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        self.body = Some(serde_json::to_vec(body).unwrap_or_default());
        self
    }

    /// Sends and decodes the body as `T`.
    pub async fn fetch<T: DeserializeOwned>(self, vu: &mut Vu) -> Result<T, ApiError> {
        let name = self.ep.name;
        let res = self.send(vu).await?;
        res.json().map_err(|e| ApiError::Decode {
            call: name,
            message: e.to_string(),
        })
    }

    /// Sends, feeds the metrics, and returns the response when its status was expected.
    pub async fn send(self, vu: &mut Vu) -> Result<Response, ApiError> {
        let ep = self.ep;
        let mut rb = vu
            .request(ep.method.clone(), &self.path)
            .name(ep.name)
            .expect(Expected::Set(ep.expect.to_vec()));
        if let Some(t) = self.auth {
            rb = rb.bearer(t);
        }
        if let Some(ip) = self.forwarded_for {
            rb = rb.header("x-forwarded-for", ip);
        }
        if let Some(b) = self.body {
            rb = rb.header("content-type", "application/json").body(b);
        }
        let res = rb.send().await;
        if let (Some(t), Outcome::Status(_)) = (ep.family.trend(), &res.outcome) {
            vu.add(&t, res.duration);
        }
        vu.add(&metric::SUCCESS_RATE, res.expected_response);
        if res.status() == Some(429) {
            vu.add(&metric::RATE_LIMITED, 1.0);
            let asked = res
                .header("retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1);
            let wait = Duration::from_secs(asked).min(MAX_RETRY_AFTER);
            tokio::time::sleep(wait).await;
            return Err(ApiError::RateLimited {
                call: ep.name,
                waited: wait.as_secs(),
            });
        }
        if res.expected_response {
            return Ok(res);
        }
        let counter = match ep.family {
            Family::Auth(_) => metric::AUTH_ERRORS,
            _ => metric::API_ERRORS,
        };
        vu.add(&counter, 1.0);
        Err(match res.outcome {
            Outcome::Failed(f) => ApiError::Transport {
                call: ep.name,
                kind: f.error,
                message: f.message,
            },
            Outcome::Status(status) => ApiError::Status {
                call: ep.name,
                status,
                body: truncate(String::from_utf8_lossy(&res.body).into_owned()),
            },
        })
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
