//! The run itself: preflight → setup → scenarios → teardown → finish, one function per phase.
//! Setup and teardown are bounded in time and stop with the run; scenarios end at their plan,
//! at a graceful stop or at once; the collector's task returns its store, which becomes the
//! report ([`super::finish`]). A run that ends early — the target unreachable, setup failed, a
//! scenario panicked — still returns its report, with the metrics gathered so far and an
//! [`EarlyEnd`] saying where and why.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::collector::{Collected, Collector};
use super::early_end::{EarlyEnd, Phase};
use super::finish::{Ended, report};
use super::hook::{HookEnd, hook, panic_message};
use super::outcome::Report;
use super::series_out::SeriesOut;
use super::{Options, Plan, SetupFn, Stop, TeardownFn, Test};
use crate::Error;
use crate::analysis::Finding;
use crate::engine::{
    ClientFactory, Live, Msg, Outcome, Recorder, RunSettings, RunShared, ScenarioRun, SetupValue,
    Vu, VuFn,
};
use crate::metrics::{Store, Tags, builtins};
use crate::scenario::Schedule;
use crate::threshold::AbortReason;

/// A validated test, ready to run: its [`Plan`] is known (for progress and planning output).
pub struct Planned<D> {
    test: Test<D>,
    plan: Plan,
}

/// What the phases share while the run goes: what every VU shares, the stop signals, the
/// run's clock and the collector's task.
struct Running {
    shared: Arc<RunShared>,
    stop: Stop,
    start: Instant,
    started_at: SystemTime,
    collector: JoinHandle<Collected>,
}

/// The setup phase's value: what teardown receives (`None` without a setup hook) and what
/// every scenario's iterations are handed.
struct SetupDone<D> {
    value: Option<Arc<D>>,
    data: Arc<D>,
}

impl<D: Send + Sync + 'static> Planned<D> {
    pub(super) fn new(test: Test<D>, plan: Plan) -> Planned<D> {
        Planned { test, plan }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The test back, unchanged: to look at its plan (print it, confirm it) before handing it
    /// to the edge.
    pub fn into_test(self) -> Test<D> {
        self.test
    }

    /// See [`Test::stopper`].
    pub fn stopper(&self) -> Stop {
        self.test.options.stop.clone()
    }

    /// See [`Test::live`].
    pub fn live(&self) -> Arc<Live> {
        self.test.options.live.clone()
    }

    /// Runs the plan and returns the report — also when the run ended early (the target
    /// unreachable, setup failed, a scenario panicked: see [`Report::ended_early`]). `Err` only
    /// when the run could not start: the HTTP client or the time-series file.
    pub async fn run(self) -> Result<Report, Error> {
        let Planned { test, plan } = self;
        let Test {
            mut options,
            scenarios,
            no_setup_value,
            setup,
            teardown,
        } = test;
        let (running, scenarios_began) = Running::start(&mut options, &plan)?;
        let mut ended_early = running.preflight(&options, &plan).await;
        let lag_probe = tokio::spawn(probe_lag(
            running.shared.recorder(),
            running.stop.graceful().clone(),
        ));
        let mut setup_done = None;
        if ended_early.is_none() {
            match running
                .setup(setup, no_setup_value, options.setup_timeout)
                .await
            {
                Ok(done) => setup_done = Some(done),
                Err(end) => ended_early = Some(end),
            }
        }
        if let (None, Some((at, tolerance))) = (&ended_early, options.start_at) {
            ended_early = wait_for_start(at, tolerance, &running.stop).await;
        }
        // Scenario start times count from the end of setup, as in k6: a slow setup (50
        // registrations against a real server) must not eat into the first stage.
        let epoch = Instant::now();
        let scenarios_started_at = SystemTime::now();
        let scenarios_start = epoch.saturating_duration_since(running.start);
        let _ = scenarios_began.send(scenarios_start);
        let mut scenarios_end = scenarios_start;
        let (mut findings, mut problems) = (Vec::new(), Vec::new());
        if let (None, Some(done)) = (&ended_early, setup_done) {
            let (found, panicked) = running
                .scenarios(&plan.scenarios, &scenarios, &done.data, epoch)
                .await;
            (findings, ended_early) = (found, panicked);
            scenarios_end = running.start.elapsed();
            if let Some(f) = teardown {
                let timeout = options.teardown_timeout;
                problems.extend(running.teardown(f, done.value, timeout).await);
            }
        }
        lag_probe.abort();
        let _ = lag_probe.await;
        let (started_at, elapsed) = (running.started_at, running.start.elapsed());
        let (collected, aborted, iteration_errors) = running.finish().await;
        let ended = Ended {
            started_at,
            elapsed,
            scenarios_started_at,
            scenarios_start,
            scenarios_end,
            ended_early,
            aborted,
            findings,
            problems,
            iteration_errors,
        };
        Ok(report(options, &plan, collected, ended))
    }
}

