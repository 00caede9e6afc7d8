//! The breaking point (stress): the first window where p95 breaches its SLO or the error rate
//! exceeds its limit — with the VUs, request rate and stage at that moment — and the peak
//! request rate that kept both.

use std::time::Duration;

use super::{Context, Figures, Finding, FindingKind, WindowSource, num};

/// Where does the target break?
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BreakingPoint {
    /// The window at full length (scaled with the run; default 10 s).
    pub window: Duration,
    /// The p95 SLO, in ms.
    pub p95_ms: f64,
    /// The highest acceptable error rate (0..1).
    pub max_error_rate: f64,
    /// If set, breaking below this many VUs fails the run; otherwise the finding only informs.
    pub require_vus: Option<f64>,
}

impl BreakingPoint {
    pub fn new(p95_ms: f64, max_error_rate: f64) -> BreakingPoint {
        BreakingPoint {
            window: Duration::from_secs(10),
            p95_ms,
            max_error_rate,
            require_vus: None,
        }
    }

    pub(super) fn run(&self, source: &dyn WindowSource, cx: &Context) -> Finding {
        let w = cx.scaled(self.window);
        let mut peak: Option<f64> = None;
        let mut t = cx.from;
        let mut figures = Figures::new();
        figures.insert("window_s".into(), w);
        while t < cx.to {
            let s = source.stats(t, (t + w).min(cx.to));
            if s.requests > 0 {
                let slow = s.p95.is_some_and(|p| p > self.p95_ms);
                let failing = s.error_rate() > self.max_error_rate;
                if slow || failing {
                    let vus = s.vus.unwrap_or(0.0);
                    figures.insert("at_s".into(), t);
                    figures.insert("vus".into(), vus);
                    figures.insert("rate".into(), s.rate());
                    figures.insert("p95_ms".into(), s.p95.unwrap_or(0.0));
                    figures.insert("error_rate".into(), s.error_rate());
                    if let Some(stage) = cx.stage_at(t) {
                        figures.insert("stage".into(), stage as f64);
                    }
                    if let Some(p) = peak {
                        figures.insert("peak_rate".into(), p);
                    }
                    let stage = cx
                        .stage_at(t)
                        .map_or(String::new(), |n| format!(" (stage {n})"));
                    let why = if slow {
                        format!(
                            "p95 {} ms > {} ms",
                            num(s.p95.unwrap_or(0.0)),
                            num(self.p95_ms)
                        )
                    } else {
                        format!(
                            "error rate {:.2} % > {:.2} %",
                            s.error_rate() * 100.0,
                            self.max_error_rate * 100.0
                        )
                    };
                    let passed = self.require_vus.is_none_or(|need| vus >= need);
                    let demand = match self.require_vus {
                        Some(need) if !passed => format!("; it must hold {} VUs", num(need)),
                        _ => String::new(),
                    };
                    return Finding {
                        kind: FindingKind::BreakingPoint,
                        steps: Vec::new(),
                        passed,
                        summary: format!(
                            "broke at {} VUs{stage}, {} req/s, in the {} s window from {} s: {why}; \
                             peak rate within the SLOs {} req/s{demand}",
                            num(vus),
                            num(s.rate()),
                            num(w),
                            num(t),
                            peak.map_or("none".to_string(), num),
                        ),
                        at: Some(t),
                        figures,
                    };
                }
                peak = Some(peak.map_or(s.rate(), |p: f64| p.max(s.rate())));
            }
            t += w;
        }
        if let Some(p) = peak {
            figures.insert("peak_rate".into(), p);
        }
        Finding {
            kind: FindingKind::BreakingPoint,
            steps: Vec::new(),
            passed: true,
            summary: format!(
                "not reached: every {} s window kept p95 ≤ {} ms and errors ≤ {:.2} %; peak rate {} req/s",
                num(w),
                num(self.p95_ms),
                self.max_error_rate * 100.0,
                peak.map_or("none".to_string(), num)
            ),
            at: None,
            figures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Seconds;
    use super::*;

    fn cx(to: f64) -> Context {
        Context {
            from: 0.0,
            to,
            stages: vec![(0.0, 20.0), (20.0, 40.0), (40.0, 60.0)],
            time_scale: 1.0,
            iteration_s: None,
        }
    }

    /// 60 s ramping from 1 VU; `break_at` on, p95 is 2 s, or errors are half.
    fn run(break_at: Option<usize>, by_errors: bool) -> Seconds {
        Seconds(
            (0..60)
                .map(|t| {
                    let broken = break_at.is_some_and(|b| t >= b);
                    let failed = if broken && by_errors { 5 } else { 0 };
                    let p95 = if broken && !by_errors { 2000.0 } else { 100.0 };
                    (10 + t as u64, failed, p95, 1.0 + t as f64)
                })
                .collect(),
        )
    }

    #[test]
    fn the_breaking_point_is_the_first_window_past_an_slo_with_its_vus_rate_and_stage() {
        let a = BreakingPoint::new(1000.0, 0.05);
        // (break at second, by errors, expected window start, stage, vus)
        let cases = [
            (Some(25), false, Some(20.0), Some(2.0), Some(30.0)),
            (Some(25), true, Some(20.0), Some(2.0), Some(30.0)),
            (Some(0), false, Some(0.0), Some(1.0), Some(10.0)),
            (Some(59), false, Some(50.0), Some(3.0), Some(60.0)),
            (None, false, None, None, None),
        ];
        for (at, by_errors, start, stage, vus) in cases {
            let f = a.run(&run(at, by_errors), &cx(60.0));
            assert!(f.passed, "informative only: {f:?}");
            assert_eq!(f.at, start, "{f:?}");
            assert_eq!(f.figures.get("stage").copied(), stage, "{f:?}");
            assert_eq!(f.figures.get("vus").copied(), vus, "{f:?}");
            assert_eq!(f.summary.starts_with("not reached"), at.is_none(), "{f:?}");
        }
    }

    #[test]
    fn the_peak_rate_counts_only_windows_before_the_break() {
        let f = BreakingPoint::new(1000.0, 0.05).run(&run(Some(25), false), &cx(60.0));
        // Windows 0–10 and 10–20 held; the second sent 10+10..10+19 requests a second.
        assert_eq!(f.figures["peak_rate"], 24.5);
        let none = BreakingPoint::new(1000.0, 0.05).run(&run(None, false), &cx(60.0));
        assert_eq!(none.figures["peak_rate"], 64.5);
    }

    #[test]
    fn windows_scale_with_the_run_and_a_required_vu_count_can_fail_it() {
        let mut a = BreakingPoint::new(1000.0, 0.05);
        let scaled = Context {
            time_scale: 0.1,
            ..cx(60.0)
        };
        // A 10 s window at a tenth of the length is 1 s: the break is found to the second.
        assert_eq!(a.run(&run(Some(25), false), &scaled).at, Some(25.0));
        a.require_vus = Some(40.0);
        let f = a.run(&run(Some(25), false), &cx(60.0));
        assert!(
            !f.passed && f.summary.contains("it must hold 40 VUs"),
            "{f:?}"
        );
    }

    #[test]
    fn empty_windows_and_a_run_shorter_than_a_window_are_judged_on_what_they_hold() {
        let a = BreakingPoint::new(1000.0, 0.05);
        let quiet = Seconds(vec![(0, 0, 0.0, 0.0); 30]);
        let f = a.run(&quiet, &cx(30.0));
        assert!(f.passed && f.at.is_none() && !f.figures.contains_key("peak_rate"));
        let short = run(Some(2), false);
        assert_eq!(a.run(&short, &cx(4.0)).at, Some(0.0));
    }
}
