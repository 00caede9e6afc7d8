//! An executor cut to one instance's share ([`Segment`]): VU counts at every moment, iteration
//! totals and arrival-rate starts, so the segments of a split sum exactly to the whole.

use super::Executor;
use crate::segment::Segment;

impl Executor {
    /// This executor as the instance of `segment` runs it:
    /// - `constant-vus`, `ramping-vus`: the segment's share of the whole's VUs at each moment
    ///   (a ramp's every step, not a ramp of its own, so no moment's sum is off by rounding);
    /// - `per-vu-iterations`: a share of the VUs, each doing every iteration;
    /// - `shared-iterations`: a share of the iterations, and of the VUs (at least one VU when
    ///   it has an iteration to do, so concurrency may exceed the whole's by segments − 1);
    /// - arrival rates: the whole schedule's starts that the segment owns (their union is the
    ///   whole schedule, not N schedules at rate/N), with a share of the VUs (at least one);
    /// - `capacity-search`: refused — each step's verdict needs every instance's data at once.
    ///
    /// A share may be 0 (3 segments of 1 VU): that instance runs nothing in this scenario.
    pub fn segment(&self, segment: Segment) -> Result<Executor, String> {
        if segment.is_whole() {
            return Ok(self.clone());
        }
        let share = |n: u64| segment.share(n);
        // Arrival-rate and shared VUs are capacity, not load: a segment with work gets one.
        let capacity = |n: u64, busy: bool| share(n).max(u64::from(busy));
        Ok(match self {
            Executor::ConstantVus(e) => {
                let mut e = e.clone();
                e.vus = share(e.vus);
                e.into()
            }
            Executor::RampingVus(e) => {
                let mut e = e.clone();
                e.segment = segment;
                e.into()
            }
            Executor::PerVuIterations(e) => {
                let mut e = e.clone();
                e.vus = share(e.vus);
                e.into()
            }
            Executor::SharedIterations(e) => {
                let mut e = e.clone();
                e.iterations = share(e.iterations);
                e.vus = share(e.vus)
                    .max(u64::from(e.iterations > 0))
                    .min(e.iterations);
                e.into()
            }
            Executor::ConstantArrivalRate(e) => {
                let mut e = e.clone();
                e.segment = segment;
                let busy = e.as_ramping().segment_schedule().next().is_some();
                e.pre_allocated_vus = capacity(e.pre_allocated_vus, busy);
                e.max_vus = capacity(e.max_vus, busy).max(e.pre_allocated_vus);
                e.into()
            }
            Executor::RampingArrivalRate(e) => {
                let mut e = e.clone();
                e.segment = segment;
                let busy = e.segment_schedule().next().is_some();
                e.pre_allocated_vus = capacity(e.pre_allocated_vus, busy);
                e.max_vus = capacity(e.max_vus, busy).max(e.pre_allocated_vus);
                e.into()
            }
            Executor::CapacitySearch(_) => {
                return Err(
                    "a capacity search cannot run in segments: each step's verdict (p95 and \
                     errors at that rate) needs every instance's data at once, which no \
                     instance has; run it on one generator"
                        .into(),
                );
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::executor::{
        ConstantArrivalRate, ConstantVus, PerVuIterations, RampingArrivalRate, RampingVus,
        RateStage, SharedIterations, Stage,
    };

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn splits(n: u64) -> Vec<Vec<Segment>> {
        let stripes = (0..n).map(|i| Segment::stripe(i, n).unwrap()).collect();
        let ranges = (0..n)
            .map(|i| Segment::parse(&format!("{i}/{n}:{}/{n}", i + 1)).unwrap())
            .collect();
        vec![stripes, ranges]
    }

    /// VUs needed at `t` by a plan (its last step at or before `t`).
    fn vus_at(e: &Executor, t: Duration) -> u64 {
        e.plan()
            .iter()
            .take_while(|s| s.offset <= t)
            .last()
            .map_or(0, |s| s.vus)
    }

    fn executors() -> Vec<Executor> {
        vec![
            ConstantVus::new(7, secs(10)).into(),
            ConstantVus::new(1, secs(10)).into(),
            RampingVus::new(
                3,
                vec![
                    Stage::new(secs(10), 11),
                    Stage::new(secs(5), 11),
                    Stage::new(secs(7), 2),
                    Stage::new(secs(3), 0),
                ],
            )
            .into(),
            PerVuIterations::new(5, 3).into(),
            SharedIterations::new(4, 101).into(),
            ConstantArrivalRate::new(13, secs(10)).vus(5, 9).into(),
            RampingArrivalRate::new(
                2,
                vec![RateStage::new(secs(4), 17), RateStage::new(secs(3), 1)],
            )
            .vus(3, 7)
            .into(),
        ]
    }

    #[test]
    fn every_executor_splits_into_shares_that_sum_to_the_whole_for_one_to_seven_segments() {
        for whole in executors() {
            for n in 1..=7 {
                for split in splits(n) {
                    let parts: Vec<Executor> =
                        split.iter().map(|s| whole.segment(*s).unwrap()).collect();
                    let name = format!("{} in {n} ({})", whole.name(), split[0]);
                    match &whole {
                        Executor::ConstantVus(_)
                        | Executor::RampingVus(_)
                        | Executor::PerVuIterations(_) => {
                            // Every 100 ms of the plan, the VUs sum to the whole's.
                            for ms in (0..=26_000).step_by(100) {
                                let t = Duration::from_millis(ms);
                                let sum: u64 = parts.iter().map(|p| vus_at(p, t)).sum();
                                assert_eq!(sum, vus_at(&whole, t), "{name} at {t:?}");
                            }
                        }
                        Executor::SharedIterations(w) => {
                            let sum: u64 = parts
                                .iter()
                                .map(|p| match p {
                                    Executor::SharedIterations(p) => {
                                        assert!(p.vus > 0 || p.iterations == 0, "{name}");
                                        p.iterations
                                    }
                                    _ => unreachable!(),
                                })
                                .sum();
                            assert_eq!(sum, w.iterations, "{name}");
                        }
                        Executor::ConstantArrivalRate(_) | Executor::RampingArrivalRate(_) => {
                            let starts = |e: &Executor| -> Vec<Duration> {
                                match e {
                                    Executor::ConstantArrivalRate(e) => {
                                        e.as_ramping().segment_schedule().collect()
                                    }
                                    Executor::RampingArrivalRate(e) => {
                                        e.segment_schedule().collect()
                                    }
                                    _ => unreachable!(),
                                }
                            };
                            let mut union: Vec<Duration> = parts.iter().flat_map(starts).collect();
                            union.sort();
                            assert_eq!(union, starts(&whole), "{name}");
                        }
                        Executor::CapacitySearch(_) => unreachable!(),
                    }
                }
            }
        }
    }

    #[test]
    fn odd_vu_counts_split_as_evenly_as_whole_vus_allow() {
        let whole: Executor = ConstantVus::new(7, secs(1)).into();
        let shares: Vec<u64> = (0..3)
            .map(|i| {
                whole
                    .segment(Segment::stripe(i, 3).unwrap())
                    .unwrap()
                    .max_vus()
            })
            .collect();
        assert_eq!(shares, vec![3, 2, 2]);
    }

    #[test]
    fn a_capacity_search_is_refused_in_segments_with_the_reason() {
        let search: Executor = crate::executor::CapacitySearch::new(10, 10, 100, 200.0).into();
        let e = search.segment(Segment::stripe(0, 2).unwrap()).unwrap_err();
        assert!(e.contains("cannot run in segments"), "{e}");
        assert!(search.segment(Segment::WHOLE).is_ok());
    }
}
