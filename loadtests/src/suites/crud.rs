//! agents and pipelines — 20→50→100 VUs over 16 m, logging in and out every iteration: create
//! 30 % (then read back), list 40 % (pages 1 and 2 of 20), update 20 % (then read), delete
//! 10 % (the newest of the VU's own). Update and delete do nothing while the VU owns none.

use futures::future::BoxFuture;
use harness::prelude::*;
use rand::Rng;

use super::flow::{Outcome, Pacing, logged_in, pause};
use super::m;
use super::ops::{self, Resource};
use crate::fixture::{Fixture, Session};

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(m(1), 20),
            Stage::new(m(2), 50),
            Stage::new(m(5), 100),
            Stage::new(m(5), 100),
            Stage::new(m(2), 50),
            Stage::new(m(1), 0),
        ],
    )
}

/// Login → 0.5–1 s (a failed login ends the iteration there) … logout → 1–2 s.
const PACING: Pacing = Pacing {
    after_login: (0.5, 1.0),
    login_failed: (0.5, 1.0),
    after_logout: (1.0, 2.0),
};

pub fn agents<'a>(vu: &'a mut Vu, f: &'a Fixture) -> BoxFuture<'a, Result<(), BoxError>> {
    Box::pin(logged_in(vu, f, PACING, |vu, f, s, o| {
        Box::pin(mix(vu, f, s, o, Resource::Agent))
    }))
}

pub fn pipelines<'a>(vu: &'a mut Vu, f: &'a Fixture) -> BoxFuture<'a, Result<(), BoxError>> {
    Box::pin(logged_in(vu, f, PACING, |vu, f, s, o| {
        Box::pin(mix(vu, f, s, o, Resource::Pipeline))
    }))
}

async fn mix(vu: &mut Vu, f: &Fixture, s: &Session, o: &mut Outcome, r: Resource) {
    let roll: f64 = vu.rng().random();
    if roll < 0.30 {
        let id = ops::create(vu, f, s, r).await;
        pause(vu, (1.0, 2.0)).await;
        if let Some(id) = o.note(id) {
            o.note(ops::read(vu, s, r, &id).await);
            pause(vu, (0.5, 1.0)).await;
        }
    } else if roll < 0.70 {
        o.note(ops::list_page(vu, s, r, 1, 20).await);
        pause(vu, (1.0, 2.0)).await;
        o.note(ops::list_page(vu, s, r, 2, 20).await);
        pause(vu, (0.5, 1.0)).await;
    } else if roll < 0.90 {
        if let Some(id) = ops::pick_own(vu, r) {
            o.note(ops::update(vu, s, r, &id).await);
            pause(vu, (1.0, 2.0)).await;
            o.note(ops::read(vu, s, r, &id).await);
            pause(vu, (0.5, 1.0)).await;
        }
    } else if let Some(id) = ops::newest_own(vu, r) {
        o.note(ops::delete(vu, f, s, r, &id).await);
        pause(vu, (1.0, 2.0)).await;
    }
}
