//! stress — ramps to 500 VUs over 22 m, logging in and out every iteration, with 2–4
//! operations per iteration, each drawn uniformly from six: list agents or pipelines (a random
//! page 1–5 of 20), create an agent or a pipeline (then read it back), me, metrics summary.

use harness::prelude::*;
use rand::Rng;

use super::flow::{LoggedIn, Outcome, Pacing, log_in, log_out, pause};
use super::m;
use super::ops::{self, Resource};
use crate::client::{self, ApiError};
use crate::fixture::Fixture;

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

/// Log in → 2–4 operations, each drawn uniformly from six → log out.
pub async fn iteration(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    let operations = const {
        Mix::new()
            .with(1, list_agents)
            .with(1, list_pipelines)
            .with(1, create_agent)
            .with(1, create_pipeline)
            .with(1, me)
            .with(1, metrics_summary)
    };
    let logged_in = log_in(vu, f, PACING).await?;
    let mut outcome = Outcome::default();
    for _ in 0..vu.rng().random_range(2..=4) {
        outcome.note(operations.run(vu, &logged_in).await);
    }
    log_out(vu, &logged_in, PACING, outcome.finish()).await
}

async fn list_agents(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    list(vu, cx, Resource::Agent).await
}

async fn list_pipelines(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    list(vu, cx, Resource::Pipeline).await
}

/// A random page (1–5) of 20 → 0.5–1 s.
async fn list(vu: &mut Vu, cx: &LoggedIn<'_>, r: Resource) -> Result<(), ApiError> {
    let page = vu.rng().random_range(1..=5);
    let listed = ops::list_page(vu, &cx.session, r, page, 20).await;
    pause(vu, (0.5, 1.0)).await;
    listed
}

async fn create_agent(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    create(vu, cx, Resource::Agent).await
}

async fn create_pipeline(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    create(vu, cx, Resource::Pipeline).await
}

/// Create (the generated defaults) → 0.5–1 s; with its id: read it back → 0.3–0.7 s.
async fn create(vu: &mut Vu, cx: &LoggedIn<'_>, r: Resource) -> Result<(), ApiError> {
    let id = ops::create(vu, cx.fixture, &cx.session, r).await;
    pause(vu, (0.5, 1.0)).await;
    let read = ops::read(vu, &cx.session, r, &id?).await;
    pause(vu, (0.3, 0.7)).await;
    read
}

/// me → 0.3–0.7 s.
async fn me(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let me = client::me(vu, cx.session.auth()).await;
    vu.check("me answers", me.is_ok());
    pause(vu, (0.3, 0.7)).await;
    me.map(|_| ())
}

/// The metrics summary → 0.5–1 s.
async fn metrics_summary(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let m = client::metrics_summary(vu, cx.session.auth()).await;
    vu.check("metrics summary answers", m.is_ok());
    pause(vu, (0.5, 1.0)).await;
    m.map(|_| ())
}
