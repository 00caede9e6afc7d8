//! spike — 20 VUs, then 1,000 for 2 m, then back to 20: log in, one operation (50 % list agents,
//! 30 % list pipelines, 15 % metrics summary, 5 % create an agent and read it back), log out.

use futures::future::BoxFuture;
use harness::prelude::*;
use rand::Rng;

use super::flow::{Outcome, Pacing, logged_in, pause};
use super::m;
use super::ops::{self, Resource};
use crate::client;
use crate::fixture::{Fixture, Session};

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

const PACING: Pacing = Pacing {
    after_login: (0.1, 0.3),
    login_failed: (0.5, 1.0),
    after_logout: (0.1, 0.3),
};

pub fn iteration<'a>(vu: &'a mut Vu, f: &'a Fixture) -> BoxFuture<'a, Result<(), BoxError>> {
    Box::pin(logged_in(vu, f, PACING, |vu, f, s, o| {
        Box::pin(operation(vu, f, s, o))
    }))
}

async fn operation(vu: &mut Vu, f: &Fixture, s: &Session, o: &mut Outcome) {
    let roll: f64 = vu.rng().random();
    if roll < 0.50 {
        o.note(ops::list_page(vu, s, Resource::Agent, 1, 20).await);
        pause(vu, (0.1, 0.3)).await;
    } else if roll < 0.80 {
        o.note(ops::list_page(vu, s, Resource::Pipeline, 1, 20).await);
        pause(vu, (0.1, 0.3)).await;
    } else if roll < 0.95 {
        let m = client::metrics_summary(vu, s.auth()).await;
        vu.check("metrics summary answers", m.is_ok());
        o.note(m);
        pause(vu, (0.1, 0.3)).await;
    } else {
        let id = ops::create(vu, f, s, Resource::Agent).await;
        pause(vu, (0.2, 0.5)).await;
        if let Some(id) = o.note(id) {
            o.note(ops::read(vu, s, Resource::Agent, &id).await);
            pause(vu, (0.1, 0.3)).await;
        }
    }
}
