//! The text summary printed at the end of a run.

use std::io::{self, Write};

use crate::Report;
use crate::metrics::{Aggregation, MetricKind, Sink, unit_of};
use crate::threshold::{AbortReason, ThresholdResult, Verdict};

/// k6's aggregates of a trend, in its summary's order.
pub(super) const TREND_COLUMNS: [(&str, Aggregation); 7] = [
    ("avg", Aggregation::Avg),
    ("min", Aggregation::Min),
    ("med", Aggregation::Med),
    ("max", Aggregation::Max),
    ("p(90)", Aggregation::Percentile(90.0)),
    ("p(95)", Aggregation::Percentile(95.0)),
    ("p(99)", Aggregation::Percentile(99.0)),
];

pub(super) fn write_summary(r: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "  █ {} — {:.1}s (time scale {})",
        r.name,
        r.duration.as_secs_f64(),
        r.time_scale
    )?;
    for s in &r.scenarios {
        let interrupted = if s.interrupted > 0 {
            format!(", {} interrupted", s.interrupted)
        } else {
            String::new()
        };
        writeln!(
            out,
            "    scenario {}: {}, up to {} VUs, {:.1}s: {} complete iterations{interrupted}",
            s.name,
            s.executor,
            s.max_vus,
            s.duration.as_secs_f64(),
            s.iterations,
        )?;
    }
    if let Some(e) = &r.ended_early {
        let phase = e.phase.as_str().to_uppercase();
        writeln!(out, "    ENDED IN {phase}: {}", e.reason)?;
    }
    for note in r.split_notes() {
        writeln!(out, "    {note}")?;
    }
    match &r.aborted {
        Some(a @ AbortReason::Threshold { .. }) => writeln!(out, "    ABORTED: {a}")?,
        Some(AbortReason::Signal { signal }) => writeln!(out, "    INTERRUPTED by {signal}")?,
        None => {}
    }
    if let Some(why) = &r.invalid {
        writeln!(out, "    INVALID: {why}")?;
    }
    for p in &r.problems {
        writeln!(out, "    FAILED: {p}")?;
    }
    for w in r.store.warnings() {
        writeln!(out, "    WARNING: {w}")?;
    }
    if !r.thresholds.is_empty() {
        writeln!(out, "\n  THRESHOLDS")?;
        write_threshold_table(r, out)?;
    }
    if !r.analyses.is_empty() {
        writeln!(out, "\n  ANALYSES")?;
        for a in &r.analyses {
            let mark = if a.passed { '✓' } else { '✗' };
            writeln!(out, "    {mark} {}: {}", a.kind, a.summary)?;
        }
    }
    let checks = r.checks();
    if !checks.is_empty() {
        writeln!(out, "\n  CHECKS")?;
        for c in &checks {
            let total = c.passes + c.fails;
            let pct = if total == 0 {
                0.0
            } else {
                c.passes as f64 * 100.0 / total as f64
            };
            let mark = if c.fails == 0 { '✓' } else { '✗' };
            writeln!(
                out,
                "    {mark} {:<44} {pct:>6.2}%  ✓ {} ✗ {}",
                c.name, c.passes, c.fails
            )?;
        }
    }
    writeln!(out, "\n  METRICS")?;
    for (name, series) in r.store.iter() {
        let sink = series.merged(&[]);
        writeln!(out, "    {:.<36} {}", name, describe(name, &sink, r))?;
    }
    let mut sub: Vec<_> = r
        .thresholds
        .iter()
        .map(|t| &t.selector)
        .filter(|s| !s.tags.is_empty())
        .collect();
    sub.sort();
    sub.dedup();
    for selector in sub {
        if let Some(sink) = r.store.sink(&selector.metric, &selector.tags) {
            let line = describe(&selector.metric, &sink, r);
            writeln!(out, "      {:.<34} {line}", selector.to_string())?;
        }
    }
    write_endpoints(r, out)?;
    let failures = r.failures_by_class();
    if !failures.is_empty() {
        writeln!(out, "\n  FAILED REQUESTS BY CLASS")?;
        for (class, n) in &failures {
            writeln!(out, "    {n:>6} × {class}")?;
        }
    }
    if r.resent() > 0 {
        writeln!(out, "\n  {}", resent_sentence(r.resent()))?;
    }
    if let Some(line) = protocols_sentence(r) {
        writeln!(out, "\n  {line}")?;
    }
    if !r.iteration_errors.is_empty() {
        writeln!(out, "\n  ITERATION ERRORS")?;
        for (msg, n) in &r.iteration_errors {
            writeln!(out, "    {n:>6} × {msg}")?;
        }
    }
    writeln!(out)?;
    out.flush()
}

