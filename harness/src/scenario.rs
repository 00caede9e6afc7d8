//! A named scenario: an executor, its VU function and its common options (k6's `scenarios`).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::BoxError;
use crate::engine::{Vu, VuFn};
use crate::executor::Executor;

/// One scenario of a test. Several scenarios run concurrently, each with its own executor.
#[derive(Clone)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) executor: Executor,
    pub(crate) exec: VuFn,
    pub(crate) start_time: Duration,
    pub(crate) graceful_stop: Duration,
    pub(crate) tags: Vec<(String, String)>,
}

impl Scenario {
    /// A scenario running `exec` once per iteration:
    ///
    /// ```no_run
    /// # use harness::prelude::*;
    /// let s = Scenario::new("browse", ConstantVus::new(5, secs(30)), |vu| Box::pin(async move {
    ///     vu.get("/health").name("GET /health").send().await;
    ///     Ok(())
    /// }));
    /// ```
    pub fn new<F>(name: impl Into<String>, executor: impl Into<Executor>, exec: F) -> Scenario
    where
        F: for<'a> Fn(&'a mut Vu) -> BoxFuture<'a, Result<(), BoxError>> + Send + Sync + 'static,
    {
        Scenario {
            name: name.into(),
            executor: executor.into(),
            exec: Arc::new(exec),
            start_time: Duration::ZERO,
            graceful_stop: Duration::from_secs(30),
            tags: Vec::new(),
        }
    }

    /// Starts the scenario this long after the test starts.
    pub fn start_time(mut self, d: Duration) -> Self {
        self.start_time = d;
        self
    }

    /// How long running iterations may go on after the scenario's end before being interrupted.
    pub fn graceful_stop(mut self, d: Duration) -> Self {
        self.graceful_stop = d;
        self
    }

    /// A tag on every sample of this scenario.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// This scenario with its schedule (executor, start time) multiplied by `scale`. The
    /// graceful stop bounds an iteration, whose think times are not scaled: it is not scaled
    /// either, so a scaled run's iterations can still finish.
    pub(crate) fn scaled(&self, scale: f64) -> Scenario {
        Scenario {
            executor: self.executor.scaled(scale),
            start_time: self.start_time.mul_f64(scale),
            ..self.clone()
        }
    }

    pub fn executor(&self) -> &Executor {
        &self.executor
    }
}

/// `secs(30)`: a shorthand for scenario definitions.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// `millis(250)`: a shorthand for scenario definitions.
pub fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}
