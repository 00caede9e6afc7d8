//! What one window of a run held, read from the store's time series.

use crate::metrics::{Aggregation, Store, names};

/// The requests, failures, latency and VUs of one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub seconds: f64,
    pub requests: u64,
    pub failed: u64,
    /// `http_req_duration` p95 in ms (within 1 %), if the window had requests.
    pub p95: Option<f64>,
    /// The most active VUs seen in the window.
    pub vus: Option<f64>,
}

impl Stats {
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.failed as f64 / self.requests as f64
        }
    }

    /// Requests per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Anything that can say what a window held: the store, or a table in tests.
pub trait WindowSource {
    /// The window `[from, to)`, in seconds from the run's start.
    fn stats(&self, from: f64, to: f64) -> Stats;
}

impl WindowSource for Store {
    fn stats(&self, from: f64, to: f64) -> Stats {
        // The series keeps whole seconds: a window from 5.00001 s is the seconds from 5 on.
        let a = from.max(0.0).round() as u64;
        let b = (to.max(0.0).round() as u64).max(a + 1);
        let bucket = |metric| self.get(metric).map(|s| s.timeline().between(a, b).0);
        let covered = self
            .get(names::HTTP_REQS)
            .map_or(0, |s| s.timeline().between(a, b).1);
        let reqs = bucket(names::HTTP_REQS);
        let failed = bucket(names::HTTP_REQ_FAILED);
        let duration = bucket(names::HTTP_REQ_DURATION);
        let vus = bucket(names::VUS);
        Stats {
            // Requests per second over what the kept windows cover.
            seconds: (covered as f64).max(to - from),
            requests: reqs.as_ref().map_or(0, |b| b.count),
            failed: failed.as_ref().map_or(0, |b| b.trues),
            p95: duration.and_then(|b| b.aggregate(Aggregation::Percentile(95.0), 1.0)),
            vus: vus.and_then(|b| b.aggregate(Aggregation::Max, 1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{HttpSample, HttpTimings, HttpTraffic, Tags};
    use std::time::Duration;

    #[test]
    fn a_window_that_starts_a_hair_past_a_second_reads_whole_seconds_from_it() {
        let mut store = Store::new();
        for (second, ms) in [(5, 10.0), (6, 500.0)] {
            let timings = HttpTimings {
                duration_ms: ms,
                waiting_ms: ms,
                ..HttpTimings::default()
            };
            let at = Duration::from_secs(second);
            let traffic = HttpTraffic::default();
            store.add_http(&HttpSample::answered(
                Tags::default(),
                at,
                timings,
                traffic,
                true,
            ));
        }
        let s = store.stats(5.000_01, 6.000_01);
        assert_eq!(s.requests, 1);
        assert_eq!(s.p95, Some(10.0));
        assert_eq!(store.stats(5.0, 7.0).requests, 2);
    }
}
