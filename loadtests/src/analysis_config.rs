//! A suite's analysis, as `environments.toml` names it (`[suites.<suite>.analysis]`), turned
//! into the harness's: stress looks for its breaking point, spike for its recovery, soak for
//! degradation. Windows are given at full length and shrink with the time scale.

use std::time::Duration;

use harness::analysis::{Analysis, BreakingPoint, Degradation, Recovery};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AnalysisConfig {
    /// The first window where p95 passes `p95_ms` or errors pass `error_rate`.
    BreakingPoint {
        window_s: u64,
        p95_ms: f64,
        error_rate: f64,
        /// Breaking below this many VUs fails the run.
        #[serde(default)]
        require_vus: Option<f64>,
    },
    /// Time from the end of `spike_end_stage` until p95 and errors are back near the last
    /// window of `baseline_stage` (stages count from 1).
    Recovery {
        baseline_stage: usize,
        spike_end_stage: usize,
        window_s: u64,
        p95_tolerance: f64,
        p95_floor_ms: f64,
        error_margin: f64,
        within_s: u64,
    },
    /// The first and last windows of `stage` compared.
    Degradation {
        stage: usize,
        window_s: u64,
        max_p95_ratio: f64,
        p95_floor_ms: f64,
        max_error_rate_increase: f64,
        min_throughput_ratio: f64,
    },
}

impl AnalysisConfig {
    /// Problems with the values, each a sentence naming the key.
    pub fn problems(&self, suite: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut need = |ok: bool, what: &str| {
            if !ok {
                out.push(format!("[suites.{suite}.analysis] {what}"));
            }
        };
        match self {
            AnalysisConfig::BreakingPoint {
                window_s,
                p95_ms,
                error_rate,
                ..
            } => {
                need(*window_s >= 1, "window_s must be at least 1");
                need(*p95_ms > 0.0, "p95_ms must be above 0");
                need(
                    (0.0..=1.0).contains(error_rate),
                    "error_rate must be from 0 to 1",
                );
            }
            AnalysisConfig::Recovery {
                baseline_stage,
                spike_end_stage,
                window_s,
                within_s,
                ..
            } => {
                need(
                    *baseline_stage >= 1 && spike_end_stage > baseline_stage,
                    "baseline_stage must be at least 1 and before spike_end_stage",
                );
                need(
                    *window_s >= 1 && *within_s >= *window_s,
                    "window_s must be at least 1 and within_s at least window_s",
                );
            }
            AnalysisConfig::Degradation {
                stage,
                window_s,
                max_p95_ratio,
                min_throughput_ratio,
                ..
            } => {
                need(*stage >= 1, "stage must be at least 1");
                need(*window_s >= 1, "window_s must be at least 1");
                need(*max_p95_ratio >= 1.0, "max_p95_ratio must be at least 1");
                need(
                    (0.0..=1.0).contains(min_throughput_ratio),
                    "min_throughput_ratio must be from 0 to 1",
                );
            }
        }
        out
    }

    pub fn to_analysis(&self) -> Analysis {
        match *self {
            AnalysisConfig::BreakingPoint {
                window_s,
                p95_ms,
                error_rate,
                require_vus,
            } => BreakingPoint {
                window: Duration::from_secs(window_s),
                p95_ms,
                max_error_rate: error_rate,
                require_vus,
            }
            .into(),
            AnalysisConfig::Recovery {
                baseline_stage,
                spike_end_stage,
                window_s,
                p95_tolerance,
                p95_floor_ms,
                error_margin,
                within_s,
            } => Recovery {
                baseline_stage,
                spike_end_stage,
                window: Duration::from_secs(window_s),
                p95_tolerance,
                p95_floor_ms,
                error_margin,
                within: Duration::from_secs(within_s),
            }
            .into(),
            AnalysisConfig::Degradation {
                stage,
                window_s,
                max_p95_ratio,
                p95_floor_ms,
                max_error_rate_increase,
                min_throughput_ratio,
            } => Degradation {
                stage,
                window: Duration::from_secs(window_s),
                max_p95_ratio,
                p95_floor_ms,
                max_error_rate_increase,
                min_throughput_ratio,
            }
            .into(),
        }
    }
}
