//! The Grafana dashboard (`deploy/grafana/kaizen-loadtest.json`) against a real Prometheus
//! (Debian's `prometheus`, started here on loopback) fed by a run: every panel's every query,
//! with Grafana's variables filled in as Grafana would, returns data — so a renamed metric or
//! label breaks this test, not the dashboard people look at during a load test.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::prometheus::{self, label_values, query_at, targets};
use harness::export::PrometheusExporter;
use harness::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DASHBOARD: &str = include_str!("../../deploy/grafana/kaizen-loadtest.json");

/// The panels the issue asks for, each with what its queries must read (`|` between parts).
const PANELS: [(&str, &str); 14] = [
    ("Requests", "k6_http_reqs_total"),
    (
        "Failure rate",
        "k6_http_req_failed_total|k6_http_reqs_total",
    ),
    (
        "p95 latency",
        "histogram_quantile(0.95,|k6_http_req_duration_seconds_bucket",
    ),
    ("Checks passed", "k6_checks_total{result=\"pass\"}"),
    ("Requests/s", "k6_http_reqs_total|by (name)"),
    ("Failures/s", "k6_http_req_failed_total|by (name, status)"),
    (
        "Latency p50 by endpoint",
        "histogram_quantile(0.5,|by (le, name)",
    ),
    (
        "Latency p95 by endpoint",
        "histogram_quantile(0.95,|by (le, name)",
    ),
    (
        "Latency p99 by endpoint",
        "histogram_quantile(0.99,|by (le, name)",
    ),
    ("VUs", "sum(k6_vus)|sum(k6_vus_max)"),
    ("Iterations/s", "k6_iterations_total"),
    (
        "Checks",
        "k6_checks_total{result=\"pass\"}|k6_checks_total{result=\"fail\"}",
    ),
    (
        "Data sent and received",
        "k6_data_sent_bytes_total|k6_data_received_bytes_total",
    ),
    ("Resent requests/s", "k6_http_req_resent_total"),
];

const SCENARIOS: [&str; 2] = ["browse", "operate"];

fn dashboard() -> Value {
    serde_json::from_str(DASHBOARD).expect("the dashboard is JSON")
}

/// Every panel, rows' panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in dashboard["panels"].as_array().expect("panels") {
        out.extend(p["panels"].as_array().into_iter().flatten());
        out.push(p);
    }
    out.retain(|p| p["type"] != "row");
    out
}

/// A panel's query: its `refId`, PromQL and legend.
struct Target {
    id: String,
    expr: String,
    legend: String,
}

fn targets_of(panel: &Value) -> Vec<Target> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    panel["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Target {
            id: text(&t["refId"]),
            expr: text(&t["expr"]),
            legend: text(&t["legendFormat"]),
        })
        .collect()
}

/// The labels a legend names (`{{name}} {{status}}`: name, status).
fn legend_labels(legend: &str) -> Vec<&str> {
    legend
        .split("{{")
        .skip(1)
        .filter_map(|s| Some(s.split_once("}}")?.0.trim()))
        .collect()
}

/// A query as Grafana sends it for a view of the run: its interval variables for a 1 s scrape
/// (`$__rate_interval` is four scrapes and one more), the range over the whole run, and
/// `$scenario` as the variable gives it (`.*` for All, the name for one).
fn fill(expr: &str, scenario: &str) -> String {
    let vars = [
        ("$__rate_interval_ms", "5000"),
        ("$__rate_interval", "5s"),
        ("$__interval_ms", "1000"),
        ("$__interval", "1s"),
        ("$__range_ms", "60000"),
        ("$__range_s", "60"),
        ("$__range", "60s"),
        ("${scenario}", scenario),
        ("$scenario", scenario),
    ];
    let filled = vars
        .iter()
        .fold(expr.to_string(), |e, (var, value)| e.replace(var, value));
    assert!(
        !filled.contains('$'),
        "{expr}: a Grafana variable this test does not fill in"
    );
    filled
}

#[test]
fn the_dashboard_has_the_panels_the_issue_names_each_on_the_prometheus_variable() {
    let d = dashboard();
    assert_eq!(d["__inputs"][0]["name"], "DS_PROMETHEUS", "import input");
    assert_eq!(d["__inputs"][0]["pluginId"], "prometheus");
    let vars = d["templating"]["list"].as_array().expect("templating");
    let var = |name: &str| vars.iter().find(|v| v["name"] == name);
    assert_eq!(
        var("DS_PROMETHEUS").expect("DS_PROMETHEUS")["type"],
        "datasource"
    );
    let scenario = var("scenario").expect("a scenario variable");
    assert_eq!(scenario["allValue"], ".*", "All must match every scenario");
    let ds = serde_json::json!({"type": "prometheus", "uid": "${DS_PROMETHEUS}"});
    let panels = panels(&d);
    for p in &panels {
        let title = p["title"].as_str().unwrap_or("?");
        assert_eq!(p["datasource"], ds, "{title}: datasource");
        assert!(!targets_of(p).is_empty(), "{title}: no query");
        for t in p["targets"].as_array().into_iter().flatten() {
            assert!(
                t["datasource"].is_null() || t["datasource"] == ds,
                "{title}: {t}"
            );
        }
    }
    for (title, reads) in PANELS {
        let p = panels.iter().find(|p| p["title"] == title);
        let p = p.unwrap_or_else(|| panic!("no panel titled {title:?}"));
        let all: String = targets_of(p).into_iter().map(|t| t.expr).collect();
        for r in reads.split('|') {
            assert!(
                all.contains(r),
                "{title}: its queries do not read {r:?}: {all}"
            );
        }
    }
    // No two panels cover the same cell of the grid.
    let mut cells = std::collections::HashSet::new();
    for p in &panels {
        let g = &p["gridPos"];
        let n = |k: &str| g[k].as_u64().unwrap_or(0);
        for x in n("x")..n("x") + n("w") {
            for y in n("y")..n("y") + n("h") {
                assert!(
                    cells.insert((x, y)),
                    "{} overlaps another panel",
                    p["title"]
                );
            }
        }
    }
}

