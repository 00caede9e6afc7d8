//! soak — 100 VUs for 30 m (5 m ramps): each iteration logs in, runs 1–2 journeys (agent
//! lifecycle, pipeline lifecycle, monitoring, deployment) and logs out.

use harness::prelude::*;
use rand::Rng;

use super::m;
use super::ops::{Resource, create, delete_id, list_two_pages, me_and_metrics, read, update};
use crate::client;
use crate::data;
use crate::fixture::{Created, Fixture, Session, VuState};

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(m(5), 100),
            Stage::new(m(30), 100),
            Stage::new(m(5), 0),
        ],
    )
}

pub fn iteration(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let fixture = vu.setup_data::<Fixture>();
        let (index, user) = fixture.user_for(vu.id());
        let xff = fixture.forwarded_for(vu.id());
        let logged = client::login(vu, &user.email, data::PASSWORD, xff.as_deref()).await;
        vu.check("login returns tokens", logged.is_ok());
        let logged = logged?;
        let s = Session {
            user: index,
            token: logged.tokens.access_token,
            refresh: logged.tokens.refresh_token,
            organization_id: user.organization_id.clone(),
            workspace_id: user.workspace_id.clone(),
            gateway_id: user.gateway_id.clone(),
            forwarded_for: xff,
        };
        let journeys = vu.rng().random_range(1..=2);
        for _ in 0..journeys {
            match vu.rng().random_range(0..4) {
                0 => lifecycle(vu, &s, Resource::Agent).await?,
                1 => lifecycle(vu, &s, Resource::Pipeline).await?,
                2 => monitoring(vu, &s).await?,
                _ => deployment(vu, &s).await?,
            }
            vu.think(secs(2), secs(5)).await;
        }
        let out = client::logout(vu, s.auth(), Some(&s.refresh)).await;
        vu.check("logout succeeds", out.is_ok());
        out?;
        Ok(())
    })
}

/// List, create, get, update, delete.
async fn lifecycle(vu: &mut Vu, s: &Session, r: Resource) -> Result<(), BoxError> {
    vu.set_group(Some(if r == Resource::Agent {
        "agent lifecycle"
    } else {
        "pipeline lifecycle"
    }));
    list_two_pages(vu, s, r).await?;
    let id = create(vu, s, r).await?;
    read(vu, s, r, &id).await?;
    update(vu, s, r).await?;
    delete_id(vu, s, r, &id).await?;
    vu.set_group(None);
    Ok(())
}

/// Me, metrics, both lists.
async fn monitoring(vu: &mut Vu, s: &Session) -> Result<(), BoxError> {
    vu.set_group(Some("monitoring"));
    me_and_metrics(vu, s.auth()).await?;
    let agents = client::list_agents(vu, s.auth(), 10, 0).await;
    vu.check("agents list answers", agents.is_ok());
    agents?;
    let pipes = client::list_pipelines(vu, s.auth(), &s.organization_id, 10, 0).await;
    vu.check("pipelines list answers", pipes.is_ok());
    pipes?;
    vu.set_group(None);
    Ok(())
}

/// Create an agent, deploy it through the test user's gateway, list deployments; then archive
/// the agent, which stops its deployment (the API has no deployment delete).
async fn deployment(vu: &mut Vu, s: &Session) -> Result<(), BoxError> {
    vu.set_group(Some("deployment"));
    let agent = create(vu, s, Resource::Agent).await?;
    let d = client::create_deployment(vu, s.auth(), &agent, &s.gateway_id).await;
    vu.check(
        "deployment is active",
        d.as_ref().is_ok_and(|d| d.status == "active"),
    );
    let d = d?;
    let ledger = &vu.setup_data::<Fixture>().ledger;
    ledger.add(Created::Deployment, &d.id, s.user);
    let list = client::list_deployments(vu, s.auth()).await;
    vu.check(
        "deployment is listed",
        list.as_ref()
            .is_ok_and(|l| l.deployments.iter().any(|x| x.id == d.id)),
    );
    list?;
    delete_id(vu, s, Resource::Agent, &agent).await?;
    vu.setup_data::<Fixture>()
        .ledger
        .remove(Created::Deployment, &d.id);
    vu.state::<VuState>().agents.retain(|a| *a != agent);
    vu.set_group(None);
    Ok(())
}
