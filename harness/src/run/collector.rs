//! The collector: the one task that owns the metric store. It aggregates batches from VUs,
//! updates the live counters, samples the VU gauges each second and aborts the run when an
//! `abort_on_fail` threshold fails.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
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
    /// Where closed seconds are streamed, if anywhere; taken back by the runner at the end.
    pub series_out: Arc<std::sync::Mutex<Option<SeriesOut>>>,
    pub observers: Vec<Arc<dyn Observer>>,
    /// When the scenarios began (seconds from the run's start; `u64::MAX` before): windowed
    /// thresholds count their windows from it.
    pub scenarios_start: Arc<std::sync::atomic::AtomicU64>,
}

impl Collector {
    pub(crate) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Batch(batch)) => self.add(&batch),
                    Some(Msg::Finish(reply)) => {
                        // Everything sent before Finish is already in: the channel is FIFO.
                        while let Ok(Msg::Batch(b)) = rx.try_recv() { self.add(&b); }
                        self.sample_vus();
                        let _ = reply.send(std::mem::take(&mut self.store));
                        return;
                    }
                    None => return,
                },
                _ = tick.tick() => {
                    self.sample_vus();
                    self.check_abort();
                    self.write_settled();
                }
            }
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
        if let Ok(mut out) = self.series_out.lock()
            && let Some(out) = out.as_mut()
        {
            out.write_settled(&self.store, now);
        }
    }

    fn check_abort(&mut self) {
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
        let from = self
            .scenarios_start
            .load(std::sync::atomic::Ordering::Relaxed);
        let span = threshold::Span {
            from: from.min(elapsed.as_secs()),
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
