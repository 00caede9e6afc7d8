//! Micro-benchmarks of the hot path: recording a request, aggregating it, evaluating
//! thresholds, merging histograms. `cargo bench -p harness`

use std::time::Duration;

use harness::metrics::{
    HttpSample, HttpTimings, HttpTraffic, Sample, Store, Tags, Trend, TrendSink,
};
use harness::threshold::{Span, Threshold, compile, evaluate};

fn main() {
    divan::main();
}

const LOGIN_DURATION: Trend = Trend::new("login_duration");

fn tags() -> Tags {
    Tags::from_pairs([
        ("scenario", "s"),
        ("name", "GET /api/v1/agents"),
        ("method", "GET"),
        ("status", "200"),
        ("expected_response", "true"),
    ])
}

fn request(tags: &Tags, i: u64) -> HttpSample {
    let timings = HttpTimings {
        duration_ms: 1.0 + (i % 100) as f64 * 0.1,
        waiting_ms: 0.9,
        ..HttpTimings::default()
    };
    let traffic = HttpTraffic {
        sent: 120,
        received: 300,
        resent: 0,
        proto: None,
    };
    let at = Duration::from_millis(i % 60_000);
    HttpSample::answered(tags.clone(), at, timings, traffic, !i.is_multiple_of(50))
}

/// One request's seven metrics into the store (the collector's work per request).
#[divan::bench]
fn aggregate_one_request(bencher: divan::Bencher) {
    let t = tags();
    let mut store = Store::new();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        store.add_http(divan::black_box(&request(&t, i)));
    });
}

/// One custom trend sample into the store.
#[divan::bench]
fn aggregate_one_trend_sample(bencher: divan::Bencher) {
    let t = tags();
    let mut store = Store::new();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        let at = Duration::from_millis(i % 60_000);
        let sample = Sample::of(&LOGIN_DURATION, (i % 500) as f64, t.clone(), at);
        store.add(divan::black_box(&sample));
    });
}

/// Building a request's tag set (what a VU's cache avoids on every hit).
#[divan::bench]
fn build_request_tags() -> Tags {
    let base = Tags::from_pairs([("scenario", "s")]);
    base.with([
        ("name", "GET /x"),
        ("method", "GET"),
        ("status", "200"),
        ("expected_response", "true"),
    ])
}

/// Ten thresholds over a store holding 100,000 requests.
#[divan::bench]
fn evaluate_ten_thresholds(bencher: divan::Bencher) {
    let t = tags();
    let mut store = Store::new();
    for i in 0..100_000 {
        store.add_http(&request(&t, i));
    }
    let exprs = [
        "p(95)<500",
        "p(99)<1000",
        "avg<200",
        "med<100",
        "max<5000",
        "p(90)<300",
        "min>=0",
        "count>10",
        "p(99.9)<2000",
        "p(50)<50",
    ];
    let compiled: Vec<_> = exprs
        .iter()
        .map(|e| {
            compile(
                "http_req_duration{status:200}",
                &Threshold::new(*e),
                harness::metrics::builtin_kind,
            )
            .unwrap()
        })
        .collect();
    let span = Span {
        from: 0,
        to: 60,
        complete_only: false,
    };
    bencher.bench_local(|| {
        evaluate(
            divan::black_box(&compiled),
            &store,
            Duration::from_secs(60),
            span,
        )
    });
}

/// Merging two one-minute latency histograms (distributed runs).
#[divan::bench]
fn merge_histograms(bencher: divan::Bencher) {
    let (mut a, mut b) = (TrendSink::new(), TrendSink::new());
    for i in 0..100_000u32 {
        a.add(f64::from(i % 3000) * 0.5);
        b.add(f64::from(i % 7000) * 0.3);
    }
    bencher.bench_local(|| {
        let mut m = a.clone();
        m.merge(divan::black_box(&b));
        m
    });
}
