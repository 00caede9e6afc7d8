//! What setup makes and teardown removes: test users with a workspace and a gateway each, and a
//! ledger of every agent, pipeline and deployment VUs create, so teardown leaves no litter.

use std::collections::BTreeMap;
use std::sync::Mutex;

use harness::prelude::*;
use rand::Rng;

use crate::client::{self, Auth};
use crate::data;

/// A user made by setup, with what the scenarios need.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub gateway_id: String,
    /// Setup's own token: teardown uses it, VUs log in separately.
    pub token: String,
}

/// What a VU created, and under which test user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Created {
    Agent,
    Pipeline,
    Deployment,
}

/// Everything created and not yet deleted, by (kind, id) → owning test user.
#[derive(Debug, Default)]
pub struct Ledger(Mutex<BTreeMap<(Created, String), usize>>);

impl Ledger {
    pub fn add(&self, kind: Created, id: &str, owner: usize) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((kind, id.to_string()), owner);
    }

    pub fn remove(&self, kind: Created, id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(kind, id.to_string()));
    }

    pub fn take_all(&self) -> Vec<(Created, String, usize)> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *map)
            .into_iter()
            .map(|((k, id), o)| (k, id, o))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The setup value shared read-only by every VU.
#[derive(Debug)]
pub struct Fixture {
    pub run_id: String,
    pub users: Vec<TestUser>,
    pub forwarded_for: bool,
    pub ledger: Ledger,
}

impl Fixture {
    /// The test user a VU works as.
    pub fn user_for(&self, vu: u64) -> (usize, &TestUser) {
        let i = (vu as usize) % self.users.len().max(1);
        (i, &self.users[i])
    }

    /// The `X-Forwarded-For` a VU presents, when the environment asks for one per VU.
    pub fn forwarded_for(&self, vu: u64) -> Option<String> {
        self.forwarded_for.then(|| data::forwarded_for(vu))
    }
}

/// A VU's own state: its session and the ids it created.
#[derive(Debug, Default)]
pub struct VuState {
    pub session: Option<Session>,
    pub agents: Vec<String>,
    pub pipelines: Vec<String>,
    pub counter: u64,
}

/// A logged-in VU.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: usize,
    pub token: String,
    pub refresh: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub gateway_id: String,
    pub forwarded_for: Option<String>,
}

impl Session {
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            token: &self.token,
            forwarded_for: self.forwarded_for.as_deref(),
        }
    }
}

/// Setup: registers `count` users, each with a workspace and a gateway at `gateway_url`.
pub async fn setup(
    vu: &mut Vu,
    count: usize,
    gateway_url: &str,
    forwarded_for: bool,
) -> Result<Fixture, BoxError> {
    let run_id = format!("{:08x}", vu.rng().random::<u32>());
    let mut users = Vec::with_capacity(count);
    for i in 0..count as u64 {
        let xff = forwarded_for.then(|| data::forwarded_for(60_000 + i));
        let reg = client::register(vu, &data::new_user(&run_id, 0, i), xff.as_deref()).await?;
        let auth = Auth {
            token: &reg.tokens.access_token,
            forwarded_for: xff.as_deref(),
        };
        let ws = client::create_workspace(vu, auth, &format!("LoadTest WS {run_id} {i}")).await?;
        let gw = client::create_gateway(vu, auth, &format!("lt-gateway-{run_id}-{i}"), gateway_url)
            .await?;
        users.push(TestUser {
            email: reg.user.email.clone(),
            organization_id: reg.user.organization_id.clone(),
            workspace_id: ws.id,
            gateway_id: gw.id,
            token: reg.tokens.access_token.clone(),
        });
    }
    Ok(Fixture {
        run_id,
        users,
        forwarded_for,
        ledger: Ledger::default(),
    })
}

/// How many deletes teardown keeps in flight.
const TEARDOWN_CONCURRENCY: usize = 16;

/// Teardown: deletes every agent and pipeline still in the ledger, and archives the agents of
/// remaining deployments (the API has no deployment delete; archiving stops them).
pub async fn teardown(
    vu: &mut Vu,
    fixture: Option<std::sync::Arc<Fixture>>,
) -> Result<(), BoxError> {
    let Some(f) = fixture else { return Ok(()) };
    let entries = f.ledger.take_all();
    let per_worker = entries.len().div_ceil(TEARDOWN_CONCURRENCY).max(1);
    let workers = entries.chunks(per_worker).map(<[_]>::to_vec).map(|chunk| {
        let (mut worker, f) = (vu.fork(), f.clone());
        async move {
            let mut failures = Vec::new();
            for (kind, id, owner) in chunk {
                if let Err(e) = delete_created(&mut worker, &f, kind, &id, owner).await {
                    failures.push(e.to_string());
                }
            }
            failures
        }
    });
    let failures: Vec<String> = futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "teardown could not delete {} objects: {}",
            failures.len(),
            failures.join("; ")
        )
        .into())
    }
}

async fn delete_created(
    vu: &mut Vu,
    f: &Fixture,
    kind: Created,
    id: &str,
    owner: usize,
) -> Result<(), crate::client::ApiError> {
    let Some(user) = f.users.get(owner) else {
        return Ok(());
    };
    let xff = f.forwarded_for(60_000 + owner as u64);
    let auth = Auth {
        token: &user.token,
        forwarded_for: xff.as_deref(),
    };
    match kind {
        Created::Agent => client::delete_agent(vu, auth, id).await,
        Created::Pipeline => client::delete_pipeline(vu, auth, id).await,
        Created::Deployment => Ok(()),
    }
}

/// Logs the VU in (once) as its test user; the session lives in the VU's state.
pub async fn session(vu: &mut Vu) -> Result<Session, BoxError> {
    if let Some(s) = &vu.state::<VuState>().session {
        return Ok(s.clone());
    }
    let fixture = vu.setup_data::<Fixture>();
    let (index, user) = fixture.user_for(vu.id());
    let xff = fixture.forwarded_for(vu.id());
    let logged = client::login(vu, &user.email, data::PASSWORD, xff.as_deref()).await?;
    let s = Session {
        user: index,
        token: logged.tokens.access_token,
        refresh: logged.tokens.refresh_token,
        organization_id: user.organization_id.clone(),
        workspace_id: user.workspace_id.clone(),
        gateway_id: user.gateway_id.clone(),
        forwarded_for: xff,
    };
    vu.state::<VuState>().session = Some(s.clone());
    Ok(s)
}

/// Forgets the VU's session (after a logout).
pub fn forget_session(vu: &mut Vu) {
    vu.state::<VuState>().session = None;
}

/// A fresh number for names this VU generates.
pub fn next(vu: &mut Vu) -> u64 {
    let st = vu.state::<VuState>();
    st.counter += 1;
    st.counter
}
