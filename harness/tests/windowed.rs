//! Windowed thresholds (`p(95)<500 over 30s`): the condition must hold in every window, so an
//! outage inside a long run fails even when the whole-run aggregate passes; the worst window is
//! named. Table-tested on a store fed with synthetic timestamps.

use std::time::Duration;

use harness::metrics::{MetricKind, Sample, Store, Tags, Value, builtin_kind};
use harness::threshold::{
    Span, Threshold, Verdict, WindowRef, compile, evaluate, parse_expression,
};
use rstest::rstest;

/// A store with `http_req_duration` samples: ten a second at `fast` ms, except during `slow`
/// (seconds, half-open) at 900 ms; and `http_req_failed` false throughout.
fn store(seconds: u64, slow: std::ops::Range<u64>, fast: f64) -> Store {
    let mut s = Store::new();
    for t in 0..seconds {
        for _ in 0..10 {
            let v = if slow.contains(&t) { 900.0 } else { fast };
            s.add(&Sample {
                metric: "http_req_duration",
                kind: MetricKind::Trend,
                tags: Tags::default(),
                value: Value::Number(v),
                at: Duration::from_secs(t),
            });
        }
    }
    s
}

fn verdict(
    store: &Store,
    threshold: Threshold,
    span: Span,
) -> (Verdict, Option<f64>, Option<WindowRef>) {
    let c = compile("http_req_duration", &threshold, builtin_kind).unwrap();
    let r = evaluate(&[c], store, Duration::from_secs(span.to), span)
        .pop()
        .unwrap();
    (r.verdict, r.observed, r.worst_window)
}

fn span(from: u64, to: u64) -> Span {
    Span {
        from,
        to,
        complete_only: false,
    }
}

#[rstest]
#[case("p(95)<500 over 30s", Some(30))]
#[case("p(95)<500 over 5m", Some(300))]
#[case("avg<1 over 1h", Some(3600))]
#[case("rate<0.01", None)]
fn windowed_expressions_parse_and_print_back(#[case] input: &str, #[case] over: Option<u64>) {
    let e = parse_expression(input).unwrap();
    assert_eq!(e.over, over);
    assert_eq!(parse_expression(&e.to_string()).unwrap(), e);
}

#[rstest]
#[case("p(95)<500 over 0s", "from 1s to 24h")]
#[case("p(95)<500 over 2d", "not a duration")]
#[case("p(95)<500 over 1.5s", "not a duration")]
#[case("p(95)<500 over", "not a number")]
fn bad_windows_are_refused_with_the_reason(#[case] input: &str, #[case] reason: &str) {
    let e = compile("http_req_duration", &Threshold::new(input), builtin_kind)
        .unwrap_err()
        .to_string();
    assert!(e.contains(reason), "{input}: {e}");
}

#[test]
fn a_windowed_threshold_on_a_tag_filter_or_on_value_is_refused() {
    let tagged = compile(
        "http_req_duration{name:GET /}",
        &Threshold::new("p(95)<500 over 30s"),
        builtin_kind,
    );
    assert!(tagged.unwrap_err().to_string().contains("whole metric"));
    let value = compile("vus", &Threshold::new("value<5 over 30s"), builtin_kind);
    assert!(
        value
            .unwrap_err()
            .to_string()
            .contains("no meaning over a window")
    );
}

#[test]
fn a_short_outage_in_a_long_run_passes_the_whole_run_p95_but_fails_the_windowed_one() {
    // 10 slow seconds in 600: 1.7 % of the samples, below the whole run's p(95).
    let s = store(600, 300..310, 10.0);
    let whole = verdict(&s, Threshold::new("p(95)<500"), span(0, 600));
    assert_eq!(whole.0, Verdict::Pass);
    let (v, observed, worst) = verdict(&s, Threshold::new("p(95)<500 over 30s"), span(0, 600));
    assert_eq!(v, Verdict::Fail);
    assert!(observed.unwrap() > 850.0, "{observed:?}");
    assert_eq!(
        worst,
        Some(WindowRef {
            start: 300,
            seconds: 30
        })
    );
    // The typed form says the same.
    let typed = Threshold::agg(harness::threshold::Aggregation::Percentile(95.0))
        .lt(500.0)
        .over(Duration::from_secs(30));
    assert_eq!(verdict(&s, typed, span(0, 600)).0, Verdict::Fail);
}

#[rstest]
// Windows align at the span's start: the outage straddles two windows of 20 s from 5.
#[case::aligned_at_the_span(5, 600, 300..310, 20, Verdict::Fail, Some(285))]
// Outside the span (setup, teardown) nothing counts.
#[case::outage_before_the_span(320, 600, 300..310, 30, Verdict::Pass, None)]
// A run shorter than one window is judged on the part it has.
#[case::run_shorter_than_a_window(0, 12, 0..0, 30, Verdict::Pass, Some(0))]
// No samples in the span at all: no data.
#[case::empty_span(700, 800, 0..0, 30, Verdict::NoData, None)]
fn windows_follow_the_span(
    #[case] from: u64,
    #[case] to: u64,
    #[case] slow: std::ops::Range<u64>,
    #[case] width: u64,
    #[case] expected: Verdict,
    #[case] worst_start: Option<u64>,
) {
    let s = store(600, slow, 10.0);
    let t = Threshold::new(format!("p(95)<500 over {width}s"));
    let (v, _, worst) = verdict(&s, t, span(from, to));
    assert_eq!(v, expected);
    if let Some(start) = worst_start {
        assert_eq!(worst.map(|w| w.start), Some(start));
    }
}

#[test]
fn mid_run_only_windows_that_have_ended_are_judged() {
    // The outage is in the window still open at second 305: nothing fails yet.
    let s = store(306, 300..306, 10.0);
    let open = Span {
        from: 0,
        to: 305,
        complete_only: true,
    };
    assert_eq!(
        verdict(&s, Threshold::new("p(95)<500 over 30s"), open).0,
        Verdict::Pass
    );
}
