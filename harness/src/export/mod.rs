//! Outputs that stream a run's metrics while it goes, attached as [`Observer`](crate::run::Observer)s.

mod prometheus;

pub use prometheus::{BUCKET_FACTOR, MAX_LABEL_SETS, PrometheusExporter};
