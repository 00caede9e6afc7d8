//! Custom metrics by typed handle: declared once, reported at 0 when unused, refused before the
//! run when two declarations disagree, and never dropped in silence when two handles of one name
//! disagree at run time.

mod common;

use common::{ping, quiet, server_answering};
use harness::prelude::*;
use harness::report::RunInfo;

const LOGIN_DURATION: Trend = Trend::new("login_duration");
const RATE_LIMITED: Counter = Counter::new("rate_limited");
const QUEUE_DEPTH: Gauge = Gauge::new("queue_depth");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_metric_nothing_was_added_to_is_reported_at_zero() {
    let server = server_answering(200).await;
    let report = quiet("unused")
        .base_url(server.uri())
        .metric(LOGIN_DURATION)
        .metric(RATE_LIMITED)
        .scenario(Scenario::new("s", SharedIterations::new(1, 2), ping))
        .threshold("rate_limited", "count<1")
        .run()
        .await
        .unwrap();
    assert!(report.passed(), "{:?}", report.problems);
    let info = RunInfo::default();
    let summary = report.summary(&info);
    let counter = &summary.metrics["rate_limited"];
    assert_eq!(counter.kind, MetricKind::Counter);
    assert_eq!(counter.values.get("count"), Some(&0.0));
    let trend = &summary.metrics["login_duration"];
    assert_eq!(trend.kind, MetricKind::Trend);
    assert!(trend.values.is_empty() && trend.histogram.is_none());
}

#[tokio::test]
async fn two_kinds_for_one_name_are_refused_before_any_request() {
    let err = quiet("twice")
        .base_url("http://127.0.0.1:9")
        .metric(LOGIN_DURATION)
        .metric(Counter::new("login_duration"))
        .metric(Gauge::new("http_req_duration"))
        .metric(QUEUE_DEPTH)
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), ping))
        .run()
        .await
        .unwrap_err()
        .to_string();
    for fragment in [
        "2 problems",
        "metric \"login_duration\": declared as a counter but it is also declared as a trend",
        "metric \"http_req_duration\": declared as a gauge but it is a built-in trend",
    ] {
        assert!(err.contains(fragment), "{err} lacks {fragment}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_of_another_kind_under_a_metrics_name_fail_the_run_and_say_so() {
    const ALSO_LOGIN: Counter = Counter::new("login_duration");
    let server = server_answering(200).await;
    let report = quiet("clash")
        .base_url(server.uri())
        .metric(LOGIN_DURATION)
        .scenario(Scenario::new("s", SharedIterations::new(1, 3), |vu| {
            Box::pin(async move {
                let res = vu.get("/").send().await;
                vu.add(&LOGIN_DURATION, res.duration);
                vu.add(&ALSO_LOGIN, 1.0);
                vu.add(&QUEUE_DEPTH, 4.0);
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(
        report.count("login_duration"),
        3.0,
        "the trend kept its own"
    );
    assert_eq!(report.value("queue_depth", "value"), Some(4.0));
    assert!(!report.passed());
    assert_eq!(
        report.problems,
        [
            "metric \"login_duration\" is a trend, but 3 samples came to it as a counter (two \
          metric handles share its name): they were not counted"
        ]
    );
}
