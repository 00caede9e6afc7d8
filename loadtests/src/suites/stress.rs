//! stress — ramps to 500 VUs over 22 m, logging in and out every iteration, with 2–4
//! operations per iteration, each drawn uniformly from six: list agents or pipelines (a random
//! page 1–5 of 20), create an agent or a pipeline (then read it back), me, metrics summary.

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
            Stage::new(m(2), 50),
            Stage::new(m(3), 100),
            Stage::new(m(3), 200),
            Stage::new(m(3), 300),
            Stage::new(m(3), 400),
            Stage::new(m(3), 500),
            Stage::new(m(2), 500),
            Stage::new(m(3), 0),
        ],
    )
}

const PACING: Pacing = Pacing {
    after_login: (0.3, 0.7),
    login_failed: (1.0, 3.0),
    after_logout: (0.5, 1.5),
};

pub fn iteration<'a>(vu: &'a mut Vu, f: &'a Fixture) -> BoxFuture<'a, Result<(), BoxError>> {
    Box::pin(logged_in(vu, f, PACING, |vu, f, s, o| {
        Box::pin(operations(vu, f, s, o))
    }))
}

async fn operations(vu: &mut Vu, f: &Fixture, s: &Session, o: &mut Outcome) {
    let count = vu.rng().random_range(2..=4);
    for _ in 0..count {
        match vu.rng().random_range(0..6) {
            0 | 1 => {
                let r = if vu.rng().random_bool(0.5) {
                    Resource::Agent
                } else {
                    Resource::Pipeline
                };
                let page = vu.rng().random_range(1..=5);
                o.note(ops::list_page(vu, s, r, page, 20).await);
                pause(vu, (0.5, 1.0)).await;
            }
            2 | 3 => {
                let r = if vu.rng().random_bool(0.5) {
                    Resource::Agent
                } else {
                    Resource::Pipeline
                };
                let id = ops::create(vu, f, s, r).await;
                pause(vu, (0.5, 1.0)).await;
                if let Some(id) = o.note(id) {
                    o.note(ops::read(vu, s, r, &id).await);
                    pause(vu, (0.3, 0.7)).await;
                }
            }
            4 => {
                let me = client::me(vu, s.auth()).await;
                vu.check("me answers", me.is_ok());
                o.note(me);
                pause(vu, (0.3, 0.7)).await;
            }
            _ => {
                let m = client::metrics_summary(vu, s.auth()).await;
                vu.check("metrics summary answers", m.is_ok());
                o.note(m);
                pause(vu, (0.5, 1.0)).await;
            }
        }
    }
}
