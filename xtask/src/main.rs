//! Project automation. `main` only parses flags and dispatches; each command has its own file.
//!
//! - `cargo xtask run ENV SUITE|all`: run suites against an environment, collecting JSON reports
//!   under `reports/ENV/TIMESTAMP/` (`cargo xtask staging all` is short for `run staging all`).
//! - `cargo xtask bench`: the generator and the mock measured side by side with wrk and k6.
//! - `cargo xtask layers`: checks that no lower layer of a crate uses a higher one.

mod bench;
mod layers;
mod proc;
mod run;

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
    Run(run::RunArgs),
    /// `run staging SUITE`.
    Staging {
        /// A suite name, or `all`.
        suite: String,
    },
    /// Benchmark the generator and the mock against wrk (and k6 when installed).
    Bench(bench::BenchArgs),
    /// Check the crates' layering: no upward use between modules, no cycle between files.
    Layers,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run::run(&args),
        Command::Staging { suite } => run::run(&run::RunArgs {
            env: "staging".into(),
            suite,
            time_scale: None,
        }),
        Command::Bench(args) => bench::run(&args),
        Command::Layers => {
            layers::run(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        }
    }
}
