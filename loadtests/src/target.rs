//! Where a suite run goes and how, worked out once: the command line's flags, the environment
//! variables and the config become a [`Target`] — the environment, the server (or the embedded
//! mock), the CA, the time scale, production consent, the share of a split run, the common
//! start and the report folder. Pure over its inputs (variables come in as a lookup), so it is
//! tested as a table, and every problem is reported at once, each a sentence naming what to
//! change. The suites' `#[tokio::test]`s, the `loadtest` binary and `cargo xtask` all call it;
//! nothing below reads the environment again.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use harness::segment::Segment;

use crate::Suite;
use crate::config::{Config, DEFAULT_ENV, Environment};

/// Suites that put a target under heavy load: refused against production unless
/// `LOADTEST_ALLOW_PRODUCTION=1` (or `--allow-production`).
pub const HEAVY: [Suite; 4] = [Suite::Stress, Suite::Spike, Suite::Soak, Suite::Capacity];

/// How late an instance may reach the common start and still run (`LOADTEST_START_TOLERANCE`,
/// seconds).
pub const START_TOLERANCE: Duration = Duration::from_secs(10);

/// What a command line says; each field, when given, wins over its environment variable.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `LOADTEST_ENV`: an environment of the config (default `mock`).
    pub env: Option<String>,
    /// `BASE_URL`, else `KAIZEN_<ENV>_URL`, else the environment's `base_url`.
    pub base_url: Option<String>,
    /// `LOADTEST_TIME_SCALE`.
    pub time_scale: Option<String>,
    /// `LOADTEST_SEGMENT` (`i/N` or `from:to`), else `JOB_COMPLETION_INDEX` with
    /// `LOADTEST_SEGMENTS`.
    pub segment: Option<String>,
    /// `LOADTEST_START_AT` (RFC 3339, UTC).
    pub start_at: Option<String>,
    /// `LOADTEST_REPORT_DIR`.
    pub report_dir: Option<PathBuf>,
    /// `LOADTEST_ALLOW_PRODUCTION=1`.
    pub allow_production: bool,
}

/// A run that may start: every input resolved and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The environment's name and its settings.
    pub env: String,
    pub environment: Environment,
    /// The server to load; `None` for the embedded mock.
    pub base_url: Option<String>,
    /// A CA bundle to trust, and the variable that named it.
    pub ca_file: Option<(String, PathBuf)>,
    /// 1 = the original lengths.
    pub time_scale: f64,
    pub allow_production: bool,
    /// This instance's share ([`Segment::WHOLE`] unless the run is split).
    pub segment: Segment,
    /// The common start of a split run, and how late this instance may reach it.
    pub start_at: Option<(SystemTime, Duration)>,
    /// Where run folders go: `<report_dir>/<suite>/`; `None` for the workspace's `reports/`.
    pub report_dir: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`: a file summary.md is appended to.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_SHA`: the commit the suites were built from (else `git rev-parse`).
    pub commit: Option<String>,
}

/// A refusal: every problem, and what could be worked out of the run folder's place, so that
/// even a refused run leaves its report where it was asked to.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub problems: Vec<String>,
    pub env: String,
    pub report_dir: Option<PathBuf>,
    pub segment: Option<Segment>,
    pub time_scale: Option<f64>,
    pub step_summary: Option<PathBuf>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

