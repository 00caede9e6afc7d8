//! The threshold grammar as a table of valid and invalid inputs, after k6's
//! `thresholds_parser_test.go`, plus validation against metric kinds.

use harness::metrics::MetricKind;
use harness::threshold::{
    Aggregation as A, Operator as O, Threshold, compile, parse_expression, parse_selector,
};
use rstest::rstest;

#[rstest]
#[case("p(95)<200", A::Percentile(95.0), O::Lt, 200.0)]
#[case("p(99.9)<=500", A::Percentile(99.9), O::Le, 500.0)]
#[case("p(0)>0", A::Percentile(0.0), O::Gt, 0.0)]
#[case("p(100)>=1", A::Percentile(100.0), O::Ge, 1.0)]
#[case("avg<100", A::Avg, O::Lt, 100.0)]
#[case("min>=0", A::Min, O::Ge, 0.0)]
#[case("med==12.5", A::Med, O::Eq, 12.5)]
#[case("max!=3", A::Max, O::Ne, 3.0)]
#[case("count===20", A::Count, O::StrictEq, 20.0)]
#[case("rate<0.01", A::Rate, O::Lt, 0.01)]
#[case("value>=-5", A::Value, O::Ge, -5.0)]
#[case("  p(95) < 200  ", A::Percentile(95.0), O::Lt, 200.0)]
#[case("avg\t<=\t1e3", A::Avg, O::Le, 1000.0)]
#[case("p( 90 )<1", A::Percentile(90.0), O::Lt, 1.0)]
fn valid_expressions_parse(#[case] input: &str, #[case] agg: A, #[case] op: O, #[case] value: f64) {
    let e = parse_expression(input).unwrap_or_else(|err| panic!("{input:?}: {err}"));
    assert_eq!((e.aggregation, e.operator, e.value), (agg, op, value));
}

#[rstest]
#[case::empty("", "empty")]
#[case::empty_percentile("p()<200", "no value")]
#[case::percentile_above_100("p(101)<200", "outside 0..=100")]
#[case::negative_percentile("p(-1)<200", "outside 0..=100")]
#[case::percentile_not_a_number("p(abc)<200", "not a number")]
#[case::no_operator("count!20", "malformed operator")]
#[case::no_operator_at_all("count 20", "no operator")]
#[case::unknown_method("foo>20", "unknown aggregation")]
#[case::value_not_a_number("count>abc", "not a number")]
#[case::missing_value("avg<", "no value")]
#[case::missing_method("<200", "no aggregation")]
#[case::infinite_value("avg<inf", "not a number")]
#[case::unclosed_percentile("p(95<200", "unbalanced parentheses")]
fn invalid_expressions_are_rejected_with_a_reason(#[case] input: &str, #[case] reason: &str) {
    let err = parse_expression(input).expect_err(input);
    assert!(
        err.contains(reason),
        "{input:?} gave {err:?}, expected it to mention {reason:?}"
    );
}

#[test]
fn selectors_parse_tag_filters_with_spaces_and_slashes() {
    let s = parse_selector("http_req_duration{name:POST /api/v1/auth/login}").unwrap();
    assert_eq!(s.metric, "http_req_duration");
    assert_eq!(
        s.tags,
        vec![("name".into(), "POST /api/v1/auth/login".into())]
    );
    let s = parse_selector("http_req_duration{status:200, method:GET}").unwrap();
    assert_eq!(
        s.tags,
        vec![
            ("method".into(), "GET".into()),
            ("status".into(), "200".into())
        ]
    );
    assert_eq!(s.to_string(), "http_req_duration{method:GET,status:200}");
}

#[rstest]
#[case("http_req_duration{name:x")]
#[case("{name:x}")]
#[case("http_req_duration{}")]
#[case("http_req_duration{name}")]
#[case("bad name{a:b}")]
fn malformed_selectors_are_rejected(#[case] input: &str) {
    assert!(parse_selector(input).is_err(), "{input:?} should not parse");
}

fn kinds(name: &str) -> Option<MetricKind> {
    harness::metrics::builtin_kind(name).or((name == "login_duration").then_some(MetricKind::Trend))
}

#[rstest]
#[case("http_req_duration", "p(95)<200")]
#[case("http_req_failed", "rate<0.01")]
#[case("http_reqs", "count>10")]
#[case("http_reqs", "rate>1")]
#[case("vus", "value<=100")]
#[case("login_duration", "p(95)<300")]
#[case("http_req_duration{name:GET /health}", "avg<5")]
fn thresholds_fit_their_metric_kind(#[case] metric: &str, #[case] expr: &str) {
    compile(metric, &Threshold::new(expr), kinds).unwrap();
}

