//! The routes of the API as types: [`Route`], found once per request from its method and path
//! and carrying the path's ids, and [`RouteKind`], its fieldless name (the template text, such as
//! `GET /api/v1/agents/{id}`, that metrics and fault configuration use).

use std::fmt;
use std::str::FromStr;

/// A request's route, found once by the transport with [`Route::of`]. Ids are slices of the
/// request's path: finding a route never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Root,
    Health,
    /// The mock's own Prometheus text.
    Metrics,
    /// `GET` or `POST` anything under `/gateway-stub`: a gateway deployments can reach.
    GatewayStub,
    Register,
    Login,
    Me,
    Refresh,
    Logout,
    /// A route behind a bearer token, scoped to the caller's organisation.
    Resource(Resource<'a>),
    /// No route of the API: a 404.
    Unknown,
}

/// The routes behind a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    ListWorkspaces,
    CreateWorkspace,
    DeleteWorkspace { id: &'a str },
    ListGateways,
    CreateGateway,
    DeleteGateway { id: &'a str },
    ListAgents,
    CreateAgent,
    GetAgent { id: &'a str },
    UpdateAgent { id: &'a str },
    DeleteAgent { id: &'a str },
    ListPipelines,
    CreatePipeline,
    PipelinePatterns,
    GetPipeline { id: &'a str },
    UpdatePipeline { id: &'a str },
    DeletePipeline { id: &'a str },
    ListDeployments,
    CreateDeployment,
    StopDeployment { id: &'a str },
    MetricsSummary,
    MetricsDashboard,
}

impl<'a> Route<'a> {
    /// The route of a request. A path with a segment no route has, or one segment too many, is
    /// [`Route::Unknown`]; empty segments are skipped (`/api//v1/agents/` lists agents).
    pub fn of(method: &str, path: &'a str) -> Route<'a> {
        use Resource as R;
        // No route has more than five segments: a longer path is unknown.
        let mut segs = [""; 6];
        let mut n = 0;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if n == segs.len() {
                return Route::Unknown;
            }
            segs[n] = seg;
            n += 1;
        }
        let resource = match (method, &segs[..n]) {
            ("GET", []) => return Route::Root,
            ("GET", ["health"]) => return Route::Health,
            ("GET", ["metrics"]) => return Route::Metrics,
            ("GET" | "POST", ["gateway-stub", ..]) => return Route::GatewayStub,
            ("POST", ["api", "v1", "auth", "register"]) => return Route::Register,
            ("POST", ["api", "v1", "auth", "login"]) => return Route::Login,
            ("GET", ["api", "v1", "auth", "me"]) => return Route::Me,
            ("POST", ["api", "v1", "auth", "refresh"]) => return Route::Refresh,
            ("POST", ["api", "v1", "auth", "logout"]) => return Route::Logout,
            ("GET", ["api", "v1", "workspaces"]) => R::ListWorkspaces,
            ("POST", ["api", "v1", "workspaces"]) => R::CreateWorkspace,
            ("DELETE", ["api", "v1", "workspaces", id]) => R::DeleteWorkspace { id },
            ("GET", ["api", "v1", "gateways"]) => R::ListGateways,
            ("POST", ["api", "v1", "gateways"]) => R::CreateGateway,
            ("DELETE", ["api", "v1", "gateways", id]) => R::DeleteGateway { id },
            ("GET", ["api", "v1", "agents"]) => R::ListAgents,
            ("POST", ["api", "v1", "agents"]) => R::CreateAgent,
            ("GET", ["api", "v1", "agents", id]) => R::GetAgent { id },
            ("PUT", ["api", "v1", "agents", id]) => R::UpdateAgent { id },
            ("DELETE", ["api", "v1", "agents", id]) => R::DeleteAgent { id },
            ("GET", ["api", "v1", "pipelines"]) => R::ListPipelines,
            ("POST", ["api", "v1", "pipelines"]) => R::CreatePipeline,
            ("GET", ["api", "v1", "pipelines", "patterns"]) => R::PipelinePatterns,
            ("GET", ["api", "v1", "pipelines", id]) => R::GetPipeline { id },
            ("PUT", ["api", "v1", "pipelines", id]) => R::UpdatePipeline { id },
            ("DELETE", ["api", "v1", "pipelines", id]) => R::DeletePipeline { id },
            ("GET", ["api", "v1", "deployments"]) => R::ListDeployments,
            ("POST", ["api", "v1", "deployments"]) => R::CreateDeployment,
            ("POST", ["api", "v1", "deployments", id, "stop"]) => R::StopDeployment { id },
            ("GET", ["api", "v1", "metrics", "summary"]) => R::MetricsSummary,
            ("GET", ["api", "v1", "metrics", "dashboard"]) => R::MetricsDashboard,
            _ => return Route::Unknown,
        };
        Route::Resource(resource)
    }

    /// The route's name, without its ids.
    pub fn kind(&self) -> RouteKind {
        use RouteKind as K;
        match self {
            Route::Root => K::Root,
            Route::Health => K::Health,
            Route::Metrics => K::Metrics,
            Route::GatewayStub => K::GatewayStub,
            Route::Register => K::Register,
            Route::Login => K::Login,
            Route::Me => K::Me,
            Route::Refresh => K::Refresh,
            Route::Logout => K::Logout,
            Route::Unknown => K::Unknown,
            Route::Resource(r) => match r {
                Resource::ListWorkspaces => K::ListWorkspaces,
                Resource::CreateWorkspace => K::CreateWorkspace,
                Resource::DeleteWorkspace { .. } => K::DeleteWorkspace,
                Resource::ListGateways => K::ListGateways,
                Resource::CreateGateway => K::CreateGateway,
                Resource::DeleteGateway { .. } => K::DeleteGateway,
                Resource::ListAgents => K::ListAgents,
                Resource::CreateAgent => K::CreateAgent,
                Resource::GetAgent { .. } => K::GetAgent,
                Resource::UpdateAgent { .. } => K::UpdateAgent,
                Resource::DeleteAgent { .. } => K::DeleteAgent,
                Resource::ListPipelines => K::ListPipelines,
                Resource::CreatePipeline => K::CreatePipeline,
                Resource::PipelinePatterns => K::PipelinePatterns,
                Resource::GetPipeline { .. } => K::GetPipeline,
                Resource::UpdatePipeline { .. } => K::UpdatePipeline,
                Resource::DeletePipeline { .. } => K::DeletePipeline,
                Resource::ListDeployments => K::ListDeployments,
                Resource::CreateDeployment => K::CreateDeployment,
                Resource::StopDeployment { .. } => K::StopDeployment,
                Resource::MetricsSummary => K::MetricsSummary,
                Resource::MetricsDashboard => K::MetricsDashboard,
            },
        }
    }

    /// The route's template, e.g. `GET /api/v1/agents/{id}`.
    pub fn template(&self) -> &'static str {
        self.kind().template()
    }
}

impl fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.template())
    }
}

/// A route without its ids: the key of per-route faults, written and read as its template.
/// `Unknown` stays last: [`RouteKind::ALL`] is in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteKind {
    Root,
    Health,
    Metrics,
    GatewayStub,
    Register,
    Login,
    Me,
    Refresh,
    Logout,
    ListWorkspaces,
    CreateWorkspace,
    DeleteWorkspace,
    ListGateways,
    CreateGateway,
    DeleteGateway,
    ListAgents,
    CreateAgent,
    GetAgent,
    UpdateAgent,
    DeleteAgent,
    ListPipelines,
    CreatePipeline,
    PipelinePatterns,
    GetPipeline,
    UpdatePipeline,
    DeletePipeline,
    ListDeployments,
    CreateDeployment,
    StopDeployment,
    MetricsSummary,
    MetricsDashboard,
    Unknown,
}

impl RouteKind {
    /// Every kind, in declaration order (a test checks none is missing).
    pub const ALL: [RouteKind; 32] = {
        use RouteKind::*;
        [
            Root,
            Health,
            Metrics,
            GatewayStub,
            Register,
            Login,
            Me,
            Refresh,
            Logout,
            ListWorkspaces,
            CreateWorkspace,
            DeleteWorkspace,
            ListGateways,
            CreateGateway,
            DeleteGateway,
            ListAgents,
            CreateAgent,
            GetAgent,
            UpdateAgent,
            DeleteAgent,
            ListPipelines,
            CreatePipeline,
            PipelinePatterns,
            GetPipeline,
            UpdatePipeline,
            DeletePipeline,
            ListDeployments,
            CreateDeployment,
            StopDeployment,
            MetricsSummary,
            MetricsDashboard,
            Unknown,
        ]
    };

    /// The template: the route's name in metrics and in fault configuration.
    pub fn template(self) -> &'static str {
        use RouteKind::*;
        match self {
            Root => "GET /",
            Health => "GET /health",
            Metrics => "GET /metrics",
            GatewayStub => "ANY /gateway-stub",
            Register => "POST /api/v1/auth/register",
            Login => "POST /api/v1/auth/login",
            Me => "GET /api/v1/auth/me",
            Refresh => "POST /api/v1/auth/refresh",
            Logout => "POST /api/v1/auth/logout",
            ListWorkspaces => "GET /api/v1/workspaces",
            CreateWorkspace => "POST /api/v1/workspaces",
            DeleteWorkspace => "DELETE /api/v1/workspaces/{id}",
            ListGateways => "GET /api/v1/gateways",
            CreateGateway => "POST /api/v1/gateways",
            DeleteGateway => "DELETE /api/v1/gateways/{id}",
            ListAgents => "GET /api/v1/agents",
            CreateAgent => "POST /api/v1/agents",
            GetAgent => "GET /api/v1/agents/{id}",
            UpdateAgent => "PUT /api/v1/agents/{id}",
            DeleteAgent => "DELETE /api/v1/agents/{id}",
            ListPipelines => "GET /api/v1/pipelines",
            CreatePipeline => "POST /api/v1/pipelines",
            PipelinePatterns => "GET /api/v1/pipelines/patterns",
            GetPipeline => "GET /api/v1/pipelines/{id}",
            UpdatePipeline => "PUT /api/v1/pipelines/{id}",
            DeletePipeline => "DELETE /api/v1/pipelines/{id}",
            ListDeployments => "GET /api/v1/deployments",
            CreateDeployment => "POST /api/v1/deployments",
            StopDeployment => "POST /api/v1/deployments/{id}/stop",
            MetricsSummary => "GET /api/v1/metrics/summary",
            MetricsDashboard => "GET /api/v1/metrics/dashboard",
            Unknown => "UNKNOWN",
        }
    }

    /// The route a template names, exactly as [`RouteKind::template`] writes it (surrounding
    /// blanks aside). `UNKNOWN` names no route of the API and is refused too.
    pub fn from_template(text: &str) -> Result<RouteKind, UnknownRoute> {
        let t = text.trim();
        RouteKind::ALL
            .into_iter()
            .find(|k| *k != RouteKind::Unknown && k.template() == t)
            .ok_or_else(|| UnknownRoute(text.to_string()))
    }
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.template())
    }
}

impl FromStr for RouteKind {
    type Err = UnknownRoute;

    fn from_str(s: &str) -> Result<RouteKind, UnknownRoute> {
        RouteKind::from_template(s)
    }
}

/// A route template that names no route of the API; its message lists the ones that do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a route of the API; the routes are {list}", list = known_routes())]
pub struct UnknownRoute(pub String);

fn known_routes() -> String {
    let names: Vec<String> = RouteKind::ALL
        .iter()
        .filter(|k| **k != RouteKind::Unknown)
        .map(|k| format!("'{k}'"))
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests;
