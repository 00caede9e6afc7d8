//! The Prometheus endpoint, read by a real Prometheus (Debian's `prometheus`, started here on
//! loopback): during the run Prometheus already holds requests, and after it the request count
//! equals the report's exactly and the latency quantiles are within the buckets' precision.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use harness::export::{BUCKET_FACTOR, PrometheusExporter};
use harness::prelude::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Debian's Prometheus, when installed (`.ci/run` installs it and sets
/// `LOADTEST_REQUIRE_TOOLS=1`, so CI cannot skip this).
fn prometheus_binary() -> Option<PathBuf> {
    let found = Command::new("which")
        .arg("prometheus")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if found.is_none() {
        assert!(
            std::env::var_os("LOADTEST_REQUIRE_TOOLS").is_none(),
            "LOADTEST_REQUIRE_TOOLS is set but prometheus is not installed"
        );
        eprintln!("prometheus is not installed: the round trip is skipped");
    }
    found
}

struct Prometheus {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Prometheus scraping `target` every second, and waits until it has scraped it once
/// (Prometheus applies new targets only every 5 s).
async fn start_prometheus(binary: &PathBuf, target: std::net::SocketAddr) -> Prometheus {
    let dir = std::env::temp_dir().join(format!("prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  \
             - job_name: loadtest\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("log")).unwrap())
        .spawn()
        .expect("prometheus starts");
    let p = Prometheus { child, port, dir };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/-/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready && query(port, "up").await == Some(1.0) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus did not scrape in 30 s: {}",
            std::fs::read_to_string(p.dir.join("log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of an instant query with one result, or `None` when it has none.
async fn query(port: u16, q: &str) -> Option<f64> {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    assert_eq!(body["status"], "success", "{q}: {body}");
    let result = body["data"]["result"].as_array()?;
    let v = result.first()?["value"][1].as_str()?;
    v.parse().ok()
}

/// What Prometheus says of its scrape targets (health, last error), for failure messages.
async fn targets(port: u16) -> String {
    match reqwest::get(format!("http://127.0.0.1:{port}/api/v1/targets")).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_reads_the_runs_requests_and_quantiles_during_and_after_it() {
    let Some(binary) = prometheus_binary() else {
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
    let prom = start_prometheus(&binary, exporter.local_addr()).await;

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
