//! `junit.xml`: each threshold and each check a test case, and the run itself one more (its
//! problems and an early stop), so CI systems show a load test's failures natively.

use std::io::{self, Write};

use super::text::{number, observed};
use crate::Report;
use crate::threshold::AbortReason;

pub(super) fn write_junit(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let checks = r.checks();
    let failed_thresholds = r.failed_thresholds().len();
    let failed_checks = checks.iter().filter(|c| c.fails > 0).count();
    let run_failed =
        usize::from(r.aborted.is_some() || r.invalid.is_some() || !r.problems.is_empty());
    let failed_analyses = r.analyses.iter().filter(|a| !a.passed).count();
    let tests = r.thresholds.len() + checks.len() + r.analyses.len() + 1;
    let failures = failed_thresholds + failed_checks + failed_analyses + run_failed;
    let time = r.duration.as_secs_f64();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="0" time="{time:.3}">"#,
        esc(&r.name)
    )?;

    writeln!(
        out,
        r#"  <testsuite name="{} run" tests="1" failures="{run_failed}" errors="0" time="{time:.3}">"#,
        esc(&r.name)
    )?;
    writeln!(
        out,
        r#"    <testcase classname="run" name="the run completed without a problem" time="{time:.3}">"#
    )?;
    let mut why: Vec<String> = r.invalid.iter().map(|w| format!("INVALID: {w}")).collect();
    why.extend(r.problems.iter().cloned());
    match &r.aborted {
        Some(AbortReason::Threshold {
            selector,
            expression,
        }) => why.push(format!(
            "aborted: {selector} {expression} failed (abort_on_fail)"
        )),
        Some(AbortReason::Signal { signal }) => why.push(format!("interrupted by {signal}")),
        None => {}
    }
    if !why.is_empty() {
        let message = why.join("; ");
        writeln!(
            out,
            r#"      <failure type="run" message="{}">{}</failure>"#,
            esc(&message),
            esc(&why.join("\n"))
        )?;
    }
    writeln!(out, "    </testcase>\n  </testsuite>")?;

    writeln!(
        out,
        r#"  <testsuite name="{} thresholds" tests="{}" failures="{failed_thresholds}" errors="0" time="0">"#,
        esc(&r.name),
        r.thresholds.len()
    )?;
    for t in &r.thresholds {
        let name = format!("{} {}", t.selector, t.expression);
        writeln!(
            out,
            r#"    <testcase classname="thresholds.{}" name="{}" time="0">"#,
            esc(&t.selector.metric),
            esc(&name)
        )?;
        if !t.passed() {
            let message = format!("{name}: observed {}", observed(t));
            writeln!(
                out,
                r#"      <failure type="threshold" message="{}"/>"#,
                esc(&message)
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;

    writeln!(
        out,
        r#"  <testsuite name="{} checks" tests="{}" failures="{failed_checks}" errors="0" time="0">"#,
        esc(&r.name),
        checks.len()
    )?;
    for c in &checks {
        writeln!(
            out,
            r#"    <testcase classname="checks" name="{}" time="0">"#,
            esc(&c.name)
        )?;
        if c.fails > 0 {
            let total = c.passes + c.fails;
            let message = format!(
                "{} of {total} failed ({}%)",
                c.fails,
                number(c.fails as f64 * 100.0 / total as f64)
            );
            writeln!(
                out,
                r#"      <failure type="check" message="{}"/>"#,
                esc(&message)
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;

    writeln!(
        out,
        r#"  <testsuite name="{} analyses" tests="{}" failures="{failed_analyses}" errors="0" time="0">"#,
        esc(&r.name),
        r.analyses.len()
    )?;
    for a in &r.analyses {
        writeln!(
            out,
            r#"    <testcase classname="analyses" name="{}" time="0">"#,
            esc(a.kind)
        )?;
        if !a.passed {
            writeln!(
                out,
                r#"      <failure type="analysis" message="{}"/>"#,
                esc(&a.summary)
            )?;
        } else {
            writeln!(out, "      <system-out>{}</system-out>", esc(&a.summary))?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>\n</testsuites>")?;
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
