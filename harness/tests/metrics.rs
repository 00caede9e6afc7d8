//! Sinks and the store: HDR percentiles, exact merges, per-second buckets, flat memory.

use std::time::Duration;

use harness::metrics::{
    HttpSample, HttpTimings, HttpTraffic, MAX_TAG_SETS, MetricKind, SKETCH_PRECISION, Sample, Sink,
    Store, Tags, TrendSink, Value,
};
use harness::threshold::Aggregation;

fn sample(metric: &'static str, kind: MetricKind, value: f64, tags: &Tags, at_ms: u64) -> Sample {
    Sample {
        metric,
        kind,
        tags: tags.clone(),
        value: Value::Number(value),
        at: Duration::from_millis(at_ms),
    }
}

#[test]
fn trend_percentiles_are_within_three_significant_digits() {
    let mut t = TrendSink::new();
    for ms in 1..=1000 {
        t.add(ms as f64);
    }
    for (p, want) in [(50.0, 500.0), (95.0, 950.0), (99.0, 990.0), (100.0, 1000.0)] {
        let got = t.percentile(p);
        assert!(
            (got - want).abs() / want < 0.001 + 1e-9,
            "p({p}) = {got}, want {want}"
        );
    }
    assert_eq!(t.min, 1.0);
    assert_eq!(t.avg(), 500.5);
}

#[test]
fn merged_histograms_equal_one_histogram_of_all_values() {
    let (mut a, mut b, mut all) = (TrendSink::new(), TrendSink::new(), TrendSink::new());
    for i in 0..5000u32 {
        let v = f64::from(i % 997) * 0.37 + 0.5;
        if i % 3 == 0 {
            a.add(v)
        } else {
            b.add(v)
        }
        all.add(v);
    }
    a.merge(&b);
    assert_eq!(a.count, all.count);
    for p in [1.0, 50.0, 90.0, 99.0, 99.9] {
        assert_eq!(a.percentile(p), all.percentile(p), "p({p})");
    }
    assert_eq!((a.min, a.max), (all.min, all.max));
}

#[test]
fn stores_merge_series_and_buckets_exactly() {
    let ok = Tags::from_pairs([("status", "200")]);
    let bad = Tags::from_pairs([("status", "500")]);
    let (mut one, mut two) = (Store::new(), Store::new());
    for i in 0..100 {
        one.add(&sample(
            "http_req_duration",
            MetricKind::Trend,
            10.0,
            &ok,
            i * 10,
        ));
        two.add(&sample(
            "http_req_duration",
            MetricKind::Trend,
            30.0,
            &bad,
            500 + i * 10,
        ));
        two.add(&sample(
            "http_reqs",
            MetricKind::Counter,
            1.0,
            &bad,
            500 + i * 10,
        ));
    }
    one.merge(&two);
    let all = one.sink("http_req_duration", &[]).unwrap();
    assert_eq!(all.samples(), 200);
    assert_eq!(all.aggregate(Aggregation::Avg, Duration::ZERO), Some(20.0));
    let only_ok = one
        .sink("http_req_duration", &[("status".into(), "200".into())])
        .unwrap();
    assert_eq!(
        only_ok.aggregate(Aggregation::Max, Duration::ZERO),
        Some(10.0)
    );
    let windows: Vec<_> = one
        .get("http_req_duration")
        .unwrap()
        .timeline()
        .windows()
        .collect();
    assert_eq!(windows.len(), 2);
    assert_eq!(windows[0].bucket.count + windows[1].bucket.count, 200);
    assert_eq!(one.count("http_reqs"), 100.0);
}

#[test]
fn counter_rate_is_per_second_of_the_run() {
    let mut c = Sink::new(MetricKind::Counter);
    for _ in 0..50 {
        c.add(Value::Number(1.0));
    }
    assert_eq!(
        c.aggregate(Aggregation::Rate, Duration::from_secs(2)),
        Some(25.0)
    );
    assert_eq!(c.aggregate(Aggregation::Avg, Duration::from_secs(2)), None);
}

#[test]
fn rate_sink_counts_the_fraction_of_true() {
    let mut r = Sink::new(MetricKind::Rate);
    for i in 0..10 {
        r.add(Value::Bool(i < 3));
    }
    assert_eq!(r.aggregate(Aggregation::Rate, Duration::ZERO), Some(0.3));
}

#[test]
fn trend_memory_does_not_grow_with_samples() {
    let mut t = TrendSink::new();
    t.add(1.0);
    let before = t.hist.distinct_values();
    let len_before = t.hist.len();
    for i in 0..1_000_000u32 {
        t.add(f64::from(i % 60_000));
    }
    assert_eq!(t.hist.len(), len_before + 1_000_000);
    // The counts array is sized by the value range, not the number of samples.
    assert!(t.hist.distinct_values() >= before);
    assert!(t.hist.distinct_values() < 200_000);
}

fn request(tags: &Tags, second: u64, i: u64) -> HttpSample {
    // A latency that wanders over the day: 2–200 ms.
    let ms = 2.0 + ((second * 7 + i * 13) % 1000) as f64 / 5.0;
    let timings = HttpTimings {
        duration_ms: ms,
        waiting_ms: ms * 0.9,
        ..HttpTimings::default()
    };
    let traffic = HttpTraffic {
        sent: 120,
        received: 300,
        resent: 0,
        proto: None,
    };
    let at = Duration::from_millis(second * 1000 + i * 100);
    HttpSample::answered(tags.clone(), at, timings, traffic, !i.is_multiple_of(50))
}

