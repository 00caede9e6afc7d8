//! soak — 100 VUs for 30 m (5 m ramps either side), logging in and out every iteration, with one
//! or two workflows drawn uniformly from three, each followed by 3–5 s: an agent's life (list,
//! create, read, update, delete), the same for a pipeline, and monitoring (me, metrics summary,
//! agents, pipelines). A failed step skips what depends on it; logout always runs.

use harness::prelude::*;
use rand::Rng;

use super::flow::{LoggedIn, Outcome, Pacing, log_in, log_out, pause};
use super::m;
use super::ops::{self, Resource};
use crate::client;
use crate::fixture::Fixture;

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

/// Log in → one or two workflows, each drawn uniformly from three and followed by 3–5 s → log
/// out.
pub async fn iteration(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    let workflow = const {
        Mix::new()
            .with(1, agent_life)
            .with(1, pipeline_life)
            .with(1, monitoring)
    };
    let logged_in = log_in(vu, f, PACING).await?;
    let mut outcome = Outcome::default();
    for _ in 0..vu.rng().random_range(1..=2) {
        outcome.note(workflow.run(vu, &logged_in).await);
        pause(vu, (3.0, 5.0)).await;
    }
    log_out(vu, &logged_in, PACING, outcome.finish()).await
}

async fn agent_life(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), BoxError> {
    life(vu, cx, Resource::Agent).await
}

async fn pipeline_life(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), BoxError> {
    life(vu, cx, Resource::Pipeline).await
}

/// List → 2–4 s, create → 2–3 s; with its id: read → 1–2 s, update → 2–3 s, delete → 1–2 s.
async fn life(vu: &mut Vu, cx: &LoggedIn<'_>, r: Resource) -> Result<(), BoxError> {
    let (f, s) = (cx.fixture, &cx.session);
    let mut o = Outcome::default();
    o.note(ops::list_page(vu, s, r, 1, 20).await);
    pause(vu, (2.0, 4.0)).await;
    let id = ops::create(vu, f, s, r).await;
    pause(vu, (2.0, 3.0)).await;
    let Some(id) = o.note(id) else {
        return o.finish();
    };
    o.note(ops::read(vu, s, r, &id).await);
    pause(vu, (1.0, 2.0)).await;
    o.note(ops::update(vu, s, r, &id).await);
    pause(vu, (2.0, 3.0)).await;
    o.note(ops::delete(vu, f, s, r, &id).await);
    pause(vu, (1.0, 2.0)).await;
    o.finish()
}

/// me → 1–2 s, metrics summary → 2–3 s, agents (10) → 1–2 s, pipelines (10) → 1–2 s.
async fn monitoring(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), BoxError> {
    let s = &cx.session;
    let mut o = Outcome::default();
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
    o.finish()
}
