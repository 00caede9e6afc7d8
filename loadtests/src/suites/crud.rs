//! agents and pipelines — 20→50→100 VUs over 16 m, logging in and out every iteration: create
//! 30 % (then read back), list 40 % (pages 1 and 2 of 20), update 20 % (then read), delete
//! 10 % (the newest of the VU's own). Update and delete do nothing while the VU owns none.

use harness::prelude::*;

use super::flow::{Pacing, log_in, log_out, pause};
use super::m;
use super::ops::{self, Resource};
use crate::client::ApiError;
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

pub async fn agents(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    iteration(vu, f, Resource::Agent).await
}

pub async fn pipelines(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    iteration(vu, f, Resource::Pipeline).await
}

/// Log in → one roll → log out.
async fn iteration(vu: &mut Vu, f: &Fixture, r: Resource) -> Result<(), BoxError> {
    let roll = const {
        Mix::new()
            .with(30, create)
            .with(40, list)
            .with(20, update)
            .with(10, delete)
    };
    let logged_in = log_in(vu, f, PACING).await?;
    let on = On {
        f,
        s: &logged_in.session,
        r,
    };
    let done = roll.run(vu, &on).await;
    log_out(vu, &logged_in, PACING, done).await
}

/// What the roll's steps work on: the fixture, the VU's session, agents or pipelines.
struct On<'a> {
    f: &'a Fixture,
    s: &'a Session,
    r: Resource,
}

/// Create → 1–2 s; with its id: read it back → 0.5–1 s.
async fn create(vu: &mut Vu, on: &On<'_>) -> Result<(), ApiError> {
    let id = ops::create(vu, on.f, on.s, on.r).await;
    pause(vu, (1.0, 2.0)).await;
    let read = ops::read(vu, on.s, on.r, &id?).await;
    pause(vu, (0.5, 1.0)).await;
    read
}

/// Page 1 of 20 → 1–2 s, page 2 → 0.5–1 s.
async fn list(vu: &mut Vu, on: &On<'_>) -> Result<(), ApiError> {
    let first = ops::list_page(vu, on.s, on.r, 1, 20).await;
    pause(vu, (1.0, 2.0)).await;
    let second = ops::list_page(vu, on.s, on.r, 2, 20).await;
    pause(vu, (0.5, 1.0)).await;
    first.and(second)
}

/// One of the VU's own, drawn uniformly (none: nothing): update → 1–2 s, read it → 0.5–1 s.
async fn update(vu: &mut Vu, on: &On<'_>) -> Result<(), ApiError> {
    let Some(id) = ops::pick_own(vu, on.r) else {
        return Ok(());
    };
    let updated = ops::update(vu, on.s, on.r, &id).await;
    pause(vu, (1.0, 2.0)).await;
    let read = ops::read(vu, on.s, on.r, &id).await;
    pause(vu, (0.5, 1.0)).await;
    updated.and(read)
}

/// The VU's newest own (none: nothing): delete → 1–2 s.
async fn delete(vu: &mut Vu, on: &On<'_>) -> Result<(), ApiError> {
    let Some(id) = ops::newest_own(vu, on.r) else {
        return Ok(());
    };
    let deleted = ops::delete(vu, on.f, on.s, on.r, &id).await;
    pause(vu, (1.0, 2.0)).await;
    deleted
}
