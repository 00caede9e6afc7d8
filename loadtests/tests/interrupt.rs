//! Ctrl-C never loses a result: the suite stops gracefully, teardown runs, the JSON report is
//! run folder is written (saying it was interrupted), and only then does the process exit with 130.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn example() -> std::path::PathBuf {
    // target/<profile>/deps/interrupt-HASH → target/<profile>/examples/run_suite
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("run_suite")
}

#[test]
fn ctrl_c_during_smoke_writes_the_report_then_exits_130() {
    let dir = std::env::temp_dir().join(format!("interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let child = Command::new(example())
        .arg("smoke")
        .env("LOADTEST_TIME_SCALE", "1")
        .env("LOADTEST_PROGRESS", "0")
        .env("LOADTEST_ENV", "mock")
        .env_remove("BASE_URL")
        .env("LOADTEST_REPORT_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cargo test builds the example");
    std::thread::sleep(Duration::from_secs(3));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "a 30 s smoke must stop soon after Ctrl-C"
    );
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("INTERRUPTED by SIGINT"), "{stdout}");
    let folder = dir.join("smoke");
    let json =
        std::fs::read_to_string(folder.join("summary.json")).expect("the report was written");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["aborted"]["kind"], "signal");
    assert_eq!(report["passed"], false);
    assert!(
        report["metrics"]["http_reqs"]["values"]["count"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // Every file of the folder, the streamed time series renamed to its final name.
    for file in [
        "report.html",
        "junit.xml",
        "summary.md",
        "timeseries.ndjson",
    ] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_heavy_suite_against_production_is_refused_before_any_load_on_the_plain_path() {
    // Nothing listens on port 1: a run that got past the guard would fail differently.
    let out = Command::new(example())
        .arg("stress")
        .env("LOADTEST_ENV", "production")
        .env("BASE_URL", "http://127.0.0.1:1")
        .env_remove("LOADTEST_ALLOW_PRODUCTION")
        .env(
            "LOADTEST_REPORT_DIR",
            std::env::temp_dir().join(format!("guard-{}", std::process::id())),
        )
        .output()
        .expect("cargo test builds the example");
    let _ =
        std::fs::remove_dir_all(std::env::temp_dir().join(format!("guard-{}", std::process::id())));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(104), "k6's InvalidConfig: {stderr}");
    assert!(stderr.starts_with("ended in config: "), "{stderr}");
    assert!(
        stderr.contains("puts production under heavy load"),
        "{stderr}"
    );
    assert!(stderr.contains("LOADTEST_ALLOW_PRODUCTION=1"), "{stderr}");
}
