//! Teardown leaves the target as it found it, as the real API behaves: objects the ledger never
//! heard of are swept from the test organisations, deployments are stopped (archiving their
//! agent does not), setup's workspaces and gateways are deleted, and a run that outlives the
//! access tokens still cleans up. A failing target is paced like a healthy one.

use std::time::Duration;

use harness::prelude::*;
use loadtests::client::{self, Auth};
use loadtests::fixture::{self, Fixture};
use loadtests::{RunOptions, Suite, data, teardown};
use mock_server::domain::{Limits, RouteKind};
use mock_server::faults::{FaultPlan, Faults};
use mock_server::{MockConfig, RunningMock};

/// Creates, as test user `i`, an agent, a pipeline and an active deployment (with its gateway)
/// that the ledger never hears of: as if their create responses had been cut off.
async fn litter(vu: &mut Vu, f: &Fixture, i: usize, stub: &str) -> Result<(), BoxError> {
    let user = &f.users[i];
    let logged = client::login(vu, &user.email, data::PASSWORD, None).await?;
    let auth = Auth {
        token: &logged.tokens.access_token,
        forwarded_for: None,
    };
    let agent = data::new_agent(vu.rng(), &user.workspace_id, 99, i as u64);
    let agent = client::create_agent(vu, auth, &agent).await?;
    let pipeline = data::new_pipeline(vu.rng(), &user.organization_id, &user.workspace_id, 99, 0);
    client::create_pipeline(vu, auth, &pipeline).await?;
    let gw = client::create_gateway(vu, auth, "lost-gateway", stub).await?;
    let d = client::create_deployment(vu, auth, &agent.id, &gw.id).await?;
    assert_eq!(d.status, "active");
    // Archiving the agent leaves the deployment running, as on the real API.
    client::delete_agent(vu, auth, &agent.id).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_sweeps_objects_the_ledger_never_saw_and_stops_their_deployments() {
    let server = RunningMock::start_default().unwrap();
    let stub = format!("{}/gateway-stub", server.url());
    let report = Test::new("sweep")
        .time_scale(1.0)
        .base_url(server.url())
        .setup(|vu| {
            Box::pin(fixture::setup(
                vu,
                3,
                false,
                harness::segment::Segment::WHOLE,
            ))
        })
        .teardown(|vu, f| Box::pin(teardown::teardown(vu, f)))
        .scenario(Scenario::with_data(
            "lost",
            SharedIterations::new(1, 1),
            move |vu, f: &Fixture| {
                let stub = stub.clone();
                Box::pin(async move {
                    for i in 0..f.users.len() {
                        litter(vu, f, i, &stub).await?;
                    }
                    Ok(())
                })
            },
        ))
        .run()
        .await
        .unwrap();
    assert!(
        report.iteration_errors.is_empty(),
        "{:?}",
        report.iteration_errors
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let api = server.mock().api();
    let orgs = api.organizations();
    assert_eq!(orgs.len(), 3);
    for org in orgs {
        assert_eq!(api.live_resources(&org), vec![], "organisation {org}");
    }
    assert!(
        api.sizes().deployments >= 3,
        "the deployments exist, stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn litter_that_teardown_cannot_remove_fails_the_run_and_is_named() {
    // Every DELETE of an agent fails: teardown must say so, and the run must fail.
    let routes = vec![(
        RouteKind::DeleteAgent,
        Faults::parse_settings("errors:1").unwrap(),
    )];
    let mock = MockConfig {
        faults: FaultPlan {
            global: Faults::default(),
            routes,
        },
        ..MockConfig::default()
    };
    let server = RunningMock::start(
        mock_server::KaizenMock::new(mock),
        "127.0.0.1:0".parse().unwrap(),
        1,
    )
    .unwrap();
    let report = Test::new("stuck")
        .time_scale(1.0)
        .base_url(server.url())
        .setup(|vu| {
            Box::pin(fixture::setup(
                vu,
                1,
                false,
                harness::segment::Segment::WHOLE,
            ))
        })
        .teardown(|vu, f| Box::pin(teardown::teardown(vu, f)))
        .scenario(Scenario::with_data(
            "make",
            SharedIterations::new(1, 1),
            |vu, f: &Fixture| {
                Box::pin(async move {
                    let u = &f.users[0];
                    let logged = client::login(vu, &u.email, data::PASSWORD, None).await?;
                    let auth = Auth {
                        token: &logged.tokens.access_token,
                        forwarded_for: None,
                    };
                    let body = data::new_agent(vu.rng(), &u.workspace_id, 1, 1);
                    client::create_agent(vu, auth, &body).await?;
                    Ok(())
                })
            },
        ))
        .run()
        .await
        .unwrap();
    assert!(!report.passed());
    let problem = report.problems.join("\n");
    assert!(problem.contains("teardown failed"), "{problem}");
    assert!(problem.contains("1 objects left"), "{problem}");
    assert!(problem.contains("agents: ["), "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_longer_than_the_token_lifetime_leaves_nothing_behind() {
    let mock = MockConfig {
        limits: Limits {
            token_lifetime: Duration::from_secs(2),
            ..Limits::default()
        },
        ..MockConfig::default()
    };
    // agents at 1 % of its 16 minutes: about 10 s, five token lifetimes.
    let run = loadtests::run_with(
        Suite::Agents,
        RunOptions {
            mock: Some(mock),
            time_scale: Some(0.01),
            ..RunOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.report.duration > Duration::from_secs(6));
    assert!(run.report.count("iterations") > 0.0);
    assert!(run.report.problems.is_empty(), "{:?}", run.report.problems);
    run.assert_no_litter();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_fails_every_request_gets_the_originals_pace_not_a_hot_loop() {
    let mock = MockConfig {
        faults: FaultPlan {
            global: Faults::default(),
            routes: vec![(
                RouteKind::Login,
                Faults::parse_settings("errors:1").unwrap(),
            )],
        },
        ..MockConfig::default()
    };
    // stress at 0.5 % of its 22 minutes: 6.6 s, up to 3 VUs by the end of its first stage.
    let run = loadtests::run_with(
        Suite::Stress,
        RunOptions {
            mock: Some(mock),
            time_scale: Some(0.005),
            ..RunOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let logins = run.report.count("http_reqs{name:POST /api/v1/auth/login}");
    let iterations = run.report.count("iterations");
    assert!(iterations > 0.0);
    assert_eq!(
        run.report
            .value("http_req_failed{name:POST /api/v1/auth/login}", "rate"),
        Some(1.0)
    );
    // Each failed login is followed by the original's 1–3 s back-off.
    let per_iteration_ms = run.report.value("iteration_duration", "min").unwrap();
    assert!(per_iteration_ms >= 1000.0, "{per_iteration_ms} ms");
    let max_vus = run.report.value("vus_max", "max").unwrap();
    let seconds = run.report.duration.as_secs_f64();
    assert!(
        logins <= max_vus * (seconds + 3.0),
        "{logins} logins from ≤ {max_vus} VUs in {seconds:.1} s: at most one a second each"
    );
    assert!(!run.report.passed());
}

/// A server whose register fails `failures` times with 503 before it answers like the API.
async fn flaky_register(failures: u64) -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    if failures > 0 {
        Mock::given(method("POST"))
            .and(path("/api/v1/auth/register"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(failures)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    let registered = serde_json::json!({
        "user": {"id": "u1", "email": "lt@example.com", "organization_id": "o1"},
        "tokens": {"access_token": "a", "refresh_token": "r"}
    });
    Mock::given(method("POST"))
        .and(path("/api/v1/auth/register"))
        .respond_with(ResponseTemplate::new(201).set_body_json(registered))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workspaces"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "w1", "name": "ws"})),
        )
        .mount(&server)
        .await;
    server
}

async fn setup_against(server: &wiremock::MockServer) -> (Result<(), String>, Duration) {
    let started = std::time::Instant::now();
    let result = Test::new("setup")
        .time_scale(1.0)
        .base_url(server.uri())
        .setup(|vu| {
            Box::pin(fixture::setup(
                vu,
                1,
                false,
                harness::segment::Segment::WHOLE,
            ))
        })
        .scenario(Scenario::new("none", SharedIterations::new(1, 1), |_vu| {
            Box::pin(async { Ok(()) })
        }))
        .run()
        .await;
    // A failed setup ends the run early: its report says why.
    let result = result
        .map_err(|e| e.to_string())
        .and_then(|r| r.ended_early.map_or(Ok(()), |end| Err(end.to_string())));
    (result, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_retries_a_transient_failure_and_waits_as_it_says() {
    let (ok, took) = setup_against(&flaky_register(2).await).await;
    assert_eq!(ok, Ok(()));
    assert!(
        took >= Duration::from_secs(3),
        "waited 1 s then 2 s: {took:?}"
    );

    let (err, took) = setup_against(&flaky_register(u64::MAX).await).await;
    let err = err.unwrap_err();
    assert!(
        err.contains("registering test user 1 of 1: failed 3 times (retried after 1 s, then 2 s)"),
        "{err}"
    );
    assert!(err.contains("status 503"), "{err}");
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(10),
        "{took:?}"
    );
}
