//! Executors: k6's six ways of scheduling VUs and iterations, one file each.
//!
//! Each executor's options validate themselves and produce a pure plan (the VUs it needs over
//! time, or the start offsets of its iterations), tested as tables. The `run` side, in the same
//! file, turns the plan into VU activity through [`crate::engine`].

mod arrival;
mod capacity_search;
mod constant_arrival_rate;
mod constant_vus;
mod per_vu_iterations;
mod pool;
mod ramping_arrival_rate;
mod ramping_vus;
mod segmented;
mod shared_iterations;
mod stage;

pub use arrival::ArrivalSchedule;
pub use capacity_search::CapacitySearch;
pub use constant_arrival_rate::ConstantArrivalRate;
pub use constant_vus::ConstantVus;
pub use per_vu_iterations::PerVuIterations;
pub use ramping_arrival_rate::RampingArrivalRate;
pub use ramping_vus::RampingVus;
pub use shared_iterations::SharedIterations;
pub use stage::{RateStage, Stage};

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::analysis::Finding;
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

/// What an executor's run leaves besides its samples: what it found about the target (a
/// capacity search's finding), returned from `run` for the report's analyses.
#[derive(Debug, Default)]
pub(crate) struct Ran {
    pub finding: Option<Finding>,
}

impl From<()> for Ran {
    fn from((): ()) -> Ran {
        Ran::default()
    }
}

impl From<Finding> for Ran {
    fn from(f: Finding) -> Ran {
        Ran { finding: Some(f) }
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
    CapacitySearch(CapacitySearch),
}

/// What every executor's options provide; [`Executor`] dispatches to it in one place.
trait Kind: Send + Sync {
    fn name(&self) -> &'static str;
    fn validate(&self) -> Vec<String>;
    fn plan(&self) -> Vec<PlanStep>;
    fn scaled(&self, factor: f64) -> Executor;
    fn run(&self, run: Arc<ScenarioRun>) -> BoxFuture<'_, Ran>;
}

impl Executor {
    fn kind(&self) -> &dyn Kind {
        match self {
            Executor::ConstantVus(e) => e,
            Executor::RampingVus(e) => e,
            Executor::ConstantArrivalRate(e) => e,
            Executor::RampingArrivalRate(e) => e,
            Executor::SharedIterations(e) => e,
            Executor::PerVuIterations(e) => e,
            Executor::CapacitySearch(e) => e,
        }
    }

    /// k6's name for the executor.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Every problem with the options, each as a sentence.
    pub fn validate(&self) -> Vec<String> {
        self.kind().validate()
    }

    /// The VUs needed over time, ending with a step to 0 at the executor's nominal end.
    pub fn plan(&self) -> Vec<PlanStep> {
        self.kind().plan()
    }

    /// The most VUs this executor may use at once.
    pub fn max_vus(&self) -> u64 {
        self.plan().iter().map(|s| s.vus).max().unwrap_or(0)
    }

    /// How long the executor runs at most, before graceful stop.
    pub fn duration(&self) -> Duration {
        self.plan().last().map(|s| s.offset).unwrap_or_default()
    }

    /// Where its stages end, from its start: each stage's end for the ramping executors, the
    /// one end of the others.
    pub fn stage_ends(&self) -> Vec<Duration> {
        let stages = match self {
            Executor::RampingVus(e) => &e.stages,
            Executor::RampingArrivalRate(e) => &e.stages,
            _ => return vec![self.duration()],
        };
        stages
            .iter()
            .scan(Duration::ZERO, |end, s| {
                *end += s.duration;
                Some(*end)
            })
            .collect()
    }

    /// The same executor with its schedule (stages, durations) multiplied by `factor`
    /// (`LOADTEST_TIME_SCALE`). `graceful_ramp_down` bounds an iteration, whose think times are
    /// not scaled, so it is not scaled either.
    pub fn scaled(&self, factor: f64) -> Executor {
        self.kind().scaled(factor)
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) -> Ran {
        self.kind().run(run).await
    }
}

/// Implements [`Kind`] from an executor's own `name`, `validate`, `plan`, `run` and a scaling
/// function, and `From<$t> for Executor`.
macro_rules! kind {
    ($t:ident, $name:literal, |$e:ident, $f:ident| $scaled:expr) => {
        impl Kind for $t {
            fn name(&self) -> &'static str {
                $name
            }
            fn validate(&self) -> Vec<String> {
                $t::validate(self)
            }
            fn plan(&self) -> Vec<PlanStep> {
                $t::plan(self)
            }
            fn scaled(&self, $f: f64) -> Executor {
                let $e = self;
                Executor::$t($scaled)
            }
            fn run(&self, run: Arc<ScenarioRun>) -> BoxFuture<'_, Ran> {
                Box::pin(async move { Ran::from($t::run(self, run).await) })
            }
        }
        impl From<$t> for Executor {
            fn from(e: $t) -> Executor {
                Executor::$t(e)
            }
        }
    };
}

fn scale_stages(stages: &[Stage], f: f64) -> Vec<Stage> {
    stages
        .iter()
        .map(|st| Stage::new(st.duration.mul_f64(f), st.target))
        .collect()
}

kind!(ConstantVus, "constant-vus", |e, f| ConstantVus {
    duration: e.duration.mul_f64(f),
    ..e.clone()
});
kind!(RampingVus, "ramping-vus", |e, f| RampingVus {
    stages: scale_stages(&e.stages, f),
    ..e.clone()
});
kind!(ConstantArrivalRate, "constant-arrival-rate", |e, f| {
    ConstantArrivalRate {
        duration: e.duration.mul_f64(f),
        ..e.clone()
    }
});
kind!(RampingArrivalRate, "ramping-arrival-rate", |e, f| {
    RampingArrivalRate {
        stages: scale_stages(&e.stages, f),
        ..e.clone()
    }
});
kind!(SharedIterations, "shared-iterations", |e, f| {
    SharedIterations {
        max_duration: e.max_duration.mul_f64(f),
        ..e.clone()
    }
});
kind!(PerVuIterations, "per-vu-iterations", |e, f| {
    PerVuIterations {
        max_duration: e.max_duration.mul_f64(f),
        ..e.clone()
    }
});

#[cfg(test)]
mod tests;
kind!(CapacitySearch, "capacity-search", |e, f| CapacitySearch {
    step_duration: e.step_duration.mul_f64(f),
    cooldown: e.cooldown.mul_f64(f),
    ..e.clone()
});
