//! spike — 20 VUs, then 1,000 for 2 m, then back to 20: log in, one operation (50 % list agents,
//! 30 % list pipelines, 15 % metrics summary, 5 % create an agent and read it back), log out.

use harness::prelude::*;

use super::flow::{LoggedIn, Pacing, log_in, log_out, pause};
use super::m;
use super::ops::{self, Resource};
use crate::client::{self, ApiError};
use crate::fixture::Fixture;

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

/// Log in → one operation → log out.
pub async fn iteration(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    let operation = const {
        Mix::new()
            .with(50, list_agents)
            .with(30, list_pipelines)
            .with(15, metrics_summary)
            .with(5, create_agent)
    };
    let logged_in = log_in(vu, f, PACING).await?;
    let done = operation.run(vu, &logged_in).await;
    log_out(vu, &logged_in, PACING, done).await
}

/// Page 1 of 20 agents → 0.1–0.3 s.
async fn list_agents(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let listed = ops::list_page(vu, &cx.session, Resource::Agent, 1, 20).await;
    pause(vu, (0.1, 0.3)).await;
    listed
}

/// Page 1 of 20 pipelines → 0.1–0.3 s.
async fn list_pipelines(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let listed = ops::list_page(vu, &cx.session, Resource::Pipeline, 1, 20).await;
    pause(vu, (0.1, 0.3)).await;
    listed
}

/// The metrics summary → 0.1–0.3 s.
async fn metrics_summary(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let m = client::metrics_summary(vu, cx.session.auth()).await;
    vu.check("metrics summary answers", m.is_ok());
    pause(vu, (0.1, 0.3)).await;
    m.map(|_| ())
}

/// Create an agent → 0.2–0.5 s; with its id: read it back → 0.1–0.3 s.
async fn create_agent(vu: &mut Vu, cx: &LoggedIn<'_>) -> Result<(), ApiError> {
    let id = ops::create(vu, cx.fixture, &cx.session, Resource::Agent).await;
    pause(vu, (0.2, 0.5)).await;
    let read = ops::read(vu, &cx.session, Resource::Agent, &id?).await;
    pause(vu, (0.1, 0.3)).await;
    read
}
