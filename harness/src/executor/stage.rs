//! A stage of a ramping executor: over `duration`, move linearly to `target` — VUs for
//! `ramping-vus`, iterations per time unit for `ramping-arrival-rate` (k6 uses one type for both).

use std::time::Duration;

/// Ramp linearly to `target` VUs (or, for arrival-rate, iterations per time unit) over `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub duration: Duration,
    pub target: u64,
}

impl Stage {
    pub fn new(duration: Duration, target: u64) -> Stage {
        Stage { duration, target }
    }
}

/// k6's name for a stage of `ramping-arrival-rate`: the same type as [`Stage`].
pub type RateStage = Stage;
