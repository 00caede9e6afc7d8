//! The edge a `#[tokio::test]` stands on: the environment variables read once into a
//! [`Target`](crate::target::Target), the run prepared and run on a console that shows progress
//! and the summary, its footer printed, and [`check`] turning its verdict into a test's. The
//! `loadtest` binary is the other edge (`src/bin/loadtest.rs`); both share [`start`].

use harness::console::Console;

use crate::config::Config;
use crate::execute::{Prepared, RunOptions, SuiteRun, prepare};
use crate::target::{Flags, Refusal, resolve};
use crate::{Error, Suite};

/// The process's environment variables, empty ones counted as unset: the lookup the edges
/// hand to [`resolve`].
pub fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Resolves `flags` and `var` for `suite` against the config (`LOADTEST_CONFIG` or the
/// built-in file) and prepares the run — a refused one included, so it writes its report.
/// `Err` only when the run folder cannot be made.
pub fn start(
    suite: Suite,
    flags: &Flags,
    var: &dyn Fn(&str) -> Option<String>,
    options: RunOptions,
) -> Result<Prepared, Error> {
    let mut flags = flags.clone();
    flags.base_url = options.base_url.clone().or(flags.base_url);
    flags.report_dir = options.report_dir.clone().or(flags.report_dir);
    let flags = &flags;
    let config_path = var("LOADTEST_CONFIG");
    match Config::load(config_path.as_deref()) {
        Ok(config) => {
            let target = resolve(&config, &[suite], flags, var)
                .map(|mut t| {
                    t.time_scale = options.time_scale.unwrap_or(t.time_scale);
                    t.segment = options.segment.unwrap_or(t.segment);
                    t.start_at = options.start_at.or(t.start_at);
                    t
                })
                .map_err(|mut r| {
                    r.time_scale = options.time_scale.or(r.time_scale);
                    r.segment = options.segment.or(r.segment);
                    r
                });
            prepare(suite, &config, target, options)
        }
        Err(e) => {
            // No config, so nothing else can be checked: the refusal still goes where the run
            // was asked to write.
            let refusal = Refusal {
                problems: vec![e.to_string()],
                env: flags
                    .env
                    .clone()
                    .or_else(|| var("LOADTEST_ENV"))
                    .unwrap_or_else(|| crate::config::DEFAULT_ENV.into()),
                report_dir: flags
                    .report_dir
                    .clone()
                    .or_else(|| var("LOADTEST_REPORT_DIR").map(Into::into)),
                segment: None,
                time_scale: None,
                step_summary: var("GITHUB_STEP_SUMMARY").map(Into::into),
            };
            prepare(suite, &Config::load(None)?, Err(Box::new(refusal)), options)
        }
    }
}

/// Runs a suite in the environment the variables name (`LOADTEST_ENV`, default `mock`).
pub async fn run(suite: Suite) -> Result<SuiteRun, Error> {
    run_with(suite, RunOptions::default()).await
}

/// Runs a suite on the target the environment variables name, `options` overriding it, on
/// [`Console::from_env`]; prints the production announcement before and the footer after.
/// Whatever ends the run, its folder gets every report file. `Err` only when the reports
/// cannot be written.
pub async fn run_with(suite: Suite, options: RunOptions) -> Result<SuiteRun, Error> {
    use std::io::Write;
    let prepared = start(suite, &Flags::default(), &process_var, options)?;
    if let Some(a) = prepared.announcement() {
        let _ = writeln!(std::io::stdout(), "{a}");
    }
    let run = prepared.run(&Console::from_env()).await?;
    let _ = write!(std::io::stdout().lock(), "{}", run.footer());
    Ok(run)
}

/// What each suite's `#[tokio::test]` does with its run: fails the test with a sentence — a
/// configuration error, an unreachable target, a failed threshold, a scenario that completed
/// nothing, litter left behind, a signal — unless the run passed.
#[track_caller]
pub fn check(result: Result<SuiteRun, Error>) -> SuiteRun {
    let run = result.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !run.report.interrupted(),
        "{} was interrupted by a signal; its reports are in {}",
        run.report.name,
        run.folder.display()
    );
    run.report.assert_thresholds();
    run.assert_no_litter();
    run
}
