//! Metrics: what VUs emit (samples of a metric's typed handle, one record per request), how they
//! are aggregated (sinks per metric and tag set, plus a time series of one-second buckets rolled
//! into coarser windows as they age) and the built-in metrics.

mod aggregation;
mod builtin;
mod dump;
mod handle;
mod request;
mod sample;
mod sink;
mod sketch;
mod store;
mod tags;
mod timeline;

pub use aggregation::Aggregation;
pub use builtin::{
    Builtin, HTTP_METRICS, OTHER_METRICS, Unit, builtin, builtin_kind, builtins, names, unit_of,
};
pub use dump::{
    SeriesDump, SinkData, SinkDump, StoreDump, WindowDump, decode_histogram, encode_histogram,
};
pub use handle::{Counter, Gauge, Metric, Observation, Rate, Trend};
pub use request::{HttpOutcome, HttpProto, HttpSample, HttpTimings, HttpTraffic, TransportError};
pub use sample::{Entry, MetricKind, Sample, Value, ms};
pub use sink::{Sink, TREND_SCALE, TrendSink};
pub use sketch::{SKETCH_PRECISION, Sketch};
pub use store::{MAX_TAG_SETS, Series, Store};
pub use tags::{Tags, TagsHash};
pub use timeline::{Bucket, RESOLUTIONS, Timeline, Window};
