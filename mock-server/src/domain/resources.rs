//! Resource dispatch (every route behind a bearer token) and the shared request helpers, plus
//! workspaces and gateways. Every lookup is scoped to the caller's organisation: another
//! tenant's id is simply not found. Agents, pipelines and deployments live beside this file.

use serde_json::json;

use super::auth::caller;
use super::model::{Gateway, Workspace, now_iso};
use super::reply::{self, ApiResponse, FieldError};
use super::validate::{Body, query_err};
use super::{Api, ApiRequest, agents, deployments, new_id, pipelines};

const WORKSPACE_TYPES: &[&str] = &["permanent", "temporary", "personal"];

pub(super) fn handle(api: &Api, route: &str, req: &ApiRequest<'_>) -> ApiResponse {
    let (user_id, org) = match caller(api, req) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let id = req
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let who = Caller {
        user_id: &user_id,
        org: &org,
    };
    match route {
        "GET /api/v1/workspaces" => list_workspaces(api, &who),
        "POST /api/v1/workspaces" => create_workspace(api, &who, req),
        "GET /api/v1/gateways" => list_gateways(api, &who, req),
        "POST /api/v1/gateways" => create_gateway(api, &who, req),
        "GET /api/v1/agents" => agents::list_agents(api, &who, req),
        "POST /api/v1/agents" => agents::create_agent(api, &who, req),
        "GET /api/v1/agents/{id}" => agents::get_agent(api, &who, id),
        "PUT /api/v1/agents/{id}" => agents::update_agent(api, &who, id, req),
        "DELETE /api/v1/agents/{id}" => agents::delete_agent(api, &who, id),
        "GET /api/v1/pipelines" => pipelines::list_pipelines(api, &who, req),
        "POST /api/v1/pipelines" => pipelines::create_pipeline(api, &who, req),
        "GET /api/v1/pipelines/patterns" => pipelines::patterns(),
        "GET /api/v1/pipelines/{id}" => pipelines::get_pipeline(api, &who, id),
        "PUT /api/v1/pipelines/{id}" => pipelines::update_pipeline(api, &who, id, req),
        "DELETE /api/v1/pipelines/{id}" => pipelines::delete_pipeline(api, &who, id),
        "GET /api/v1/deployments" => deployments::list_deployments(api, &who, req),
        "POST /api/v1/deployments" => deployments::create_deployment(api, &who, req),
        "GET /api/v1/metrics/summary" => ApiResponse::json(200, &summary()),
        "GET /api/v1/metrics/dashboard" => ApiResponse::json(
            200,
            &json!({"period": "24h", "summary": summary(), "top_errors": [], "top_agents": []}),
        ),
        _ => reply::not_found("Not Found"),
    }
}

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

fn list_workspaces(api: &Api, who: &Caller<'_>) -> ApiResponse {
    let store = api.read();
    let rows: Vec<_> = store
        .tenants
        .get(who.org)
        .map(|t| {
            t.workspaces
                .iter()
                .filter_map(|id| store.workspaces.get(id))
                .map(Workspace::summary)
                .collect()
        })
        .unwrap_or_default();
    ApiResponse::json(200, &rows)
}

fn create_workspace(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let name = b.string("name", 1, 100);
    let description = b.opt_string("description", 0, 2000);
    let kind = b.opt_choice("workspaceType", WORKSPACE_TYPES);
    let color = b.opt_string("color", 0, 100);
    if let Err(e) = done(b) {
        return e;
    }
    let now = now_iso();
    let mut store = api.write();
    let owner_name = store
        .users
        .get(who.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let ws = Workspace {
        id: new_id(),
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        workspace_type: kind.unwrap_or_else(|| "permanent".into()),
        color,
        owner_id: who.user_id.to_string(),
        owner_name,
        organization_id: who.org.to_string(),
        members: Vec::new(),
        work_units: Vec::new(),
        member_count: 1,
        work_unit_count: 0,
        expires_at: None,
        archived_at: String::new(),
        is_archived: false,
        created_at: now.clone(),
        updated_at: now,
    };
    store.tenant(who.org).workspaces.push(ws.id.clone());
    store.workspaces.insert(ws.id.clone(), ws.clone());
    ApiResponse::json(201, &ws)
}

fn list_gateways(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let env = req.param("environment");
    let store = api.read();
    let rows: Vec<&Gateway> = store
        .tenants
        .get(who.org)
        .map(|t| {
            t.gateways
                .iter()
                .filter_map(|id| store.gateways.get(id))
                .filter(|g| env.as_ref().is_none_or(|e| &g.environment == e))
                .collect()
        })
        .unwrap_or_default();
    ApiResponse::json(200, &json!({ "gateways": rows }))
}

fn create_gateway(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let name = b.string("name", 1, 255);
    let api_url = b.string("api_url", 1, 2000);
    let api_key = b.string("api_key", 1, 2000);
    let environment = b.opt_string("environment", 0, 100);
    let description = b.opt_string("description", 0, 2000);
    let health = b.opt_string("health_check_url", 0, 2000);
    if let Err(e) = done(b) {
        return e;
    }
    let now = format!("{}+00:00", now_iso());
    let gw = Gateway {
        id: new_id(),
        organization_id: who.org.to_string(),
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        api_url: api_url.unwrap_or_default(),
        api_key: api_key.unwrap_or_default(),
        environment: environment.unwrap_or_else(|| "development".into()),
        status: "active".into(),
        health_check_url: health.unwrap_or_default(),
        last_health_check: String::new(),
        last_health_status: "unknown".into(),
        created_at: now.clone(),
        updated_at: now,
    };
    let mut store = api.write();
    store.tenant(who.org).gateways.push(gw.id.clone());
    store.gateways.insert(gw.id.clone(), gw.clone());
    ApiResponse::json(200, &gw)
}

pub(super) fn workspace_exists(api: &Api, org: &str, id: &str) -> bool {
    api.read()
        .workspaces
        .get(id)
        .is_some_and(|w| w.organization_id == org)
}
