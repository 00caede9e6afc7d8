//! The soak suite against the embedded mock (or `BASE_URL`): `cargo test --features soak`.

use loadtests::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_suite_meets_its_thresholds_and_leaves_no_litter() {
    let run = loadtests::run(Suite::Soak)
        .await
        .expect("the suite's configuration is valid");
    assert!(
        run.report.count("iterations") > 0.0,
        "no iteration completed"
    );
    run.report.assert_thresholds();
    run.assert_no_litter();
}
