//! Tenant resources: workspaces, gateways, agents, pipelines, deployments and metrics. Every
//! lookup is scoped to the caller's organisation: another tenant's id is simply not found.

use serde_json::json;

use super::auth::caller;
use super::model::{
    Agent, AgentDetails, Deployment, Gateway, Kind, Pipeline, PipelineDetails, Workspace, now_iso,
};
use super::reply::{self, ApiResponse, FieldError};
use super::validate::{Body, query_err};
use super::{Api, ApiRequest, new_id};

const AGENT_TYPES: &[&str] = &["chat", "task", "pipeline", "custom"];
const PATTERNS: &[&str] = &["sequential", "parallel", "router", "supervisor", "ensemble"];
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
        "GET /api/v1/agents" => list_agents(api, &who, req),
        "POST /api/v1/agents" => create_agent(api, &who, req),
        "GET /api/v1/agents/{id}" => get_agent(api, &who, id),
        "PUT /api/v1/agents/{id}" => update_agent(api, &who, id, req),
        "DELETE /api/v1/agents/{id}" => delete_agent(api, &who, id),
        "GET /api/v1/pipelines" => list_pipelines(api, &who, req),
        "POST /api/v1/pipelines" => create_pipeline(api, &who, req),
        "GET /api/v1/pipelines/patterns" => patterns(),
        "GET /api/v1/pipelines/{id}" => get_pipeline(api, &who, id),
        "PUT /api/v1/pipelines/{id}" => update_pipeline(api, &who, id, req),
        "DELETE /api/v1/pipelines/{id}" => delete_pipeline(api, &who, id),
        "GET /api/v1/deployments" => list_deployments(api, &who, req),
        "POST /api/v1/deployments" => create_deployment(api, &who, req),
        "GET /api/v1/metrics/summary" => ApiResponse::json(200, &summary()),
        "GET /api/v1/metrics/dashboard" => ApiResponse::json(
            200,
            &json!({"period": "24h", "summary": summary(), "top_errors": [], "top_agents": []}),
        ),
        _ => reply::not_found("Not Found"),
    }
}

struct Caller<'a> {
    user_id: &'a str,
    org: &'a str,
}

fn summary() -> serde_json::Value {
    json!({"total_executions": 0, "avg_latency_ms": 0, "total_tokens": 0, "total_cost_usd": 0.0,
           "error_rate": 0.0, "success_count": 0, "failure_count": 0})
}

fn body(req: &ApiRequest<'_>) -> Result<Body, ApiResponse> {
    Body::parse(req.body).map_err(reply::validation)
}

fn done(body: Body) -> Result<(), ApiResponse> {
    body.finish().map_err(reply::validation)
}

