//! `report.html`: one self-contained page (inline CSS and SVG, one small inline script; nothing
//! fetched at view time) — the verdict, thresholds, the per-endpoint table and charts over time
//! of VUs, requests per second, latency percentiles and errors, with stage ends marked.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::junit::esc;
use super::text::{endpoint_numbers, number, observed};
use crate::Report;
use crate::metrics::names;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;\
color:#222}h1{font-size:22px;margin:0}h2{font-size:17px;margin-top:28px}.verdict{padding:14px 18px;\
border-radius:6px;color:#fff}.pass{background:#1a7f37}.fail{background:#c62828}.invalid{background:#b26a00}table{border-collapse:\
collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}td.n,th.n{\
text-align:right;font-variant-numeric:tabular-nums}tr.bad td{background:#fdecea}svg.chart{width:100%;\
height:auto;background:#fafafa;border:1px solid #e4e4e4;margin:6px 0}.legend span{margin-right:14px}\
code{background:#f2f2f2;padding:1px 4px;border-radius:3px}";

/// Counts the charts once the page has loaded: a page that rendered sets `data-charts`.
const SCRIPT: &str = "document.addEventListener('DOMContentLoaded',function(){\
document.documentElement.dataset.charts=String(document.querySelectorAll('svg.chart polyline')\
.length);});";

pub(super) fn write_html(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let (class, verdict) = if r.invalid.is_some() {
        ("invalid", "INVALID")
    } else if r.passed() {
        ("pass", "PASSED")
    } else {
        ("fail", "FAILED")
    };
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — {verdict}</title>\
         <style>{STYLE}</style><script>{SCRIPT}</script></head><body>",
        esc(&r.name)
    );
    let _ = write!(
        h,
        "<div class=\"verdict {class}\" id=\"verdict\"><h1>{verdict} — {}</h1>{:.1} s · time scale {} · \
         target {} · {} requests · {:.2}% failed</div>",
        esc(&r.name),
        r.duration.as_secs_f64(),
        r.time_scale,
        esc(r.target.as_deref().unwrap_or("none")),
        number(r.count(names::HTTP_REQS)),
        r.value(names::HTTP_REQ_FAILED, "rate").unwrap_or(0.0) * 100.0
    );
    if let Some(e) = &r.ended_early {
        let _ = write!(
            h,
            "<p id=\"ended-early\"><b>Ended in {}:</b> {}</p>",
            e.phase,
            esc(&e.reason)
        );
    }
    for note in r.split_notes() {
        let _ = write!(h, "<p class=\"split\"><b>{}</b></p>", esc(&note));
    }
    let mut notes: Vec<String> = r.invalid.iter().map(|w| format!("INVALID: {w}")).collect();
    notes.extend(r.problems.iter().map(|p| format!("Failed: {p}")));
    if let Some(a) = &r.aborted {
        notes.push(format!("Stopped early: {a}"));
    }
    notes.extend(
        r.store
            .warnings()
            .into_iter()
            .map(|w| format!("Warning: {w}")),
    );
    if !notes.is_empty() {
        h.push_str("<ul id=\"problems\">");
        for n in notes {
            let _ = write!(h, "<li>{}</li>", esc(&n));
        }
        h.push_str("</ul>");
    }

    h.push_str(
        "<h2>Thresholds</h2><table id=\"thresholds\"><tr><th></th><th>Metric</th>\
                <th>Threshold</th><th>Observed</th><th>From</th></tr>",
    );
    for t in &r.thresholds {
        let (row, mark) = if t.passed() {
            ("", "✓")
        } else {
            (" class=\"bad\"", "✗")
        };
        let _ = write!(
            h,
            "<tr{row}><td>{mark}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>\
             <td>{}</td></tr>",
            esc(&t.selector.to_string()),
            esc(&t.expression.to_string()),
            esc(&observed(t)),
            esc(&t.sources_text())
        );
    }
    h.push_str("</table>");

    if !r.analyses.is_empty() {
        h.push_str("<h2>Analyses</h2><ul id=\"analyses\">");
        for a in &r.analyses {
            let mark = if a.passed { "✓" } else { "✗" };
            let _ = write!(
                h,
                "<li>{mark} <b>{}</b>: {}</li>",
                esc(a.kind.as_str()),
                esc(&a.summary)
            );
        }
        h.push_str("</ul>");
    }

    h.push_str("<h2>Endpoints (worst first)</h2><table id=\"endpoints\"><tr><th>Endpoint</th>\
                <th class=\"n\">Requests</th><th class=\"n\">Failed</th><th class=\"n\">p50 ms</th>\
                <th class=\"n\">p95 ms</th><th class=\"n\">p99 ms</th><th class=\"n\">max ms</th></tr>");
    for e in r.endpoints() {
        let row = if e.failures > 0 { " class=\"bad\"" } else { "" };
        let _ = write!(
            h,
            "<tr{row}><td>{}</td>{}</tr>",
            esc(&e.name),
            endpoint_numbers(&e)
                .iter()
                .map(|n| format!("<td class=\"n\">{n}</td>"))
                .collect::<String>()
        );
    }
    h.push_str("</table>");

    h.push_str("<h2>Over time</h2><div id=\"charts\">");
    let marks = stage_marks(r);
    let findings: Vec<(f64, &str)> = r
        .analyses
        .iter()
        .filter_map(|a| a.at.map(|t| (t, a.kind.as_str())))
        .collect();
    let x_max = r.duration.as_secs_f64().max(1.0);
    let per_second = |metric: &str, f: &dyn Fn(&crate::metrics::Bucket, f64) -> Option<f64>| {
        points(r, metric, f)
    };
    let vus = per_second(names::VUS, &|b, _| (b.count > 0).then_some(b.max));
    let rps = per_second(names::HTTP_REQS, &|b, s| Some(b.count as f64 / s));
    let errors = per_second(names::HTTP_REQ_FAILED, &|b, s| Some(b.trues as f64 / s));
    let pct = |p| per_second(names::HTTP_REQ_DURATION, &move |b, _| b.percentile(p));
    let charts = [
        ("Virtual users", "VUs", vec![("active VUs", "#1565c0", vus)]),
        (
            "Requests per second",
            "req/s",
            vec![("requests/s", "#2e7d32", rps)],
        ),
        (
            "Request duration",
            "ms",
            vec![
                ("p50", "#1565c0", pct(50.0)),
                ("p95", "#ef6c00", pct(95.0)),
                ("p99", "#c62828", pct(99.0)),
            ],
        ),
        (
            "Failed requests per second",
            "failed/s",
            vec![("failed/s", "#c62828", errors)],
        ),
    ];
    for (title, unit, lines) in &charts {
        chart(&mut h, title, unit, lines, &marks, &findings, x_max);
    }
    h.push_str("</div>");

    let checks = r.checks();
    if !checks.is_empty() {
        h.push_str(
            "<h2>Checks</h2><table id=\"checks\"><tr><th></th><th>Check</th>\
                    <th class=\"n\">Passed</th><th class=\"n\">Failed</th></tr>",
        );
        for c in checks {
            let (row, mark) = if c.fails == 0 {
                ("", "✓")
            } else {
                (" class=\"bad\"", "✗")
            };
            let _ = write!(
                h,
                "<tr{row}><td>{mark}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&c.name),
                c.passes,
                c.fails
            );
        }
        h.push_str("</table>");
    }
    let failures = r.failures_by_class();
    if !failures.is_empty() {
        h.push_str("<h2>Failed requests by class</h2><ul>");
        for (class, n) in failures {
            let _ = write!(h, "<li>{n} × {}</li>", esc(&class));
        }
        h.push_str("</ul>");
    }
    if r.resent() > 0 {
        let _ = write!(
            h,
            "<p>{}</p>",
            esc(&super::text::resent_sentence(r.resent()))
        );
    }
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())?;
    out.flush()
}

