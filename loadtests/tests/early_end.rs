//! Every run leaves its report, also one that ends before any load: a refused configuration, an
//! unreachable target, a setup that gets 500s or never gets an answer, Ctrl-C during setup, a
//! scenario that panics. Each leaves the five files; `summary.json` validates against the
//! published schema and says `passed: false`, the phase and the sentence; `junit.xml` has one
//! failing case, carrying the sentence; `summary.md` and `report.html` lead with it; and no
//! secret the server echoed reaches any file. Every server here listens on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use harness::prelude::*;
use harness::report::RunInfo;
use loadtests::{RunOptions, Suite};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const FILES: [&str; 5] = [
    "junit.xml",
    "report.html",
    "summary.json",
    "summary.md",
    "timeseries.ndjson",
];
/// The tokens the server hands out: neither may reach a report file.
const ACCESS: &str = "acc-7f3e9b2d41c8";
const REFRESH: &str = "ref-0c5a61e9d7b4";

/// A folder of its own under the temporary directory, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("early-end-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options(dir: &Path) -> RunOptions {
    RunOptions {
        time_scale: Some(0.05),
        report_dir: Some(dir.to_path_buf()),
        ..RunOptions::default()
    }
}

/// Checks what every early end must leave in `folder`, and returns `summary.json`.
#[track_caller]
fn assert_reports(folder: &Path, phase: &str, secrets: &[&str]) -> Value {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, FILES, "every file, whole, and nothing else");
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap();

    let summary: Value = serde_json::from_str(&read("summary.json")).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/summary.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&summary)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(summary["schema_version"], 3);
    assert_eq!(summary["passed"], false);
    assert_eq!(summary["ended_early"]["phase"], phase);
    let reason = summary["ended_early"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!reason.is_empty());

    let junit = read("junit.xml");
    let doc = roxmltree::Document::parse(&junit).expect("junit.xml parses");
    let failing: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.children().find(|c| c.has_tag_name("failure")))
        .collect();
    assert_eq!(failing.len(), 1, "one failing case: {junit}");
    let message = failing[0].attribute("message").unwrap();
    assert!(
        message.starts_with(&format!("ended in {phase}: {reason}")),
        "{message}"
    );

    let md = read("summary.md");
    let lines: Vec<&str> = md.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("## ❌ FAILED — "), "{md}");
    assert!(
        lines[1].starts_with(&format!("**Ended in {phase}**: ")),
        "the sentence leads: {md}"
    );
    let words = reason.split(' ').take(4).collect::<Vec<_>>().join(" ");
    assert!(lines[1].contains(&words), "{md}");

    let html = read("report.html");
    let ended = html
        .find(&format!("<p id=\"ended-early\"><b>Ended in {phase}:</b> "))
        .unwrap_or_else(|| panic!("{html}"));
    let verdict = html.find("id=\"verdict\"").unwrap();
    let thresholds = html.find("<h2>Thresholds</h2>").unwrap();
    assert!(verdict < ended && ended < thresholds, "the sentence leads");

    for name in FILES {
        let text = read(name);
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in {name}:\n{text}");
        }
    }
    summary
}

fn requests(summary: &Value) -> f64 {
    summary["metrics"]["http_reqs"]["values"]["count"]
        .as_f64()
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_url_leaves_every_report_file_saying_the_configuration_was_refused() {
    let dir = scratch("placeholder");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some("https://staging.kaizen.invalid".into()),
            ..options(&dir)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let summary = assert_reports(&dir.join("smoke"), "config", &[]);
    let reason = summary["ended_early"]["reason"].as_str().unwrap();
    assert!(reason.contains("placeholder URL"), "{reason}");
    assert_eq!(run.report.exit_code(), 104);
    assert_eq!(requests(&summary), 0.0);
    assert_eq!(summary["run"]["time_scale"], 0.05);
    let series = std::fs::read(dir.join("smoke/timeseries.ndjson")).unwrap();
    assert!(series.is_empty(), "no second was measured");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_scale_the_harness_refuses_leaves_every_report_file_saying_why() {
    let dir = scratch("time-scale");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            time_scale: Some(-2.0),
            ..options(&dir)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let summary = assert_reports(&dir.join("smoke"), "config", &[]);
    let reason = summary["ended_early"]["reason"].as_str().unwrap();
    assert!(reason.contains("-2"), "the input is quoted: {reason}");
    assert_eq!(run.report.exit_code(), 104);
    assert!(run.mock.is_none(), "nothing ran");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_leaves_every_report_file_saying_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch("unreachable");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some(format!("http://127.0.0.1:{port}")),
            ..options(&dir)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let summary = assert_reports(&dir.join("smoke"), "preflight", &[]);
    let reason = summary["ended_early"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "target unreachable: GET http://127.0.0.1:{port}/health"
        )),
        "{reason}"
    );
    assert_eq!(summary["run"]["target"], format!("http://127.0.0.1:{port}"));
    assert_eq!(requests(&summary), 0.0, "no load was sent");
    assert_eq!(run.report.exit_code(), 107);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Answers anything with a 500 that echoes the caller's bearer token, as a careless server's
/// error page does.
struct EchoAuthorization;

impl Respond for EchoAuthorization {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        ResponseTemplate::new(500).set_body_json(json!({
            "detail": "internal error",
            "echo": format!("request had {auth}")
        }))
    }
}

