//! End-to-end runs against local HTTP servers started by each test: exact counts, the open
//! model under a stalling server, thresholds that must fail, checks and errors (hooks:
//! `hooks.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use harness::prelude::*;
mod common;

use common::{ping, quiet, server_answering};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_iterations_runs_exactly_n_iterations() {
    let server = MockServer::start().await;
    Mock::given(path("/ping"))
        .respond_with(ResponseTemplate::new(200))
        .expect(137)
        .mount(&server)
        .await;

    let report = quiet("shared")
        .base_url(server.uri())
        .scenario(Scenario::new("s", SharedIterations::new(7, 137), ping))
        .run()
        .await
        .unwrap();

    assert_eq!(report.count("iterations"), 137.0);
    assert_eq!(report.count("http_reqs"), 137.0);
    assert_eq!(
        report.count("http_reqs{name:GET /ping,status:200,method:GET,scenario:s}"),
        137.0
    );
    assert_eq!(report.checks()[0].passes, 137);
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_vu_iterations_runs_each_vus_share() {
    let server = server_answering(200).await;
    let report = quiet("per-vu")
        .base_url(server.uri())
        .scenario(Scenario::new("p", PerVuIterations::new(4, 25), ping))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("iterations"), 100.0);
    assert_eq!(report.value("vus_max", "max"), Some(4.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constant_arrival_rate_at_50_per_second_for_2s_starts_100_iterations() {
    let server = server_answering(200).await;
    let report = quiet("car")
        .base_url(server.uri())
        .scenario(Scenario::new(
            "open",
            ConstantArrivalRate::new(50, secs(2)).vus(5, 20),
            ping,
        ))
        .run()
        .await
        .unwrap();
    let started = report.count("iterations") + report.count("dropped_iterations");
    assert!(
        (98.0..=102.0).contains(&started),
        "started {started} iterations, want 100 ± 2"
    );
    assert_eq!(
        report.count("dropped_iterations"),
        0.0,
        "a fast server needs no drops"
    );
    let lag = report.value("scheduling_lag", "p(95)").unwrap();
    assert!(lag < 50.0, "scheduling lag p95 {lag} ms");
}

/// Freezes for one second, half a second after its first request.
struct Stall {
    first: OnceLock<Instant>,
}

impl Respond for Stall {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let first = *self.first.get_or_init(Instant::now);
        let (from, to) = (
            first + Duration::from_millis(500),
            first + Duration::from_millis(1500),
        );
        let now = Instant::now();
        let delay = if now >= from && now < to {
            to - now
        } else {
            Duration::ZERO
        };
        ResponseTemplate::new(200).set_delay(delay)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalling_server_shows_in_corrected_latency_and_dropped_iterations() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(path("/ping"))
        .respond_with(Stall {
            first: OnceLock::new(),
        })
        .mount(&server)
        .await;

    let report = quiet("stall")
        .base_url(server.uri())
        .scenario(Scenario::new(
            "open",
            ConstantArrivalRate::new(50, secs(2)).vus(2, 4),
            ping,
        ))
        .run()
        .await
        .unwrap();

    let dropped = report.count("dropped_iterations");
    let started = report.count("iterations") + dropped;
    assert!((98.0..=102.0).contains(&started), "started {started}");
    assert!(
        dropped >= 20.0,
        "a 1 s stall at 50/s with 4 VUs must drop iterations, dropped {dropped}"
    );
    let service = report.value("iteration_duration", "p(75)").unwrap();
    let corrected = report
        .value("iteration_duration_corrected", "p(75)")
        .unwrap();
    assert!(
        service < 100.0,
        "service time p75 {service} ms should not show the stall"
    );
    assert!(
        corrected > 200.0,
        "corrected p75 {corrected} ms should show the stall"
    );
    let corrected_max = report.value("iteration_duration_corrected", "max").unwrap();
    assert!(corrected_max > 700.0, "corrected max {corrected_max} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threshold_that_must_fail_fails_the_test() {
    let server = server_answering(500).await;
    let report = quiet("failing")
        .base_url(server.uri())
        .scenario(Scenario::new("s", SharedIterations::new(2, 20), ping))
        .threshold("http_req_failed", "rate<0.01")
        .threshold("http_req_duration", "p(95)<10000")
        .run()
        .await
        .unwrap();

    assert!(!report.passed());
    let failed = report.failed_thresholds();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].selector.to_string(), "http_req_failed");
    assert_eq!(failed[0].observed, Some(1.0));
    let panic = std::panic::catch_unwind(|| report.assert_thresholds()).unwrap_err();
    let text = panic.downcast_ref::<String>().unwrap();
    assert!(text.contains("1 of 2 thresholds failed"), "{text}");
    assert!(
        text.contains("✗ http_req_failed") && text.contains("rate=1"),
        "{text}"
    );
    assert!(text.contains("✓ http_req_duration"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_on_fail_stops_the_run_early_and_teardown_still_runs() {
    let server = server_answering(503).await;
    let torn_down = Arc::new(AtomicUsize::new(0));
    let t = torn_down.clone();
    let started = Instant::now();
    let report = quiet("abort")
        .base_url(server.uri())
        .scenario(Scenario::new("s", ConstantVus::new(2, secs(30)), |vu| {
            Box::pin(async move {
                vu.get("/x").send().await;
                vu.sleep(millis(50)).await;
                Ok(())
            })
        }))
        .threshold(
            "http_req_failed",
            Threshold::new("rate<0.5")
                .abort_on_fail()
                .delay_abort_eval(millis(500)),
        )
        .setup(|_vu| Box::pin(async move { Ok(()) }))
        .teardown(move |_vu, _data: Option<Arc<()>>| {
            Box::pin(async move {
                t.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        })
        .run()
        .await
        .unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the 30 s run should abort within seconds"
    );
    assert!(matches!(
        report.aborted,
        Some(harness::threshold::AbortReason::Threshold { .. })
    ));
    assert_eq!(torn_down.load(Ordering::SeqCst), 1);
    assert!(!report.passed());
}

#[tokio::test]
async fn configuration_errors_are_all_reported_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = quiet("bad")
        .base_url(server.uri())
        .scenario(Scenario::new("s", ConstantVus::new(0, secs(1)), ping))
        .threshold("http_req_duration", "p(101)<5")
        .threshold("http_req_failed", "count!20")
        .threshold("nope", "avg<1")
        .run()
        .await
        .unwrap_err()
        .to_string();
    for fragment in [
        "4 problems",
        "\"p(101)<5\"",
        "\"count!20\"",
        "no metric named \"nope\"",
        "at least 1 VU",
    ] {
        assert!(err.contains(fragment), "{err} lacks {fragment}");
    }
    server.verify().await;
}

const LOGIN_DURATION: Trend = Trend::new("login_duration");
const API_ERRORS: Counter = Counter::new("api_errors");
const SUCCESS_RATE: Rate = Rate::new("success_rate");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_metrics_checks_and_groups_are_recorded_with_tags() {
    let server = server_answering(201).await;
    let report = quiet("custom")
        .base_url(server.uri())
        .metric(LOGIN_DURATION)
        .metric(API_ERRORS)
        .scenario(Scenario::new("s", SharedIterations::new(2, 10), |vu| {
            Box::pin(async move {
                vu.set_group(Some("login"));
                let res = vu.get("/login").name("GET /login").expect(201).send().await;
                vu.add(&LOGIN_DURATION, res.duration);
                vu.check("status is 201", res.status() == Some(201));
                vu.check("always fails", false);
                vu.add(&API_ERRORS, 2.0);
                vu.add(&SUCCESS_RATE, true);
                Ok(())
            })
        }))
        .threshold("login_duration", "p(95)<5000")
        .threshold("http_req_duration{group:login}", "max<5000")
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("login_duration"), 10.0);
    assert_eq!(report.count("api_errors"), 20.0);
    assert_eq!(report.value("success_rate", "rate"), Some(1.0));
    assert_eq!(
        report.value("http_req_failed{expected_response:true}", "rate"),
        Some(0.0)
    );
    assert_eq!(report.count("http_reqs{group:login,name:GET /login}"), 10.0);
    let checks = report.checks();
    assert_eq!(checks.len(), 2);
    assert_eq!(
        (checks[0].name.as_str(), checks[0].fails),
        ("always fails", 10)
    );
    assert_eq!(
        (checks[1].name.as_str(), checks[1].passes),
        ("status is 201", 10)
    );
    assert!(report.passed());
    let mut text = Vec::new();
    report.write_summary(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("✓ login_duration"), "{text}");
    assert!(text.contains("✗ always fails"), "{text}");
    assert!(
        text.contains("http_req_duration") && text.contains("p(95)="),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_run_concurrently_with_their_own_executors_and_tags() {
    let server = server_answering(200).await;
    let started = Instant::now();
    let report = quiet("multi")
        .base_url(server.uri())
        .scenario(
            Scenario::new("a", ConstantVus::new(2, millis(800)), |vu| {
                Box::pin(async move {
                    vu.get("/a").send().await;
                    vu.sleep(millis(100)).await;
                    Ok(())
                })
            })
            .tag("team", "red"),
        )
        .scenario(Scenario::new("b", SharedIterations::new(1, 5), ping).start_time(millis(200)))
        .run()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "scenarios must overlap"
    );
    assert_eq!(report.count("iterations{scenario:b}"), 5.0);
    assert!(report.count("iterations{scenario:a,team:red}") >= 8.0);
    assert_eq!(report.count("iterations{team:red,scenario:b}"), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ramping_vus_follow_the_stages_and_time_scale_shrinks_them() {
    let server = server_answering(200).await;
    let started = Instant::now();
    let report = Test::new("ramp")
        .time_scale(0.1)
        .base_url(server.uri())
        .scenario(Scenario::new(
            "r",
            RampingVus::new(
                0,
                vec![
                    Stage::new(secs(5), 6),
                    Stage::new(secs(5), 6),
                    Stage::new(secs(5), 0),
                ],
            ),
            |vu| {
                Box::pin(async move {
                    vu.get("/r").send().await;
                    vu.sleep(millis(50)).await;
                    Ok(())
                })
            },
        ))
        .run()
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(6),
        "took {took:?}"
    );
    assert_eq!(report.value("vus_max", "max"), Some(6.0));
    assert!(report.count("iterations") >= 20.0);
    let per_vu_pace = report.value("iteration_duration", "min").unwrap();
    assert!(
        per_vu_pace >= 50.0,
        "think time is not scaled: every iteration keeps its 50 ms pause ({per_vu_pace} ms)"
    );
    assert!(
        report.count("generator_lag") >= 10.0,
        "the lag probe samples every 50 ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_stop_interrupts_iterations_that_run_too_long() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(secs(20)))
        .mount(&server)
        .await;
    let started = Instant::now();
    let report = quiet("grace")
        .base_url(server.uri())
        .scenario(
            Scenario::new("s", ConstantVus::new(2, millis(300)), |vu| {
                Box::pin(async move {
                    vu.get("/slow").send().await;
                    Ok(())
                })
            })
            .graceful_stop(millis(300)),
        )
        .run()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        report.count("iterations"),
        0.0,
        "interrupted iterations are not complete"
    );
}
