//! A suite run as a library: [`prepare`] turns a suite and a resolved [`Target`] into a run
//! folder and a harness test (the embedded mock started unless a server is named, thresholds
//! from the config, setup and teardown); [`Prepared::run`] runs it on a [`Console`] and writes
//! every report. Nothing here reads the environment, prints or exits: the edges
//! ([`crate::entry`] for `#[tokio::test]`s, the `loadtest` binary) do.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use harness::prelude::*;
use harness::report::RunInfo;
use harness::run::Phase;
use mock_server::{KaizenMock, MockConfig, RunningMock};

use crate::client::metric;
use crate::config::Config;
use crate::target::{Refusal, Target};
use crate::{Error, Suite, fixture, reports, teardown};

/// How long the target has to answer `GET /health` before any load.
const PREFLIGHT: Duration = Duration::from_secs(5);
/// Setup (up to 50 registrations, each ≈ 300 ms of password hashing on the real server) and
/// teardown (a sweep of every test user's organisation) get this long; not time-scaled.
const HOOK_TIMEOUT: Duration = Duration::from_secs(600);

/// Knobs for tests of the suites themselves: typed overrides of what the target resolution
/// would decide (applied by [`crate::entry::start`]), and settings no environment has.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the time scale.
    pub time_scale: Option<f64>,
    /// Overrides `BASE_URL` and the environment's base URL.
    pub base_url: Option<String>,
    /// Overrides the share of a split run.
    pub segment: Option<harness::segment::Segment>,
    /// Overrides the common start and its tolerance.
    pub start_at: Option<(std::time::SystemTime, Duration)>,
    /// Overrides `LOADTEST_REPORT_DIR`: the run writes into `<report_dir>/<suite>/`.
    pub report_dir: Option<PathBuf>,
    /// The embedded mock's configuration (faults, rate limits); ignored against a real server.
    pub mock: Option<MockConfig>,
    /// Thresholds added to the configured ones.
    pub extra_thresholds: Vec<(String, Threshold)>,
    /// Overrides the environment's `distinct_forwarded_for` (one client address per iteration).
    pub distinct_forwarded_for: Option<bool>,
    /// Overrides how long setup may take (10 minutes; not time-scaled).
    pub setup_timeout: Option<Duration>,
}

/// A run ready to start — or refused, its refusal ready to be written as its report.
pub struct Prepared {
    folder: PathBuf,
    info: RunInfo,
    name: String,
    time_scale: Option<f64>,
    step_summary: Option<PathBuf>,
    state: Result<(Test<fixture::Fixture>, Option<RunningMock>), Error>,
    announcement: Option<String>,
}

/// A finished suite run: its report, its folder, and the embedded mock (to inspect its store)
/// if one ran.
pub struct SuiteRun {
    pub report: Report,
    pub mock: Option<RunningMock>,
    pub folder: PathBuf,
    /// Whether the console already showed the summary (a refused run's is not shown yet).
    pub summary_shown: bool,
}

/// Prepares `suite` on a resolved target, or, when resolution refused it, a run that writes
/// the refusal. `Err` only when the run folder cannot be made.
pub fn prepare(
    suite: Suite,
    config: &Config,
    target: Result<Target, Box<Refusal>>,
    options: RunOptions,
) -> Result<Prepared, Error> {
    let (env, report_dir, segment, time_scale) = match &target {
        Ok(t) => (&t.env, &t.report_dir, Some(t.segment), Some(t.time_scale)),
        Err(r) => (&r.env, &r.report_dir, r.segment, r.time_scale),
    };
    // The folder first: a folder that cannot be made fails before anything else, and every
    // refusal after this leaves its report in it.
    let folder = reports::run_folder(report_dir.clone(), suite, env, segment)?;
    let commit = target.as_ref().ok().and_then(|t| t.commit.clone());
    let info = RunInfo {
        suite: Some(suite.name().to_string()),
        environment: Some(env.clone()),
        git_commit: commit.or_else(reports::git_commit),
    };
    let name = format!("kaizen {suite} ({env})");
    let step_summary = match &target {
        Ok(t) => t.step_summary.clone(),
        Err(r) => r.step_summary.clone(),
    };
    let mut announcement = None;
    let state = match target {
        Ok(t) => build(suite, config, &t, options, &folder, &name).map(|(test, mock, a)| {
            announcement = a;
            (test, mock)
        }),
        Err(r) => Err(Error::Config(r.to_string())),
    };
    Ok(Prepared {
        folder,
        info,
        name,
        time_scale,
        step_summary,
        state,
        announcement,
    })
}

impl Prepared {
    /// What whoever starts the run should see first: against production, what is about to
    /// happen.
    pub fn announcement(&self) -> Option<&str> {
        self.announcement.as_deref()
    }