/// `limit` (1–100, default 50) and `offset` (≥ 0, default 0).
fn page(req: &ApiRequest<'_>) -> Result<(usize, usize), Vec<FieldError>> {
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

fn list_agents(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

fn workspace_exists(api: &Api, org: &str, id: &str) -> bool {
    api.read()
        .workspaces
        .get(id)
        .is_some_and(|w| w.organization_id == org)
}

fn create_agent(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

fn get_agent(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
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

fn update_agent(api: &Api, who: &Caller<'_>, id: &str, req: &ApiRequest<'_>) -> ApiResponse {
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

fn delete_agent(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    let Some(agent) = store
        .agents
        .get_mut(id)
        .filter(|a| a.organization_id == who.org)
    else {
        return reply::not_found("Agent not found");
    };
    let was_archived = agent.status == "archived";
    agent.status = "archived".into();
    // An archived agent's deployments stop with it.
    let now = format!("{}+00:00", now_iso());
    for d in store
        .deployments
        .values_mut()
        .filter(|d| d.agent_id == id && d.status == "active")
    {
        d.status = "stopped".into();
        d.stopped_at = now.clone();
    }
    if !was_archived {
        store.archived(Kind::Agent, id);
    }
    reply::message("Agent archived successfully")
}

fn list_pipelines(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

fn create_pipeline(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

fn patterns() -> ApiResponse {
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

fn get_pipeline(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
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

fn update_pipeline(api: &Api, who: &Caller<'_>, id: &str, req: &ApiRequest<'_>) -> ApiResponse {
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

fn delete_pipeline(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
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

fn list_deployments(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let (agent, gateway, status) = (
        req.param("agent_id"),
        req.param("gateway_id"),
        req.param("status"),
    );
    let store = api.read();
    let rows: Vec<serde_json::Value> = store
        .tenants
        .get(who.org)
        .map(|t| {
            t.deployments
                .iter()
                .rev()
                .filter_map(|id| store.deployments.get(id))
                .filter(|d| agent.as_ref().is_none_or(|a| &d.agent_id == a))
                .filter(|d| gateway.as_ref().is_none_or(|g| &d.gateway_id == g))
                .filter(|d| status.as_ref().is_none_or(|s| &d.status == s))
                .map(|d| {
                    let mut v = serde_json::to_value(d).unwrap_or_default();
                    v["created_at"] = json!(d.created_at);
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    ApiResponse::json(200, &json!({ "deployments": rows }))
}

fn create_deployment(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
    let mut b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let agent_id = b.string("agent_id", 1, 100);
    let gateway_id = b.string("gateway_id", 1, 100);
    let version = b.opt_string("agent_version_id", 0, 100);
    if let Err(e) = done(b) {
        return e;
    }
    let (agent_id, gateway_id) = (agent_id.unwrap_or_default(), gateway_id.unwrap_or_default());
    let api_url = {
        let store = api.read();
        if store
            .agents
            .get(&agent_id)
            .is_none_or(|a| a.organization_id != who.org)
        {
            return reply::not_found("Agent not found");
        }
        match store
            .gateways
            .get(&gateway_id)
            .filter(|g| g.organization_id == who.org)
        {
            Some(g) => g.api_url.clone(),
            None => {
                let m = format!(
                    "Async execution failed: Node 'read_gateway' execution failed: Gateway record '{gateway_id}' not found"
                );
                return reply::error(500, "INTERNAL_ERROR", &m);
            }
        }
    };
    // Like the real server, registering calls the gateway; here only loopback gateways are tried.
    let reachable = gateway_reachable(&api_url);
    let now = format!("{}+00:00", now_iso());
    let registration = new_id();
    let d = Deployment {
        id: new_id(),
        organization_id: who.org.to_string(),
        agent_id,
        agent_version_id: version.unwrap_or_default(),
        gateway_id,
        registration_id: if reachable {
            registration.clone()
        } else {
            String::new()
        },
        status: if reachable { "active" } else { "failed" }.into(),
        endpoint_url: if reachable {
            format!(
                "{}/api/v1/agents/{registration}",
                api_url.trim_end_matches('/')
            )
        } else {
            String::new()
        },
        error_message: if reachable {
            String::new()
        } else {
            "All connection attempts failed".into()
        },
        deployed_by: who.user_id.to_string(),
        deployed_at: if reachable {
            now.clone()
        } else {
            String::new()
        },
        stopped_at: String::new(),
        created_at: now_iso(),
        updated_at: now,
    };
    let mut store = api.write();
    store.tenant(who.org).deployments.push(d.id.clone());
    store.deployments.insert(d.id.clone(), d.clone());
    let mut out = serde_json::to_value(&d).unwrap_or_default();
    if let Some(o) = out.as_object_mut() {
        o.remove("created_at");
    }
    ApiResponse::json(200, &out)
}

/// Whether a TCP connection to the gateway URL's host and port opens within 300 ms. Hosts other
/// than loopback are never contacted and count as unreachable.
fn gateway_reachable(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or("");
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(default_port)),
        None => (host_port, default_port),
    };
    let ip: std::net::IpAddr = match host {
        "localhost" => std::net::Ipv4Addr::LOCALHOST.into(),
        h => match h.trim_matches(['[', ']']).parse() {
            Ok(ip) => ip,
            Err(_) => return false,
        },
    };
    if !ip.is_loopback() {
        return false;
    }
    std::net::TcpStream::connect_timeout(&(ip, port).into(), std::time::Duration::from_millis(300))
        .is_ok()
}
