//! Running a suite: pick the environment, start the embedded mock unless a server is named,
//! build the harness test (scenario, thresholds from the config, setup and teardown), run it.

use std::net::SocketAddr;

use harness::prelude::*;
use harness::segment::Segment;
use mock_server::{KaizenMock, MockConfig, RunningMock};

use crate::client::metric;
use crate::config::{Config, DEFAULT_ENV};
use crate::{Error, Suite, fixture, reports, teardown};
use harness::report::RunInfo;

/// How long the target has to answer `GET /health` before any load.
const PREFLIGHT: Duration = Duration::from_secs(5);
/// Setup (up to 50 registrations, each ≈ 300 ms of password hashing on the real server) and
/// teardown (a sweep of every test user's organisation) get this long; not time-scaled.
const HOOK_TIMEOUT: Duration = Duration::from_secs(600);

/// Options beyond the environment: for tests of the suites themselves.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The embedded mock's configuration (faults, rate limits); ignored against a real server.
    pub mock: Option<MockConfig>,
    /// Thresholds added to the configured ones.
    pub extra_thresholds: Vec<(String, Threshold)>,
    /// Overrides `LOADTEST_TIME_SCALE`.
    pub time_scale: Option<f64>,
    /// Overrides `BASE_URL` and the environment's base URL.
    pub base_url: Option<String>,
    /// Overrides `LOADTEST_SEGMENT` (and `JOB_COMPLETION_INDEX` with `LOADTEST_SEGMENTS`).
    pub segment: Option<Segment>,
    /// Overrides `LOADTEST_START_AT` and `LOADTEST_START_TOLERANCE`.
    pub start_at: Option<(std::time::SystemTime, Duration)>,
    /// Overrides `LOADTEST_REPORT_DIR`: the run writes into `<report_dir>/<suite>/`.
    pub report_dir: Option<std::path::PathBuf>,
    /// Overrides the environment's `distinct_forwarded_for` (one client address per iteration).
    pub distinct_forwarded_for: Option<bool>,
    /// Overrides how long setup may take (10 minutes; not time-scaled).
    pub setup_timeout: Option<Duration>,
}

/// A finished suite run: the report, and the embedded mock (to inspect its store) if one ran.
pub struct SuiteRun {
    pub report: Report,
    pub mock: Option<RunningMock>,
}

impl SuiteRun {
    /// Fails when the embedded mock still holds a live agent, pipeline or deployment that the
    /// run created: teardown must leave no litter.
    #[track_caller]
    pub fn assert_no_litter(&self) {
        let Some(mock) = &self.mock else { return };
        let litter = litter(mock);
        assert!(
            litter.is_empty(),
            "{} left {} live objects behind: {litter:?}",
            self.report.name,
            litter.len()
        );
    }
}

/// The variable that gives an environment's `what` (`URL`, `CA_FILE`), as CI secrets do:
/// `KAIZEN_STAGING_URL`, `KAIZEN_PRODUCTION_CA_FILE`.
pub fn env_var(env: &str, what: &str) -> String {
    let name: String = env
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("KAIZEN_{name}_{what}")
}

/// Suites that put a target under heavy load: refused against production unless
/// `LOADTEST_ALLOW_PRODUCTION=1` (or `cargo xtask … --allow-production`).
pub const HEAVY: [Suite; 4] = [Suite::Stress, Suite::Spike, Suite::Soak, Suite::Capacity];

/// Refuses a heavy suite against production without explicit consent (`allowed`).
pub fn production_guard(env: &str, suite: Suite, allowed: bool) -> Result<(), Error> {
    if env == "production" && HEAVY.contains(&suite) && !allowed {
        return Err(Error::Config(format!(
            "{suite} puts production under heavy load: set LOADTEST_ALLOW_PRODUCTION=1 (or pass \
             --allow-production to cargo xtask) if that is really meant"
        )));
    }
    Ok(())
}

