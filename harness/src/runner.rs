//! The runner: the one entry a suite calls. Validate everything (all errors at once) → setup →
//! run the scenarios concurrently → teardown (always, also after an abort or a signal) →
//! evaluate thresholds → print the summary → hand back the [`Report`].

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::engine::{
    AbortReason, ClientFactory, Collector, ConnectionModel, Expected, Live, Msg, RunShared,
    ScenarioRun, Vu, extra_roots,
};
use crate::metrics::{MetricKind, Store, Tags, builtin_kind};
use crate::report::{Report, ScenarioInfo};
use crate::threshold::{self, Threshold};
use crate::{BoxError, Error, Scenario, progress, settings};

type Data = Arc<dyn Any + Send + Sync>;
type SetupFn = Box<dyn for<'a> FnOnce(&'a mut Vu) -> BoxFuture<'a, Result<Data, BoxError>> + Send>;
type TeardownFn =
    Box<dyn for<'a> FnOnce(&'a mut Vu, Option<Data>) -> BoxFuture<'a, Result<(), BoxError>> + Send>;

/// A load test: scenarios, thresholds, hooks and options.
pub struct Test {
    name: String,
    scenarios: Vec<Scenario>,
    thresholds: Vec<(String, Threshold)>,
    metrics: Vec<(String, MetricKind)>,
    setup: Option<SetupFn>,
    teardown: Option<TeardownFn>,
    base_url: Option<String>,
    time_scale: Option<f64>,
    connections: ConnectionModel,
    http_timeout: Duration,
    tls_roots: Vec<u8>,
    max_redirects: u32,
    expected: Expected,
    progress: Option<bool>,
    print_summary: bool,
    handle_signals: bool,
    seed: u64,
    cancel: CancellationToken,
}

