//! `per-vu-iterations`: each VU runs the same number of iterations, within a maximum duration.

use std::sync::Arc;
use std::time::Duration;

use super::pool::{self, Budget};
use super::{PlanStep, step};
use crate::engine::ScenarioRun;

/// Each of `vus` VUs runs `iterations` iterations, stopping at `max_duration` regardless.
#[derive(Debug, Clone)]
pub struct PerVuIterations {
    pub vus: u64,
    pub iterations: u64,
    pub max_duration: Duration,
}

impl PerVuIterations {
    pub fn new(vus: u64, iterations: u64) -> PerVuIterations {
        PerVuIterations {
            vus,
            iterations,
            max_duration: Duration::from_secs(600),
        }
    }

    pub fn max_duration(mut self, d: Duration) -> Self {
        self.max_duration = d;
        self
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.vus == 0 {
            errors.push("per-vu-iterations needs at least 1 VU".to_string());
        }
        if self.iterations == 0 {
            errors.push("per-vu-iterations needs at least 1 iteration".to_string());
        }
        if self.max_duration.is_zero() {
            errors.push("per-vu-iterations needs a max duration above 0".to_string());
        }
        errors
    }

    pub fn plan(&self) -> Vec<PlanStep> {
        vec![
            step(0, self.vus),
            PlanStep {
                offset: self.max_duration,
                vus: 0,
            },
        ]
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        pool::run(run, self.vus, Budget::PerVu(self.iterations)).await;
    }
}
