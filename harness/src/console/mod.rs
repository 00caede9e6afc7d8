//! The edge, for callers that run in a terminal (the suites' runner, examples, a `main`): live
//! progress on stderr, Ctrl-C and SIGTERM handling, and the summary on stdout. The library below
//! never prints, installs signal handlers or exits; this module prints, and the caller exits
//! (with [`INTERRUPTED_EXIT_CODE`] when [`Report::interrupted`]) once it has written its reports.
//!
//! ```no_run
//! # use harness::prelude::*;
//! # async fn example(test: Test) -> Result<(), harness::Error> {
//! let report = harness::console::Console::from_env().run(test).await?;
//! // … write report files …
//! if report.interrupted() {
//!     std::process::exit(harness::console::INTERRUPTED_EXIT_CODE);
//! }
//! # Ok(()) }
//! ```

mod progress;
mod signals;

use crate::{Error, Report, Test, settings};

/// The exit status after Ctrl-C or SIGTERM, as a shell reports a process killed by SIGINT.
pub const INTERRUPTED_EXIT_CODE: i32 = 130;

/// What the edge does around a run.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    progress: bool,
    summary: bool,
    signals: bool,
}

impl Console {
    /// Progress per `LOADTEST_PROGRESS` (on unless `0`), the summary on stdout, and signals
    /// handled: a first Ctrl-C or SIGTERM stops gracefully (teardown runs), a second at once.
    pub fn from_env() -> Console {
        Console {
            progress: settings::progress_from_env(),
            summary: true,
            signals: true,
        }
    }

    pub fn progress(mut self, on: bool) -> Console {
        self.progress = on;
        self
    }

    pub fn summary(mut self, on: bool) -> Console {
        self.summary = on;
        self
    }

    pub fn signals(mut self, on: bool) -> Console {
        self.signals = on;
        self
    }

    /// Runs the test with progress, signal handling and the summary, and returns its report.
    pub async fn run<D: Send + Sync + 'static>(&self, test: Test<D>) -> Result<Report, Error> {
        let planned = test.plan()?;
        let stop = planned.stopper();
        let signals = self
            .signals
            .then(|| tokio::spawn(signals::watch(stop.clone())));
        let progress = self.progress.then(|| {
            tokio::spawn(progress::run(
                planned.live(),
                planned.plan().duration,
                stop.clone(),
            ))
        });
        let result = planned.run().await;
        if let Some(p) = progress {
            p.abort();
            progress::clear_line();
        }
        if let Some(s) = signals {
            s.abort();
        }
        let report = result?;
        if self.summary {
            let mut out = std::io::stdout().lock();
            let _ = report.write_summary(&mut out);
        }
        Ok(report)
    }
}
