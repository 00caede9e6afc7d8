//! The capacity suite against the embedded mock (or `BASE_URL`): `cargo test --features capacity`.

use loadtests::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_suite_finds_a_rate_within_the_slo_and_leaves_no_litter() {
    let run = loadtests::check(loadtests::run(Suite::Capacity).await);
    let found = run
        .report
        .analyses
        .iter()
        .find(|f| f.kind == harness::analysis::FindingKind::Capacity)
        .expect("the search reports what it found");
    assert!(found.passed, "{}", found.summary);
    assert!(found.figures["capacity_rate"] >= 50.0, "{}", found.summary);
}
