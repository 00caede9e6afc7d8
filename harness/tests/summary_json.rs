//! `summary.json` reads back as it was written: one `Summary` type writes it and reads it, for a
//! whole run, a run that ended early, a segment of a split run and a merge of segments.

mod common;

use std::time::Duration;

use common::quiet;
use harness::analysis::BreakingPoint;
use harness::prelude::*;
use harness::report::merge::{Part, merge};
use harness::report::{RunInfo, SCHEMA_VERSION, Summary};
use harness::run::Phase;
use harness::segment::Segment;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOGIN_DURATION: Trend = Trend::new("login_duration");
const API_ERRORS: Counter = Counter::new("api_errors");

fn info() -> RunInfo {
    RunInfo {
        suite: Some("smoke".into()),
        environment: Some("mock".into()),
        git_commit: Some("0123abcd".into()),
    }
}

/// Writes `summary`, reads it back and checks both the value and the text it writes again.
fn reads_back_as_written(summary: &Summary) -> Summary {
    let json = serde_json::to_string_pretty(summary).unwrap();
    let back = Summary::from_json(&json).unwrap();
    if back != *summary {
        let (a, b) = (
            serde_json::to_value(summary).unwrap(),
            serde_json::to_value(&back).unwrap(),
        );
        let differ: Vec<&String> = a
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| a[k.as_str()] != b[k.as_str()])
            .collect();
        panic!("summary.json read back differs in {differ:?}");
    }
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
    back
}

async fn server() -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(3)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    server
}

/// A test with something in every part of the summary: requests answered, refused by status
/// and failed in transport; a check, custom metrics, an iteration error; thresholds (one
/// windowed, one with no data) and an analysis.
fn test(url: &str) -> Test {
    quiet("round-trip")
        .base_url(url)
        .metric(LOGIN_DURATION)
        .metric(API_ERRORS)
        .scenario(Scenario::new("s", PerVuIterations::new(2, 6), |vu| {
            Box::pin(async move {
                let res = vu.get("/ok").name("GET /ok").send().await;
                vu.add(&LOGIN_DURATION, res.duration);
                vu.check("ok answers 200", res.status() == Some(200));
                let missing = vu.get("/missing").name("GET /missing").send().await;
                vu.add(&API_ERRORS, f64::from(!missing.expected_response));
                if vu.iteration() == 0 {
                    vu.get("http://127.0.0.1:9/")
                        .name("closed port")
                        .send()
                        .await;
                    return Err("the first iteration fails".into());
                }
                Ok(())
            })
        }))
        .threshold("http_req_duration{name:GET /ok}", "p(95)<5000")
        .threshold("http_req_duration", "p(99)<5000 over 1s")
        .threshold(
            "http_req_failed",
            Threshold::new("rate<0.01").source("suite"),
        )
        .threshold("login_duration", Threshold::new("avg<0").allow_no_data())
        .analysis(BreakingPoint::new(5000.0, 0.99))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_runs_summary_reads_back_as_written() {
    let server = server().await;
    let report = test(&server.uri()).run().await.unwrap();
    let summary = reads_back_as_written(&report.summary(&info()));
    assert_eq!(summary.schema_version, SCHEMA_VERSION);
    assert!(!summary.passed, "http_req_failed fails it");
    assert_eq!(summary.failures_by_class.get("connect"), Some(&2));
    assert_eq!(summary.failures_by_class.get("status"), Some(&12));
    assert_eq!(summary.value("api_errors", "count"), Some(12.0));
    assert_eq!(summary.analyses.len(), 1);
    let failed = summary
        .thresholds
        .iter()
        .find(|t| t.metric == "http_req_failed");
    assert_eq!(failed.unwrap().sources, ["suite"]);
    // A summary written before thresholds named their sources still reads, with none.
    let mut old = serde_json::to_value(&summary).unwrap();
    for t in old["thresholds"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("sources");
    }
    let old = Summary::from_json(&old.to_string()).unwrap();
    assert!(old.thresholds.iter().all(|t| t.sources.is_empty()));
    let ok = &summary.metrics["http_req_duration"].sub_metrics;
    let ok = ok.iter().find(|s| s.value == "GET /ok").unwrap();
    let p95 = ok.histogram.as_ref().unwrap().percentile(95.0).unwrap();
    assert!(
        (p95 - ok.values["p(95)"]).abs() <= 0.01 * p95,
        "{p95} {ok:?}"
    );
}

#[tokio::test]
async fn an_ended_early_runs_summary_reads_back_as_written() {
    let server = server().await;
    let report = test(&server.uri())
        .setup(|_vu| Box::pin(async { Err::<(), _>("no test user could be made".into()) }))
        .run()
        .await
        .unwrap();
    let summary = reads_back_as_written(&report.summary(&info()));
    let end = summary.ended_early.expect("it ended in setup");
    assert_eq!(end.phase, Phase::Setup);
    assert!(end.reason.contains("no test user"), "{}", end.reason);
    assert!(summary.thresholds.is_empty() && summary.scenarios.len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segments_summary_and_the_merge_of_segments_read_back_as_written() {
    let server = server().await;
    let mut parts = Vec::new();
    for share in ["0/2", "1/2"] {
        let report = test(&server.uri())
            .segment(Segment::parse(share).unwrap())
            .run()
            .await
            .unwrap();
        let summary = reads_back_as_written(&report.summary(&info()));
        let segment = summary.segment.as_ref().expect("a segment's summary");
        assert_eq!(segment.segment, share);
        let json = serde_json::to_string(&summary).unwrap();
        parts.push(Part::parse(format!("part {share}"), &json).unwrap());
    }
    let merged = merge(&parts, false).unwrap();
    assert_eq!(
        merged.count("http_reqs"),
        26.0,
        "2 VUs, each 1 × 3 requests and 5 × 2"
    );
    let summary = reads_back_as_written(&merged.summary(&info()));
    let record = summary.merged.expect("a merge's summary");
    assert_eq!(record.parts.len(), 2);
    assert!(!record.partial);
}

#[test]
fn a_summary_of_another_schema_version_is_refused_with_a_sentence() {
    let report = Report::ended_before_run("t", Phase::Config, "bad");
    let mut json = serde_json::to_value(report.summary(&RunInfo::default())).unwrap();
    json["schema_version"] = 2.into();
    let err = Summary::from_json(&json.to_string()).unwrap_err();
    assert_eq!(
        err,
        format!("summary.json schema version 2, this harness reads {SCHEMA_VERSION}")
    );
    assert!(
        Summary::from_json("{}")
            .unwrap_err()
            .starts_with("not a summary.json")
    );
}
