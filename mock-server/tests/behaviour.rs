//! The real API's semantics: tenant isolation, revocation, refresh rotation, pagination bounds,
//! rate limits, tampered tokens, bounded memory, and the wiremock transport.

mod support;

use mock_server::{KaizenMock, KaizenResponder, MockConfig};
use serde_json::json;
use support::{Client, start};

#[tokio::test]
async fn one_tenant_can_never_read_change_or_delete_anothers_resources() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (alice, alice_org, alice_ws) = c.tenant("alice").await;
    let (bob, bob_org, bob_ws) = c.tenant("bob").await;

    let (s, agent) = c
        .call("POST", "/api/v1/agents", Some(&alice), Some(json!({"workspace_id": alice_ws, "name": "a", "agent_type": "chat", "model_id": "m"})))
        .await;
    assert_eq!(s, 201);
    let agent_path = format!("/api/v1/agents/{}", agent["id"].as_str().unwrap());
    let (s, pipe) = c
        .call("POST", "/api/v1/pipelines", Some(&alice), Some(json!({"organization_id": alice_org, "workspace_id": alice_ws, "name": "p", "pattern": "sequential"})))
        .await;
    assert_eq!(s, 200);
    let pipe_path = format!("/api/v1/pipelines/{}", pipe["data"]["id"].as_str().unwrap());

    for path in [&agent_path, &pipe_path] {
        assert_eq!(
            c.call("GET", path, Some(&bob), None).await.0,
            404,
            "bob reads {path}"
        );
        assert_eq!(
            c.call("PUT", path, Some(&bob), Some(json!({"name": "pwned"})))
                .await
                .0,
            404,
            "bob changes {path}"
        );
        assert_eq!(
            c.call("DELETE", path, Some(&bob), None).await.0,
            404,
            "bob deletes {path}"
        );
    }
    let (_, list) = c.call("GET", "/api/v1/agents", Some(&bob), None).await;
    assert_eq!(list["total"], 0);
    let (_, list) = c
        .call(
            "GET",
            &format!("/api/v1/pipelines?organization_id={alice_org}"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(list["data"], json!([]), "bob lists alice's org");
    let (s, _) = c
        .call("POST", "/api/v1/agents", Some(&bob), Some(json!({"workspace_id": alice_ws, "name": "x", "agent_type": "chat", "model_id": "m"})))
        .await;
    assert_eq!(s, 404, "bob creates in alice's workspace");
    let (s, _) = c
        .call("POST", "/api/v1/pipelines", Some(&bob), Some(json!({"organization_id": alice_org, "workspace_id": bob_ws, "name": "p", "pattern": "sequential"})))
        .await;
    assert_eq!(s, 403, "bob creates in alice's org");
    // Alice's agent is untouched.
    let (s, a) = c.call("GET", &agent_path, Some(&alice), None).await;
    assert_eq!(
        (s, a["name"].as_str(), a["status"].as_str()),
        (200, Some("a"), Some("draft"))
    );
    assert_ne!(alice_org, bob_org);
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_the_refresh_token_in_its_body() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (s, reg) = c
        .call("POST", "/api/v1/auth/register", None, Some(json!({"email": "r@example.com", "password": "Passw0rd!23", "name": "R", "organization_name": "O"})))
        .await;
    assert_eq!(s, 201);
    let (access, refresh) = (
        reg["tokens"]["access_token"].as_str().unwrap(),
        reg["tokens"]["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(
        c.call("GET", "/api/v1/auth/me", Some(access), None).await.0,
        200
    );
    let (s, m) = c
        .call(
            "POST",
            "/api/v1/auth/logout",
            Some(access),
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(
        (s, m["message"].as_str()),
        (200, Some("Successfully logged out"))
    );
    assert_eq!(
        c.call("GET", "/api/v1/auth/me", Some(access), None).await.0,
        401
    );
    assert_eq!(
        c.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh}))
        )
        .await
        .0,
        401
    );
    // Logout does not validate its token, needs the header, and needs a body.
    assert_eq!(
        c.call("POST", "/api/v1/auth/logout", Some(access), Some(json!({})))
            .await
            .0,
        200
    );
    assert_eq!(
        c.call("POST", "/api/v1/auth/logout", None, Some(json!({})))
            .await
            .0,
        401
    );
    assert_eq!(
        c.call("POST", "/api/v1/auth/logout", Some(access), None)
            .await
            .0,
        422
    );
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_keeps_the_old_access_token() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    c.call("POST", "/api/v1/auth/register", None, Some(json!({"email": "f@example.com", "password": "Passw0rd!23", "name": "F", "organization_name": "O"}))).await;
    let (s, login) = c
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "f@example.com", "password": "Passw0rd!23"})),
        )
        .await;
    assert_eq!(s, 200);
    let (old_access, old_refresh) = (
        login["access_token"].as_str().unwrap(),
        login["refresh_token"].as_str().unwrap(),
    );
    let (s, fresh) = c
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old_refresh})),
        )
        .await;
    assert_eq!(s, 200);
    assert_ne!(fresh["refresh_token"].as_str().unwrap(), old_refresh);
    assert_eq!(
        c.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old_refresh}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        c.call("GET", "/api/v1/auth/me", Some(old_access), None)
            .await
            .0,
        200
    );
    assert_eq!(
        c.call(
            "GET",
            "/api/v1/auth/me",
            fresh["access_token"].as_str(),
            None
        )
        .await
        .0,
        200
    );
    let (s, e) = c
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "f@example.com", "password": "wrong-password"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
}

