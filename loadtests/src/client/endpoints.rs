//! Every endpoint the suites call, each described once, and the typed calls on them.

use harness::prelude::Vu;

use super::{ApiError, Auth, Endpoint, Family, endpoint, metric};
use crate::model::*;

pub const HEALTH: Endpoint = endpoint!(GET "/health" => [200], Family::Other);
pub const REGISTER: Endpoint = endpoint!(POST "/api/v1/auth/register" => [201], Family::Auth(None));
pub const LOGIN: Endpoint =
    endpoint!(POST "/api/v1/auth/login" => [200], Family::Auth(Some(metric::LOGIN_DURATION)));
pub const ME: Endpoint = endpoint!(GET "/api/v1/auth/me" => [200], Family::Auth(None));
/// `GET /auth/me` with a revoked token: a 401 is the success.
pub const ME_REVOKED: Endpoint = endpoint!(GET "/api/v1/auth/me" => [401], Family::Auth(None));
pub const REFRESH: Endpoint = endpoint!(POST "/api/v1/auth/refresh" => [200], Family::Auth(None));
pub const LOGOUT: Endpoint =
    endpoint!(POST "/api/v1/auth/logout" => [200], Family::Auth(Some(metric::LOGOUT_DURATION)));
pub const LIST_WORKSPACES: Endpoint = endpoint!(GET "/api/v1/workspaces" => [200], Family::Other);
pub const CREATE_WORKSPACE: Endpoint = endpoint!(POST "/api/v1/workspaces" => [201], Family::Other);
pub const DELETE_WORKSPACE: Endpoint =
    endpoint!(DELETE "/api/v1/workspaces/{id}" => [200, 204, 404], Family::Other);
pub const LIST_GATEWAYS: Endpoint = endpoint!(GET "/api/v1/gateways" => [200], Family::Other);
pub const CREATE_GATEWAY: Endpoint =
    endpoint!(POST "/api/v1/gateways" => [200, 201], Family::Other);
pub const DELETE_GATEWAY: Endpoint =
    endpoint!(DELETE "/api/v1/gateways/{id}" => [200, 204, 404], Family::Other);
pub const LIST_AGENTS: Endpoint = endpoint!(GET "/api/v1/agents" => [200], Family::Agent);
pub const CREATE_AGENT: Endpoint = endpoint!(POST "/api/v1/agents" => [201], Family::Agent);
pub const GET_AGENT: Endpoint = endpoint!(GET "/api/v1/agents/{id}" => [200], Family::Agent);
pub const UPDATE_AGENT: Endpoint = endpoint!(PUT "/api/v1/agents/{id}" => [200], Family::Agent);
pub const DELETE_AGENT: Endpoint = endpoint!(DELETE "/api/v1/agents/{id}" => [200], Family::Agent);
pub const LIST_PIPELINES: Endpoint = endpoint!(GET "/api/v1/pipelines" => [200], Family::Pipeline);
pub const CREATE_PIPELINE: Endpoint =
    endpoint!(POST "/api/v1/pipelines" => [200, 201], Family::Pipeline);
pub const GET_PIPELINE: Endpoint =
    endpoint!(GET "/api/v1/pipelines/{id}" => [200], Family::Pipeline);
pub const UPDATE_PIPELINE: Endpoint =
    endpoint!(PUT "/api/v1/pipelines/{id}" => [200], Family::Pipeline);
pub const DELETE_PIPELINE: Endpoint =
    endpoint!(DELETE "/api/v1/pipelines/{id}" => [200], Family::Pipeline);
pub const LIST_DEPLOYMENTS: Endpoint =
    endpoint!(GET "/api/v1/deployments" => [200], Family::Deployment);
pub const CREATE_DEPLOYMENT: Endpoint =
    endpoint!(POST "/api/v1/deployments" => [200, 201], Family::Deployment);
pub const STOP_DEPLOYMENT: Endpoint =
    endpoint!(POST "/api/v1/deployments/{id}/stop" => [200], Family::Deployment);
pub const METRICS_SUMMARY: Endpoint =
    endpoint!(GET "/api/v1/metrics/summary" => [200], Family::Other);

