//! The in-memory state: users, tokens and every tenant's resources, with bounds so that a long
//! run cannot grow it without limit (oldest tokens and oldest archived objects are evicted).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::model::{Agent, Deployment, Gateway, Kind, Pipeline, User, Workspace};

/// Bounds on what the store keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Live tokens (access and refresh) kept; the oldest are forgotten beyond this.
    pub tokens: usize,
    /// Archived agents and pipelines kept; the oldest archived are evicted beyond this.
    pub archived: usize,
    /// How long an access token lives: 900 s, as on the real server. After it, the token gets
    /// 401 and the client must refresh.
    pub token_lifetime: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tokens: 200_000,
            archived: 20_000,
            token_lifetime: Duration::from_secs(900),
        }
    }
}

/// One organisation's resources, in creation order.
#[derive(Debug, Default)]
pub struct Tenant {
    pub workspaces: Vec<String>,
    pub gateways: Vec<String>,
    pub agents: Vec<String>,
    pub pipelines: Vec<String>,
    pub deployments: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Store {
    pub limits: Limits,
    pub users: HashMap<String, User>,
    pub user_by_email: HashMap<String, String>,
    /// access token → (user id, when it expires)
    pub access: HashMap<String, (String, Instant)>,
    /// refresh token → user id
    pub refresh: HashMap<String, String>,
    token_order: VecDeque<String>,
    pub tenants: HashMap<String, Tenant>,
    pub workspaces: HashMap<String, Workspace>,
    pub gateways: HashMap<String, Gateway>,
    pub agents: HashMap<String, Agent>,
    pub pipelines: HashMap<String, Pipeline>,
    pub deployments: HashMap<String, Deployment>,
    archived: VecDeque<(Kind, String)>,
}

impl Store {
    pub fn new(limits: Limits) -> Store {
        Store {
            limits,
            ..Store::default()
        }
    }

    pub fn tenant(&mut self, org: &str) -> &mut Tenant {
        self.tenants.entry(org.to_string()).or_default()
    }

    /// Remembers a new token, forgetting the oldest ones beyond the limit.
    pub fn issue(&mut self, access: String, refresh: String, user_id: &str) {
        self.token_order.push_back(access.clone());
        self.token_order.push_back(refresh.clone());
        let expires = Instant::now() + self.limits.token_lifetime;
        self.access.insert(access, (user_id.to_string(), expires));
        self.refresh.insert(refresh, user_id.to_string());
        while self.token_order.len() > self.limits.tokens {
            if let Some(old) = self.token_order.pop_front() {
                self.access.remove(&old);
                self.refresh.remove(&old);
            }
        }
    }

    /// The user an access token belongs to, while it has not expired.
    pub fn user_of(&self, access: &str) -> Option<&User> {
        let (id, expires) = self.access.get(access)?;
        (Instant::now() < *expires).then(|| self.users.get(id))?
    }

    /// Notes that an object was archived; evicts the oldest archived ones beyond the limit.
    pub fn archived(&mut self, kind: Kind, id: &str) {
        self.archived.push_back((kind, id.to_string()));
        while self.archived.len() > self.limits.archived {
            let Some((kind, id)) = self.archived.pop_front() else {
                break;
            };
            self.evict(kind, &id);
        }
    }

    fn evict(&mut self, kind: Kind, id: &str) {
        let org = match kind {
            Kind::Agent => self.agents.remove(id).map(|a| a.organization_id),
            Kind::Pipeline => self.pipelines.remove(id).map(|p| p.organization_id),
            _ => None,
        };
        if let Some(org) = org {
            let t = self.tenant(&org);
            let list = if kind == Kind::Agent {
                &mut t.agents
            } else {
                &mut t.pipelines
            };
            list.retain(|x| x != id);
        }
    }

    /// How many objects of each kind are held, archived ones included.
    pub fn sizes(&self) -> StoreSizes {
        StoreSizes {
            users: self.users.len(),
            tokens: self.access.len() + self.refresh.len(),
            workspaces: self.workspaces.len(),
            gateways: self.gateways.len(),
            agents: self.agents.len(),
            pipelines: self.pipelines.len(),
            deployments: self.deployments.len(),
        }
    }
}

/// Object counts, for tests and the `/metrics` endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StoreSizes {
    pub users: usize,
    pub tokens: usize,
    pub workspaces: usize,
    pub gateways: usize,
    pub agents: usize,
    pub pipelines: usize,
    pub deployments: usize,
}
