//! Calls on tenant resources: workspaces, gateways, agents, pipelines, deployments, metrics.

use harness::prelude::{Method, Vu};

use super::{ApiError, Auth, Family, NO_BODY, call, decode, send};
use crate::model::*;

pub async fn create_workspace(
    vu: &mut Vu,
    auth: Auth<'_>,
    name: &str,
) -> Result<Workspace, ApiError> {
    const N: &str = "POST /api/v1/workspaces";
    let body = serde_json::json!({ "name": name, "workspaceType": "permanent" });
    let res = send(
        vu,
        call(
            Method::POST,
            "/api/v1/workspaces".into(),
            N,
            201,
            Some(auth),
            Some(&body),
            Family::Other,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn create_gateway(
    vu: &mut Vu,
    auth: Auth<'_>,
    name: &str,
    api_url: &str,
) -> Result<Gateway, ApiError> {
    const N: &str = "POST /api/v1/gateways";
    let body = serde_json::json!({ "name": name, "api_url": api_url, "api_key": "load-test-key", "environment": "development" });
    let res = send(
        vu,
        call(
            Method::POST,
            "/api/v1/gateways".into(),
            N,
            200,
            Some(auth),
            Some(&body),
            Family::Other,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn list_agents(
    vu: &mut Vu,
    auth: Auth<'_>,
    limit: u32,
    offset: u32,
) -> Result<AgentList, ApiError> {
    const N: &str = "GET /api/v1/agents";
    let path = format!("/api/v1/agents?limit={limit}&offset={offset}");
    let res = send(
        vu,
        call(
            Method::GET,
            path,
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Agent,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn create_agent(
    vu: &mut Vu,
    auth: Auth<'_>,
    agent: &NewAgent,
) -> Result<Agent, ApiError> {
    const N: &str = "POST /api/v1/agents";
    let res = send(
        vu,
        call(
            Method::POST,
            "/api/v1/agents".into(),
            N,
            201,
            Some(auth),
            Some(agent),
            Family::Agent,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn get_agent(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<Agent, ApiError> {
    const N: &str = "GET /api/v1/agents/{id}";
    let res = send(
        vu,
        call(
            Method::GET,
            format!("/api/v1/agents/{id}"),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Agent,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn update_agent(
    vu: &mut Vu,
    auth: Auth<'_>,
    id: &str,
    update: &AgentUpdate,
) -> Result<Agent, ApiError> {
    const N: &str = "PUT /api/v1/agents/{id}";
    let res = send(
        vu,
        call(
            Method::PUT,
            format!("/api/v1/agents/{id}"),
            N,
            200,
            Some(auth),
            Some(update),
            Family::Agent,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn delete_agent(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    const N: &str = "DELETE /api/v1/agents/{id}";
    send(
        vu,
        call(
            Method::DELETE,
            format!("/api/v1/agents/{id}"),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Agent,
        ),
    )
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
    const N: &str = "GET /api/v1/pipelines";
    let path = format!(
        "/api/v1/pipelines?organization_id={organization_id}&limit={limit}&offset={offset}"
    );
    let res = send(
        vu,
        call(
            Method::GET,
            path,
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Pipeline,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn create_pipeline(
    vu: &mut Vu,
    auth: Auth<'_>,
    pipeline: &NewPipeline,
) -> Result<Pipeline, ApiError> {
    const N: &str = "POST /api/v1/pipelines";
    let res = send(
        vu,
        call(
            Method::POST,
            "/api/v1/pipelines".into(),
            N,
            200,
            Some(auth),
            Some(pipeline),
            Family::Pipeline,
        ),
    )
    .await?;
    decode::<Data<Pipeline>>(N, &res).map(|d| d.data)
}

pub async fn get_pipeline(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<Pipeline, ApiError> {
    const N: &str = "GET /api/v1/pipelines/{id}";
    let res = send(
        vu,
        call(
            Method::GET,
            format!("/api/v1/pipelines/{id}"),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Pipeline,
        ),
    )
    .await?;
    decode::<Data<Pipeline>>(N, &res).map(|d| d.data)
}

pub async fn update_pipeline(
    vu: &mut Vu,
    auth: Auth<'_>,
    id: &str,
    update: &PipelineUpdate,
) -> Result<Pipeline, ApiError> {
    const N: &str = "PUT /api/v1/pipelines/{id}";
    let res = send(
        vu,
        call(
            Method::PUT,
            format!("/api/v1/pipelines/{id}"),
            N,
            200,
            Some(auth),
            Some(update),
            Family::Pipeline,
        ),
    )
    .await?;
    decode::<Data<Pipeline>>(N, &res).map(|d| d.data)
}

pub async fn delete_pipeline(vu: &mut Vu, auth: Auth<'_>, id: &str) -> Result<(), ApiError> {
    const N: &str = "DELETE /api/v1/pipelines/{id}";
    send(
        vu,
        call(
            Method::DELETE,
            format!("/api/v1/pipelines/{id}"),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Pipeline,
        ),
    )
    .await
    .map(|_| ())
}

pub async fn create_deployment(
    vu: &mut Vu,
    auth: Auth<'_>,
    agent_id: &str,
    gateway_id: &str,
) -> Result<Deployment, ApiError> {
    const N: &str = "POST /api/v1/deployments";
    let body = serde_json::json!({ "agent_id": agent_id, "gateway_id": gateway_id });
    let res = send(
        vu,
        call(
            Method::POST,
            "/api/v1/deployments".into(),
            N,
            200,
            Some(auth),
            Some(&body),
            Family::Deployment,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn list_deployments(vu: &mut Vu, auth: Auth<'_>) -> Result<DeploymentList, ApiError> {
    const N: &str = "GET /api/v1/deployments";
    let res = send(
        vu,
        call(
            Method::GET,
            "/api/v1/deployments".into(),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Deployment,
        ),
    )
    .await?;
    decode(N, &res)
}

pub async fn metrics_summary(vu: &mut Vu, auth: Auth<'_>) -> Result<MetricsSummary, ApiError> {
    const N: &str = "GET /api/v1/metrics/summary";
    let res = send(
        vu,
        call(
            Method::GET,
            "/api/v1/metrics/summary".into(),
            N,
            200,
            Some(auth),
            NO_BODY,
            Family::Other,
        ),
    )
    .await?;
    decode(N, &res)
}
