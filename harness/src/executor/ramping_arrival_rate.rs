//! `ramping-arrival-rate`: the iteration rate follows stages, linearly (the open model).

use std::sync::Arc;
use std::time::Duration;

use super::RateStage;
use super::arrival::{self, ArrivalSchedule};
use super::{PlanStep, step};
use crate::engine::ScenarioRun;
use crate::segment::Segment;

/// From `start_rate` per `time_unit`, through `stages`, on `pre_allocated_vus` up to `max_vus`.
#[derive(Debug, Clone)]
pub struct RampingArrivalRate {
    pub start_rate: u64,
    pub time_unit: Duration,
    pub stages: Vec<RateStage>,
    pub pre_allocated_vus: u64,
    pub max_vus: u64,
    /// This instance's share: the whole schedule's starts it owns.
    pub(crate) segment: Segment,
}

impl RampingArrivalRate {
    pub fn new(start_rate: u64, stages: Vec<RateStage>) -> RampingArrivalRate {
        let peak = stages
            .iter()
            .map(|s| s.target)
            .max()
            .unwrap_or(0)
            .max(start_rate);
        let vus = (peak / 10).max(1);
        RampingArrivalRate {
            start_rate,
            time_unit: Duration::from_secs(1),
            stages,
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
        if self.stages.is_empty() {
            errors.push("ramping-arrival-rate needs at least one stage".to_string());
        }
        errors.extend(arrival::validate_pool(
            "ramping-arrival-rate",
            self.time_unit,
            self.pre_allocated_vus,
            self.max_vus,
        ));
        errors
    }

    pub fn plan(&self) -> Vec<PlanStep> {
        let total: Duration = self.stages.iter().map(|s| s.duration).sum();
        vec![
            step(0, self.max_vus.max(self.pre_allocated_vus)),
            PlanStep {
                offset: total,
                vus: 0,
            },
        ]
    }

    /// The start offsets of every iteration.
    pub fn schedule(&self) -> ArrivalSchedule {
        ArrivalSchedule::new(self.start_rate, self.time_unit, &self.stages)
    }

    /// The start offsets of this instance's iterations: the whole schedule's starts numbered
    /// by its segment, so the segments' starts together are exactly the whole's.
    pub fn segment_schedule(&self) -> impl Iterator<Item = Duration> + use<> {
        let segment = self.segment;
        self.schedule()
            .enumerate()
            .filter(move |(k, _)| segment.owns(*k as u64))
            .map(|(_, at)| at)
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        let schedule = self.segment_schedule();
        arrival::dispatch(schedule, self.pre_allocated_vus, self.max_vus, run).await;
    }
}
