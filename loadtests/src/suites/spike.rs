//! spike — 20 → 1000 VUs in 30 s, hold 2 m, back to 20, recover: 50 % list agents, 30 % list
//! pipelines, 15 % metrics summary, 5 % create agent.

use harness::prelude::*;
use rand::Rng;

use super::m;
use super::ops::{Resource, create};
use crate::client;
use crate::fixture::session;

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(m(1), 20),
            Stage::new(secs(30), 1000),
            Stage::new(m(2), 1000),
            Stage::new(secs(30), 20),
            Stage::new(m(2), 20),
            Stage::new(secs(30), 0),
        ],
    )
}

pub fn iteration(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let s = session(vu).await?;
        match vu.rng().random_range(0..100) {
            0..50 => {
                let r = client::list_agents(vu, s.auth(), 10, 0).await;
                vu.check("agents list answers", r.is_ok());
                r?;
            }
            50..80 => {
                let r = client::list_pipelines(vu, s.auth(), &s.organization_id, 10, 0).await;
                vu.check("pipelines list answers", r.is_ok());
                r?;
            }
            80..95 => {
                let r = client::metrics_summary(vu, s.auth()).await;
                vu.check("metrics summary answers", r.is_ok());
                r?;
            }
            _ => {
                create(vu, &s, Resource::Agent).await?;
            }
        }
        vu.think(millis(500), millis(1000)).await;
        Ok(())
    })
}
