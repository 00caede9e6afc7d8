//! Invalid runs: numbers from a generator that could not keep its schedule are not the
//! target's. Such a run is INVALID — not passed, whatever its thresholds say — and says why.

mod common;

use std::time::Duration;

use harness::prelude::*;
use harness::run::Validity;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arrival_rate_far_beyond_the_vus_is_invalid_not_passed() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(50)))
        .mount(&server)
        .await;
    let report = common::quiet("overloaded arrival rate")
        .base_url(server.uri())
        .scenario(Scenario::new(
            "flood",
            ConstantArrivalRate::new(2_000, secs(2)).vus(2, 2),
            |vu| {
                Box::pin(async move {
                    vu.get("/slow").send().await;
                    Ok(())
                })
            },
        ))
        .threshold("http_req_failed", "rate<0.01")
        .threshold("http_req_duration", "p(95)<1000")
        .run()
        .await
        .unwrap();
    // Every threshold holds: only the generator's failure can stop this from passing.
    assert!(report.thresholds.iter().all(|t| t.passed()));
    let why = report.invalid.clone().expect("the run must be invalid");
    assert!(why.starts_with("the load generator fell behind ("), "{why}");
    assert!(why.contains("scheduled iterations dropped"), "{why}");
    assert!(!report.passed());
    let mut text = Vec::new();
    report.write_summary(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(&format!("INVALID: {why}")), "{text}");
    assert_eq!(report.to_json()["invalid"], why.as_str());
}

/// An iteration that blocks its worker thread: it starves the runtime, so the lag probe wakes late.
fn blocking(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        vu.get("/ping").send().await;
        std::thread::sleep(Duration::from_millis(150));
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generator_whose_threads_are_blocked_is_invalid_and_the_limit_is_configurable() {
    let server = common::server_answering(200).await;
    let run = |validity: Validity| {
        common::quiet("blocked generator")
            .base_url(server.uri())
            .validity(validity)
            .scenario(Scenario::new("s", ConstantVus::new(4, secs(2)), blocking))
            .run()
    };
    let report = run(Validity::default()).await.unwrap();
    let why = report.invalid.clone().expect("the run must be invalid");
    assert!(why.contains("generator lag p99"), "{why}");
    let lenient = Validity {
        max_generator_lag_p99: Duration::from_secs(10),
        ..Validity::default()
    };
    let report = run(lenient).await.unwrap();
    assert_eq!(report.invalid, None);
}