    /// The run folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Runs the test on `console` (its progress, signals and summary) and writes every report.
    /// Whatever ends the run — its configuration refused, the target unreachable, setup
    /// failed, a signal — the folder gets every report file, and the report says where and
    /// why it ended ([`Report::ended_early`]). `Err` only when the reports cannot be written.
    pub async fn run(mut self, console: &Console) -> Result<SuiteRun, Error> {
        let state = std::mem::replace(&mut self.state, Err(Error::Config(String::new())));
        let (test, mock) = match state {
            Ok(ready) => ready,
            Err(e) => return self.refused(&e),
        };
        let mut report = match console.run(test).await {
            Ok(report) => report,
            Err(e) => return self.refused(&e.into()),
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
        self.write(&report)?;
        Ok(SuiteRun {
            report,
            mock,
            folder: self.folder,
            summary_shown: true,
        })
    }
}

impl Prepared {
    /// Every report file of `report`, into the run folder (and the step summary).
    fn write(&self, report: &Report) -> Result<(), Error> {
        reports::write_all(
            &self.folder,
            report,
            &self.info,
            self.step_summary.as_deref(),
        )
    }

    /// A run refused before it started: its report (that sentence, no metric) written whole
    /// into the folder.
    fn refused(&self, why: &Error) -> Result<SuiteRun, Error> {
        let mut report = Report::ended_before_run(&self.name, Phase::Config, &why.to_string());
        // A refused scale is the reason, not the run's scale.
        let scale = self.time_scale;
        if let Some(scale) = scale.filter(|s| harness::settings::time_scale_problem(*s).is_none()) {
            report.time_scale = scale;
        }
        reports::write_empty_series(&self.folder)?;
        self.write(&report)?;
        Ok(SuiteRun {
            report,
            mock: None,
            folder: self.folder.clone(),
            summary_shown: false,
        })
    }
}

impl SuiteRun {
    /// What an edge shows after the run: the summary if the console has not, the embedded
    /// mock's own time per request, and where the reports are.
    pub fn footer(&self) -> String {
        let mut out = Vec::new();
        if !self.summary_shown {
            let _ = self.report.write_summary(&mut out);
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        if let Some(m) = &self.mock {
            let t = m.mock().service_time();
            text.push_str(&format!(
                "  mock: {} requests, its own time per request p50={}µs p99={}µs max={}µs\n\n",
                t.count, t.p50_us, t.p99_us, t.max_us
            ));
        }
        text.push_str(&format!("  reports: {}\n\n", self.folder.display()));
        text
    }

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

/// The live agents, pipelines and deployments a mock still holds (litter a run left).
pub fn litter(mock: &RunningMock) -> Vec<String> {
    let api = mock.mock().api();
    api.organizations()
        .iter()
        .flat_map(|org| api.live_resources(org))
        .map(|r| format!("{r:?}"))
        .collect()
}

type Built = (Test<fixture::Fixture>, Option<RunningMock>, Option<String>);

/// The harness test for `suite` on `target`, with the embedded mock started when no server
/// is named, and, against production, the sentence to show before it starts.
fn build(
    suite: Suite,
    config: &Config,
    target: &Target,
    options: RunOptions,
    folder: &Path,
    name: &str,
) -> Result<Built, Error> {
    let mock = match &target.base_url {
        None => {
            let m = KaizenMock::new(options.mock.clone().unwrap_or_default());
            Some(RunningMock::start(
                m,
                SocketAddr::from(([127, 0, 0, 1], 0)),
                1,
            )?)
        }
        Some(_) => None,
    };
    let base_url = match &mock {
        Some(m) => m.url(),
        None => target.base_url.clone().unwrap_or_default(),
    };
    let users = suite.test_users();
    let segment = target.segment;
    let xff = options
        .distinct_forwarded_for
        .unwrap_or(target.environment.distinct_forwarded_for);
    let mut test = Test::new(name)
        .base_url(base_url)
        .preflight("/health", PREFLIGHT)
        .time_series(folder.join("timeseries.ndjson"))
        .time_scale(target.time_scale)
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
        .scenario(suite.scenario())
        .segment(segment);
    for t in config.thresholds(suite.name(), &target.env) {
        let th = Threshold::new(t.expression).source(t.source);
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
    if let Some((at, tolerance)) = target.start_at {
        test = test.start_at(at, tolerance);
    }
    if let Some((name, path)) = &target.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("{name}={}: {e}", path.display())))?;
        test = test.tls_root_certificates(pem);
    }
    let mut announcement = None;
    if target.env == "production" {
        // Whoever loads production sees what is about to happen first.
        let planned = test.plan()?;
        let plan = planned.plan();
        announcement = Some(format!(
            "  PRODUCTION: {suite} — up to {} VUs for {:.0} s against {}",
            plan.scenarios
                .iter()
                .map(|s| s.executor().max_vus())
                .max()
                .unwrap_or(0),
            plan.duration.as_secs_f64(),
            plan.base_url.as_ref().map_or("?", |u| u.as_str())
        ));
        test = planned.into_test();
    }
    Ok((test, mock, announcement))
}
