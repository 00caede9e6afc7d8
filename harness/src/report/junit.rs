//! `junit.xml`: each threshold, check and analysis a test case, and the run itself one more (its
//! problems and an early stop), so CI systems show a load test's failures natively.

use std::io::{self, Write};

use super::text::{number, observed};
use crate::Report;

/// One test case: class, name, and the failure's kind and message if it failed.
struct Case {
    class: String,
    name: String,
    failure: Option<(&'static str, String)>,
    /// Shown beside a passing case (an analysis's finding).
    output: Option<String>,
}

pub(super) fn write_junit(r: &Report, out: &mut impl Write) -> io::Result<()> {
    // An early end leads: it is the reason the rest may be missing.
    let mut why: Vec<String> = r.ended_early.iter().map(ToString::to_string).collect();
    why.extend(
        r.merged
            .iter()
            .filter(|m| m.partial())
            .map(|m| format!("PARTIAL: no data for {}", m.missing.join(", "))),
    );
    why.extend(r.invalid.iter().map(|w| format!("INVALID: {w}")));
    why.extend(r.problems.iter().cloned());
    why.extend(r.aborted.iter().map(|a| format!("stopped early: {a}")));
    let run = [Case {
        class: "run".into(),
        name: "the run completed without a problem".into(),
        failure: (!why.is_empty()).then(|| ("run", why.join("; "))),
        output: None,
    }];
    let thresholds: Vec<Case> = r
        .thresholds
        .iter()
        .map(|t| {
            let name = format!("{} {}", t.selector, t.expression);
            Case {
                class: format!("thresholds.{}", t.selector.metric),
                failure: (!t.passed())
                    .then(|| ("threshold", format!("{name}: observed {}", observed(t)))),
                name,
                output: None,
            }
        })
        .collect();
    let checks: Vec<Case> = r
        .checks()
        .into_iter()
        .map(|c| {
            let total = c.passes + c.fails;
            Case {
                class: "checks".into(),
                failure: (c.fails > 0).then(|| {
                    let pct = number(c.fails as f64 * 100.0 / total as f64);
                    ("check", format!("{} of {total} failed ({pct}%)", c.fails))
                }),
                name: c.name,
                output: None,
            }
        })
        .collect();
    let analyses: Vec<Case> = r
        .analyses
        .iter()
        .map(|a| Case {
            class: "analyses".into(),
            name: a.kind.as_str().into(),
            failure: (!a.passed).then(|| ("analysis", a.summary.clone())),
            output: a.passed.then(|| a.summary.clone()),
        })
        .collect();
    let suites = [
        ("run", &run[..], r.duration.as_secs_f64()),
        ("thresholds", &thresholds[..], 0.0),
        ("checks", &checks[..], 0.0),
        ("analyses", &analyses[..], 0.0),
    ];
    let all: Vec<&Case> = suites.iter().flat_map(|s| s.1.iter()).collect();
    let failed = |cases: &[&Case]| cases.iter().filter(|c| c.failure.is_some()).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{}" failures="{}" errors="0" time="{:.3}">"#,
        esc(&r.name),
        all.len(),
        failed(&all),
        r.duration.as_secs_f64()
    )?;
    for (label, cases, time) in suites {
        let refs: Vec<&Case> = cases.iter().collect();
        writeln!(
            out,
            r#"  <testsuite name="{} {label}" tests="{}" failures="{}" errors="0" time="{time:.3}">"#,
            esc(&r.name),
            cases.len(),
            failed(&refs)
        )?;
        for c in cases {
            writeln!(
                out,
                r#"    <testcase classname="{}" name="{}" time="{time:.3}">"#,
                esc(&c.class),
                esc(&c.name)
            )?;
            if let Some((kind, message)) = &c.failure {
                writeln!(
                    out,
                    r#"      <failure type="{kind}" message="{}"/>"#,
                    esc(message)
                )?;
            }
            if let Some(text) = &c.output {
                writeln!(out, "      <system-out>{}</system-out>", esc(text))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    out.flush()
}

/// Text as XML attribute or element content; characters XML 1.0 cannot hold are dropped.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
