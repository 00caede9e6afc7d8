//! Agents: CRUD with `limit`/`offset` pages, soft delete (`status: "archived"`), scoped to the
//! caller's organisation.

use serde_json::json;

use super::api::{Api, new_id};
use super::handler::{Caller, body, done, page};
use super::model::{Agent, AgentDetails, Kind, now_iso};
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;
use super::workspaces::workspace_exists;

const AGENT_TYPES: &[&str] = &["chat", "task", "pipeline", "custom"];

pub(super) fn list_agents(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let (limit, offset) = match page(req) {
        Ok(p) => p,
        Err(e) => return reply::validation(e),
    };
    let (ws, status, kind) = (
        req.param("workspace_id"),
        req.param("status"),
        req.param("agent_type"),
    );
    let store = api.read();
    let records: Vec<&Agent> = store
        .tenants
        .get(who.org)
        .map(|t| {
            t.agents
                .iter()
                .rev()
                .filter_map(|id| store.agents.get(id))
                .filter(|a| ws.as_ref().is_none_or(|w| &a.workspace_id == w))
                .filter(|a| status.as_ref().is_none_or(|s| &a.status == s))
                .filter(|a| kind.as_ref().is_none_or(|k| &a.agent_type == k))
                .skip(offset)
                .take(limit)
                .collect()
        })
        .unwrap_or_default();
    // The real server's `total` counts the rows on the returned page.
    ApiResponse::json(200, &json!({ "records": records, "total": records.len() }))
}

pub(super) fn create_agent(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let workspace_id = b.string("workspace_id", 0, 100);
    let name = b.string("name", 1, 100);
    let agent_type = b.choice("agent_type", AGENT_TYPES);
    let model_id = b.string("model_id", 1, 100);
    let description = b.opt_string("description", 0, 2000);
    let system_prompt = b.opt_string("system_prompt", 0, 10_000);
    let temperature = b.opt_number("temperature", 0.0, 2.0);
    let max_tokens = b.opt_int("max_tokens", 0);
    if let Err(e) = done(b) {
        return e;
    }
    let workspace_id = workspace_id.unwrap_or_default();
    if !workspace_exists(api, who.org, &workspace_id) {
        return reply::not_found("Workspace not found");
    }
    let now = now_iso();
    let agent = Agent {
        id: new_id(),
        organization_id: who.org.to_string(),
        workspace_id,
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        agent_type: agent_type.unwrap_or_default(),
        status: "draft".into(),
        system_prompt: system_prompt.unwrap_or_default(),
        model_id: model_id.unwrap_or_default(),
        // The backend stores a 32-bit float; echo its rounding.
        temperature: f64::from(temperature.unwrap_or(0.7) as f32),
        max_tokens: max_tokens.unwrap_or(0),
        created_by: who.user_id.to_string(),
        created_at: now.clone(),
        updated_at: now,
    };
    let mut store = api.write();
    store.tenant(who.org).agents.push(agent.id.clone());
    store.agents.insert(agent.id.clone(), agent.clone());
    ApiResponse::json(201, &agent)
}

pub(super) fn get_agent(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let store = api.read();
    match store
        .agents
        .get(id)
        .filter(|a| a.organization_id == who.org)
    {
        Some(agent) => ApiResponse::json(
            200,
            &AgentDetails {
                agent,
                contexts: [],
                tools: [],
            },
        ),
        None => reply::not_found("Agent not found"),
    }
}

pub(super) fn update_agent(
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
    let name = b.opt_string("name", 1, 100);
    let description = b.opt_string("description", 0, 2000);
    let system_prompt = b.opt_string("system_prompt", 0, 10_000);
    let model_id = b.opt_string("model_id", 1, 100);
    let temperature = b.opt_number("temperature", 0.0, 2.0);
    let max_tokens = b.opt_int("max_tokens", 0);
    let status = b.opt_string("status", 1, 50);
    if let Err(e) = done(b) {
        return e;
    }
    let mut store = api.write();
    let Some(agent) = store
        .agents
        .get_mut(id)
        .filter(|a| a.organization_id == who.org)
    else {
        return reply::not_found("Agent not found");
    };
    if empty {
        return reply::error(400, "BAD_REQUEST", "No fields to update");
    }
    if let Some(v) = name {
        agent.name = v
    }
    if let Some(v) = description {
        agent.description = v
    }
    if let Some(v) = system_prompt {
        agent.system_prompt = v
    }
    if let Some(v) = model_id {
        agent.model_id = v
    }
    if let Some(v) = temperature {
        agent.temperature = f64::from(v as f32)
    }
    if let Some(v) = max_tokens {
        agent.max_tokens = v
    }
    if let Some(v) = status {
        agent.status = v
    }
    let agent = agent.clone();
    ApiResponse::json(200, &agent)
}

pub(super) fn delete_agent(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    let Some(agent) = store
        .agents
        .get_mut(id)
        .filter(|a| a.organization_id == who.org)
    else {
        return reply::not_found("Agent not found");
    };
    let was_archived = agent.status == "archived";
    // As on the real server, archiving an agent leaves its deployments active: they run
    // until `POST /deployments/{id}/stop`.
    agent.status = "archived".into();
    if !was_archived {
        store.archived(Kind::Agent, id);
    }
    reply::message("Agent archived successfully")
}