/// Requests by `name` tag, worst first.
fn write_endpoints(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let rows = r.endpoints();
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n  ENDPOINTS (worst first; times in ms)")?;
    writeln!(
        out,
        "    {:<40} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "name", "requests", "failed", "p50", "p95", "p99", "max"
    )?;
    for e in rows {
        let n = endpoint_numbers(&e);
        writeln!(
            out,
            "    {:<40} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            e.name, n[0], n[1], n[2], n[3], n[4], n[5]
        )?;
    }
    Ok(())
}

/// An endpoint's requests, failures, p50, p95, p99 and max, as every table shows them.
pub(super) fn endpoint_numbers(e: &crate::run::EndpointRow) -> [String; 6] {
    [
        e.requests.to_string(),
        e.failures.to_string(),
        number(e.p50),
        number(e.p95),
        number(e.p99),
        number(e.max),
    ]
}

/// What a threshold saw: `p(95)=12.30`, `no data` or `no data (allowed)`.
pub(super) fn observed(t: &ThresholdResult) -> String {
    match (t.verdict, t.observed) {
        (_, Some(v)) => match t.worst_window {
            Some(w) => format!(
                "{}={} (worst window {}–{} s)",
                t.expression.aggregation,
                number(v),
                w.start,
                w.start + w.seconds
            ),
            None => format!("{}={}", t.expression.aggregation, number(v)),
        },
        (Verdict::NoData, None) if t.allow_no_data => "no data (allowed)".to_string(),
        _ => "no data".to_string(),
    }
}

/// One line per threshold: ✓/✗, selector, expression, the observed value and, when the test
/// named them, its sources.
pub(super) fn write_threshold_table(r: &Report, out: &mut impl Write) -> io::Result<()> {
    for t in &r.thresholds {
        let mark = if t.passed() { '✓' } else { '✗' };
        let observed = observed(t);
        let abort = if t.abort_on_fail {
            " [abort_on_fail]"
        } else {
            ""
        };
        let from = match t.sources_text() {
            s if s.is_empty() => s,
            s => format!("  ({s})"),
        };
        writeln!(
            out,
            "    {mark} {:<52} {:<14} {observed}{abort}{from}",
            t.selector.to_string(),
            format!("'{}'", t.expression)
        )?;
    }
    Ok(())
}

fn describe(name: &str, sink: &Sink, r: &Report) -> String {
    let unit = unit_of(name).suffix();
    if sink.samples() == 0 {
        return "no samples".to_string();
    }
    match sink.kind() {
        MetricKind::Trend => TREND_COLUMNS
            .iter()
            .map(|(label, agg)| {
                format!(
                    "{label}={}{unit}",
                    number(sink.aggregate(*agg, r.duration).unwrap_or(0.0))
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        MetricKind::Counter => {
            let count = sink
                .aggregate(Aggregation::Count, r.duration)
                .unwrap_or(0.0);
            let rate = sink.aggregate(Aggregation::Rate, r.duration).unwrap_or(0.0);
            format!("{}  {}/s", number(count), number(rate))
        }
        MetricKind::Rate => {
            let Sink::Rate { trues, total } = sink else {
                return String::new();
            };
            let pct = if *total == 0 {
                0.0
            } else {
                *trues as f64 * 100.0 / *total as f64
            };
            format!("{pct:.2}%  {trues} of {total}")
        }
        MetricKind::Gauge => {
            let v = |a| number(sink.aggregate(a, r.duration).unwrap_or(0.0));
            format!(
                "{} min={} max={}",
                v(Aggregation::Value),
                v(Aggregation::Min),
                v(Aggregation::Max)
            )
        }
    }
}

pub(super) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Requests by HTTP version, from the run's `http_reqs_by_proto` counter.
pub(super) fn protocols(r: &Report) -> std::collections::BTreeMap<String, u64> {
    let mut by = std::collections::BTreeMap::new();
    if let Some(series) = r.store.get(crate::metrics::names::HTTP_REQS_BY_PROTO) {
        for (tags, sink) in series.by_tags() {
            if let Some(p) = tags.get("proto") {
                *by.entry(p.to_string()).or_default() += sink.samples();
            }
        }
    }
    by.retain(|_, n| *n > 0);
    by
}

/// What the reports say of the HTTP versions requests went out on: only when HTTP/2 was
/// spoken or more than one version was (plain HTTP/1.1 needs no line).
pub(super) fn protocols_sentence(r: &Report) -> Option<String> {
    let by = protocols(r);
    let h2 = by.keys().any(|p| p != "HTTP/1.1");
    if !(h2 || by.len() > 1) {
        return None;
    }
    let mut parts: Vec<_> = by.iter().collect();
    parts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<_> = parts.iter().map(|(p, n)| format!("{n} over {p}")).collect();
    Some(format!(
        "HTTP versions: {} (http_reqs_by_proto)",
        parts.join(", ")
    ))
}

/// What the reports say of requests sent again after the keep-alive race.
pub(super) fn resent_sentence(n: u64) -> String {
    format!(
        "{n} requests were sent again on a new connection: the server closed their kept one as \
         they went out (http_req_resent; not failures)"
    )
}