/// A loopback API with what every panel needs to show: a fast and a slow endpoint, one that
/// fails (500), and one whose request on a kept connection is read and dropped unanswered, so
/// the client sends it again on a new connection (where it is answered): a resent request.
async fn target() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    url
}

async fn serve(mut stream: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut answered = 0;
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        buf.drain(..end);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let status = match path.as_str() {
            "/metrics/summary" if answered > 0 => return,
            "/pipelines" => {
                tokio::time::sleep(Duration::from_millis(15)).await;
                "200 OK"
            }
            "/deployments" => "500 Internal Server Error",
            _ => "200 OK",
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
        answered += 1;
    }
}

fn tour(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        for (path, name) in [
            ("/agents", "GET /agents"),
            ("/pipelines", "GET /pipelines"),
            ("/deployments", "GET /deployments"),
            ("/metrics/summary", "GET /metrics/summary"),
        ] {
            let res = vu.get(path).name(name).send().await;
            vu.check(&format!("{name} is 200"), res.status() == Some(200));
        }
        vu.sleep(millis(50)).await;
        Ok(())
    })
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Whether a target, filled in for `scenario`, shows the run at `at`: data, some of it
/// above zero, each series with the labels its legend names and, for one scenario, only its.
async fn check(port: u16, at: f64, t: &Target, scenario: &str) -> Result<(), String> {
    let q = fill(&t.expr, scenario);
    let result = query_at(port, &q, Some(at)).await?;
    if result.is_empty() {
        return Err(format!("no data for {q}"));
    }
    let values: Vec<f64> = result
        .iter()
        .filter_map(|s| s["value"][1].as_str()?.parse().ok())
        .collect();
    if !values.iter().any(|v| v.is_finite() && *v > 0.0) {
        return Err(format!("only {values:?} for {q}"));
    }
    for s in &result {
        let labels = &s["metric"];
        if let Some(l) = legend_labels(&t.legend)
            .into_iter()
            .find(|l| labels[*l].is_null())
        {
            return Err(format!(
                "{q} gives {labels}: no {l} for its legend {}",
                t.legend
            ));
        }
        let theirs = labels["scenario"].as_str();
        if scenario != ".*" && theirs.is_some_and(|n| n != scenario) {
            return Err(format!("{q} kept {labels}"));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panels_every_query_returns_data_from_a_real_prometheus_fed_by_a_run() {
    let Some(binary) = prometheus::binary("the dashboard's queries") else {
        return;
    };
    let exporter = PrometheusExporter::listen("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let prom = prometheus::start(&binary, exporter.local_addr()).await;
    let url = target().await;
    // Not time-scaled: the queries' 5 s windows need a run several scrapes long.
    let mut test = Test::new("grafana dashboard")
        .time_scale(1.0)
        .base_url(url)
        .observer(exporter.clone());
    for (name, vus) in SCENARIOS.into_iter().zip([3, 2]) {
        test = test.scenario(Scenario::new(name, ConstantVus::new(vus, secs(6)), tour));
    }
    let report = test.run().await.unwrap();
    // A moment of the run whose 5 s window holds only the run's scrapes.
    let at = unix_now() - 1.5;
    assert!(
        report.count("http_req_resent") > 0.0,
        "the target made no resent request"
    );
    assert!(
        report.value("http_req_failed", "rate") > Some(0.0),
        "the target made no failure"
    );

    let port = prom.port;
    let d = dashboard();
    let mut problems = Vec::new();
    let mut asked = 0;
    for p in panels(&d) {
        let title = p["title"].as_str().unwrap_or("?");
        for t in targets_of(p) {
            // All scenarios, then one: a series that carries the label must be that scenario's.
            let choices: &[&str] = if t.expr.contains("$scenario") {
                &[".*", SCENARIOS[0]]
            } else {
                &[".*"]
            };
            for scenario in choices {
                asked += 1;
                if let Err(e) = check(port, at, &t, scenario).await {
                    problems.push(format!("{title} ({}): {e}", t.id));
                }
            }
        }
    }
    // Each variable lists values: the scenario variable, the run's scenarios.
    for v in d["templating"]["list"].as_array().into_iter().flatten() {
        let Some(def) = v["definition"].as_str() else {
            continue;
        };
        let inner = def
            .trim_start_matches("label_values(")
            .trim_end_matches(')');
        let (selector, label) = inner
            .rsplit_once(',')
            .expect("label_values(selector, label)");
        let found = label_values(port, label.trim(), selector.trim()).await;
        let want: &[&str] = if label.trim() == "scenario" {
            &SCENARIOS
        } else {
            &[]
        };
        if found.is_empty() || want.iter().any(|s| !found.iter().any(|f| f == s)) {
            problems.push(format!("variable {}: {def} lists {found:?}", v["name"]));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {asked} queries (at {at:.1}, {} requests in the run) failed:\n  {}\nPrometheus's targets: {}",
        problems.len(),
        report.count("http_reqs"),
        problems.join("\n  "),
        targets(port).await
    );
    eprintln!("{asked} dashboard queries returned data");
    drop(prom);
}
