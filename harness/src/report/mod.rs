//! Writers: they take a finished [`Report`] and any `Write` — the end-of-test summary (text)
//! and JSON — so tests need no terminal. Nothing below this layer imports it.

mod json;
mod text;

use crate::Report;
use crate::threshold::AbortReason;

impl Report {
    /// Fails the calling test with a readable table when a threshold failed, the run was
    /// stopped early or it had a problem (a scenario that completed nothing, a failed teardown).
    #[track_caller]
    pub fn assert_thresholds(&self) {
        if self.passed() {
            return;
        }
        let mut out = Vec::new();
        let _ = text::write_threshold_table(self, &mut out);
        let why = match &self.aborted {
            Some(AbortReason::Threshold {
                selector,
                expression,
            }) => {
                format!(" (aborted: {selector} {expression} failed with abort_on_fail)")
            }
            Some(AbortReason::Signal { signal }) => format!(" (interrupted by {signal})"),
            None => String::new(),
        };
        let problems: String = self.problems.iter().map(|p| format!("\n  {p}")).collect();
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

    /// The report as JSON: metrics with their aggregates, checks, thresholds, per-second series.
    pub fn to_json(&self) -> serde_json::Value {
        json::to_json(self)
    }
}
