//! The client against the mock: 429s are their own outcome and the VU waits out `Retry-After`
//! instead of hammering; `base_url` (like `BASE_URL`) targets a server the test did not start.

use std::time::{Duration, Instant};

use harness::prelude::*;
use loadtests::client::{self, ApiError};
use loadtests::{RunOptions, Suite};
use mock_server::{KaizenMock, MockConfig, RunningMock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_counted_as_rate_limited_and_the_vu_waits_instead_of_hammering() {
    let mock = KaizenMock::new(MockConfig {
        rate_limits: true,
        ..MockConfig::default()
    });
    let server = RunningMock::start(mock, "127.0.0.1:0".parse().unwrap(), 1).unwrap();
    let started = Instant::now();
    let report = Test::new("429")
        .time_scale(1.0)
        .base_url(server.url())
        .scenario(
            Scenario::new(
                "login",
                PerVuIterations::new(1, 1).max_duration(secs(2)),
                |vu| {
                    Box::pin(async move {
                        for _ in 0..20 {
                            if let Err(ApiError::RateLimited { .. }) =
                                client::login(vu, "nobody@example.com", "x", None).await
                            {
                                break;
                            }
                        }
                        Ok(())
                    })
                },
            )
            .graceful_stop(Duration::ZERO),
        )
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("rate_limited"), 1.0);
    assert_eq!(
        report.count("http_reqs"),
        11.0,
        "ten logins in budget, one 429, then waiting"
    );
    assert_eq!(
        report.count("auth_errors"),
        10.0,
        "wrong passwords are auth errors; the 429 is not"
    );
    assert!(started.elapsed() >= Duration::from_secs(2) || report.count("iterations") == 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_url_targets_a_server_the_run_did_not_start() {
    let server = RunningMock::start_default().unwrap();
    let options = RunOptions {
        base_url: Some(server.url()),
        time_scale: Some(0.05),
        ..RunOptions::default()
    };
    let run = loadtests::run_with(Suite::Smoke, options).await.unwrap();
    assert!(
        run.mock.is_none(),
        "no embedded mock when a base URL is given"
    );
    assert!(
        server.mock().api().sizes().users >= 2,
        "setup and the VUs registered on that server"
    );
    run.report.assert_thresholds();
}
