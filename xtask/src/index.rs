//! The table of a multi-suite run: one row per suite, read from its `summary.json` — verdict,
//! requests, error rate, p95, p99, analysis, folder — printed and written as `index.md` and
//! `index.html` beside the suites' folders. A run that ended early shows where and why as its
//! verdict (`ENDED IN SETUP: setup failed: …`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use harness::report::Summary;

use crate::baseline::{Baseline, Comparison, Level, compare_summary};

/// One suite's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub suite: String,
    /// The test's own verdict (its exit status).
    pub test_passed: bool,
    /// The report's verdict, `None` when no report was written.
    pub report: Option<ReportFacts>,
    pub folder: PathBuf,
    /// The comparison with the suite's saved baseline, if there is one.
    pub baseline: Option<Comparison>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportFacts {
    pub passed: bool,
    pub invalid: bool,
    pub requests: f64,
    pub error_rate: f64,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub analysis: Option<String>,
    /// Where and why the run ended early (`summary.json`'s `ended_early`): phase and sentence.
    pub ended_early: Option<(String, String)>,
}

/// How much of an early end's sentence the table shows.
const SENTENCE_CHARS: usize = 100;

impl ReportFacts {
    pub fn from_summary(s: &Summary) -> ReportFacts {
        ReportFacts {
            passed: s.passed,
            invalid: s.invalid.is_some(),
            requests: s.value("http_reqs", "count").unwrap_or(0.0),
            error_rate: s.value("http_req_failed", "rate").unwrap_or(0.0),
            p95: s.value("http_req_duration", "p(95)"),
            p99: s.value("http_req_duration", "p(99)"),
            analysis: s.analyses.first().map(|a| {
                let mark = if a.passed { "✓" } else { "✗" };
                format!("{mark} {}", a.summary)
            }),
            ended_early: s
                .ended_early
                .as_ref()
                .map(|e| (e.phase.to_string(), e.reason.clone())),
        }
    }
}

impl Row {
    /// Reads `<folder>/summary.json`, if the suite wrote one it can read, and compares it with
    /// the suite's saved baseline, if there is one.
    pub fn read(suite: &str, test_passed: bool, folder: &Path, baseline: Option<&Baseline>) -> Row {
        let summary = std::fs::read_to_string(folder.join("summary.json"))
            .ok()
            .and_then(|text| Summary::from_json(&text).ok());
        Row {
            suite: suite.to_string(),
            test_passed,
            report: summary.as_ref().map(ReportFacts::from_summary),
            folder: folder.to_path_buf(),
            baseline: baseline
                .zip(summary.as_ref())
                .and_then(|(b, s)| compare_summary(s, b)),
        }
    }

    /// Passed only when the test and its report both say so, and no critical regression.
    pub fn passed(&self) -> bool {
        self.test_passed
            && self.report.as_ref().is_some_and(|r| r.passed)
            && self
                .baseline
                .as_ref()
                .is_none_or(|c| c.level != Level::Critical)
    }

    pub fn verdict(&self) -> String {
        match &self.report {
            Some(ReportFacts {
                ended_early: Some((phase, reason)),
                ..
            }) => format!("ENDED IN {}: {}", phase.to_uppercase(), shorten(reason)),
            _ => self.plain_verdict().to_string(),
        }
    }

    fn plain_verdict(&self) -> &'static str {
        match &self.report {
            None => "NO REPORT",
            Some(r) if r.invalid => "INVALID",
            Some(_)
                if !self.passed()
                    && self.test_passed
                    && self.report.as_ref().is_some_and(|r| r.passed) =>
            {
                "REGRESSED"
            }
            Some(r) if r.passed && self.test_passed => "passed",
            Some(r) if r.passed => "FAILED (test)",
            Some(_) => "FAILED",
        }
    }

    fn cells(&self) -> [String; 9] {
        let ms = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.1} ms"));
        let r = self.report.as_ref();
        [
            self.suite.clone(),
            self.verdict(),
            r.map_or("—".into(), |r| format!("{:.0}", r.requests)),
            r.map_or("—".into(), |r| format!("{:.2} %", r.error_rate * 100.0)),
            ms(r.and_then(|r| r.p95)),
            ms(r.and_then(|r| r.p99)),
            r.and_then(|r| r.analysis.clone())
                .unwrap_or_else(|| "—".into()),
            self.baseline
                .as_ref()
                .map_or("no baseline".into(), Comparison::describe),
            self.folder.display().to_string(),
        ]
    }
}

