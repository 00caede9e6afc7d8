//! The store: every metric's series (one sink per tag set) and its time series (a
//! [`Timeline`]). Owned by the collector while the test runs; handed to the report when it
//! ends. Memory stays flat however long the run: sinks are fixed-size, the timeline rolls old
//! seconds into coarser windows, and the tag sets of one metric are capped at [`MAX_TAG_SETS`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::{
    Bucket, HTTP_METRICS, HttpProto, HttpSample, Metric, MetricKind, Observation, Sample, Sink,
    Tags, TagsHash, Timeline, Value, builtins,
};

/// How many tag sets one metric keeps apart. Beyond it, new tag sets (a tag holding unique
/// values, such as an id in a URL used as `name`) are merged into one tagged
/// `overflow:true`, and the report warns.
pub const MAX_TAG_SETS: usize = 1_000;

/// Everything known about one metric.
#[derive(Debug, Clone)]
pub struct Series {
    kind: MetricKind,
    /// One sink per tag set, in the order the sets came; `at` finds a set's place.
    sinks: Vec<(Tags, Sink)>,
    at: HashMap<Tags, usize, TagsHash>,
    timeline: Timeline,
    /// Samples whose tag set came past [`MAX_TAG_SETS`] and were merged.
    overflowed: u64,
    /// Samples of another kind than the metric's (two handles of one name): not aggregated,
    /// counted by kind, and a problem of the run ([`Store::problems`]).
    rejected: BTreeMap<MetricKind, u64>,
}

impl Series {
    fn new(kind: MetricKind) -> Series {
        Series {
            kind,
            sinks: Vec::new(),
            at: HashMap::with_hasher(TagsHash),
            timeline: Timeline::new(kind),
            overflowed: 0,
            rejected: BTreeMap::new(),
        }
    }

    /// Counts `samples` of `kind`, which is not this metric's: they are not aggregated.
    #[cold]
    fn reject(&mut self, kind: MetricKind, samples: u64) {
        *self.rejected.entry(kind).or_default() += samples;
    }

    pub fn kind(&self) -> MetricKind {
        self.kind
    }

    /// Each tag set's sink.
    pub fn by_tags(&self) -> impl Iterator<Item = (&Tags, &Sink)> {
        self.sinks.iter().map(|(t, s)| (t, s))
    }

    /// The place of `tags`' sink, made if there is room; past [`MAX_TAG_SETS`], the overflow
    /// sink's, with `true`.
    fn place(&mut self, tags: &Tags) -> (usize, bool) {
        if let Some(&i) = self.at.get(tags) {
            return (i, false);
        }
        if self.sinks.len() < MAX_TAG_SETS {
            return (self.insert(tags.clone()), false);
        }
        let over = overflow_tags();
        let i = match self.at.get(&over) {
            Some(&i) => i,
            None => self.insert(over),
        };
        (i, true)
    }

    /// The place of `tags`' sink, made whatever the count (merging a gauge of parallel runs).
    fn place_always(&mut self, tags: &Tags) -> usize {
        match self.at.get(tags) {
            Some(&i) => i,
            None => self.insert(tags.clone()),
        }
    }

    fn insert(&mut self, tags: Tags) -> usize {
        let i = self.sinks.len();
        self.sinks.push((tags.clone(), Sink::new(self.kind)));
        self.at.insert(tags, i);
        i
    }

    /// The series over time: per second for the last minute, per 10 s for the last hour, per
    /// minute before.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// How many samples came with a tag set past [`MAX_TAG_SETS`] and were merged.
    pub fn overflowed(&self) -> u64 {
        self.overflowed
    }

    /// All series whose tags contain `filter`, merged into one sink.
    pub fn merged(&self, filter: &[(String, String)]) -> Sink {
        let mut total = Sink::new(self.kind);
        for (tags, sink) in &self.sinks {
            if tags.matches(filter) {
                total.merge(sink);
            }
        }
        total
    }
}

/// Where a request's tag set is in one of the ten request series.
#[derive(Debug, Clone, Copy)]
enum Row {
    /// Its own sink, at this place.
    At(usize),
    /// Past the cap: the overflow sink, counted each time ([`Store::add_at`]).
    Unkept,
    /// The series is of another kind ([`Store::add_at`] counts it).
    Rejected,
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
    /// Each request tag set's sinks in those ten series, found once: a request then costs one
    /// lookup, not ten. At most [`MAX_TAG_SETS`] sets; past them, each series is asked.
    http_rows: HashMap<Tags, [Row; HTTP_METRICS.len()], TagsHash>,
    /// The slots of the names samples came with, by the address of their `&'static str`: a
    /// run has a few dozen metric names, so a scan of pointers beats a lookup by text. (A name
    /// whose literal lives at two addresses gets two entries, with the same slot.)
    seen: Vec<(usize, usize, usize)>,
    /// Where `http_reqs_by_proto` is, and its tags and row for each [`HttpProto`], made once.
    protos: Option<(usize, [(Tags, Row); HttpProto::ALL.len()])>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Aggregates one sample. One whose kind is not the metric's (its first sample's, or its
    /// declaration's) is not aggregated but counted, and makes a [problem](Store::problems).
    pub fn add(&mut self, sample: &Sample) {
        let slot = self.static_slot(sample.metric, sample.kind);
        self.add_at(slot, sample.kind, &sample.tags, sample.value, sample.at);
    }

