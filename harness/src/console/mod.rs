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

use std::net::SocketAddr;

use crate::export::PrometheusExporter;
use crate::{Error, Report, Test, settings};

/// The exit status after Ctrl-C or SIGTERM, as a shell reports a process killed by SIGINT
/// (every other status: [`Report::exit_code`]).
pub const INTERRUPTED_EXIT_CODE: i32 = crate::run::exit_code::INTERRUPTED;

/// What the edge does around a run.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    progress: bool,
    summary: bool,
    signals: bool,
    prometheus: Option<SocketAddr>,
}

impl Console {
    /// Progress per `LOADTEST_PROGRESS` (on unless `0`), the summary on stdout, signals
    /// handled (a first Ctrl-C or SIGTERM stops gracefully, teardown runs; a second at once),
    /// a Prometheus endpoint when `LOADTEST_PROMETHEUS_LISTEN` is set, and
    /// `LOADTEST_TIME_SCALE` for a test that sets no time scale (both checked in
    /// [`Console::run`], before any load).
    pub fn from_env() -> Console {
        Console {
            progress: settings::progress_from_env(),
            summary: true,
            signals: true,
            prometheus: None,
        }
    }

    /// Serves the run's metrics for Prometheus at `addr` while it goes (see
    /// [`PrometheusExporter`]), and after it until one more scrape or
    /// `LOADTEST_PROMETHEUS_LINGER` seconds (default 15).
    pub fn prometheus(mut self, addr: SocketAddr) -> Console {
        self.prometheus = Some(addr);
        self
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

    /// Runs the test with progress, signal handling and the summary, and returns its report —
    /// also one that ended early (see [`Report::ended_early`]). `Err` when the test was refused
    /// before any request: its configuration, the Prometheus address, the HTTP client.
    pub async fn run<D: Send + Sync + 'static>(&self, test: Test<D>) -> Result<Report, Error> {
        let listen = match self.prometheus {
            Some(addr) => Some(addr),
            None => settings::prometheus_listen_from_env()?,
        };
        let linger = settings::prometheus_linger_from_env()?;
        let exporter = match listen {
            Some(addr) => Some(PrometheusExporter::listen(addr).await?),
            None => None,
        };
        let mut test = match &exporter {
            Some(e) => test.observer(e.clone()),
            None => test,
        };
        // The console is the edge: a test that chose no time scale takes LOADTEST_TIME_SCALE.
        if test.time_scale_given().is_none() {
            test = test.time_scale(settings::time_scale_from_env()?);
        }
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
        if let Some(e) = &exporter {
            // The last values reach Prometheus only if it scrapes once more.
            e.finish();
            if !linger.is_zero() {
                eprintln!(
                    "waiting up to {:.0} s for Prometheus to read the final metrics at http://{}/metrics",
                    linger.as_secs_f64(),
                    e.local_addr()
                );
                e.wait_for_final_scrape(linger).await;
            }
        }
        let report = result?;
        if self.summary {
            let mut out = std::io::stdout().lock();
            let _ = report.write_summary(&mut out);
        }
        Ok(report)
    }
}