/// Every endpoint above, for tests that hold them to the API's routes.
pub const ALL: [&Endpoint; 27] = [
    &HEALTH,
    &REGISTER,
    &LOGIN,
    &ME,
    &ME_REVOKED,
    &REFRESH,
    &LOGOUT,
    &LIST_WORKSPACES,
    &CREATE_WORKSPACE,
    &DELETE_WORKSPACE,
    &LIST_GATEWAYS,
    &CREATE_GATEWAY,
    &DELETE_GATEWAY,
    &LIST_AGENTS,
    &CREATE_AGENT,
    &GET_AGENT,
    &UPDATE_AGENT,
    &DELETE_AGENT,
    &LIST_PIPELINES,
    &CREATE_PIPELINE,
    &GET_PIPELINE,
    &UPDATE_PIPELINE,
    &DELETE_PIPELINE,
    &LIST_DEPLOYMENTS,
    &CREATE_DEPLOYMENT,
    &STOP_DEPLOYMENT,
    &METRICS_SUMMARY,
];

pub async fn health(vu: &mut Vu) -> Result<Health, ApiError> {
    HEALTH.call().fetch(vu).await
}

pub async fn register(
    vu: &mut Vu,
    user: &NewUser,
    forwarded_for: Option<&str>,
) -> Result<Registered, ApiError> {
    REGISTER
        .call()
        .from(forwarded_for)
        .json(user)
        .fetch(vu)
        .await
}