const HEADERS: [&str; 9] = [
    "suite", "verdict", "requests", "errors", "p95", "p99", "analysis", "baseline", "folder",
];

/// Writes `index.md` and `index.html` into `dir` and returns the table as text.
pub fn write_index(dir: &Path, env: &str, rows: &[Row]) -> Result<String> {
    let mut md = format!("# Load tests on {env}\n\n| {} |\n|", HEADERS.join(" | "));
    md.push_str(&"---|".repeat(HEADERS.len()));
    md.push('\n');
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load tests on {}</title>\
         <style>body{{font:14px system-ui,sans-serif;margin:24px}}td,th{{padding:4px 8px;\
         border-bottom:1px solid #ddd;text-align:left}}.bad{{background:#fdecea}}</style></head>\
         <body><h1>Load tests on {}</h1><table><tr>",
        esc(env),
        esc(env)
    );
    for h in HEADERS {
        html.push_str(&format!("<th>{h}</th>"));
    }
    html.push_str("</tr>");
    let mut text = String::new();
    for row in rows {
        let cells = row.cells();
        md.push_str(&format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| c.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        let class = if row.passed() { "" } else { " class=\"bad\"" };
        html.push_str(&format!("<tr{class}>"));
        for (i, c) in cells.iter().enumerate() {
            if i == 8 {
                let link = format!("{}/report.html", row.suite);
                html.push_str(&format!(
                    "<td><a href=\"{}\">{}</a></td>",
                    esc(&link),
                    esc(c)
                ));
            } else {
                html.push_str(&format!("<td>{}</td>", esc(c)));
            }
        }
        html.push_str("</tr>");
        text.push_str(&format!(
            "{:<10} {:<13} {:>9} {:>8} {:>11} {:>11}  {}  [{}]\n",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
        ));
    }
    html.push_str("</table></body></html>\n");
    std::fs::write(dir.join("index.md"), md)?;
    std::fs::write(dir.join("index.html"), html)?;
    let head = format!(
        "{:<10} {:<13} {:>9} {:>8} {:>11} {:>11}  {}  [{}]\n",
        "suite", "verdict", "requests", "errors", "p95", "p99", "analysis", "baseline"
    );
    Ok(head + &text)
}

/// The sentence on one line, cut at a word near [`SENTENCE_CHARS`] with an ellipsis.
fn shorten(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= SENTENCE_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(SENTENCE_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > SENTENCE_CHARS / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ':', ';']))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::run::{EarlyEnd, Phase};

    fn summary(passed: bool, invalid: bool) -> Summary {
        use harness::analysis::{Finding, FindingKind};
        use harness::metrics::MetricKind::{Counter, Rate, Trend};
        let report = harness::Report::ended_before_run("soak", Phase::Config, "");
        let mut s = report.summary(&harness::report::RunInfo::default());
        let metric = |kind, values: &[(&str, f64)]| harness::report::MetricSummary {
            kind,
            unit: harness::metrics::Unit::None,
            values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            histogram: None,
            sub_metrics: Vec::new(),
            windows: Vec::new(),
        };
        s.ended_early = None;
        s.passed = passed;
        s.invalid = invalid.then(|| "the load generator fell behind".into());
        s.analyses = vec![Finding {
            kind: FindingKind::Degradation,
            passed: false,
            summary: "degraded: p95 grew 2×".into(),
            at: None,
            figures: Default::default(),
            steps: Vec::new(),
        }];
        s.metrics = [
            ("http_reqs", metric(Counter, &[("count", 1200.0)])),
            ("http_req_failed", metric(Rate, &[("rate", 0.015)])),
            (
                "http_req_duration",
                metric(Trend, &[("p(95)", 12.34), ("p(99)", 56.78)]),
            ),
        ]
        .into_iter()
        .map(|(k, m)| (k.to_string(), m))
        .collect();
        s
    }

    #[test]
    fn a_row_passes_only_when_the_test_and_its_report_agree() {
        let row = |test, passed, invalid| Row {
            suite: "soak".into(),
            test_passed: test,
            report: Some(ReportFacts::from_summary(&summary(passed, invalid))),
            folder: PathBuf::from("/r/soak"),
            baseline: None,
        };
        assert_eq!(
            (
                row(true, true, false).verdict(),
                row(true, true, false).passed()
            ),
            ("passed".into(), true)
        );
        assert_eq!(row(false, true, false).verdict(), "FAILED (test)");
        assert!(!row(false, true, false).passed());
        assert_eq!(row(false, false, false).verdict(), "FAILED");
        assert_eq!(row(false, false, true).verdict(), "INVALID");
        // A critical regression against the baseline fails a run that passed its own checks.
        let regressed = Row {
            baseline: Some(crate::baseline::compare(160.0, 100.0, 0.0, 0.0)),
            ..row(true, true, false)
        };
        assert_eq!(
            (regressed.verdict(), regressed.passed()),
            ("REGRESSED".into(), false)
        );
        let warned = Row {
            baseline: Some(crate::baseline::compare(130.0, 100.0, 0.0, 0.0)),
            ..row(true, true, false)
        };
        assert_eq!((warned.verdict(), warned.passed()), ("passed".into(), true));
        let missing = Row {
            report: None,
            ..row(true, true, false)
        };
        assert_eq!(
            (missing.verdict(), missing.passed()),
            ("NO REPORT".into(), false)
        );
    }

    #[test]
    fn a_run_that_ended_early_shows_its_phase_and_sentence_instead_of_no_report() {
        let long = format!(
            "setup failed: creating the workspace of test user 1: failed 3 times (retried \
             after 1 s, then 2 s): POST /api/v1/workspaces: status 500 {}",
            "x ".repeat(200)
        );
        let mut doc = summary(false, false);
        doc.ended_early = Some(EarlyEnd::new(Phase::Setup, long));
        let row = Row {
            suite: "smoke".into(),
            test_passed: false,
            report: Some(ReportFacts::from_summary(&doc)),
            folder: PathBuf::from("/r/smoke"),
            baseline: None,
        };
        let verdict = row.verdict();
        assert!(
            verdict.starts_with("ENDED IN SETUP: setup failed: creating the workspace"),
            "{verdict}"
        );
        assert!(verdict.ends_with('…'), "{verdict}");
        assert!(
            verdict.chars().count() <= "ENDED IN SETUP: ".len() + 101,
            "{verdict}"
        );
        assert!(!row.passed());
        doc.ended_early = Some(EarlyEnd::new(Phase::Config, "configuration: bad"));
        let row = Row {
            report: Some(ReportFacts::from_summary(&doc)),
            ..row
        };
        assert_eq!(row.verdict(), "ENDED IN CONFIG: configuration: bad");
    }

    #[test]
    fn the_index_is_written_as_markdown_and_html_with_the_numbers_of_each_suite() {
        let dir = std::env::temp_dir().join(format!("xtask-index-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = [Row {
            suite: "soak".into(),
            test_passed: false,
            report: Some(ReportFacts::from_summary(&summary(false, false))),
            folder: dir.join("soak"),
            baseline: None,
        }];
        let table = write_index(&dir, "mock", &rows).unwrap();
        assert!(table.contains("soak       FAILED"), "{table}");
        assert!(
            table.contains("1200") && table.contains("1.50 %") && table.contains("12.3 ms"),
            "{table}"
        );
        let md = std::fs::read_to_string(dir.join("index.md")).unwrap();
        assert!(
            md.starts_with("# Load tests on mock\n\n| suite | verdict |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| soak | FAILED | 1200 | 1.50 % | 12.3 ms | 56.8 ms | ✗ degraded: p95 grew 2× | no baseline |"
            ),
            "{md}"
        );
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(html.contains("<a href=\"soak/report.html\">"), "{html}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
