//! Ctrl-C and SIGTERM: the run stops gracefully, teardown runs, the summary prints, and the
//! process exits non-zero. Drives the `interrupt_demo` example, which `cargo test` builds.

#![cfg(unix)]

use std::io::Read;
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

fn interrupt_with(signal: &str) {
    let started = Instant::now();
    let mut child = Command::new(demo())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example is built by cargo test");
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a 60 s run must stop soon after {signal}"
    );
    assert_eq!(
        status.code(),
        Some(130),
        "exit status after {signal}\n{out}"
    );
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
    let started = Instant::now();
    let mut child = Command::new(demo())
        .env("INTERRUPT_DEMO_SLOW_TEARDOWN", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example is built by cargo test");
    std::thread::sleep(Duration::from_millis(1500));
    let kill = |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        )
    };
    kill("-INT");
    // Teardown starts once the VUs' iterations end (50 ms think time): give it a moment.
    std::thread::sleep(Duration::from_millis(1000));
    kill("-INT");
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a 30 s teardown must be cut by the second signal: {out}"
    );
    assert_eq!(status.code(), Some(130), "{out}");
    assert!(out.contains("teardown ran"), "{out}");
    assert!(!out.contains("slow teardown finished"), "{out}");
    assert!(out.contains("teardown was cut short"), "{out}");
    assert!(out.contains("http_reqs"), "the summary prints: {out}");
}
