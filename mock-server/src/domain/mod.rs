//! The Kaizen Studio domain: store, auth, validation and routing, with no HTTP framework in it.
//! Transports ([`crate::transport`]) turn their requests into an [`ApiRequest`], find its
//! [`Route`] once with [`Route::of`], and send back the [`ApiResponse`].
//!
//! Files, each using only those before it: `model.rs`, `reply.rs`, `validate.rs`,
//! `request.rs`, `route.rs`, `ratelimit.rs`, `store.rs`, `api.rs` (state), `auth.rs`,
//! `handler.rs` (what every resource handler shares), then the resources: `workspaces.rs` (with
//! gateways), `agents.rs`, `pipelines.rs`, `deployments.rs`. This file is the one dispatch table.

mod agents;
mod api;
mod auth;
mod deployments;
mod handler;
pub mod model;
mod pipelines;
mod ratelimit;
mod reply;
mod request;
mod route;
mod store;
mod validate;
mod workspaces;

pub use api::Api;
pub use model::Kind;
pub use reply::{ApiResponse, FieldError};
pub use request::ApiRequest;
pub use route::{Resource, Route, RouteKind, UnknownRoute};
pub use store::{Limits, StoreSizes};

use std::sync::LazyLock;

use handler::Caller;
use serde_json::json;

/// Bodies that never change, serialized once: `/health` is what load runs and probes hit most.
static ROOT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    reply::serialize(&json!({"name": "Kaizen Studio", "version": "0.1.0", "docs": "/docs"}))
});
static HEALTH: LazyLock<Vec<u8>> = LazyLock::new(|| {
    reply::serialize(&json!({"status": "healthy", "version": "0.1.0",
        "environment": "development", "checks": {"database": "healthy", "redis": "healthy"}}))
});
static OK: LazyLock<Vec<u8>> = LazyLock::new(|| reply::serialize(&json!({"status": "ok"})));

impl Api {
    /// Answers one request.
    pub fn handle(&self, req: &ApiRequest<'_>) -> ApiResponse {
        self.handle_route(Route::of(req.method, req.path), req)
    }

    /// Answers one request whose route ([`Route::of`]) the transport already found.
    pub fn handle_route(&self, route: Route<'_>, req: &ApiRequest<'_>) -> ApiResponse {
        match route {
            Route::Root => ApiResponse::serialized(200, ROOT.clone()),
            Route::Health => ApiResponse::serialized(200, HEALTH.clone()),
            Route::Metrics => self.prometheus(),
            Route::GatewayStub => ApiResponse::serialized(200, OK.clone()),
            Route::Register => auth::register(self, req),
            Route::Login => auth::login(self, req),
            Route::Me => auth::me(self, req),
            Route::Refresh => auth::refresh(self, req),
            Route::Logout => auth::logout(self, req),
            Route::Unknown => reply::not_found("Not Found"),
            Route::Resource(resource) => match auth::caller(self, req) {
                Ok((user_id, org)) => {
                    let who = Caller {
                        user_id: &user_id,
                        org: &org,
                    };
                    self.resource(resource, &who, req)
                }
                Err(e) => e,
            },
        }
    }

    /// Every route behind a bearer token. Every lookup is scoped to the caller's organisation:
    /// another tenant's id is simply not found.
    fn resource(
        &self,
        resource: Resource<'_>,
        who: &Caller<'_>,
        req: &ApiRequest<'_>,
    ) -> ApiResponse {
        use Resource as R;
        match resource {
            R::ListWorkspaces => workspaces::list_workspaces(self, who),
            R::CreateWorkspace => workspaces::create_workspace(self, who, req),
            R::DeleteWorkspace { id } => workspaces::delete_workspace(self, who, id),
            R::ListGateways => workspaces::list_gateways(self, who, req),
            R::CreateGateway => workspaces::create_gateway(self, who, req),
            R::DeleteGateway { id } => workspaces::delete_gateway(self, who, id),
            R::ListAgents => agents::list_agents(self, who, req),
            R::CreateAgent => agents::create_agent(self, who, req),
            R::GetAgent { id } => agents::get_agent(self, who, id),
            R::UpdateAgent { id } => agents::update_agent(self, who, id, req),
            R::DeleteAgent { id } => agents::delete_agent(self, who, id),
            R::ListPipelines => pipelines::list_pipelines(self, who, req),
            R::CreatePipeline => pipelines::create_pipeline(self, who, req),
            R::PipelinePatterns => pipelines::patterns(),
            R::GetPipeline { id } => pipelines::get_pipeline(self, who, id),
            R::UpdatePipeline { id } => pipelines::update_pipeline(self, who, id, req),
            R::DeletePipeline { id } => pipelines::delete_pipeline(self, who, id),
            R::ListDeployments => deployments::list_deployments(self, who, req),
            R::CreateDeployment => deployments::create_deployment(self, who, req),
            R::StopDeployment { id } => deployments::stop_deployment(self, who, id),
            R::MetricsSummary => ApiResponse::json(200, &handler::summary()),
            R::MetricsDashboard => ApiResponse::json(
                200,
                &json!({"period": "24h", "summary": handler::summary(), "top_errors": [], "top_agents": []}),
            ),
        }
    }
}

/// A 500 in the real error envelope.
pub fn error_500(message: &str) -> ApiResponse {
    reply::error(500, "INTERNAL_ERROR", message)
}
