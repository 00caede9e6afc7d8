//! `shared-iterations`: VUs share a fixed pool of iterations; faster VUs do more of them.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::pool::{self, Budget};
use super::{PlanStep, step};
use crate::engine::ScenarioRun;

/// `vus` VUs run `iterations` iterations in total, stopping at `max_duration` regardless.
#[derive(Debug, Clone)]
pub struct SharedIterations {
    pub vus: u64,
    pub iterations: u64,
    pub max_duration: Duration,
}

impl SharedIterations {
    pub fn new(vus: u64, iterations: u64) -> SharedIterations {
        SharedIterations {
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
            errors.push("shared-iterations needs at least 1 VU".to_string());
        }
        if self.iterations < self.vus {
            errors.push(format!(
                "shared-iterations has {} iterations for {} VUs: iterations must be at least the VUs",
                self.iterations, self.vus
            ));
        }
        if self.max_duration.is_zero() {
            errors.push("shared-iterations needs a max duration above 0".to_string());
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
        let taken = Arc::new(AtomicU64::new(0));
        pool::run(run, self.vus, Budget::Shared(taken, self.iterations)).await;
    }
}
