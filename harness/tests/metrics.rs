//! Sinks and the store: HDR percentiles, exact merges, per-second buckets, flat memory.

use std::time::Duration;

use harness::metrics::{MetricKind, Sample, Sink, Store, Tags, TrendSink, Value};
use harness::threshold::Aggregation;

fn sample(metric: &'static str, kind: MetricKind, value: f64, tags: &Tags, at_ms: u64) -> Sample {
    Sample {
        metric: metric.into(),
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
    let buckets = &one.get("http_req_duration").unwrap().buckets();
    assert_eq!(buckets.len(), 2);
    assert_eq!(buckets[0].count + buckets[1].count, 200);
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
