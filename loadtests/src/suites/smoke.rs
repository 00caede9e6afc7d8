//! smoke — 5 VUs for 30 s: health, register, log in, me, agents, pipelines, metrics summary,
//! logout, with the original's 0.5–1 s after each step and 1–2 s at the end. Without a token
//! after register, the remaining steps are skipped and the closing pause still runs.

use harness::prelude::*;

use super::flow::{Outcome, pause};
use crate::client::{self, Auth};
use crate::data;
use crate::fixture::{Fixture, next};

const STEP: (f64, f64) = (0.5, 1.0);
const END: (f64, f64) = (1.0, 2.0);

pub async fn iteration(vu: &mut Vu, fixture: &Fixture) -> Result<(), BoxError> {
    let mut outcome = Outcome::default();
    steps(vu, fixture, &mut outcome).await;
    pause(vu, END).await;
    outcome.finish()
}

async fn steps(vu: &mut Vu, fixture: &Fixture, o: &mut Outcome) {
    let xff = fixture.forwarded_for(vu.id(), vu.iteration());
    let xff = xff.as_deref();

    // The original's step 1 is an unauthenticated /auth/me "health check"; /health is the
    // endpoint for that, and keeps a deliberate 401 out of http_req_failed.
    let health = client::health(vu).await;
    vu.check(
        "health is healthy",
        health.as_ref().is_ok_and(|h| h.status == "healthy"),
    );
    o.note(health);
    pause(vu, STEP).await;

    let n = next(vu);
    let user = data::new_user(&fixture.run_id, vu.id(), n);
    let reg = client::register(vu, &user, xff).await;
    vu.check(
        "register returns 201 with tokens",
        reg.as_ref()
            .is_ok_and(|r| !r.tokens.access_token.is_empty()),
    );
    pause(vu, STEP).await;
    if o.note(reg).is_none() {
        return;
    }
    // An addition to the original: a login, so that login_duration (a threshold of the
    // original smoke) has samples.
    let logged = client::login(vu, &user.email, data::PASSWORD, xff).await;
    vu.check("login returns tokens", logged.is_ok());
    let Some(logged) = o.note(logged) else { return };
    let auth = Auth {
        token: &logged.tokens.access_token,
        forwarded_for: xff,
    };

    let me = client::me(vu, auth).await;
    vu.check(
        "me is the registered user",
        me.as_ref().is_ok_and(|m| m.email == user.email),
    );
    pause(vu, STEP).await;
    let org = o.note(me).map(|m| m.organization_id);
    let agents = client::list_agents(vu, auth, 10, 0).await;
    vu.check("agents list answers", agents.is_ok());
    o.note(agents);
    pause(vu, STEP).await;
    if let Some(org) = org {
        let pipes = client::list_pipelines(vu, auth, &org, 10, 0).await;
        vu.check("pipelines list answers", pipes.is_ok());
        o.note(pipes);
        pause(vu, STEP).await;
    }
    let summary = client::metrics_summary(vu, auth).await;
    vu.check("metrics summary answers", summary.is_ok());
    o.note(summary);
    pause(vu, STEP).await;
    let out = client::logout(vu, auth, Some(&logged.tokens.refresh_token)).await;
    vu.check("logout succeeds", out.is_ok());
    o.note(out);
}
