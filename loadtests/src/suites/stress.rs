//! stress — 50→500 VUs in 100-VU steps, hold, recover (20 m): each iteration does 2–4 random
//! steps of: list agents, list pipelines, create+get agent, create+get pipeline, me, metrics.

use harness::prelude::*;
use rand::Rng;

use super::m;
use super::ops::{Resource, create, read};
use crate::client;
use crate::fixture::session;

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(m(2), 50),
            Stage::new(m(2), 100),
            Stage::new(m(2), 200),
            Stage::new(m(2), 300),
            Stage::new(m(2), 400),
            Stage::new(m(2), 500),
            Stage::new(m(5), 500),
            Stage::new(m(3), 0),
        ],
    )
}

pub fn iteration(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let s = session(vu).await?;
        let steps = vu.rng().random_range(2..=4);
        for _ in 0..steps {
            match vu.rng().random_range(0..6) {
                0 => {
                    let r = client::list_agents(vu, s.auth(), 10, 0).await;
                    vu.check("agents list answers", r.is_ok());
                    r?;
                }
                1 => {
                    let r = client::list_pipelines(vu, s.auth(), &s.organization_id, 10, 0).await;
                    vu.check("pipelines list answers", r.is_ok());
                    r?;
                }
                2 => {
                    let id = create(vu, &s, Resource::Agent).await?;
                    read(vu, &s, Resource::Agent, &id).await?;
                }
                3 => {
                    let id = create(vu, &s, Resource::Pipeline).await?;
                    read(vu, &s, Resource::Pipeline, &id).await?;
                }
                4 => {
                    let r = client::me(vu, s.auth()).await;
                    vu.check("me answers", r.is_ok());
                    r?;
                }
                _ => {
                    let r = client::metrics_summary(vu, s.auth()).await;
                    vu.check("metrics summary answers", r.is_ok());
                    r?;
                }
            }
        }
        vu.think(millis(500), millis(1500)).await;
        Ok(())
    })
}
