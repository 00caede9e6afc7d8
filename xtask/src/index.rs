//! The table of a multi-suite run: one row per suite, read from its `summary.json` — verdict,
//! requests, error rate, p95, p99, analysis, folder — printed and written as `index.md` and
//! `index.html` beside the suites' folders.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::Value;

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
    pub baseline: Option<crate::baseline::Comparison>,
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
}

impl ReportFacts {
    pub fn from_summary(v: &Value) -> ReportFacts {
        let metric = |m: &str, k: &str| v["metrics"][m]["values"][k].as_f64();
        ReportFacts {
            passed: v["passed"].as_bool().unwrap_or(false),
            invalid: v["invalid"].is_string(),
            requests: metric("http_reqs", "count").unwrap_or(0.0),
            error_rate: metric("http_req_failed", "rate").unwrap_or(0.0),
            p95: metric("http_req_duration", "p(95)"),
            p99: metric("http_req_duration", "p(99)"),
            analysis: v["analyses"].as_array().and_then(|a| a.first()).map(|a| {
                let mark = if a["passed"].as_bool() == Some(true) {
                    "✓"
                } else {
                    "✗"
                };
                format!("{mark} {}", a["summary"].as_str().unwrap_or(""))
            }),
        }
    }
}

impl Row {
    /// Reads `<folder>/summary.json`, if the suite wrote one.
    pub fn read(suite: &str, test_passed: bool, folder: &Path) -> Row {
        let summary = std::fs::read(folder.join("summary.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        Row {
            suite: suite.to_string(),
            test_passed,
            report: summary.as_ref().map(ReportFacts::from_summary),
            folder: folder.to_path_buf(),
            baseline: None,
        }
    }

    /// Compares the run with a saved baseline.
    pub fn with_baseline(mut self, baseline: Option<&Value>) -> Row {
        let summary = std::fs::read(self.folder.join("summary.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        self.baseline = baseline
            .zip(summary)
            .and_then(|(b, s)| crate::baseline::compare_summary(&s, b));
        self
    }

    /// Passed only when the test and its report both say so, and no critical regression.
    pub fn passed(&self) -> bool {
        self.test_passed
            && self.report.as_ref().is_some_and(|r| r.passed)
            && self
                .baseline
                .as_ref()
                .is_none_or(|c| c.level != crate::baseline::Level::Critical)
    }

    pub fn verdict(&self) -> &'static str {
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
            self.verdict().to_string(),
            r.map_or("—".into(), |r| format!("{:.0}", r.requests)),
            r.map_or("—".into(), |r| format!("{:.2} %", r.error_rate * 100.0)),
            ms(r.and_then(|r| r.p95)),
            ms(r.and_then(|r| r.p99)),
            r.and_then(|r| r.analysis.clone())
                .unwrap_or_else(|| "—".into()),
            self.baseline
                .as_ref()
                .map_or("no baseline".into(), crate::baseline::Comparison::describe),
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(passed: bool, invalid: bool) -> Value {
        serde_json::json!({
            "passed": passed,
            "invalid": if invalid { Value::from("the load generator fell behind") } else { Value::Null },
            "analyses": [{"passed": false, "summary": "degraded: p95 grew 2×"}],
            "metrics": {
                "http_reqs": {"values": {"count": 1200.0}},
                "http_req_failed": {"values": {"rate": 0.015}},
                "http_req_duration": {"values": {"p(95)": 12.34, "p(99)": 56.78}},
            }
        })
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
            ("passed", true)
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
            ("REGRESSED", false)
        );
        let warned = Row {
            baseline: Some(crate::baseline::compare(130.0, 100.0, 0.0, 0.0)),
            ..row(true, true, false)
        };
        assert_eq!((warned.verdict(), warned.passed()), ("passed", true));
        let missing = Row {
            report: None,
            ..row(true, true, false)
        };
        assert_eq!((missing.verdict(), missing.passed()), ("NO REPORT", false));
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
