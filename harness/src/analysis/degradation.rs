//! Degradation (soak): the first and the last window of the steady stage compared — p95, error
//! rate and throughput — as ratios, against limits.

use std::time::Duration;

use super::{Context, Figures, Finding, FindingKind, WindowSource, figures, num};

/// Throughput is compared only over windows at least this many median iterations long.
pub const ITERATIONS_PER_WINDOW: f64 = 5.0;

/// Does the target degrade over a long steady load?
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Degradation {
    /// The 1-based stage of steady load to compare the start and the end of.
    pub stage: usize,
    /// The window at full length (scaled with the run; default 10 minutes).
    pub window: Duration,
    /// The last window's p95 may be at most this many times the first's…
    pub max_p95_ratio: f64,
    /// …or at most this many ms above it (a fast target's noise is not degradation).
    pub p95_floor_ms: f64,
    /// The last window's error rate may exceed the first's by at most this (0..1).
    pub max_error_rate_increase: f64,
    /// The last window's throughput must be at least this share of the first's.
    pub min_throughput_ratio: f64,
}

impl Degradation {
    pub fn new(stage: usize) -> Degradation {
        Degradation {
            stage,
            window: Duration::from_secs(600),
            max_p95_ratio: 1.2,
            p95_floor_ms: 20.0,
            max_error_rate_increase: 0.01,
            min_throughput_ratio: 0.8,
        }
    }

