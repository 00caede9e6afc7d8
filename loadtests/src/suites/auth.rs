//! auth — ramp 0→10 (30 s) →50 (1 m), hold 2 m, →0 (30 s): 30 % register+me+logout,
//! 70 % login+me+refresh+list+logout+me→401 as a test user made by setup.

use harness::prelude::*;
use rand::Rng;

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

pub fn iteration(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let fixture = vu.setup_data::<Fixture>();
        let xff = fixture.forwarded_for(vu.id());
        let xff = xff.as_deref();
        if vu.rng().random_range(0..100) < 30 {
            vu.set_group(Some("register"));
            let n = next(vu);
            let user = data::new_user(&fixture.run_id, vu.id(), n);
            let reg = client::register(vu, &user, xff).await;
            vu.check("register returns tokens", reg.is_ok());
            let reg = reg?;
            let auth = Auth {
                token: &reg.tokens.access_token,
                forwarded_for: xff,
            };
            let me = client::me(vu, auth).await;
            vu.check(
                "me is the new user",
                me.as_ref().is_ok_and(|m| m.email == user.email),
            );
            me?;
            let out = client::logout(vu, auth, Some(&reg.tokens.refresh_token)).await;
            vu.check("logout succeeds", out.is_ok());
            out?;
        } else {
            vu.set_group(Some("login"));
            let (_, user) = fixture.user_for(vu.id());
            let logged = client::login(vu, &user.email, data::PASSWORD, xff).await;
            vu.check("login returns tokens", logged.is_ok());
            let logged = logged?;
            let auth = Auth {
                token: &logged.tokens.access_token,
                forwarded_for: xff,
            };
            let me = client::me(vu, auth).await;
            vu.check("me answers", me.is_ok());
            me?;
            let fresh = client::refresh(vu, &logged.tokens.refresh_token, xff).await;
            vu.check(
                "refresh rotates the refresh token",
                fresh
                    .as_ref()
                    .is_ok_and(|t| t.refresh_token != logged.tokens.refresh_token),
            );
            let fresh = fresh?;
            let auth = Auth {
                token: &fresh.access_token,
                forwarded_for: xff,
            };
            let list = client::list_agents(vu, auth, 10, 0).await;
            vu.check("agents list answers", list.is_ok());
            list?;
            let out = client::logout(vu, auth, Some(&fresh.refresh_token)).await;
            vu.check("logout succeeds", out.is_ok());
            out?;
            let revoked = client::me_is_rejected(vu, auth).await;
            vu.check("token is revoked after logout", revoked.is_ok());
            revoked?;
            // The first access token was never logged out; the server keeps it until it expires.
        }
        vu.think(secs(1), secs(3)).await;
        Ok(())
    })
}