    /// [`Store::slot`] for a name that lives as long as the program, found by its address.
    fn static_slot(&mut self, metric: &'static str, kind: MetricKind) -> usize {
        let key = (metric.as_ptr() as usize, metric.len());
        if let Some(&(_, _, slot)) = self.seen.iter().find(|&&(p, l, _)| (p, l) == key) {
            return slot;
        }
        let slot = self.slot(metric, kind);
        self.seen.push((key.0, key.1, slot));
        slot
    }

    /// Aggregates one request's ten metrics (and a transport error, if any).
    pub fn add_http(&mut self, h: &HttpSample) {
        let slots = match self.http {
            Some(slots) => slots,
            None => {
                let slots = HTTP_METRICS.map(|m| (self.slot(m.name, m.kind), m.kind));
                // Present (at 0) in every run that sent a request, so a report shows the race
                // did not happen rather than saying nothing.
                self.declare_metric(&builtins::HTTP_REQ_RESENT);
                let slot = self.slot(builtins::HTTP_REQS_BY_PROTO.name(), MetricKind::Counter);
                let protos = HttpProto::ALL.map(|p| {
                    let tags = Tags::from_pairs([("proto", p.as_str())]);
                    let row = self.row(slot, MetricKind::Counter, &tags);
                    (tags, row)
                });
                self.protos = Some((slot, protos));
                self.http = Some(slots);
                slots
            }
        };
        let values = h.values();
        let rows = match self.http_rows.get(&h.tags) {
            Some(rows) => *rows,
            None => {
                let rows = slots.map(|(slot, kind)| self.row(slot, kind, &h.tags));
                if self.http_rows.len() < MAX_TAG_SETS {
                    self.http_rows.insert(h.tags.clone(), rows);
                }
                rows
            }
        };
        for (((slot, kind), value), row) in slots.into_iter().zip(values).zip(rows) {
            self.add_in_row(slot, kind, row, &h.tags, value, h.at);
        }
        if h.traffic.resent > 0 {
            let resent = f64::from(h.traffic.resent);
            self.add_to(&builtins::HTTP_REQ_RESENT, resent, &h.tags, h.at);
        }
        if let (Some(p), Some((slot, protos))) = (h.traffic.proto, &self.protos) {
            let (slot, (tags, row)) = (*slot, protos[p as usize].clone());
            let one = Value::Number(1.0);
            self.add_in_row(slot, MetricKind::Counter, row, &tags, one, h.at);
        }
        if let Some(e) = h.error() {
            let tags = h.tags.with([("error", e.as_str())]);
            self.add_to(&builtins::HTTP_TRANSPORT_ERRORS, 1.0, &tags, h.at);
        }
    }

    /// Where `tags`' sink is in the series at `slot`, made if there is room.
    fn row(&mut self, slot: usize, kind: MetricKind, tags: &Tags) -> Row {
        let series = &mut self.series[slot];
        if series.kind != kind {
            return Row::Rejected;
        }
        match series.place(tags) {
            (i, false) => Row::At(i),
            (_, true) => Row::Unkept,
        }
    }

    /// Aggregates a value whose row was found before: straight into its sink, or (past the
    /// cap, or of another kind) the way any sample is, counted.
    fn add_in_row(
        &mut self,
        slot: usize,
        kind: MetricKind,
        row: Row,
        tags: &Tags,
        value: Value,
        at: Duration,
    ) {
        match row {
            Row::At(i) => {
                let series = &mut self.series[slot];
                series.sinks[i].1.add(value);
                series.timeline.add(at.as_secs(), value.as_f64());
            }
            Row::Unkept | Row::Rejected => self.add_at(slot, kind, tags, value, at),
        }
    }

