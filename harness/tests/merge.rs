//! The exact merge: a test run as three segments against one server, each part's summary.json
//! merged back into one report whose every figure comes from the combined data.

mod common;

use std::time::Duration;

use common::quiet;
use harness::metrics::decode_histogram;
use harness::prelude::*;
use harness::report::RunInfo;
use harness::report::merge::{Part, merge};
use harness::segment::Segment;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose `/slow` answers after 200 ms and `/fast` at once.
async fn server() -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fast"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// The test, as the instance of `segment` runs it: 7 VUs share 301 iterations; VU 1 (in
/// segment 0/3 only) asks for `/slow`, the others for `/fast`.
fn test(url: &str, segment: &str) -> Test {
    test_of(url, segment, SharedIterations::new(7, 301).into())
}

fn test_of(url: &str, segment: &str, executor: Executor) -> Test {
    quiet("merge")
        .base_url(url)
        .segment(Segment::parse(segment).unwrap())
        .scenario(Scenario::new("s", executor, |vu| {
            Box::pin(async move {
                let p = if vu.id() == 1 { "/slow" } else { "/fast" };
                vu.get(p).name("GET").send().await;
                Ok(())
            })
        }))
        .threshold("http_reqs", "count<200")
        .threshold("http_req_duration", "p(95)<1000")
}

async fn parts(url: &str, split: &[&str]) -> Vec<Part> {
    parts_of(url, split, SharedIterations::new(7, 301).into()).await
}

async fn parts_of(url: &str, split: &[&str], executor: Executor) -> Vec<Part> {
    let runs = split
        .iter()
        .map(|s| test_of(url, s, executor.clone()).run());
    let reports = futures::future::join_all(runs).await;
    reports
        .into_iter()
        .zip(split)
        .map(|(r, s)| {
            let r = r.unwrap();
            assert!(
                r.passed(),
                "segment {s} alone passes: {:?}",
                r.failed_thresholds()
            );
            let json = serde_json::to_string(&r.summary(&RunInfo::default())).unwrap();
            Part::parse(format!("part {s}"), &json).unwrap()
        })
        .collect()
}

fn p(report: &Report, q: &str) -> f64 {
    report.value("http_req_duration", q).unwrap()
}

#[tokio::test]
async fn three_segments_merge_into_the_whole_runs_counts_percentiles_and_verdicts() {
    let server = server().await;
    let split = ["0/3", "1/3", "2/3"];
    let parts = parts(&server.uri(), &split).await;
    let merged = merge(&parts, false).unwrap();

    // Counts: the configured total exactly, and the sums of the parts.
    assert_eq!(merged.count("iterations"), 301.0);
    assert_eq!(merged.count("http_reqs"), 301.0);
    assert_eq!(merged.scenarios[0].iterations, 301);

    // Percentiles: those of the union of the parts' histograms, decoded from their files.
    let mut union: Option<hdrhistogram::Histogram<u64>> = None;
    for part in &parts {
        let json: serde_json::Value = serde_json::to_value(
            &part.summary.segment.as_ref().unwrap().store.metrics["http_req_duration"].sinks,
        )
        .unwrap();
        for sink in json.as_array().unwrap() {
            let h = decode_histogram(sink["hdr"].as_str().unwrap()).unwrap();
            match &mut union {
                Some(u) => u.add(&h).unwrap(),
                None => union = Some(h),
            }
        }
    }
    let union = union.unwrap();
    for (q, quantile) in [("p(95)", 0.95), ("p(99)", 0.99)] {
        let want = union.value_at_quantile(quantile) as f64 / 1000.0;
        let got = p(&merged, q);
        assert!(
            (got - want).abs() <= 0.001 * want.max(1.0),
            "{q}: {got} vs {want}"
        );
    }

    // Every segment passed `http_reqs count<200` alone; the whole run did not.
    let failed: Vec<String> = merged
        .failed_thresholds()
        .iter()
        .map(|t| format!("{} {}", t.selector, t.expression))
        .collect();
    assert_eq!(failed, vec!["http_reqs count<200".to_string()]);
    assert!(!merged.passed());
    let m = merged.merged.as_ref().unwrap();
    assert_eq!(m.parts.len(), 3);
    assert!(m.parts.iter().all(|p| p.passed) && !m.partial());
}

