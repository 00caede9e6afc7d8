//! The open model shared by both arrival-rate executors: a pure schedule of iteration start
//! offsets, and the dispatcher that hands each start to a free VU or counts it as dropped.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::RateStage;
use crate::engine::ScenarioRun;
use crate::metrics::builtins;

/// One linear piece of the rate curve, in iterations per second.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: f64,
    length: f64,
    from: f64,
    to: f64,
    /// Iterations started before this segment.
    before: f64,
}

/// Start offsets of every iteration: iteration `k` (from 0) starts when the integral of the rate
/// reaches `k`. A constant rate of 50/s gives 0 ms, 20 ms, 40 ms, ...
#[derive(Debug, Clone)]
pub struct ArrivalSchedule {
    segments: Vec<Segment>,
    total: u64,
    next: u64,
    segment: usize,
}

impl ArrivalSchedule {
    /// A schedule starting at `start_rate` per `time_unit`, then following `stages`.
    pub fn new(start_rate: u64, time_unit: Duration, stages: &[RateStage]) -> ArrivalSchedule {
        let unit = time_unit.as_secs_f64();
        let per_sec = |r: u64| if unit > 0.0 { r as f64 / unit } else { 0.0 };
        let mut segments = Vec::new();
        let (mut t, mut rate, mut before) = (0.0, per_sec(start_rate), 0.0);
        for s in stages {
            let length = s.duration.as_secs_f64();
            let to = per_sec(s.target);
            if length > 0.0 {
                segments.push(Segment {
                    start: t,
                    length,
                    from: rate,
                    to,
                    before,
                });
                before += (rate + to) / 2.0 * length;
            }
            t += length;
            rate = to;
        }
        // Guard against 99.999999 turning into 99 iterations.
        let total = (before + 1e-9).floor() as u64;
        ArrivalSchedule {
            segments,
            total,
            next: 0,
            segment: 0,
        }
    }

    /// How many iterations the schedule starts in all.
    pub fn total(&self) -> u64 {
        self.total
    }
}

impl Iterator for ArrivalSchedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.next >= self.total {
            return None;
        }
        let k = self.next as f64;
        while self.segment + 1 < self.segments.len()
            && self.segments[self.segment + 1].before <= k + 1e-9
        {
            self.segment += 1;
        }
        let s = self.segments[self.segment];
        let need = (k - s.before).max(0.0);
        // Solve from*x + (to-from)/(2*length)*x^2 = need for x in [0, length].
        let a = (s.to - s.from) / (2.0 * s.length);
        let x = if a.abs() < 1e-12 {
            need / s.from
        } else {
            (-s.from + (s.from * s.from + 4.0 * a * need).max(0.0).sqrt()) / (2.0 * a)
        };
        self.next += 1;
        Some(Duration::from_secs_f64(s.start + x.clamp(0.0, s.length)))
    }
}

/// The checks both arrival-rate executors share: a time unit and a sane VU pool.
pub(super) fn validate_pool(
    name: &str,
    time_unit: Duration,
    pre_allocated: u64,
    max: u64,
) -> Vec<String> {
    let mut errors = Vec::new();
    if time_unit.is_zero() {
        errors.push(format!("{name} needs a time unit above 0"));
    }
    if pre_allocated == 0 {
        errors.push(format!("{name} needs at least 1 pre-allocated VU"));
    }
    if max < pre_allocated {
        errors.push(format!(
            "{name} max VUs ({max}) is below pre-allocated VUs ({pre_allocated})"
        ));
    }
    errors
}

/// Missed starts kept to correct for coordinated omission; beyond this they are settled at once.
const MISSED_CAP: usize = 100_000;

/// Runs an arrival-rate scenario: starts each scheduled iteration on a free VU, or counts it in
/// `dropped_iterations` and adds a VU while below `max_vus`.
///
/// A dropped iteration also yields an `iteration_duration_corrected` sample: the time from its
/// intended start until the dispatcher next found a free VU, a lower bound of what a real user
/// would have waited. That is how a stalled server shows in the corrected latency.
pub(crate) async fn dispatch(
    schedule: impl Iterator<Item = Duration>,
    pre_allocated: u64,
    max_vus: u64,
    run: Arc<ScenarioRun>,
) {
    let mut pool = Pool::new(pre_allocated, max_vus, run.clone(), None).await;
    pool.dispatch(schedule, run.start).await;
    pool.finish().await;
}

/// Iteration lengths (ms) of the iterations a pool ran, for an executor that judges its own
/// steps (capacity search).
#[derive(Debug, Default)]
pub(crate) struct Probe {
    pub durations: std::sync::Mutex<Vec<f64>>,
}

/// The VUs of an open-model scenario: parked until handed a start, growing up to `max_vus`.
pub(crate) struct Pool {
    run: Arc<ScenarioRun>,
    idle_tx: mpsc::UnboundedSender<oneshot::Sender<Instant>>,
    idle_rx: mpsc::UnboundedReceiver<oneshot::Sender<Instant>>,
    vus: tokio::task::JoinSet<()>,
    allocated: u64,
    max_vus: u64,
    probe: Option<Arc<Probe>>,
}

