//! auth — 0→10→50 VUs over 4 m: 30 % register a new user (me, logout), 70 % log in as one of
//! five test users (me, agents list, logout, then me must be refused), with the original's
//! pauses after each step and 2–4 s at the end.

use harness::prelude::*;

use super::flow::{Outcome, pause};
use crate::client::{self, Auth};
use crate::data;
use crate::fixture::{Fixture, next};

pub fn shape() -> RampingVus {
    RampingVus::new(
        0,
        vec![
            Stage::new(secs(30), 10),
            Stage::new(secs(60), 50),
            Stage::new(secs(120), 50),
            Stage::new(secs(30), 0),
        ],
    )
}

/// 30 % register a new user, 70 % log in as a test user → 2–4 s.
pub async fn iteration(vu: &mut Vu, fixture: &Fixture) -> Result<(), BoxError> {
    let branch = const { Mix::new().with(30, register).with(70, login) };
    let done = branch.run(vu, fixture).await;
    pause(vu, (2.0, 4.0)).await;
    done
}

/// Register → 1–2 s; with its token: me → 0.5–1 s, logout → 1–2 s.
async fn register(vu: &mut Vu, fixture: &Fixture) -> Result<(), BoxError> {
    let mut o = Outcome::default();
    let xff = fixture.forwarded_for(vu.id(), vu.iteration());
    let xff = xff.as_deref();
    let n = next(vu);
    let user = data::new_user(&fixture.run_id, vu.id(), n);
    let reg = client::register(vu, &user, xff).await;
    vu.check("register returns 201 with tokens", reg.is_ok());
    pause(vu, (1.0, 2.0)).await;
    let Some(reg) = o.note(reg) else {
        return o.finish();
    };
    let auth = Auth {
        token: &reg.tokens.access_token,
        forwarded_for: xff,
    };
    let me = client::me(vu, auth).await;
    vu.check(
        "me is the new user",
        me.as_ref().is_ok_and(|m| m.email == user.email),
    );
    o.note(me);
    pause(vu, (0.5, 1.0)).await;
    let out = client::logout(vu, auth, Some(&reg.tokens.refresh_token)).await;
    vu.check("logout succeeds", out.is_ok());
    o.note(out);
    pause(vu, (1.0, 2.0)).await;
    o.finish()
}

/// Log in → 1–2 s; with its token: me → 0.5–1 s, agents → 1–2 s, logout → 1–2 s, then me
/// again, refused.
async fn login(vu: &mut Vu, fixture: &Fixture) -> Result<(), BoxError> {
    let mut o = Outcome::default();
    let xff = fixture.forwarded_for(vu.id(), vu.iteration());
    let xff = xff.as_deref();
    let (_, user) = fixture.user_for(vu.id());
    let logged = client::login(vu, &user.email, data::PASSWORD, xff).await;
    vu.check("login returns tokens", logged.is_ok());
    pause(vu, (1.0, 2.0)).await;
    let Some(logged) = o.note(logged) else {
        return o.finish();
    };
    let auth = Auth {
        token: &logged.tokens.access_token,
        forwarded_for: xff,
    };
    let me = client::me(vu, auth).await;
    vu.check(
        "me is the test user",
        me.as_ref().is_ok_and(|m| m.email == user.email),
    );
    o.note(me);
    pause(vu, (0.5, 1.0)).await;
    let agents = client::list_agents(vu, auth, 10, 0).await;
    vu.check("agents list answers", agents.is_ok());
    o.note(agents);
    pause(vu, (1.0, 2.0)).await;
    let out = client::logout(vu, auth, Some(&logged.tokens.refresh_token)).await;
    vu.check("logout succeeds", out.is_ok());
    o.note(out);
    pause(vu, (1.0, 2.0)).await;
    // The original calls me once more and ignores it; here a 401 is the expected answer.
    let revoked = client::me_is_rejected(vu, auth).await;
    vu.check("token is revoked after logout", revoked.is_ok());
    o.note(revoked);
    o.finish()
}
