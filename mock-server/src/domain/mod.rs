//! The Kaizen Studio domain: store, auth, validation and routing, with no HTTP framework in it.
//! Transports ([`crate::transport`]) turn their requests into an [`ApiRequest`] and send back
//! the [`ApiResponse`].

mod agents;
mod auth;
mod deployments;
pub mod model;
mod pipelines;
mod ratelimit;
mod reply;
mod resources;
mod store;
mod validate;

pub use model::Kind;
pub use reply::{ApiResponse, FieldError};
pub use store::{Limits, StoreSizes};

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ratelimit::RateLimiter;
use store::Store;

/// A request as the domain needs it.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub forwarded_for: Option<&'a str>,
    pub peer: Option<IpAddr>,
    pub body: &'a [u8],
}

impl<'a> ApiRequest<'a> {
    pub fn new(method: &'a str, path: &'a str) -> ApiRequest<'a> {
        ApiRequest {
            method,
            path,
            query: "",
            authorization: None,
            forwarded_for: None,
            peer: None,
            body: &[],
        }
    }

    /// The value of a query parameter (first occurrence, percent-decoded).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| decode(v))
        })
    }

    /// The client as the real server sees it: `X-Forwarded-For`'s first entry when the peer is
    /// loopback (or unknown), else the peer address.
    pub fn client(&self) -> String {
        let trusted = self.peer.is_none_or(|p| p.is_loopback());
        match (trusted, self.forwarded_for) {
            (true, Some(xff)) => xff.split(',').next().unwrap_or("").trim().to_string(),
            _ => self
                .peer
                .map_or_else(|| "unknown".to_string(), |p| p.to_string()),
        }
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The routes of the API, as templates: the name faults are configured by.
pub fn route_of(method: &str, path: &str) -> &'static str {
    let segs: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (method, segs.as_slice()) {
        ("GET", []) => "GET /",
        ("GET", ["health"]) => "GET /health",
        ("GET", ["metrics"]) => "GET /metrics",
        ("POST", ["api", "v1", "auth", "register"]) => "POST /api/v1/auth/register",
        ("POST", ["api", "v1", "auth", "login"]) => "POST /api/v1/auth/login",
        ("GET", ["api", "v1", "auth", "me"]) => "GET /api/v1/auth/me",
        ("POST", ["api", "v1", "auth", "refresh"]) => "POST /api/v1/auth/refresh",
        ("POST", ["api", "v1", "auth", "logout"]) => "POST /api/v1/auth/logout",
        ("GET", ["api", "v1", "workspaces"]) => "GET /api/v1/workspaces",
        ("POST", ["api", "v1", "workspaces"]) => "POST /api/v1/workspaces",
        ("GET", ["api", "v1", "gateways"]) => "GET /api/v1/gateways",
        ("POST", ["api", "v1", "gateways"]) => "POST /api/v1/gateways",
        ("GET", ["api", "v1", "agents"]) => "GET /api/v1/agents",
        ("POST", ["api", "v1", "agents"]) => "POST /api/v1/agents",
        ("GET", ["api", "v1", "agents", _]) => "GET /api/v1/agents/{id}",
        ("PUT", ["api", "v1", "agents", _]) => "PUT /api/v1/agents/{id}",
        ("DELETE", ["api", "v1", "agents", _]) => "DELETE /api/v1/agents/{id}",
        ("GET", ["api", "v1", "pipelines"]) => "GET /api/v1/pipelines",
        ("POST", ["api", "v1", "pipelines"]) => "POST /api/v1/pipelines",
        ("GET", ["api", "v1", "pipelines", "patterns"]) => "GET /api/v1/pipelines/patterns",
        ("GET", ["api", "v1", "pipelines", _]) => "GET /api/v1/pipelines/{id}",
        ("PUT", ["api", "v1", "pipelines", _]) => "PUT /api/v1/pipelines/{id}",
        ("DELETE", ["api", "v1", "pipelines", _]) => "DELETE /api/v1/pipelines/{id}",
        ("GET", ["api", "v1", "deployments"]) => "GET /api/v1/deployments",
        ("POST", ["api", "v1", "deployments"]) => "POST /api/v1/deployments",
        ("GET", ["api", "v1", "metrics", "summary"]) => "GET /api/v1/metrics/summary",
        ("GET", ["api", "v1", "metrics", "dashboard"]) => "GET /api/v1/metrics/dashboard",
        ("GET", ["gateway-stub", ..]) | ("POST", ["gateway-stub", ..]) => "ANY /gateway-stub",
        _ => "UNKNOWN",
    }
}

/// The mock API: cheap to clone, shared by every transport and connection.
#[derive(Clone)]
pub struct Api {
    inner: Arc<Inner>,
}

struct Inner {
    store: RwLock<Store>,
    limiter: Mutex<RateLimiter>,
    rate_limits: AtomicBool,
}

impl Api {
    pub fn new(limits: Limits) -> Api {
        Api {
            inner: Arc::new(Inner {
                store: RwLock::new(Store::new(limits)),
                limiter: Mutex::new(RateLimiter::default()),
                rate_limits: AtomicBool::new(false),
            }),
        }
    }

    /// Turns the auth rate limits on or off (off by default, for load runs).
    pub fn set_rate_limits(&self, on: bool) {
        self.inner.rate_limits.store(on, Ordering::Relaxed);
    }

