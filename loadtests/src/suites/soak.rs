//! soak — 100 VUs for 30 m (5 m ramps either side), logging in and out every iteration, with one
//! or two workflows drawn uniformly from three, each followed by 3–5 s: an agent's life (list,
//! create, read, update, delete), the same for a pipeline, and monitoring (me, metrics summary,
//! agents, pipelines). A failed step skips what depends on it; logout always runs.

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
            Stage::new(m(5), 100),
            Stage::new(m(30), 100),
            Stage::new(m(5), 0),
        ],
    )
}

const PACING: Pacing = Pacing {
    after_login: (1.0, 2.0),
    login_failed: (2.0, 4.0),
    after_logout: (2.0, 4.0),
};

pub fn iteration<'a>(vu: &'a mut Vu, f: &'a Fixture) -> BoxFuture<'a, Result<(), BoxError>> {
    Box::pin(logged_in(vu, f, PACING, |vu, f, s, o| {
        Box::pin(workflows(vu, f, s, o))
    }))
}

async fn workflows(vu: &mut Vu, f: &Fixture, s: &Session, o: &mut Outcome) {
    let count = vu.rng().random_range(1..=2);
    for _ in 0..count {
        match vu.rng().random_range(0..3) {
            0 => life(vu, f, s, o, Resource::Agent).await,
            1 => life(vu, f, s, o, Resource::Pipeline).await,
            _ => monitoring(vu, s, o).await,
        }
        pause(vu, (3.0, 5.0)).await;
    }
}

/// List → 2–4 s, create → 2–3 s; with its id: read → 1–2 s, update → 2–3 s, delete → 1–2 s.
async fn life(vu: &mut Vu, f: &Fixture, s: &Session, o: &mut Outcome, r: Resource) {
    o.note(ops::list_page(vu, s, r, 1, 20).await);
    pause(vu, (2.0, 4.0)).await;
    let id = ops::create(vu, f, s, r).await;
    pause(vu, (2.0, 3.0)).await;
    let Some(id) = o.note(id) else { return };
    o.note(ops::read(vu, s, r, &id).await);
    pause(vu, (1.0, 2.0)).await;
    o.note(ops::update(vu, s, r, &id).await);
    pause(vu, (2.0, 3.0)).await;
    o.note(ops::delete(vu, f, s, r, &id).await);
    pause(vu, (1.0, 2.0)).await;
}

/// me → 1–2 s, metrics summary → 2–3 s, agents (10) → 1–2 s, pipelines (10) → 1–2 s.
async fn monitoring(vu: &mut Vu, s: &Session, o: &mut Outcome) {
    let me = client::me(vu, s.auth()).await;
    vu.check("me answers", me.is_ok());
    o.note(me);
    pause(vu, (1.0, 2.0)).await;
    let m = client::metrics_summary(vu, s.auth()).await;
    vu.check(
        "metrics summary answers",
        m.as_ref()
            .is_ok_and(|m| (0.0..=1.0).contains(&m.error_rate)),
    );
    o.note(m);
    pause(vu, (2.0, 3.0)).await;
    o.note(ops::list_page(vu, s, Resource::Agent, 1, 10).await);
    pause(vu, (1.0, 2.0)).await;
    o.note(ops::list_page(vu, s, Resource::Pipeline, 1, 10).await);
    pause(vu, (1.0, 2.0)).await;
}
