//! One metric's time series, all tag sets together, in flat memory however long the run. Newer
//! seconds are kept finer: one bucket per second for the last minute, one per 10 s for the last
//! hour, one per minute before that ([`RESOLUTIONS`]). A bucket holds the count, sum, min, max
//! and true count of its window and, for a trend, a [`Sketch`] of its values (quantiles within
//! 1 %).

use std::collections::VecDeque;

use super::{Aggregation, MetricKind, Sketch};

/// (bucket width, how long buckets of that width are kept) in seconds, finest first; the last
/// is kept for the whole run. The finest is one second; each width divides the next.
pub const RESOLUTIONS: [(u64, u64); 3] = [(1, 60), (10, 3600), (60, u64::MAX)];

/// One window of one metric: enough to draw a time series and to compare windows (error
/// rate, latency percentiles) without keeping raw samples.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// For rates: how many samples were non-zero.
    pub trues: u64,
    /// For trends: the window's values, as a sketch (empty for other kinds).
    pub sketch: Sketch,
    trend: bool,
    rate: bool,
}

impl Bucket {
    /// An empty window of a metric of `kind`.
    pub(crate) fn empty(kind: MetricKind) -> Bucket {
        Bucket::new(kind)
    }

    fn new(kind: MetricKind) -> Bucket {
        Bucket {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            trues: 0,
            sketch: Sketch::default(),
            trend: kind == MetricKind::Trend,
            rate: kind == MetricKind::Rate,
        }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.trues += u64::from(v != 0.0);
        if self.trend {
            self.sketch.add(v);
        }
    }

    /// Adds a parallel instance's gauge window: the means, minima and maxima sum.
    fn add_parallel(&mut self, other: &Bucket) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let n = self.count.max(other.count);
        let mean = |b: &Bucket| b.sum / b.count as f64;
        self.sum = (mean(self) + mean(other)) * n as f64;
        self.count = n;
        self.min += other.min;
        self.max += other.max;
    }

    fn merge(&mut self, other: &Bucket) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.trues += other.trues;
        self.sketch.merge(&other.sketch);
    }

    /// The window's value at percentile `p` (0..=100), for trends: within 1 %, clamped to what
    /// was seen; p(100) is the exact maximum.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let v = self.sketch.quantile(p / 100.0)?;
        if p >= 100.0 {
            return Some(self.max);
        }
        Some(v.clamp(self.min, self.max))
    }

    fn heap_bytes(&self) -> usize {
        self.sketch.heap_bytes()
    }

    /// An aggregate of the window, `seconds` long, as a threshold reads it: `count`, `rate`
    /// (per second for a counter, the true fraction for a rate), `avg`, `min`, `max`, `med`,
    /// `p(N)` (trends, within 1 %). `None` for an empty window or an aggregate a window cannot
    /// give (`value`).
    pub fn aggregate(&self, agg: Aggregation, seconds: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        match agg {
            Aggregation::Count => Some(if self.trend {
                self.count as f64
            } else {
                self.sum
            }),
            Aggregation::Rate if self.rate => Some(self.trues as f64 / self.count as f64),
            Aggregation::Rate => Some(self.sum / seconds.max(f64::MIN_POSITIVE)),
            Aggregation::Avg => Some(self.sum / self.count as f64),
            Aggregation::Min => Some(self.min),
            Aggregation::Max => Some(self.max),
            Aggregation::Med => self.percentile(50.0),
            Aggregation::Percentile(p) => self.percentile(p),
            Aggregation::Value => None,
        }
    }
}

/// One window of a series, as [`Timeline::windows`] gives it.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// Its first second, counted from the run's start.
    pub start: u64,
    /// How many seconds it spans: 1, 10 or 60 (see [`RESOLUTIONS`]).
    pub seconds: u64,
    pub bucket: &'a Bucket,
}

/// The buckets of one width, covering `[start, start + width × len)`.
#[derive(Debug, Clone)]
struct Tier {
    width: u64,
    keep: u64,
    start: u64,
    buckets: VecDeque<Bucket>,
}

/// The buckets of one metric: tiers from finest (newest) to coarsest (oldest), contiguous in
/// time — each coarser tier ends where the next finer one starts, and the coarsest starts at 0.
#[derive(Debug, Clone)]
pub struct Timeline {
    kind: MetricKind,
    tiers: Vec<Tier>,
}

impl Timeline {
    pub(crate) fn new(kind: MetricKind) -> Timeline {
        let tiers = RESOLUTIONS
            .iter()
            .map(|&(width, keep)| Tier {
                width,
                keep,
                start: 0,
                buckets: VecDeque::new(),
            })
            .collect();
        Timeline { kind, tiers }
    }

    /// Adds a value at `second` (since the run's start).
    #[inline]
    pub(crate) fn add(&mut self, second: u64, v: f64) {
        self.bucket_at(second).add(v);
    }

    /// Adds a whole bucket at `second` (merging runs: a coarser window lands where it starts).
    pub(crate) fn merge_at(&mut self, second: u64, b: &Bucket) {
        self.bucket_at(second).merge(b);
    }

    /// Adds a parallel instance's gauge window at `second` (see [`Bucket`]'s sums).
    pub(crate) fn add_parallel_at(&mut self, second: u64, b: &Bucket) {
        self.bucket_at(second).add_parallel(b);
    }

    #[inline]
    fn bucket_at(&mut self, second: u64) -> &mut Bucket {
        // The common case: a second the finest tier (one bucket a second) already holds.
        let finest = &self.tiers[0];
        let hit = second
            .checked_sub(finest.start)
            .map(|d| d as usize)
            .filter(|&at| at < finest.buckets.len());
        match hit {
            Some(at) => &mut self.tiers[0].buckets[at],
            None => self.bucket_elsewhere(second),
        }
    }