    pub(super) fn run(&self, source: &dyn WindowSource, cx: &Context) -> Finding {
        let fail = |summary: String, figures| Finding {
            kind: FindingKind::Degradation,
            steps: Vec::new(),
            passed: false,
            summary,
            at: None,
            figures,
        };
        let Some(&(start, end)) = cx.stages.get(self.stage.wrapping_sub(1)) else {
            return fail(
                format!(
                    "stage {} is not in the scenario ({} stages)",
                    self.stage,
                    cx.stages.len()
                ),
                Figures::new(),
            );
        };
        let end = end.min(cx.to);
        // Two windows that do not overlap, even in a short (scaled) run.
        let w = cx
            .scaled(self.window)
            .min(((end - start) / 2.0).floor())
            .max(1.0);
        let first = source.stats(start, start + w);
        let last = source.stats(end - w, end);
        let (Some(p1), Some(p2)) = (first.p95, last.p95) else {
            return fail(
                format!(
                    "the first or the last {} s of stage {} had no requests",
                    num(w),
                    self.stage
                ),
                Figures::new(),
            );
        };
        let p95_ratio = if p1 > 0.0 { p2 / p1 } else { 1.0 };
        let error_increase = last.error_rate() - first.error_rate();
        let throughput_ratio = if first.rate() > 0.0 {
            last.rate() / first.rate()
        } else {
            1.0
        };
        let figures = figures([
            ("window_s", w),
            ("first_p95_ms", p1),
            ("last_p95_ms", p2),
            ("p95_ratio", p95_ratio),
            ("first_error_rate", first.error_rate()),
            ("last_error_rate", last.error_rate()),
            ("first_rate", first.rate()),
            ("last_rate", last.rate()),
            ("throughput_ratio", throughput_ratio),
        ]);
        let mut broken = Vec::new();
        if p95_ratio > self.max_p95_ratio && p2 - p1 > self.p95_floor_ms {
            broken.push(format!(
                "p95 grew {}× (limit {}×)",
                num(p95_ratio),
                num(self.max_p95_ratio)
            ));
        }
        if error_increase > self.max_error_rate_increase {
            broken.push(format!(
                "errors rose {:.2} points (limit {:.2})",
                error_increase * 100.0,
                self.max_error_rate_increase * 100.0
            ));
        }
        // Over a window of few iterations, throughput swings with the VUs' phase, not the target.
        let judged = cx
            .iteration_s
            .is_none_or(|i| w >= ITERATIONS_PER_WINDOW * i);
        if judged && throughput_ratio < self.min_throughput_ratio {
            broken.push(format!(
                "throughput fell to {}× (limit {}×)",
                num(throughput_ratio),
                num(self.min_throughput_ratio)
            ));
        }
        let unjudged = match cx.iteration_s {
            Some(i) if !judged => format!(
                " (throughput not judged: {} s windows hold fewer than {} iterations of {} s)",
                num(w),
                num(ITERATIONS_PER_WINDOW),
                num(i)
            ),
            _ => String::new(),
        };
        let facts = format!(
            "first vs last {} s of stage {}: p95 {} → {} ms ({}×), errors {:.2} → {:.2} %, {} → {} req/s ({}×)",
            num(w),
            self.stage,
            num(p1),
            num(p2),
            num(p95_ratio),
            first.error_rate() * 100.0,
            last.error_rate() * 100.0,
            num(first.rate()),
            num(last.rate()),
            num(throughput_ratio)
        ) + &unjudged;
        if broken.is_empty() {
            Finding {
                kind: FindingKind::Degradation,
                steps: Vec::new(),
                passed: true,
                summary: format!("no degradation: {facts}"),
                at: Some(end - w),
                figures,
            }
        } else {
            Finding {
                at: Some(end - w),
                ..fail(format!("degraded: {}; {facts}", broken.join(", ")), figures)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Seconds;
    use super::*;

    /// Stages: ramp 0–10, steady 10–110, down 110–120; during the steady stage p95 goes from
    /// 100 ms to 100 × `growth`, errors from 0 to `errors` of 100, requests from 100 to `last`.
    fn run(growth: f64, errors: u64, last: u64) -> (Seconds, Context) {
        let secs = (0..120)
            .map(|t| {
                let x = (t.clamp(10, 110) - 10) as f64 / 100.0;
                let p95 = 100.0 * (1.0 + (growth - 1.0) * x);
                let reqs = 100 - ((100 - last) as f64 * x) as u64;
                let failed = (errors as f64 * x) as u64;
                (reqs, failed.min(reqs), p95, 50.0)
            })
            .collect();
        let cx = Context {
            from: 0.0,
            to: 120.0,
            stages: vec![(0.0, 10.0), (10.0, 110.0), (110.0, 120.0)],
            time_scale: 1.0,
            iteration_s: Some(1.0),
        };
        (Seconds(secs), cx)
    }

    #[test]
    fn first_and_last_windows_of_the_steady_stage_are_compared_against_the_limits() {
        let mut a = Degradation::new(2);
        a.window = Duration::from_secs(10);
        // (p95 growth, errors at the end, requests at the end, passes, what is named)
        let cases = [
            (1.0, 0, 100, true, "no degradation"),
            (1.1, 0, 100, true, "no degradation"),
            (2.0, 0, 100, false, "p95 grew"),
            (1.0, 5, 100, false, "errors rose"),
            (1.0, 0, 50, false, "throughput fell"),
        ];
        // From 100 ms, 1.1× is within the ratio and 2× beyond both limits; from 1 ms, 10× is
        // 9 ms: noise below the floor.
        for (growth, errors, last, passes, named) in cases {
            let (source, cx) = run(growth, errors, last);
            let f = a.run(&source, &cx);
            assert_eq!(f.passed, passes, "{f:?}");
            assert!(f.summary.contains(named), "{f:?}");
        }
    }

    #[test]
    fn a_scaled_run_shrinks_the_windows_and_a_short_stage_splits_in_two() {
        let (source, cx) = run(2.0, 0, 100);
        // Ten minutes at a hundredth is 6 s; at full scale it is more than half the stage.
        let scaled = Context {
            time_scale: 0.01,
            ..cx.clone()
        };
        assert_eq!(
            Degradation::new(2).run(&source, &scaled).figures["window_s"],
            6.0
        );
        assert_eq!(
            Degradation::new(2).run(&source, &cx).figures["window_s"],
            50.0
        );
        let f = Degradation::new(7).run(&source, &cx);
        assert!(!f.passed && f.summary.contains("not in the scenario"));
    }

    #[test]
    fn throughput_over_windows_of_few_iterations_is_shown_but_not_judged() {
        let (source, cx) = run(1.0, 0, 50);
        let mut a = Degradation::new(2);
        a.window = Duration::from_secs(10);
        let long_iterations = Context {
            iteration_s: Some(4.0),
            ..cx
        };
        let f = a.run(&source, &long_iterations);
        assert!(f.passed, "{f:?}");
        assert!(
            f.summary.contains(
                "throughput not judged: 10 s windows hold fewer than 5 iterations of 4 s"
            ),
            "{f:?}"
        );
    }
}
