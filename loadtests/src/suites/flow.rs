//! How an iteration of the original suite flows: pauses after each step (`randomSleep(a, b)`),
//! steps guarded by what earlier ones returned, and a failure that skips only what depends on
//! it — the closing pause and the logout always run, so a failing target never turns a VU into
//! a hot loop. A logged-in iteration reads as the script: [`log_in`], its steps, [`log_out`].

use std::time::Duration;

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

/// A VU logged in as its test user for one iteration: what the steps between login and logout
/// work with.
pub struct LoggedIn<'a> {
    pub fixture: &'a Fixture,
    pub session: Session,
}

/// The first step of an iteration of agents, pipelines, stress, spike and soak: log in as the
/// VU's test user → pause. A failed login pauses too, and its error ends the iteration.
pub async fn log_in<'a>(
    vu: &mut Vu,
    fixture: &'a Fixture,
    pacing: Pacing,
) -> Result<LoggedIn<'a>, BoxError> {
    match fixture::login(vu, fixture).await {
        Ok(session) => {
            pause(vu, pacing.after_login).await;
            Ok(LoggedIn { fixture, session })
        }
        Err(e) => {
            pause(vu, pacing.login_failed).await;
            Err(e.into())
        }
    }
}

/// The last step: log out → pause, whatever the steps in between returned. The iteration's
/// result is their first error, else the logout's.
pub async fn log_out(
    vu: &mut Vu,
    logged_in: &LoggedIn<'_>,
    pacing: Pacing,
    steps: Result<(), impl Into<BoxError>>,
) -> Result<(), BoxError> {
    let out = fixture::logout(vu, &logged_in.session).await;
    pause(vu, pacing.after_logout).await;
    steps.map_err(Into::into).and(out.map_err(Into::into))
}
