//! Typed requests and responses of the Kaizen Studio API (see `mock-server/contract/API-NOTES.md`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    pub status: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewUser {
    pub email: String,
    pub password: String,
    pub name: String,
    pub organization_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub organization_id: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    #[serde(default)]
    pub token_type: String,
    #[serde(default)]
    pub expires_in: u64,
}

/// `POST /auth/register` → 201: tokens nested under `tokens`.
#[derive(Debug, Clone, Deserialize)]
pub struct Registered {
    pub user: User,
    pub tokens: Tokens,
}

/// `POST /auth/login` → 200: tokens at the top level.
#[derive(Debug, Clone, Deserialize)]
pub struct LoggedIn {
    pub user: User,
    #[serde(flatten)]
    pub tokens: Tokens,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organization_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Gateway {
    pub id: String,
    pub api_url: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GatewayList {
    pub gateways: Vec<Gateway>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewAgent {
    pub workspace_id: String,
    pub name: String,
    pub agent_type: String,
    pub model_id: String,
    pub description: String,
    pub system_prompt: String,
    pub temperature: f64,
    pub max_tokens: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Agent {
    pub id: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub agent_type: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentList {
    pub records: Vec<Agent>,
    pub total: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewPipeline {
    pub organization_id: String,
    pub workspace_id: String,
    pub name: String,
    pub pattern: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PipelineUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub pattern: String,
    pub status: String,
}

/// Pipelines come wrapped in `data`.
#[derive(Debug, Clone, Deserialize)]
pub struct Data<T> {
    pub data: T,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PipelineList {
    pub data: Vec<Pipeline>,
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub agent_id: String,
    pub gateway_id: String,
    pub status: String,
    #[serde(default)]
    pub error_message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeploymentList {
    pub deployments: Vec<Deployment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetricsSummary {
    pub total_executions: u64,
    pub error_rate: f64,
}
