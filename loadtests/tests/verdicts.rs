//! The suites fail, with the readable threshold table, when the mock injects latency or errors
//! beyond their thresholds — one test per kind of threshold — and teardown still cleans up after
//! an `abort_on_fail` abort.

use std::time::Duration;

use harness::prelude::*;
use harness::threshold::AbortReason;
use loadtests::{RunOptions, Suite, SuiteRun};
use mock_server::MockConfig;
use mock_server::faults::{FaultPlan, Faults, Latency};

fn routes(overrides: &[(&str, &str)]) -> MockConfig {
    let routes = overrides
        .iter()
        .map(|(r, s)| (r.parse().unwrap(), Faults::parse_settings(s).unwrap()))
        .collect();
    MockConfig {
        faults: FaultPlan {
            global: Faults::default(),
            routes,
        },
        ..MockConfig::default()
    }
}

async fn run(suite: Suite, mock: MockConfig, scale: f64) -> SuiteRun {
    loadtests::run_with(
        suite,
        RunOptions {
            mock: Some(mock),
            time_scale: Some(scale),
            ..RunOptions::default()
        },
    )
    .await
    .expect("valid suite")
}

fn failed(run: &SuiteRun) -> Vec<String> {
    run.report
        .failed_thresholds()
        .iter()
        .map(|t| format!("{} {}", t.selector, t.expression))
        .collect()
}

/// The panic message of `assert_thresholds`, which must name the breached threshold.
fn table(run: &SuiteRun) -> String {
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run.report.assert_thresholds()
    }))
    .expect_err("thresholds must fail");
    panic.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_beyond_the_duration_trend_threshold_fails_the_smoke_suite() {
    let mock = MockConfig {
        faults: FaultPlan {
            global: Faults {
                latency: Some(Latency::Fixed(Duration::from_millis(550))),
                ..Faults::default()
            },
            routes: vec![],
        },
        ..MockConfig::default()
    };
    let run = run(Suite::Smoke, mock, 0.1).await;
    assert!(
        failed(&run).contains(&"http_req_duration p(95)<500".to_string()),
        "{:?}",
        failed(&run)
    );
    let text = table(&run);
    assert!(
        text.contains("✗ http_req_duration") && text.contains("p(95)="),
        "{text}"
    );
    run.assert_no_litter();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_beyond_the_failure_rate_threshold_fail_the_smoke_suite() {
    let run = run(
        Suite::Smoke,
        routes(&[("GET /api/v1/agents", "errors:1")]),
        0.1,
    )
    .await;
    let f = failed(&run);
    assert!(
        f.contains(&"http_req_failed rate<0.05".to_string()),
        "{f:?}"
    );
    assert!(f.contains(&"success_rate rate>0.95".to_string()), "{f:?}");
    assert!(table(&run).contains("✗ http_req_failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_login_fails_the_custom_login_duration_threshold() {
    let run = run(
        Suite::Smoke,
        routes(&[("POST /api/v1/auth/login", "latency:400ms")]),
        0.1,
    )
    .await;
    let f = failed(&run);
    assert!(f.contains(&"login_duration p(95)<300".to_string()), "{f:?}");
    let observed = run.report.value("login_duration", "p(95)").unwrap();
    assert!(observed >= 400.0, "login p95 {observed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_beyond_their_count_fail_the_agents_suite() {
    // Every create fails: 30 % of iterations, about a hundred at 2 % of the 16 minutes.
    let run = run(
        Suite::Agents,
        routes(&[("POST /api/v1/agents", "errors:1")]),
        0.02,
    )
    .await;
    let f = failed(&run);
    assert!(f.contains(&"api_errors count<50".to_string()), "{f:?}");
    assert!(run.report.count("api_errors") >= 50.0);
    run.assert_no_litter();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abort_on_fail_threshold_stops_the_agents_suite_and_teardown_still_cleans_up() {
    let options = RunOptions {
        // Reads after create and update fail half the time; teardown's own calls do not.
        mock: Some(routes(&[("GET /api/v1/agents/{id}", "errors:0.5")])),
        time_scale: Some(0.05),
        extra_thresholds: vec![(
            "http_req_failed".into(),
            Threshold::new("rate<0.01")
                .abort_on_fail()
                .delay_abort_eval(Duration::from_secs(2)),
        )],
        ..RunOptions::default()
    };
    let started = std::time::Instant::now();
    let run = loadtests::run_with(Suite::Agents, options).await.unwrap();
    assert!(
        matches!(run.report.aborted, Some(AbortReason::Threshold { .. })),
        "{:?}",
        run.report.aborted
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the 48 s run should stop early, took {:?}",
        started.elapsed()
    );
    assert!(
        run.report.count("http_reqs{name:POST /api/v1/agents}") > 0.0,
        "agents were created before the abort"
    );
    assert!(run.report.problems.is_empty(), "{:?}", run.report.problems);
    run.assert_no_litter();
}

fn rate_limited(rotate: bool, scale: f64) -> RunOptions {
    RunOptions {
        mock: Some(MockConfig {
            rate_limits: true,
            ..MockConfig::default()
        }),
        distinct_forwarded_for: Some(rotate),
        time_scale: Some(scale),
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_server_limiting_auth_per_address_an_address_per_iteration_meets_no_429() {
    let run = loadtests::run_with(Suite::Auth, rate_limited(true, 0.05))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.report.count("http_reqs{name:POST /api/v1/auth/login}") > 20.0);
    assert_eq!(run.report.count("rate_limited"), 0.0);
    run.report.assert_thresholds();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_address_per_iteration_the_same_server_answers_429() {
    // auth logs in dozens of times in its 12 s: from one address, far past 10 a minute, even
    // when the run straddles the turn of a minute.
    let run = loadtests::run_with(Suite::Auth, rate_limited(false, 0.05))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.report.count("rate_limited") > 0.0);
}