/// The live agents, pipelines and deployments a mock still holds (litter a run left).
pub fn litter(mock: &RunningMock) -> Vec<String> {
    let api = mock.mock().api();
    api.organizations()
        .iter()
        .flat_map(|org| api.live_resources(org))
        .map(|r| format!("{r:?}"))
        .collect()
}

/// What each suite's `#[tokio::test]` does: runs the suite, and fails the test with a sentence
/// — a configuration error, an unreachable target, a failed threshold, a scenario that
/// completed nothing, litter left behind — unless the run passed.
#[track_caller]
pub fn check(result: Result<SuiteRun, Error>) -> SuiteRun {
    let run = result.unwrap_or_else(|e| panic!("{e}"));
    run.report.assert_thresholds();
    run.assert_no_litter();
    run
}

/// Runs a suite in the environment named by `LOADTEST_ENV` (default `mock`).
pub async fn run(suite: Suite) -> Result<SuiteRun, Error> {
    run_with(suite, RunOptions::default()).await
}

/// Runs a suite with `options`. Whatever ends the run — its configuration refused, the target
/// unreachable, setup failed, a signal — its folder gets every report file, and the
/// [`SuiteRun`]'s report says where and why it ended ([`Report::ended_early`]). `Err` only when
/// the reports cannot be written (the folder cannot be made, a file cannot be written).
pub async fn run_with(suite: Suite, options: RunOptions) -> Result<SuiteRun, Error> {
    let env_name = std::env::var("LOADTEST_ENV")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_ENV.into());
    let report_base = options.report_dir.clone().or_else(|| {
        std::env::var_os("LOADTEST_REPORT_DIR")
            .filter(|v| !v.is_empty())
            .map(Into::into)
    });
    // The folder first: a folder that cannot be made fails before anything else, and every
    // refusal after this leaves its report in it.
    // The share names the folder; a malformed one is refused below, with its report.
    let share = options
        .segment
        .or_else(|| segment_from_env().ok().flatten());
    let folder = reports::run_folder(report_base, suite, &env_name, share)?;
    let info = RunInfo {
        suite: Some(suite.name().to_string()),
        environment: Some(env_name.clone()),
        git_commit: reports::git_commit(),
    };
    let name = format!("kaizen {suite} ({env_name})");
    let time_scale = options.time_scale;
    let (test, mock) = match prepare(suite, &env_name, options, &folder, &name) {
        Ok(prepared) => prepared,
        Err(e) => return refused(&folder, &info, &name, time_scale, &e),
    };
    // The suites' runner is the edge: progress, signals and the summary are its to show.
    let mut report = match Console::from_env().run(test).await {
        Ok(report) => report,
        Err(e) => return refused(&folder, &info, &name, time_scale, &e.into()),
    };
    if let Some(m) = &mock {
        // The report's verdict is the test's: litter the embedded mock still holds fails it.
        let litter = litter(m);
        if !litter.is_empty() {
            report.problems.push(format!(
                "left {} live objects behind: {}",
                litter.len(),
                litter.join(", ")
            ));
        }
    }
    if let Some(m) = &mock {
        // Written straight to stdout, like the summary, so `cargo test` shows it.
        use std::io::Write;
        let t = m.mock().service_time();
        let _ = writeln!(
            std::io::stdout(),
            "  mock: {} requests, its own time per request p50={}µs p99={}µs max={}µs\n",
            t.count,
            t.p50_us,
            t.p99_us,
            t.max_us
        );
    }
    let writing = std::time::Instant::now();
    reports::write_all(&folder, &report, &info)?;
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stdout(),
            "  reports: {} (written in {} ms)\n",
            folder.display(),
            writing.elapsed().as_millis()
        );
    }
    if report.interrupted() {
        // Everything is written: now the process may end as an interrupted one does.
        std::process::exit(harness::console::INTERRUPTED_EXIT_CODE);
    }
    Ok(SuiteRun { report, mock })
}

