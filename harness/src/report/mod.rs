//! Writers: they take a finished [`Report`] and any `Write` — the end-of-test summary (text)
//! and `summary.json` — so tests need no terminal. Nothing below this layer imports it.

mod html;
mod junit;
mod markdown;
pub mod merge;
mod summary;
mod text;

pub use crate::clock::{compact as compact_timestamp, rfc3339};
pub use summary::{
    EncodedHistogram, HistogramEncoding, MergedSummary, MetricSummary, RunInfo, RunMeta,
    SCHEMA_VERSION, SUB_METRIC_TAGS, SegmentSummary, SubMetric, Summary, ThresholdSummary,
    WindowSummary,
};

use crate::Report;

impl Report {
    /// Fails the calling test with a readable table when a threshold failed, the run was
    /// stopped early or it had a problem (a scenario that completed nothing, a failed teardown);
    /// with one sentence when it ended early (`<name>: ended in setup: setup failed: …`).
    #[track_caller]
    pub fn assert_thresholds(&self) {
        if self.passed() {
            return;
        }
        if let Some(e) = &self.ended_early {
            panic!("{}: {e}", self.name);
        }
        let mut out = Vec::new();
        let _ = text::write_threshold_table(self, &mut out);
        let why = self
            .aborted
            .as_ref()
            .map_or(String::new(), |a| format!(" ({a})"));
        let mut problems: String = self.problems.iter().map(|p| format!("\n  {p}")).collect();
        for a in self.analyses.iter().filter(|a| !a.passed) {
            problems.push_str(&format!("\n  {}: {}", a.kind, a.summary));
        }
        if let Some(why) = &self.invalid {
            problems.insert_str(0, &format!("\n  INVALID: {why}"));
        }
        panic!(
            "{}: {} of {} thresholds failed{why}{problems}\n{}",
            self.name,
            self.failed_thresholds().len(),
            self.thresholds.len(),
            String::from_utf8_lossy(&out)
        );
    }

    /// Writes the end-of-test summary, in k6's spirit.
    pub fn write_summary(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        text::write_summary(self, out)
    }

    /// `junit.xml`: each threshold and check a test case, plus one for the run itself.
    pub fn write_junit(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        junit::write_junit(self, out)
    }

    /// `report.html`: one self-contained page with the verdict, tables and charts over time.
    pub fn write_html(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        html::write_html(self, out)
    }

    /// `summary.md`: verdict, thresholds, checks and the per-endpoint table in Markdown.
    pub fn write_markdown(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        markdown::write_markdown(self, out)
    }

    /// The run as `summary.json`'s typed data (see `docs/report-schema.md`).
    pub fn summary(&self, info: &RunInfo) -> Summary {
        summary::summary(self, info)
    }

    /// [`Report::summary`] as a JSON value, with no caller facts.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.summary(&RunInfo::default()))
            .expect("a summary always serialises")
    }
}