impl Pool {
    /// Starts `pre_allocated` VUs and waits until they are ready, as k6 does: drops then mean
    /// overload, not warm-up.
    pub(crate) async fn new(
        pre_allocated: u64,
        max_vus: u64,
        run: Arc<ScenarioRun>,
        probe: Option<Arc<Probe>>,
    ) -> Pool {
        let (idle_tx, mut idle_rx) = mpsc::unbounded_channel::<oneshot::Sender<Instant>>();
        let mut vus = tokio::task::JoinSet::new();
        for _ in 0..pre_allocated {
            vus.spawn(open_vu(run.clone(), idle_tx.clone(), probe.clone()));
        }
        let mut ready = Vec::with_capacity(pre_allocated as usize);
        while (ready.len() as u64) < pre_allocated {
            tokio::select! {
                vu = idle_rx.recv() => match vu { Some(vu) => ready.push(vu), None => break },
                _ = run.stop.cancelled() => break,
            }
        }
        for vu in ready {
            let _ = idle_tx.send(vu);
        }
        Pool {
            run,
            idle_tx,
            idle_rx,
            vus,
            allocated: pre_allocated,
            max_vus,
            probe,
        }
    }

    /// Starts each iteration of `schedule` (offsets from `start`) on a free VU, or drops it.
    /// Returns how many were dropped.
    pub(crate) async fn dispatch(
        &mut self,
        schedule: impl Iterator<Item = Duration>,
        start: Instant,
    ) -> u64 {
        let run = self.run.clone();
        let mut recorder = run.recorder();
        let mut missed: VecDeque<Instant> = VecDeque::new();
        let mut dropped = 0;
        let settle = |recorder: &mut crate::engine::Recorder, intended: Instant, now: Instant| {
            let waited = now.saturating_duration_since(intended);
            recorder.add(&builtins::ITERATION_DURATION_CORRECTED, waited, &run.tags);
        };
        for offset in schedule {
            let intended = start + offset;
            tokio::select! {
                _ = tokio::time::sleep_until(intended) => {}
                _ = run.stop.cancelled() => break,
            }
            match self.idle_rx.try_recv() {
                Ok(vu) => {
                    let now = Instant::now();
                    while let Some(t) = missed.pop_front() {
                        settle(&mut recorder, t, now);
                    }
                    // The VU is parked on this channel; if it vanished, count a drop.
                    if vu.send(intended).is_err() {
                        recorder.add(&builtins::DROPPED_ITERATIONS, 1.0, &run.tags);
                        dropped += 1;
                    }
                }
                Err(_) => {
                    recorder.add(&builtins::DROPPED_ITERATIONS, 1.0, &run.tags);
                    dropped += 1;
                    if missed.len() >= MISSED_CAP
                        && let Some(t) = missed.pop_front()
                    {
                        settle(&mut recorder, t, Instant::now());
                    }
                    missed.push_back(intended);
                    if self.allocated < self.max_vus {
                        self.allocated += 1;
                        self.vus.spawn(open_vu(
                            run.clone(),
                            self.idle_tx.clone(),
                            self.probe.clone(),
                        ));
                    }
                }
            }
            recorder.flush_if_due();
        }
        let now = Instant::now();
        for t in missed.drain(..) {
            settle(&mut recorder, t, now);
        }
        recorder.flush();
        dropped
    }

    /// Waits, at most `limit`, until every VU is parked again (its iteration over). Whether
    /// they all came back.
    pub(crate) async fn settle(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut parked = Vec::new();
        while (parked.len() as u64) < self.allocated {
            tokio::select! {
                vu = self.idle_rx.recv() => match vu { Some(vu) => parked.push(vu), None => break },
                _ = tokio::time::sleep_until(deadline) => break,
                _ = self.run.stop.cancelled() => break,
            }
        }
        let all = parked.len() as u64 >= self.allocated;
        for vu in parked {
            let _ = self.idle_tx.send(vu);
        }
        all
    }

    /// Parked VUs end when their slot is dropped with the queue; busy ones when their
    /// iteration ends or is cut.
    pub(crate) async fn finish(self) {
        drop(self.idle_tx);
        drop(self.idle_rx);
        self.vus.join_all().await;
    }
}

/// One VU of the open model: park on the idle queue, run the iteration it is handed, repeat.
async fn open_vu(
    run: Arc<ScenarioRun>,
    idle: mpsc::UnboundedSender<oneshot::Sender<Instant>>,
    probe: Option<Arc<Probe>>,
) {
    let Some(mut vu) = run.new_vu().await else {
        return;
    };
    loop {
        // A fresh slot per parking: when the pool drops its queue, a parked VU ends at once.
        let (tx, rx) = oneshot::channel::<Instant>();
        if idle.send(tx).is_err() {
            return;
        }
        let intended = tokio::select! {
            t = rx => match t { Ok(t) => t, Err(_) => return },
            _ = run.stop.cancelled() => return,
        };
        run.activate();
        let began = Instant::now();
        run.iteration(&mut vu, Some(intended)).await;
        if let Some(p) = &probe {
            let took = ms(began.elapsed());
            p.durations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(took);
        }
        run.deactivate();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
