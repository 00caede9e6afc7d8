//! Observers: what sees every sample as the collector takes it in, for outputs that stream
//! while the run goes (a Prometheus endpoint). The collector calls them from its one task, a
//! batch at a time, after aggregating the batch.

use crate::metrics::Entry;

/// Sees each batch of samples, in arrival order, during the run.
pub trait Observer: Send + Sync {
    fn observe(&self, batch: &[Entry]);
}
