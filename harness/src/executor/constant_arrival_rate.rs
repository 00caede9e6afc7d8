//! `constant-arrival-rate`: iterations start at a fixed rate, whatever the server's speed
//! (the open model). See [`super::arrival`] for dropped iterations and corrected latency.

use std::sync::Arc;
use std::time::Duration;

use super::arrival::{self, ArrivalSchedule, RateStage};
use super::{PlanStep, step};
use crate::engine::ScenarioRun;

/// `rate` iterations per `time_unit` for `duration`, on `pre_allocated_vus` up to `max_vus` VUs.
#[derive(Debug, Clone)]
pub struct ConstantArrivalRate {
    pub rate: u64,
    pub time_unit: Duration,
    pub duration: Duration,
    pub pre_allocated_vus: u64,
    pub max_vus: u64,
}

impl ConstantArrivalRate {
    /// `rate` iterations per second for `duration`; VUs default to 10% of the rate (at least 1).
    pub fn new(rate: u64, duration: Duration) -> ConstantArrivalRate {
        let vus = (rate / 10).max(1);
        ConstantArrivalRate {
            rate,
            time_unit: Duration::from_secs(1),
            duration,
            pre_allocated_vus: vus,
            max_vus: vus,
        }
    }

    pub fn time_unit(mut self, unit: Duration) -> Self {
        self.time_unit = unit;
        self
    }

    pub fn vus(mut self, pre_allocated: u64, max: u64) -> Self {
        self.pre_allocated_vus = pre_allocated;
        self.max_vus = max;
        self
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.rate == 0 {
            errors.push("constant-arrival-rate needs a rate above 0".to_string());
        }
        if self.duration.is_zero() {
            errors.push("constant-arrival-rate needs a duration above 0".to_string());
        }
        errors.extend(arrival::validate_pool(
            "constant-arrival-rate",
            self.time_unit,
            self.pre_allocated_vus,
            self.max_vus,
        ));
        errors
    }

    pub fn plan(&self) -> Vec<PlanStep> {
        vec![
            step(0, self.max_vus.max(self.pre_allocated_vus)),
            PlanStep {
                offset: self.duration,
                vus: 0,
            },
        ]
    }

    /// The start offsets of every iteration.
    pub fn schedule(&self) -> ArrivalSchedule {
        ArrivalSchedule::new(
            self.rate,
            self.time_unit,
            &[RateStage::new(self.duration, self.rate)],
        )
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        arrival::dispatch(self.schedule(), self.pre_allocated_vus, self.max_vus, run).await;
    }
}
