//! The soak suite against the embedded mock (or `BASE_URL`): `cargo test --features soak`.

use loadtests::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_suite_meets_its_thresholds_and_leaves_no_litter() {
    loadtests::check(loadtests::run(Suite::Soak).await);
}
