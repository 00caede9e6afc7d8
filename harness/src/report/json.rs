//! The report as JSON: every metric with its aggregates and its windows over time (per second
//! for the last minute, per 10 s for the last hour, per minute before), checks, thresholds and
//! the run's facts.

use serde_json::{Map, Value, json};

use crate::Report;
use crate::metrics::{Aggregation, MetricKind, Sink};

pub(super) fn to_json(r: &Report) -> Value {
    let mut metrics = Map::new();
    for (name, series) in r.store.iter() {
        let sink = series.merged(&[]);
        let windows: Vec<Value> = series
            .timeline()
            .windows()
            .map(|w| {
                let b = w.bucket;
                let mut v =
                    json!({ "t": w.start, "seconds": w.seconds, "count": b.count, "sum": b.sum });
                if b.count > 0 {
                    v["min"] = json!(b.min);
                    v["max"] = json!(b.max);
                }
                if series.kind() == MetricKind::Rate {
                    v["trues"] = json!(b.trues);
                }
                if let (Some(p95), Some(p99)) = (b.percentile(95.0), b.percentile(99.0)) {
                    v["p95"] = json!(p95);
                    v["p99"] = json!(p99);
                }
                v
            })
            .collect();
        metrics.insert(
            name.to_string(),
            json!({ "type": series.kind(), "values": values(&sink, r), "windows": windows }),
        );
    }
    json!({
        "name": r.name,
        "duration_s": r.duration.as_secs_f64(),
        "time_scale": r.time_scale,
        "passed": r.passed(),
        "aborted": r.aborted,
        "problems": r.problems,
        "warnings": r.store.warnings(),
        "scenarios": r.scenarios,
        "thresholds": r.thresholds,
        "checks": r.checks(),
        "failures_by_class": r
            .failures_by_class()
            .into_iter()
            .map(|(class, n)| (class, json!(n)))
            .collect::<Map<_, _>>(),
        "iteration_errors": r.iteration_errors,
        "metrics": metrics,
    })
}

fn values(sink: &Sink, r: &Report) -> Value {
    let aggs: &[(&str, Aggregation)] = match sink.kind() {
        MetricKind::Trend => &[
            ("avg", Aggregation::Avg),
            ("min", Aggregation::Min),
            ("med", Aggregation::Med),
            ("max", Aggregation::Max),
            ("p(90)", Aggregation::Percentile(90.0)),
            ("p(95)", Aggregation::Percentile(95.0)),
            ("p(99)", Aggregation::Percentile(99.0)),
            ("count", Aggregation::Count),
        ],
        MetricKind::Counter => &[("count", Aggregation::Count), ("rate", Aggregation::Rate)],
        MetricKind::Rate => &[("rate", Aggregation::Rate)],
        MetricKind::Gauge => &[
            ("value", Aggregation::Value),
            ("min", Aggregation::Min),
            ("max", Aggregation::Max),
        ],
    };
    let mut m = Map::new();
    for (k, a) in aggs {
        if let Some(v) = sink.aggregate(*a, r.duration) {
            m.insert((*k).to_string(), json!(v));
        }
    }
    if let Sink::Rate { trues, total } = sink {
        m.insert("passes".into(), json!(trues));
        m.insert("fails".into(), json!(total - trues));
    }
    Value::Object(m)
}
