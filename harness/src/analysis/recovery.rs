//! Recovery (spike): after the spike ends, how long until p95 and the error rate are back
//! within a tolerance of the baseline before the spike.

use std::time::Duration;

use super::{Context, Figures, Finding, FindingKind, WindowSource, figures, num};

/// Does the target recover after a spike, and how fast?
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recovery {
    /// The 1-based stage whose last window is the baseline (the calm before the spike).
    pub baseline_stage: usize,
    /// The 1-based stage at whose end the spike is over (load back at the baseline level).
    pub spike_end_stage: usize,
    /// The window at full length (scaled with the run; default 10 s).
    pub window: Duration,
    /// Recovered when p95 ≤ baseline × (1 + this), or within `p95_floor_ms` of the baseline.
    pub p95_tolerance: f64,
    /// Latencies this close to the baseline count as recovered however small the baseline (ms).
    pub p95_floor_ms: f64,
    /// Recovered when the error rate ≤ the baseline's + this.
    pub error_margin: f64,
    /// Not recovered this long (full length, scaled) after the spike: the run fails.
    pub within: Duration,
}

impl Recovery {
    pub fn new(baseline_stage: usize, spike_end_stage: usize) -> Recovery {
        Recovery {
            baseline_stage,
            spike_end_stage,
            window: Duration::from_secs(10),
            p95_tolerance: 0.5,
            p95_floor_ms: 50.0,
            error_margin: 0.01,
            within: Duration::from_secs(120),
        }
    }

    pub(super) fn run(&self, source: &dyn WindowSource, cx: &Context) -> Finding {
        let fail = |summary: String| Finding {
            kind: FindingKind::Recovery,
            steps: Vec::new(),
            passed: false,
            summary,
            at: None,
            figures: Figures::new(),
        };
        let (Some(&(_, base_end)), Some(&(_, spike_end))) = (
            cx.stages.get(self.baseline_stage.wrapping_sub(1)),
            cx.stages.get(self.spike_end_stage.wrapping_sub(1)),
        ) else {
            return fail(format!(
                "stages {} and {} are not both in the scenario ({} stages)",
                self.baseline_stage,
                self.spike_end_stage,
                cx.stages.len()
            ));
        };
        let w = cx.scaled(self.window);
        let within = cx.scaled(self.within);
        let base = source.stats((base_end - w).max(cx.from), base_end);
        let Some(base_p95) = base.p95 else {
            return fail(format!(
                "no baseline: the {} s before the spike had no requests",
                num(w)
            ));
        };
        let p95_limit = (base_p95 * (1.0 + self.p95_tolerance)).max(base_p95 + self.p95_floor_ms);
        let err_limit = base.error_rate() + self.error_margin;
        let mut figures = figures([
            ("window_s", w),
            ("baseline_p95_ms", base_p95),
            ("baseline_error_rate", base.error_rate()),
            ("p95_limit_ms", p95_limit),
            ("spike_end_s", spike_end),
        ]);
        let mut t = spike_end;
        let end = (spike_end + within).min(cx.to);
        while t < end {
            let s = source.stats(t, (t + w).min(cx.to));
            let back = s.requests > 0
                && s.p95.is_some_and(|p| p <= p95_limit)
                && s.error_rate() <= err_limit;
            if back {
                let took = t - spike_end;
                figures.insert("recovery_s".into(), took);
                return Finding {
                    kind: FindingKind::Recovery,
                    steps: Vec::new(),
                    passed: true,
                    summary: format!(
                        "recovered {} s after the spike (the {} s window from {} s: p95 {} ms ≤ {} ms, \
                         errors {:.2} %; baseline p95 {} ms)",
                        num(took),
                        num(w),
                        num(t),
                        num(s.p95.unwrap_or(0.0)),
                        num(p95_limit),
                        s.error_rate() * 100.0,
                        num(base_p95)
                    ),
                    at: Some(t),
                    figures,
                };
            }
            t += w;
        }
        Finding {
            figures,
            ..fail(format!(
                "did not recover within {} s of the spike's end: no {} s window had p95 ≤ {} ms \
                 (baseline {} ms) and errors ≤ {:.2} %",
                num(end - spike_end),
                num(w),
                num(p95_limit),
                num(base_p95),
                err_limit * 100.0
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Seconds;
    use super::*;

    /// Stages: calm 0–30, spike 30–40, hold 40–60, down 60–70, calm 70–120. After the spike
    /// p95 stays at 2 s for `slow_for` seconds from 70.
    fn run(slow_for: usize, errors_for: usize) -> (Seconds, Context) {
        let secs = (0..120)
            .map(|t| {
                let slow = (70..70 + slow_for).contains(&t) || (30..70).contains(&t);
                let failing = (70..70 + errors_for).contains(&t);
                (
                    20,
                    if failing { 10 } else { 0 },
                    if slow { 2000.0 } else { 100.0 },
                    20.0,
                )
            })
            .collect();
        let cx = Context {
            from: 0.0,
            to: 120.0,
            stages: vec![
                (0.0, 30.0),
                (30.0, 40.0),
                (40.0, 60.0),
                (60.0, 70.0),
                (70.0, 120.0),
            ],
            time_scale: 1.0,
            iteration_s: None,
        };
        (Seconds(secs), cx)
    }

    #[test]
    fn recovery_is_the_time_from_the_spikes_end_to_the_first_window_back_at_baseline() {
        let a = Recovery::new(1, 4);
        // (slow seconds after the spike, failing seconds, recovered after)
        for (slow, errors, expected) in
            [(0, 0, Some(0.0)), (15, 0, Some(20.0)), (0, 25, Some(30.0))]
        {
            let (source, cx) = run(slow, errors);
            let f = a.run(&source, &cx);
            assert_eq!(f.figures.get("recovery_s").copied(), expected, "{f:?}");
            assert!(f.passed, "{f:?}");
            assert_eq!(f.at, expected.map(|e| 70.0 + e));
        }
    }

    #[test]
    fn a_target_still_slow_at_the_limit_did_not_recover_and_fails() {
        let mut a = Recovery::new(1, 4);
        a.within = Duration::from_secs(30);
        let (source, cx) = run(35, 0);
        let f = a.run(&source, &cx);
        assert!(!f.passed);
        assert!(
            f.summary.starts_with("did not recover within 30 s"),
            "{f:?}"
        );
        // Given until the end of the run, it recovers 40 s after the spike.
        a.within = Duration::from_secs(600);
        assert_eq!(a.run(&source, &cx).figures["recovery_s"], 40.0);
    }

    #[test]
    fn a_missing_stage_or_an_empty_baseline_is_said_not_guessed() {
        let (source, cx) = run(0, 0);
        let f = Recovery::new(1, 9).run(&source, &cx);
        assert!(
            !f.passed && f.summary.contains("not both in the scenario"),
            "{f:?}"
        );
        let quiet = Seconds(vec![(0, 0, 0.0, 0.0); 120]);
        let f = Recovery::new(1, 4).run(&quiet, &cx);
        assert!(!f.passed && f.summary.starts_with("no baseline"), "{f:?}");
    }
}
