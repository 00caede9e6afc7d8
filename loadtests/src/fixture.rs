//! What setup makes: run-unique test users, each in an organisation of its own with a
//! workspace, and a ledger of every agent and pipeline VUs create. A VU logs in as its test
//! user at the start of each iteration and out at its end, as the original suite does.
//! Teardown is in `teardown.rs`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use harness::prelude::*;
use harness::segment::Segment;
use rand::Rng;

use crate::client::{self, ApiError, Auth};
use crate::data;

/// A user made by setup, with what the scenarios need.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub organization_id: String,
    pub workspace_id: String,
}

/// What a VU created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Created {
    Agent,
    Pipeline,
}

/// Everything created and not yet deleted, by (kind, id) → owning test user.
#[derive(Debug, Default)]
pub struct Ledger(Mutex<BTreeMap<(Created, String), usize>>);

impl Ledger {
    pub fn add(&self, kind: Created, id: &str, owner: usize) {
        self.lock().insert((kind, id.to_string()), owner);
    }

    pub fn remove(&self, kind: Created, id: &str) {
        self.lock().remove(&(kind, id.to_string()));
    }

    /// The entries of one test user, removed from the ledger.
    pub fn take_owned_by(&self, owner: usize) -> Vec<(Created, String)> {
        let mut map = self.lock();
        let mine: Vec<_> = map
            .iter()
            .filter(|(_, o)| **o == owner)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &mine {
            map.remove(k);
        }
        mine
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(Created, String), usize>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The setup value shared read-only by every VU.
#[derive(Debug)]
pub struct Fixture {
    pub run_id: String,
    pub users: Vec<TestUser>,
    /// Present a distinct client address per iteration (servers that rate-limit auth by IP).
    pub forwarded_for: bool,
    pub ledger: Ledger,
    /// This instance's share of a split run: setup's and teardown's client addresses are its
    /// own, apart from every other instance's.
    pub segment: Segment,
}

impl Fixture {
    /// The test user a VU works as (`VU % n`, as the original).
    pub fn user_for(&self, vu: u64) -> (usize, &TestUser) {
        let i = (vu as usize) % self.users.len().max(1);
        (i, &self.users[i])
    }

    /// The client address a VU presents in one iteration, when the environment asks for one.
    pub fn forwarded_for(&self, vu: u64, iteration: u64) -> Option<String> {
        self.forwarded_for
            .then(|| data::client_address(vu, iteration))
    }

    /// The address setup and teardown present for test user `i`.
    pub fn hook_address(&self, i: usize) -> Option<String> {
        self.forwarded_for
            .then(|| data::client_address(0, self.segment.unit(i as u64)))
    }
}

/// A VU's own state across iterations: the ids it created (the original keeps the same list).
#[derive(Debug, Default)]
pub struct VuState {
    pub agents: Vec<String>,
    pub pipelines: Vec<String>,
    pub counter: u64,
}

/// A VU logged in for one iteration.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: usize,
    pub token: String,
    pub refresh: String,
    pub organization_id: String,
    pub workspace_id: String,
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

/// How many times setup and teardown try one call that fails transiently (5xx, reset,
/// timeout, 429).
pub(crate) const ATTEMPTS: u32 = 3;

/// Runs `call` until it succeeds, fails for good, or has failed transiently [`ATTEMPTS`]
/// times, waiting 1 s, then 2 s, between tries. The error says what was tried and waited.
macro_rules! with_retries {
    ($what:expr, $call:expr) => {{
        let mut waited = Vec::new();
        let mut attempt = 1;
        loop {
            match $call.await {
                Ok(v) => break Ok(v),
                Err(e) if e.is_transient() && attempt < $crate::fixture::ATTEMPTS => {
                    let wait = Duration::from_secs(1 << (attempt - 1));
                    tokio::time::sleep(wait).await;
                    waited.push(format!("{} s", wait.as_secs()));
                    attempt += 1;
                }
                Err(e) => {
                    break Err($crate::fixture::Retried {
                        what: $what.to_string(),
                        attempts: attempt,
                        waited,
                        last: e,
                    });
                }
            }
        }
    }};
}
pub(crate) use with_retries;

/// A call that failed for good, after the tries it was given.
#[derive(Debug)]
pub struct Retried {
    pub what: String,
    pub attempts: u32,
    /// The waits between tries, as said: `1 s`, `2 s`.
    pub waited: Vec<String>,
    pub last: ApiError,
}

impl std::fmt::Display for Retried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Retried {
            what,
            attempts,
            waited,
            last,
        } = self;
        if *attempts == 1 {
            write!(f, "{what}: {last}")
        } else {
            let waited = waited.join(", then ");
            write!(
                f,
                "{what}: failed {attempts} times (retried after {waited}): {last}"
            )
        }
    }
}

impl std::error::Error for Retried {}

/// Setup: registers `count` users, each with a workspace.
pub async fn setup(
    vu: &mut Vu,
    count: usize,
    forwarded_for: bool,
    segment: Segment,
) -> Result<Fixture, BoxError> {
    let run_id = format!("{:08x}", vu.rng().random::<u32>());
    let mut fixture = Fixture {
        run_id,
        users: Vec::with_capacity(count),
        forwarded_for,
        ledger: Ledger::default(),
        segment,
    };
    for i in 0..count {
        let xff = fixture.hook_address(i);
        // Numbered by the segment, so a split run's instances never make the same user.
        let user = data::new_user(&fixture.run_id, 0, segment.unit(i as u64));
        let what = format!("setup: registering test user {} of {count}", i + 1);
        let reg = with_retries!(&what, client::register(vu, &user, xff.as_deref()))?;
        let auth = Auth {
            token: &reg.tokens.access_token,
            forwarded_for: xff.as_deref(),
        };
        let name = format!("LoadTest WS {} {i}", fixture.run_id);
        let what = format!("setup: creating the workspace of test user {}", i + 1);
        let ws = with_retries!(&what, client::create_workspace(vu, auth, &name))?;
        fixture.users.push(TestUser {
            email: reg.user.email,
            organization_id: reg.user.organization_id,
            workspace_id: ws.id,
        });
    }
    Ok(fixture)
}

/// Logs the VU in as its test user, from this iteration's client address.
pub async fn login(vu: &mut Vu, fixture: &Fixture) -> Result<Session, ApiError> {
    let (index, user) = fixture.user_for(vu.id());
    let xff = fixture.forwarded_for(vu.id(), vu.iteration());
    let logged = client::login(vu, &user.email, data::PASSWORD, xff.as_deref()).await;
    vu.check("login returns tokens", logged.is_ok());
    let logged = logged?;
    Ok(Session {
        user: index,
        token: logged.tokens.access_token,
        refresh: logged.tokens.refresh_token,
        organization_id: user.organization_id.clone(),
        workspace_id: user.workspace_id.clone(),
        forwarded_for: xff,
    })
}

/// Logs the session out (its refresh token revoked with it).
pub async fn logout(vu: &mut Vu, s: &Session) -> Result<(), ApiError> {
    let out = client::logout(vu, s.auth(), Some(&s.refresh)).await;
    vu.check("logout succeeds", out.is_ok());
    out
}

/// A fresh number for names this VU generates.
pub fn next(vu: &mut Vu) -> u64 {
    let st = vu.state::<VuState>();
    st.counter += 1;
    st.counter
}