/// What a suite's run feeds the store each second: ten requests over two endpoints, a
/// custom trend, iterations and the VU gauge.
fn one_second(store: &mut Store, second: u64, tags: &[Tags; 2]) {
    for i in 0..10 {
        store.add_http(&request(&tags[(i % 2) as usize], second, i));
    }
    let at = second * 1000 + 500;
    store.add(&sample(
        "login_duration",
        MetricKind::Trend,
        250.0,
        &tags[0],
        at,
    ));
    store.add(&sample(
        "iterations",
        MetricKind::Counter,
        1.0,
        &tags[0],
        at,
    ));
    store.add(&sample(
        "vus",
        MetricKind::Gauge,
        100.0,
        &Tags::default(),
        at,
    ));
}

#[test]
fn a_simulated_day_of_one_second_buckets_grows_less_than_a_megabyte_an_hour() {
    let tags = [
        Tags::from_pairs([("name", "GET /api/v1/agents"), ("status", "200")]),
        Tags::from_pairs([("name", "POST /api/v1/agents"), ("status", "201")]),
    ];
    let mut store = Store::new();
    let hour = 3600;
    let mut at_hour = Vec::new();
    for second in 0..24 * hour {
        one_second(&mut store, second, &tags);
        if (second + 1) % hour == 0 {
            at_hour.push(store.timeline_bytes());
        }
    }
    let growth = (at_hour[23] - at_hour[0]) as f64 / 23.0;
    assert!(
        growth < 1024.0 * 1024.0,
        "{growth:.0} bytes per hour (after 1 h: {} B, after 24 h: {} B)",
        at_hour[0],
        at_hour[23]
    );
    // Nothing is lost: every request is in the whole-run sink and in the windows.
    assert_eq!(store.count("http_reqs"), (24 * hour * 10) as f64);
    let windows: u64 = store
        .get("http_reqs")
        .unwrap()
        .timeline()
        .windows()
        .map(|w| w.bucket.count)
        .sum();
    assert_eq!(windows, 24 * hour * 10);
    eprintln!(
        "timeline bytes after 1 h: {}, after 24 h: {}, growth per hour: {growth:.0}",
        at_hour[0], at_hour[23]
    );
}

#[test]
fn a_minute_windows_p95_matches_the_exact_histogram_within_the_stated_precision() {
    let tags = [
        Tags::from_pairs([("name", "a")]),
        Tags::from_pairs([("name", "b")]),
    ];
    let mut store = Store::new();
    // Over an hour: the first minutes roll up into minute windows.
    for second in 0..3800 {
        one_second(&mut store, second, &tags);
    }
    let series = store.get("http_req_duration").unwrap();
    let first = series.timeline().windows().next().unwrap();
    assert_eq!((first.start, first.seconds), (0, 60));
    let mut exact = TrendSink::new();
    for second in 0..60 {
        for i in 0..10 {
            exact.add(request(&tags[0], second, i).timings.duration_ms);
        }
    }
    for p in [50.0, 95.0, 99.0] {
        let want = exact.percentile(p);
        let got = first.bucket.percentile(p).unwrap();
        // The sketch's 1 % plus the HDR histogram's three significant digits.
        assert!(
            (got - want).abs() <= want * (SKETCH_PRECISION + 0.001),
            "p({p}): window {got} vs exact {want}"
        );
    }
}

#[test]
fn unique_values_in_a_tag_are_capped_and_the_report_warns() {
    let mut store = Store::new();
    for id in 0..(MAX_TAG_SETS as u64 + 500) {
        let tags = Tags::from_pairs([("name", format!("GET /api/v1/agents/{id}"))]);
        store.add_http(&request(&tags, 0, id));
    }
    let series = store.get("http_req_duration").unwrap();
    assert_eq!(series.by_tags().count(), MAX_TAG_SETS + 1);
    assert_eq!(series.overflowed(), 500);
    assert_eq!(store.count("http_reqs"), (MAX_TAG_SETS + 500) as f64);
    assert_eq!(
        store.count("http_reqs{overflow:true}"),
        0.0,
        "a selector is not a metric name"
    );
    let merged = store
        .sink("http_reqs", &[("overflow".into(), "true".into())])
        .unwrap();
    assert_eq!(merged.samples(), 500);
    let warnings = store.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("http_req_duration had more than 1000 tag sets"))
    );
}

#[test]
fn a_merge_of_one_name_with_two_kinds_is_a_problem_not_a_silent_drop() {
    let tags = Tags::default();
    let mut ours = Store::new();
    ours.add(&sample("x", MetricKind::Trend, 5.0, &tags, 0));
    let mut theirs = Store::new();
    theirs.add(&sample("x", MetricKind::Counter, 1.0, &tags, 0));
    theirs.add(&sample("x", MetricKind::Counter, 1.0, &tags, 10));
    assert!(ours.problems().is_empty());
    ours.merge(&theirs);
    assert_eq!(ours.count("x"), 1.0, "the trend keeps its one sample");
    assert_eq!(
        ours.problems(),
        [
            "metric \"x\" is a trend, but 2 samples came to it as a counter (two metric handles \
          share its name): they were not counted"
        ]
    );
}