impl Running {
    /// Opens the HTTP client and the time-series file, and starts the collector; the sender
    /// tells the collector when the scenarios begin. `Err` when either cannot be opened.
    fn start(
        options: &mut Options,
        plan: &Plan,
    ) -> Result<(Running, oneshot::Sender<Duration>), Error> {
        let clients = ClientFactory::new(
            options.connections,
            options.http_version,
            options.http_timeout,
            options.max_body_bytes,
            plan.tls_roots.clone(),
        )
        .map_err(Error::Client)?;
        let series_out = match &options.time_series {
            Some(path) => Some(SeriesOut::create(path)?),
            None => None,
        };
        let stop = options.stop.clone();
        let start = Instant::now();
        let started_at = SystemTime::now();
        let (tx, rx) = mpsc::unbounded_channel();
        let (began_tx, began_rx) = oneshot::channel();
        let mut store = Store::new();
        for (name, kind) in &options.metrics {
            store.declare(name, *kind);
        }
        let collector = tokio::spawn(
            Collector {
                store,
                live: options.live.clone(),
                abort_thresholds: plan
                    .thresholds
                    .iter()
                    .filter(|t| t.abort_on_fail)
                    .cloned()
                    .collect(),
                stop: stop.clone(),
                start,
                series_out,
                observers: std::mem::take(&mut options.observers),
                scenarios_began: began_rx,
            }
            .run(rx),
        );
        let settings = RunSettings {
            base: plan.base_url.clone(),
            time_scale: plan.time_scale,
            seed: options.seed,
            expected: options.expected.clone(),
            max_redirects: options.max_redirects,
            segment: plan.segment,
        };
        let shared = Arc::new(RunShared::new(
            start,
            tx,
            options.live.clone(),
            settings,
            clients,
        ));
        let running = Running {
            shared,
            stop,
            start,
            started_at,
            collector,
        };
        Ok((running, began_tx))
    }

    /// `GET` the preflight path, when the test names one: `Some` early end when the target
    /// does not answer with 2xx or 3xx in time.
    async fn preflight(&self, options: &Options, plan: &Plan) -> Option<EarlyEnd> {
        let (path, within) = options.preflight.as_ref()?;
        let mut vu = Vu::detached(&self.shared);
        let res = vu.get(path).timeout(*within).send().await;
        let reason = match res.outcome {
            Outcome::Status(s) if (200..400).contains(&s) => return None,
            Outcome::Status(s) => format!("answered {s} instead of 2xx"),
            Outcome::Failed(f) => format!("failed ({}): {}", f.error.as_str(), f.message),
        };
        let url = match &plan.base_url {
            Some(base) => format!("GET {}{}", base.as_str().trim_end_matches('/'), path),
            None => format!("GET {path}"),
        };
        let sentence = Error::Unreachable { url, reason }.to_string();
        Some(EarlyEnd::new(Phase::Preflight, sentence))
    }

    /// Runs the setup hook, or takes the value of a test without one; an early end in
    /// [`Phase::Setup`] when the hook fails.
    async fn setup<D: Send + Sync + 'static>(
        &self,
        setup: Option<SetupFn<D>>,
        no_setup_value: Option<fn() -> D>,
        limit: Duration,
    ) -> Result<SetupDone<D>, EarlyEnd> {
        let failed = |e: String| EarlyEnd::new(Phase::Setup, Error::Setup(e).to_string());
        if let Some(f) = setup {
            let end = hook(&self.shared, "setup", limit, self.stop.graceful(), f).await;
            let value = Arc::new(end.into_result(&self.stop).map_err(failed)?);
            return Ok(SetupDone {
                value: Some(value.clone()),
                data: value,
            });
        }
        match no_setup_value {
            Some(f) => Ok(SetupDone {
                value: None,
                data: Arc::new(f()),
            }),
            None => Err(failed(
                "the test has no setup value for its scenarios".into(),
            )),
        }
    }

    /// Runs every scenario from `epoch` (the end of setup) until each has ended: what their
    /// executors found, and an early end when one panicked.
    async fn scenarios<D: Send + Sync + 'static>(
        &self,
        schedules: &[Schedule],
        scenarios: &[crate::Scenario<D>],
        data: &Arc<D>,
        epoch: Instant,
    ) -> (Vec<Finding>, Option<EarlyEnd>) {
        let mut tasks = tokio::task::JoinSet::new();
        for (schedule, s) in schedules.iter().zip(scenarios) {
            let data: Arc<SetupValue> = data.clone();
            tasks.spawn(run_scenario(
                schedule.clone(),
                s.erased(),
                data,
                self.shared.clone(),
                self.stop.clone(),
                epoch,
            ));
        }
        let (mut findings, mut ended_early) = (Vec::new(), None);
        // A scenario that panics (a bug in its code) stops the run; the others end
        // gracefully, and teardown still runs.
        while let Some(joined) = tasks.join_next().await {
            let e = match joined {
                Ok(found) => {
                    findings.extend(found);
                    continue;
                }
                Err(e) => e,
            };
            if !e.is_panic() || ended_early.is_some() {
                continue;
            }
            let message = panic_message(e.into_panic().as_ref());
            ended_early = Some(EarlyEnd::new(
                Phase::Scenarios,
                format!("a scenario panicked: {message}"),
            ));
            self.stop.graceful().cancel();
        }
        (findings, ended_early)
    }

    /// Runs the teardown hook with the setup value; its problem as a sentence, if any.
    async fn teardown<D: Send + Sync + 'static>(
        &self,
        teardown: TeardownFn<D>,
        value: Option<Arc<D>>,
        limit: Duration,
    ) -> Option<String> {
        let stop = self.stop.immediate();
        let end = hook(&self.shared, "teardown", limit, stop, move |vu| {
            teardown(vu, value)
        })
        .await;
        match end {
            HookEnd::Done(Ok(())) => None,
            HookEnd::Done(Err(e)) => Some(format!("teardown failed: {e}")),
            HookEnd::TimedOut(t) => Some(format!("teardown did not finish within {t:?}")),
            HookEnd::Stopped => Some("teardown was cut short by a stop".into()),
            HookEnd::Panicked(m) => Some(format!("teardown panicked: {m}")),
        }
    }

    /// Ends the collector and takes back what it gathered; why the run stopped (if it was
    /// stopped) and the iterations' errors.
    async fn finish(self) -> (Collected, Option<AbortReason>, BTreeMap<String, u64>) {
        let _ = self.shared.tx.send(Msg::Finish);
        let collected = self.collector.await.unwrap_or_else(|_| Collected {
            store: Store::default(),
            series: None,
        });
        (collected, self.stop.reason(), self.shared.errors())
    }
}

