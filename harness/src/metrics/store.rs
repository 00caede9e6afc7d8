//! The store: every metric's series (one sink per tag set) and its one-second buckets.
//! Owned by the collector while the test runs; handed to the report when it ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::{
    HTTP_METRICS, HttpSample, MetricKind, Sample, Sink, Tags, TagsHash, TrendSink, Value, names,
};

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
    kind: MetricKind,
    by_tags: HashMap<Tags, Sink, TagsHash>,
    buckets: Vec<Bucket>,
}

impl Series {
    fn new(kind: MetricKind) -> Series {
        Series {
            kind,
            by_tags: HashMap::with_hasher(TagsHash),
            buckets: Vec::new(),
        }
    }

    pub fn kind(&self) -> MetricKind {
        self.kind
    }

    /// Each tag set's sink.
    pub fn by_tags(&self) -> impl Iterator<Item = (&Tags, &Sink)> {
        self.by_tags.iter()
    }

    /// One bucket per second of the run, from its start.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
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
    /// Each metric's place in `series`, in name order.
    index: BTreeMap<Arc<str>, usize>,
    series: Vec<Series>,
    /// Where a request's metrics are (and their kinds), found once: a request then costs no
    /// name lookup.
    http: Option<[(usize, MetricKind); HTTP_METRICS.len()]>,
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

    /// Aggregates one request's ten metrics (and a transport error, if any).
    pub fn add_http(&mut self, h: &HttpSample) {
        let slots = match self.http {
            Some(slots) => slots,
            None => {
                let slots = HTTP_METRICS.map(|m| (self.slot(m.name, m.kind), m.kind));
                self.http = Some(slots);
                slots
            }
        };
        let values = h.values();
        for ((slot, kind), value) in slots.into_iter().zip(values) {
            self.add_at(slot, kind, &h.tags, value, h.at);
        }
        if let Some(e) = h.error {
            let tags = h.tags.with([("error", e)]);
            self.add_value(
                names::HTTP_TRANSPORT_ERRORS,
                MetricKind::Counter,
                &tags,
                Value::Number(1.0),
                h.at,
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
        let slot = self.slot(metric, kind);
        self.add_at(slot, kind, tags, value, at);
    }

    /// The place of `metric` in `series`, made on first use.
    fn slot(&mut self, metric: &str, kind: MetricKind) -> usize {
        if let Some(&i) = self.index.get(metric) {
            return i;
        }
        self.series.push(Series::new(kind));
        let i = self.series.len() - 1;
        self.index.insert(Arc::from(metric), i);
        i
    }

    fn add_at(&mut self, slot: usize, kind: MetricKind, tags: &Tags, value: Value, at: Duration) {
        let series = &mut self.series[slot];
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
        self.slot(name, kind);
    }

    pub fn get(&self, metric: &str) -> Option<&Series> {
        self.index.get(metric).map(|&i| &self.series[i])
    }

    pub fn kind(&self, metric: &str) -> Option<MetricKind> {
        self.get(metric).map(|s| s.kind)
    }

    /// Every metric, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Series)> {
        self.index.iter().map(|(k, &i)| (&**k, &self.series[i]))
    }

    /// The sink of `metric` restricted to series carrying every tag in `filter`.
    pub fn sink(&self, metric: &str, filter: &[(String, String)]) -> Option<Sink> {
        self.get(metric).map(|s| s.merged(filter))
    }

    /// Adds another run's store into this one (distributed runs, repeated rounds).
    pub fn merge(&mut self, other: &Store) {
        for (name, theirs) in other.iter() {
            let slot = self.slot(name, theirs.kind);
            let ours = &mut self.series[slot];
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
            .and_then(|s| s.aggregate(super::Aggregation::Count, Duration::ZERO))
            .unwrap_or(0.0)
    }
}