    /// Answers one request.
    pub fn handle(&self, req: &ApiRequest<'_>) -> ApiResponse {
        let route = route_of(req.method, req.path);
        match route {
            "GET /" => ApiResponse::json(
                200,
                &serde_json::json!({"name": "Kaizen Studio", "version": "0.1.0", "docs": "/docs"}),
            ),
            "GET /health" => ApiResponse::json(
                200,
                &serde_json::json!({"status": "healthy", "version": "0.1.0", "environment": "development",
                    "checks": {"database": "healthy", "redis": "healthy"}}),
            ),
            "GET /metrics" => self.prometheus(),
            "ANY /gateway-stub" => ApiResponse::json(200, &serde_json::json!({"status": "ok"})),
            "POST /api/v1/auth/register"
            | "POST /api/v1/auth/login"
            | "GET /api/v1/auth/me"
            | "POST /api/v1/auth/refresh"
            | "POST /api/v1/auth/logout" => auth::handle(self, route, req),
            "UNKNOWN" => reply::not_found("Not Found"),
            _ => resources::handle(self, route, req),
        }
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.inner.store.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.inner.store.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn rate_limit(
        &self,
        req: &ApiRequest<'_>,
        endpoint: ratelimit::Limited,
    ) -> Option<ApiResponse> {
        if !self.inner.rate_limits.load(Ordering::Relaxed) {
            return None;
        }
        let mut limiter = self.inner.limiter.lock().unwrap_or_else(|e| e.into_inner());
        limiter
            .check(&req.client(), endpoint)
            .err()
            .map(|retry| reply::rate_limited(endpoint.per_minute(), retry))
    }

    /// How many objects the store holds.
    pub fn sizes(&self) -> StoreSizes {
        self.read().sizes()
    }

    /// Every resource of one organisation that is still live (not archived or stopped):
    /// what a run's teardown must leave empty.
    pub fn live_resources(&self, organization_id: &str) -> Vec<(Kind, String)> {
        let s = self.read();
        let mut out = Vec::new();
        for a in s
            .agents
            .values()
            .filter(|a| a.organization_id == organization_id && a.status != "archived")
        {
            out.push((Kind::Agent, a.id.clone()));
        }
        for p in s
            .pipelines
            .values()
            .filter(|p| p.organization_id == organization_id && p.status != "archived")
        {
            out.push((Kind::Pipeline, p.id.clone()));
        }
        for d in s
            .deployments
            .values()
            .filter(|d| d.organization_id == organization_id && d.status == "active")
        {
            out.push((Kind::Deployment, d.id.clone()));
        }
        out.sort();
        out
    }

    /// The organisation of a registered user, by email.
    pub fn organization_of(&self, email: &str) -> Option<String> {
        let s = self.read();
        let id = s.user_by_email.get(&email.to_lowercase())?;
        s.users.get(id).map(|u| u.organization_id.clone())
    }

    /// Every organisation id the store knows.
    pub fn organizations(&self) -> Vec<String> {
        let s = self.read();
        let mut orgs: Vec<String> = s
            .users
            .values()
            .map(|u| u.organization_id.clone())
            .collect();
        orgs.sort();
        orgs.dedup();
        orgs
    }

    fn prometheus(&self) -> ApiResponse {
        let z = self.sizes();
        let text = format!(
            "# HELP kaizen_mock_objects Objects held by the mock's store.\n# TYPE kaizen_mock_objects gauge\n\
             kaizen_mock_objects{{kind=\"user\"}} {}\nkaizen_mock_objects{{kind=\"token\"}} {}\n\
             kaizen_mock_objects{{kind=\"workspace\"}} {}\nkaizen_mock_objects{{kind=\"gateway\"}} {}\n\
             kaizen_mock_objects{{kind=\"agent\"}} {}\nkaizen_mock_objects{{kind=\"pipeline\"}} {}\n\
             kaizen_mock_objects{{kind=\"deployment\"}} {}\n",
            z.users, z.tokens, z.workspaces, z.gateways, z.agents, z.pipelines, z.deployments
        );
        ApiResponse::text(200, text, "text/plain; version=0.0.4")
    }
}

impl Default for Api {
    fn default() -> Self {
        Api::new(Limits::default())
    }
}

/// A new unguessable token: 256 bits from the OS-seeded CSPRNG, hex encoded.
pub(crate) fn new_token(prefix: &str) -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A 500 in the real error envelope.
pub fn error_500(message: &str) -> ApiResponse {
    reply::error(500, "INTERNAL_ERROR", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        let mut r = ApiRequest::new("GET", "/x");
        r.query = "organization_id=a%2Db&limit=5&name=a+b";
        assert_eq!(r.param("organization_id").as_deref(), Some("a-b"));
        assert_eq!(r.param("limit").as_deref(), Some("5"));
        assert_eq!(r.param("name").as_deref(), Some("a b"));
        assert_eq!(r.param("offset"), None);
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_loopback() {
        let mut r = ApiRequest::new("GET", "/x");
        r.forwarded_for = Some("10.1.2.3, 127.0.0.1");
        r.peer = Some("127.0.0.1".parse().unwrap());
        assert_eq!(r.client(), "10.1.2.3");
        r.peer = Some("192.0.2.7".parse().unwrap());
        assert_eq!(r.client(), "192.0.2.7");
    }

    #[test]
    fn ids_in_paths_map_to_templates() {
        assert_eq!(
            route_of("GET", "/api/v1/agents/123"),
            "GET /api/v1/agents/{id}"
        );
        assert_eq!(
            route_of("GET", "/api/v1/pipelines/patterns"),
            "GET /api/v1/pipelines/patterns"
        );
        assert_eq!(route_of("GET", "/api/v1/metrics"), "UNKNOWN");
    }
}
