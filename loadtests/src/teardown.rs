//! Teardown: leave the target as clean as it was, on any target. For each test user it logs in
//! afresh (setup's tokens may have expired), deletes what the ledger lists, then sweeps the
//! user's organisation — every test user owns one, so the sweep also finds objects whose create
//! response never arrived (a cut iteration, a timeout): live agents and pipelines are deleted,
//! active deployments stopped, gateways and workspaces deleted. A final listing checks that
//! nothing is left; whatever is, is named in the error, which fails the run. Transient failures
//! (5xx, reset, timeout, 429) are tried again.

use std::collections::BTreeMap;
use std::sync::Arc;

use harness::prelude::*;

use crate::client::{self, ApiError, Auth};
use crate::data;
use crate::fixture::{Created, Fixture, Retried, TestUser, with_retries};
use crate::model::LoggedIn;
use crate::suites::ops::Resource;

/// How many test users are cleaned up at once.
const TEARDOWN_CONCURRENCY: usize = 8;
/// The largest page the API serves.
const PAGE: u32 = 100;

/// What one organisation still holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leftovers {
    pub agents: Vec<String>,
    pub pipelines: Vec<String>,
    pub deployments: Vec<String>,
    pub gateways: Vec<String>,
    pub workspaces: Vec<String>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    pub fn count(&self) -> usize {
        self.agents.len()
            + self.pipelines.len()
            + self.deployments.len()
            + self.gateways.len()
            + self.workspaces.len()
    }
}

pub async fn teardown(vu: &mut Vu, fixture: Option<Arc<Fixture>>) -> Result<(), BoxError> {
    let Some(f) = fixture else { return Ok(()) };
    // Problems grouped by what went wrong: twenty users failing alike make one line.
    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let indices: Vec<usize> = (0..f.users.len()).collect();
    for batch in indices.chunks(TEARDOWN_CONCURRENCY) {
        let workers = batch.iter().map(|&i| {
            let (mut worker, f) = (vu.fork(), f.clone());
            async move { (i, clean_user(&mut worker, &f, i).await) }
        });
        for (i, result) in futures::future::join_all(workers).await {
            if let Err(e) = result {
                let who = format!("{} ({})", i + 1, f.users[i].email);
                problems.entry(e).or_default().push(who);
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .into_iter()
        .map(|(e, users)| format!("test user {}: {e}", users.join(", ")))
        .collect();
    Err(format!("teardown left the target dirty: {}", lines.join("; ")).into())
}

/// Cleans one test user's organisation; the error names what is left.
async fn clean_user(vu: &mut Vu, f: &Fixture, i: usize) -> Result<(), String> {
    let user = &f.users[i];
    let xff = f.hook_address(i);
    let mut logged = log_in(vu, user, xff.as_deref()).await?;
    let auth = Auth {
        token: &logged.tokens.access_token,
        forwarded_for: xff.as_deref(),
    };
    for (kind, id) in f.ledger.take_owned_by(i) {
        // A failure here is caught by the sweep below, which tries again.
        let _ = match kind {
            Created::Agent => client::delete_agent(vu, auth, &id).await,
            Created::Pipeline => client::delete_pipeline(vu, auth, &id).await,
        };
    }
    let mut swept = sweep(vu, auth, user).await;
    if swept.as_ref().is_err_and(|e| e.last.is_unauthorized()) {
        // The token expired during a long clean-up: log in again, once, and sweep again.
        logged = log_in(vu, user, xff.as_deref()).await?;
        let auth = Auth {
            token: &logged.tokens.access_token,
            forwarded_for: xff.as_deref(),
        };
        swept = sweep(vu, auth, user).await;
    }
    let auth = Auth {
        token: &logged.tokens.access_token,
        forwarded_for: xff.as_deref(),
    };
    let _ = client::logout(vu, auth, Some(&logged.tokens.refresh_token)).await;
    match swept {
        Ok(left) if left.is_empty() => Ok(()),
        Ok(left) => Err(format!("{} objects left: {left:?}", left.count())),
        Err(e) => Err(format!("the sweep failed: {e}")),
    }
}

/// A fresh session for the clean-up (setup's tokens may have expired long ago).
async fn log_in(vu: &mut Vu, user: &TestUser, xff: Option<&str>) -> Result<LoggedIn, String> {
    let what = "logging in to clean up";
    with_retries!(what, client::login(vu, &user.email, data::PASSWORD, xff))
        .map_err(|e| e.to_string())
}

/// How many list-and-delete rounds the sweep makes before it reports what is left.
const SWEEP_ROUNDS: usize = 3;

/// Deletes or stops everything live in the user's organisation, in up to [`SWEEP_ROUNDS`]
/// rounds (a delete that failed transiently is tried again), then lists what is left.
pub async fn sweep(vu: &mut Vu, auth: Auth<'_>, user: &TestUser) -> Result<Leftovers, Retried> {
    let mut live = with_retries!("listing", leftovers(vu, auth, user))?;
    for _ in 0..SWEEP_ROUNDS {
        if live.is_empty() {
            break;
        }
        remove(vu, auth, &live).await;
        live = with_retries!("listing", leftovers(vu, auth, user))?;
    }
    Ok(live)
}

async fn remove(vu: &mut Vu, auth: Auth<'_>, live: &Leftovers) {
    for id in &live.deployments {
        let _ = client::stop_deployment(vu, auth, id).await;
    }
    for id in &live.agents {
        let _ = client::delete_agent(vu, auth, id).await;
    }
    for id in &live.pipelines {
        let _ = client::delete_pipeline(vu, auth, id).await;
    }
    for id in &live.gateways {
        let _ = client::delete_gateway(vu, auth, id).await;
    }
    for id in &live.workspaces {
        let _ = client::delete_workspace(vu, auth, id).await;
    }
}

/// The agents or pipelines of the user's organisation that are not archived, page by page.
async fn live(
    vu: &mut Vu,
    auth: Auth<'_>,
    user: &TestUser,
    r: Resource,
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page: Vec<(String, String)> = match r {
            Resource::Agent => client::list_agents(vu, auth, PAGE, offset)
                .await?
                .records
                .into_iter()
                .map(|a| (a.id, a.status))
                .collect(),
            Resource::Pipeline => {
                client::list_pipelines(vu, auth, &user.organization_id, PAGE, offset)
                    .await?
                    .data
                    .into_iter()
                    .map(|p| (p.id, p.status))
                    .collect()
            }
        };
        let full = page.len() as u32 == PAGE;
        ids.extend(
            page.into_iter()
                .filter(|(_, s)| s != "archived")
                .map(|(id, _)| id),
        );
        if !full {
            return Ok(ids);
        }
        offset += PAGE;
    }
}

/// Everything live in the user's organisation: agents and pipelines not archived, deployments
/// active, every gateway and workspace.
pub async fn leftovers(
    vu: &mut Vu,
    auth: Auth<'_>,
    user: &TestUser,
) -> Result<Leftovers, ApiError> {
    let mut left = Leftovers {
        agents: live(vu, auth, user, Resource::Agent).await?,
        pipelines: live(vu, auth, user, Resource::Pipeline).await?,
        ..Leftovers::default()
    };
    left.deployments = client::list_deployments(vu, auth)
        .await?
        .deployments
        .into_iter()
        .filter(|d| d.status == "active")
        .map(|d| d.id)
        .collect();
    left.gateways = client::list_gateways(vu, auth)
        .await?
        .gateways
        .into_iter()
        .map(|g| g.id)
        .collect();
    left.workspaces = client::list_workspaces(vu, auth)
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    Ok(left)
}
