//! A per-VU sample buffer: samples are pushed without locks and sent to the collector in
//! batches — when the buffer is full, or at an iteration's end once 200 ms have passed since
//! the last send, and always when the VU ends.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use crate::metrics::{Entry, HttpSample, Metric, Observation, Sample, Tags};

/// What the collector receives: batches of samples, then word that the run is over (the
/// collector's task then returns what it gathered).
pub(crate) enum Msg {
    Batch(Vec<Entry>),
    Finish,
}

const BATCH: usize = 512;
const MAX_HOLD: Duration = Duration::from_millis(200);

/// Buffers samples and ships them to the collector in batches.
#[derive(Debug)]
pub struct Recorder {
    buf: Vec<Entry>,
    tx: UnboundedSender<Msg>,
    start: Instant,
    last_flush: Instant,
    /// The last batch's length: the buffer is given about that room again at its next first push,
    /// not grown from nothing, and an idle VU holds no buffer at all.
    last_len: usize,
}

impl Recorder {
    pub(crate) fn new(tx: UnboundedSender<Msg>, start: Instant) -> Recorder {
        Recorder {
            buf: Vec::new(),
            tx,
            start,
            last_flush: Instant::now(),
            last_len: 0,
        }
    }

    /// Time since the test started, for sample timestamps.
    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The time since the test started at `instant` (a clock already read, not read again).
    pub(crate) fn since_start(&self, instant: Instant) -> Duration {
        instant.saturating_duration_since(self.start)
    }

    /// Records one observation of a metric now.
    pub fn add<M: Metric>(&mut self, metric: &M, value: impl Observation<M>, tags: &Tags) {
        let at = self.now();
        self.add_at(metric, value, tags, at);
    }

    /// Records one observation of a metric made `at` this time since the test started.
    #[inline]
    pub(crate) fn add_at<M: Metric>(
        &mut self,
        metric: &M,
        value: impl Observation<M>,
        tags: &Tags,
        at: Duration,
    ) {
        self.push(Entry::Point(Sample::of(metric, value, tags.clone(), at)));
    }

    /// Records one HTTP request.
    #[inline]
    pub fn http(&mut self, sample: HttpSample) {
        self.push(Entry::Http(sample));
        if self.buf.len() >= BATCH {
            self.flush();
        }
    }

    #[inline]
    fn push(&mut self, entry: Entry) {
        if self.buf.capacity() == 0 {
            // A quarter more than last time: a VU's batches vary, and growing a full buffer
            // copies it.
            self.buf
                .reserve((self.last_len + self.last_len / 4).clamp(4, BATCH));
        }
        self.buf.push(entry);
    }

    /// Sends the buffer if it is full or has been held long enough; called at iteration ends.
    pub fn flush_if_due(&mut self) {
        if self.buf.len() >= BATCH
            || (!self.buf.is_empty() && self.last_flush.elapsed() >= MAX_HOLD)
        {
            self.flush();
        }
    }

    /// Sends whatever is buffered. A closed collector means the run is over: samples are dropped.
    pub fn flush(&mut self) {
        self.last_flush = Instant::now();
        if !self.buf.is_empty() {
            let batch = std::mem::take(&mut self.buf);
            self.last_len = batch.len();
            let _ = self.tx.send(Msg::Batch(batch));
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.flush();
    }
}
