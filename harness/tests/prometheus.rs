//! The Prometheus endpoint, read by a real Prometheus (Debian's `prometheus`, started here on
//! loopback): during the run Prometheus already holds requests, and after it the request count
//! equals the report's exactly and the latency quantiles are within the buckets' precision.

mod common;

use std::time::Duration;

use common::prometheus::{self, query, targets};
use harness::export::{BUCKET_FACTOR, PrometheusExporter};
use harness::prelude::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_reads_the_runs_requests_and_quantiles_during_and_after_it() {
    let Some(binary) = prometheus::binary("the round trip") else {
        return;
    };
    let server = MockServer::start().await;
    Mock::given(path("/fast"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(20)))
        .mount(&server)
        .await;
    let exporter = PrometheusExporter::listen("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let prom = prometheus::start(&binary, exporter.local_addr()).await;

    // Not time-scaled: the query at 5 s must land during the run, not in the linger after it.
    let test = Test::new("prometheus round trip")
        .time_scale(1.0)
        .base_url(server.uri())
        .observer(exporter.clone())
        .scenario(Scenario::new("mix", ConstantVus::new(4, secs(8)), |vu| {
            Box::pin(async move {
                vu.get("/fast").name("fast").send().await;
                vu.get("/slow").name("slow").send().await;
                vu.sleep(millis(10)).await;
                Ok(())
            })
        }));
    let port = prom.port;
    let during = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        query(port, "sum(k6_http_reqs_total)").await
    });
    let report = test.run().await.unwrap();
    let during = during.await.unwrap();
    assert!(
        during.is_some_and(|n| n > 0.0),
        "Prometheus held no requests during the run: {during:?}; its targets: {}",
        targets(port).await
    );

    exporter.finish();
    assert!(
        exporter
            .wait_for_final_scrape(Duration::from_secs(10))
            .await,
        "Prometheus did not scrape after the run"
    );
    let expected = report.count("http_reqs");
    let mut total = None;
    // The scrape is stored as soon as it is read; allow Prometheus a moment to answer with it.
    for _ in 0..20 {
        total = query(port, "sum(k6_http_reqs_total)").await;
        if total == Some(expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(expected > 100.0, "{expected}");
    assert_eq!(total, Some(expected), "request count");
    assert_eq!(
        query(port, "sum(k6_http_req_duration_seconds_count)").await,
        Some(expected)
    );
    // Quantiles: the bucket holding the exact quantile bounds the estimate.
    let tolerance = BUCKET_FACTOR - 1.0;
    for (q, selector, name) in [
        (0.95, "", "http_req_duration"),
        (0.5, "{name=\"fast\"}", "http_req_duration{name:fast}"),
        (0.5, "{name=\"slow\"}", "http_req_duration{name:slow}"),
        (0.99, "{name=\"slow\"}", "http_req_duration{name:slow}"),
    ] {
        let promql = format!(
            "histogram_quantile({q}, sum by (le) (k6_http_req_duration_seconds_bucket{selector})) * 1000"
        );
        let theirs = query(port, &promql).await.expect(&promql);
        let agg = if q == 0.5 {
            "med".to_string()
        } else {
            format!("p({})", q * 100.0)
        };
        let ours = report.value(name, &agg).unwrap();
        eprintln!("{promql}: Prometheus {theirs:.3} ms, report {ours:.3} ms");
        assert!(
            (theirs - ours).abs() <= ours * tolerance + 0.05,
            "{promql}: Prometheus {theirs:.3} ms, report {ours:.3} ms"
        );
    }
    assert!(query(port, "k6_vus_max").await.is_some_and(|v| v == 4.0));
    drop(prom);
}
