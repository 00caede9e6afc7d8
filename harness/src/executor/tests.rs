//! Executor plans as tables, in the spirit of k6's `ramping_vus_test.go`.

use std::time::Duration;

use rstest::rstest;

use super::*;

fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

#[rstest]
#[case::constant_vus(ConstantVus::new(5, s(30)).into(), vec![step(0, 5), step(30_000, 0)])]
#[case::per_vu_iterations(PerVuIterations::new(3, 10).max_duration(s(5)).into(), vec![step(0, 3), step(5_000, 0)])]
#[case::shared_iterations(SharedIterations::new(2, 100).max_duration(s(7)).into(), vec![step(0, 2), step(7_000, 0)])]
#[case::ramp_up_one_vu_per_second(
    RampingVus::new(0, vec![Stage::new(s(4), 4)]).into(),
    vec![step(0, 1), step(1_000, 2), step(2_000, 3), step(3_000, 4), step(4_000, 0)]
)]
#[case::ramp_up_hold_down(
    RampingVus::new(1, vec![Stage::new(s(2), 3), Stage::new(s(2), 3), Stage::new(s(2), 1)]).into(),
    vec![step(0, 2), step(1_000, 3), step(5_000, 2), step(6_000, 0)]
)]
#[case::instant_jump(
    RampingVus::new(0, vec![Stage::new(Duration::ZERO, 10), Stage::new(s(3), 10)]).into(),
    vec![step(0, 10), step(3_000, 0)]
)]
#[case::ramp_down_to_zero(
    RampingVus::new(2, vec![Stage::new(s(2), 0)]).into(),
    vec![step(0, 2), step(1_000, 1), step(2_000, 0)]
)]
#[case::constant_arrival_rate(ConstantArrivalRate::new(50, s(2)).vus(5, 20).into(), vec![step(0, 20), step(2_000, 0)])]
#[case::ramping_arrival_rate(
    RampingArrivalRate::new(0, vec![RateStage::new(s(10), 100)]).vus(10, 50).into(),
    vec![step(0, 50), step(10_000, 0)]
)]
fn executor_plans_match_the_table(#[case] executor: Executor, #[case] want: Vec<PlanStep>) {
    assert_eq!(executor.plan(), want);
}

#[test]
fn ramp_up_plan_reaches_its_target_within_the_stage() {
    let plan = RampingVus::new(0, vec![Stage::new(s(10), 100)]).plan();
    let peak = plan.iter().find(|p| p.vus == 100).unwrap();
    assert_eq!(peak.offset, Duration::from_millis(9_900));
    assert_eq!(plan.len(), 101); // 1..=100, then the drop to 0 at 10 s
    assert_eq!(
        RampingVus::new(0, vec![Stage::new(s(10), 100)])
            .plan()
            .iter()
            .map(|p| p.vus)
            .max(),
        Some(100)
    );
    assert!(plan.windows(2).all(|w| w[0].offset <= w[1].offset));
}

#[rstest]
#[case::constant_50_per_second_for_2s(50, vec![RateStage::new(s(2), 50)], 100, &[0, 20, 40, 60])]
#[case::per_minute_unit(0, vec![], 0, &[])]
#[case::ramp_0_to_10_over_10s(0, vec![RateStage::new(s(10), 10)], 50, &[0, 1414, 2000, 2449])]
#[case::ramp_then_hold(10, vec![RateStage::new(s(1), 10), RateStage::new(s(1), 20)], 25, &[0, 100, 200, 300])]
fn arrival_schedules_start_iterations_where_the_rate_integral_reaches_each_count(
    #[case] start: u64,
    #[case] stages: Vec<RateStage>,
    #[case] total: u64,
    #[case] first_ms: &[u64],
) {
    let sched = ArrivalSchedule::new(start, s(1), &stages);
    assert_eq!(sched.total(), total);
    let offsets: Vec<Duration> = sched.collect();
    assert_eq!(offsets.len() as u64, total);
    let got: Vec<u64> = offsets
        .iter()
        .take(first_ms.len())
        .map(|d| d.as_millis() as u64)
        .collect();
    assert_eq!(got, first_ms);
    assert!(
        offsets.windows(2).all(|w| w[0] <= w[1]),
        "offsets must not go back in time"
    );
}

#[test]
fn arrival_schedule_honours_the_time_unit() {
    let per_minute = ConstantArrivalRate::new(120, s(60))
        .time_unit(s(60))
        .schedule();
    let offsets: Vec<Duration> = per_minute.collect();
    assert_eq!(offsets.len(), 120);
    assert_eq!(offsets[1], Duration::from_millis(500));
}

#[rstest]
#[case::zero_vus(ConstantVus::new(0, s(1)).into(), "at least 1 VU")]
#[case::zero_duration(ConstantVus::new(1, Duration::ZERO).into(), "duration above 0")]
#[case::no_stages(RampingVus::new(1, vec![]).into(), "at least one stage")]
#[case::fewer_iterations_than_vus(SharedIterations::new(5, 2).into(), "at least the VUs")]
#[case::max_below_preallocated(ConstantArrivalRate::new(10, s(1)).vus(5, 2).into(), "below pre-allocated")]
#[case::zero_rate(ConstantArrivalRate::new(0, s(1)).into(), "rate above 0")]
fn invalid_executor_options_are_reported(#[case] executor: Executor, #[case] fragment: &str) {
    let errors = executor.validate();
    assert!(
        errors.iter().any(|e| e.contains(fragment)),
        "{errors:?} lacks {fragment:?}"
    );
}

#[test]
fn scaling_multiplies_the_schedule_but_not_the_grace_an_iteration_gets() {
    let e: Executor = RampingVus::new(0, vec![Stage::new(s(30), 10), Stage::new(s(60), 50)])
        .graceful_ramp_down(s(20))
        .into();
    let Executor::RampingVus(scaled) = e.scaled(0.05) else {
        unreachable!()
    };
    assert_eq!(scaled.stages[0].duration, Duration::from_millis(1500));
    assert_eq!(scaled.stages[1].duration, s(3));
    assert_eq!(
        scaled.graceful_ramp_down,
        s(20),
        "think times are not scaled, nor is this"
    );
    assert_eq!(e.scaled(0.05).duration(), Duration::from_millis(4500));
}
