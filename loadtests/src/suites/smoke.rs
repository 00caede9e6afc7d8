//! smoke — 5 VUs for 30 s: health, register (then log in), me, list agents, list pipelines,
//! metrics summary, logout, then me → 401.

use harness::prelude::*;

use crate::client::{self, Auth};
use crate::data;
use crate::fixture::{Fixture, next};

pub fn iteration(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let fixture = vu.setup_data::<Fixture>();
        let xff = fixture.forwarded_for(vu.id());
        let xff = xff.as_deref();

        let health = client::health(vu).await;
        vu.check(
            "health is healthy",
            health.as_ref().is_ok_and(|h| h.status == "healthy"),
        );
        health?;

        let n = next(vu);
        let user = data::new_user(&fixture.run_id, vu.id(), n);
        let reg = client::register(vu, &user, xff).await;
        vu.check(
            "register returns 201 with tokens",
            reg.as_ref()
                .is_ok_and(|r| !r.tokens.access_token.is_empty()),
        );
        reg?;
        let logged = client::login(vu, &user.email, data::PASSWORD, xff).await;
        vu.check("login returns tokens", logged.is_ok());
        let logged = logged?;
        let auth = Auth {
            token: &logged.tokens.access_token,
            forwarded_for: xff,
        };

        let me = client::me(vu, auth).await;
        vu.check(
            "me is the registered user",
            me.as_ref().is_ok_and(|m| m.email == user.email),
        );
        let me = me?;
        let agents = client::list_agents(vu, auth, 10, 0).await;
        vu.check("agents list answers", agents.is_ok());
        agents?;
        let pipes = client::list_pipelines(vu, auth, &me.organization_id, 10, 0).await;
        vu.check("pipelines list answers", pipes.is_ok());
        pipes?;
        let summary = client::metrics_summary(vu, auth).await;
        vu.check("metrics summary answers", summary.is_ok());
        summary?;

        let out = client::logout(vu, auth, Some(&logged.tokens.refresh_token)).await;
        vu.check("logout succeeds", out.is_ok());
        out?;
        let revoked = client::me_is_rejected(vu, auth).await;
        vu.check("token is revoked after logout", revoked.is_ok());
        revoked?;
        vu.think(secs(1), secs(2)).await;
        Ok(())
    })
}