/// Resolves `flags` and the variables (`var`: a lookup, empty values count as unset) against
/// the config for `suites`.
pub fn resolve(
    config: &Config,
    suites: &[Suite],
    flags: &Flags,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, Box<Refusal>> {
    let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();
    let env = flags
        .env
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| var("LOADTEST_ENV"))
        .unwrap_or_else(|| DEFAULT_ENV.into());
    let report_dir = flags
        .report_dir
        .clone()
        .or_else(|| var("LOADTEST_REPORT_DIR").map(PathBuf::from));
    let environment = config.environments.get(&env).cloned();
    if environment.is_none() {
        let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
        problems.push(format!(
            "unknown environment {env:?}: one of {} (loadtests/environments.toml or \
             LOADTEST_CONFIG)",
            known.join(", ")
        ));
    }
    let url_var = env_var(&env, "URL");
    let base_url = flags
        .base_url
        .clone()
        .or_else(|| var("BASE_URL"))
        .or_else(|| var(&url_var))
        .or_else(|| environment.as_ref().map(|e| e.base_url.clone()))
        .filter(|u| !u.is_empty());
    if let Some(url) = base_url.as_ref().filter(|u| u.contains(".invalid")) {
        problems.push(format!(
            "environment {env:?} has the placeholder URL {url:?}: set {url_var} (or BASE_URL) \
             to the server to load, or give the environment a real base_url \
             (loadtests/environments.toml or LOADTEST_CONFIG)"
        ));
    }
    let ca_var = env_var(&env, "CA_FILE");
    let ca_file = var("LOADTEST_CA_FILE")
        .map(|p| ("LOADTEST_CA_FILE".to_string(), PathBuf::from(p)))
        .or_else(|| var(&ca_var).map(|p| (ca_var.clone(), PathBuf::from(p))));
    let time_scale = match flags
        .time_scale
        .clone()
        .or_else(|| var("LOADTEST_TIME_SCALE"))
    {
        None => Some(1.0),
        Some(text) => harness::settings::parse_time_scale(&text)
            .map_err(|e| problems.push(e.to_string()))
            .ok(),
    };
    let allow_production =
        flags.allow_production || var("LOADTEST_ALLOW_PRODUCTION").is_some_and(|v| v == "1");
    let heavy: Vec<&str> = suites
        .iter()
        .filter(|s| HEAVY.contains(s))
        .map(|s| s.name())
        .collect();
    if env == "production" && !heavy.is_empty() && !allow_production {
        problems.push(format!(
            "{} would put production under heavy load: set LOADTEST_ALLOW_PRODUCTION=1 (or \
             pass --allow-production) if that is really meant",
            heavy.join(", ")
        ));
    }
    let segment = segment(flags, &var).map_err(|e| problems.push(e)).ok();
    let start_at = start_at(flags, &var).map_err(|e| problems.push(e)).ok();
    match (environment, time_scale, segment, start_at) {
        (Some(environment), Some(time_scale), Some(segment), Some(start_at))
            if problems.is_empty() =>
        {
            Ok(Target {
                env,
                environment,
                base_url,
                ca_file,
                time_scale,
                allow_production,
                segment: segment.unwrap_or(Segment::WHOLE),
                start_at,
                report_dir,
                step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
                commit: var("GITHUB_SHA"),
            })
        }
        (_, time_scale, segment, _) => Err(Box::new(Refusal {
            problems,
            env,
            report_dir,
            segment: segment.flatten(),
            time_scale,
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        })),
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

/// This instance's share: the flag or `LOADTEST_SEGMENT`, else Kubernetes'
/// `JOB_COMPLETION_INDEX` with `LOADTEST_SEGMENTS=N`; none for a whole run.
fn segment(flags: &Flags, var: &dyn Fn(&str) -> Option<String>) -> Result<Option<Segment>, String> {
    if let Some(text) = flags.segment.clone().or_else(|| var("LOADTEST_SEGMENT")) {
        return Segment::parse(&text)
            .map(Some)
            .map_err(|e| format!("LOADTEST_SEGMENT: {e}"));
    }
    match (var("LOADTEST_SEGMENTS"), var("JOB_COMPLETION_INDEX")) {
        (None, _) => Ok(None),
        (Some(n), Some(i)) => Segment::parse(&format!("{}/{}", i.trim(), n.trim()))
            .map(Some)
            .map_err(|e| format!("JOB_COMPLETION_INDEX={i} with LOADTEST_SEGMENTS={n}: {e}")),
        (Some(n), None) => Err(format!(
            "LOADTEST_SEGMENTS={n} needs JOB_COMPLETION_INDEX (an Indexed Job sets it) or \
             LOADTEST_SEGMENT=i/N to say which share this instance runs"
        )),
    }
}

/// The common start of a split run: the flag or `LOADTEST_START_AT`, and
/// `LOADTEST_START_TOLERANCE`.
fn start_at(
    flags: &Flags,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(SystemTime, Duration)>, String> {
    let Some(at) = flags.start_at.clone().or_else(|| var("LOADTEST_START_AT")) else {
        return Ok(None);
    };
    let at = harness::clock::parse_rfc3339(&at).map_err(|e| format!("LOADTEST_START_AT: {e}"))?;
    let tolerance = match var("LOADTEST_START_TOLERANCE") {
        None => START_TOLERANCE,
        Some(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("LOADTEST_START_TOLERANCE={t:?} is not a number of seconds"))?,
    };
    Ok(Some((at, tolerance)))
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
