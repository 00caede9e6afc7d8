//! Runs one suite as a program, for a terminal or a CI step that is not `cargo test`:
//! `cargo run -p loadtests --example run_suite --features smoke -- smoke`. The settings are the
//! suites' (`LOADTEST_ENV`, `BASE_URL`, `LOADTEST_TIME_SCALE`, `LOADTEST_REPORT_DIR`, ...); the
//! exit status is k6's, from the report ([`harness::Report::exit_code`]): 0 passed, 99 failed,
//! 104 configuration refused, 105 stopped by an `abort_on_fail` threshold, 107 target
//! unreachable, setup failed or a scenario panicked, 130 after Ctrl-C; 2 on a bad argument or
//! when the reports could not be written.

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
        Ok(run) => {
            if let Some(end) = &run.report.ended_early {
                eprintln!("{end}");
            }
            let code = run.report.exit_code();
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
