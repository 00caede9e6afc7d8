//! A Prometheus (OpenMetrics) endpoint for a run in progress: `GET /metrics` on the address
//! given, with k6's metric names (so dashboards made for k6's Prometheus output work):
//!
//! - `k6_http_reqs_total{name,method,status,expected_response,scenario}` (counter)
//! - `k6_http_req_failed_total{name,method,status,scenario}` (counter)
//! - `k6_http_req_duration_seconds{name,method,scenario}` (histogram: buckets from 50 µs
//!   growing by [`BUCKET_FACTOR`], so a quantile read from it is within 10 % of the exact one)
//! - `k6_iterations_total{scenario}`, `k6_checks_total{check,result}`,
//!   `k6_data_sent_bytes_total`, `k6_data_received_bytes_total`, `k6_vus`, `k6_vus_max`.
//!
//! Label sets stay bounded: labels come from the request's `name` tag (never its URL), and past
//! [`MAX_LABEL_SETS`] distinct sets a metric folds new ones into `name="overflow"`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::Error;
use crate::metrics::{Entry, HttpSample, Sample, Tags, names};
use crate::run::Observer;

/// Each latency bucket's upper bound is this many times the one before.
pub const BUCKET_FACTOR: f64 = 1.1;
/// The first bucket's upper bound, in seconds (50 µs); 160 buckets reach past 100 s.
const FIRST_BUCKET: f64 = 0.000_05;
const BUCKETS: u16 = 160;
/// Distinct label sets kept per metric before new ones fold into `name="overflow"`.
pub const MAX_LABEL_SETS: usize = 1_000;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    name: String,
    method: String,
    status: String,
    expected_response: String,
    scenario: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Timing {
    name: String,
    method: String,
    scenario: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScenarioLabel {
    scenario: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabel {
    check: String,
    result: String,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(FIRST_BUCKET, BUCKET_FACTOR, BUCKETS))
}

struct Metrics {
    reqs: Family<Request, Counter>,
    failed: Family<Request, Counter>,
    resent: Family<Timing, Counter>,
    duration: Family<Timing, Histogram, fn() -> Histogram>,
    iterations: Family<ScenarioLabel, Counter>,
    checks: Family<CheckLabel, Counter>,
    sent: Counter,
    received: Counter,
    vus: Gauge,
    vus_max: Gauge,
}

/// The endpoint and the metrics it serves. Attach it to a run with
/// [`Test::observer`](crate::Test::observer).
pub struct PrometheusExporter {
    registry: Registry,
    metrics: Metrics,
    addr: SocketAddr,
    names_seen: Mutex<HashSet<String>>,
    scrapes: AtomicU64,
    finished: AtomicBool,
    final_scrape: Notify,
    server: tokio::task::JoinHandle<()>,
}

impl PrometheusExporter {
    /// Binds `addr` and serves `GET /metrics` until dropped. A port in use is an error before
    /// any load.
    pub async fn listen(addr: SocketAddr) -> Result<Arc<PrometheusExporter>, Error> {
        let listener = TcpListener::bind(addr).await.map_err(|e| Error::Output {
            path: format!("the Prometheus endpoint {addr}"),
            reason: e.to_string(),
        })?;
        let addr = listener.local_addr().map_err(|e| Error::Output {
            path: format!("the Prometheus endpoint {addr}"),
            reason: e.to_string(),
        })?;
        let metrics = Metrics {
            reqs: Family::default(),
            failed: Family::default(),
            resent: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
            iterations: Family::default(),
            checks: Family::default(),
            sent: Counter::default(),
            received: Counter::default(),
            vus: Gauge::default(),
            vus_max: Gauge::default(),
        };
        let mut registry = Registry::with_prefix("k6");
        registry.register("http_reqs", "HTTP requests", metrics.reqs.clone());
        registry.register(
            "http_req_failed",
            "HTTP requests whose response was not expected",
            metrics.failed.clone(),
        );
        registry.register(
            "http_req_resent",
            "HTTP requests sent again after their kept connection died under them",
            metrics.resent.clone(),
        );
        registry.register_with_unit(
            "http_req_duration",
            "HTTP request duration (sending, waiting, receiving)",
            Unit::Seconds,
            metrics.duration.clone(),
        );
        registry.register(
            "iterations",
            "Completed iterations",
            metrics.iterations.clone(),
        );
        registry.register("checks", "Checks by result", metrics.checks.clone());
        registry.register_with_unit("data_sent", "Bytes sent", Unit::Bytes, metrics.sent.clone());
        registry.register_with_unit(
            "data_received",
            "Bytes received",
            Unit::Bytes,
            metrics.received.clone(),
        );
        registry.register("vus", "Active virtual users", metrics.vus.clone());
        registry.register(
            "vus_max",
            "Allocated virtual users",
            metrics.vus_max.clone(),
        );
        Ok(Arc::new_cyclic(
            |me: &std::sync::Weak<PrometheusExporter>| {
                let me = me.clone();
                let server = tokio::spawn(async move {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let me = me.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| {
                                let me = me.clone();
                                async move {
                                    let (status, body) = match me.upgrade() {
                                        Some(e) if req.uri().path() == "/metrics" => {
                                            (200, e.scrape())
                                        }
                                        Some(_) => (404, "not found: try /metrics\n".to_string()),
                                        None => (503, String::new()),
                                    };
                                    hyper::Response::builder()
                                        .status(status)
                                        .header("content-type", CONTENT_TYPE)
                                        .body(Full::new(Bytes::from(body)))
                                }
                            });
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                });
                PrometheusExporter {
                    registry,
                    metrics,
                    addr,
                    names_seen: Mutex::new(HashSet::new()),
                    scrapes: AtomicU64::new(0),
                    finished: AtomicBool::new(false),
                    final_scrape: Notify::new(),
                    server,
                }
            },
        ))
    }

    /// The address it serves on (the port, when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many times `/metrics` was read.
    pub fn scrapes(&self) -> u64 {
        self.scrapes.load(Ordering::Relaxed)
    }

    /// Says the run is over: every sample has been observed.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
    }

    /// Waits, at most `limit`, until `/metrics` has been read with the run's final values (a
    /// read that began after [`PrometheusExporter::finish`]) and its answer had a moment to
    /// leave. Whether it was read.
    pub async fn wait_for_final_scrape(&self, limit: Duration) -> bool {
        let read = tokio::time::timeout(limit, self.final_scrape.notified())
            .await
            .is_ok();
        if read {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        read
    }

    fn scrape(&self) -> String {
        let last = self.finished.load(Ordering::SeqCst);
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        self.scrapes.fetch_add(1, Ordering::Relaxed);
        if last {
            // A stored permit: a waiter that comes later still sees it.
            self.final_scrape.notify_one();
        }
        out
    }

    /// The request's `name` tag, or `overflow` once [`MAX_LABEL_SETS`] names are known.
    fn name_of(&self, tags: &Tags) -> String {
        let name = tags.get("name").unwrap_or("");
        let mut seen = self.names_seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) {
            return name.to_string();
        }
        if seen.len() < MAX_LABEL_SETS {
            seen.insert(name.to_string());
            return name.to_string();
        }
        "overflow".to_string()
    }

    fn http(&self, h: &HttpSample) {
        let tag = |k| h.tags.get(k).unwrap_or("").to_string();
        let name = self.name_of(&h.tags);
        let labels = Request {
            name: name.clone(),
            method: tag("method"),
            status: tag("status"),
            expected_response: h.expected_response().to_string(),
            scenario: tag("scenario"),
        };
        self.metrics.reqs.get_or_create(&labels).inc();
        if !h.expected_response() {
            self.metrics.failed.get_or_create(&labels).inc();
        }
        let timing = Timing {
            name,
            method: labels.method,
            scenario: labels.scenario,
        };
        if h.traffic.resent > 0 {
            self.metrics
                .resent
                .get_or_create(&timing)
                .inc_by(u64::from(h.traffic.resent));
        }
        self.metrics
            .duration
            .get_or_create(&timing)
            .observe(h.timings.duration_ms / 1000.0);
        self.metrics.sent.inc_by(h.traffic.sent);
        self.metrics.received.inc_by(h.traffic.received);
    }

    fn point(&self, s: &Sample) {
        let v = s.value.as_f64();
        match s.metric {
            names::ITERATIONS => {
                let scenario = s.tags.get("scenario").unwrap_or("").to_string();
                self.metrics
                    .iterations
                    .get_or_create(&ScenarioLabel { scenario })
                    .inc();
            }
            names::CHECKS => {
                let check = s.tags.get("check").unwrap_or("").to_string();
                let result = if v != 0.0 { "pass" } else { "fail" }.to_string();
                self.metrics
                    .checks
                    .get_or_create(&CheckLabel { check, result })
                    .inc();
            }
            names::VUS => {
                self.metrics.vus.set(v as i64);
            }
            names::VUS_MAX => {
                self.metrics.vus_max.set(v as i64);
            }
            _ => {}
        }
    }
}

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Observer for PrometheusExporter {
    fn observe(&self, batch: &[Entry]) {
        for e in batch {
            match e {
                Entry::Http(h) => self.http(h),
                Entry::Point(s) => self.point(s),
            }
        }
    }
}

impl Drop for PrometheusExporter {
    fn drop(&mut self) {
        self.server.abort();
    }
}
