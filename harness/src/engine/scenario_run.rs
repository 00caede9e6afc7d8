//! What executors run on: one scenario's stop signals, VU factory and iteration wrapper
//! (metrics, interruption, error log).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Recorder, RunShared, SetupValue, Vu, VuFn};
use crate::metrics::{Tags, builtins};

/// One scenario while it runs.
pub(crate) struct ScenarioRun {
    pub shared: Arc<RunShared>,
    pub name: Arc<str>,
    pub exec: VuFn,
    /// The setup value every iteration is handed.
    pub data: Arc<SetupValue>,
    pub tags: Tags,
    pub start: Instant,
    /// No new iterations after this fires.
    pub stop: CancellationToken,
    /// Iterations still running when this fires are interrupted.
    pub hard_stop: CancellationToken,
}

impl ScenarioRun {
    /// A new VU for this scenario, or `None` once the scenario is stopping.
    pub(crate) async fn new_vu(&self) -> Option<Vu> {
        if self.stop.is_cancelled() {
            return None;
        }
        let id = self.shared.next_vu_id();
        self.shared.live.vus_max.fetch_add(1, Ordering::Relaxed);
        Some(Vu::new(
            id,
            self.name.clone(),
            self.tags.clone(),
            self.shared.clone(),
        ))
    }

    pub(crate) fn activate(&self) {
        self.shared.live.active_vus.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn deactivate(&self) {
        self.shared.live.active_vus.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn recorder(&self) -> Recorder {
        self.shared.recorder()
    }

    pub(crate) async fn iteration(&self, vu: &mut Vu, intended: Option<Instant>) {
        self.iteration_until(vu, intended, std::future::pending::<()>())
            .await;
    }

    /// Runs one iteration, interrupted by the hard stop or by `interrupt`. A finished iteration
    /// records `iterations` and `iteration_duration`; one started from a schedule also records
    /// `scheduling_lag` and `iteration_duration_corrected` (from its intended start).
    pub(crate) async fn iteration_until(
        &self,
        vu: &mut Vu,
        intended: Option<Instant>,
        interrupt: impl Future<Output = ()>,
    ) {
        vu.set_group(None);
        let started = Instant::now();
        if let Some(t) = intended {
            let lag = started.saturating_duration_since(t);
            vu.rec.add(&builtins::SCHEDULING_LAG, lag, &self.tags);
        }
        let outcome = {
            let fut = (self.exec)(vu, &*self.data);
            tokio::select! {
                r = fut => Some(r),
                _ = self.hard_stop.cancelled() => None,
                _ = interrupt => None,
            }
        };
        let end = Instant::now();
        vu.iteration += 1;
        vu.set_group(None);
        let tags = vu.iteration_tags().clone();
        let Some(result) = outcome else {
            // k6's "interrupted iterations": its in-flight request was recorded as interrupted.
            vu.rec.add(&builtins::INTERRUPTED_ITERATIONS, 1.0, &tags);
            vu.rec.flush();
            return;
        };
        let at = vu.rec.since_start(end);
        vu.rec.add_at(&builtins::ITERATIONS, 1.0, &tags, at);
        vu.rec
            .add_at(&builtins::ITERATION_DURATION, end - started, &tags, at);
        if let Some(t) = intended {
            let corrected = end.saturating_duration_since(t);
            vu.rec.add_at(
                &builtins::ITERATION_DURATION_CORRECTED,
                corrected,
                &tags,
                at,
            );
        }
        if let Err(e) = result {
            vu.rec.add_at(&builtins::ITERATION_ERRORS, 1.0, &tags, at);
            self.shared.log_error(format!("{}: {e}", self.name));
        }
        vu.rec.flush_if_due();
    }
}