/// Everything a run needs before it starts: the environment, the target (the embedded mock
/// started unless a server is named), the test with its thresholds. `Err` is a refusal: the
/// run ends in [`Phase::Config`](harness::run::Phase::Config).
fn prepare(
    suite: Suite,
    env_name: &str,
    options: RunOptions,
    folder: &std::path::Path,
    name: &str,
) -> Result<(Test<fixture::Fixture>, Option<RunningMock>), Error> {
    let config = Config::load()?;
    let env = config.environment(env_name)?.clone();
    let allowed = std::env::var("LOADTEST_ALLOW_PRODUCTION").is_ok_and(|v| v == "1");
    production_guard(env_name, suite, allowed)?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let url_var = env_var(env_name, "URL");
    let base_url = options
        .base_url
        .clone()
        .or_else(|| var("BASE_URL"))
        .or_else(|| var(&url_var))
        .unwrap_or(env.base_url.clone());
    if base_url.contains(".invalid") {
        return Err(Error::Config(format!(
            "environment {env_name:?} has the placeholder URL {base_url:?}: set {url_var} (or \
             BASE_URL) to the server to load, or give the environment a real base_url \
             (LOADTEST_CONFIG)"
        )));
    }
    let mock = if base_url.is_empty() {
        let m = KaizenMock::new(options.mock.clone().unwrap_or_default());
        Some(RunningMock::start(
            m,
            SocketAddr::from(([127, 0, 0, 1], 0)),
            1,
        )?)
    } else {
        None
    };
    let base_url = mock.as_ref().map_or(base_url, RunningMock::url);
    let segment = match options.segment {
        Some(s) => s,
        None => segment_from_env()?.unwrap_or(Segment::WHOLE),
    };
    let users = suite.test_users();
    let xff = options
        .distinct_forwarded_for
        .unwrap_or(env.distinct_forwarded_for);

    let mut test = Test::new(name)
        .base_url(base_url)
        .preflight("/health", PREFLIGHT)
        .time_series(folder.join("timeseries.ndjson"))
        .setup_timeout(options.setup_timeout.unwrap_or(HOOK_TIMEOUT))
        .teardown_timeout(HOOK_TIMEOUT)
        .metric(metric::LOGIN_DURATION)
        .metric(metric::LOGOUT_DURATION)
        .metric(metric::AGENT_CRUD_DURATION)
        .metric(metric::PIPELINE_CRUD_DURATION)
        .metric(metric::DEPLOYMENT_DURATION)
        .metric(metric::AUTH_ERRORS)
        .metric(metric::API_ERRORS)
        .metric(metric::RATE_LIMITED)
        .metric(metric::SUCCESS_RATE)
        .setup(move |vu| Box::pin(fixture::setup(vu, users, xff, segment)))
        .teardown(|vu, f| Box::pin(teardown::teardown(vu, f)))
        .scenario(suite.scenario());
    for t in config.thresholds(suite.name(), env_name) {
        let th = Threshold::new(t.expression);
        let th = if t.allow_no_data {
            th.allow_no_data()
        } else {
            th
        };
        test = test.threshold(t.metric, th);
    }
    if suite == Suite::Capacity {
        // A capacity search breaks the target on purpose: the starts a broken step drops, and
        // their lag, are the target's doing, not the generator's.
        test = test.validity(harness::run::Validity {
            max_dropped_fraction: 1.0,
            max_scheduling_lag_p99: Duration::from_secs(24 * 3600),
            ..harness::run::Validity::default()
        });
    }
    if let Some(a) = config.analysis(suite.name()) {
        test = test.analysis(a);
    }
    for (metric, t) in options.extra_thresholds {
        test = test.threshold(metric, t);
    }
    test = test.segment(segment);
    let start_at = match options.start_at {
        Some(s) => Some(s),
        None => start_from_env()?,
    };
    if let Some((at, tolerance)) = start_at {
        test = test.start_at(at, tolerance);
    }
    if let Some(scale) = options.time_scale {
        test = test.time_scale(scale);
    }
    let ca_var = env_var(env_name, "CA_FILE");
    let ca = var("LOADTEST_CA_FILE")
        .map(|p| ("LOADTEST_CA_FILE", p))
        .or_else(|| var(&ca_var).map(|p| (ca_var.as_str(), p)));
    if let Some((name, path)) = ca {
        let pem =
            std::fs::read(&path).map_err(|e| Error::Config(format!("{name}={path:?}: {e}")))?;
        test = test.tls_root_certificates(pem);
    }
    if env_name == "production" {
        // Whoever loads production sees what is about to happen first.
        use std::io::Write;
        let plan = test.plan()?;
        let _ = writeln!(
            std::io::stdout(),
            "  PRODUCTION: {suite} — up to {} VUs for {:.0} s against {}",
            plan.plan()
                .scenarios
                .iter()
                .map(|s| s.executor().max_vus())
                .max()
                .unwrap_or(0),
            plan.plan().duration.as_secs_f64(),
            plan.plan().base_url.as_ref().map_or("?", |u| u.as_str())
        );
        test = plan.into_test();
    }
    Ok((test, mock))
}

