//! `capacity-search`: a goal-seeking open model. It runs steps of constant arrival rate, raising
//! the rate by `step` while every SLO holds, then bisects between the last rate that held and
//! the first that broke, and reports the highest rate that kept every SLO, with each step's
//! evidence (rate, p95, error rate, drops), as a finding of kind `capacity`.
//!
//! A step is judged by its own iterations' p95 length (an iteration is usually one request)
//! and the share of failed requests while it ran (the run's live counters: run it alone). A
//! step that dropped more than 1 % of its starts (every VU busy) broke too. Between steps the
//! executor waits for the step's iterations to end, at most [`CapacitySearch::cooldown`], so a
//! broken step's backlog does not land on the next. Its finding is what `run` returns.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::time::Instant;

use super::arrival::{ArrivalSchedule, Pool, Probe};
use super::{PlanStep, RateStage};
use crate::analysis::{Figures, Finding, FindingKind, Step, num};
use crate::engine::ScenarioRun;

/// Find the highest arrival rate (iterations per second) that keeps p95 ≤ `p95_ms` and the
/// error rate ≤ `max_error_rate`.
#[derive(Debug, Clone)]
pub struct CapacitySearch {
    pub start_rate: u64,
    /// Added after each step that held, until one breaks.
    pub step: u64,
    pub max_rate: u64,
    /// Each step's length (time-scaled).
    pub step_duration: Duration,
    /// The longest wait for a step's iterations to end before the next (time-scaled; default
    /// 30 s). A broken step leaves a backlog on the target; the next step starts only once
    /// every iteration has ended, or this has passed.
    pub cooldown: Duration,
    pub p95_ms: f64,
    pub max_error_rate: f64,
    /// At most this many steps; bisection stops sooner once the gap is below 5 % of the rate.
    pub max_steps: u32,
    pub pre_allocated_vus: u64,
    pub max_vus: u64,
}

/// Share of a step's starts that may be dropped before the step counts as broken.
const MAX_DROPPED: f64 = 0.01;

impl CapacitySearch {
    /// From `start_rate`, up by `step` per second each step, at most `max_rate`; SLOs p95 ≤
    /// `p95_ms` and errors ≤ 1 %; 5 s steps, up to 12 of them, up to 1,000 VUs.
    pub fn new(start_rate: u64, step: u64, max_rate: u64, p95_ms: f64) -> CapacitySearch {
        CapacitySearch {
            start_rate,
            step,
            max_rate,
            step_duration: Duration::from_secs(5),
            cooldown: Duration::from_secs(30),
            p95_ms,
            max_error_rate: 0.01,
            max_steps: 12,
            pre_allocated_vus: 10,
            max_vus: 1_000,
        }
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.start_rate == 0 || self.step == 0 || self.max_rate < self.start_rate {
            errors.push(
                "capacity-search needs start_rate and step above 0, and max_rate ≥ start_rate"
                    .to_string(),
            );
        }
        if self.step_duration.is_zero() || self.max_steps == 0 {
            errors.push("capacity-search needs a step duration and at least one step".into());
        }
        if self.p95_ms.is_nan() || self.p95_ms <= 0.0 || !(0.0..=1.0).contains(&self.max_error_rate)
        {
            errors.push("capacity-search needs p95_ms above 0 and max_error_rate in 0..=1".into());
        }
        if self.pre_allocated_vus == 0 || self.max_vus < self.pre_allocated_vus {
            errors.push("capacity-search needs 1 ≤ pre-allocated VUs ≤ max VUs".into());
        }
        errors
    }

    /// At most `max_vus` for every step and its cooldown.
    pub fn plan(&self) -> Vec<PlanStep> {
        let longest = (self.step_duration + self.cooldown) * self.max_steps;
        vec![
            PlanStep {
                offset: Duration::ZERO,
                vus: self.max_vus,
            },
            PlanStep {
                offset: longest,
                vus: 0,
            },
        ]
    }

    /// The next rate to try, from the highest that held and the lowest that broke; `None`
    /// when the search is done.
    pub fn next_rate(&self, held: Option<u64>, broke: Option<u64>) -> Option<u64> {
        match (held, broke) {
            (None, None) => Some(self.start_rate),
            (Some(h), None) if h >= self.max_rate => None,
            (Some(h), None) => Some((h + self.step).min(self.max_rate)),
            (h, Some(b)) => {
                let low = h.unwrap_or(0);
                let mid = (low + b) / 2;
                let close = (b - low) as f64 <= (b as f64 * 0.05).max(1.0);
                (!close && mid > low && mid > 0).then_some(mid)
            }
        }
    }

