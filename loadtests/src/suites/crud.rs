//! agents and pipelines — 20→50→100 VUs over 16 m: create 30 % (then read back), list 40 %
//! (two pages), update 20 % (then read), delete 10 %, as a logged-in test user.

use harness::prelude::*;

use super::m;
use super::ops::{Resource, crud_mix};
use crate::fixture::session;

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(m(2), 20),
            Stage::new(m(3), 20),
            Stage::new(m(2), 50),
            Stage::new(m(3), 50),
            Stage::new(m(2), 100),
            Stage::new(m(2), 100),
            Stage::new(m(2), 0),
        ],
    )
}

pub fn agents(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(mix(vu, Resource::Agent))
}

pub fn pipelines(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(mix(vu, Resource::Pipeline))
}

async fn mix(vu: &mut Vu, r: Resource) -> Result<(), BoxError> {
    let s = session(vu).await?;
    crud_mix(vu, &s, r).await?;
    vu.think(secs(1), secs(3)).await;
    Ok(())
}
