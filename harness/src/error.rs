//! The harness's one error type: configuration problems found before any request is sent,
//! and failures of the run's own machinery (setup, the HTTP client).

use std::fmt;

/// Everything that can stop a test before or outside the load itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A threshold expression or its metric selector does not parse or does not fit the metric.
    #[error("threshold {input:?} on {metric:?}: {reason}")]
    Threshold {
        metric: String,
        input: String,
        reason: String,
    },
    /// A custom metric is declared with two kinds, or with a built-in metric's name and
    /// another kind.
    #[error("metric {metric:?}: {reason}")]
    Metric { metric: String, reason: String },
    /// A scenario's executor options are inconsistent.
    #[error("scenario {scenario:?}: {reason}")]
    Scenario { scenario: String, reason: String },
    /// An environment variable the harness reads holds a value it cannot use.
    #[error("environment variable {var}={value:?}: {reason}")]
    Env {
        var: &'static str,
        value: String,
        reason: String,
    },
    /// Several of the above, all found in one validation pass.
    #[error("invalid test configuration ({} problems):\n{}", .0.len(), List(.0))]
    Invalid(Vec<Error>),
    /// The preflight request found no healthy target; no load was generated.
    #[error("target unreachable: {url} {reason} — no load was sent")]
    Unreachable { url: String, reason: String },
    /// The setup hook returned an error; no load was generated.
    #[error("setup failed: {0}")]
    Setup(String),
    /// A file the run was asked to write (the time series) cannot be created.
    #[error("could not write {path}: {reason}")]
    Output { path: String, reason: String },
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Client(String),
}

impl Error {
    /// Folds a list of problems into one error, or `Ok` when there are none.
    pub fn all(mut errors: Vec<Error>) -> Result<(), Error> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

struct List<'a>(&'a [Error]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

/// The error type a VU function, setup or teardown may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
