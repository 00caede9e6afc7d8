//! What a run split across machines records: a segment's own share ([`SegmentRecord`]: which
//! share, the whole plan's fingerprint, the common start, what the merge must judge again), and
//! a merged run's parts ([`MergeRecord`]).

use std::time::SystemTime;

use crate::analysis::Analysis;
use crate::segment::Segment;

/// A segment's run: its verdict is about partial data; the run's verdict is the merge's.
#[derive(Debug, Clone)]
pub struct SegmentRecord {
    pub segment: Segment,
    /// [`Plan::fingerprint`](super::Plan::fingerprint): the same in every segment of a run.
    pub fingerprint: String,
    /// The common start every instance waited for (`Test::start_at`), if one was set.
    pub start_at: Option<SystemTime>,
    /// When this instance's scenarios started, by the wall clock.
    pub scenarios_started_at: SystemTime,
    /// The scenarios' time, from the run's start (the end of setup to the start of teardown).
    pub scenarios_start: std::time::Duration,
    pub scenarios_end: std::time::Duration,
    /// The analyses the whole test asks for, to run again on the merged data.
    pub analyses: Vec<Analysis>,
}

/// A run merged from segments.
#[derive(Debug, Clone, Default)]
pub struct MergeRecord {
    pub parts: Vec<MergedPart>,
    /// The shares no part covered (with `--partial`): the result is PARTIAL and never passes.
    pub missing: Vec<String>,
}

/// One part of a merge: which share, where it was read from, and its own (partial) verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MergedPart {
    pub segment: String,
    pub source: String,
    pub passed: bool,
}

impl MergeRecord {
    pub fn partial(&self) -> bool {
        !self.missing.is_empty()
    }
}