/// This instance's share of a split run: `LOADTEST_SEGMENT` (`i/N` or `from:to`), else
/// Kubernetes' `JOB_COMPLETION_INDEX` with `LOADTEST_SEGMENTS=N` (`i/N`); none for a whole run.
pub fn segment_from_env() -> Result<Option<Segment>, Error> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(text) = var("LOADTEST_SEGMENT") {
        return Segment::parse(&text)
            .map(Some)
            .map_err(|e| Error::Config(format!("LOADTEST_SEGMENT: {e}")));
    }
    match (var("LOADTEST_SEGMENTS"), var("JOB_COMPLETION_INDEX")) {
        (None, _) => Ok(None),
        (Some(n), Some(i)) => Segment::parse(&format!("{}/{}", i.trim(), n.trim()))
            .map(Some)
            .map_err(|e| {
                Error::Config(format!(
                    "JOB_COMPLETION_INDEX={i} with LOADTEST_SEGMENTS={n}: {e}"
                ))
            }),
        (Some(n), None) => Err(Error::Config(format!(
            "LOADTEST_SEGMENTS={n} needs JOB_COMPLETION_INDEX (an Indexed Job sets it) or \
             LOADTEST_SEGMENT=i/N to say which share this instance runs"
        ))),
    }
}

/// How late an instance may reach the common start and still run (`LOADTEST_START_TOLERANCE`,
/// seconds).
pub const START_TOLERANCE: Duration = Duration::from_secs(10);

/// The common start of a split run: `LOADTEST_START_AT` (RFC 3339 UTC) and the tolerance.
pub fn start_from_env() -> Result<Option<(std::time::SystemTime, Duration)>, Error> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(at) = var("LOADTEST_START_AT") else {
        return Ok(None);
    };
    let at = harness::clock::parse_rfc3339(&at)
        .map_err(|e| Error::Config(format!("LOADTEST_START_AT: {e}")))?;
    let tolerance = match var("LOADTEST_START_TOLERANCE") {
        None => START_TOLERANCE,
        Some(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                Error::Config(format!(
                    "LOADTEST_START_TOLERANCE={t:?} is not a number of seconds"
                ))
            })?,
    };
    Ok(Some((at, tolerance)))
}

/// A run refused before it started: its report (that sentence, no metric) written whole into
/// the folder, and shown as a run's summary is.
fn refused(
    folder: &std::path::Path,
    info: &RunInfo,
    name: &str,
    time_scale: Option<f64>,
    why: &Error,
) -> Result<SuiteRun, Error> {
    use std::io::Write;
    let mut report = Report::ended_before_run(name, harness::run::Phase::Config, &why.to_string());
    let scale = time_scale.or_else(|| harness::settings::time_scale_from_env().ok());
    if let Some(scale) = scale.filter(|s| s.is_finite() && *s > 0.0) {
        report.time_scale = scale;
    }
    reports::write_empty_series(folder)?;
    reports::write_all(folder, &report, info)?;
    let mut out = std::io::stdout().lock();
    let _ = report.write_summary(&mut out);
    let _ = writeln!(out, "  reports: {}\n", folder.display());
    Ok(SuiteRun { report, mock: None })
}