    /// Runs the search; its finding is the result.
    pub(crate) async fn run(&self, run: Arc<ScenarioRun>) -> Finding {
        let probe = Arc::new(Probe::default());
        let mut pool = Pool::new(
            self.pre_allocated_vus,
            self.max_vus,
            run.clone(),
            Some(probe.clone()),
        )
        .await;
        let (mut held, mut broke): (Option<u64>, Option<u64>) = (None, None);
        let mut steps = Vec::new();
        while steps.len() < self.max_steps as usize && !run.stop.is_cancelled() {
            let Some(rate) = self.next_rate(held, broke) else {
                break;
            };
            let schedule = ArrivalSchedule::new(
                rate,
                Duration::from_secs(1),
                &[RateStage::new(self.step_duration, rate)],
            );
            let starts = schedule.total();
            probe
                .durations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            let live = &run.shared.live;
            let (reqs0, failed0) = (live.requests.load(Relaxed), live.failed.load(Relaxed));
            let dropped = pool.dispatch(schedule, Instant::now()).await;
            pool.settle(self.cooldown).await;
            // The collector counts a VU's requests when it sends them, at its iteration's end.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let requests = live.requests.load(Relaxed) - reqs0;
            let failed = live.failed.load(Relaxed) - failed0;
            let mut durations =
                std::mem::take(&mut *probe.durations.lock().unwrap_or_else(|e| e.into_inner()));
            let p95_ms = p95(&mut durations);
            let error_rate = if requests == 0 {
                0.0
            } else {
                failed as f64 / requests as f64
            };
            let passed = durations.len() as u64 > 0
                && p95_ms <= self.p95_ms
                && error_rate <= self.max_error_rate
                && (dropped as f64) <= MAX_DROPPED * starts as f64;
            steps.push(Step {
                rate: rate as f64,
                p95_ms,
                error_rate,
                dropped,
                passed,
            });
            if passed {
                held = Some(held.map_or(rate, |h| h.max(rate)));
            } else {
                broke = Some(broke.map_or(rate, |b| b.min(rate)));
            }
        }
        pool.finish().await;
        self.finding(held, broke, steps)
    }

    fn finding(&self, held: Option<u64>, broke: Option<u64>, steps: Vec<Step>) -> Finding {
        let mut figures = Figures::new();
        if let Some(h) = held {
            figures.insert("capacity_rate".into(), h as f64);
        }
        if let Some(b) = broke {
            figures.insert("broke_at_rate".into(), b as f64);
        }
        figures.insert("steps".into(), steps.len() as f64);
        let slo = format!(
            "p95 ≤ {} ms, errors ≤ {:.2} %",
            num(self.p95_ms),
            self.max_error_rate * 100.0
        );
        let summary = match (held, broke) {
            (Some(h), Some(b)) => format!(
                "the highest rate that kept every SLO ({slo}): {h}/s; {b}/s broke ({} steps)",
                steps.len()
            ),
            (Some(h), None) => format!(
                "every rate tried, up to {h}/s, kept every SLO ({slo}): the capacity is higher \
                 ({} steps)",
                steps.len()
            ),
            (None, _) => format!(
                "no rate kept every SLO ({slo}), not even {}/s",
                steps.first().map_or(0.0, |s| s.rate)
            ),
        };
        Finding {
            kind: FindingKind::Capacity,
            passed: held.is_some(),
            summary,
            at: None,
            figures,
            steps,
        }
    }
}

/// The 95th percentile of `values` (nearest rank); 0 when empty.
fn p95(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64) * 0.95).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_climbs_by_its_step_then_bisects_to_within_five_percent() {
        let s = CapacitySearch::new(500, 500, 5_000, 100.0);
        // A target that holds up to 2,600/s.
        let holds = |r: u64| r <= 2_600;
        let (mut held, mut broke, mut tried) = (None, None, Vec::new());
        while let Some(r) = s.next_rate(held, broke) {
            tried.push(r);
            if holds(r) {
                held = Some(r);
            } else {
                broke = Some(broke.map_or(r, |b: u64| b.min(r)));
            }
        }
        // 2,500 held and 2,625 broke: a gap under 5 % of 2,625, so the search stops.
        assert_eq!(tried, [500, 1000, 1500, 2000, 2500, 3000, 2750, 2625]);
        assert_eq!((held, broke), (Some(2500), Some(2625)));
    }

    #[test]
    fn the_search_stops_at_its_range_and_bisects_down_when_the_first_step_breaks() {
        let s = CapacitySearch::new(100, 100, 300, 100.0);
        assert_eq!(s.next_rate(Some(300), None), None);
        assert_eq!(s.next_rate(None, Some(100)), Some(50));
        assert_eq!(s.next_rate(None, Some(1)), None);
        assert_eq!(p95(&mut [5.0, 1.0, 3.0, 2.0, 4.0]), 5.0);
        assert_eq!(p95(&mut (1..=100).map(f64::from).collect::<Vec<_>>()), 95.0);
    }
}
