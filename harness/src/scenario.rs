//! A named scenario: an executor, its VU function and its common options (k6's `scenarios`).
//! `D` is the test's setup value: a scenario's function receives it as a `&D`, typed — a scenario
//! of another test's data does not compile into this test. The function is a plain `async fn`
//! ([`Scenario::from_fn`], through the [`Step`] adapters) or a closure that boxes its future
//! ([`Scenario::new`], [`Scenario::with_data`]); [`Mix`] draws among weighted steps.

mod mix;
mod step;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::BoxError;
use crate::engine::{SetupValue, Vu, VuFn};
use crate::executor::Executor;

pub use mix::{Draw, Mix, NoSteps, Shares, Then};
pub use step::{Iteration, Step, VuOnly, VuStep, WithData};

/// A scenario's function with the setup value: one iteration of one VU.
type DataFn<D> =
    Arc<dyn for<'a> Fn(&'a mut Vu, &'a D) -> BoxFuture<'a, Result<(), BoxError>> + Send + Sync>;

/// What a scenario does over time: its name, executor, start, graceful stop and tags.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub(crate) name: String,
    pub(crate) executor: Executor,
    pub(crate) start_time: Duration,
    pub(crate) graceful_stop: Duration,
    pub(crate) tags: Vec<(String, String)>,
}

impl Schedule {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// This schedule with its executor and start time multiplied by `scale`. The graceful stop
    /// bounds an iteration, whose think times are not scaled: it is not scaled either, so a
    /// scaled run's iterations can still finish.
    pub(crate) fn scaled(&self, scale: f64) -> Schedule {
        Schedule {
            executor: self.executor.scaled(scale),
            start_time: self.start_time.mul_f64(scale),
            ..self.clone()
        }
    }
}

/// One scenario of a test whose setup value is a `D`. Several scenarios run concurrently, each
/// with its own executor.
pub struct Scenario<D = ()> {
    pub(crate) schedule: Schedule,
    exec: DataFn<D>,
}

impl<D> Clone for Scenario<D> {
    fn clone(&self) -> Self {
        Scenario {
            schedule: self.schedule.clone(),
            exec: self.exec.clone(),
        }
    }
}

impl<D: Send + Sync + 'static> Scenario<D> {
    /// A scenario running an `async fn` once per iteration — `async fn(&mut Vu)`, or
    /// `async fn(&mut Vu, &D)` to receive the test's setup value — returning
    /// `Result<(), BoxError>`:
    ///
    /// ```no_run
    /// # use harness::prelude::*;
    /// async fn browse(vu: &mut Vu) -> Result<(), BoxError> {
    ///     vu.get("/health").name("GET /health").send().await;
    ///     vu.think(millis(500), millis(1500)).await;
    ///     Ok(())
    /// }
    /// let s: Scenario = Scenario::from_fn("browse", ConstantVus::new(5, secs(30)), browse);
    /// ```
    ///
    /// Its future is boxed once per iteration, as a closure given to [`Scenario::new`] boxes
    /// its own; what the function awaits inside (other `async fn`s, a [`Mix`]) is not boxed.
    pub fn from_fn<F, M>(name: impl Into<String>, executor: impl Into<Executor>, f: F) -> Self
    where
        F: Iteration<D, M>,
    {
        Scenario::with_data(name, executor, move |vu, data: &D| f.start(vu, data))
    }

    /// A scenario running `exec`, a closure that boxes its future, once per iteration:
    ///
    /// ```no_run
    /// # use harness::prelude::*;
    /// let s: Scenario = Scenario::new("browse", ConstantVus::new(5, secs(30)), |vu| Box::pin(async move {
    ///     vu.get("/health").name("GET /health").send().await;
    ///     Ok(())
    /// }));
    /// ```
    pub fn new<F>(name: impl Into<String>, executor: impl Into<Executor>, exec: F) -> Scenario<D>
    where
        F: for<'a> Fn(&'a mut Vu) -> BoxFuture<'a, Result<(), BoxError>> + Send + Sync + 'static,
    {
        Scenario::with_data(name, executor, move |vu, _: &D| exec(vu))
    }

    /// A scenario whose function, a closure that boxes its future, also receives the test's
    /// setup value:
    ///
    /// ```no_run
    /// # use harness::prelude::*;
    /// struct Users(Vec<String>);
    /// let test = Test::new("login")
    ///     .setup(|_vu| Box::pin(async move { Ok(Users(vec!["a@example.com".into()])) }))
    ///     .scenario(Scenario::with_data("login", ConstantVus::new(5, secs(30)), |vu, users: &Users| {
    ///         Box::pin(async move {
    ///             let email = &users.0[vu.id() as usize % users.0.len()];
    ///             vu.post("/login").json(&email).send().await;
    ///             Ok(())
    ///         })
    ///     }));
    /// ```
    pub fn with_data<F>(
        name: impl Into<String>,
        executor: impl Into<Executor>,
        exec: F,
    ) -> Scenario<D>
    where
        F: for<'a> Fn(&'a mut Vu, &'a D) -> BoxFuture<'a, Result<(), BoxError>>
            + Send
            + Sync
            + 'static,
    {
        Scenario {
            schedule: Schedule {
                name: name.into(),
                executor: executor.into(),
                start_time: Duration::ZERO,
                graceful_stop: Duration::from_secs(30),
                tags: Vec::new(),
            },
            exec: Arc::new(exec),
        }
    }

    /// Starts the scenario this long after the test starts.
    pub fn start_time(mut self, d: Duration) -> Self {
        self.schedule.start_time = d;
        self
    }

    /// How long running iterations may go on after the scenario's end before being interrupted.
    pub fn graceful_stop(mut self, d: Duration) -> Self {
        self.schedule.graceful_stop = d;
        self
    }

    /// A tag on every sample of this scenario.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.schedule.tags.push((key.into(), value.into()));
        self
    }

    pub fn name(&self) -> &str {
        &self.schedule.name
    }

    pub fn executor(&self) -> &Executor {
        &self.schedule.executor
    }

    /// The VU function as the engine runs it: handed the setup value untyped, it finds the
    /// `D` it was made for (no allocation, no extra future per iteration).
    pub(crate) fn erased(&self) -> VuFn {
        let exec = self.exec.clone();
        Arc::new(
            move |vu: &mut Vu, data: &SetupValue| match data.downcast_ref::<D>() {
                Some(d) => exec(vu, d),
                // `Test<D>` hands only its own `D` to its own scenarios.
                None => Box::pin(async { Err("the setup value has another type".into()) }),
            },
        )
    }
}

impl Scenario<()> {
    /// This scenario in a test whose setup value is a `T`, which it does not use.
    pub(crate) fn ignoring_data<T: Send + Sync + 'static>(self) -> Scenario<T> {
        let exec = self.exec;
        Scenario {
            schedule: self.schedule,
            exec: Arc::new(move |vu, _: &T| exec(vu, &())),
        }
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
