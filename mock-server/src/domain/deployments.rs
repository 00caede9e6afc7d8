//! Deployments: an agent registered through a gateway, which is contacted (loopback only).

use serde_json::json;

use super::api::{Api, new_id};
use super::handler::{Caller, body, done};
use super::model::{Deployment, now_iso};
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;

pub(super) fn list_deployments(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

pub(super) fn create_deployment(api: &Api, who: &Caller<'_>, req: &ApiRequest<'_>) -> ApiResponse {
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

/// `POST /deployments/{id}/stop`: 200 with the deployment, now `stopped` (stopping a stopped
/// one is a 200 too); another tenant's id is 404.
pub(super) fn stop_deployment(api: &Api, who: &Caller<'_>, id: &str) -> ApiResponse {
    let mut store = api.write();
    let Some(d) = store
        .deployments
        .get_mut(id)
        .filter(|d| d.organization_id == who.org)
    else {
        return reply::not_found("Deployment not found");
    };
    if d.status == "active" {
        let now = format!("{}+00:00", now_iso());
        d.status = "stopped".into();
        d.stopped_at = now.clone();
        d.updated_at = now;
    }
    ApiResponse::json(200, &*d)
}

/// Whether a TCP connection to the gateway URL's host and port opens within 300 ms. Hosts other
/// than loopback are never contacted and count as unreachable.
pub(super) fn gateway_reachable(url: &str) -> bool {
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
