//! The spike suite against the embedded mock (or `BASE_URL`): `cargo test --features spike`.

use loadtests::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spike_suite_meets_its_thresholds_and_leaves_no_litter() {
    let run = loadtests::run(Suite::Spike)
        .await
        .expect("the suite's configuration is valid");
    assert!(
        run.report.count("iterations") > 0.0,
        "no iteration completed"
    );
    run.report.assert_thresholds();
    run.assert_no_litter();
}
