//! Analyses: the questions stress, spike and soak exist to answer — where does the target
//! break, does it recover, does it degrade — answered from the time series the store keeps (no
//! raw samples). Each is a pure function over windows of the run, table-tested; the runner
//! evaluates the ones a test asks for at the end of the run, and a failed analysis fails the
//! run like a threshold.
//!
//! Windows are as fine as the time series: one second for the last minute of the run, ten
//! seconds for the last hour, a minute before (see [`crate::metrics::RESOLUTIONS`]); a coarser
//! bucket counts in the window where it starts.

mod breaking;
mod degradation;
mod recovery;
mod stats;

pub use breaking::BreakingPoint;
pub use degradation::Degradation;
pub use recovery::Recovery;
pub use stats::{Stats, WindowSource};

use std::collections::BTreeMap;
use std::time::Duration;

/// One analysis a test asks for (written into `summary.json`, so a merge of segments runs it
/// again on the merged data).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    BreakingPoint(BreakingPoint),
    Recovery(Recovery),
    Degradation(Degradation),
}

/// Where the analyses look: the scenarios' time, and the first scenario's stages, in seconds
/// from the run's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub from: f64,
    pub to: f64,
    /// `(start, end)` of each stage of the first scenario.
    pub stages: Vec<(f64, f64)>,
    /// The run's time scale: analysis windows shrink with it (never below one second).
    pub time_scale: f64,
    /// The median iteration's length in seconds, if any iteration completed: a throughput is
    /// compared only over windows several iterations long.
    pub iteration_s: Option<f64>,
}

impl Context {
    /// The 1-based stage that holds second `t`, if any.
    pub fn stage_at(&self, t: f64) -> Option<usize> {
        self.stages
            .iter()
            .position(|&(s, e)| t >= s && t < e)
            .map(|i| i + 1)
    }

    /// A full-length window, scaled, in whole seconds (at least one).
    pub fn scaled(&self, window: Duration) -> f64 {
        (window.as_secs_f64() * self.time_scale).round().max(1.0)
    }
}

/// Which analysis found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    BreakingPoint,
    Recovery,
    Degradation,
    /// A capacity search's finding (the executor's, not an analysis run after the load).
    Capacity,
}

impl FindingKind {
    /// `breaking_point`, `recovery`, `degradation` or `capacity`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::BreakingPoint => "breaking_point",
            FindingKind::Recovery => "recovery",
            FindingKind::Degradation => "degradation",
            FindingKind::Capacity => "capacity",
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The numbers behind a finding's sentence, by name (`vus`, `p95_ms`, `recovery_s`, …).
pub type Figures = BTreeMap<String, f64>;

/// [`Figures`] from `(name, value)` pairs.
pub fn figures<const N: usize>(pairs: [(&str, f64); N]) -> Figures {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// What an analysis found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub passed: bool,
    /// One sentence, e.g. "broke at 312 VUs (stage 4), 10 s window from 845 s: p95 1,204 ms".
    pub summary: String,
    /// When it happened, in seconds from the run's start (a breaking point, the end of
    /// recovery), for marking charts.
    pub at: Option<f64>,
    /// The numbers behind the sentence, by name.
    pub figures: Figures,
    /// For a capacity search: each step's rate and what it measured, in the order run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// One step of a capacity search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    /// Iterations started per second.
    pub rate: f64,
    /// The step's iterations' p95 length, in ms.
    pub p95_ms: f64,
    /// Failed requests over all requests in the step.
    pub error_rate: f64,
    /// Starts dropped for want of a free VU.
    pub dropped: u64,
    /// Whether the step kept every SLO.
    pub passed: bool,
}

impl Analysis {
    pub fn run(&self, source: &dyn WindowSource, cx: &Context) -> Finding {
        match self {
            Analysis::BreakingPoint(a) => a.run(source, cx),
            Analysis::Recovery(a) => a.run(source, cx),
            Analysis::Degradation(a) => a.run(source, cx),
        }
    }
}

impl From<BreakingPoint> for Analysis {
    fn from(a: BreakingPoint) -> Analysis {
        Analysis::BreakingPoint(a)
    }
}

impl From<Recovery> for Analysis {
    fn from(a: Recovery) -> Analysis {
        Analysis::Recovery(a)
    }
}

impl From<Degradation> for Analysis {
    fn from(a: Degradation) -> Analysis {
        Analysis::Degradation(a)
    }
}

/// A number for a sentence: whole numbers bare, others to a sensible precision.
pub(crate) fn num(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
pub(crate) mod table {
    //! A synthetic run for the analyses' table tests: one value per second.
    use super::{Stats, WindowSource};

    /// Per second: `(requests, failed, p95 ms, vus)`.
    pub struct Seconds(pub Vec<(u64, u64, f64, f64)>);

    impl WindowSource for Seconds {
        fn stats(&self, from: f64, to: f64) -> Stats {
            let mut s = Stats::default();
            let (a, b) = (
                from.max(0.0) as usize,
                (to.max(0.0) as usize).min(self.0.len()),
            );
            for &(requests, failed, p95, vus) in self.0.get(a..b).unwrap_or(&[]) {
                s.requests += requests;
                s.failed += failed;
                if requests > 0 {
                    s.p95 = Some(s.p95.map_or(p95, |x: f64| x.max(p95)));
                }
                s.vus = Some(s.vus.map_or(vus, |x: f64| x.max(vus)));
            }
            s.seconds = to - from;
            s
        }
    }
}