    /// Aggregates one observation of a metric, by its handle.
    pub fn add_to<M: Metric>(
        &mut self,
        metric: &M,
        value: impl Observation<M>,
        tags: &Tags,
        at: Duration,
    ) {
        self.add_value(metric.name(), M::KIND, tags, value.value(), at);
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
            series.reject(kind, 1);
            return;
        }
        let (i, overflowed) = series.place(tags);
        series.overflowed += u64::from(overflowed);
        series.sinks[i].1.add(value);
        series.timeline.add(at.as_secs(), value.as_f64());
    }

    /// Declares a metric so it shows in the report even with no samples. A metric already
    /// there keeps its kind (a test refuses two declarations of one name before it runs).
    pub fn declare(&mut self, name: &str, kind: MetricKind) {
        self.slot(name, kind);
    }

    /// [`Store::declare`] by the metric's handle.
    pub fn declare_metric<M: Metric>(&mut self, metric: &M) {
        self.declare(metric.name(), M::KIND);
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
        self.merge_at(other, 0);
    }

    /// Adds another run's store whose second 0 is this one's second `offset`: the segments of
    /// a split run, whose time series line up by the wall clock. Sinks merge exactly (HDR
    /// histograms add); a window lands in the bucket holding its first second.
    pub fn merge_at(&mut self, other: &Store, offset: u64) {
        self.merge_with(other, offset, false);
    }

    /// [`Store::merge_at`] for a store that ran at the same time as this one, on another
    /// machine (a segment of a split run): as above, except that gauges add — the `vus` of
    /// parallel instances at one moment sum to the whole's — both the whole-run gauge (value,
    /// min and max each summed: the min and max are bounds of the whole's) and each window
    /// (its mean, min and max summed).
    pub fn merge_parallel_at(&mut self, other: &Store, offset: u64) {
        self.merge_with(other, offset, true);
    }

    fn merge_with(&mut self, other: &Store, offset: u64, parallel: bool) {
        for (name, theirs) in other.iter() {
            let ours = self.slot(name, theirs.kind);
            if self.series[ours].kind != theirs.kind {
                let samples = theirs.sinks.iter().map(|(_, s)| s.samples()).sum();
                self.series[ours].reject(theirs.kind, samples);
                continue;
            }
            for (kind, n) in &theirs.rejected {
                *self.series[ours].rejected.entry(*kind).or_default() += n;
            }
            let sum = parallel && theirs.kind == MetricKind::Gauge;
            for (tags, sink) in &theirs.sinks {
                if sum {
                    let slot = self.slot(name, theirs.kind);
                    let series = &mut self.series[slot];
                    let i = series.place_always(tags);
                    series.sinks[i].1.add_parallel(sink);
                } else {
                    self.merge_sink(name, tags, sink);
                }
            }
            for w in theirs.timeline.windows() {
                let second = w.start + offset;
                if sum {
                    let slot = self.slot(name, theirs.kind);
                    self.series[slot].timeline.add_parallel_at(second, w.bucket);
                } else {
                    self.merge_window(name, theirs.kind, second, w.bucket);
                }
            }
            self.add_overflowed(name, theirs.overflowed);
        }
    }

    /// Adds a whole sink under `tags` (of the metric's kind, else counted as rejected).
    pub(crate) fn merge_sink(&mut self, metric: &str, tags: &Tags, sink: &Sink) {
        let slot = self.slot(metric, sink.kind());
        let ours = &mut self.series[slot];
        if ours.kind != sink.kind() {
            ours.reject(sink.kind(), sink.samples());
            return;
        }
        let (i, overflowed) = ours.place(tags);
        if overflowed {
            ours.overflowed += sink.samples();
        }
        ours.sinks[i].1.merge(sink);
    }

    /// Adds a whole window at `second`.
    pub(crate) fn merge_window(&mut self, metric: &str, kind: MetricKind, second: u64, b: &Bucket) {
        let slot = self.slot(metric, kind);
        let ours = &mut self.series[slot];
        if ours.kind == kind {
            ours.timeline.merge_at(second, b);
        } else {
            // Its samples are counted with its sinks'; the window only says the kinds differ.
            ours.reject(kind, 0);
        }
    }

    pub(crate) fn add_overflowed(&mut self, metric: &str, n: u64) {
        if let Some(&i) = self.index.get(metric) {
            self.series[i].overflowed += n;
        }
    }

    /// About how many bytes the time series hold (what grows with the run's length).
    pub fn timeline_bytes(&self) -> usize {
        self.series.iter().map(|s| s.timeline.approx_bytes()).sum()
    }

    /// One sentence per metric whose tag sets were capped.
    pub fn warnings(&self) -> Vec<String> {
        self.iter()
            .filter(|(_, s)| s.overflowed > 0)
            .map(|(name, s)| {
                format!(
                    "{name} had more than {MAX_TAG_SETS} tag sets (does a tag hold unique values, \
                     such as an id in a request's name?): {} samples were merged under \
                     overflow:true",
                    s.overflowed
                )
            })
            .collect()
    }

    /// One sentence per metric that was given samples of another kind than its own (two
    /// handles of one name, or a custom metric named as a built-in one): those samples were not
    /// aggregated, so the run's figures for it are wrong. Each is a problem of the run.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, s) in self.iter() {
            for (theirs, n) in &s.rejected {
                out.push(format!(
                    "metric {name:?} is a {}, but {n} samples came to it as a {} (two metric \
                     handles share its name): they were not counted",
                    s.kind.as_str(),
                    theirs.as_str()
                ));
            }
        }
        out
    }

    /// The total of a counter over all its series, or 0.
    pub fn count(&self, metric: &str) -> f64 {
        self.sink(metric, &[])
            .and_then(|s| s.aggregate(super::Aggregation::Count, Duration::ZERO))
            .unwrap_or(0.0)
    }
}

/// The tag set that samples past [`MAX_TAG_SETS`] are merged into.
fn overflow_tags() -> Tags {
    Tags::from_pairs([("overflow", "true")])
}
