//! The analyses end to end, against the mock's fault modes: a capacity limit is found as the
//! breaking point where the mock's model puts it, a stall past a spike's end is the recovery
//! time, and latency that grows with run time is reported as degradation and fails the run.

use std::net::SocketAddr;
use std::time::Duration;

use harness::analysis::{BreakingPoint, Degradation, Finding, FindingKind, Recovery};
use harness::executor::CapacitySearch;
use harness::prelude::*;
use mock_server::faults::{FaultPlan, Faults};
use mock_server::{KaizenMock, MockConfig, RunningMock};

fn mock(faults: &str) -> RunningMock {
    let config = MockConfig {
        faults: FaultPlan {
            global: Faults::parse_settings(faults).unwrap(),
            routes: Vec::new(),
        },
        ..MockConfig::default()
    };
    RunningMock::start(
        KaizenMock::new(config),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        2,
    )
    .unwrap()
}

/// `GET /health`, then `think` ms.
fn health(think: u64) -> impl Fn(&mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    move |vu| {
        Box::pin(async move {
            vu.get("/health").name("GET /health").send().await;
            if think > 0 {
                vu.sleep(millis(think)).await;
            }
            Ok(())
        })
    }
}

async fn finding(test: Test, mock: &RunningMock) -> (Finding, Report) {
    let report = test
        .base_url(mock.url())
        .time_scale(1.0)
        .run()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.invalid, None, "the generator kept up");
    (report.analyses[0].clone(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_limit_is_found_as_the_breaking_point_within_one_window_of_the_model() {
    // Every request takes 20 ms, plus 50 ms for each one in flight beyond 20. VUs without
    // think time keep one request each in flight: 21 VUs see 70 ms, 22 see 120 ms, so p95
    // passes 95 ms from 22 VUs on. (25 ms either side of the SLO: more than a loaded machine
    // adds.)
    let m = mock("latency:20ms;capacity:20:50ms");
    let ramp = 12.0;
    let window = 1.0;
    let test = Test::new("capacity")
        .scenario(Scenario::new(
            "ramp",
            RampingVus::new(1, vec![Stage::new(Duration::from_secs_f64(ramp), 40)]),
            health(0),
        ))
        .analysis(BreakingPoint {
            window: Duration::from_secs_f64(window),
            ..BreakingPoint::new(95.0, 0.05)
        });
    let (f, report) = finding(test, &m).await;
    // When the executor's own plan reaches 22 VUs.
    let s = &report.scenarios[0];
    let step = s.plan.iter().find(|(_, v)| *v >= 22).unwrap();
    let predicted = s.start.as_secs_f64() + step.0;
    let at = f.at.unwrap_or_else(|| panic!("no breaking point: {f:?}"));
    assert!(
        (at - predicted).abs() <= window,
        "broke at {at:.1} s, the model says {predicted:.1} s: {f:?}"
    );
    let at_vus = f.figures["vus"];
    assert!((20.0..=26.0).contains(&at_vus), "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_past_the_end_of_a_spike_is_the_recovery_time() {
    // The mock freezes for the last 4 s of every 11 s: from 7 s to 11 s of its clock. The
    // spike ends at 9 s, so about 2 s of the freeze are left, and the requests it held all
    // answer when it ends, in the window after.
    let m = mock("stall:4s/11s");
    let stages = vec![
        Stage::new(secs(4), 5),
        Stage::new(secs(1), 20),
        Stage::new(secs(3), 20),
        Stage::new(secs(1), 5),
        Stage::new(secs(7), 5),
    ];
    let test = Test::new("stalled spike")
        .scenario(Scenario::new(
            "spike",
            RampingVus::new(1, stages),
            health(50),
        ))
        .analysis(Recovery {
            window: secs(1),
            within: secs(7),
            ..Recovery::new(1, 4)
        });
    let (f, report) = finding(test, &m).await;
    assert!(f.passed, "{f:?}");
    let spike_end = report.scenarios[0].start.as_secs_f64() + 9.0;
    let left = 11.0 - spike_end;
    let took = f.figures["recovery_s"];
    assert!(
        took >= left - 0.5 && took <= left + 1.5,
        "recovered after {took} s; the stall had {left:.1} s left: {f:?}"
    );
    // Without the stall, the same spike recovers at once.
    let calm = mock("");
    let test = Test::new("calm spike")
        .scenario(Scenario::new(
            "spike",
            RampingVus::new(
                1,
                vec![
                    Stage::new(secs(4), 5),
                    Stage::new(secs(1), 20),
                    Stage::new(secs(3), 20),
                    Stage::new(secs(1), 5),
                    Stage::new(secs(3), 5),
                ],
            ),
            health(50),
        ))
        .analysis(Recovery {
            window: secs(1),
            within: secs(3),
            ..Recovery::new(1, 4)
        });
    let (f, _) = finding(test, &calm).await;
    assert_eq!(f.figures["recovery_s"], 0.0, "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_that_grows_with_run_time_is_reported_as_degradation_and_fails_the_run() {
    let plateau = |think| {
        Scenario::new(
            "soak",
            RampingVus::new(
                1,
                vec![
                    Stage::new(secs(1), 5),
                    Stage::new(secs(10), 5),
                    Stage::new(secs(1), 0),
                ],
            ),
            health(think),
        )
    };
    let analysis = Degradation {
        window: secs(3),
        ..Degradation::new(2)
    };
    // 600 ms more per minute: 10 ms more each second.
    let m = mock("degrade:600ms/min");
    let test = Test::new("degrading soak")
        .scenario(plateau(20))
        .analysis(analysis.clone());
    let (f, report) = finding(test, &m).await;
    assert!(!f.passed, "{f:?}");
    assert!(f.summary.starts_with("degraded: p95 grew"), "{f:?}");
    assert!(f.figures["p95_ratio"] > 1.5, "{f:?}");
    assert!(!report.passed(), "a failed analysis fails the run");
    // The same plateau on a steady mock does not degrade.
    let steady = mock("latency:20ms");
    let test = Test::new("steady soak")
        .scenario(plateau(20))
        .analysis(analysis);
    let (f, report) = finding(test, &steady).await;
    assert!(f.passed, "{f:?}");
    assert!(report.passed(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_search_finds_the_rate_the_mocks_capacity_model_predicts_within_ten_percent() {
    // 20 ms a request, and beyond 50 requests in flight each one more adds 2 ms to all: once
    // rate × time per request passes 50 (2,500/s at exactly 20 ms), the queue runs away.
    // Below, nothing queues.
    let m = mock("latency:20ms;capacity:50:2ms");
    let search = CapacitySearch {
        step_duration: secs(2),
        cooldown: secs(30),
        pre_allocated_vus: 80,
        max_vus: 1_500,
        ..CapacitySearch::new(500, 500, 4_000, 100.0)
    };
    let report = Test::new("capacity search")
        .base_url(m.url())
        .time_scale(1.0)
        // A step that breaks drops starts on purpose: that is the target's doing.
        .validity(harness::run::Validity {
            max_dropped_fraction: 1.0,
            max_scheduling_lag_p99: Duration::from_secs(3600),
            ..harness::run::Validity::default()
        })
        .scenario(Scenario::new("search", search, health(0)))
        .run()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let f = report
        .analyses
        .iter()
        .find(|f| f.kind == FindingKind::Capacity)
        .expect("a capacity finding");
    eprintln!("{}", f.summary);
    for s in &f.steps {
        eprintln!("  {s:?}");
    }
    // The model's rate, from the time a request takes unloaded (the first step: 20 ms plus
    // the machine's own overhead).
    let unloaded_s = f.steps[0].p95_ms / 1000.0;
    let predicted = 50.0 / unloaded_s;
    let found = f.figures["capacity_rate"];
    assert!(
        (found - predicted).abs() <= 0.1 * predicted,
        "found {found}/s, the model says {predicted}/s: {f:#?}"
    );
    assert!(
        f.steps.len() >= 5 && f.steps.iter().any(|s| !s.passed),
        "{f:#?}"
    );
    assert!(f.passed, "{f:#?}");
}

#[cfg(feature = "soak")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soak_suite_reports_a_target_that_slows_over_time_as_degraded_and_fails() {
    use loadtests::{RunOptions, Suite};
    let config = MockConfig {
        faults: FaultPlan {
            global: Faults::parse_settings("degrade:600ms/min").unwrap(),
            routes: Vec::new(),
        },
        ..MockConfig::default()
    };
    let run = loadtests::run_with(
        Suite::Soak,
        RunOptions {
            mock: Some(config),
            time_scale: Some(0.01),
            ..RunOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let f = &run.report.analyses[0];
    assert_eq!(f.kind, FindingKind::Degradation);
    assert!(!f.passed, "{f:?}");
    assert!(f.summary.starts_with("degraded: p95 grew"), "{f:?}");
    assert!(!run.report.passed());
}
