//! A per-VU sample buffer: samples are pushed without locks and sent to the collector in batches.

use std::borrow::Cow;

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::Msg;
use crate::metrics::{MetricKind, Sample, Tags, Value};

const BATCH: usize = 256;

/// Buffers samples and ships them to the collector in batches.
#[derive(Debug)]
pub struct Recorder {
    buf: Vec<Sample>,
    tx: UnboundedSender<Msg>,
    start: Instant,
}

impl Recorder {
    pub(crate) fn new(tx: UnboundedSender<Msg>, start: Instant) -> Recorder {
        Recorder {
            buf: Vec::with_capacity(32),
            tx,
            start,
        }
    }

    /// Records one value now.
    pub fn push(
        &mut self,
        metric: impl Into<Cow<'static, str>>,
        kind: MetricKind,
        value: Value,
        tags: &Tags,
    ) {
        self.buf.push(Sample {
            metric: metric.into(),
            kind,
            tags: tags.clone(),
            value,
            at: self.start.elapsed(),
        });
    }

    pub fn counter(&mut self, metric: impl Into<Cow<'static, str>>, value: f64, tags: &Tags) {
        self.push(metric, MetricKind::Counter, Value::Number(value), tags);
    }

    pub fn trend(&mut self, metric: impl Into<Cow<'static, str>>, value: f64, tags: &Tags) {
        self.push(metric, MetricKind::Trend, Value::Number(value), tags);
    }

    pub fn rate(&mut self, metric: impl Into<Cow<'static, str>>, value: bool, tags: &Tags) {
        self.push(metric, MetricKind::Rate, Value::Bool(value), tags);
    }

    pub fn gauge(&mut self, metric: impl Into<Cow<'static, str>>, value: f64, tags: &Tags) {
        self.push(metric, MetricKind::Gauge, Value::Number(value), tags);
    }

    /// Sends the buffer if it has grown large; called on the hot path.
    pub fn flush_if_full(&mut self) {
        if self.buf.len() >= BATCH {
            self.flush();
        }
    }

    /// Sends whatever is buffered. A closed collector means the run is over: samples are dropped.
    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            let batch = std::mem::replace(&mut self.buf, Vec::with_capacity(32));
            let _ = self.tx.send(Msg::Batch(batch));
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.flush();
    }
}