#[tokio::test]
async fn tampered_or_guessed_tokens_get_401() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (token, _, _) = c.tenant("t").await;
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        c.call("GET", "/api/v1/auth/me", Some(&tampered), None)
            .await
            .0,
        401
    );
    assert_eq!(
        c.call("GET", "/api/v1/agents", Some("ks_at_0"), None)
            .await
            .0,
        401
    );
    assert!(token.len() >= 64, "tokens carry 256 random bits");
}

#[tokio::test]
async fn pagination_is_bounded_and_total_counts_the_page() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (t, _, ws) = c.tenant("p").await;
    for i in 0..5 {
        let (s, _) = c
            .call("POST", "/api/v1/agents", Some(&t), Some(json!({"workspace_id": ws, "name": format!("a{i}"), "agent_type": "task", "model_id": "m"})))
            .await;
        assert_eq!(s, 201);
    }
    let (_, page) = c
        .call("GET", "/api/v1/agents?limit=2&offset=1", Some(&t), None)
        .await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["records"][0]["name"], "a3", "newest first");
    for (q, field) in [
        ("limit=101", "query.limit"),
        ("limit=0", "query.limit"),
        ("offset=-1", "query.offset"),
        ("limit=x", "query.limit"),
    ] {
        let (s, e) = c
            .call("GET", &format!("/api/v1/agents?{q}"), Some(&t), None)
            .await;
        assert_eq!(s, 422, "{q}");
        assert_eq!(e["error"]["details"]["errors"][0]["field"], field, "{q}");
    }
    assert_eq!(
        c.call("GET", "/api/v1/agents?limit=100", Some(&t), None)
            .await
            .0,
        200
    );
    let (s, e) = c.call("GET", "/api/v1/pipelines", Some(&t), None).await;
    assert_eq!(
        (s, &e["error"]["details"]["errors"][0]["field"]),
        (422, &json!("query.organization_id"))
    );
}

