//! Executors: k6's six ways of scheduling VUs and iterations, one file each.
//!
//! Each executor's options validate themselves and produce a pure plan (the VUs it needs over
//! time, or the start offsets of its iterations), tested as tables. The `run` side, in the same
//! file, turns the plan into VU activity through [`crate::engine`].

mod arrival;
mod constant_arrival_rate;
mod constant_vus;
mod per_vu_iterations;
mod ramping_arrival_rate;
mod ramping_vus;
mod shared_iterations;

pub use arrival::{ArrivalSchedule, RateStage};
pub use constant_arrival_rate::ConstantArrivalRate;
pub use constant_vus::ConstantVus;
pub use per_vu_iterations::PerVuIterations;
pub use ramping_arrival_rate::RampingArrivalRate;
pub use ramping_vus::{RampingVus, Stage};
pub use shared_iterations::SharedIterations;

use std::sync::Arc;
use std::time::Duration;

use crate::engine::ScenarioRun;

/// One step of a VU plan: from `offset` on, `vus` VUs are needed (k6's `ExecutionStep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanStep {
    pub offset: Duration,
    pub vus: u64,
}

/// Shorthand for building plan tables in tests and docs.
pub fn step(offset_ms: u64, vus: u64) -> PlanStep {
    PlanStep {
        offset: Duration::from_millis(offset_ms),
        vus,
    }
}

/// The executor of a scenario.
#[derive(Debug, Clone)]
pub enum Executor {
    ConstantVus(ConstantVus),
    RampingVus(RampingVus),
    ConstantArrivalRate(ConstantArrivalRate),
    RampingArrivalRate(RampingArrivalRate),
    SharedIterations(SharedIterations),
    PerVuIterations(PerVuIterations),
}

impl Executor {
    /// k6's name for the executor.
    pub fn name(&self) -> &'static str {
        match self {
            Executor::ConstantVus(_) => "constant-vus",
            Executor::RampingVus(_) => "ramping-vus",
            Executor::ConstantArrivalRate(_) => "constant-arrival-rate",
            Executor::RampingArrivalRate(_) => "ramping-arrival-rate",
            Executor::SharedIterations(_) => "shared-iterations",
            Executor::PerVuIterations(_) => "per-vu-iterations",
        }
    }

    /// Every problem with the options, each as a sentence.
    pub fn validate(&self) -> Vec<String> {
        match self {
            Executor::ConstantVus(e) => e.validate(),
            Executor::RampingVus(e) => e.validate(),
            Executor::ConstantArrivalRate(e) => e.validate(),
            Executor::RampingArrivalRate(e) => e.validate(),
            Executor::SharedIterations(e) => e.validate(),
            Executor::PerVuIterations(e) => e.validate(),
        }
    }

    /// The VUs needed over time, ending with a step to 0 at the executor's nominal end.
    pub fn plan(&self) -> Vec<PlanStep> {
        match self {
            Executor::ConstantVus(e) => e.plan(),
            Executor::RampingVus(e) => e.plan(),
            Executor::ConstantArrivalRate(e) => e.plan(),
            Executor::RampingArrivalRate(e) => e.plan(),
            Executor::SharedIterations(e) => e.plan(),
            Executor::PerVuIterations(e) => e.plan(),
        }
    }

    /// The most VUs this executor may use at once.
    pub fn max_vus(&self) -> u64 {
        self.plan().iter().map(|s| s.vus).max().unwrap_or(0)
    }

    /// How long the executor runs at most, before graceful stop.
    pub fn duration(&self) -> Duration {
        self.plan().last().map(|s| s.offset).unwrap_or_default()
    }

    /// The same executor with its schedule (stages, durations) multiplied by `factor`
    /// (`LOADTEST_TIME_SCALE`). `graceful_ramp_down` bounds an iteration, whose think times are
    /// not scaled, so it is not scaled either.
    pub fn scaled(&self, factor: f64) -> Executor {
        let s = |d: Duration| d.mul_f64(factor);
        match self {
            Executor::ConstantVus(e) => Executor::ConstantVus(ConstantVus {
                duration: s(e.duration),
                ..e.clone()
            }),
            Executor::RampingVus(e) => Executor::RampingVus(RampingVus {
                stages: e
                    .stages
                    .iter()
                    .map(|st| Stage::new(s(st.duration), st.target))
                    .collect(),
                ..e.clone()
            }),
            Executor::ConstantArrivalRate(e) => {
                Executor::ConstantArrivalRate(ConstantArrivalRate {
                    duration: s(e.duration),
                    ..e.clone()
                })
            }
            Executor::RampingArrivalRate(e) => Executor::RampingArrivalRate(RampingArrivalRate {
                stages: e
                    .stages
                    .iter()
                    .map(|st| RateStage::new(s(st.duration), st.target))
                    .collect(),
                ..e.clone()
            }),
            Executor::SharedIterations(e) => Executor::SharedIterations(SharedIterations {
                max_duration: s(e.max_duration),
                ..e.clone()
            }),
            Executor::PerVuIterations(e) => Executor::PerVuIterations(PerVuIterations {
                max_duration: s(e.max_duration),
                ..e.clone()
            }),
        }
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        match self {
            Executor::ConstantVus(e) => e.run(run).await,
            Executor::RampingVus(e) => e.run(run).await,
            Executor::ConstantArrivalRate(e) => e.run(run).await,
            Executor::RampingArrivalRate(e) => e.run(run).await,
            Executor::SharedIterations(e) => e.run(run).await,
            Executor::PerVuIterations(e) => e.run(run).await,
        }
    }
}

macro_rules! impl_from {
    ($($t:ident),*) => {$(
        impl From<$t> for Executor {
            fn from(e: $t) -> Executor { Executor::$t(e) }
        }
    )*};
}
impl_from!(
    ConstantVus,
    RampingVus,
    ConstantArrivalRate,
    RampingArrivalRate,
    SharedIterations,
    PerVuIterations
);

#[cfg(test)]
mod tests;