#[tokio::test]
async fn a_missing_segment_is_refused_unless_partial_and_a_partial_merge_never_passes() {
    let server = server().await;
    let parts = parts(&server.uri(), &["0/3", "2/3"]).await;
    let err = merge(&parts, false).unwrap_err();
    assert!(
        err.contains("no data for 1/3") && err.contains("--partial"),
        "{err}"
    );
    let partial = merge(&parts, true).unwrap();
    assert!(!partial.passed());
    assert!(partial.merged.as_ref().unwrap().partial());
    assert!(
        partial
            .split_notes()
            .iter()
            .any(|n| n.starts_with("PARTIAL")),
        "{:?}",
        partial.split_notes()
    );
}

#[tokio::test]
async fn overlapping_or_mismatched_segments_are_refused_with_a_sentence() {
    let server = server().await;
    let twice = parts(&server.uri(), &["0/3", "1/3", "1/3", "2/3"]).await;
    let err = merge(&twice, false).unwrap_err();
    assert!(err.contains("overlap") && err.contains("1/3"), "{err}");
    let ranges = parts(&server.uri(), &["0:1/2", "1/3:1"]).await;
    let err = merge(&ranges, false).unwrap_err();
    assert!(err.contains("overlap"), "{err}");
    let mixed = parts(&server.uri(), &["0/2", "1/2:1"]).await;
    let err = merge(&mixed, false).unwrap_err();
    assert!(err.contains("mix"), "{err}");
    // A part of another plan (another threshold) is refused by its fingerprint.
    let mut other = parts(&server.uri(), &["0/2", "1/2"]).await;
    let changed = test(&server.uri(), "1/2")
        .threshold("http_req_failed", "rate<0.5")
        .run()
        .await
        .unwrap();
    let json = serde_json::to_string(&changed.summary(&RunInfo::default())).unwrap();
    other[1] = Part::parse("changed", &json).unwrap();
    let err = merge(&other, false).unwrap_err();
    assert!(err.contains("fingerprint"), "{err}");
}

#[tokio::test]
async fn the_merged_p95_is_the_whole_runs_and_not_the_mean_of_the_parts_p95s() {
    // 6 VUs, 20 requests each; VU 1 asks for /slow: 20 slow requests of 120, all in 0/3.
    let server = server().await;
    let split = ["0/3", "1/3", "2/3"];
    let parts = parts_of(&server.uri(), &split, PerVuIterations::new(6, 20).into()).await;
    let merged = merge(&parts, false).unwrap();
    assert_eq!(merged.count("http_reqs"), 120.0);
    let part_p95s: Vec<f64> = parts
        .iter()
        .map(|part| {
            let dump = &part.summary.segment.as_ref().unwrap().store;
            harness::metrics::Store::restore(dump)
                .unwrap()
                .sink("http_req_duration", &[])
                .unwrap()
                .aggregate(
                    harness::metrics::Aggregation::Percentile(95.0),
                    Duration::ZERO,
                )
                .unwrap()
        })
        .collect();
    let mean = part_p95s.iter().sum::<f64>() / 3.0;
    let whole = p(&merged, "p(95)");
    // One part is slow at p95, two are fast: their mean is about a third of a slow request;
    // the whole run's p95 is a slow request (17 % of all requests were slow).
    assert!(whole >= 200.0, "merged p95 {whole}");
    assert!(
        mean < 0.75 * whole,
        "mean of the parts' p95s {mean} ({part_p95s:?}), merged {whole}"
    );
}