#[rstest]
#[case("http_req_failed", "p(95)<1", "does not apply")]
#[case("http_reqs", "avg<1", "does not apply")]
#[case("http_req_duration", "rate<1", "does not apply")]
#[case("no_such_metric", "count>1", "no metric named")]
fn thresholds_that_do_not_fit_are_errors_quoting_the_input(
    #[case] metric: &str,
    #[case] expr: &str,
    #[case] reason: &str,
) {
    let err = compile(metric, &Threshold::new(expr), kinds)
        .unwrap_err()
        .to_string();
    assert!(err.contains(reason) && err.contains(expr), "{err}");
}

#[test]
fn typed_builder_writes_the_same_expression() {
    let t = Threshold::agg(A::Percentile(95.0)).lt(200.0);
    let c = compile("http_req_duration", &t, kinds).unwrap();
    assert_eq!(c.expression, parse_expression("p(95)<200").unwrap());
}

/// Every metric type against every aggregation: k6 1.1's table (`metrics/thresholds.go`), each
/// refusal naming the type and what it allows.
#[rstest]
#[case(MetricKind::Counter, "count, rate")]
#[case(MetricKind::Gauge, "value")]
#[case(MetricKind::Rate, "rate")]
#[case(MetricKind::Trend, "avg, min, max, med, p(95)")]
fn each_metric_type_accepts_exactly_k6s_aggregations(
    #[case] kind: MetricKind,
    #[case] accepted: &str,
) {
    let accepted: Vec<&str> = accepted.split(", ").collect();
    for agg in [
        "avg", "min", "med", "max", "p(95)", "p(99.9)", "count", "rate", "value",
    ] {
        let expr = format!("{agg}>20");
        let result = compile("m", &Threshold::new(expr.as_str()), |_| Some(kind));
        let want = accepted.contains(&agg) || (agg == "p(99.9)" && accepted.contains(&"p(95)"));
        match result {
            Ok(_) => assert!(want, "{kind:?} accepted {expr}"),
            Err(e) => {
                let e = e.to_string();
                assert!(!want, "{kind:?} refused {expr}: {e}");
                assert!(
                    e.contains(&format!("a {kind:?} allows")) && e.contains(&expr),
                    "{e}"
                );
            }
        }
    }
}

/// A test with a one-VU scenario and these thresholds on `http_req_duration`, validated.
fn plan_with(thresholds: Vec<Threshold>) -> harness::run::Plan {
    use harness::prelude::*;
    let mut test =
        Test::new("sources").scenario(Scenario::new("s", ConstantVus::new(1, secs(1)), |_vu| {
            Box::pin(async { Ok(()) })
        }));
    for t in thresholds {
        test = test.threshold("http_req_duration", t);
    }
    test.validate().unwrap()
}

/// `http_req_duration` samples of 100 ms, one a second for ten seconds.
fn durations() -> harness::metrics::Store {
    use harness::metrics::{Sample, Store, Tags, Value};
    let mut store = Store::new();
    for t in 0..10 {
        store.add(&Sample {
            metric: "http_req_duration",
            kind: MetricKind::Trend,
            tags: Tags::default(),
            value: Value::Number(100.0),
            at: std::time::Duration::from_secs(t),
        });
    }
    store
}

fn evaluate_on_durations(plan: &harness::run::Plan) -> Vec<harness::threshold::ThresholdResult> {
    let span = harness::threshold::Span {
        from: 0,
        to: 10,
        complete_only: false,
    };
    let elapsed = std::time::Duration::from_secs(10);
    harness::threshold::evaluate(&plan.thresholds, &durations(), elapsed, span)
}

#[test]
fn a_duplicated_expression_is_evaluated_once_and_names_both_sources() {
    let plan = plan_with(vec![
        Threshold::new("p(95)<500").source("suite"),
        Threshold::agg(A::Percentile(95.0))
            .lt(500.0)
            .source("environment local")
            .abort_on_fail()
            .delay_abort_eval(std::time::Duration::from_secs(10)),
    ]);

    let results = evaluate_on_durations(&plan);

    assert_eq!(results.len(), 1, "{results:?}");
    let r = &results[0];
    assert_eq!(r.sources, ["suite", "environment local"]);
    assert_eq!(r.sources_text(), "suite, environment local");
    assert!(
        r.passed() && r.abort_on_fail,
        "either aborts, so the one does"
    );
    assert_eq!(
        plan.thresholds[0].delay_abort_eval,
        std::time::Duration::from_secs(10)
    );
}

#[test]
fn distinct_expressions_on_the_same_metric_stay_separate() {
    let plan = plan_with(vec![
        Threshold::new("p(95)<500").source("suite"),
        Threshold::new("p(95)<300").source("environment staging"),
        Threshold::new("p(99)<500").source("environment staging"),
    ]);

    let results = evaluate_on_durations(&plan);

    let shown: Vec<(String, Vec<String>)> = results
        .iter()
        .map(|r| (r.expression.to_string(), r.sources.clone()))
        .collect();
    let want = |e: &str, s: &str| (e.to_string(), vec![s.to_string()]);
    assert_eq!(
        shown,
        [
            want("p(95)<500", "suite"),
            want("p(95)<300", "environment staging"),
            want("p(99)<500", "environment staging"),
        ]
    );
}
