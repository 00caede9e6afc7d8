//! A test run as three segments, side by side against one server: together they do exactly
//! what the whole test does, with disjoint VU ids, and a capacity search is refused.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{quiet, server_answering};
use harness::prelude::*;
use harness::segment::Segment;

/// Runs `executor` once per segment of `split`, concurrently; the reports and every VU id seen.
async fn run_split(
    url: &str,
    executor: impl Into<Executor> + Clone,
    split: &[&str],
) -> (Vec<Report>, Vec<BTreeSet<u64>>) {
    let mut runs = Vec::new();
    for s in split {
        let segment = Segment::parse(s).unwrap();
        let ids = Arc::new(Mutex::new(BTreeSet::new()));
        let seen = ids.clone();
        let test = quiet("split")
            .base_url(url)
            .segment(segment)
            .scenario(Scenario::new("s", executor.clone(), move |vu| {
                let seen = seen.clone();
                Box::pin(async move {
                    seen.lock().unwrap().insert(vu.id());
                    vu.get("/").send().await;
                    Ok(())
                })
            }));
        runs.push(async move { (test.run().await.unwrap(), ids) });
    }
    let done = futures::future::join_all(runs).await;
    let ids = done
        .iter()
        .map(|(_, i)| i.lock().unwrap().clone())
        .collect();
    (done.into_iter().map(|(r, _)| r).collect(), ids)
}

#[tokio::test]
async fn three_segments_of_shared_iterations_do_exactly_the_configured_count() {
    let server = server_answering(200).await;
    for split in [
        &["0/3", "1/3", "2/3"][..],
        &["0:1/4", "1/4:1/2", "1/2:1"][..],
    ] {
        let (reports, ids) = run_split(&server.uri(), SharedIterations::new(7, 1_001), split).await;
        let total: f64 = reports.iter().map(|r| r.count("iterations")).sum();
        assert_eq!(total, 1_001.0, "{split:?}");
        let requests: f64 = reports.iter().map(|r| r.count("http_reqs")).sum();
        assert_eq!(requests, 1_001.0, "{split:?}");
        let all: BTreeSet<u64> = ids.iter().flatten().copied().collect();
        assert_eq!(
            all.len(),
            ids.iter().map(BTreeSet::len).sum::<usize>(),
            "{split:?}: VU ids shared between segments: {ids:?}"
        );
    }
}

#[tokio::test]
async fn per_vu_iterations_split_their_vus_and_keep_each_vus_iterations() {
    let server = server_answering(200).await;
    let (reports, ids) = run_split(
        &server.uri(),
        PerVuIterations::new(5, 4),
        &["0/3", "1/3", "2/3"],
    )
    .await;
    let counts: Vec<f64> = reports.iter().map(|r| r.count("iterations")).collect();
    assert_eq!(counts, vec![8.0, 8.0, 4.0]);
    // The whole run's VU numbers 1..=5, each in one segment.
    let all: BTreeSet<u64> = ids.iter().flatten().copied().collect();
    assert_eq!(all, (1..=5).collect());
}

#[tokio::test]
async fn a_capacity_search_in_a_segment_is_refused_before_any_load() {
    let err = quiet("search")
        .base_url("http://127.0.0.1:9")
        .segment(Segment::parse("0/2").unwrap())
        .scenario(Scenario::new(
            "s",
            CapacitySearch::new(10, 10, 100, 200.0),
            common::ping,
        ))
        .run()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot run in segments"), "{err}");
}

#[test]
fn the_segments_of_one_test_share_its_fingerprint_and_another_plan_does_not() {
    let test = |segment: &str, p95: &str| {
        quiet("f")
            .base_url("http://127.0.0.1:9")
            .segment(Segment::parse(segment).unwrap())
            .scenario(Scenario::new(
                "s",
                ConstantVus::new(5, secs(10)),
                common::ping,
            ))
            .threshold("http_req_duration", p95)
            .validate()
            .unwrap()
            .fingerprint
    };
    assert_eq!(test("0/3", "p(95)<200"), test("2/3", "p(95)<200"));
    assert_ne!(test("0/3", "p(95)<200"), test("0/3", "p(95)<300"));
}

#[tokio::test]
async fn an_instance_waits_for_the_common_start_and_refuses_to_run_when_too_late() {
    let server = server_answering(200).await;
    let at = std::time::SystemTime::now() + Duration::from_millis(800);
    let on_time = quiet("start")
        .base_url(server.uri())
        .start_at(at, Duration::from_secs(5))
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), common::ping))
        .run()
        .await
        .unwrap();
    assert!(on_time.ended_early.is_none());
    assert!(std::time::SystemTime::now() >= at);
    assert!(on_time.scenarios[0].start >= Duration::from_millis(700));

    let late = quiet("start")
        .base_url(server.uri())
        .start_at(
            std::time::SystemTime::now() - Duration::from_secs(5),
            Duration::from_secs(1),
        )
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), common::ping))
        .run()
        .await
        .unwrap();
    let end = late.ended_early.as_ref().expect("refused");
    assert_eq!(end.phase, harness::run::Phase::Start);
    assert!(end.reason.contains("tolerance"), "{}", end.reason);
    assert_eq!(late.count("http_reqs"), 0.0);
    assert!(!late.passed());
}
