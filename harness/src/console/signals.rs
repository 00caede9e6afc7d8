//! Ctrl-C and SIGTERM: the first stops the run gracefully, the second at once.

use crate::run::Stop;
use crate::threshold::AbortReason;

pub(super) async fn watch(stop: Stop) {
    let first = wait_for_signal().await;
    stop.stop(AbortReason::Signal {
        signal: first.to_string(),
    });
    let second = wait_for_signal().await;
    stop.stop_now(AbortReason::Signal {
        signal: second.to_string(),
    });
}

#[cfg(unix)]
async fn wait_for_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return ctrl_c().await,
    };
    tokio::select! {
        s = ctrl_c() => s,
        _ = term.recv() => "SIGTERM",
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> &'static str {
    ctrl_c().await
}

async fn ctrl_c() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "SIGINT",
        Err(_) => std::future::pending().await,
    }
}