impl Test {
    pub fn new(name: impl Into<String>) -> Test {
        Test {
            name: name.into(),
            scenarios: Vec::new(),
            thresholds: Vec::new(),
            metrics: Vec::new(),
            setup: None,
            teardown: None,
            base_url: None,
            time_scale: None,
            connections: ConnectionModel::default(),
            http_timeout: Duration::from_secs(60),
            tls_roots: Vec::new(),
            max_redirects: 10,
            expected: Expected::default(),
            progress: None,
            print_summary: true,
            handle_signals: true,
            seed: rand::random(),
            cancel: CancellationToken::new(),
        }
    }

    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenarios.push(scenario);
        self
    }

    /// A threshold on a metric or a tagged sub-metric: `.threshold("http_req_duration", "p(95)<200")`.
    pub fn threshold(mut self, metric: impl Into<String>, threshold: impl Into<Threshold>) -> Self {
        self.thresholds.push((metric.into(), threshold.into()));
        self
    }

    /// Declares a custom metric, so thresholds may name it and the summary shows it.
    pub fn metric(mut self, name: impl Into<String>, kind: MetricKind) -> Self {
        self.metrics.push((name.into(), kind));
        self
    }

    /// Runs once before the load; its value is shared read-only with every VU
    /// ([`Vu::setup_data`]). An error stops the test before any load.
    pub fn setup<T, F>(mut self, f: F) -> Self
    where
        T: Send + Sync + 'static,
        F: for<'a> FnOnce(&'a mut Vu) -> BoxFuture<'a, Result<T, BoxError>> + Send + 'static,
    {
        self.setup = Some(Box::new(move |vu| {
            Box::pin(async move { f(vu).await.map(|t| Arc::new(t) as Data) })
        }));
        self
    }

    /// Runs once after the load — also after an abort or a signal — with the setup value.
    pub fn teardown<T, F>(mut self, f: F) -> Self
    where
        T: Send + Sync + 'static,
        F: for<'a> FnOnce(&'a mut Vu, Option<Arc<T>>) -> BoxFuture<'a, Result<(), BoxError>>
            + Send
            + 'static,
    {
        self.teardown = Some(Box::new(move |vu, data| {
            let typed = data.and_then(|d| d.downcast::<T>().ok());
            f(vu, typed)
        }));
        self
    }

    /// The URL relative request paths are joined to.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Overrides `LOADTEST_TIME_SCALE`.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = Some(scale);
        self
    }

    pub fn connections(mut self, model: ConnectionModel) -> Self {
        self.connections = model;
        self
    }

    pub fn http_timeout(mut self, t: Duration) -> Self {
        self.http_timeout = t;
        self
    }

    /// How many redirects a request follows (k6's `maxRedirects`, default 10); 0 returns the
    /// redirect response itself.
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n;
        self
    }

    /// Trusts these PEM certificates for `https`, besides the system's roots: for a staging
    /// environment behind a private certificate authority. May be called more than once.
    pub fn tls_root_certificates(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls_roots.extend_from_slice(pem.as_ref());
        self.tls_roots.push(b'\n');
        self
    }

    /// The statuses that count as success when a request does not say (default 200–399).
    pub fn expected_statuses(mut self, e: impl Into<Expected>) -> Self {
        self.expected = e.into();
        self
    }

    /// Live progress on stderr: on by default unless `LOADTEST_PROGRESS=0`.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = Some(on);
        self
    }

    /// Whether to print the end-of-test summary on stdout (default: yes).
    pub fn print_summary(mut self, on: bool) -> Self {
        self.print_summary = on;
        self
    }

    /// Whether Ctrl-C and SIGTERM stop the run gracefully and exit the process non-zero after
    /// teardown and the summary (default: yes).
    pub fn handle_signals(mut self, on: bool) -> Self {
        self.handle_signals = on;
        self
    }

    /// Seeds every VU's random generator, for repeatable mixes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A token that stops the run gracefully when cancelled, as a signal would.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Checks every option, scenario and threshold; returns all problems at once.
    pub fn validate(&self) -> Result<(Vec<threshold::Compiled>, f64), Error> {
        let mut errors = Vec::new();
        let scale = match self.time_scale {
            Some(s) => settings::parse_time_scale(&s.to_string()),
            None => settings::time_scale_from_env(),
        };
        let scale = scale.map_err(|e| errors.push(e)).unwrap_or(1.0);
        if self.scenarios.is_empty() {
            errors.push(Error::Scenario {
                scenario: String::new(),
                reason: "the test has no scenario".into(),
            });
        }
        let mut seen = HashSet::new();
        for s in &self.scenarios {
            if s.name.trim().is_empty() {
                errors.push(Error::Scenario {
                    scenario: s.name.clone(),
                    reason: "a scenario needs a name".into(),
                });
            }
            if !seen.insert(s.name.clone()) {
                errors.push(Error::Scenario {
                    scenario: s.name.clone(),
                    reason: "two scenarios have this name".into(),
                });
            }
            for reason in s.executor.validate() {
                errors.push(Error::Scenario {
                    scenario: s.name.clone(),
                    reason,
                });
            }
        }
        if let Some(url) = &self.base_url {
            let parsed = url::Url::parse(url).map_err(|e| e.to_string());
            if !(url.starts_with("http://") || url.starts_with("https://")) || parsed.is_err() {
                errors.push(Error::Scenario {
                    scenario: String::new(),
                    reason: format!("base URL {url:?} must be an http:// or https:// URL"),
                });
            }
        }
        if let Err(reason) = extra_roots(&self.tls_roots) {
            errors.push(Error::Scenario {
                scenario: String::new(),
                reason,
            });
        }
        let declared: BTreeMap<&str, MetricKind> =
            self.metrics.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        let kind_of = |name: &str| builtin_kind(name).or_else(|| declared.get(name).copied());
        let mut compiled = Vec::new();
        for (metric, t) in &self.thresholds {
            match threshold::compile(metric, t, kind_of) {
                Ok(c) => compiled.push(c),
                Err(e) => errors.push(e),
            }
        }
        Error::all(errors)?;
        Ok((compiled, scale))
    }

    /// Runs the test. Configuration errors come back before any request is sent; everything
    /// that happens under load (failed requests, failed thresholds) is in the [`Report`].
    pub async fn run(mut self) -> Result<Report, Error> {
        let (compiled, scale) = self.validate()?;
        let roots = extra_roots(&self.tls_roots).map_err(Error::Client)?;
        let clients = ClientFactory::new(self.connections, self.http_timeout, roots)?;
        let root = self.cancel.clone();
        let abort: Arc<Mutex<Option<AbortReason>>> = Arc::default();
        let live = Arc::new(Live::default());
        let start = Instant::now();
        let (tx, rx) = mpsc::unbounded_channel();

        let mut store = Store::new();
        for (name, kind) in &self.metrics {
            store.declare(name, *kind);
        }
        let collector = tokio::spawn(
            Collector {
                store,
                live: live.clone(),
                abort_thresholds: compiled
                    .iter()
                    .filter(|t| t.abort_on_fail)
                    .cloned()
                    .collect(),
                root: root.clone(),
                abort: abort.clone(),
                start,
            }
            .run(rx),
        );
        let shared = Arc::new(RunShared {
            start,
            tx: tx.clone(),
            live: live.clone(),
            base: self
                .base_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok()),
            time_scale: scale,
            seed: self.seed,
            expected: self.expected.clone(),
            max_redirects: self.max_redirects,
            clients,
            setup_data: OnceLock::new(),
            next_vu_id: AtomicU64::new(1),
            errors: Mutex::default(),
            interned: Mutex::default(),
        });
        let signals = self
            .handle_signals
            .then(|| tokio::spawn(watch_signals(root.clone(), abort.clone())));
        let scenarios: Vec<Scenario> = self
            .scenarios
            .iter()
            .map(|s| Scenario {
                executor: s.executor.scaled(scale),
                start_time: s.start_time.mul_f64(scale),
                graceful_stop: s.graceful_stop.mul_f64(scale),
                ..s.clone()
            })
            .collect();
        let planned = scenarios
            .iter()
            .map(|s| s.start_time + s.executor.duration())
            .max()
            .unwrap_or_default();
        let progress = self
            .progress
            .unwrap_or_else(settings::progress_from_env)
            .then(|| tokio::spawn(progress::run(live.clone(), start, planned, root.clone())));

        let lag_probe = tokio::spawn(probe_lag(shared.recorder(), root.clone()));

        // Setup: its failure stops the test before any load; teardown then does not run.
        let mut setup_ok = true;
        let mut setup_error = None;
        if let Some(setup) = self.setup.take() {
            let mut vu = shared.hook_vu("setup");
            match setup(&mut vu).await {
                Ok(data) => {
                    let _ = shared.setup_data.set(data);
                }
                Err(e) => {
                    setup_ok = false;
                    setup_error = Some(e.to_string());
                }
            }
            vu.rec.flush();
        }

        if setup_ok {
            let mut tasks = tokio::task::JoinSet::new();
            for s in &scenarios {
                tasks.spawn(run_scenario(s.clone(), shared.clone(), root.clone()));
            }
            tasks.join_all().await;
            if let Some(teardown) = self.teardown.take() {
                let mut vu = shared.hook_vu("teardown");
                let data = shared.setup_data.get().cloned();
                if let Err(e) = teardown(&mut vu, data).await {
                    shared.log_error(format!("teardown: {e}"));
                }
                vu.rec.flush();
            }
        }
        lag_probe.abort();
        let _ = lag_probe.await;
        let elapsed = start.elapsed();
        let (reply_tx, reply_rx) = oneshot::channel();
        let _ = tx.send(Msg::Finish(reply_tx));
        let store = reply_rx.await.unwrap_or_default();
        let _ = collector.await;
        if let Some(p) = progress {
            p.abort();
            progress::clear_line();
        }
        if let Some(s) = signals {
            s.abort();
        }
        if let Some(e) = setup_error {
            return Err(Error::Setup(e));
        }

        let results = threshold::evaluate(&compiled, &store, elapsed);
        let aborted = abort.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let errors = shared
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let report = Report {
            name: self.name.clone(),
            duration: elapsed,
            time_scale: scale,
            scenarios: scenarios
                .iter()
                .map(|s| ScenarioInfo {
                    name: s.name.clone(),
                    executor: s.executor.name().to_string(),
                    max_vus: s.executor.max_vus(),
                    duration: s.executor.duration(),
                })
                .collect(),
            store,
            thresholds: results,
            aborted: aborted.clone(),
            iteration_errors: errors,
        };
        if self.print_summary {
            let mut out = std::io::stdout().lock();
            let _ = report.write_summary(&mut out);
        }
        if let Some(AbortReason::Signal { .. }) = aborted {
            if self.handle_signals {
                std::process::exit(130);
            }
        }
        Ok(report)
    }
}