    /// [`Timeline::bucket_at`] for a second not yet in the finest tier, or past it.
    #[inline(never)]
    fn bucket_elsewhere(&mut self, second: u64) -> &mut Bucket {
        if second >= self.tiers[0].start {
            let kind = self.kind;
            let finest = &mut self.tiers[0];
            let at = ((second - finest.start) / finest.width) as usize;
            if finest.buckets.len() <= at {
                finest.buckets.resize_with(at + 1, || Bucket::new(kind));
                self.roll_up();
            }
        }
        // The tier whose span holds `second`: the finest that starts at or before it.
        let k = self
            .tiers
            .iter()
            .position(|t| second >= t.start)
            .unwrap_or(self.tiers.len() - 1);
        let tier = &mut self.tiers[k];
        let at = ((second - tier.start) / tier.width) as usize;
        &mut tier.buckets[at]
    }

    /// Moves the oldest buckets of each tier that holds more than it keeps (and a whole coarser
    /// bucket more) into the next coarser tier.
    fn roll_up(&mut self) {
        for k in 0..self.tiers.len() - 1 {
            let coarser = self.tiers[k + 1].width;
            let (finer, rest) = self.tiers.split_at_mut(k + 1);
            let (fine, coarse) = (&mut finer[k], &mut rest[0]);
            let per = (coarser / fine.width) as usize;
            while fine.buckets.len() as u64 * fine.width > fine.keep + coarser {
                let mut window = Bucket::new(self.kind);
                for b in fine.buckets.drain(..per) {
                    window.merge(&b);
                }
                // A rolled window is complete: keep no spare capacity for a long run.
                window.sketch.shrink_to_fit();
                coarse.buckets.push_back(window);
                fine.start += coarser;
            }
        }
    }

    /// The windows that overlap `[from, to)` seconds, merged into one bucket, and how many
    /// seconds they span (more than asked where the series kept coarser windows: an old span
    /// is read at the resolution kept for it).
    pub fn between(&self, from: u64, to: u64) -> (Bucket, u64) {
        let mut out = Bucket::new(self.kind);
        let (mut first, mut last) = (u64::MAX, 0);
        for w in self
            .windows()
            .filter(|w| w.start < to && w.start + w.seconds > from)
        {
            out.merge(w.bucket);
            first = first.min(w.start);
            last = last.max(w.start + w.seconds);
        }
        (out, last.saturating_sub(first))
    }

    /// Every window, oldest first.
    pub fn windows(&self) -> impl Iterator<Item = Window<'_>> {
        self.tiers.iter().rev().flat_map(|t| {
            t.buckets.iter().enumerate().map(move |(i, bucket)| Window {
                start: t.start + i as u64 * t.width,
                seconds: t.width,
                bucket,
            })
        })
    }

    /// About how many bytes the series holds (its buckets and their sketches).
    pub fn approx_bytes(&self) -> usize {
        let fixed = std::mem::size_of::<Bucket>();
        self.tiers
            .iter()
            .map(|t| {
                t.buckets.capacity() * fixed
                    + t.buckets.iter().map(Bucket::heap_bytes).sum::<usize>()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_seconds_roll_up_into_ten_seconds_then_minutes_and_nothing_is_lost() {
        let mut t = Timeline::new(MetricKind::Trend);
        let run = 2 * 3600;
        for s in 0..run {
            t.add(s, (s % 100) as f64);
            t.add(s, 1.0);
        }
        let windows: Vec<_> = t.windows().collect();
        // Contiguous, oldest first, aligned, coarser the older.
        let mut next = 0;
        for pair in windows.windows(2) {
            assert!(pair[0].seconds >= pair[1].seconds);
        }
        for w in &windows {
            assert_eq!(w.start, next, "{w:?}");
            assert_eq!(w.start % w.seconds, 0);
            next = w.start + w.seconds;
        }
        assert_eq!(next, run);
        // Each width spans what it keeps, and at most one coarser window more.
        let span = |width| windows.iter().filter(|w| w.seconds == width).count() as u64 * width;
        assert!((60..=70).contains(&span(1)), "{}", span(1));
        assert!((3600..=3660).contains(&span(10)), "{}", span(10));
        assert_eq!(span(60), run - span(1) - span(10));
        let total: u64 = windows.iter().map(|w| w.bucket.count).sum();
        assert_eq!(total, 2 * run);
        assert_eq!(
            (windows[0].bucket.count, windows[0].bucket.max),
            (120, 59.0)
        );
        // A late sample for a rolled-up minute still lands in it.
        t.add(30, 5.0);
        assert_eq!(t.windows().next().unwrap().bucket.count, 121);
    }

    #[test]
    fn a_window_percentile_is_within_one_percent_and_within_what_was_seen() {
        let mut t = Timeline::new(MetricKind::Trend);
        for v in 1..=1000 {
            t.add(0, f64::from(v));
        }
        let b = t.windows().next().unwrap().bucket;
        let p95 = b.percentile(95.0).unwrap();
        assert!((p95 - 950.0).abs() <= 9.5, "{p95}");
        assert_eq!(b.percentile(100.0), Some(1000.0));
        let mut counts = Timeline::new(MetricKind::Counter);
        counts.add(0, 1.0);
        assert_eq!(
            counts.windows().next().unwrap().bucket.percentile(50.0),
            None
        );
    }
}
