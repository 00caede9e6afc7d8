//! Pipelines: wrapped in `data`, listed per `organization_id`, soft-deleted.

use serde_json::json;

use super::api::{Api, new_id};
use super::handler::{Caller, body, done, page};
use super::model::{Kind, Pipeline, PipelineDetails, now_iso};
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;
use super::validate::query_err;
use super::workspaces::workspace_exists;

const PATTERNS: &[&str] = &["sequential", "parallel", "router", "supervisor", "ensemble"];

pub(super) fn list_pipelines(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let page = page(req);
    let org = req.param("organization_id");
    let mut errors = page.as_ref().err().cloned().unwrap_or_default();
    if org.is_none() {
        errors.insert(0, query_err("organization_id", "Field required", "missing"));
    }
    if !errors.is_empty() {
        return reply::validation(errors);
    }
    let ((limit, offset), org) = (page.unwrap_or((50, 0)), org.unwrap_or_default());
    if org != who.org {
        return ApiResponse::json(200, &json!({ "data": [], "total": 0 }));
    }
    let (ws, status) = (req.param("workspace_id"), req.param("status"));
    let store = api.read();
    let data: Vec<&Pipeline> = store
        .tenants
        .get(who.org)
        .map(|t| {
            t.pipelines
                .iter()
                .rev()
                .filter_map(|id| store.pipelines.get(id))
                .filter(|p| ws.as_ref().is_none_or(|w| &p.workspace_id == w))
                .filter(|p| status.as_ref().is_none_or(|s| &p.status == s))
                .skip(offset)
                .take(limit)
                .collect()
        })
        .unwrap_or_default();
    ApiResponse::json(200, &json!({ "data": data, "total": data.len() }))
}

pub(super) fn create_pipeline(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let org = b.string("organization_id", 0, 100);
    let workspace_id = b.string("workspace_id", 0, 100);
    let name = b.string("name", 0, 1000);
    let pattern = b.choice("pattern", PATTERNS);
    let description = b.opt_string("description", 0, 10_000);
    let status = b.opt_string("status", 0, 50);
    if let Err(e) = done(b) {
        return e;
    }
    if org.as_deref() != Some(who.org) {
        return reply::error(
            403,
            "FORBIDDEN",
            "Cannot create a pipeline in another organization",
        );
    }
    let workspace_id = workspace_id.unwrap_or_default();
    if !workspace_exists(api, who.org, &workspace_id) {
        return reply::not_found("Workspace not found");
    }
    let now = now_iso();
    let p = Pipeline {
        id: new_id(),
        organization_id: who.org.to_string(),
        workspace_id,
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        pattern: pattern.unwrap_or_default(),
        status: status.unwrap_or_else(|| "draft".into()),
        created_by: who.user_id.to_string(),
        created_at: now.clone(),
        updated_at: now,
    };
    let mut store = api.write();
    store.tenant(who.org).pipelines.push(p.id.clone());
    store.pipelines.insert(p.id.clone(), p.clone());
    ApiResponse::json(200, &json!({ "data": p }))
}

pub(super) fn patterns() -> ApiResponse {
    ApiResponse::json(
        200,
        &json!({"data": {
            "sequential": "Agents execute in sequence, output passes to next",
            "parallel": "Agents execute in parallel, results merged",
            "router": "Route to agent based on condition",
            "supervisor": "Supervisor delegates to worker agents",
            "ensemble": "Multiple agents vote, aggregate results"}}),
    )
}

pub(super) fn get_pipeline(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let store = api.read();
    match store
        .pipelines
        .get(id)
        .filter(|p| p.organization_id == who.org)
    {
        Some(pipeline) => ApiResponse::json(
            200,
            &json!({ "data": PipelineDetails { pipeline, found: true, nodes: [], connections: [] } }),
        ),
        None => reply::not_found("Pipeline not found"),
    }
}

pub(super) fn update_pipeline(
    api: &Api,
    who: &Caller<'_>,
    id: &str,
    req: &ApiRequest<'_>,
) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let empty = b.is_empty();
    let name = b.opt_string("name", 0, 1000);
    let description = b.opt_string("description", 0, 10_000);
    let pattern = b.opt_choice("pattern", PATTERNS);
    let status = b.opt_string("status", 0, 50);
    if let Err(e) = done(b) {
        return e;
    }
    let mut store = api.write();
    let Some(p) = store
        .pipelines
        .get_mut(id)
        .filter(|p| p.organization_id == who.org)
    else {
        return reply::not_found("Pipeline not found");
    };
    if empty {
        return reply::error(400, "BAD_REQUEST", "No fields to update");
    }
    if let Some(v) = name {
        p.name = v
    }
    if let Some(v) = description {
        p.description = v
    }
    if let Some(v) = pattern {
        p.pattern = v
    }
    if let Some(v) = status {
        p.status = v
    }
    let mut out = serde_json::to_value(&*p).unwrap_or_default();
    out["found"] = json!(true);
    ApiResponse::json(200, &json!({ "data": out }))
}

pub(super) fn delete_pipeline(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    let Some(p) = store
        .pipelines
        .get_mut(id)
        .filter(|p| p.organization_id == who.org)
    else {
        return reply::not_found("Pipeline not found");
    };
    let was_archived = p.status == "archived";
    p.status = "archived".into();
    if !was_archived {
        store.archived(Kind::Pipeline, id);
    }
    reply::message("Pipeline archived")
}
