//! `constant-arrival-rate`: iterations start at a fixed rate, whatever the server's speed
//! (the open model). See [`super::arrival`] for dropped iterations and corrected latency.

use std::sync::Arc;
use std::time::Duration;

use super::arrival::{self, ArrivalSchedule};
use super::{PlanStep, RampingArrivalRate, RateStage};
use crate::engine::ScenarioRun;
use crate::segment::Segment;

/// `rate` iterations per `time_unit` for `duration`, on `pre_allocated_vus` up to `max_vus` VUs.
#[derive(Debug, Clone)]
pub struct ConstantArrivalRate {
    pub rate: u64,
    pub time_unit: Duration,
    pub duration: Duration,
    pub pre_allocated_vus: u64,
    pub max_vus: u64,
    /// This instance's share of the starts.
    pub(crate) segment: Segment,
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
            segment: Segment::WHOLE,
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

    /// The same load as a `ramping-arrival-rate` with one flat stage: what plans and runs it.
    pub fn as_ramping(&self) -> RampingArrivalRate {
        RampingArrivalRate {
            start_rate: self.rate,
            time_unit: self.time_unit,
            stages: vec![RateStage::new(self.duration, self.rate)],
            pre_allocated_vus: self.pre_allocated_vus,
            max_vus: self.max_vus,
            segment: self.segment,
        }
    }

    pub fn plan(&self) -> Vec<PlanStep> {
        self.as_ramping().plan()
    }

    /// The start offsets of every iteration.
    pub fn schedule(&self) -> ArrivalSchedule {
        self.as_ramping().schedule()
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        self.as_ramping().run(run).await;
    }
}
