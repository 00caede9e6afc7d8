//! Typed handles of metrics: a metric's name and kind declared once, as a constant, and used by
//! reference. What a sample may add to a metric is its kind's business, so adding a number to a
//! [`Rate`] or a `bool` to a [`Trend`] does not compile.
//!
//! ```
//! use harness::prelude::*;
//!
//! const LOGIN_DURATION: Trend = Trend::new("login_duration");
//! const API_ERRORS: Counter = Counter::new("api_errors");
//!
//! # async fn step(vu: &mut Vu) {
//! let res = vu.post("/login").send().await;
//! vu.add(&LOGIN_DURATION, res.duration);
//! if !res.expected_response {
//!     vu.add(&API_ERRORS, 1.0);
//! }
//! # }
//! # let _ = Test::new("t").metric(LOGIN_DURATION).metric(API_ERRORS);
//! ```
//!
//! ```compile_fail
//! use harness::prelude::*;
//! const SUCCESS_RATE: Rate = Rate::new("success_rate");
//! # async fn step(vu: &mut Vu) {
//! vu.add(&SUCCESS_RATE, 1.0); // a rate takes a bool
//! # }
//! ```
//!
//! ```compile_fail
//! use harness::prelude::*;
//! const BAD: Trend = Trend::new("login duration"); // no spaces: a threshold could not name it
//! ```

use std::time::Duration;

use super::{MetricKind, Sample, Tags, Value, ms};

/// A metric's handle: its name and its kind, fixed by its type.
pub trait Metric {
    /// The kind every sample of this metric has.
    const KIND: MetricKind;

    /// The name the metric is reported (and its thresholds selected) by.
    fn name(&self) -> &'static str;
}

/// What may be added to a metric of type `M`: a number to a [`Counter`], [`Gauge`] or
/// [`Trend`], a [`Duration`] to a [`Trend`] (in milliseconds, the unit of every time metric),
/// a `bool` to a [`Rate`].
pub trait Observation<M: Metric> {
    /// The value as a sample holds it.
    fn value(self) -> Value;
}

/// Panics (at compile time, for a constant) when `name` is not one a threshold can select:
/// letters, digits, `_`, `.` and `-`, at least one.
const fn check_name(name: &'static str) -> &'static str {
    let bytes = name.as_bytes();
    assert!(!bytes.is_empty(), "a metric needs a name");
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        assert!(
            b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-',
            "a metric name holds only letters, digits, _ . and -"
        );
        i += 1;
    }
    name
}

macro_rules! handle {
    ($(#[$doc:meta])* $ty:ident, $kind:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $ty {
            name: &'static str,
        }

        impl $ty {
            /// A handle on the metric called `name` (letters, digits, `_`, `.`, `-`; checked
            /// when the constant is compiled).
            pub const fn new(name: &'static str) -> $ty {
                $ty {
                    name: check_name(name),
                }
            }

            pub const fn name(&self) -> &'static str {
                self.name
            }
        }

        impl Metric for $ty {
            const KIND: MetricKind = MetricKind::$kind;

            fn name(&self) -> &'static str {
                self.name
            }
        }
    };
}

handle!(
    /// A sum of added numbers (k6's `Counter`: `count`, and `rate` per second).
    Counter,
    Counter
);
handle!(
    /// The last number set (k6's `Gauge`: `value`, also `min` and `max`).
    Gauge,
    Gauge
);
handle!(
    /// The fraction of `true` observations (k6's `Rate`: `rate`).
    Rate,
    Rate
);
handle!(
    /// A distribution of numbers in an HDR histogram (k6's `Trend`: `avg`, `min`, `med`, `max`,
    /// `p(N)`). A name ending in `_duration`, `_time`, `_lag` or `_ms` is reported in ms.
    Trend,
    Trend
);

impl Observation<Counter> for f64 {
    fn value(self) -> Value {
        Value::Number(self)
    }
}

impl Observation<Gauge> for f64 {
    fn value(self) -> Value {
        Value::Number(self)
    }
}

impl Observation<Rate> for bool {
    fn value(self) -> Value {
        Value::Bool(self)
    }
}

impl Observation<Trend> for f64 {
    fn value(self) -> Value {
        Value::Number(self)
    }
}

impl Observation<Trend> for Duration {
    fn value(self) -> Value {
        Value::Number(ms(self))
    }
}

impl Sample {
    /// One observation of `metric`, by its handle: its name and kind are the handle's.
    pub fn of<M: Metric>(
        metric: &M,
        value: impl Observation<M>,
        tags: Tags,
        at: Duration,
    ) -> Sample {
        Sample {
            metric: metric.name(),
            kind: M::KIND,
            tags,
            value: value.value(),
            at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of<M: Metric>(_: &M) -> MetricKind {
        M::KIND
    }

    #[test]
    fn each_handle_has_its_kind_and_name() {
        const T: Trend = Trend::new("login_duration");
        assert_eq!(
            (kind_of(&T), Metric::name(&T)),
            (MetricKind::Trend, "login_duration")
        );
        assert_eq!(kind_of(&Counter::new("c")), MetricKind::Counter);
        assert_eq!(kind_of(&Rate::new("r")), MetricKind::Rate);
        assert_eq!(kind_of(&Gauge::new("g")), MetricKind::Gauge);
    }

    #[test]
    fn a_duration_added_to_a_trend_is_in_milliseconds() {
        let v = <Duration as Observation<Trend>>::value(Duration::from_micros(1500));
        assert_eq!(v, Value::Number(1.5));
        assert_eq!(<bool as Observation<Rate>>::value(true), Value::Bool(true));
    }

    #[test]
    #[should_panic(expected = "letters, digits")]
    fn a_name_a_threshold_could_not_select_is_refused() {
        let name = String::from("login duration").leak();
        let _ = Trend::new(name);
    }
}
