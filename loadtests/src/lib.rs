//! # loadtests — the Kaizen Studio load-test suites
//!
//! A typed client for the Kaizen Studio API ([`client`], [`model`]) and the seven suites of the
//! original k6 suite ([`Suite`]), run on the [`harness`] engine against the embedded
//! [`mock_server`] by default, or against `BASE_URL`.
//!
//! Each suite is a `#[tokio::test]` in `tests/<suite>.rs` behind its cargo feature:
//! `cargo test --features smoke` runs the 30-second smoke suite. `LOADTEST_TIME_SCALE` shrinks
//! every stage (same shape, same per-VU pace), `LOADTEST_ENV` picks an environment from
//! `environments.toml` (default `mock`, the embedded mock).
//!
//! Where things are:
//! - [`client`]: one typed call per endpoint, custom metrics, 429 handling.
//! - [`model`]: request and response types.
//! - [`data`]: generated users, agents, pipelines.
//! - [`fixture`]: setup (test users, each with an organisation and a workspace), the ledger,
//!   per-iteration login and logout.
//! - [`teardown`]: the ledger's deletes and a sweep of every test organisation, on any target.
//! - [`suites`]: the seven shapes and mixes.
//! - [`config`]: environments and thresholds from `environments.toml`; [`analysis_config`]: a suite's
//!   breaking-point, recovery or degradation analysis from it.
//! - [`target`]: flags, environment variables and the config resolved once into a target.
//! - [`execute`]: a suite run as a library — prepared on a target, run, its reports written.
//! - [`entry`]: the edge the `#[tokio::test]`s stand on ([`run`], [`check`]); the `loadtest`
//!   binary (`src/bin/loadtest.rs`) is the other.
//! - [`reports`]: the run folder and its files; [`merge`](mod@merge): a split run's folders
//!   merged into one.

pub mod analysis_config;
pub mod client;
pub mod config;
pub mod data;
pub mod entry;
pub mod execute;
pub mod fixture;
pub mod merge;
pub mod model;
pub mod reports;
pub mod suites;
pub mod target;
pub mod teardown;

pub use entry::{check, run, run_with};
pub use execute::{RunOptions, SuiteRun};
pub use suites::Suite;
pub use target::{Flags, Target};

/// What can stop a suite before it runs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Harness(#[from] harness::Error),
    #[error(transparent)]
    Mock(#[from] mock_server::Error),
    /// The run happened but its report could not be written: the run fails rather than lose it.
    #[error("could not write the report {path}: {reason}")]
    Report { path: String, reason: String },
    /// A split run's parts that cannot be merged, and why.
    #[error("merge: {0}")]
    Merge(String),
}
