//! Tests of `cargo xtask k8s render`: the checks as tables, the sizing, and the YAML's
//! promises (no segment twice, one common start, unprivileged pods, every folder merged).

use std::time::{Duration, SystemTime};

use loadtests::Suite;
use loadtests::config::Config;

use super::plan::{self, Plan, Request, What};
use super::render::render;

fn config() -> Config {
    Config::parse(include_str!("../../../loadtests/environments.toml")).unwrap()
}

fn now() -> SystemTime {
    harness::clock::parse_rfc3339("2026-12-01T01:58:00Z").unwrap()
}

fn request(env: &str, suite: &str, segments: u32) -> Request {
    Request {
        env: env.into(),
        suite: Some(suite.into()),
        segments,
        image: Some("registry.example.com/kaizen/loadtest:1.2.3".into()),
        ..Request::default()
    }
}

fn planned(req: &Request) -> Plan {
    plan::plan(req, &config(), now()).unwrap_or_else(|e| panic!("{e:#?}"))
}

fn refused(req: &Request) -> Vec<String> {
    plan::plan(req, &config(), now()).expect_err("refused")
}

#[test]
fn every_problem_is_named_at_once_before_anything_is_printed() {
    let mut req = request("stagign", "smok", 101);
    req.image = Some("Kaizen/LoadTest".into());
    req.run_id = Some("Run_1".into());
    req.time_scale = Some(0.0);
    let problems = refused(&req);
    let expected = [
        "unknown environment \"stagign\"",
        "unknown suite \"smok\"",
        "--segments 101",
        "--image \"Kaizen/LoadTest\"",
        "--run-id \"Run_1\"",
        "--time-scale 0",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (p, e) in problems.iter().zip(expected) {
        assert!(p.starts_with(e), "{p:?} should start with {e:?}");
    }
}

#[test]
fn segments_run_from_one_to_a_hundred() {
    for (n, ok) in [(0, false), (1, true), (3, true), (100, true), (101, false)] {
        let r = plan::plan(&request("mock", "stress", n), &config(), now());
        assert_eq!(r.is_ok(), ok, "{n}: {r:?}");
    }
}

#[test]
fn a_capacity_search_is_never_split() {
    let problems = refused(&request("mock", "capacity", 3));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("cannot be split"), "{problems:?}");
    assert!(plan::plan(&request("mock", "capacity", 1), &config(), now()).is_ok());
}

#[test]
fn images_must_be_pinned_well_formed_references() {
    let table = [
        ("kaizen-loadtest:0.1.0", true),
        (
            "registry.example.com:5000/team/kaizen-loadtest:2026.12.01-abc",
            true,
        ),
        ("localhost/loadtest:v1", true),
        (
            "ghcr.io/acme/loadtest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            true,
        ),
        ("kaizen-loadtest", false),
        ("kaizen-loadtest:latest", false),
        ("Kaizen-Loadtest:1", false),
        ("kaizen loadtest:1", false),
        ("", false),
        ("kaizen-loadtest:", false),
        ("kaizen-loadtest:-x", false),
        ("kaizen-loadtest@sha256:abc", false),
        ("registry.example.com//loadtest:1", false),
    ];
    for (image, ok) in table {
        let r = plan::check_image(image);
        assert_eq!(r.is_ok(), ok, "{image:?}: {r:?}");
    }
}

#[test]
fn run_ids_are_short_lower_case_names() {
    let table = [
        ("stress-20261201t020000z", true),
        ("a", true),
        ("release-42", true),
        ("Release-42", false),
        ("-x", false),
        ("x-", false),
        ("x_y", false),
        ("", false),
        (&"x".repeat(41), false),
    ];
    for (id, ok) in table {
        assert_eq!(plan::check_run_id(id).is_ok(), ok, "{id:?}");
    }
}

#[test]
fn a_split_run_starts_two_minutes_after_the_render_unless_told() {
    let p = planned(&request("mock", "stress", 3));
    assert_eq!(p.start_at, Some(now() + Duration::from_secs(120)));
    assert_eq!(p.run_id, "stress-20261201t020000z");
    let mut req = request("mock", "stress", 3);
    req.start_in = Some("10m".into());
    assert_eq!(
        planned(&req).start_at,
        Some(now() + Duration::from_secs(600))
    );
    req.start_in = None;
    req.start_at = Some("2026-12-01T03:00:00Z".into());
    assert_eq!(planned(&req).run_id, "stress-20261201t030000z");
    // One pod needs no common start.
    assert_eq!(planned(&request("mock", "smoke", 1)).start_at, None);
}

