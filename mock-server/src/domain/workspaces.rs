//! Workspaces and gateways, scoped to the caller's organisation.

use serde_json::json;

use super::api::{Api, new_id};
use super::handler::{Caller, body, done};
use super::model::{Gateway, Workspace, now_iso};
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;

const WORKSPACE_TYPES: &[&str] = &["permanent", "temporary", "personal"];

pub(super) fn list_workspaces(api: &Api, who: &Caller<'_>) -> ApiResponse {
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

pub(super) fn create_workspace(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

pub(super) fn list_gateways(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

pub(super) fn create_gateway(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

/// `DELETE /workspaces/{id}`: removes it (200 with a message); another tenant's id is 404.
pub(super) fn delete_workspace(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    if store
        .workspaces
        .get(id)
        .is_none_or(|w| w.organization_id != who.org)
    {
        return reply::not_found("Workspace not found");
    }
    store.workspaces.remove(id);
    store.tenant(who.org).workspaces.retain(|w| w != id);
    reply::message("Workspace deleted")
}

/// `DELETE /gateways/{id}`: removes it (200 with a message); another tenant's id is 404.
pub(super) fn delete_gateway(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    if store
        .gateways
        .get(id)
        .is_none_or(|g| g.organization_id != who.org)
    {
        return reply::not_found("Gateway not found");
    }
    store.gateways.remove(id);
    store.tenant(who.org).gateways.retain(|g| g != id);
    reply::message("Gateway deleted")
}

pub(super) fn workspace_exists(api: &Api, org: &str, id: &str) -> bool {
    api.read()
        .workspaces
        .get(id)
        .is_some_and(|w| w.organization_id == org)
}
