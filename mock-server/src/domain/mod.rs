//! The Kaizen Studio domain: store, auth, validation and routing, with no HTTP framework in it.
//! Transports ([`crate::transport`]) turn their requests into an [`ApiRequest`], find its route
//! once with [`route_of`], and send back the [`ApiResponse`].
//!
//! Files, each using only those before it: `model.rs`, `reply.rs`, `validate.rs`,
//! `request.rs`, `ratelimit.rs`, `store.rs`, `api.rs` (state), `auth.rs`, `handler.rs` (what
//! every resource handler shares), then the resources: `workspaces.rs` (with gateways),
//! `agents.rs`, `pipelines.rs`, `deployments.rs`. This file is the one dispatch table.

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
mod store;
mod validate;
mod workspaces;

pub use api::Api;
pub use model::Kind;
pub use reply::{ApiResponse, FieldError};
pub use request::{ApiRequest, route_of};
pub use store::{Limits, StoreSizes};

use handler::Caller;
use serde_json::json;

impl Api {
    /// Answers one request.
    pub fn handle(&self, req: &ApiRequest<'_>) -> ApiResponse {
        self.handle_route(route_of(req.method, req.path), req)
    }

    /// Answers one request whose route ([`route_of`]) the transport already found.
    pub fn handle_route(&self, route: &str, req: &ApiRequest<'_>) -> ApiResponse {
        match route {
            "GET /" => ApiResponse::json(
                200,
                &json!({"name": "Kaizen Studio", "version": "0.1.0", "docs": "/docs"}),
            ),
            "GET /health" => ApiResponse::json(
                200,
                &json!({"status": "healthy", "version": "0.1.0", "environment": "development",
                    "checks": {"database": "healthy", "redis": "healthy"}}),
            ),
            "GET /metrics" => self.prometheus(),
            "ANY /gateway-stub" => ApiResponse::json(200, &json!({"status": "ok"})),
            "POST /api/v1/auth/register"
            | "POST /api/v1/auth/login"
            | "GET /api/v1/auth/me"
            | "POST /api/v1/auth/refresh"
            | "POST /api/v1/auth/logout" => auth::handle(self, route, req),
            "UNKNOWN" => reply::not_found("Not Found"),
            _ => match auth::caller(self, req) {
                Ok((user_id, org)) => {
                    let who = Caller {
                        user_id: &user_id,
                        org: &org,
                    };
                    self.resource(route, &who, req)
                }
                Err(e) => e,
            },
        }
    }

    /// Every route behind a bearer token. Every lookup is scoped to the caller's organisation:
    /// another tenant's id is simply not found.
    fn resource(&self, route: &str, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
        // The id is the fourth segment: /api/v1/<kind>/{id}[/stop].
        let id = req
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .nth(3)
            .unwrap_or("");
        match route {
            "GET /api/v1/workspaces" => workspaces::list_workspaces(self, who),
            "POST /api/v1/workspaces" => workspaces::create_workspace(self, who, req),
            "GET /api/v1/gateways" => workspaces::list_gateways(self, who, req),
            "POST /api/v1/gateways" => workspaces::create_gateway(self, who, req),
            "DELETE /api/v1/workspaces/{id}" => workspaces::delete_workspace(self, who, id),
            "DELETE /api/v1/gateways/{id}" => workspaces::delete_gateway(self, who, id),
            "GET /api/v1/agents" => agents::list_agents(self, who, req),
            "POST /api/v1/agents" => agents::create_agent(self, who, req),
            "GET /api/v1/agents/{id}" => agents::get_agent(self, who, id),
            "PUT /api/v1/agents/{id}" => agents::update_agent(self, who, id, req),
            "DELETE /api/v1/agents/{id}" => agents::delete_agent(self, who, id),
            "GET /api/v1/pipelines" => pipelines::list_pipelines(self, who, req),
            "POST /api/v1/pipelines" => pipelines::create_pipeline(self, who, req),
            "GET /api/v1/pipelines/patterns" => pipelines::patterns(),
            "GET /api/v1/pipelines/{id}" => pipelines::get_pipeline(self, who, id),
            "PUT /api/v1/pipelines/{id}" => pipelines::update_pipeline(self, who, id, req),
            "DELETE /api/v1/pipelines/{id}" => pipelines::delete_pipeline(self, who, id),
            "GET /api/v1/deployments" => deployments::list_deployments(self, who, req),
            "POST /api/v1/deployments" => deployments::create_deployment(self, who, req),
            "POST /api/v1/deployments/{id}/stop" => deployments::stop_deployment(self, who, id),
            "GET /api/v1/metrics/summary" => ApiResponse::json(200, &handler::summary()),
            "GET /api/v1/metrics/dashboard" => ApiResponse::json(
                200,
                &json!({"period": "24h", "summary": handler::summary(), "top_errors": [], "top_agents": []}),
            ),
            _ => reply::not_found("Not Found"),
        }
    }
}

/// A 500 in the real error envelope.
pub fn error_500(message: &str) -> ApiResponse {
    reply::error(500, "INTERNAL_ERROR", message)
}
