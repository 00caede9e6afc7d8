//! The run: the one entry a suite calls. [`Test`] gathers the configuration; [`Test::validate`]
//! parses every input once into a [`Plan`] (all problems at once); the run is setup → scenarios
//! → teardown → verdicts and returns a [`Report`]. Nothing here prints, installs signal handlers
//! or exits: that is the edge's work ([`crate::console`]).
//!
//! Files: `plan.rs` (validation), `orchestrate.rs` (the run, one function per phase),
//! `hook.rs` (setup and teardown hooks), `collector.rs` (the task that owns the metric store
//! and the time-series file, and returns both), `finish.rs` (the last phase: verdicts into a
//! report), `stop.rs` (stopping a run from outside), `outcome.rs` (the result: [`Report`]),
//! `early_end.rs` (where and why a run ended early, and the exit status of a report).

mod collector;
mod early_end;
mod finish;
mod hook;
mod observer;
mod orchestrate;
mod outcome;
mod plan;
mod segment_record;
mod series_out;
mod stop;
mod validity;

pub use early_end::{EarlyEnd, Phase, exit_code};
pub(crate) use finish::analyze;
pub use observer::Observer;
pub use orchestrate::Planned;
pub use outcome::{CheckResult, EndpointRow, Report, ScenarioInfo};
pub use plan::Plan;
pub use segment_record::{MergeRecord, MergedPart, SegmentRecord};
pub use series_out::write_windows;
pub use stop::Stop;
pub use validity::Validity;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::engine::{ConnectionModel, Expected, HttpVersion, Live, Vu};
use crate::metrics::{Metric, MetricKind};
use crate::segment::Segment;
use crate::threshold::Threshold;
use crate::{BoxError, Error, Scenario};

type SetupFn<D> = Box<dyn for<'a> FnOnce(&'a mut Vu) -> BoxFuture<'a, Result<D, BoxError>> + Send>;
type TeardownFn<D> = Box<
    dyn for<'a> FnOnce(&'a mut Vu, Option<Arc<D>>) -> BoxFuture<'a, Result<(), BoxError>> + Send,
>;

/// A load test: scenarios, thresholds, hooks and options. `D` is the type of the setup hook's
/// value, fixed by [`Test::setup`]: the teardown hook and every [`Scenario::with_data`] receive
/// it typed, so a hook or a scenario expecting another type does not compile:
///
/// ```compile_fail
/// # use harness::prelude::*;
/// Test::new("t")
///     .setup(|_vu| Box::pin(async { Ok(7u32) }))
///     .teardown(|_vu, _data: Option<std::sync::Arc<String>>| Box::pin(async { Ok(()) }));
/// ```
///
/// ```compile_fail
/// # use harness::prelude::*;
/// Test::new("t")
///     .setup(|_vu| Box::pin(async { Ok(7u32) }))
///     .scenario(Scenario::with_data("s", ConstantVus::new(1, secs(1)), |_vu, _d: &String| {
///         Box::pin(async { Ok(()) })
///     }));
/// ```
pub struct Test<D = ()> {
    /// Everything that does not depend on the setup value's type: moved whole by
    /// [`Test::setup`].
    options: Options,
    scenarios: Vec<Scenario<D>>,
    /// The setup value of a test without a setup hook (`()`); `None` once a hook gives one.
    no_setup_value: Option<fn() -> D>,
    setup: Option<SetupFn<D>>,
    teardown: Option<TeardownFn<D>>,
}

/// A test's options and checks, apart from its typed parts (scenarios and hooks).
struct Options {
    name: String,
    thresholds: Vec<(String, Threshold)>,
    metrics: Vec<(&'static str, MetricKind)>,
    /// A teardown was given before setup (it would have been dropped).
    hook_order_error: bool,
    base_url: Option<String>,
    time_scale: Option<f64>,
    connections: ConnectionModel,
    http_version: HttpVersion,
    http_timeout: Duration,
    setup_timeout: Duration,
    teardown_timeout: Duration,
    max_body_bytes: usize,
    tls_roots: Vec<u8>,
    max_redirects: u32,
    expected: Expected,
    seed: u64,
    stop: Stop,
    live: Arc<Live>,
    preflight: Option<(String, Duration)>,
    time_series: Option<std::path::PathBuf>,
    observers: Vec<Arc<dyn Observer>>,
    validity: Validity,
    analyses: Vec<crate::analysis::Analysis>,
    segment: Segment,
    start_at: Option<(std::time::SystemTime, Duration)>,
}

/// k6's `setupTimeout` and `teardownTimeout` default.
const HOOK_TIMEOUT: Duration = Duration::from_secs(60);
/// The default cap on a response body: beyond it a request fails as `body_too_large`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

impl Test<()> {
    pub fn new(name: impl Into<String>) -> Test<()> {
        Test {
            options: Options {
                name: name.into(),
                thresholds: Vec::new(),
                metrics: Vec::new(),
                hook_order_error: false,
                base_url: None,
                time_scale: None,
                connections: ConnectionModel::default(),
                http_version: HttpVersion::default(),
                http_timeout: Duration::from_secs(60),
                setup_timeout: HOOK_TIMEOUT,
                teardown_timeout: HOOK_TIMEOUT,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                tls_roots: Vec::new(),
                max_redirects: 10,
                expected: Expected::default(),
                seed: rand::random(),
                stop: Stop::new(),
                live: Arc::new(Live::default()),
                preflight: None,
                time_series: None,
                observers: Vec::new(),
                validity: Validity::default(),
                analyses: Vec::new(),
                segment: Segment::WHOLE,
                start_at: None,
            },
            scenarios: Vec::new(),
            no_setup_value: Some(|| ()),
            setup: None,
            teardown: None,
        }
    }

