//! `constant-vus`: a fixed number of VUs loop over the scenario function for a duration.

use std::sync::Arc;
use std::time::Duration;

use super::pool::{self, Budget};
use super::{PlanStep, step};
use crate::engine::ScenarioRun;

/// `vus` VUs iterate for `duration`.
#[derive(Debug, Clone)]
pub struct ConstantVus {
    pub vus: u64,
    pub duration: Duration,
}

impl ConstantVus {
    pub fn new(vus: u64, duration: Duration) -> ConstantVus {
        ConstantVus { vus, duration }
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.vus == 0 {
            errors.push("constant-vus needs at least 1 VU".to_string());
        }
        if self.duration.is_zero() {
            errors.push("constant-vus needs a duration above 0".to_string());
        }
        errors
    }

    pub fn plan(&self) -> Vec<PlanStep> {
        vec![
            step(0, self.vus),
            PlanStep {
                offset: self.duration,
                vus: 0,
            },
        ]
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        pool::run(run, self.vus, Budget::Unbounded).await;
    }
}