/// A server that answers `/health`, register and login like Kaizen Studio, and `rest` for
/// everything else.
async fn kaizen_until_setup(rest: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    let user = json!({
        "id": "u-1", "email": "lt@example.com", "name": "LT", "organization_id": "org-1"
    });
    let tokens = json!({
        "access_token": ACCESS, "refresh_token": REFRESH, "token_type": "bearer", "expires_in": 900
    });
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/auth/register"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"user": user, "tokens": tokens})),
        )
        .mount(&server)
        .await;
    let mut logged_in = tokens.clone();
    logged_in["user"] = user;
    Mock::given(method("POST"))
        .and(path("/api/v1/auth/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(logged_in))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(rest)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_that_gets_500s_leaves_every_report_file_with_its_requests_and_no_token() {
    let server = kaizen_until_setup(EchoAuthorization).await;
    let dir = scratch("setup-500");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some(server.uri()),
            ..options(&dir)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let summary = assert_reports(&dir.join("smoke"), "setup", &[ACCESS, REFRESH]);
    let reason = summary["ended_early"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "setup failed: setup: creating the workspace of test user 1: failed 3 times \
             (retried after 1 s, then 2 s): POST /api/v1/workspaces"
        ),
        "{reason}"
    );
    assert!(reason.contains("500"), "{reason}");
    assert!(
        reason.contains("[redacted]"),
        "the echo is shown, redacted: {reason}"
    );
    // Setup's requests are the run's metrics: one registration, three tries at the workspace.
    assert_eq!(requests(&summary), 4.0);
    assert_eq!(run.report.count("http_reqs{status:500}"), 3.0);
    assert!(
        summary["thresholds"].as_array().unwrap().is_empty(),
        "no load, no threshold judged"
    );
    assert_eq!(run.report.exit_code(), 107);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_that_never_gets_an_answer_times_out_and_leaves_every_report_file() {
    // It answers its health check, and never anything else.
    let hanging = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hanging)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(600)))
        .mount(&hanging)
        .await;
    let dir = scratch("setup-timeout");
    let started = Instant::now();
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some(hanging.uri()),
            setup_timeout: Some(Duration::from_millis(1500)),
            ..options(&dir)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "setup is bounded"
    );
    let summary = assert_reports(&dir.join("smoke"), "setup", &[]);
    assert_eq!(
        summary["ended_early"]["reason"],
        "setup failed: did not finish within 1.5s"
    );
    assert_eq!(run.report.exit_code(), 107);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_setup_leaves_every_report_file_saying_interrupted_then_exits_130() {
    use std::process::{Command, Stdio};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(600)))
        .mount(&server)
        .await;
    let dir = scratch("sigint");
    let child = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(["run", "smoke"])
        .env("LOADTEST_ENV", "mock")
        .env("LOADTEST_PROGRESS", "0")
        .env("LOADTEST_TIME_SCALE", "0.05")
        .env("BASE_URL", server.uri())
        .env("LOADTEST_REPORT_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo test builds the example");
    // Setup is under way once the registration has arrived (at most 60 s to start).
    let mut waiting = 0;
    while server.received_requests().await.unwrap_or_default().len() < 2 {
        waiting += 1;
        assert!(waiting < 1200, "the runner never reached setup");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("ENDED IN SETUP: "), "{stdout}");
    let summary = assert_reports(&dir.join("smoke"), "setup", &[]);
    assert_eq!(
        summary["ended_early"]["reason"],
        "setup failed: interrupted by SIGINT before it finished"
    );
    assert_eq!(summary["aborted"]["kind"], "signal");
    assert_eq!(summary["aborted"]["signal"], "SIGINT");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_that_panics_ends_the_run_leaves_every_report_file_and_teardown_runs() {
    let dir = scratch("panic");
    let folder = dir.join("panicking");
    std::fs::create_dir_all(&folder).unwrap();
    let torn_down = Arc::new(AtomicBool::new(false));
    let t = torn_down.clone();
    let started = Instant::now();
    let report = Test::new("a scenario that panics")
        .time_scale(1.0)
        .time_series(folder.join("timeseries.ndjson"))
        .setup(|_vu| Box::pin(async move { Ok(3usize) }))
        .scenario(Scenario::with_data(
            "buggy",
            ConstantVus::new(1, secs(30)),
            |vu, items: &usize| {
                let items = *items;
                Box::pin(async move {
                    vu.sleep(millis(50)).await;
                    let index = vu.iteration() as usize + 1;
                    // The bug: the third iteration (from 0) reads past the end, and says so
                    // with a token in its message.
                    assert!(index < items, "item {index} of {items} for Bearer {ACCESS}");
                    Ok(())
                })
            },
        ))
        .scenario(Scenario::new(
            "steady",
            ConstantVus::new(1, secs(30)),
            |vu| {
                Box::pin(async move {
                    vu.sleep(millis(50)).await;
                    Ok(())
                })
            },
        ))
        .teardown(move |_vu, _| {
            Box::pin(async move {
                t.store(true, Ordering::SeqCst);
                Ok(())
            })
        })
        .run()
        .await
        .unwrap();
    loadtests::reports::write_all(&folder, &report, &RunInfo::default(), None).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the panic stops the other scenario"
    );
    assert!(torn_down.load(Ordering::SeqCst), "teardown still runs");
    let summary = assert_reports(&folder, "scenarios", &[ACCESS]);
    let reason = summary["ended_early"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("a scenario panicked: item 3 of 3 for Bearer [redacted]"),
        "{reason}"
    );
    assert!(report.count("iterations") >= 2.0, "what ran is kept");
    assert_eq!(report.exit_code(), 107);
    let _ = std::fs::remove_dir_all(&dir);
}
