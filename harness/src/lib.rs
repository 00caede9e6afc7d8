//! # harness — load tests that run in `cargo test`
//!
//! A load-testing engine with k6's semantics: executors schedule virtual users (VUs); each VU
//! runs your async function with an instrumented HTTP client; samples go to HDR histograms;
//! thresholds in k6's grammar (`p(95)<200`) decide pass or fail; a summary and a [`Report`]
//! come back.
//!
//! ```no_run
//! use harness::prelude::*;
//!
//! async fn ping(vu: &mut Vu) -> Result<(), BoxError> {
//!     let res = vu.get("/health").name("GET /health").send().await;
//!     vu.check("status is 200", res.status() == Some(200));
//!     vu.think(millis(500), millis(1500)).await;
//!     Ok(())
//! }
//!
//! # async fn example() -> Result<(), harness::Error> {
//! let report = Test::new("health")
//!     .base_url("http://127.0.0.1:8000")
//!     .scenario(Scenario::from_fn("ping", ConstantVus::new(5, secs(30)), ping))
//!     .threshold("http_req_duration", "p(95)<200")
//!     .threshold("http_req_failed", "rate<0.01")
//!     .run()
//!     .await?;
//! report.assert_thresholds();
//! # Ok(()) }
//! ```
//!
//! An iteration is a plain `async fn(&mut Vu)`, or `async fn(&mut Vu, &D)` to receive the
//! setup value (`Test::setup`), handed over as it is; it calls other `async fn`s as steps. A
//! weighted choice of steps is declared, not computed — the original script's
//! `if (Math.random() < 0.3) register() else login()` becomes a [`Mix`](scenario::Mix), drawn
//! with the VU's seeded generator, its weights checked when it compiles:
//!
//! ```no_run
//! # use harness::prelude::*;
//! async fn register(vu: &mut Vu, _: &()) -> Result<(), BoxError> { Ok(()) }
//! async fn login(vu: &mut Vu, _: &()) -> Result<(), BoxError> { Ok(()) }
//!
//! async fn visit(vu: &mut Vu) -> Result<(), BoxError> {
//!     let done = const { Mix::new().with(30, register).with(70, login) }.run(vu, &()).await;
//!     vu.think(secs(2), secs(4)).await;
//!     done
//! }
//! ```
//!
//! A closure can stand for the function too, boxing its future itself:
//! `Scenario::new("ping", executor, |vu| Box::pin(async move { … }))`.
//!
//! Layers, from the bottom up; each uses only those below it (`cargo xtask layers`, and its
//! test in `xtask/src/layers.rs`, hold the code to it):
//! - [`metrics`]: samples, [`metrics::Aggregation`], sinks (HDR histograms), the store with
//!   one-second buckets, the table of built-in metrics.
//! - [`threshold`]: verdicts — the k6 threshold grammar, its parser and evaluation, abort reasons;
//!   [`analysis`]: breaking point, recovery, degradation over the time series.
//! - [`engine`]: VUs ([`Vu`]), the instrumented HTTP client, sample buffers.
//! - [`executor`] and [`scenario`]: the six executors (pure plans plus run loops); [`Scenario`],
//!   its `async fn` steps and weighted [`Mix`](scenario::Mix)es.
//! - [`run`]: [`Test`] → [`run::Plan`] → setup, scenarios, teardown, verdicts → [`Report`];
//!   the collector; [`run::Stop`].
//! - [`report`]: writers of a finished report (text summary, `summary.json`, HTML, JUnit,
//!   Markdown); [`export`]: outputs that stream during the run (Prometheus).
//! - [`console`]: the edge — progress, signals, the printed summary. Opt-in.
//!
//! [`settings`] (environment variables), [`redact`] (secrets out of messages), [`segment`] (one
//! instance's share of a test split across machines) and [`Error`] sit beside the layers; any
//! layer may use them.

pub mod analysis;
pub mod clock;
pub mod console;
pub mod engine;
mod error;
pub mod executor;
pub mod export;
pub mod metrics;
pub mod redact;
pub mod report;
pub mod run;
pub mod scenario;
pub mod segment;
pub mod settings;
pub mod threshold;

pub use engine::{ConnectionModel, Expected, HttpVersion, Outcome, Response, Vu};
pub use error::{BoxError, Error};
/// HTTP methods, for [`Vu::request`].
pub use http::Method;
pub use run::{Report, Test};
pub use scenario::Scenario;

/// Everything a scenario author needs, in one import.
pub mod prelude {
    pub use crate::console::Console;
    pub use crate::engine::{
        ConnectionModel, Expected, Failure, HttpVersion, Outcome, Response, TransportError, Vu,
    };
    pub use crate::executor::{
        CapacitySearch, ConstantArrivalRate, ConstantVus, Executor, PerVuIterations,
        RampingArrivalRate, RampingVus, RateStage, SharedIterations, Stage,
    };
    pub use crate::metrics::{Counter, Gauge, MetricKind, Rate, Trend};
    pub use crate::scenario::{Mix, Step, millis, secs};
    pub use crate::threshold::{Aggregation, Threshold};
    pub use crate::{BoxError, Error, Method, Report, Scenario, Test};
    pub use std::time::Duration;
}