pub async fn login(
    vu: &mut Vu,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> Result<LoggedIn, ApiError> {
    let body = serde_json::json!({ "email": email, "password": password });
    LOGIN.call().from(forwarded_for).json(&body).fetch(vu).await
}

pub async fn me(vu: &mut Vu, auth: Auth<'_>) -> Result<User, ApiError> {
    ME.call().auth(auth).fetch(vu).await
}

/// `GET /auth/me` with a token that must have been revoked: succeeds when the server says 401.
pub async fn me_is_rejected(vu: &mut Vu, auth: Auth<'_>) -> Result<(), ApiError> {
    ME_REVOKED.call().auth(auth).send(vu).await.map(|_| ())
}

pub async fn refresh(
    vu: &mut Vu,
    refresh_token: &str,
    forwarded_for: Option<&str>,
) -> Result<Tokens, ApiError> {
    let body = serde_json::json!({ "refresh_token": refresh_token });
    REFRESH
        .call()
        .from(forwarded_for)
        .json(&body)
        .fetch(vu)
        .await
}

pub async fn logout(
    vu: &mut Vu,
    auth: Auth<'_>,
    refresh_token: Option<&str>,
) -> Result<(), ApiError> {
    let body = match refresh_token {
        Some(r) => serde_json::json!({ "refresh_token": r }),
        None => serde_json::json!({}),
    };
    LOGOUT
        .call()
        .auth(auth)
        .json(&body)
        .send(vu)
        .await
        .map(|_| ())
}

pub async fn list_workspaces(vu: &mut Vu, auth: Auth<'_>) -> Result<Vec<Workspace>, ApiError> {
    LIST_WORKSPACES.call().auth(auth).fetch(vu).await
}

pub async fn create_workspace(
    vu: &mut Vu,
    auth: Auth<'_>,
    name: &str,
) -> Result<Workspace, ApiError> {
    let body = serde_json::json!({ "name": name, "workspaceType": "permanent" });
    CREATE_WORKSPACE
        .call()
        .auth(auth)
        .json(&body)
        .fetch(vu)
        .await
}

pub async fn delete_workspace(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    DELETE_WORKSPACE
        .call()
        .id(id)
        .auth(auth)
        .send(vu)
        .await
        .map(|_| ())
}

pub async fn list_gateways(vu: &mut Vu, auth: Auth<'_>) -> Result<GatewayList, ApiError> {
    LIST_GATEWAYS.call().auth(auth).fetch(vu).await
}

pub async fn create_gateway(
    vu: &mut Vu,
    auth: Auth<'_>,
    name: &str,
    api_url: &str,
) -> Result<Gateway, ApiError> {
    let body = serde_json::json!({ "name": name, "api_url": api_url, "api_key": "load-test-key", "environment": "development" });
    CREATE_GATEWAY.call().auth(auth).json(&body).fetch(vu).await
}

pub async fn delete_gateway(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    DELETE_GATEWAY
        .call()
        .id(id)
        .auth(auth)
        .send(vu)
        .await
        .map(|_| ())
}

pub async fn list_agents(
    vu: &mut Vu,
    auth: Auth<'_>,
    limit: u32,
    offset: u32,
) -> Result<AgentList, ApiError> {
    let q = format!("limit={limit}&offset={offset}");
    LIST_AGENTS.call().query(&q).auth(auth).fetch(vu).await
}

pub async fn create_agent(
    vu: &mut Vu,
    auth: Auth<'_>,
    agent: &NewAgent,
) -> Result<Agent, ApiError> {
    CREATE_AGENT.call().auth(auth).json(agent).fetch(vu).await
}

pub async fn get_agent(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<Agent, ApiError> {
    GET_AGENT.call().id(id).auth(auth).fetch(vu).await
}

pub async fn update_agent(
    vu: &mut Vu,
    auth: Auth<'_>,
    id: &str,
    update: &AgentUpdate,
) -> Result<Agent, ApiError> {
    UPDATE_AGENT
        .call()
        .id(id)
        .auth(auth)
        .json(update)
        .fetch(vu)
        .await
}

pub async fn delete_agent(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    DELETE_AGENT
        .call()
        .id(id)
        .auth(auth)
        .send(vu)
        .await
        .map(|_| ())
}

pub async fn list_pipelines(
    vu: &mut Vu,
    auth: Auth<'_>,
    organization_id: &str,
    limit: u32,
    offset: u32,
) -> Result<PipelineList, ApiError> {
    let q = format!("organization_id={organization_id}&limit={limit}&offset={offset}");
    LIST_PIPELINES.call().query(&q).auth(auth).fetch(vu).await
}

pub async fn create_pipeline(
    vu: &mut Vu,
    auth: Auth<'_>,
    pipeline: &NewPipeline,
) -> Result<Pipeline, ApiError> {
    let wrapped: Data<Pipeline> = CREATE_PIPELINE
        .call()
        .auth(auth)
        .json(pipeline)
        .fetch(vu)
        .await?;
    Ok(wrapped.data)
}

pub async fn get_pipeline(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<Pipeline, ApiError> {
    let wrapped: Data<Pipeline> = GET_PIPELINE.call().id(id).auth(auth).fetch(vu).await?;
    Ok(wrapped.data)
}

pub async fn update_pipeline(
    vu: &mut Vu,
    auth: Auth<'_>,
    id: &str,
    update: &PipelineUpdate,
) -> Result<Pipeline, ApiError> {
    let call = UPDATE_PIPELINE.call().id(id).auth(auth).json(update);
    let wrapped: Data<Pipeline> = call.fetch(vu).await?;
    Ok(wrapped.data)
}

pub async fn delete_pipeline(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    DELETE_PIPELINE
        .call()
        .id(id)
        .auth(auth)
        .send(vu)
        .await
        .map(|_| ())
}

/// A deployment whose status is `failed` (the gateway could not be reached) is an error too:
/// the call answers 200, but nothing was deployed.
pub async fn create_deployment(
    vu: &mut Vu,
    auth: Auth<'_>,
    agent_id: &str,
    gateway_id: &str,
) -> Result<Deployment, ApiError> {
    let body = serde_json::json!({ "agent_id": agent_id, "gateway_id": gateway_id });
    let d: Deployment = CREATE_DEPLOYMENT
        .call()
        .auth(auth)
        .json(&body)
        .fetch(vu)
        .await?;
    if d.status == "failed" {
        vu.add(&metric::API_ERRORS, 1.0);
        vu.add(&metric::SUCCESS_RATE, false);
        return Err(ApiError::Status {
            call: CREATE_DEPLOYMENT.name,
            status: 200,
            body: format!("deployment failed: {}", d.error_message),
        });
    }
    Ok(d)
}

pub async fn list_deployments(vu: &mut Vu, auth: Auth<'_>) -> Result<DeploymentList, ApiError> {
    LIST_DEPLOYMENTS.call().auth(auth).fetch(vu).await
}

pub async fn stop_deployment(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    STOP_DEPLOYMENT
        .call()
        .id(id)
        .auth(auth)
        .json(&serde_json::json!({}))
        .send(vu)
        .await
        .map(|_| ())
}

pub async fn metrics_summary(vu: &mut Vu, auth: Auth<'_>) -> Result<MetricsSummary, ApiError> {
    METRICS_SUMMARY.call().auth(auth).fetch(vu).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_a_route_of_the_api_under_its_own_name() {
        for ep in ALL {
            let path = ep
                .template
                .replace("{id}", "0b5e3c1e-0000-4000-8000-000000000000");
            let route = mock_server::domain::Route::of(ep.method.as_str(), &path);
            assert_eq!(route.template(), ep.name, "{ep:?}");
        }
    }
}
