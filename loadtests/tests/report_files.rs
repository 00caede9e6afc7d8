//! A real suite run against the embedded mock writes a folder of reports, and each file holds
//! what it claims: `summary.json` is valid against `docs/summary.schema.json` and its HDR
//! histograms reproduce its percentiles exactly; `junit.xml` parses with one case per threshold
//! and check; `timeseries.ndjson` sums to the totals; `summary.md` carries the verdict;
//! `report.html` renders in headless Chromium with its charts and no console error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine;
use loadtests::{RunOptions, Suite};
use serde_json::Value;

/// One smoke run, shared by every test here: `(folder, passed)`.
fn run() -> &'static (PathBuf, bool) {
    static RUN: OnceLock<(PathBuf, bool)> = OnceLock::new();
    RUN.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("report-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let options = RunOptions {
            time_scale: Some(0.1),
            report_dir: Some(base.clone()),
            ..RunOptions::default()
        };
        let passed = std::thread::spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(loadtests::run_with(Suite::Smoke, options))
                .unwrap_or_else(|e| panic!("{e}"))
                .report
                .passed()
        })
        .join()
        .unwrap();
        (base.join("smoke"), passed)
    })
}

fn read(name: &str) -> String {
    std::fs::read_to_string(run().0.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn summary() -> Value {
    serde_json::from_str(&read("summary.json")).unwrap()
}

#[test]
fn the_run_folder_holds_every_report_whole_and_no_temporary_file() {
    let mut names: Vec<String> = std::fs::read_dir(&run().0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "junit.xml",
            "report.html",
            "summary.json",
            "summary.md",
            "timeseries.ndjson"
        ]
    );
}

#[test]
fn summary_json_is_valid_against_its_published_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/summary.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let doc = summary();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["schema_version"], 3);
    assert_eq!(
        doc["ended_early"],
        Value::Null,
        "a whole run did not end early"
    );
    assert_eq!(doc["passed"], run().1);
    assert_eq!(doc["run"]["suite"], "smoke");
    assert_eq!(doc["run"]["environment"], "mock");
    // The schema itself refuses what it must: a report with credentials in its target.
    let mut bad = doc.clone();
    bad["run"]["target"] = "http://user:secret@127.0.0.1:1".into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn summary_json_has_per_endpoint_and_per_status_sub_metrics() {
    let doc = summary();
    let subs = doc["metrics"]["http_req_duration"]["sub_metrics"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = subs
        .iter()
        .filter(|s| s["tag"] == "name")
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"GET /health"), "{names:?}");
    assert!(
        subs.iter()
            .any(|s| s["tag"] == "status" && s["value"] == "200")
    );
    let endpoints = doc["endpoints"].as_array().unwrap();
    let total: u64 = endpoints
        .iter()
        .map(|e| e["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total as f64,
        doc["metrics"]["http_reqs"]["values"]["count"]
            .as_f64()
            .unwrap()
    );
}

/// Decodes a summary histogram and reads percentile `p` the way the harness does.
fn percentile(h: &Value, p: f64, min: f64, max: f64) -> f64 {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(h["data"].as_str().unwrap())
        .unwrap();
    let hist: hdrhistogram::Histogram<u64> = hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut &bytes[..])
        .unwrap();
    (hist.value_at_quantile(p / 100.0) as f64 / h["scale"].as_f64().unwrap()).clamp(min, max)
}

