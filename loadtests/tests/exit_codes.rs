//! The `loadtest` runner's exit codes, k6's, each from a real run of the binary that `cargo
//! test` builds: 0 passed, 99 a threshold failed, 104 a configuration refused before any load,
//! 130 after Ctrl-C — which never loses a result: the suite stops gracefully, teardown runs, the
//! run folder is written (saying it was interrupted), and only then does the process exit.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn loadtest() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loadtest"));
    cmd.env("LOADTEST_PROGRESS", "0")
        .env_remove("BASE_URL")
        .env_remove("LOADTEST_ENV")
        .env_remove("LOADTEST_CONFIG")
        .env_remove("LOADTEST_SEGMENT")
        .env_remove("LOADTEST_SEGMENTS")
        .env_remove("LOADTEST_START_AT")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("exit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn passed(folder: &std::path::Path) -> serde_json::Value {
    let json = std::fs::read_to_string(folder.join("summary.json")).expect("the report");
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    summary["passed"].clone()
}

#[test]
fn a_passing_smoke_run_exits_0_with_its_reports_written() {
    let dir = scratch("pass");
    let out = loadtest()
        .args([
            "run",
            "smoke",
            "--env",
            "mock",
            "--time-scale",
            "0.05",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(passed(&dir.join("smoke")), true);
    assert!(stdout.contains(&format!("reports: {}", dir.join("smoke").display())));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_threshold_exits_99_after_the_whole_run() {
    let dir = scratch("threshold");
    // The built-in config with smoke held to a p(95) of one microsecond: no server meets it.
    let config = include_str!("../environments.toml").replace(
        "http_req_duration = [\"p(95)<500\", \"p(99)<1000\"]",
        "http_req_duration = [\"p(95)<0.001\", \"p(99)<1000\"]",
    );
    assert!(config.contains("p(95)<0.001"), "smoke's thresholds moved");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("strict.toml");
    std::fs::write(&path, config).unwrap();
    let out = loadtest()
        .args(["run", "smoke", "--time-scale", "0.05", "--out"])
        .arg(&dir)
        .env("LOADTEST_CONFIG", &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(99), "{stdout}");
    assert_eq!(passed(&dir.join("smoke")), false);
    assert!(stdout.contains("p(95)<0.001"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_configuration_exits_104_naming_every_problem_before_any_load() {
    let dir = scratch("config");
    let out = loadtest()
        .args([
            "run",
            "smoke",
            "--env",
            "mock",
            "--time-scale",
            "0",
            "--out",
        ])
        .arg(&dir)
        .args(["--segment", "3/3"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(104), "{stderr}");
    assert!(stderr.starts_with("ended in config: "), "{stderr}");
    assert!(stderr.contains("LOADTEST_TIME_SCALE=\"0\""), "{stderr}");
    assert!(stderr.contains("LOADTEST_SEGMENT: "), "{stderr}");
    assert_eq!(
        passed(&dir.join("smoke")),
        false,
        "a refusal leaves its report"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_argument_exits_2_before_anything_else() {
    let out = loadtest().args(["run", "smok"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown suite \"smok\": one of smoke, auth"),
        "{stderr}"
    );
    let out = loadtest().args(["run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn list_names_every_suite_with_its_peak_vus() {
    let out = loadtest().arg("list").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for suite in loadtests::Suite::ALL {
        assert!(stdout.contains(suite.name()), "{stdout}");
    }
    assert!(stdout.contains("spike          1000"), "{stdout}");
}

#[test]
fn ctrl_c_during_smoke_writes_the_report_then_exits_130() {
    let dir = std::env::temp_dir().join(format!("interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let child = loadtest()
        .args(["run", "smoke"])
        .env("LOADTEST_TIME_SCALE", "1")
        .env("LOADTEST_ENV", "mock")
        .env("LOADTEST_REPORT_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cargo test builds the runner");
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
    let out = loadtest()
        .args(["run", "stress"])
        .env("LOADTEST_ENV", "production")
        .env("BASE_URL", "http://127.0.0.1:1")
        .env_remove("LOADTEST_ALLOW_PRODUCTION")
        .env(
            "LOADTEST_REPORT_DIR",
            std::env::temp_dir().join(format!("guard-{}", std::process::id())),
        )
        .output()
        .expect("cargo test builds the runner");
    let _ =
        std::fs::remove_dir_all(std::env::temp_dir().join(format!("guard-{}", std::process::id())));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(104), "k6's InvalidConfig: {stderr}");
    assert!(stderr.starts_with("ended in config: "), "{stderr}");
    assert!(
        stderr.contains("would put production under heavy load"),
        "{stderr}"
    );
    assert!(stderr.contains("LOADTEST_ALLOW_PRODUCTION=1"), "{stderr}");
}
