//! The resources of the Kaizen Studio API, serialised exactly as the real backend sends them.

use serde::Serialize;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub name: String,
    pub organization_id: String,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// `user` inside register and login responses: the real server sends nulls here.
#[derive(Debug, Serialize)]
pub struct UserBrief<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub organization_id: &'a str,
    pub role: &'static str,
    pub status: Option<&'static str>,
    pub mfa_enabled: Option<bool>,
    pub last_login_at: Option<&'a str>,
    pub created_at: Option<&'a str>,
}

/// `GET /auth/me`.
#[derive(Debug, Serialize)]
pub struct Me<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub organization_id: &'a str,
    pub role: &'static str,
    pub status: &'static str,
    pub mfa_enabled: bool,
    pub last_login_at: Option<&'a str>,
    pub created_at: &'a str,
}

impl User {
    pub fn brief(&self) -> UserBrief<'_> {
        UserBrief {
            id: &self.id,
            email: &self.email,
            name: &self.name,
            organization_id: &self.organization_id,
            role: "org_owner",
            status: None,
            mfa_enabled: None,
            last_login_at: None,
            created_at: None,
        }
    }

    pub fn me(&self) -> Me<'_> {
        Me {
            id: &self.id,
            email: &self.email,
            name: &self.name,
            organization_id: &self.organization_id,
            role: "org_owner",
            status: "active",
            mfa_enabled: false,
            last_login_at: self.last_login_at.as_deref(),
            created_at: &self.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub description: String,
    pub workspace_type: String,
    pub color: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub organization_id: String,
    pub members: Vec<serde_json::Value>,
    pub work_units: Vec<serde_json::Value>,
    pub member_count: u32,
    pub work_unit_count: u32,
    pub expires_at: Option<String>,
    pub archived_at: String,
    pub is_archived: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// One row of `GET /workspaces`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub workspace_type: &'a str,
    pub color: Option<&'a str>,
    pub owner_id: &'a str,
    pub owner_name: &'a str,
    pub member_count: u32,
    pub work_unit_count: u32,
    pub expires_at: Option<&'a str>,
    pub is_archived: bool,
    pub is_personal: bool,
}

impl Workspace {
    pub fn summary(&self) -> WorkspaceSummary<'_> {
        WorkspaceSummary {
            id: &self.id,
            name: &self.name,
            description: &self.description,
            workspace_type: &self.workspace_type,
            color: self.color.as_deref(),
            owner_id: &self.owner_id,
            owner_name: &self.owner_name,
            member_count: self.member_count,
            work_unit_count: self.work_unit_count,
            expires_at: self.expires_at.as_deref(),
            is_archived: self.is_archived,
            is_personal: self.workspace_type == "personal",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Gateway {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub api_url: String,
    #[serde(skip)]
    pub api_key: String,
    pub environment: String,
    pub status: String,
    pub health_check_url: String,
    pub last_health_check: String,
    pub last_health_status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    pub agent_type: String,
    pub status: String,
    pub system_prompt: String,
    pub model_id: String,
    pub temperature: f64,
    pub max_tokens: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /agents/{id}` adds contexts and tools.
#[derive(Debug, Serialize)]
pub struct AgentDetails<'a> {
    #[serde(flatten)]
    pub agent: &'a Agent,
    pub contexts: [(); 0],
    pub tools: [(); 0],
}

#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    pub id: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    pub pattern: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /pipelines/{id}` adds the graph.
#[derive(Debug, Serialize)]
pub struct PipelineDetails<'a> {
    #[serde(flatten)]
    pub pipeline: &'a Pipeline,
    pub found: bool,
    pub nodes: [(); 0],
    pub connections: [(); 0],
}

#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub id: String,
    pub organization_id: String,
    pub agent_id: String,
    pub agent_version_id: String,
    pub gateway_id: String,
    pub registration_id: String,
    pub status: String,
    pub endpoint_url: String,
    pub error_message: String,
    pub deployed_by: String,
    pub deployed_at: String,
    pub stopped_at: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What kind of resource a tenant owns (for inspection and eviction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Workspace,
    Gateway,
    Agent,
    Pipeline,
    Deployment,
}

/// The current time as the backend formats it (`2026-11-28T22:15:42.008865`).
pub fn now_iso() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates_are_right() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_785), (2026, 11, 28));
    }
}
