//! What a load test's teardown relies on, as the real API does it: archived agents leave their
//! deployments active until stopped, gateways and workspaces are deleted, and access tokens
//! expire (refresh gives a new pair); and the store stays bounded however long a run is.

mod support;

use std::time::Duration;

use mock_server::MockConfig;
use mock_server::domain::{Api, ApiRequest, Kind, Limits};
use serde_json::json;
use support::{Client, start};

#[tokio::test]
async fn an_archived_agents_deployment_stays_active_until_it_is_stopped() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (t, org, ws) = c.tenant("dep").await;
    let agent = json!({"workspace_id": ws, "name": "a", "agent_type": "chat", "model_id": "m"});
    let (_, agent) = c
        .call("POST", "/api/v1/agents", Some(&t), Some(agent))
        .await;
    let stub = format!("{}/gateway-stub", server.url());
    let gw = json!({"name": "g", "api_url": stub, "api_key": "k"});
    let (_, gw) = c.call("POST", "/api/v1/gateways", Some(&t), Some(gw)).await;
    let body = json!({"agent_id": agent["id"], "gateway_id": gw["id"]});
    let (_, d) = c
        .call("POST", "/api/v1/deployments", Some(&t), Some(body))
        .await;
    let (aid, did) = (agent["id"].as_str().unwrap(), d["id"].as_str().unwrap());

    let (s, _) = c
        .call("DELETE", &format!("/api/v1/agents/{aid}"), Some(&t), None)
        .await;
    assert_eq!(s, 200);
    let api = server.mock().api();
    assert!(
        api.live_resources(&org)
            .contains(&(Kind::Deployment, did.to_string())),
        "archiving the agent must not stop its deployment"
    );

    let (s, stopped) = c
        .call(
            "POST",
            &format!("/api/v1/deployments/{did}/stop"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(
        (s, stopped["status"].as_str()),
        (200, Some("stopped")),
        "{stopped}"
    );
    let (other, _, _) = c.tenant("other").await;
    let (s, _) = c
        .call(
            "POST",
            &format!("/api/v1/deployments/{did}/stop"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, 404, "another tenant's deployment is not found");
    assert!(
        !api.live_resources(&org)
            .iter()
            .any(|(k, _)| *k == Kind::Deployment)
    );
}

#[tokio::test]
async fn gateways_and_workspaces_are_deleted_by_their_tenant_only() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (t, org, ws) = c.tenant("del").await;
    let (other, _, _) = c.tenant("other").await;
    let gw = json!({"name": "g", "api_url": "http://127.0.0.1:9/", "api_key": "k"});
    let (_, gw) = c.call("POST", "/api/v1/gateways", Some(&t), Some(gw)).await;
    let gid = gw["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/gateways/{gid}"),
        format!("/api/v1/workspaces/{ws}"),
    ] {
        let (s, _) = c.call("DELETE", &path, Some(&other), None).await;
        assert_eq!(s, 404, "{path}");
        let (s, body) = c.call("DELETE", &path, Some(&t), None).await;
        assert_eq!(s, 200, "{path}: {body}");
        let (s, _) = c.call("DELETE", &path, Some(&t), None).await;
        assert_eq!(s, 404, "{path} is gone");
    }
    assert!(server.mock().api().live_resources(&org).is_empty());
}

#[tokio::test]
async fn access_tokens_expire_after_their_lifetime_and_a_refresh_gives_a_new_pair() {
    let limits = Limits {
        token_lifetime: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = start(MockConfig {
        limits,
        ..MockConfig::default()
    });
    let c = Client::new(&server);
    let email = format!("exp-{}@example.com", support::uuid_like());
    let (_, reg) = c
        .call(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": email, "password": "Passw0rd!23", "name": "T", "organization_name": "o"})),
        )
        .await;
    assert_eq!(reg["tokens"]["expires_in"], 0, "lifetime in whole seconds");
    let access = reg["tokens"]["access_token"].as_str().unwrap();
    let refresh = reg["tokens"]["refresh_token"].as_str().unwrap();
    let (s, _) = c.call("GET", "/api/v1/auth/me", Some(access), None).await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (s, _) = c.call("GET", "/api/v1/auth/me", Some(access), None).await;
    assert_eq!(s, 401, "an expired token is refused");
    let (s, _) = c.call("GET", "/api/v1/agents", Some(access), None).await;
    assert_eq!(s, 401);
    let (s, pair) = c
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(s, 200, "{pair}");
    let fresh = pair["access_token"].as_str().unwrap();
    let (s, _) = c.call("GET", "/api/v1/auth/me", Some(fresh), None).await;
    assert_eq!(s, 200);
}

#[test]
fn the_default_token_lifetime_is_the_real_servers_900_seconds() {
    assert_eq!(Limits::default().token_lifetime, Duration::from_secs(900));
}

#[test]
fn the_store_stays_bounded_by_evicting_old_tokens_and_archived_objects() {
    let api = Api::new(Limits {
        tokens: 100,
        archived: 10,
        ..Limits::default()
    });
    let call = |method: &str, path: &str, token: Option<&str>, body: serde_json::Value| {
        let header = token.map(|t| format!("Bearer {t}"));
        let bytes = serde_json::to_vec(&body).unwrap();
        let mut req = ApiRequest::new(method, path);
        req.authorization = header.as_deref();
        req.body = &bytes;
        api.handle(&req).json_body()
    };
    let reg = call(
        "POST",
        "/api/v1/auth/register",
        None,
        json!({"email": "b@example.com", "password": "Passw0rd!23", "name": "B", "organization_name": "O"}),
    );
    let token = reg["tokens"]["access_token"].as_str().unwrap().to_string();
    let ws = call(
        "POST",
        "/api/v1/workspaces",
        Some(&token),
        json!({"name": "w"}),
    );
    for i in 0..200 {
        let a = call(
            "POST",
            "/api/v1/agents",
            Some(&token),
            json!({"workspace_id": ws["id"], "name": format!("a{i}"), "agent_type": "chat", "model_id": "m"}),
        );
        call(
            "DELETE",
            &format!("/api/v1/agents/{}", a["id"].as_str().unwrap()),
            Some(&token),
            json!(null),
        );
    }
    assert!(api.sizes().agents <= 10, "{:?}", api.sizes());
    for _ in 0..200 {
        call(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": "b@example.com", "password": "Passw0rd!23"}),
        );
    }
    assert!(api.sizes().tokens <= 100, "{:?}", api.sizes());
}
