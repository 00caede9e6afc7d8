//! Setup and teardown hooks: setup's value reaches every VU typed, VU state is private per VU
//! and per type, and a failing or panicking setup ends the test before any load.

use std::sync::{Arc, Mutex};

use harness::prelude::*;
mod common;

use common::{ping, quiet};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug)]
struct Seed {
    token: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_data_reaches_every_vu_typed_and_vu_state_is_private_per_type() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(path("/setup"))
        .respond_with(ResponseTemplate::new(200).set_body_string("tok-123"))
        .mount(&server)
        .await;
    Mock::given(path("/work"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let report = quiet("hooks")
        .base_url(server.uri())
        .setup(|vu| {
            Box::pin(async move {
                let res = vu.get("/setup").send().await;
                Ok(Seed { token: res.text() })
            })
        })
        .scenario(Scenario::with_data(
            "s",
            PerVuIterations::new(3, 4),
            move |vu, seed: &Seed| {
                let seen = s2.clone();
                Box::pin(async move {
                    let count: &mut u32 = vu.state();
                    *count += 1;
                    let n = *count;
                    // A second state type lives beside the first.
                    let it = vu.iteration();
                    vu.state::<Vec<u64>>().push(it);
                    assert_eq!(vu.state::<Vec<u64>>().len() as u32, n);
                    vu.get("/work").bearer(&seed.token).send().await;
                    seen.lock().unwrap().push((vu.id(), n, seed.token.clone()));
                    Ok(())
                })
            },
        ))
        .run()
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 12);
    assert!(seen.iter().all(|(_, _, t)| t == "tok-123"));
    for id in 1..=3 {
        let mut counts: Vec<u32> = seen
            .iter()
            .filter(|(v, _, _)| *v == id)
            .map(|(_, n, _)| *n)
            .collect();
        counts.sort();
        assert_eq!(
            counts,
            vec![1, 2, 3, 4],
            "VU {id} counts its own iterations"
        );
    }
    assert_eq!(report.count("http_reqs{group:::setup}"), 1.0);
}

#[tokio::test]
async fn a_failing_setup_stops_the_test_before_load() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let report = quiet("setup-fails")
        .base_url(server.uri())
        .setup(|_vu| Box::pin(async move { Err::<(), BoxError>("no test user".into()) }))
        .scenario(Scenario::new("s", SharedIterations::new(1, 5), ping))
        .threshold("http_req_duration", "p(95)<100")
        .run()
        .await
        .unwrap();
    let end = report.ended_early.as_ref().expect("the run ended early");
    assert_eq!(end.phase, harness::run::Phase::Setup);
    assert_eq!(end.reason, "setup failed: no test user");
    assert!(!report.passed());
    assert!(
        report.thresholds.is_empty(),
        "no load, no threshold judged: {:?}",
        report.thresholds
    );
    assert_eq!(report.scenarios[0].iterations, 0);
    server.verify().await;
}

#[tokio::test]
async fn a_panicking_setup_ends_the_run_in_setup_with_its_message() {
    let report = quiet("setup-panics")
        .setup(|_vu| {
            Box::pin(async move {
                let users: Vec<u32> = Vec::new();
                assert!(!users.is_empty(), "fixture bug: no users");
                Ok(())
            })
        })
        .scenario(Scenario::new("s", SharedIterations::new(1, 5), |_vu| {
            Box::pin(async move { Ok(()) })
        }))
        .run()
        .await
        .unwrap();
    let end = report.ended_early.as_ref().expect("the run ended early");
    assert_eq!(end.phase, harness::run::Phase::Setup);
    assert_eq!(end.reason, "setup failed: panicked: fixture bug: no users");
    assert_eq!(report.exit_code(), 107);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_start_times_count_from_the_end_of_setup_so_a_slow_setup_shortens_no_stage() {
    let report = quiet("slow setup")
        .setup(|_vu| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Ok::<(), BoxError>(())
            })
        })
        .scenario(Scenario::new("s", ConstantVus::new(1, secs(2)), |vu| {
            Box::pin(async move {
                vu.sleep(millis(100)).await;
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    let s = &report.scenarios[0];
    assert!(s.start >= Duration::from_millis(1500), "{:?}", s.start);
    // About 20 iterations of 100 ms in its 2 s; a scenario clock started before setup would
    // have left it half a second, about 5.
    let iterations = report.count("iterations");
    assert!(iterations >= 15.0, "{iterations}");
}
