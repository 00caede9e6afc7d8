//! The mock API's state: the store, the auth rate limiter and the switches, with the
//! inspection calls tests use. Requests are answered by the dispatch in `mod.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::model::Kind;
use super::ratelimit::{self, RateLimiter};
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;
use super::store::{Limits, Store, StoreSizes};

/// The mock API: cheap to clone, shared by every transport and connection.
#[derive(Clone)]
pub struct Api {
    inner: Arc<Inner>,
}

struct Inner {
    store: RwLock<Store>,
    limiter: Mutex<RateLimiter>,
    rate_limits: AtomicBool,
}

impl Api {
    pub fn new(limits: Limits) -> Api {
        Api {
            inner: Arc::new(Inner {
                store: RwLock::new(Store::new(limits)),
                limiter: Mutex::new(RateLimiter::default()),
                rate_limits: AtomicBool::new(false),
            }),
        }
    }

    /// Turns the auth rate limits on or off (off by default, for load runs).
    pub fn set_rate_limits(&self, on: bool) {
        self.inner.rate_limits.store(on, Ordering::Relaxed);
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.inner.store.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.inner.store.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn rate_limit(
        &self,
        req: &ApiRequest<'_>,
        endpoint: ratelimit::Limited,
    ) -> Option<ApiResponse> {
        if !self.inner.rate_limits.load(Ordering::Relaxed) {
            return None;
        }
        let mut limiter = self.inner.limiter.lock().unwrap_or_else(|e| e.into_inner());
        limiter
            .check(&req.client(), endpoint)
            .err()
            .map(|retry| reply::rate_limited(endpoint.per_minute(), retry))
    }

    /// How many objects the store holds.
    pub fn sizes(&self) -> StoreSizes {
        self.read().sizes()
    }

    /// Every resource of one organisation that is still live (agents and pipelines not archived,
    /// deployments not stopped, workspaces and gateways not deleted): what a run's teardown must
    /// leave empty.
    pub fn live_resources(&self, organization_id: &str) -> Vec<(Kind, String)> {
        let s = self.read();
        let mut out = Vec::new();
        for a in s
            .agents
            .values()
            .filter(|a| a.organization_id == organization_id && a.status != "archived")
        {
            out.push((Kind::Agent, a.id.clone()));
        }
        for p in s
            .pipelines
            .values()
            .filter(|p| p.organization_id == organization_id && p.status != "archived")
        {
            out.push((Kind::Pipeline, p.id.clone()));
        }
        for d in s
            .deployments
            .values()
            .filter(|d| d.organization_id == organization_id && d.status == "active")
        {
            out.push((Kind::Deployment, d.id.clone()));
        }
        for w in s
            .workspaces
            .values()
            .filter(|w| w.organization_id == organization_id)
        {
            out.push((Kind::Workspace, w.id.clone()));
        }
        for g in s
            .gateways
            .values()
            .filter(|g| g.organization_id == organization_id)
        {
            out.push((Kind::Gateway, g.id.clone()));
        }
        out.sort();
        out
    }

    /// The organisation of a registered user, by email.
    pub fn organization_of(&self, email: &str) -> Option<String> {
        let s = self.read();
        let id = s.user_by_email.get(&email.to_lowercase())?;
        s.users.get(id).map(|u| u.organization_id.clone())
    }

    /// Every organisation id the store knows.
    pub fn organizations(&self) -> Vec<String> {
        let s = self.read();
        let mut orgs: Vec<String> = s
            .users
            .values()
            .map(|u| u.organization_id.clone())
            .collect();
        orgs.sort();
        orgs.dedup();
        orgs
    }

    pub(super) fn prometheus(&self) -> ApiResponse {
        let z = self.sizes();
        let text = format!(
            "# HELP kaizen_mock_objects Objects held by the mock's store.\n# TYPE kaizen_mock_objects gauge\n\
             kaizen_mock_objects{{kind=\"user\"}} {}\nkaizen_mock_objects{{kind=\"token\"}} {}\n\
             kaizen_mock_objects{{kind=\"workspace\"}} {}\nkaizen_mock_objects{{kind=\"gateway\"}} {}\n\
             kaizen_mock_objects{{kind=\"agent\"}} {}\nkaizen_mock_objects{{kind=\"pipeline\"}} {}\n\
             kaizen_mock_objects{{kind=\"deployment\"}} {}\n",
            z.users, z.tokens, z.workspaces, z.gateways, z.agents, z.pipelines, z.deployments
        );
        ApiResponse::text(200, text, "text/plain; version=0.0.4")
    }
}

impl Default for Api {
    fn default() -> Self {
        Api::new(Limits::default())
    }
}

/// A new unguessable token: 256 bits from the OS-seeded CSPRNG, hex encoded.
pub(crate) fn new_token(prefix: &str) -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
