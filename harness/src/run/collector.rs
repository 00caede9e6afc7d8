//! The collector: the one task that owns the metric store and the time-series file. It
//! aggregates batches from VUs, updates the live counters, samples the VU gauges each second,
//! streams settled seconds to the file and aborts the run when an `abort_on_fail` threshold
//! fails. When the run is over its task returns both: the store, and how the file ended.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::series_out::SeriesOut;
use super::{Observer, Stop};
use crate::engine::{Live, Msg};
use crate::metrics::{Entry, Sample, Store, Tags, builtins, names};
use crate::threshold::{self, AbortReason, Compiled};

pub(crate) struct Collector {
    pub store: Store,
    pub live: Arc<Live>,
    pub abort_thresholds: Vec<Compiled>,
    pub stop: Stop,
    pub start: Instant,
    /// Where settled seconds are streamed, if anywhere.
    pub series_out: Option<SeriesOut>,
    pub observers: Vec<Arc<dyn Observer>>,
    /// When the scenarios begin (from the run's start), sent once setup is over: windowed
    /// thresholds count their windows from it.
    pub scenarios_began: oneshot::Receiver<Duration>,
}

/// What the collector gathered: the finished store, and the time-series file's end (an
/// error as a sentence) when there was one.
pub(crate) struct Collected {
    pub store: Store,
    pub series: Option<Result<(), String>>,
}

impl Collector {
    pub(crate) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) -> Collected {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut scenarios_start = None;
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Batch(batch)) => self.add(&batch),
                    Some(Msg::Finish) | None => {
                        // Everything sent before Finish is already in (the channel is FIFO);
                        // a straggler sent just after is taken too.
                        while let Ok(Msg::Batch(b)) = rx.try_recv() { self.add(&b); }
                        return self.finish();
                    }
                },
                _ = tick.tick() => {
                    if scenarios_start.is_none() {
                        scenarios_start = self.scenarios_began.try_recv().ok();
                    }
                    self.sample_vus();
                    self.check_abort(scenarios_start);
                    self.write_settled();
                }
            }
        }
    }

    /// The last gauges, then the rest of the file from the finished store.
    fn finish(mut self) -> Collected {
        self.sample_vus();
        let series = self.series_out.take().map(|o| o.finish(&self.store));
        Collected {
            store: self.store,
            series,
        }
    }

    fn add(&mut self, batch: &[Entry]) {
        use std::sync::atomic::Ordering::Relaxed;
        let (mut requests, mut failed, mut iterations, mut dropped) = (0, 0, 0, 0);
        for e in batch {
            match e {
                Entry::Http(h) => {
                    self.store.add_http(h);
                    requests += 1;
                    failed += u64::from(!h.expected_response());
                }
                Entry::Point(s) => {
                    self.store.add(s);
                    match s.metric {
                        names::ITERATIONS => iterations += 1,
                        names::DROPPED_ITERATIONS => dropped += 1,
                        _ => {}
                    }
                }
            }
        }
        for o in &self.observers {
            o.observe(batch);
        }
        self.live.requests.fetch_add(requests, Relaxed);
        self.live.failed.fetch_add(failed, Relaxed);
        self.live.iterations.fetch_add(iterations, Relaxed);
        self.live.dropped.fetch_add(dropped, Relaxed);
    }

    fn sample_vus(&mut self) {
        let snap = self.live.snapshot();
        let at = self.start.elapsed();
        let gauges = [
            (builtins::VUS, snap.active_vus),
            (builtins::VUS_MAX, snap.vus_max),
        ]
        .map(|(metric, v)| Entry::Point(Sample::of(&metric, v as f64, Tags::default(), at)));
        for g in &gauges {
            if let Entry::Point(s) = g {
                self.store.add(s);
            }
        }
        for o in &self.observers {
            o.observe(&gauges);
        }
    }

    fn write_settled(&mut self) {
        let now = self.start.elapsed().as_secs();
        if let Some(out) = self.series_out.as_mut() {
            out.write_settled(&self.store, now);
        }
    }

    /// Aborts the run when a due `abort_on_fail` threshold fails; windowed ones look at the
    /// complete windows since `scenarios_start` (none before the scenarios begin).
    fn check_abort(&mut self, scenarios_start: Option<Duration>) {
        let elapsed = self.start.elapsed();
        let due: Vec<Compiled> = self
            .abort_thresholds
            .iter()
            .filter(|t| elapsed >= t.delay_abort_eval)
            .cloned()
            .collect();
        if due.is_empty() {
            return;
        }
        // Only a failure aborts: "no data" mid-run means the data has not arrived yet.
        let from = scenarios_start.map_or(elapsed, |s| s.min(elapsed));
        let span = threshold::Span {
            from: from.as_secs(),
            to: elapsed.as_secs(),
            complete_only: true,
        };
        if let Some(failed) = threshold::evaluate(&due, &self.store, elapsed, span)
            .into_iter()
            .find(|r| r.verdict == threshold::Verdict::Fail)
        {
            self.stop.stop(AbortReason::Threshold {
                selector: failed.selector,
                expression: failed.expression,
            });
            self.abort_thresholds.clear();
        }
    }
}