#[test]
fn a_start_in_the_past_or_malformed_is_refused() {
    let mut req = request("mock", "stress", 3);
    req.start_at = Some("2026-12-01T01:00:00Z".into());
    assert!(refused(&req)[0].contains("is in the past"));
    req.start_at = Some("tomorrow".into());
    assert!(refused(&req)[0].starts_with("--start-at: \"tomorrow\""));
    req.start_at = None;
    req.start_in = Some("2 minutes".into());
    assert!(refused(&req)[0].starts_with("--start-in: \"2 minutes\""));
}

#[test]
fn the_merge_needs_the_run_id_and_a_split_run() {
    let mut req = request("mock", "stress", 1);
    req.merge_only = true;
    let problems = refused(&req);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    req.segments = 3;
    req.run_id = Some("stress-20261201t020000z".into());
    let p = planned(&req);
    assert_eq!(
        p.what,
        What::Merge {
            suite: Suite::Stress,
            segments: 3
        }
    );
}

#[test]
fn heavy_suites_need_consent_against_production() {
    assert!(refused(&request("production", "spike", 1))[0].contains("--allow-production"));
    let mut req = request("production", "spike", 1);
    req.allow_production = true;
    assert!(render(&planned(&req)).contains("LOADTEST_ALLOW_PRODUCTION"));
    assert!(plan::plan(&request("production", "smoke", 1), &config(), now()).is_ok());
    // The merge sends no load.
    let mut merge = request("production", "spike", 3);
    merge.merge_only = true;
    merge.run_id = Some("spike-1".into());
    assert!(plan::plan(&merge, &config(), now()).is_ok());
}

#[test]
fn memory_and_cpu_follow_the_peak_vus_divided_by_the_segments() {
    // (suite, segments, VUs per pod, memory request MiB, CPU millicores)
    let table = [
        (Suite::Smoke, 1, 5, 129, 255),
        (Suite::Stress, 1, 500, 160, 750),
        (Suite::Stress, 3, 167, 139, 417),
        (Suite::Spike, 1, 1000, 191, 1250),
        (Suite::Spike, 10, 100, 135, 350),
    ];
    for (suite, n, vus, mib, cpu) in table {
        let p = planned(&request("mock", suite.name(), n));
        let r = p.resources;
        assert_eq!(
            (r.vus, r.memory_mib, r.cpu_millis),
            (vus, mib, cpu),
            "{suite} / {n}"
        );
        assert_eq!(r.memory_limit_mib, 2 * mib);
    }
}

#[test]
fn the_deadline_covers_the_wait_the_hooks_and_the_scaled_schedule() {
    // stress: 1,320 s of stages; setup and teardown 600 s each, 30 s graceful stop, 300 s slack.
    let whole = planned(&request("mock", "stress", 1));
    assert_eq!(whole.deadline.as_secs(), 1320 + 1200 + 330);
    let mut req = request("mock", "stress", 3);
    req.time_scale = Some(0.1);
    assert_eq!(planned(&req).deadline.as_secs(), 120 + 132 + 1200 + 330);
}

fn yaml(req: &Request) -> String {
    render(&planned(req))
}

#[test]
fn an_indexed_job_never_restarts_a_segment() {
    let y = yaml(&request("mock", "stress", 3));
    for line in [
        "kind: Job",
        "  completionMode: Indexed",
        "  completions: 3",
        "  parallelism: 3",
        "  backoffLimitPerIndex: 0",
        "      restartPolicy: Never",
    ] {
        assert!(y.contains(&format!("\n{line}\n")), "{line:?} in\n{y}");
    }
    assert_eq!(y.matches("- action: FailIndex").count(), 2, "{y}");
    assert!(y.contains("operator: NotIn\n          values: [0]"), "{y}");
    assert!(
        y.contains("- type: DisruptionTarget\n            status: \"True\"\n"),
        "{y}"
    );
    // A global backoffLimit of 0 would kill the other segments at the first failure.
    assert!(!y.contains("\n  backoffLimit:"), "{y}");
}

#[test]
fn a_single_run_is_one_pod_that_is_never_retried() {
    let y = yaml(&request("mock", "smoke", 1));
    assert!(y.contains("\n  backoffLimit: 0\n"), "{y}");
    assert_eq!(y.matches("- action: FailJob").count(), 2);
    assert!(!y.contains("Indexed") && !y.contains("LOADTEST_SEGMENTS"));
    assert!(y.contains("name: loadtest-smoke-20261201t015800z\n"), "{y}");
}