/// Waits until the common start `at`; `Some` early end when this instance is more than
/// `tolerance` late (it refuses to run shifted against the others).
async fn wait_for_start(
    at: std::time::SystemTime,
    tolerance: Duration,
    stop: &Stop,
) -> Option<EarlyEnd> {
    match at.duration_since(std::time::SystemTime::now()) {
        Ok(wait) => {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.graceful().cancelled() => {}
            }
            None
        }
        Err(late) if late.duration() > tolerance => Some(EarlyEnd::new(
            Phase::Start,
            format!(
                "setup ended {:.1} s after the common start {}, more than the tolerance of \
                 {:.1} s: this instance did not run shifted against the others (its share is \
                 missing from the merge)",
                late.duration().as_secs_f64(),
                crate::clock::rfc3339(at),
                tolerance.as_secs_f64()
            ),
        )),
        Err(_) => None,
    }
}

/// Runs one scenario: waits for its start time (from `epoch`, the end of setup), runs the
/// executor, and enforces its end (stop new iterations) and graceful stop (interrupt running
/// ones, at once on `stop_now`). What its executor found, if anything.
async fn run_scenario(
    s: Schedule,
    exec: VuFn,
    data: Arc<SetupValue>,
    shared: Arc<RunShared>,
    stop: Stop,
    epoch: Instant,
) -> Option<Finding> {
    let start = epoch + s.start_time;
    tokio::select! {
        _ = tokio::time::sleep_until(start) => {}
        _ = stop.graceful().cancelled() => return None,
    }
    let no_new = stop.graceful().child_token();
    let hard_stop = stop.immediate().child_token();
    let mut pairs = vec![("scenario".to_string(), s.name.clone())];
    pairs.extend(s.tags.iter().cloned());
    let run = Arc::new(ScenarioRun {
        shared,
        name: Arc::from(s.name.as_str()),
        exec,
        data,
        tags: Tags::from_pairs(pairs),
        start,
        stop: no_new.clone(),
        hard_stop: hard_stop.clone(),
    });
    let end = start + s.executor.duration();
    let grace = s.graceful_stop;
    let timer = tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => {}
            _ = no_new.cancelled() => {}
        }
        no_new.cancel();
        tokio::time::sleep(grace).await;
        hard_stop.cancel();
    });
    let ran = s.executor.run(run.clone()).await;
    run.stop.cancel();
    timer.abort();
    ran.finding
}

/// How often the lag probe wakes.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// The generator's own lag: a task asks to wake every 50 ms and records how late it woke
/// (`generator_lag`). A busy or starved runtime shows here before it skews latencies.
async fn probe_lag(mut rec: Recorder, stop: CancellationToken) {
    let tags = Tags::default();
    loop {
        let due = Instant::now() + PROBE_EVERY;
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = stop.cancelled() => return,
        }
        let late = Instant::now().saturating_duration_since(due);
        rec.add(&builtins::GENERATOR_LAG, late, &tags);
        rec.flush_if_due();
    }
}
