//! `ramping-vus`: the number of VUs follows stages of {duration, target}, linearly.
//!
//! The planned count is the ramp's line rounded up: ramping 0→4 over 4 s adds a VU at 0, 1, 2
//! and 3 s, so the target runs for the last part of the stage; ramping down removes one each
//! time the line reaches the next integer below.
//! VU number `n` (counting from 1) is active while the planned count is at least `n`. When the
//! plan drops below it, its current iteration may finish within `graceful_ramp_down`, then it is
//! interrupted.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{PlanStep, Stage, step};
use crate::engine::ScenarioRun;
use crate::segment::Segment;

/// VUs ramp from `start_vus` through `stages`.
#[derive(Debug, Clone)]
pub struct RampingVus {
    pub start_vus: u64,
    pub stages: Vec<Stage>,
    pub graceful_ramp_down: Duration,
    /// This instance's share ([`Executor::segment`](super::Executor::segment)).
    pub(crate) segment: Segment,
}

impl RampingVus {
    pub fn new(start_vus: u64, stages: Vec<Stage>) -> RampingVus {
        RampingVus {
            start_vus,
            stages,
            graceful_ramp_down: Duration::from_secs(30),
            segment: Segment::WHOLE,
        }
    }

    pub fn graceful_ramp_down(mut self, d: Duration) -> Self {
        self.graceful_ramp_down = d;
        self
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.stages.is_empty() {
            errors.push("ramping-vus needs at least one stage".to_string());
        }
        let total: Duration = self.stages.iter().map(|s| s.duration).sum();
        if !self.stages.is_empty() && total.is_zero() {
            errors.push("ramping-vus stages last 0 s in total".to_string());
        }
        if self.start_vus == 0 && self.stages.iter().all(|s| s.target == 0) {
            errors.push("ramping-vus never has a VU: every target is 0".to_string());
        }
        errors
    }

    /// Steps where the planned VU count changes, ending with 0 at the end of the last stage.
    pub fn plan(&self) -> Vec<PlanStep> {
        let mut steps = vec![step(0, self.start_vus)];
        let (mut t0, mut cur) = (Duration::ZERO, self.start_vus);
        for stage in &self.stages {
            let (d, to) = (stage.duration, stage.target);
            if d.is_zero() {
                steps.push(PlanStep {
                    offset: t0,
                    vus: to,
                });
            } else if to > cur {
                for v in cur + 1..=to {
                    let at = t0 + d.mul_f64((v - 1 - cur) as f64 / (to - cur) as f64);
                    steps.push(PlanStep { offset: at, vus: v });
                }
            } else if to < cur {
                for v in (to..cur).rev() {
                    let at = t0 + d.mul_f64((cur - v) as f64 / (cur - to) as f64);
                    steps.push(PlanStep { offset: at, vus: v });
                }
            }
            t0 += d;
            cur = to;
        }
        steps.push(PlanStep { offset: t0, vus: 0 });
        // A segment's VUs at each moment are its share of the whole's, never a ramp of its own.
        if !self.segment.is_whole() {
            for s in &mut steps {
                s.vus = self.segment.share(s.vus);
            }
        }
        compact(steps)
    }

    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) {
        let plan = self.plan();
        let (target_tx, target_rx) = watch::channel(0u64);
        let mut vus = tokio::task::JoinSet::new();
        let mut spawned = 0u64;
        let grace = self.graceful_ramp_down;
        // The last step (to 0 at the end) is the scenario's stop, handled by the runner.
        for s in &plan[..plan.len() - 1] {
            tokio::select! {
                _ = tokio::time::sleep_until(run.start + s.offset) => {}
                _ = run.stop.cancelled() => break,
            }
            target_tx.send_replace(s.vus);
            while spawned < s.vus {
                let (run, rx, index) = (run.clone(), target_rx.clone(), spawned);
                vus.spawn(vu_loop(run, rx, index, grace));
                spawned += 1;
            }
        }
        run.stop.cancelled().await;
        vus.join_all().await;
    }
}

/// One VU of a ramping scenario: active while the target exceeds its index.
async fn vu_loop(
    run: Arc<ScenarioRun>,
    mut target: watch::Receiver<u64>,
    index: u64,
    grace: Duration,
) {
    let Some(mut vu) = run.new_vu().await else {
        return;
    };
    loop {
        // Wait until this VU is wanted, or the scenario stops.
        while *target.borrow_and_update() <= index {
            tokio::select! {
                changed = target.changed() => if changed.is_err() { return },
                _ = run.stop.cancelled() => return,
            }
        }
        run.activate();
        while !run.stop.is_cancelled() && *target.borrow() > index {
            let mut rx = target.clone();
            let ramped_down = async move {
                let _ = rx.wait_for(|t| *t <= index).await;
                tokio::time::sleep(grace).await;
            };
            run.iteration_until(&mut vu, None, ramped_down).await;
        }
        run.deactivate();
        if run.stop.is_cancelled() {
            return;
        }
    }
}

/// Merges steps at the same offset (the last wins) and drops steps that change nothing.
fn compact(steps: Vec<PlanStep>) -> Vec<PlanStep> {
    let mut out: Vec<PlanStep> = Vec::with_capacity(steps.len());
    for s in steps {
        if let Some(last) = out.last_mut()
            && last.offset == s.offset
        {
            last.vus = s.vus;
            continue;
        }
        out.push(s);
    }
    let mut deduped: Vec<PlanStep> = Vec::with_capacity(out.len());
    for (i, s) in out.iter().enumerate() {
        let is_last = i == out.len() - 1;
        if is_last || deduped.last().is_none_or(|l| l.vus != s.vus) {
            deduped.push(*s);
        }
    }
    deduped
}