    /// Runs once before the load; its value is handed, typed, to every scenario made with
    /// [`Scenario::with_data`] and to the teardown hook. An error (or a panic) ends the test
    /// before any load, in [`Phase::Setup`]. Give it before [`Test::teardown`].
    pub fn setup<T, F>(self, f: F) -> Test<T>
    where
        T: Send + Sync + 'static,
        F: for<'a> FnOnce(&'a mut Vu) -> BoxFuture<'a, Result<T, BoxError>> + Send + 'static,
    {
        Test {
            options: Options {
                hook_order_error: self.options.hook_order_error || self.teardown.is_some(),
                ..self.options
            },
            scenarios: self
                .scenarios
                .into_iter()
                .map(Scenario::ignoring_data)
                .collect(),
            no_setup_value: None,
            setup: Some(Box::new(f)),
            teardown: None,
        }
    }
}

impl<D: Send + Sync + 'static> Test<D> {
    /// Adds a scenario; one made with [`Scenario::with_data`] receives the setup value.
    pub fn scenario(mut self, scenario: Scenario<D>) -> Self {
        self.scenarios.push(scenario);
        self
    }

    /// A threshold on a metric or a tagged sub-metric: `.threshold("http_req_duration", "p(95)<200")`.
    pub fn threshold(mut self, metric: impl Into<String>, threshold: impl Into<Threshold>) -> Self {
        self.options
            .thresholds
            .push((metric.into(), threshold.into()));
        self
    }

    /// Declares a custom metric by its handle, so thresholds may name it and the summary
    /// shows it (at 0 when nothing was added): `.metric(LOGIN_DURATION)`. Two declarations of
    /// one name with different kinds, or a built-in metric's name with another kind, are
    /// refused before the run.
    pub fn metric<M: Metric>(mut self, metric: M) -> Self {
        self.options.metrics.push((metric.name(), M::KIND));
        self
    }

    /// Runs once after the load — also after an abort or a signal — with the setup value
    /// (`None` when the test has no setup hook). Bounded by [`Test::teardown_timeout`].
    pub fn teardown<F>(mut self, f: F) -> Self
    where
        F: for<'a> FnOnce(&'a mut Vu, Option<Arc<D>>) -> BoxFuture<'a, Result<(), BoxError>>
            + Send
            + 'static,
    {
        self.teardown = Some(Box::new(f));
        self
    }

    /// The URL relative request paths are joined to.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.options.base_url = Some(url.into());
        self
    }

    /// Multiplies every stage and duration (not think times): 1 = real time, 0.05 = twenty
    /// times shorter. Default 1; [`Console::from_env`](crate::console::Console::from_env)
    /// applies `LOADTEST_TIME_SCALE` to a test that sets none.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.options.time_scale = Some(scale);
        self
    }

    /// The time scale, when one was given.
    pub(crate) fn time_scale_given(&self) -> Option<f64> {
        self.options.time_scale
    }

    pub fn connections(mut self, model: ConnectionModel) -> Self {
        self.options.connections = model;
        self
    }

    /// Which HTTP versions connections may speak: by default HTTP/2 where a TLS server offers
    /// it, as k6 does; [`HttpVersion::Http1Only`] pins HTTP/1.1.
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.options.http_version = version;
        self
    }

    pub fn http_timeout(mut self, t: Duration) -> Self {
        self.options.http_timeout = t;
        self
    }

    /// How long setup may take (k6's `setupTimeout`, default 60 s; not time-scaled: setup's
    /// work does not shrink with the load's length).
    pub fn setup_timeout(mut self, t: Duration) -> Self {
        self.options.setup_timeout = t;
        self
    }

    /// How long teardown may take (k6's `teardownTimeout`, default 60 s; not time-scaled).
    pub fn teardown_timeout(mut self, t: Duration) -> Self {
        self.options.teardown_timeout = t;
        self
    }

    /// The largest response body a request reads (default 10 MiB); a larger one fails the
    /// request as `body_too_large` without being held in memory.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.options.max_body_bytes = n;
        self
    }

    /// How many redirects a request follows (k6's `maxRedirects`, default 10); 0 returns the
    /// redirect response itself.
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.options.max_redirects = n;
        self
    }

    /// Trusts these PEM certificates for `https`, besides the system's roots: for a staging
    /// environment behind a private certificate authority. May be called more than once.
    pub fn tls_root_certificates(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.options.tls_roots.extend_from_slice(pem.as_ref());
        self.options.tls_roots.push(b'\n');
        self
    }

    /// The statuses that count as success when a request does not say (default 200–399).
    pub fn expected_statuses(mut self, e: impl Into<Expected>) -> Self {
        self.options.expected = e.into();
        self
    }

    /// Streams the time series to `path` as the run goes: one JSON line per second per metric
    /// (count, sum, min, max, true count, p50/p95/p99 within 1 %), written 50 s after each
    /// second ends (samples can arrive that late), as `<path>.part` until the run ends. A path that cannot be created is
    /// refused before any load.
    pub fn time_series(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.options.time_series = Some(path.into());
        self
    }

    /// Answers a question about the run from its time series at the end — where the target
    /// broke, whether it recovered, whether it degraded (see [`crate::analysis`]); a failed
    /// analysis fails the run like a threshold.
    pub fn analysis(mut self, a: impl Into<crate::analysis::Analysis>) -> Self {
        self.options.analyses.push(a.into());
        self
    }

    /// When the run counts as INVALID (the generator fell behind): see [`Validity`]; the
    /// defaults are 100 ms of generator or scheduling lag at p99 and 5 % dropped iterations.
    pub fn validity(mut self, v: Validity) -> Self {
        self.options.validity = v;
        self
    }

    /// Hands every batch of samples to `observer` as the collector takes it in (an exporter
    /// that streams metrics while the run goes).
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.options.observers.push(observer);
        self
    }

    /// Before setup and before any VU starts, `GET path` (relative to the base URL) must answer
    /// with a 2xx or 3xx status within `within`; otherwise the run sends no load and its report
    /// ends early in [`Phase::Preflight`] with [`Error::Unreachable`]'s sentence. Not recorded
    /// in the metrics.
    pub fn preflight(mut self, path: impl Into<String>, within: Duration) -> Self {
        self.options.preflight = Some((path.into(), within));
        self
    }

    /// Seeds every VU's random generator, for repeatable mixes.
    /// Runs this instance's share of the test ([`Segment`], k6's execution segment): every
    /// executor cut so the instances of a split sum exactly to the whole at every moment, and
    /// VU ids (hence client addresses and test users keyed by them) disjoint across instances.
    /// A capacity search is refused in a segment. The default is the whole test.
    pub fn segment(mut self, segment: Segment) -> Self {
        self.options.segment = segment;
        self
    }

    /// A common start without a coordinator: after its setup, this instance waits until `at`
    /// (by the wall clock) to start the scenarios, so every segment of a split run starts
    /// together. Arriving more than `tolerance` late, it refuses to run shifted: the run ends
    /// early in [`Phase::Start`] (its share is then missing from the merge, which says so).
    pub fn start_at(mut self, at: std::time::SystemTime, tolerance: Duration) -> Self {
        self.options.start_at = Some((at, tolerance));
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// A handle that stops the run from outside: gracefully (as a first Ctrl-C does), or at
    /// once.
    pub fn stopper(&self) -> Stop {
        self.options.stop.clone()
    }

    /// The live counters (VUs, iterations, requests) while the run goes on, for progress.
    pub fn live(&self) -> Arc<Live> {
        self.options.live.clone()
    }

    /// Checks every option, scenario and threshold; returns all problems at once, or the plan
    /// with every input parsed.
    pub fn validate(&self) -> Result<Plan, Error> {
        plan::validate(self)
    }

    /// Validates the test into a run that is ready to start.
    pub fn plan(self) -> Result<Planned<D>, Error> {
        let plan = self.validate()?;
        Ok(Planned::new(self, plan))
    }

    /// Runs the test. Configuration errors come back before any request is sent; everything
    /// after — an unreachable target, a failed setup, failed requests and thresholds, a
    /// panicking scenario — is in the [`Report`].
    pub async fn run(self) -> Result<Report, Error> {
        self.plan()?.run().await
    }
}
