//! The operations the suites mix: CRUD on agents or pipelines, with read-backs and checks, and
//! the ledger kept up to date so teardown can clean up.

use harness::prelude::*;
use rand::Rng;

use crate::client::{self, Auth};
use crate::data;
use crate::fixture::{Created, Fixture, Session, VuState, next};
use crate::model::{AgentUpdate, PipelineUpdate};

/// Agents or pipelines: the CRUD suites run the same mix on either.
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

/// Creates one, records it in the ledger and the VU's own list; returns its id.
pub async fn create(vu: &mut Vu, s: &Session, r: Resource) -> Result<String, BoxError> {
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
    vu.setup_data::<Fixture>()
        .ledger
        .add(r.created(), &new_id, s.user);
    r.own(vu.state::<VuState>()).push(new_id.clone());
    Ok(new_id)
}

/// Reads one back and checks it is the one asked for.
pub async fn read(vu: &mut Vu, s: &Session, r: Resource, id: &str) -> Result<(), BoxError> {
    let got = match r {
        Resource::Agent => client::get_agent(vu, s.auth(), id).await.map(|a| a.id),
        Resource::Pipeline => client::get_pipeline(vu, s.auth(), id).await.map(|p| p.id),
    };
    vu.check("reads back", got.as_deref().is_ok_and(|g| g == id));
    got.map(|_| ()).map_err(Into::into)
}

/// Lists two pages of ten.
pub async fn list_two_pages(vu: &mut Vu, s: &Session, r: Resource) -> Result<(), BoxError> {
    for offset in [0, 10] {
        let total = match r {
            Resource::Agent => client::list_agents(vu, s.auth(), 10, offset)
                .await
                .map(|l| (l.total, l.records.len())),
            Resource::Pipeline => {
                client::list_pipelines(vu, s.auth(), &s.organization_id, 10, offset)
                    .await
                    .map(|l| (l.total, l.data.len()))
            }
        };
        vu.check(
            "a page holds at most its limit",
            total.as_ref().is_ok_and(|(t, n)| *t <= 10 && *n <= 10),
        );
        total?;
    }
    Ok(())
}

/// Renames one of the VU's own (creating one if it has none), then reads it back.
pub async fn update(vu: &mut Vu, s: &Session, r: Resource) -> Result<(), BoxError> {
    let id = match pick_own(vu, r) {
        Some(id) => id,
        None => create(vu, s, r).await?,
    };
    let name = format!("lt-renamed-{}-{}", vu.id(), next(vu));
    let renamed = match r {
        Resource::Agent => {
            let u = AgentUpdate {
                name: Some(name.clone()),
                status: Some("active".into()),
                ..AgentUpdate::default()
            };
            client::update_agent(vu, s.auth(), &id, &u)
                .await
                .map(|a| a.name)
        }
        Resource::Pipeline => {
            let u = PipelineUpdate {
                name: Some(name.clone()),
                status: Some("active".into()),
                ..PipelineUpdate::default()
            };
            client::update_pipeline(vu, s.auth(), &id, &u)
                .await
                .map(|p| p.name)
        }
    };
    vu.check(
        "update applies",
        renamed.as_deref().is_ok_and(|n| n == name),
    );
    renamed?;
    read(vu, s, r, &id).await
}

/// Deletes one of the VU's own (creating one if it has none); the API archives it.
pub async fn delete(vu: &mut Vu, s: &Session, r: Resource) -> Result<(), BoxError> {
    let id = match r.own(vu.state::<VuState>()).pop() {
        Some(id) => id,
        None => {
            let id = create(vu, s, r).await?;
            r.own(vu.state::<VuState>()).retain(|x| *x != id);
            id
        }
    };
    delete_id(vu, s, r, &id).await
}

pub async fn delete_id(vu: &mut Vu, s: &Session, r: Resource, id: &str) -> Result<(), BoxError> {
    let done = match r {
        Resource::Agent => client::delete_agent(vu, s.auth(), id).await,
        Resource::Pipeline => client::delete_pipeline(vu, s.auth(), id).await,
    };
    vu.check("deleted", done.is_ok());
    done?;
    vu.setup_data::<Fixture>().ledger.remove(r.created(), id);
    r.own(vu.state::<VuState>()).retain(|x| x != id);
    Ok(())
}

fn pick_own(vu: &mut Vu, r: Resource) -> Option<String> {
    let n = r.own(vu.state::<VuState>()).len();
    if n == 0 {
        return None;
    }
    let i = vu.rng().random_range(0..n);
    r.own(vu.state::<VuState>()).get(i).cloned()
}

/// The CRUD mix: create 30 % (then read), list 40 % (two pages), update 20 % (then read),
/// delete 10 %.
pub async fn crud_mix(vu: &mut Vu, s: &Session, r: Resource) -> Result<(), BoxError> {
    let roll = vu.rng().random_range(0..100);
    match roll {
        0..30 => {
            let id = create(vu, s, r).await?;
            read(vu, s, r, &id).await
        }
        30..70 => list_two_pages(vu, s, r).await,
        70..90 => update(vu, s, r).await,
        _ => delete(vu, s, r).await,
    }
}

/// `me` and the metrics summary, as the monitoring steps do.
pub async fn me_and_metrics(vu: &mut Vu, auth: Auth<'_>) -> Result<(), BoxError> {
    let me = client::me(vu, auth).await;
    vu.check("me answers", me.is_ok());
    me?;
    let m = client::metrics_summary(vu, auth).await;
    vu.check(
        "metrics summary answers",
        m.as_ref()
            .is_ok_and(|m| (0.0..=1.0).contains(&m.error_rate)),
    );
    m?;
    Ok(())
}
