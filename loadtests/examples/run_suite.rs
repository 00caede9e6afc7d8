//! Runs one suite as a program, for a terminal or a CI step that is not `cargo test`:
//! `cargo run -p loadtests --example run_suite --features smoke -- smoke`. The settings are the
//! suites' (`LOADTEST_ENV`, `BASE_URL`, `LOADTEST_TIME_SCALE`, `LOADTEST_REPORT_DIR`, ...); the
//! exit status is 0 when the run passed, 1 when it failed, 2 on bad input, 130 after Ctrl-C.

use std::process::ExitCode;

use loadtests::Suite;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(suite) = Suite::ALL.into_iter().find(|s| s.name() == name) else {
        let names: Vec<_> = Suite::ALL.iter().map(|s| s.name()).collect();
        eprintln!("usage: run_suite <{}>", names.join("|"));
        return ExitCode::from(2);
    };
    match loadtests::run(suite).await {
        Ok(run) if run.report.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
