//! The runner never loses a result and never runs on bad input: a report that cannot be written
//! fails the run with its path, and an unreachable target or a placeholder URL ends the run in one
//! sentence before any load (with its report: see `early_end.rs`).

use loadtests::{RunOptions, Suite};

fn options() -> RunOptions {
    RunOptions {
        time_scale: Some(0.05),
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_report_folder_fails_the_run_and_names_the_path() {
    // A folder inside a regular file cannot be made.
    let file = std::env::temp_dir().join(format!("not-a-folder-{}", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let err = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            report_dir: Some(file.join("reports")),
            ..options()
        },
    )
    .await
    .err()
    .expect("the run must fail when its report cannot be written");
    let _ = std::fs::remove_file(&file);
    let text = err.to_string();
    assert!(text.starts_with("could not write the report"), "{text}");
    assert!(text.contains("not-a-folder-"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_written_whole_into_the_folder() {
    let dir = std::env::temp_dir().join(format!("reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            report_dir: Some(dir.clone()),
            ..options()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["smoke"], "one folder per suite");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("smoke/summary.json")).unwrap()).unwrap();
    assert_eq!(json["passed"], run.report.passed());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder of its own under the temporary directory, emptied.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_ends_the_run_in_one_sentence_before_any_load() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch("unreachable-sentence");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some(format!("http://127.0.0.1:{port}")),
            report_dir: Some(dir.clone()),
            ..options()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let end = run.report.ended_early.expect("nothing listens there");
    assert_eq!(end.phase, harness::run::Phase::Preflight);
    let text = end.reason;
    assert!(
        text.starts_with(&format!(
            "target unreachable: GET http://127.0.0.1:{port}/health"
        )),
        "{text}"
    );
    assert!(text.ends_with("no load was sent"), "{text}");
    assert!(!text.contains('\n'), "one sentence: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_url_is_refused_naming_the_variable_to_set() {
    let dir = scratch("placeholder-sentence");
    let run = loadtests::run_with(
        Suite::Smoke,
        RunOptions {
            base_url: Some("https://staging.kaizen.invalid".into()),
            report_dir: Some(dir.clone()),
            ..options()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let end = run
        .report
        .ended_early
        .expect("a placeholder host is no target");
    assert_eq!(end.phase, harness::run::Phase::Config);
    let text = end.reason;
    assert!(text.contains("placeholder URL"), "{text}");
    assert!(text.contains("KAIZEN_MOCK_URL (or BASE_URL)"), "{text}");
    assert_eq!(
        loadtests::target::env_var("staging", "URL"),
        "KAIZEN_STAGING_URL"
    );
    assert_eq!(
        loadtests::target::env_var("eu-prod", "CA_FILE"),
        "KAIZEN_EU_PROD_CA_FILE"
    );
}
