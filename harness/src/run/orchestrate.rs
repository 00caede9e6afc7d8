//! The run itself: preflight → setup → scenarios → teardown → verdicts → [`Report`]. Setup and
//! teardown are bounded in time and stop with the run; scenarios end at their plan, at a graceful
//! stop or at once; the collector's store becomes the report. A run that ends early — the target
//! unreachable, setup failed, a scenario panicked — still returns its report, with the metrics
//! gathered so far and an [`EarlyEnd`] saying where and why.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::collector::Collector;
use super::early_end::{EarlyEnd, Phase};
use super::report::{Report, ScenarioInfo};
use super::series_out::SeriesOut;
use super::{Plan, SegmentRecord, SetupFn, Stop, TeardownFn, Test};
use crate::Error;
use crate::engine::{
    ClientFactory, Live, Msg, Outcome, Recorder, RunSettings, RunShared, ScenarioRun, SetupValue,
    Vu, VuFn,
};
use crate::metrics::{Store, Tags, builtins};
use crate::scenario::Schedule;
use crate::threshold;

/// A validated test, ready to run: its [`Plan`] is known (for progress and planning output).
pub struct Planned<D> {
    test: Test<D>,
    plan: Plan,
}

/// How a hook ended, when it did not simply succeed.
enum HookEnd<T> {
    Done(Result<T, String>),
    TimedOut(Duration),
    Stopped,
    /// It panicked, with this message.
    Panicked(String),
}

impl<T> HookEnd<T> {
    /// Why the hook did not succeed, as the end of a sentence; `Ok` with its value if it did.
    fn into_result(self, stop: &Stop) -> Result<T, String> {
        match self {
            HookEnd::Done(r) => r,
            HookEnd::TimedOut(t) => Err(format!("did not finish within {t:?}")),
            HookEnd::Stopped => Err(match stop.reason() {
                Some(why) => format!("{why} before it finished"),
                None => "stopped before it finished".into(),
            }),
            HookEnd::Panicked(m) => Err(format!("panicked: {m}")),
        }
    }
}

/// The message a panic carries (`panic!("…")`'s text), redacted.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    };
    crate::redact::redact(&text)
}

