//! `summary.md`: the verdict, thresholds and the per-endpoint table in Markdown, for a CI step
//! summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment.

use std::io::{self, Write};

use super::text::{endpoint_numbers, number, observed};
use crate::Report;

pub(super) fn write_markdown(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let verdict = if r.invalid.is_some() {
        "⚠️ INVALID"
    } else if r.passed() {
        "✅ PASSED"
    } else {
        "❌ FAILED"
    };
    writeln!(out, "## {verdict} — {}\n", cell(&r.name))?;
    if let Some(e) = &r.ended_early {
        writeln!(out, "**Ended in {}**: {}\n", e.phase, cell(&e.reason))?;
    }
    for note in r.split_notes() {
        writeln!(out, "**{}**\n", cell(&note))?;
    }
    let requests = r.count("http_reqs");
    let failed = r.value("http_req_failed", "rate").unwrap_or(0.0);
    let target = r.target.as_deref().unwrap_or("no base URL");
    writeln!(
        out,
        "{:.1} s · time scale {} · target `{target}` · {} requests · {:.2}% failed\n",
        r.duration.as_secs_f64(),
        r.time_scale,
        number(requests),
        failed * 100.0
    )?;
    if let Some(a) = &r.aborted {
        writeln!(out, "- **Stopped early**: {}", cell(&a.to_string()))?;
    }
    if let Some(why) = &r.invalid {
        writeln!(out, "- **Invalid**: {}", cell(why))?;
    }
    for p in &r.problems {
        writeln!(out, "- **Failed**: {}", cell(p))?;
    }
    for w in r.store.warnings() {
        writeln!(out, "- Warning: {}", cell(&w))?;
    }
    if !r.thresholds.is_empty() {
        writeln!(out, "\n### Thresholds\n")?;
        writeln!(out, "| | Metric | Threshold | Observed | From |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for t in &r.thresholds {
            let mark = if t.passed() { "✅" } else { "❌" };
            writeln!(
                out,
                "| {mark} | `{}` | `{}` | {} | {} |",
                cell(&t.selector.to_string()),
                cell(&t.expression.to_string()),
                observed(t),
                cell(&t.sources_text())
            )?;
        }
    }
    if !r.analyses.is_empty() {
        writeln!(out, "\n### Analyses\n")?;
        for a in &r.analyses {
            let mark = if a.passed { "✅" } else { "❌" };
            writeln!(out, "- {mark} **{}**: {}", a.kind, cell(&a.summary))?;
        }
    }
    let checks = r.checks();
    if !checks.is_empty() {
        writeln!(out, "\n### Checks\n")?;
        writeln!(out, "| | Check | Passed | Failed |")?;
        writeln!(out, "|---|---|---:|---:|")?;
        for c in &checks {
            let mark = if c.fails == 0 { "✅" } else { "❌" };
            writeln!(
                out,
                "| {mark} | {} | {} | {} |",
                cell(&c.name),
                c.passes,
                c.fails
            )?;
        }
    }
    let rows = r.endpoints();
    if !rows.is_empty() {
        writeln!(out, "\n### Endpoints (worst first)\n")?;
        writeln!(
            out,
            "| Endpoint | Requests | Failed | p50 ms | p95 ms | p99 ms | max ms |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
        for e in rows {
            writeln!(
                out,
                "| {} | {} |",
                cell(&e.name),
                endpoint_numbers(&e).join(" | ")
            )?;
        }
    }
    let failures = r.failures_by_class();
    if !failures.is_empty() {
        writeln!(out, "\n### Failed requests by class\n")?;
        for (class, n) in failures {
            writeln!(out, "- {n} × {class}")?;
        }
    }
    if r.resent() > 0 {
        writeln!(out, "\n{}", super::text::resent_sentence(r.resent()))?;
    }
    if let Some(line) = super::text::protocols_sentence(r) {
        writeln!(out, "\n{line}")?;
    }
    writeln!(out)?;
    out.flush()
}

/// Text safe inside a table cell: no pipes, no line breaks, no backticks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('`', "'")
}