#[tokio::test]
async fn auth_rate_limits_apply_per_client_ip_only_when_switched_on() {
    let server = start(MockConfig {
        rate_limits: true,
        ..MockConfig::default()
    });
    let http = reqwest::Client::new();
    let login = |ip: &'static str| {
        http.post(format!("{}/api/v1/auth/login", server.url()))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": "nobody@example.com", "password": "x"}))
            .send()
    };
    for _ in 0..10 {
        assert_eq!(login("10.0.0.1").await.unwrap().status(), 401);
    }
    let limited = login("10.0.0.1").await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.headers()["x-ratelimit-limit"], "10");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "rate_limit_exceeded");
    assert_eq!(
        login("10.0.0.2").await.unwrap().status(),
        401,
        "another client has its own budget"
    );

    server.mock().api().set_rate_limits(false);
    assert_eq!(login("10.0.0.1").await.unwrap().status(), 401, "limits off");
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404_and_bad_bodies_422_with_details() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (t, _, ws) = c.tenant("e").await;
    assert_eq!(
        c.call(
            "GET",
            "/api/v1/agents/00000000-0000-0000-0000-000000000000",
            Some(&t),
            None
        )
        .await
        .0,
        404
    );
    let (s, e) = c.call("GET", "/api/v1/metrics", Some(&t), None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
    let (s, e) = c
        .call(
            "POST",
            "/api/v1/agents",
            Some(&t),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = e["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["body.workspace_id", "body.agent_type", "body.model_id"]
    );
    let (_, a) = c
        .call(
            "POST",
            "/api/v1/agents",
            Some(&t),
            Some(json!({"workspace_id": ws, "name": "x", "agent_type": "chat", "model_id": "m"})),
        )
        .await;
    let path = format!("/api/v1/agents/{}", a["id"].as_str().unwrap());
    assert_eq!(c.call("PUT", &path, Some(&t), Some(json!({}))).await.0, 400);
    assert_eq!(c.call("DELETE", &path, Some(&t), None).await.0, 200);
    let (s, a) = c.call("GET", &path, Some(&t), None).await;
    assert_eq!(
        (s, a["status"].as_str()),
        (200, Some("archived")),
        "soft delete"
    );
    let (s, _) = c
        .call("POST", "/api/v1/auth/register", None, Some(json!({"email": "x@example.com", "password": "short", "name": "n", "organization_name": "o"})))
        .await;
    assert_eq!(s, 422, "password under 8 characters");
}

#[tokio::test]
async fn deployments_need_agent_and_gateway_and_report_unreachable_gateways() {
    let server = start(MockConfig::default());
    let c = Client::new(&server);
    let (t, _, ws) = c.tenant("d").await;
    let (_, agent) = c
        .call(
            "POST",
            "/api/v1/agents",
            Some(&t),
            Some(json!({"workspace_id": ws, "name": "x", "agent_type": "chat", "model_id": "m"})),
        )
        .await;
    let stub = format!("{}/gateway-stub", server.url());
    let (s, gw) = c
        .call(
            "POST",
            "/api/v1/gateways",
            Some(&t),
            Some(json!({"name": "g", "api_url": stub, "api_key": "k"})),
        )
        .await;
    assert_eq!((s, gw["status"].as_str()), (200, Some("active")));
    let body = json!({"agent_id": agent["id"], "gateway_id": gw["id"]});
    let (s, d) = c
        .call("POST", "/api/v1/deployments", Some(&t), Some(body))
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("active")), "{d}");
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, gw2) = c
        .call("POST", "/api/v1/gateways", Some(&t), Some(json!({"name": "dead", "api_url": format!("http://127.0.0.1:{dead}"), "api_key": "k"})))
        .await;
    let (s, d2) = c
        .call(
            "POST",
            "/api/v1/deployments",
            Some(&t),
            Some(json!({"agent_id": agent["id"], "gateway_id": gw2["id"]})),
        )
        .await;
    assert_eq!((s, d2["status"].as_str()), (200, Some("failed")));
    assert_eq!(
        c.call(
            "POST",
            "/api/v1/deployments",
            Some(&t),
            Some(json!({"agent_id": agent["id"], "gateway_id": "nope"}))
        )
        .await
        .0,
        500
    );
    assert_eq!(
        c.call("POST", "/api/v1/deployments", Some(&t), Some(json!({})))
            .await
            .0,
        422
    );
    let (_, list) = c.call("GET", "/api/v1/deployments", Some(&t), None).await;
    assert_eq!(list["deployments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_api_mounts_on_wiremock_with_expectations() {
    let server = wiremock::MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let mock = KaizenMock::new(MockConfig::default());
    wiremock::Mock::given(wiremock::matchers::path("/health"))
        .respond_with(KaizenResponder::new(mock.clone()))
        .expect(2)
        .mount(&server)
        .await;
    KaizenResponder::new(mock.clone()).mount_on(&server).await;
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let health: serde_json::Value = http
            .get(format!("{}/health", server.uri()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "healthy");
    }
    let reg = http
        .post(format!("{}/api/v1/auth/register", server.uri()))
        .json(&json!({"email": "w@example.com", "password": "Passw0rd!23", "name": "W", "organization_name": "O"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reg.status(), 201);
    assert_eq!(
        mock.api().sizes().users,
        1,
        "state lives in the shared mock"
    );
    server.verify().await;
}
