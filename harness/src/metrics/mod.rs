//! Metrics: what VUs emit (samples), how they are aggregated (sinks per metric and tag set, plus
//! one-second buckets) and the built-in metric names.

mod aggregation;
mod builtin;
mod sample;
mod sink;
mod store;
mod tags;

pub use aggregation::Aggregation;
pub use builtin::{
    Builtin, HTTP_METRICS, OTHER_METRICS, Unit, builtin, builtin_kind, ms, names, unit_of,
};
pub use sample::{Entry, HttpSample, MetricKind, Sample, Value};
pub use sink::{Sink, TrendSink};
pub use store::{Bucket, Series, Store};
pub use tags::{Tags, TagsHash};
