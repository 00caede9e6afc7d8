//! Setup and teardown hooks: each runs on its own VU, bounded in time and by a stop, and a
//! panic in one ends the run like an error, with its report.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Stop;
use crate::engine::{RunShared, Vu};

/// How a hook ended, when it did not simply succeed.
pub(super) enum HookEnd<T> {
    Done(Result<T, String>),
    TimedOut(Duration),
    Stopped,
    /// It panicked, with this message.
    Panicked(String),
}

impl<T> HookEnd<T> {
    /// Why the hook did not succeed, as the end of a sentence; `Ok` with its value if it did.
    pub(super) fn into_result(self, stop: &Stop) -> Result<T, String> {
        match self {
            HookEnd::Done(r) => r,
            HookEnd::TimedOut(t) => Err(format!("did not finish within {t:?}")),
            HookEnd::Stopped => Err(match stop.reason() {
                Some(why) => format!("{why} before it finished"),
                None => "stopped before it finished".into(),
            }),
            HookEnd::Panicked(m) => Err(format!("panicked: {m}")),
        }
    }
}

/// The message a panic carries (`panic!("…")`'s text), redacted.
pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    };
    crate::redact::redact(&text)
}

/// Runs a hook on its own VU, bounded by `limit` and by `stop`.
pub(super) async fn hook<T>(
    shared: &Arc<RunShared>,
    phase: &str,
    limit: Duration,
    stop: &CancellationToken,
    f: impl for<'a> FnOnce(&'a mut Vu) -> futures::future::BoxFuture<'a, Result<T, crate::BoxError>>,
) -> HookEnd<T> {
    use futures::FutureExt;
    let mut vu = Vu::hook(shared, phase);
    // A panicking hook ends the run like a failing one, with its report, not the process.
    let guarded = std::panic::AssertUnwindSafe(f(&mut vu)).catch_unwind();
    let end = tokio::select! {
        r = tokio::time::timeout(limit, guarded) => match r {
            Ok(Ok(r)) => HookEnd::Done(r.map_err(|e| crate::redact::redact(&e.to_string()))),
            Ok(Err(payload)) => HookEnd::Panicked(panic_message(payload.as_ref())),
            Err(_) => HookEnd::TimedOut(limit),
        },
        _ = stop.cancelled() => HookEnd::Stopped,
    };
    vu.rec.flush();
    end
}