/// A metric's windows as `(mid-window second, value)` points.
fn points(
    r: &Report,
    metric: &str,
    f: &dyn Fn(&crate::metrics::Bucket, f64) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let Some(series) = r.store.get(metric) else {
        return Vec::new();
    };
    series
        .timeline()
        .windows()
        .filter_map(|w| {
            let secs = w.seconds as f64;
            f(w.bucket, secs).map(|v| (w.start as f64 + secs / 2.0, v))
        })
        .collect()
}

/// Where each scenario's stages end, in seconds from the run's start.
fn stage_marks(r: &Report) -> Vec<f64> {
    let mut marks: Vec<f64> = r
        .scenarios
        .iter()
        .flat_map(|s| {
            let start = s.start.as_secs_f64();
            s.stage_ends.iter().map(move |e| start + e)
        })
        .collect();
    marks.sort_by(f64::total_cmp);
    marks.dedup();
    marks
}

type Line<'a> = (&'a str, &'a str, Vec<(f64, f64)>);

/// One SVG line chart: x in seconds from 0 to `x_max`, y from 0 to a round maximum.
fn chart(
    h: &mut String,
    title: &str,
    unit: &str,
    lines: &[Line<'_>],
    marks: &[f64],
    findings: &[(f64, &str)],
    x_max: f64,
) {
    const W: f64 = 960.0;
    const H: f64 = 220.0;
    const L: f64 = 60.0;
    const B: f64 = 24.0;
    const T: f64 = 10.0;
    let top = lines
        .iter()
        .flat_map(|l| l.2.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let y_max = nice(top);
    let x = |s: f64| L + (s / x_max).clamp(0.0, 1.0) * (W - L - 10.0);
    let y = |v: f64| T + (1.0 - v / y_max) * (H - T - B);
    let _ = write!(
        h,
        "<h3>{}</h3><svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    for k in 0..=4 {
        let v = y_max * f64::from(k) / 4.0;
        let _ = write!(
            h,
            "<line x1=\"{L}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            W - 10.0,
            L - 6.0,
            y(v) + 4.0,
            number(v),
            yy = y(v)
        );
    }
    for k in 0..=5 {
        let s = x_max * f64::from(k) / 5.0;
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}s</text>",
            x(s),
            H - 6.0,
            number(if x_max < 20.0 {
                (s * 10.0).round() / 10.0
            } else {
                s.round()
            })
        );
    }
    for m in marks {
        let _ = write!(
            h,
            "<line class=\"stage\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{T}\" y2=\"{}\" stroke=\"#999\" \
             stroke-dasharray=\"4 3\"/>",
            H - B,
            xx = x(*m)
        );
    }
    for (at, kind) in findings {
        let _ = write!(
            h,
            "<line class=\"finding\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{T}\" y2=\"{}\" \
             stroke=\"#c62828\" stroke-width=\"2\"><title>{}</title></line>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"11\" fill=\"#c62828\">{}</text>",
            H - B,
            esc(kind),
            x(*at) + 3.0,
            T + 12.0,
            esc(kind),
            xx = x(*at)
        );
    }
    for (label, color, pts) in lines {
        let path: Vec<String> = pts
            .iter()
            .map(|(s, v)| format!("{:.1},{:.1}", x(*s), y(*v)))
            .collect();
        let _ = write!(
            h,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{}\">\
             <title>{}</title></polyline>",
            path.join(" "),
            esc(label)
        );
    }
    h.push_str("</svg><div class=\"legend\">");
    for (label, color, _) in lines {
        let _ = write!(
            h,
            "<span style=\"color:{color}\">■ {} ({unit})</span>",
            esc(label)
        );
    }
    h.push_str("</div>");
}

/// A round axis maximum at or above `v`: 1, 2 or 5 times a power of ten.
fn nice(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}
