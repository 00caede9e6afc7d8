//! Invalid runs: a run whose generator could not keep its schedule measured the generator, not
//! the target. It is neither passed nor failed but INVALID, and its test fails with the reason.

use std::time::Duration;

use crate::metrics::{Aggregation, Store, names};

/// When a run is invalid: the generator's own lag (`generator_lag` p99), the lag of arrival-rate
/// iterations behind their schedule (`scheduling_lag` p99), or the share of scheduled
/// iterations dropped for want of a free VU, beyond these limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validity {
    pub max_generator_lag_p99: Duration,
    pub max_scheduling_lag_p99: Duration,
    /// Dropped iterations over all scheduled ones (completed, interrupted and dropped).
    pub max_dropped_fraction: f64,
}

impl Default for Validity {
    /// 100 ms of lag at p99 (a healthy generator shows 1–5 ms), 5 % dropped.
    fn default() -> Self {
        Validity {
            max_generator_lag_p99: Duration::from_millis(100),
            max_scheduling_lag_p99: Duration::from_millis(100),
            max_dropped_fraction: 0.05,
        }
    }
}

impl Validity {
    /// `None` when the run is valid, else the sentence the reports print after "INVALID: ".
    pub fn judge(&self, store: &Store) -> Option<String> {
        let p99 = |metric| {
            store
                .sink(metric, &[])
                .filter(|s| s.samples() > 0)
                .and_then(|s| s.aggregate(Aggregation::Percentile(99.0), Duration::ZERO))
        };
        let mut why = Vec::new();
        let limit_ms = |d: Duration| d.as_secs_f64() * 1000.0;
        if let Some(lag) = p99(names::GENERATOR_LAG)
            && lag > limit_ms(self.max_generator_lag_p99)
        {
            why.push(format!(
                "generator lag p99 {lag:.1} ms > {:.0} ms",
                limit_ms(self.max_generator_lag_p99)
            ));
        }
        if let Some(lag) = p99(names::SCHEDULING_LAG)
            && lag > limit_ms(self.max_scheduling_lag_p99)
        {
            why.push(format!(
                "scheduling lag p99 {lag:.1} ms > {:.0} ms",
                limit_ms(self.max_scheduling_lag_p99)
            ));
        }
        let dropped = store.count(names::DROPPED_ITERATIONS);
        let scheduled =
            dropped + store.count(names::ITERATIONS) + store.count(names::INTERRUPTED_ITERATIONS);
        if dropped > 0.0 && dropped / scheduled > self.max_dropped_fraction {
            why.push(format!(
                "{dropped:.0} of {scheduled:.0} scheduled iterations dropped ({:.1} % > {:.1} %)",
                dropped * 100.0 / scheduled,
                self.max_dropped_fraction * 100.0
            ));
        }
        (!why.is_empty()).then(|| format!("the load generator fell behind ({})", why.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricKind, Sample, Tags, Value};

    /// `(metric, kind, value, how many samples)`.
    type Points = [(&'static str, MetricKind, f64, usize)];

    fn store(points: &Points) -> Store {
        let mut s = Store::new();
        for &(metric, kind, v, n) in points {
            for _ in 0..n {
                s.add(&Sample {
                    metric,
                    kind,
                    tags: Tags::default(),
                    value: Value::Number(v),
                    at: Duration::ZERO,
                });
            }
        }
        s
    }

    #[test]
    fn a_run_is_invalid_only_past_a_limit_and_says_which() {
        use MetricKind::{Counter, Trend};
        let v = Validity::default();
        let cases: [(&Points, Option<&str>); 6] = [
            (&[], None),
            (&[(names::GENERATOR_LAG, Trend, 2.0, 100)], None),
            (
                &[(names::GENERATOR_LAG, Trend, 250.0, 100)],
                Some("generator lag p99 250.0 ms > 100 ms"),
            ),
            (
                &[(names::SCHEDULING_LAG, Trend, 150.0, 100)],
                Some("scheduling lag p99 150.0 ms > 100 ms"),
            ),
            (
                &[
                    (names::ITERATIONS, Counter, 1.0, 96),
                    (names::DROPPED_ITERATIONS, Counter, 1.0, 4),
                ],
                None,
            ),
            (
                &[
                    (names::ITERATIONS, Counter, 1.0, 90),
                    (names::DROPPED_ITERATIONS, Counter, 1.0, 10),
                ],
                Some("10 of 100 scheduled iterations dropped (10.0 % > 5.0 %)"),
            ),
        ];
        for (points, expected) in cases {
            let got = v.judge(&store(points));
            match expected {
                None => assert_eq!(got, None, "{points:?}"),
                Some(part) => {
                    let got = got.unwrap_or_default();
                    assert!(got.starts_with("the load generator fell behind ("), "{got}");
                    assert!(got.contains(part), "{got}");
                }
            }
        }
    }
}
