//! The store: every metric's series (one sink per tag set) and its one-second buckets.
//! Owned by the collector while the test runs; handed to the report when it ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::{HttpSample, MetricKind, Sample, Sink, Tags, TagsHash, TrendSink, Value, names};

/// One second of one metric, all tag sets together: enough to draw a time series and to compare
/// windows (error rate, latency percentiles) without keeping raw samples.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// For rates: how many samples were non-zero.
    pub trues: u64,
    /// For trends: a two-digit histogram of the second's values.
    pub trend: Option<Box<TrendSink>>,
}

impl Bucket {
    fn new(kind: MetricKind) -> Bucket {
        Bucket {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            trues: 0,
            trend: (kind == MetricKind::Trend).then(|| Box::new(TrendSink::with_precision(2))),
        }
    }

    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.trues += u64::from(v != 0.0);
        if let Some(t) = &mut self.trend {
            t.add(v);
        }
    }

    fn merge(&mut self, other: &Bucket) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.trues += other.trues;
        if let (Some(a), Some(b)) = (&mut self.trend, &other.trend) {
            a.merge(b);
        }
    }
}

/// Everything known about one metric.
#[derive(Debug, Clone)]
pub struct Series {
    pub kind: MetricKind,
    pub by_tags: HashMap<Tags, Sink, TagsHash>,
    pub buckets: Vec<Bucket>,
}

impl Series {
    fn new(kind: MetricKind) -> Series {
        Series {
            kind,
            by_tags: HashMap::with_hasher(TagsHash),
            buckets: Vec::new(),
        }
    }

    /// All series whose tags contain `filter`, merged into one sink.
    pub fn merged(&self, filter: &[(String, String)]) -> Sink {
        let mut total = Sink::new(self.kind);
        for (tags, sink) in &self.by_tags {
            if tags.matches(filter) {
                total.merge(sink);
            }
        }
        total
    }
}

/// All metrics of a run.
#[derive(Debug, Clone, Default)]
pub struct Store {
    metrics: BTreeMap<Arc<str>, Series>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Aggregates one sample. A sample whose kind disagrees with the metric's first kind is dropped.
    pub fn add(&mut self, sample: &Sample) {
        self.add_value(
            &sample.metric,
            sample.kind,
            &sample.tags,
            sample.value,
            sample.at,
        );
    }

    /// Aggregates one request's seven metrics (and a transport error, if any).
    pub fn add_http(&mut self, h: &HttpSample) {
        use MetricKind::{Counter, Rate, Trend};
        let at = h.at;
        self.add_value(names::HTTP_REQS, Counter, &h.tags, Value::Number(1.0), at);
        self.add_value(
            names::HTTP_REQ_DURATION,
            Trend,
            &h.tags,
            Value::Number(h.duration_ms),
            at,
        );
        self.add_value(
            names::HTTP_REQ_WAITING,
            Trend,
            &h.tags,
            Value::Number(h.waiting_ms),
            at,
        );
        self.add_value(
            names::HTTP_REQ_BLOCKED,
            Trend,
            &h.tags,
            Value::Number(h.blocked_ms),
            at,
        );
        self.add_value(
            names::HTTP_REQ_CONNECTING,
            Trend,
            &h.tags,
            Value::Number(h.connecting_ms),
            at,
        );
        self.add_value(
            names::HTTP_REQ_TLS_HANDSHAKING,
            Trend,
            &h.tags,
            Value::Number(h.tls_handshaking_ms),
            at,
        );
        let receiving = (h.duration_ms - h.waiting_ms).max(0.0);
        self.add_value(
            names::HTTP_REQ_RECEIVING,
            Trend,
            &h.tags,
            Value::Number(receiving),
            at,
        );
        self.add_value(
            names::HTTP_REQ_FAILED,
            Rate,
            &h.tags,
            Value::Bool(h.failed),
            at,
        );
        self.add_value(
            names::DATA_SENT,
            Counter,
            &h.tags,
            Value::Number(h.sent as f64),
            at,
        );
        self.add_value(
            names::DATA_RECEIVED,
            Counter,
            &h.tags,
            Value::Number(h.received as f64),
            at,
        );
        if let Some(e) = h.error {
            let tags = h.tags.with([("error", e)]);
            self.add_value(
                names::HTTP_TRANSPORT_ERRORS,
                Counter,
                &tags,
                Value::Number(1.0),
                at,
            );
        }
    }

    fn add_value(
        &mut self,
        metric: &str,
        kind: MetricKind,
        tags: &Tags,
        value: Value,
        at: Duration,
    ) {
        let series = match self.metrics.get_mut(metric) {
            Some(s) => s,
            None => self
                .metrics
                .entry(Arc::from(metric))
                .or_insert_with(|| Series::new(kind)),
        };
        if series.kind != kind {
            return;
        }
        match series.by_tags.get_mut(tags) {
            Some(sink) => sink.add(value),
            None => {
                let mut sink = Sink::new(kind);
                sink.add(value);
                series.by_tags.insert(tags.clone(), sink);
            }
        }
        let second = at.as_secs() as usize;
        if series.buckets.len() <= second {
            series.buckets.resize_with(second + 1, || Bucket::new(kind));
        }
        series.buckets[second].add(value.as_f64());
    }

    /// Declares a metric so it shows in the report even with no samples.
    pub fn declare(&mut self, name: &str, kind: MetricKind) {
        self.metrics
            .entry(Arc::from(name))
            .or_insert_with(|| Series::new(kind));
    }

    pub fn get(&self, metric: &str) -> Option<&Series> {
        self.metrics.get(metric)
    }

    pub fn kind(&self, metric: &str) -> Option<MetricKind> {
        self.metrics.get(metric).map(|s| s.kind)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Series)> {
        self.metrics.iter().map(|(k, v)| (&**k, v))
    }

    /// The sink of `metric` restricted to series carrying every tag in `filter`.
    pub fn sink(&self, metric: &str, filter: &[(String, String)]) -> Option<Sink> {
        self.metrics.get(metric).map(|s| s.merged(filter))
    }

    /// Adds another run's store into this one (distributed runs, repeated rounds).
    pub fn merge(&mut self, other: &Store) {
        for (name, theirs) in &other.metrics {
            let ours = self
                .metrics
                .entry(name.clone())
                .or_insert_with(|| Series::new(theirs.kind));
            if ours.kind != theirs.kind {
                continue;
            }
            for (tags, sink) in &theirs.by_tags {
                ours.by_tags
                    .entry(tags.clone())
                    .or_insert_with(|| Sink::new(theirs.kind))
                    .merge(sink);
            }
            if ours.buckets.len() < theirs.buckets.len() {
                let kind = ours.kind;
                ours.buckets
                    .resize_with(theirs.buckets.len(), || Bucket::new(kind));
            }
            for (a, b) in ours.buckets.iter_mut().zip(&theirs.buckets) {
                a.merge(b);
            }
        }
    }

    /// The total of a counter over all its series, or 0.
    pub fn count(&self, metric: &str) -> f64 {
        self.sink(metric, &[])
            .and_then(|s| s.aggregate(crate::threshold::Aggregation::Count, Duration::ZERO))
            .unwrap_or(0.0)
    }
}
