//! Live counters for progress and the `vus` gauges: atomics written by VUs and the collector,
//! read once a second. No lock is taken on the request path.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters that progress lines and the `vus`/`vus_max` gauges read while the test runs.
#[derive(Debug, Default)]
pub struct Live {
    pub(crate) active_vus: AtomicI64,
    pub(crate) vus_max: AtomicU64,
    pub(crate) iterations: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) dropped: AtomicU64,
}

/// A consistent-enough copy of [`Live`] at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    pub active_vus: u64,
    pub vus_max: u64,
    pub iterations: u64,
    pub requests: u64,
    pub failed: u64,
    pub dropped: u64,
}

impl Live {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            active_vus: self.active_vus.load(Ordering::Relaxed).max(0) as u64,
            vus_max: self.vus_max.load(Ordering::Relaxed),
            iterations: self.iterations.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}
