//! Project automation. `main` only parses flags and dispatches; each command has its own file.
//!
//! - `cargo xtask <env> <suite>...|all` (or `run <env> ...`): check everything, build once, run
//!   the suites, keep `reports/<env>/<UTC time>/<suite>/` and a table (`index.md`, `index.html`).
//! - `cargo xtask report latest|list|open`, `cargo xtask clean --older-than 7d`.
//! - `cargo xtask baseline save <env> <suite> [folder]`: later runs are compared with it.
//! - `cargo xtask mock [flags]`: the mock server, standalone.
//! - `cargo xtask bench`: the generator and the mock measured side by side with wrk and k6.
//! - `cargo xtask layers`: checks that no lower layer of a crate uses a higher one.
//! - `cargo xtask merge <folders...> --out <folder> [--partial]`: a split run's segments, merged.
//! - `cargo xtask k8s render <env> <suite> [--segments N]`: a run's Kubernetes Jobs, as YAML.

mod baseline;
mod bench;
mod index;
mod k8s;
mod layers;
mod merge;
mod paths;
mod proc;
mod resolve;
mod runs;
mod suites;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Kaizen load-test automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run suites against an environment and collect their reports.
    Run(suites::RunArgs),
    /// Look at past runs.
    Report {
        #[command(subcommand)]
        what: runs::ReportCommand,
    },
    /// Keep a run as the baseline later runs of the suite are compared with.
    Baseline {
        #[command(subcommand)]
        what: BaselineCommand,
    },
    /// Delete run folders older than an age (7d, 12h, 30m).
    Clean {
        #[arg(long)]
        older_than: String,
    },
    /// The mock server, standalone; flags go to it (`cargo xtask mock --help`). With suite
    /// names instead (`cargo xtask mock all`), runs them on the embedded mock.
    Mock {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        flags: Vec<String>,
    },
    /// Benchmark the generator and the mock against wrk (and k6 when installed).
    Bench(bench::BenchArgs),
    /// Check the crates' layering: no upward use between modules, no cycle between files.
    Layers,
    /// Merge the run folders of a split run's segments into one (exactly: histograms added,
    /// thresholds and analyses judged again on the merged data).
    Merge(merge::MergeArgs),
    /// Kubernetes: print a run's Jobs (or its merge, or the nightly CronJob) as YAML.
    K8s {
        #[command(subcommand)]
        what: k8s::K8sCommand,
    },
    /// `cargo xtask <env> <suite>...`: the same as `run <env> <suite>...`.
    #[command(external_subcommand)]
    Env(Vec<String>),
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Save `baselines/<env>/<suite>.json` from a passed run (the newest, or FOLDER).
    Save {
        env: String,
        suite: String,
        folder: Option<std::path::PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run(args) => suites::run(&args),
        Command::Env(words) => run_words(words),
        Command::Report { what } => runs::report(&what),
        Command::Clean { older_than } => runs::clean(&older_than),
        Command::Baseline {
            what: BaselineCommand::Save { env, suite, folder },
        } => baseline::save(&env, &suite, folder.as_deref()),
        // `cargo xtask mock all` runs suites on the mock; `cargo xtask mock --port 8000` serves it.
        Command::Mock { flags } if flags.first().is_some_and(|w| is_suite(w)) => {
            run_words(std::iter::once("mock".to_string()).chain(flags).collect())
        }
        Command::Mock { flags } => {
            let status = std::process::Command::new(proc::cargo())
                .args(["run", "--release", "-p", "mock-server", "--"])
                .args(&flags)
                .current_dir(paths::root())
                .status()?;
            std::process::exit(status.code().unwrap_or(1));
        }
        Command::Bench(args) => bench::run(&args),
        Command::Layers => layers::run(&paths::root()),
        Command::K8s { what } => k8s::run(&what),
        Command::Merge(args) => {
            if merge::run(&args)? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
    }
}

/// `<env> <suite>... [--time-scale X]` read as `run <env> <suite>... [--time-scale X]`.
fn run_words(words: Vec<String>) -> anyhow::Result<()> {
    let argv = ["xtask", "run"].into_iter().map(String::from).chain(words);
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Run(args),
        }) => suites::run(&args),
        Ok(_) => unreachable!("parsed as run"),
        Err(e) => e.exit(),
    }
}

fn is_suite(word: &str) -> bool {
    word == "all" || loadtests::Suite::ALL.iter().any(|s| s.name() == word)
}
