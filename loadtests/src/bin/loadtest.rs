//! `loadtest`: the suites as one program, for a runner image, a Kubernetes Job or a CI step
//! that has no toolchain. It runs a suite exactly as its `#[tokio::test]` does (same target
//! resolution, same run folder and reports) and exits with k6's codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | passed |
//! | 99 | a threshold failed |
//! | 104 | the configuration was refused (nothing was sent) |
//! | 105 | stopped by an `abort_on_fail` threshold |
//! | 107 | the target was unreachable, setup failed, a scenario panicked, the run was invalid, or litter was left behind |
//! | 130 | interrupted (Ctrl-C, SIGTERM), after every report was written |
//! | 2 | a bad argument, or the reports could not be written |
//!
//! `loadtest merge` exits 0 when the merged run passed and 1 otherwise (2 when it cannot merge).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use harness::console::Console;
use loadtests::entry::{process_var, start};
use loadtests::{Flags, RunOptions, Suite};

#[derive(Debug, Parser)]
#[command(
    name = "loadtest",
    about = "The Kaizen Studio load-test suites",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The suites, with their peak VUs and full length.
    List,
    /// Run one suite. Every flag falls back to its environment variable (README's settings).
    Run {
        /// smoke, auth, agents, pipelines, stress, spike, soak or capacity.
        suite: String,
        /// The environment (LOADTEST_ENV; default mock, the embedded mock).
        #[arg(long)]
        env: Option<String>,
        /// The server to load (BASE_URL; else KAIZEN_<ENV>_URL, else the environment's).
        #[arg(long)]
        base_url: Option<String>,
        /// This instance's share of a split run, i/N or from:to (LOADTEST_SEGMENT; else
        /// JOB_COMPLETION_INDEX with LOADTEST_SEGMENTS).
        #[arg(long)]
        segment: Option<String>,
        /// The common start of a split run, RFC 3339 UTC (LOADTEST_START_AT).
        #[arg(long)]
        start_at: Option<String>,
        /// Where the run folder goes: DIR/<suite>[-seg-i-of-N]/ (LOADTEST_REPORT_DIR).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Every stage and duration multiplied by this (LOADTEST_TIME_SCALE).
        #[arg(long)]
        time_scale: Option<String>,
        /// Let stress, spike, soak and capacity load production (LOADTEST_ALLOW_PRODUCTION=1).
        #[arg(long)]
        allow_production: bool,
    },
    /// Merge a split run's segment folders into one run folder.
    Merge {
        /// The segments' run folders (each holding a summary.json).
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        /// Where the merged run folder goes (created; must not hold a summary.json yet).
        #[arg(long)]
        out: PathBuf,
        /// Merge even when shares are missing: the result is PARTIAL and never passes.
        #[arg(long)]
        partial: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => list(),
        Command::Run {
            suite,
            env,
            base_url,
            segment,
            start_at,
            out,
            time_scale,
            allow_production,
        } => {
            let Some(suite) = Suite::ALL.into_iter().find(|s| s.name() == suite) else {
                let names: Vec<_> = Suite::ALL.iter().map(|s| s.name()).collect();
                eprintln!("unknown suite {suite:?}: one of {}", names.join(", "));
                return ExitCode::from(2);
            };
            let flags = Flags {
                env,
                base_url,
                time_scale,
                segment,
                start_at,
                report_dir: out,
                allow_production,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(run(suite, &flags)),
                Err(e) => {
                    eprintln!("cannot start the runtime: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Merge {
            folders,
            out,
            partial,
        } => merge(&folders, &out, partial),
    }
}

async fn run(suite: Suite, flags: &Flags) -> ExitCode {
    let prepared = match start(suite, flags, &process_var, RunOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(a) = prepared.announcement() {
        println!("{a}");
    }
    match prepared.run(&Console::from_env()).await {
        Ok(run) => {
            print!("{}", run.footer());
            if let Some(end) = &run.report.ended_early {
                eprintln!("{end}");
            }
            ExitCode::from(u8::try_from(run.report.exit_code()).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn list() -> ExitCode {
    println!("{:<10} {:>8} {:>10}", "suite", "peak VUs", "length");
    for suite in Suite::ALL {
        let scenario = suite.scenario();
        let executor = scenario.executor();
        let mins = executor.duration().as_secs_f64() / 60.0;
        println!(
            "{:<10} {:>8} {mins:>8.1} m",
            suite.name(),
            executor.max_vus()
        );
    }
    ExitCode::SUCCESS
}

fn merge(folders: &[PathBuf], out: &std::path::Path, partial: bool) -> ExitCode {
    match loadtests::merge::merge_folders(folders, out, partial, process_var("GITHUB_SHA")) {
        Ok(report) => {
            let mut text = Vec::new();
            let _ = report.write_summary(&mut text);
            print!("{}", String::from_utf8_lossy(&text));
            println!("  merged run: {}", out.display());
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
