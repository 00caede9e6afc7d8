//! Sinks: the running aggregate of one series. Trends keep an HDR histogram, so memory does not
//! grow with the number of samples, and every sink merges exactly with another of its kind.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::Aggregation;
use super::{MetricKind, Value};

/// Trend values are stored in thousandths of their unit: microseconds for millisecond trends.
pub const TREND_SCALE: f64 = 1000.0;
const SCALE: f64 = TREND_SCALE;
/// Histograms start sized for 60 s (in µs) and grow when a larger value arrives.
const INITIAL_MAX: u64 = 60_000_000;
/// Three significant digits, as in the issue and in wrk2.
const SIGFIG: u8 = 3;

/// `x.round() as u64` for a finite `x >= 0`, without a call into the maths library: the
/// fraction `x - trunc(x)` is exact in floating point.
#[inline]
fn round(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// The aggregate of a trend: an HDR histogram plus exact sum, min and max.
#[derive(Debug, Clone)]
pub struct TrendSink {
    pub hist: Histogram<u64>,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// Values too large for any histogram (beyond about 584,000 years in µs), recorded at the
    /// largest trackable value instead. Zero in any real run.
    pub out_of_range: u64,
}

impl TrendSink {
    pub fn new() -> TrendSink {
        Self::with_precision(SIGFIG)
    }

    /// A sink with fewer significant digits, for per-second buckets.
    pub fn with_precision(sigfig: u8) -> TrendSink {
        let mut hist =
            Histogram::new_with_max(INITIAL_MAX, sigfig).expect("valid histogram bounds");
        hist.auto(true);
        TrendSink {
            hist,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            out_of_range: 0,
        }
    }

    #[inline]
    pub fn add(&mut self, value: f64) {
        let value = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        // `record` grows the histogram for a value beyond its range; `saturating_record` would
        // clamp it to the range instead (a 10-minute iteration would read as 60 s).
        let scaled = round(value * SCALE);
        if self.hist.record(scaled).is_err() {
            self.out_of_range += 1;
            self.hist.saturating_record(scaled);
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    pub fn merge(&mut self, other: &TrendSink) {
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always merge");
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.out_of_range += other.out_of_range;
    }

    /// The value at percentile `p` (0..=100), in the trend's unit.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // HDR buckets report their highest equivalent value; clamp to what was really seen.
        let v = self.hist.value_at_quantile(p / 100.0) as f64 / SCALE;
        v.clamp(self.min, self.max)
    }

    pub fn avg(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
}

impl Default for TrendSink {
    fn default() -> Self {
        Self::new()
    }
}

/// The aggregate of one series.
#[derive(Debug, Clone)]
pub enum Sink {
    Counter {
        sum: f64,
        count: u64,
    },
    Gauge {
        value: f64,
        min: f64,
        max: f64,
        count: u64,
    },
    Rate {
        trues: u64,
        total: u64,
    },
    Trend(Box<TrendSink>),
}

impl Sink {
    pub fn new(kind: MetricKind) -> Sink {
        match kind {
            MetricKind::Counter => Sink::Counter { sum: 0.0, count: 0 },
            MetricKind::Gauge => Sink::Gauge {
                value: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
                count: 0,
            },
            MetricKind::Rate => Sink::Rate { trues: 0, total: 0 },
            MetricKind::Trend => Sink::Trend(Box::default()),
        }
    }

    pub fn kind(&self) -> MetricKind {
        match self {
            Sink::Counter { .. } => MetricKind::Counter,
            Sink::Gauge { .. } => MetricKind::Gauge,
            Sink::Rate { .. } => MetricKind::Rate,
            Sink::Trend(_) => MetricKind::Trend,
        }
    }

    #[inline]
    pub fn add(&mut self, value: Value) {
        let v = value.as_f64();
        match self {
            Sink::Counter { sum, count } => {
                *sum += v;
                *count += 1;
            }
            Sink::Gauge {
                value,
                min,
                max,
                count,
            } => {
                *value = v;
                *min = min.min(v);
                *max = max.max(v);
                *count += 1;
            }
            Sink::Rate { trues, total } => {
                *trues += u64::from(v != 0.0);
                *total += 1;
            }
            Sink::Trend(t) => t.add(v),
        }
    }

    /// Adds `other` into `self`; sinks of different kinds are left as they are.
    pub fn merge(&mut self, other: &Sink) {
        match (self, other) {
            (Sink::Counter { sum, count }, Sink::Counter { sum: s, count: c }) => {
                *sum += s;
                *count += c;
            }
            (
                Sink::Gauge {
                    value,
                    min,
                    max,
                    count,
                },
                Sink::Gauge {
                    value: v,
                    min: mi,
                    max: ma,
                    count: c,
                },
            ) => {
                if *c > 0 {
                    *value = *v;
                }
                *min = min.min(*mi);
                *max = max.max(*ma);
                *count += c;
            }
            (Sink::Rate { trues, total }, Sink::Rate { trues: t, total: n }) => {
                *trues += t;
                *total += n;
            }
            (Sink::Trend(a), Sink::Trend(b)) => a.merge(b),
            _ => {}
        }
    }

    /// Adds a gauge of a parallel instance: values at one moment sum (`vus` of two machines).
    /// Other kinds merge as [`Sink::merge`] does.
    pub fn add_parallel(&mut self, other: &Sink) {
        match (&mut *self, other) {
            (
                Sink::Gauge {
                    value,
                    min,
                    max,
                    count,
                },
                Sink::Gauge {
                    value: v,
                    min: mi,
                    max: ma,
                    count: c,
                },
            ) => {
                if *c == 0 {
                    return;
                }
                if *count == 0 {
                    (*value, *min, *max, *count) = (*v, *mi, *ma, *c);
                } else {
                    *value += v;
                    *min += mi;
                    *max += ma;
                    *count = (*count).max(*c);
                }
            }
            _ => self.merge(other),
        }
    }

    /// How many samples went in.
    pub fn samples(&self) -> u64 {
        match self {
            Sink::Counter { count, .. } | Sink::Gauge { count, .. } => *count,
            Sink::Rate { total, .. } => *total,
            Sink::Trend(t) => t.count,
        }
    }

    /// The aggregation k6 would compute, or `None` when it does not apply to this kind.
    /// `elapsed` turns a counter's sum into a per-second rate.
    pub fn aggregate(&self, aggregation: Aggregation, elapsed: Duration) -> Option<f64> {
        use Aggregation as A;
        match (self, aggregation) {
            (Sink::Counter { sum, .. }, A::Count) => Some(*sum),
            (Sink::Counter { sum, .. }, A::Rate) => {
                let secs = elapsed.as_secs_f64();
                Some(if secs > 0.0 { sum / secs } else { 0.0 })
            }
            (Sink::Gauge { value, .. }, A::Value) => Some(*value),
            (Sink::Gauge { min, count, .. }, A::Min) => Some(if *count == 0 { 0.0 } else { *min }),
            (Sink::Gauge { max, count, .. }, A::Max) => Some(if *count == 0 { 0.0 } else { *max }),
            (Sink::Rate { trues, total }, A::Rate) => Some(if *total == 0 {
                0.0
            } else {
                *trues as f64 / *total as f64
            }),
            (Sink::Trend(t), A::Avg) => Some(t.avg()),
            (Sink::Trend(t), A::Min) => Some(if t.count == 0 { 0.0 } else { t.min }),
            (Sink::Trend(t), A::Max) => Some(if t.count == 0 { 0.0 } else { t.max }),
            (Sink::Trend(t), A::Med) => Some(t.percentile(50.0)),
            (Sink::Trend(t), A::Percentile(p)) => Some(t.percentile(p)),
            (Sink::Trend(t), A::Count) => Some(t.count as f64),
            _ => None,
        }
    }

    /// Whether a threshold may apply `aggregation` to a metric of `kind`: k6's table exactly
    /// (a Trend has no `count`, a Gauge only `value`), whatever `aggregate` computes for reports.
    pub fn allows(kind: MetricKind, aggregation: Aggregation) -> bool {
        use Aggregation as A;
        matches!(
            (kind, aggregation),
            (MetricKind::Counter, A::Count | A::Rate)
                | (MetricKind::Gauge, A::Value)
                | (MetricKind::Rate, A::Rate)
                | (
                    MetricKind::Trend,
                    A::Avg | A::Min | A::Max | A::Med | A::Percentile(_)
                )
        )
    }

    /// The aggregations a threshold may apply to a metric of this kind, as an error names
    /// them: k6's table exactly.
    pub fn allowed(kind: MetricKind) -> &'static str {
        match kind {
            MetricKind::Counter => "count and rate",
            MetricKind::Gauge => "value",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "avg, min, max, med and p(N)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_keeps_values_far_beyond_its_initial_sixty_seconds() {
        let mut t = TrendSink::new();
        for _ in 0..50 {
            t.add(600_000.0); // ten minutes, in ms
        }
        for _ in 0..50 {
            t.add(1.0);
        }
        let p90 = t.percentile(90.0);
        assert!((p90 - 600_000.0).abs() / 600_000.0 < 0.001, "p90={p90}");
        assert_eq!(t.percentile(100.0), 600_000.0);
        assert_eq!(t.out_of_range, 0);
        let mut merged = TrendSink::new();
        merged.merge(&t);
        assert!((merged.percentile(90.0) - 600_000.0).abs() < 600.0);
    }

    #[test]
    fn values_are_rounded_to_whole_microseconds_as_the_standard_rounding_does() {
        let mut x = 0.0f64;
        let mut values = vec![
            0.5,
            1.5,
            2.499_999_999,
            0.499_999_999_999_999_94,
            1e15 + 0.5,
        ];
        values.extend([
            2f64.powi(52) + 1.0,
            2f64.powi(63),
            2f64.powi(64),
            1e30,
            f64::MAX,
        ]);
        while x < 5_000.0 {
            values.push(x);
            x = x * 1.000_37 + 0.000_731;
        }
        for v in values {
            assert_eq!(round(v), v.round() as u64, "{v}");
        }
    }

    #[test]
    fn a_day_long_value_and_a_bucket_histogram_grow_too() {
        let mut t = TrendSink::with_precision(2);
        t.add(86_400_000.0);
        t.add(10.0);
        assert!((t.percentile(99.0) - 86_400_000.0).abs() / 86_400_000.0 < 0.01);
        assert_eq!(t.out_of_range, 0);
    }
}
