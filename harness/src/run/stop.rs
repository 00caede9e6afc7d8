//! Stopping a run from outside: gracefully (no new iterations, running ones get their graceful
//! stop, teardown runs), or at once (running iterations and teardown are cut, what was measured
//! is kept). The edge turns a first Ctrl-C into the first and a second into the second.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use crate::threshold::AbortReason;

/// A cloneable handle on one run's stop signals.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    graceful: CancellationToken,
    now: CancellationToken,
    /// Why the run was stopped: set once, by the first stop.
    reason: Arc<OnceLock<AbortReason>>,
}

impl Stop {
    pub(crate) fn new() -> Stop {
        Stop::default()
    }

    /// Stops the run gracefully, for `reason` (the first reason given is kept).
    pub fn stop(&self, reason: AbortReason) {
        // A later reason is dropped: the first stop is the one the report names.
        let _ = self.reason.set(reason);
        self.graceful.cancel();
    }

    /// Stops at once: running iterations are interrupted (their requests recorded as
    /// `interrupted`) and teardown is cut short. Implies a graceful stop.
    pub fn stop_now(&self, reason: AbortReason) {
        self.stop(reason);
        self.now.cancel();
    }

    /// Whether a stop was asked for.
    pub fn is_stopping(&self) -> bool {
        self.graceful.is_cancelled()
    }

    pub(crate) fn graceful(&self) -> &CancellationToken {
        &self.graceful
    }

    pub(crate) fn immediate(&self) -> &CancellationToken {
        &self.now
    }

    pub(crate) fn reason(&self) -> Option<AbortReason> {
        self.reason.get().cloned()
    }
}
