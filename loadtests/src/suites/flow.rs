//! How an iteration of the original suite flows: pauses after each step (`randomSleep(a, b)`),
//! steps guarded by what earlier ones returned, and a failure that skips only what depends on
//! it — the closing pause and the logout always run, so a failing target never turns a VU into
//! a hot loop.

use std::time::Duration;

use futures::future::BoxFuture;
use harness::prelude::*;

use crate::fixture::{self, Fixture, Session};

/// The original's `randomSleep(a, b)`: a uniform pause of `a` to `b` seconds (not time-scaled).
pub async fn pause(vu: &mut Vu, (a, b): (f64, f64)) {
    vu.think(Duration::from_secs_f64(a), Duration::from_secs_f64(b))
        .await;
}

/// The first error of an iteration, kept while the steps that do not depend on it run on.
#[derive(Default)]
pub struct Outcome(Option<BoxError>);

impl Outcome {
    /// The value, or `None` after noting the error (the first one is kept).
    pub fn note<T, E: Into<BoxError>>(&mut self, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                if self.0.is_none() {
                    self.0 = Some(e.into());
                }
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), BoxError> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The pauses around a logged-in iteration.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// After a successful login.
    pub after_login: (f64, f64),
    /// After a failed login; the iteration then ends.
    pub login_failed: (f64, f64),
    /// After the logout that ends every iteration.
    pub after_logout: (f64, f64),
}

/// What a logged-in iteration does between its login and its logout.
pub type Work =
    for<'a> fn(&'a mut Vu, &'a Fixture, &'a Session, &'a mut Outcome) -> BoxFuture<'a, ()>;

/// An iteration of agents, pipelines, stress, spike and soak: log in as the VU's test user →
/// pause (a failed login pauses and ends the iteration) → `work` → log out → pause.
pub async fn logged_in(
    vu: &mut Vu,
    f: &Fixture,
    pacing: Pacing,
    work: Work,
) -> Result<(), BoxError> {
    let session = match fixture::login(vu, f).await {
        Ok(s) => s,
        Err(e) => {
            pause(vu, pacing.login_failed).await;
            return Err(e.into());
        }
    };
    pause(vu, pacing.after_login).await;
    let mut outcome = Outcome::default();
    work(vu, f, &session, &mut outcome).await;
    let out = fixture::logout(vu, &session).await;
    outcome.note(out);
    pause(vu, pacing.after_logout).await;
    outcome.finish()
}
