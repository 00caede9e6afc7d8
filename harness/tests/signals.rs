//! Ctrl-C and SIGTERM: the run stops gracefully, teardown runs, the summary prints, and the
//! process exits non-zero. Drives the `interrupt_demo` example, which `cargo test` builds.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn demo() -> std::path::PathBuf {
    // target/<profile>/deps/signals-HASH → target/<profile>/examples/interrupt_demo
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("interrupt_demo")
}

/// Starts the demo (with `slow_teardown`), sends each signal after its pause, and returns the
/// exit status, stdout and how long it all took.
fn interrupt(slow_teardown: bool, signals: &[(&str, u64)]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut cmd = Command::new(demo());
    if slow_teardown {
        cmd.env("INTERRUPT_DEMO_SLOW_TEARDOWN", "1");
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example is built by cargo test");
    for (signal, after_ms) in signals {
        std::thread::sleep(Duration::from_millis(*after_ms));
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), stdout, started.elapsed())
}

fn interrupt_with(signal: &str) {
    let (status, out, took) = interrupt(false, &[(signal, 1500)]);
    assert!(
        took < Duration::from_secs(20),
        "a 60 s run must stop soon after {signal}"
    );
    assert_eq!(status, Some(130), "exit status after {signal}\n{out}");
    assert!(out.contains("teardown ran"), "{out}");
    assert!(
        out.contains(&format!("INTERRUPTED by SIG{signal}")),
        "{out}"
    );
    assert!(out.contains("http_reqs"), "the summary prints: {out}");
    assert!(!out.contains("finished:"), "{out}");
}

#[test]
fn ctrl_c_stops_gracefully_runs_teardown_prints_the_summary_and_exits_130() {
    interrupt_with("INT");
}

#[test]
fn sigterm_does_the_same() {
    interrupt_with("TERM");
}

#[test]
fn a_second_signal_cuts_a_slow_teardown_short_and_still_prints_the_summary() {
    // Teardown starts once the VUs' iterations end (50 ms think time): the second signal comes
    // a second after the first.
    let (status, out, took) = interrupt(true, &[("INT", 1500), ("INT", 1000)]);
    assert!(
        took < Duration::from_secs(15),
        "a 30 s teardown must be cut by the second signal: {out}"
    );
    assert_eq!(status, Some(130), "{out}");
    assert!(out.contains("teardown ran"), "{out}");
    assert!(!out.contains("slow teardown finished"), "{out}");
    assert!(out.contains("teardown was cut short"), "{out}");
    assert!(out.contains("http_reqs"), "the summary prints: {out}");
}