/// Runs one scenario: waits for its start time, runs the executor, and enforces its end
/// (stop new iterations) and graceful stop (interrupt running ones).
async fn run_scenario(s: Scenario, shared: Arc<RunShared>, root: CancellationToken) {
    let start = shared.start + s.start_time;
    tokio::select! {
        _ = tokio::time::sleep_until(start) => {}
        _ = root.cancelled() => return,
    }
    let stop = root.child_token();
    let hard_stop = CancellationToken::new();
    let mut pairs = vec![("scenario".to_string(), s.name.clone())];
    pairs.extend(s.tags.iter().cloned());
    let run = Arc::new(ScenarioRun {
        shared,
        name: Arc::from(s.name.as_str()),
        exec: s.exec.clone(),
        tags: Tags::from_pairs(pairs),
        start,
        stop: stop.clone(),
        hard_stop: hard_stop.clone(),
    });
    let end = start + s.executor.duration();
    let grace = s.graceful_stop;
    let timer = tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => {}
            _ = stop.cancelled() => {}
        }
        stop.cancel();
        tokio::time::sleep(grace).await;
        hard_stop.cancel();
    });
    s.executor.run(run.clone()).await;
    run.stop.cancel();
    timer.abort();
}

/// How often the lag probe wakes.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// The generator's own lag: a task asks to wake every 50 ms and records how late it woke
/// (`generator_lag`). A busy or starved runtime shows here before it skews latencies.
async fn probe_lag(mut rec: crate::engine::Recorder, stop: CancellationToken) {
    let tags = Tags::default();
    loop {
        let due = Instant::now() + PROBE_EVERY;
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = stop.cancelled() => return,
        }
        let late = Instant::now().saturating_duration_since(due);
        rec.trend(
            crate::metrics::names::GENERATOR_LAG,
            late.as_secs_f64() * 1000.0,
            &tags,
        );
        rec.flush_if_due();
    }
}

/// Turns SIGINT/SIGTERM into a graceful stop.
async fn watch_signals(root: CancellationToken, abort: Arc<Mutex<Option<AbortReason>>>) {
    let signal = wait_for_signal().await;
    let mut a = abort.lock().unwrap_or_else(|e| e.into_inner());
    if a.is_none() {
        *a = Some(AbortReason::Signal {
            signal: signal.to_string(),
        });
    }
    drop(a);
    root.cancel();
}

#[cfg(unix)]
async fn wait_for_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return ctrl_c().await,
    };
    tokio::select! {
        s = ctrl_c() => s,
        _ = term.recv() => "SIGTERM",
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> &'static str {
    ctrl_c().await
}

async fn ctrl_c() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "SIGINT",
        Err(_) => std::future::pending().await,
    }
}
