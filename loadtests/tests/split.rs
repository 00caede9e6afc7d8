//! The smoke suite as three segment processes (the `loadtest` runner with `LOADTEST_SEGMENT`
//! and a common `LOADTEST_START_AT`) against one mock server, merged back into one run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use harness::report::RunInfo;
use harness::report::merge::{Part, merge};
use mock_server::{KaizenMock, MockConfig, RunningMock};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("split-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The `loadtest` runner, which `cargo test` builds with the tests.
fn runner() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_loadtest"))
}

fn part(folder: &Path) -> Part {
    let text = std::fs::read_to_string(folder.join("summary.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
    Part::parse(folder.display().to_string(), &text).unwrap()
}

#[test]
fn smoke_as_three_segment_processes_merges_into_the_whole_run() {
    let mock = RunningMock::start(
        KaizenMock::new(MockConfig::default()),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        1,
    )
    .unwrap();
    let dir = scratch();
    let start = SystemTime::now() + Duration::from_secs(6);
    let start_at = harness::clock::rfc3339(start + Duration::from_secs(1));
    let children: Vec<_> = (0..3)
        .map(|i| {
            Command::new(runner())
                .args(["run", "smoke"])
                .env("LOADTEST_ENV", "mock")
                .env("BASE_URL", mock.url())
                .env("LOADTEST_SEGMENT", format!("{i}/3"))
                .env("LOADTEST_START_AT", &start_at)
                .env("LOADTEST_START_TOLERANCE", "60")
                .env("LOADTEST_TIME_SCALE", "0.05")
                .env("LOADTEST_PROGRESS", "0")
                .env("LOADTEST_REPORT_DIR", &dir)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("cargo test builds the runner example")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "segment {i}/3: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let folders: Vec<PathBuf> = (0..3)
        .map(|i| dir.join(format!("smoke-seg-{i}-of-3")))
        .collect();
    let parts: Vec<Part> = folders.iter().map(|f| part(f)).collect();

    // A common start: the three instances' scenarios began within a second of each other.
    let starts: Vec<u64> = parts
        .iter()
        .map(|p| p.summary.segment.as_ref().unwrap().scenarios_started_at_ms)
        .collect();
    let spread = starts.iter().max().unwrap() - starts.iter().min().unwrap();
    assert!(spread < 1_000, "scenario starts {starts:?}");

    let merged = merge(&parts, false).unwrap();
    let sum = |metric: &str| -> f64 {
        parts
            .iter()
            .map(|p| {
                harness::metrics::Store::restore(&p.summary.segment.as_ref().unwrap().store)
                    .unwrap()
                    .count(metric)
            })
            .sum()
    };
    for metric in ["http_reqs", "iterations", "checks"] {
        assert_eq!(merged.count(metric), sum(metric), "{metric}");
    }
    assert!(merged.count("http_reqs") > 0.0);
    // The smoke suite's 5 VUs, split 2 + 2 + 1, add back to 5 at every moment.
    assert_eq!(
        merged.scenarios[0].max_vus, 5,
        "{:?}",
        merged.scenarios[0].plan
    );
    assert!(
        merged.passed(),
        "{:?} {:?}",
        merged.failed_thresholds(),
        merged.problems
    );
    // Each instance deleted what it created: the mock holds nothing live.
    let litter = loadtests::execute::litter(&mock);
    assert!(litter.is_empty(), "{litter:?}");

    // The merged folder's summary.json lists its parts and validates against the schema.
    let out = dir.join("merged");
    std::fs::create_dir_all(&out).unwrap();
    let info = RunInfo::default();
    loadtests::reports::write_all(&out, &merged, &info, None).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["merged"]["parts"].as_array().unwrap().len(), 3);
    assert_eq!(doc["merged"]["partial"], false);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/summary.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
