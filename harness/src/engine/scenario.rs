//! What executors run on: the run-wide shared parts and one scenario's stop signals, VU factory
//! and iteration wrapper (metrics, interruption, error log).

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{ClientFactory, Expected, Live, Msg, Recorder, Vu, VuFn};
use crate::metrics::{Tags, names};

/// How many distinct iteration error messages the report keeps.
const ERROR_KINDS_KEPT: usize = 20;

/// Parts shared by every VU of a run.
pub(crate) struct RunShared {
    pub start: Instant,
    pub tx: UnboundedSender<Msg>,
    pub live: Arc<Live>,
    pub base: Option<url::Url>,
    pub time_scale: f64,
    pub seed: u64,
    pub expected: Expected,
    pub max_redirects: u32,
    pub clients: ClientFactory,
    pub setup_data: OnceLock<Arc<dyn Any + Send + Sync>>,
    pub next_vu_id: AtomicU64,
    pub errors: Mutex<BTreeMap<String, u64>>,
    /// Canonical tag sets: VUs share one `Tags` per distinct set, so the collector compares
    /// pointers, not strings, and 10,000 VUs keep one copy. Locked only on a VU's cache miss.
    pub interned: Mutex<HashSet<Tags, crate::metrics::TagsHash>>,
}

impl RunShared {
    pub(crate) fn recorder(&self) -> Recorder {
        Recorder::new(self.tx.clone(), self.start)
    }

    /// The canonical copy of a tag set.
    pub(crate) fn intern(&self, tags: Tags) -> Tags {
        let mut set = self.interned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = set.get(&tags) {
            return t.clone();
        }
        set.insert(tags.clone());
        tags
    }

    /// Counts an iteration error by message; only touched when an iteration fails.
    pub(crate) fn log_error(&self, message: String) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        let known = errors.contains_key(&message);
        if known || errors.len() < ERROR_KINDS_KEPT {
            *errors.entry(message).or_insert(0) += 1;
        } else {
            *errors.entry("(other errors)".to_string()).or_insert(0) += 1;
        }
    }

    /// A VU outside any scenario (setup, teardown), with id 0.
    pub(crate) fn hook_vu(self: &Arc<Self>, phase: &str) -> Vu {
        let tags = Tags::from_pairs([("scenario", phase), ("group", &format!("::{phase}"))]);
        Vu::new(0, Arc::from(phase), tags, self.clone())
    }
}

/// One scenario while it runs.
pub(crate) struct ScenarioRun {
    pub shared: Arc<RunShared>,
    pub name: Arc<str>,
    pub exec: VuFn,
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
        let id = self.shared.next_vu_id.fetch_add(1, Ordering::Relaxed);
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
            vu.rec.trend(names::SCHEDULING_LAG, ms(lag), &self.tags);
        }
        let outcome = {
            let fut = (self.exec)(vu);
            tokio::select! {
                r = fut => Some(r),
                _ = self.hard_stop.cancelled() => None,
                _ = interrupt => None,
            }
        };
        let end = Instant::now();
        vu.iteration += 1;
        vu.set_group(None);
        if let Some(result) = outcome {
            let tags = vu.iteration_tags().clone();
            vu.rec.counter(names::ITERATIONS, 1.0, &tags);
            vu.rec
                .trend(names::ITERATION_DURATION, ms(end - started), &tags);
            if let Some(t) = intended {
                vu.rec.trend(
                    names::ITERATION_DURATION_CORRECTED,
                    ms(end.saturating_duration_since(t)),
                    &tags,
                );
            }
            if let Err(e) = result {
                vu.rec.counter(names::ITERATION_ERRORS, 1.0, &tags);
                self.shared.log_error(format!("{}: {e}", self.name));
            }
        }
        vu.rec.flush_if_due();
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