#[test]
fn every_segment_gets_the_segment_count_and_one_common_start() {
    let y = yaml(&request("staging", "spike", 4));
    for (name, value) in [
        ("LOADTEST_ENV", "staging"),
        ("LOADTEST_SEGMENTS", "4"),
        ("LOADTEST_START_AT", "2026-12-01T02:00:00Z"),
        ("LOADTEST_REPORT_DIR", "/reports/spike-20261201t020000z"),
    ] {
        assert!(
            y.contains(&format!(
                "- name: {name}\n              value: \"{value}\"\n"
            )),
            "{name} in\n{y}"
        );
    }
    assert!(y.contains("topologyKey: kubernetes.io/hostname"));
    assert!(y.contains("args:\n            - \"run\"\n            - \"spike\"\n"));
}

#[test]
fn the_merge_job_names_every_segment_folder_and_no_glob() {
    let mut req = request("mock", "agents", 3);
    req.merge_only = true;
    req.run_id = Some("agents-42".into());
    let y = yaml(&req);
    assert!(y.contains("name: loadtest-agents-42-merge\n"), "{y}");
    let args: Vec<&str> = y
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("args:"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- ").trim_matches('"'))
        .collect();
    assert_eq!(
        args,
        [
            "merge",
            "/reports/agents-42/agents-seg-0-of-3",
            "/reports/agents-42/agents-seg-1-of-3",
            "/reports/agents-42/agents-seg-2-of-3",
            "--out",
            "/reports/agents-42/agents",
        ]
    );
    assert!(!y.contains('*'));
}

#[test]
fn the_nightly_runs_stress_spike_and_capacity_one_at_a_time() {
    let req = Request {
        env: "staging".into(),
        segments: 1,
        nightly: true,
        ..Request::default()
    };
    let y = yaml(&req);
    for line in [
        "kind: CronJob",
        "  schedule: \"0 2 * * *\"",
        "  concurrencyPolicy: Forbid",
        "  startingDeadlineSeconds: 900",
        "      completions: 3",
        "      parallelism: 1",
        "      backoffLimitPerIndex: 0",
        "                  set -- stress spike capacity",
    ] {
        assert!(y.contains(&format!("\n{line}\n")), "{line:?} in\n{y}");
    }
    // Sized for the largest of the three: spike's 1,000 VUs.
    assert!(y.contains("memory: 191Mi"), "{y}");
    let mut with_suite = req.clone();
    with_suite.suite = Some("smoke".into());
    assert!(refused(&with_suite)[0].contains("name no suite"));
}

#[test]
fn pods_run_unprivileged_on_a_read_only_root_with_no_api_token() {
    for y in [
        yaml(&request("mock", "smoke", 1)),
        yaml(&request("staging", "stress", 3)),
    ] {
        for promise in [
            "runAsNonRoot: true",
            "readOnlyRootFilesystem: true",
            "allowPrivilegeEscalation: false",
            "drop: [\"ALL\"]",
            "type: RuntimeDefault",
            "automountServiceAccountToken: false",
            "mountPath: /tmp",
            "mountPath: /reports",
            "claimName: loadtest-reports",
        ] {
            assert!(y.contains(promise), "{promise:?} in\n{y}");
        }
    }
}

#[test]
fn the_target_and_its_ca_come_from_the_secret_except_on_the_mock() {
    let y = yaml(&request("staging", "smoke", 1));
    for key in ["KAIZEN_STAGING_URL", "KAIZEN_STAGING_CA_FILE"] {
        assert!(y.contains(&format!("key: {key}\n")), "{key} in\n{y}");
    }
    assert_eq!(y.matches("optional: true").count(), 3, "{y}");
    let mock = yaml(&request("mock", "smoke", 1));
    assert!(!mock.contains("kaizen-targets"), "{mock}");
}

#[test]
fn the_text_is_indented_with_spaces_only_and_has_no_trailing_blanks() {
    for y in [
        yaml(&request("staging", "soak", 5)),
        yaml(&request("mock", "capacity", 1)),
    ] {
        for l in y.lines() {
            assert!(!l.contains('\t') && !l.ends_with(' '), "{l:?}");
            let indent = l.len() - l.trim_start().len();
            assert_eq!(indent % 2, 0, "{l:?}");
        }
    }
}
