//! Live progress on stderr: an updating line on a terminal, a plain line every five seconds
//! otherwise (CI logs). Reads only the live atomics; never touches the work loop.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::Live;
use crate::run::Stop;

pub(super) async fn run(live: Arc<Live>, planned: Duration, stop: Stop) {
    let start = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let every = if tty {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(5)
    };
    let mut tick = tokio::time::interval_at(start + every, every);
    let mut last = (start, 0u64);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.graceful().cancelled() => {}
        }
        let now = Instant::now();
        let snap = live.snapshot();
        let dt = (now - last.0).as_secs_f64().max(1e-3);
        let rps = (snap.requests - last.1) as f64 / dt;
        last = (now, snap.requests);
        let line = format!(
            "running {:>6.1}s/{:.0}s  vus {:>4}/{:<4}  iterations {:>7}  req/s {:>7.1}  failed {:>5}  dropped {:>5}{}",
            (now - start).as_secs_f64(),
            planned.as_secs_f64(),
            snap.active_vus,
            snap.vus_max,
            snap.iterations,
            rps,
            snap.failed,
            snap.dropped,
            if stop.is_stopping() {
                "  (stopping)"
            } else {
                ""
            },
        );
        print_line(tty, &line);
        if stop.is_stopping() {
            // One last line after a stop, then wait to be aborted by the runner.
            std::future::pending::<()>().await;
        }
    }
}

fn print_line(tty: bool, line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = if tty {
        write!(err, "\r\x1b[2K{line}")
    } else {
        writeln!(err, "{line}")
    };
    let _ = err.flush();
}

/// Ends the updating line on a terminal so the summary starts on a fresh line.
pub(super) fn clear_line() {
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K");
    }
}
