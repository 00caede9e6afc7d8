//! The auth suite against the embedded mock (or `BASE_URL`): `cargo test --features auth`.

use loadtests::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_suite_meets_its_thresholds_and_leaves_no_litter() {
    loadtests::check(loadtests::run(Suite::Auth).await);
}