#[test]
fn every_histogram_in_summary_json_decodes_and_reproduces_its_percentiles_exactly() {
    let doc = summary();
    let mut checked = 0;
    for (name, m) in doc["metrics"].as_object().unwrap() {
        let mut all = vec![(name.clone(), &m["values"], &m["histogram"])];
        for s in m["sub_metrics"].as_array().unwrap() {
            all.push((
                format!("{name}{{{}}}", s["value"]),
                &s["values"],
                &s["histogram"],
            ));
        }
        for (what, values, h) in all {
            if h.is_null() {
                continue;
            }
            let (min, max) = (
                values["min"].as_f64().unwrap(),
                values["max"].as_f64().unwrap(),
            );
            for (key, p) in [
                ("med", 50.0),
                ("p(90)", 90.0),
                ("p(95)", 95.0),
                ("p(99)", 99.0),
            ] {
                assert_eq!(
                    percentile(h, p, min, max),
                    values[key].as_f64().unwrap(),
                    "{what} {key}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} histograms");
}

#[test]
fn junit_xml_parses_with_one_case_per_threshold_and_check_and_one_for_the_run() {
    let doc = summary();
    let xml = read("junit.xml");
    let tree = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = tree.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let thresholds = doc["thresholds"].as_array().unwrap();
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(cases.len(), thresholds.len() + checks.len() + 1);
    let failures = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    let failed_thresholds = thresholds.iter().filter(|t| t["passed"] == false).count();
    let failed_checks = checks.iter().filter(|c| c["fails"] != 0).count();
    let run_failed =
        usize::from(doc["aborted"] != Value::Null || doc["problems"] != Value::Array(vec![]));
    assert_eq!(failures, failed_thresholds + failed_checks + run_failed);
    assert_eq!(
        root.attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    for t in thresholds {
        let name = format!(
            "{} {}",
            t["selector"].as_str().unwrap(),
            t["expression"].as_str().unwrap()
        );
        assert!(
            cases
                .iter()
                .any(|c| c.attribute("name") == Some(name.as_str())),
            "{name}"
        );
    }
}

#[test]
fn timeseries_ndjson_has_one_line_per_second_per_metric_summing_to_the_totals() {
    let doc = summary();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut seconds: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in read("timeseries.ndjson").lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let metric = v["metric"].as_str().unwrap().to_string();
        *counts.entry(metric.clone()).or_default() += v["count"].as_u64().unwrap();
        seconds
            .entry(metric)
            .or_default()
            .push(v["t"].as_u64().unwrap());
    }
    for metric in ["http_reqs", "http_req_duration", "iterations", "checks"] {
        let total = &doc["metrics"][metric]["windows"];
        let expected: u64 = total
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["count"].as_u64().unwrap())
            .sum();
        assert!(expected > 0, "{metric}");
        assert_eq!(counts.get(metric), Some(&expected), "{metric}");
        let s = &seconds[metric];
        assert!(
            s.windows(2).all(|w| w[0] < w[1]),
            "one line per second: {s:?}"
        );
    }
    assert_eq!(
        counts["http_reqs"] as f64,
        doc["metrics"]["http_reqs"]["values"]["count"]
            .as_f64()
            .unwrap()
    );
}

#[test]
fn summary_md_carries_the_verdict_the_thresholds_and_the_endpoints() {
    let md = read("summary.md");
    let verdict = if run().1 {
        "## ✅ PASSED"
    } else {
        "## ❌ FAILED"
    };
    assert!(md.starts_with(verdict), "{md}");
    assert!(md.contains("### Thresholds"), "{md}");
    assert!(md.contains("| GET /health |"), "{md}");
}

/// Debian's Chromium, when installed (`.ci/run` installs it and sets
/// `LOADTEST_REQUIRE_TOOLS=1`, so CI cannot skip this).
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            std::process::Command::new("which")
                .arg(b)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        });
    if found.is_none() {
        assert!(
            std::env::var_os("LOADTEST_REQUIRE_TOOLS").is_none(),
            "LOADTEST_REQUIRE_TOOLS is set but no chromium is installed"
        );
        eprintln!("chromium is not installed: the browser check is skipped");
    }
    found
}

fn headless(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

#[test]
fn report_html_renders_in_headless_chromium_with_its_charts_and_no_console_error() {
    let Some(browser) = chromium() else { return };
    let page = run().0.join("report.html");
    let url = format!("file://{}", page.display());
    let profile = std::env::temp_dir().join(format!("chromium-profile-{}", std::process::id()));
    let out = headless(&browser, &profile, &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    // The inline script ran (no error stopped it) and counted six chart lines.
    assert!(
        dom.contains("data-charts=\"6\""),
        "{}",
        &dom[..dom.len().min(600)]
    );
    assert!(dom.contains("id=\"thresholds\"") && dom.contains("GET /health"));
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    // A screenshot, kept as a CI artifact.
    let shots = loadtests::reports::workspace_root().join("target/ci-artifacts");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let out = headless(
        &browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,2200",
            &url,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&profile);
}
