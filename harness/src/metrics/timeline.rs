//! One metric's time series, all tag sets together, in flat memory however long the run: one
//! bucket per second for the last [`RECENT_SECONDS`], then one per [`ROLLUP_SECONDS`] for
//! everything older. A bucket holds the count, sum, min, max and true count of its window and,
//! for a trend, a [`Sketch`] of its values (quantiles within 1 %).

use std::collections::VecDeque;

use super::{MetricKind, Sketch};

/// How long the series keeps one bucket per second.
pub const RECENT_SECONDS: u64 = 600;
/// How long an older bucket is: seconds older than [`RECENT_SECONDS`] roll up into minutes.
pub const ROLLUP_SECONDS: u64 = 60;

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
}

impl Bucket {
    fn new(kind: MetricKind) -> Bucket {
        Bucket {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            trues: 0,
            sketch: Sketch::default(),
            trend: kind == MetricKind::Trend,
        }
    }

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
}

/// One window of a series, as [`Timeline::windows`] gives it.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// Its first second, counted from the run's start.
    pub start: u64,
    /// How many seconds it spans: 1, or [`ROLLUP_SECONDS`] for older windows.
    pub seconds: u64,
    pub bucket: &'a Bucket,
}

/// The buckets of one metric.
#[derive(Debug, Clone)]
pub struct Timeline {
    kind: MetricKind,
    /// Windows of [`ROLLUP_SECONDS`] from second 0 up to `recent_start`.
    older: Vec<Bucket>,
    /// One bucket per second from `recent_start` on.
    recent: VecDeque<Bucket>,
    recent_start: u64,
}

impl Timeline {
    pub(crate) fn new(kind: MetricKind) -> Timeline {
        Timeline {
            kind,
            older: Vec::new(),
            recent: VecDeque::new(),
            recent_start: 0,
        }
    }

    /// Adds a value at `second` (since the run's start).
    pub(crate) fn add(&mut self, second: u64, v: f64) {
        self.bucket_at(second).add(v);
    }

    /// Adds a whole bucket at `second` (merging runs: an older window lands where it starts).
    pub(crate) fn merge_at(&mut self, second: u64, b: &Bucket) {
        self.bucket_at(second).merge(b);
    }

    fn bucket_at(&mut self, second: u64) -> &mut Bucket {
        if second < self.recent_start {
            // A late sample for a window already rolled up.
            let i = (second / ROLLUP_SECONDS) as usize;
            return &mut self.older[i];
        }
        let offset = (second - self.recent_start) as usize;
        if self.recent.len() <= offset {
            let kind = self.kind;
            self.recent.resize_with(offset + 1, || Bucket::new(kind));
            self.roll_up();
        }
        let offset = (second - self.recent_start) as usize;
        &mut self.recent[offset]
    }

    /// Rolls the oldest seconds into minute windows while more than [`RECENT_SECONDS`] (and a
    /// whole minute more) are held per second.
    fn roll_up(&mut self) {
        let keep = (RECENT_SECONDS + ROLLUP_SECONDS) as usize;
        while self.recent.len() > keep {
            let mut window = Bucket::new(self.kind);
            for b in self.recent.drain(..ROLLUP_SECONDS as usize) {
                window.merge(&b);
            }
            self.older.push(window);
            self.recent_start += ROLLUP_SECONDS;
        }
    }

    /// Every window, oldest first.
    pub fn windows(&self) -> impl Iterator<Item = Window<'_>> {
        let older = self.older.iter().enumerate().map(|(i, bucket)| Window {
            start: i as u64 * ROLLUP_SECONDS,
            seconds: ROLLUP_SECONDS,
            bucket,
        });
        let recent = self.recent.iter().enumerate().map(|(i, bucket)| Window {
            start: self.recent_start + i as u64,
            seconds: 1,
            bucket,
        });
        older.chain(recent)
    }

    /// About how many bytes the series holds (its buckets and their sketches).
    pub fn approx_bytes(&self) -> usize {
        let fixed = std::mem::size_of::<Bucket>();
        let capacity = self.older.capacity() + self.recent.capacity();
        capacity * fixed
            + self
                .older
                .iter()
                .chain(self.recent.iter())
                .map(Bucket::heap_bytes)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_older_than_ten_minutes_roll_up_into_minutes_and_nothing_is_lost() {
        let mut t = Timeline::new(MetricKind::Trend);
        let hour = 3600;
        for s in 0..hour {
            t.add(s, (s % 100) as f64);
            t.add(s, 1.0);
        }
        let windows: Vec<_> = t.windows().collect();
        let per_second = windows.iter().filter(|w| w.seconds == 1).count() as u64;
        assert!((RECENT_SECONDS..=RECENT_SECONDS + ROLLUP_SECONDS).contains(&per_second));
        assert_eq!(
            windows.len() as u64,
            per_second + (hour - per_second) / ROLLUP_SECONDS
        );
        assert_eq!(windows[0].start, 0);
        assert_eq!(windows[1].start, 60);
        assert_eq!(windows.last().unwrap().start, hour - 1);
        let total: u64 = windows.iter().map(|w| w.bucket.count).sum();
        assert_eq!(total, 2 * hour);
        assert_eq!(windows[0].bucket.count, 120);
        assert_eq!(windows[0].bucket.max, 59.0);
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
