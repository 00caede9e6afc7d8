//! The steps the suites mix: create, read, list, update and delete on agents or pipelines, with
//! checks, the VU's own id list and the ledger kept up to date for teardown.

use harness::prelude::*;
use rand::Rng;

use crate::client::{self, ApiError};
use crate::data;
use crate::fixture::{Created, Fixture, Session, VuState, next};
use crate::model::{AgentUpdate, PipelineUpdate};

/// Agents or pipelines: the CRUD suites run the same steps on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Agent,
    Pipeline,
}

impl Resource {
    fn created(self) -> Created {
        match self {
            Resource::Agent => Created::Agent,
            Resource::Pipeline => Created::Pipeline,
        }
    }

    fn own(self, st: &mut VuState) -> &mut Vec<String> {
        match self {
            Resource::Agent => &mut st.agents,
            Resource::Pipeline => &mut st.pipelines,
        }
    }
}

/// Creates one (the original's generated defaults), records it in the ledger and the VU's own
/// list; returns its id.
pub async fn create(
    vu: &mut Vu,
    f: &Fixture,
    s: &Session,
    r: Resource,
) -> Result<String, ApiError> {
    let n = next(vu);
    let id = vu.id();
    let created = match r {
        Resource::Agent => {
            let body = data::new_agent(vu.rng(), &s.workspace_id, id, n);
            client::create_agent(vu, s.auth(), &body)
                .await
                .map(|a| (a.id, a.workspace_id == s.workspace_id))
        }
        Resource::Pipeline => {
            let body = data::new_pipeline(vu.rng(), &s.organization_id, &s.workspace_id, id, n);
            client::create_pipeline(vu, s.auth(), &body)
                .await
                .map(|p| (p.id, p.organization_id == s.organization_id))
        }
    };
    vu.check("created", created.is_ok());
    let (new_id, in_place) = created?;
    vu.check("created in the caller's workspace", in_place);
    f.ledger.add(r.created(), &new_id, s.user);
    r.own(vu.state::<VuState>()).push(new_id.clone());
    Ok(new_id)
}

/// Reads one back and checks it is the one asked for.
pub async fn read(vu: &mut Vu, s: &Session, r: Resource, id: &str) -> Result<(), ApiError> {
    let got = match r {
        Resource::Agent => client::get_agent(vu, s.auth(), id).await.map(|a| a.id),
        Resource::Pipeline => client::get_pipeline(vu, s.auth(), id).await.map(|p| p.id),
    };
    vu.check("reads back", got.as_deref().is_ok_and(|g| g == id));
    got.map(|_| ())
}

/// One page (1-based) of `limit`, as the original's `list(page, limit)`: offset
/// `(page - 1) × limit` (the real API pages by limit and offset).
pub async fn list_page(
    vu: &mut Vu,
    s: &Session,
    r: Resource,
    page: u32,
    limit: u32,
) -> Result<(), ApiError> {
    let offset = (page.max(1) - 1) * limit;
    let rows = match r {
        Resource::Agent => client::list_agents(vu, s.auth(), limit, offset)
            .await
            .map(|l| l.records.len()),
        Resource::Pipeline => {
            client::list_pipelines(vu, s.auth(), &s.organization_id, limit, offset)
                .await
                .map(|l| l.data.len())
        }
    };
    vu.check(
        "a page holds at most its limit",
        rows.as_ref().is_ok_and(|n| *n <= limit as usize),
    );
    rows.map(|_| ())
}

/// The original's update: an agent gets a new description, temperature U[0, 1) and max_tokens
/// 1000–2999; a pipeline a new description and a status from draft, active, archived.
pub async fn update(vu: &mut Vu, s: &Session, r: Resource, id: &str) -> Result<(), ApiError> {
    let description = format!("Updated at {}", mock_server::domain::model::now_iso());
    let applied = match r {
        Resource::Agent => {
            let u = AgentUpdate {
                description: Some(description.clone()),
                temperature: Some(vu.rng().random_range(0.0..1.0)),
                max_tokens: Some(vu.rng().random_range(1000..3000)),
                ..AgentUpdate::default()
            };
            client::update_agent(vu, s.auth(), id, &u)
                .await
                .map(|a| a.description)
        }
        Resource::Pipeline => {
            let status = ["draft", "active", "archived"][vu.rng().random_range(0..3)];
            let u = PipelineUpdate {
                description: Some(description.clone()),
                status: Some(status.into()),
                ..PipelineUpdate::default()
            };
            client::update_pipeline(vu, s.auth(), id, &u)
                .await
                .map(|p| p.description)
        }
    };
    vu.check(
        "update applies",
        applied.as_deref().is_ok_and(|d| d == description),
    );
    applied.map(|_| ())
}

/// Deletes one (the API archives it) and forgets it.
pub async fn delete(
    vu: &mut Vu,
    f: &Fixture,
    s: &Session,
    r: Resource,
    id: &str,
) -> Result<(), ApiError> {
    let done = match r {
        Resource::Agent => client::delete_agent(vu, s.auth(), id).await,
        Resource::Pipeline => client::delete_pipeline(vu, s.auth(), id).await,
    };
    vu.check("deleted", done.is_ok());
    done?;
    f.ledger.remove(r.created(), id);
    r.own(vu.state::<VuState>()).retain(|x| x != id);
    Ok(())
}

/// A uniformly random id of the VU's own, if it has any.
pub fn pick_own(vu: &mut Vu, r: Resource) -> Option<String> {
    let n = r.own(vu.state::<VuState>()).len();
    if n == 0 {
        return None;
    }
    let i = vu.rng().random_range(0..n);
    r.own(vu.state::<VuState>()).get(i).cloned()
}

/// The VU's newest own id (the original deletes last-in, first-out).
pub fn newest_own(vu: &mut Vu, r: Resource) -> Option<String> {
    r.own(vu.state::<VuState>()).last().cloned()
}