/// Runs a hook on its own VU, bounded by `limit` and by `stop`.
async fn hook<T>(
    shared: &Arc<RunShared>,
    phase: &str,
    limit: Duration,
    stop: &CancellationToken,
    f: impl for<'a> FnOnce(&'a mut Vu) -> futures::future::BoxFuture<'a, Result<T, crate::BoxError>>,
) -> HookEnd<T> {
    use futures::FutureExt;
    let mut vu = Vu::hook(shared, phase);
    // A panicking hook ends the run like a failing one, with its report, not the process.
    let guarded = std::panic::AssertUnwindSafe(f(&mut vu)).catch_unwind();
    let end = tokio::select! {
        r = tokio::time::timeout(limit, guarded) => match r {
            Ok(Ok(r)) => HookEnd::Done(r.map_err(|e| crate::redact::redact(&e.to_string()))),
            Ok(Err(payload)) => HookEnd::Panicked(panic_message(payload.as_ref())),
            Err(_) => HookEnd::TimedOut(limit),
        },
        _ = stop.cancelled() => HookEnd::Stopped,
    };
    vu.rec.flush();
    end
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
        self.test.stop.clone()
    }

    /// See [`Test::live`].
    pub fn live(&self) -> Arc<Live> {
        self.test.live.clone()
    }

    /// Runs the plan and returns the report — also when the run ended early (the target
    /// unreachable, setup failed, a scenario panicked: see [`Report::ended_early`]). `Err` only
    /// when the run could not start: the HTTP client or the time-series file.
    pub async fn run(self) -> Result<Report, Error> {
        let Planned { mut test, plan } = self;
        let clients = ClientFactory::new(
            test.connections,
            test.http_version,
            test.http_timeout,
            test.max_body_bytes,
            plan.tls_roots.clone(),
        )
        .map_err(Error::Client)?;
        let stop = test.stop.clone();
        let start = Instant::now();
        let started_at = std::time::SystemTime::now();
        let (tx, rx) = mpsc::unbounded_channel();
        let series_out = match &test.time_series {
            Some(path) => Some(SeriesOut::create(path)?),
            None => None,
        };
        let series_out = Arc::new(std::sync::Mutex::new(series_out));
        let scenarios_began = Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
        let mut store = Store::new();
        for (name, kind) in &test.metrics {
            store.declare(name, *kind);
        }
        let collector = tokio::spawn(
            Collector {
                store,
                live: test.live.clone(),
                abort_thresholds: plan
                    .thresholds
                    .iter()
                    .filter(|t| t.abort_on_fail)
                    .cloned()
                    .collect(),
                stop: stop.clone(),
                start,
                series_out: series_out.clone(),
                observers: std::mem::take(&mut test.observers),
                scenarios_start: scenarios_began.clone(),
            }
            .run(rx),
        );
        let settings = RunSettings {
            base: plan.base_url.clone(),
            time_scale: plan.time_scale,
            seed: test.seed,
            expected: test.expected.clone(),
            max_redirects: test.max_redirects,
            segment: plan.segment,
        };
        let shared = Arc::new(RunShared::new(
            start,
            tx.clone(),
            test.live.clone(),
            settings,
            clients,
        ));
        let mut ended_early: Option<EarlyEnd> = None;
        if let Some((path, within)) = &test.preflight {
            let mut vu = Vu::detached(&shared);
            let res = vu.get(path).timeout(*within).send().await;
            let reason = match res.outcome {
                Outcome::Status(s) if (200..400).contains(&s) => None,
                Outcome::Status(s) => Some(format!("answered {s} instead of 2xx")),
                Outcome::Failed(f) => Some(format!("failed ({}): {}", f.error.as_str(), f.message)),
            };
            if let Some(reason) = reason {
                let url = match &plan.base_url {
                    Some(base) => format!("GET {}{}", base.as_str().trim_end_matches('/'), path),
                    None => format!("GET {path}"),
                };
                let sentence = Error::Unreachable { url, reason }.to_string();
                ended_early = Some(EarlyEnd::new(Phase::Preflight, sentence));
            }
        }
        let lag_probe = tokio::spawn(probe_lag(shared.recorder(), stop.graceful().clone()));
        let mut problems = Vec::new();

        let setup: Option<SetupFn<D>> = test.setup.take();
        let mut setup_value: Option<Arc<D>> = None;
        let mut setup_error = None;
        if let (Some(f), None) = (setup, &ended_early) {
            let end = hook(&shared, "setup", test.setup_timeout, stop.graceful(), f).await;
            match end.into_result(&stop) {
                Ok(v) => setup_value = Some(Arc::new(v)),
                Err(e) => setup_error = Some(e),
            }
        }
        let data = setup_value
            .clone()
            .or_else(|| test.no_setup_value.map(|f| Arc::new(f())));
        if let (None, None) = (&setup_error, &data) {
            setup_error = Some("the test has no setup value for its scenarios".into());
        }
        if let (None, Some(e)) = (&ended_early, setup_error) {
            ended_early = Some(EarlyEnd::new(Phase::Setup, Error::Setup(e).to_string()));
        }
        if let (None, Some((at, tolerance))) = (&ended_early, test.start_at) {
            ended_early = wait_for_start(at, tolerance, &stop).await;
        }
        // Scenario start times count from the end of setup, as in k6: a slow setup (50
        // registrations against a real server) must not eat into the first stage.
        let epoch = Instant::now();
        let scenarios_started_at = std::time::SystemTime::now();
        let scenarios_start = epoch.saturating_duration_since(start);
        scenarios_began.store(
            scenarios_start.as_secs(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let mut scenarios_end = scenarios_start;
        if let (None, Some(data)) = (&ended_early, data) {
            let mut tasks = tokio::task::JoinSet::new();
            for (schedule, s) in plan.scenarios.iter().zip(&test.scenarios) {
                let data: Arc<SetupValue> = data.clone();
                tasks.spawn(run_scenario(
                    schedule.clone(),
                    s.erased(),
                    data,
                    shared.clone(),
                    stop.clone(),
                    epoch,
                ));
            }
            // A scenario that panics (a bug in its code) stops the run; the others end
            // gracefully, and teardown still runs.
            while let Some(joined) = tasks.join_next().await {
                let Err(e) = joined else { continue };
                if !e.is_panic() || ended_early.is_some() {
                    continue;
                }
                let message = panic_message(e.into_panic().as_ref());
                ended_early = Some(EarlyEnd::new(
                    Phase::Scenarios,
                    format!("a scenario panicked: {message}"),
                ));
                stop.graceful().cancel();
            }
            scenarios_end = start.elapsed();
            let teardown: Option<TeardownFn<D>> = test.teardown.take();
            if let Some(f) = teardown {
                let end = hook(
                    &shared,
                    "teardown",
                    test.teardown_timeout,
                    stop.immediate(),
                    move |vu| f(vu, setup_value),
                )
                .await;
                match end {
                    HookEnd::Done(Ok(())) => {}
                    HookEnd::Done(Err(e)) => problems.push(format!("teardown failed: {e}")),
                    HookEnd::TimedOut(t) => {
                        problems.push(format!("teardown did not finish within {t:?}"))
                    }
                    HookEnd::Stopped => problems.push("teardown was cut short by a stop".into()),
                    HookEnd::Panicked(m) => problems.push(format!("teardown panicked: {m}")),
                }
            }
        }
        lag_probe.abort();
        let _ = lag_probe.await;
        let elapsed = start.elapsed();
        let (reply_tx, reply_rx) = oneshot::channel();
        let _ = tx.send(Msg::Finish(reply_tx));
        let store = reply_rx.await.unwrap_or_default();
        let _ = collector.await;
        let series_out = series_out.lock().ok().and_then(|mut o| o.take());
        if let Some(Err(e)) = series_out.map(|o| o.finish(&store)) {
            problems.push(e);
        }
        problems.extend(store.problems());
        let scenarios: Vec<ScenarioInfo> = plan
            .scenarios
            .iter()
            .map(|s| ScenarioInfo::of(s, &store, scenarios_start))
            .collect();
        let aborted = stop.reason();
        // Verdicts are about the load: a run that ended before it has none but its end.
        let loaded = ended_early.as_ref().is_none_or(|e| !e.phase.before_load());
        // A run that ended early is judged by its end: a panicking scenario's own cost (a
        // backtrace printed on a worker thread) must not turn its verdict into INVALID.
        let invalid = ended_early
            .is_none()
            .then(|| test.validity.judge(&store))
            .flatten();
        let mut analyses = if loaded {
            analyze(
                &test.analyses,
                &store,
                &scenarios,
                scenarios_end,
                plan.time_scale,
            )
        } else {
            Vec::new()
        };
        analyses.extend(shared.take_findings());
        for s in &scenarios {
            if s.iterations == 0 && aborted.is_none() && ended_early.is_none() {
                problems.push(format!(
                    "scenario {:?} completed no iteration: its target never answered in time, \
                     or every iteration was interrupted",
                    s.name
                ));
            }
        }
        Ok(Report {
            name: test.name,
            started_at,
            target: plan
                .base_url
                .as_ref()
                .map(|u| u.origin().ascii_serialization()),
            duration: elapsed,
            time_scale: plan.time_scale,
            scenarios,
            thresholds: if loaded {
                threshold::evaluate(
                    &plan.thresholds,
                    &store,
                    elapsed,
                    threshold::Span {
                        from: scenarios_start.as_secs(),
                        to: scenarios_end.as_secs_f64().ceil() as u64,
                        complete_only: false,
                    },
                )
            } else {
                Vec::new()
            },
            store,
            aborted,
            iteration_errors: shared.errors(),
            problems,
            invalid,
            analyses,
            ended_early,
            segment: (!plan.segment.is_whole()).then(|| SegmentRecord {
                segment: plan.segment,
                fingerprint: plan.fingerprint.clone(),
                start_at: test.start_at.map(|(at, _)| at),
                scenarios_started_at,
                scenarios_start,
                scenarios_end,
                analyses: test.analyses.clone(),
            }),
            merged: None,
        })
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

/// Runs one scenario: waits for its start time (from `epoch`, the end of setup), runs the executor, and enforces its end
/// (stop new iterations) and graceful stop (interrupt running ones, at once on `stop_now`).
async fn run_scenario(
    s: Schedule,
    exec: VuFn,
    data: Arc<SetupValue>,
    shared: Arc<RunShared>,
    stop: Stop,
    epoch: Instant,
) {
    let start = epoch + s.start_time;
    tokio::select! {
        _ = tokio::time::sleep_until(start) => {}
        _ = stop.graceful().cancelled() => return,
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
    s.executor.run(run.clone()).await;
    run.stop.cancel();
    timer.abort();
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

/// Runs the analyses on the scenarios' time, with the first scenario's stages.
pub(crate) fn analyze(
    analyses: &[crate::analysis::Analysis],
    store: &Store,
    scenarios: &[ScenarioInfo],
    scenarios_end: Duration,
    time_scale: f64,
) -> Vec<crate::analysis::Finding> {
    let Some(first) = scenarios.first() else {
        return Vec::new();
    };
    let start = first.start.as_secs_f64();
    let mut stages = Vec::new();
    let mut prev = start;
    for end in &first.stage_ends {
        stages.push((prev, start + end));
        prev = start + end;
    }
    let cx = crate::analysis::Context {
        from: scenarios
            .iter()
            .map(|s| s.start.as_secs_f64())
            .fold(start, f64::min),
        to: scenarios_end.as_secs_f64(),
        stages,
        time_scale,
        iteration_s: store
            .sink(crate::metrics::names::ITERATION_DURATION, &[])
            .filter(|s| s.samples() > 0)
            .and_then(|s| s.aggregate(crate::metrics::Aggregation::Med, Duration::ZERO))
            .map(|ms| ms / 1000.0),
    };
    analyses.iter().map(|a| a.run(store, &cx)).collect()
}
