//! The resolution as a table: flags and variables in, a target or every problem out.

use super::*;

fn config() -> Config {
    Config::parse(include_str!("../environments.toml")).unwrap()
}

fn run(suites: &[Suite], flags: &Flags, vars: &[(&str, &str)]) -> Result<Target, Box<Refusal>> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    resolve(&config(), suites, flags, &var)
}

fn env(name: &str) -> Flags {
    Flags {
        env: Some(name.into()),
        ..Flags::default()
    }
}

#[test]
fn nothing_set_means_the_embedded_mock_at_full_length_as_one_whole_run() {
    let t = run(&[Suite::Smoke], &Flags::default(), &[]).unwrap();
    assert_eq!(t.env, "mock");
    assert_eq!(t.base_url, None);
    assert_eq!(t.time_scale, 1.0);
    assert_eq!(t.segment, Segment::WHOLE);
    assert_eq!((t.start_at, t.report_dir, t.ca_file), (None, None, None));
}

#[test]
fn a_flag_wins_over_its_variable_and_base_url_over_the_environments_secret() {
    let t = run(
        &[Suite::Smoke],
        &env("local"),
        &[("LOADTEST_ENV", "staging")],
    )
    .unwrap();
    assert_eq!(t.base_url.as_deref(), Some("http://127.0.0.1:8000"));
    let staging = [("KAIZEN_STAGING_URL", "https://staging.example.com")];
    let t = run(&[Suite::Smoke], &env("staging"), &staging).unwrap();
    assert_eq!(t.base_url.as_deref(), Some("https://staging.example.com"));
    let both = [staging[0], ("BASE_URL", "https://b.example")];
    let t = run(&[Suite::Smoke], &env("staging"), &both).unwrap();
    assert_eq!(t.base_url.as_deref(), Some("https://b.example"));
    let flags = Flags {
        time_scale: Some("0.5".into()),
        ..env("mock")
    };
    let t = run(&[Suite::Smoke], &flags, &[("LOADTEST_TIME_SCALE", "0.1")]).unwrap();
    assert_eq!(t.time_scale, 0.5);
    let t = run(
        &[Suite::Smoke],
        &env("mock"),
        &[("LOADTEST_TIME_SCALE", "0.1")],
    )
    .unwrap();
    assert_eq!(
        t.time_scale, 0.1,
        "the time scale is parsed once, as written"
    );
}

#[test]
fn every_problem_is_named_at_once_before_anything_runs() {
    let flags = Flags {
        time_scale: Some("0".into()),
        segment: Some("4/3".into()),
        start_at: Some("yesterday".into()),
        report_dir: Some("/tmp/r".into()),
        ..env("stagign")
    };
    let refusal = run(&[Suite::Smoke], &flags, &[]).unwrap_err();
    let p = &refusal.problems;
    assert_eq!(p.len(), 4, "{p:#?}");
    assert!(
        p[0].starts_with("unknown environment \"stagign\": one of"),
        "{p:#?}"
    );
    assert!(p[1].contains("LOADTEST_TIME_SCALE=\"0\""), "{p:#?}");
    assert!(p[2].starts_with("LOADTEST_SEGMENT: "), "{p:#?}");
    assert!(p[3].starts_with("LOADTEST_START_AT: "), "{p:#?}");
    assert_eq!(refusal.env, "stagign");
    assert_eq!(refusal.report_dir.as_deref(), Some("/tmp/r".as_ref()));
}

#[test]
fn a_placeholder_url_is_refused_naming_the_variable_to_set() {
    let p = run(&[Suite::Smoke], &env("staging"), &[])
        .unwrap_err()
        .problems;
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("placeholder URL"), "{p:#?}");
    assert!(
        p[0].contains("set KAIZEN_STAGING_URL (or BASE_URL)"),
        "{p:#?}"
    );
}

#[test]
fn heavy_suites_need_consent_against_production_and_light_ones_do_not() {
    let url = [("KAIZEN_PRODUCTION_URL", "https://api.example.com")];
    let p = run(&Suite::ALL, &env("production"), &url)
        .unwrap_err()
        .problems;
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].starts_with("stress, spike, soak, capacity would put production under heavy load"),
        "{p:#?}"
    );
    let consent = Flags {
        allow_production: true,
        ..env("production")
    };
    assert!(run(&Suite::ALL, &consent, &url).is_ok());
    let by_var = [url[0], ("LOADTEST_ALLOW_PRODUCTION", "1")];
    assert!(run(&[Suite::Stress], &env("production"), &by_var).is_ok());
    assert!(run(&[Suite::Smoke, Suite::Auth], &env("production"), &url).is_ok());
}

#[test]
fn an_indexed_jobs_completion_index_and_count_name_the_share() {
    let vars = [("JOB_COMPLETION_INDEX", "2"), ("LOADTEST_SEGMENTS", "3")];
    let t = run(&[Suite::Smoke], &Flags::default(), &vars).unwrap();
    assert_eq!(t.segment, Segment::parse("2/3").unwrap());
    let p = run(&[Suite::Smoke], &Flags::default(), &vars[1..])
        .unwrap_err()
        .problems;
    assert!(p[0].contains("needs JOB_COMPLETION_INDEX"), "{p:#?}");
    let flag = Flags {
        segment: Some("0/2".into()),
        ..Flags::default()
    };
    let t = run(&[Suite::Smoke], &flag, &vars).unwrap();
    assert_eq!(t.segment, Segment::parse("0/2").unwrap(), "the flag wins");
}

#[test]
fn a_common_start_takes_its_tolerance_from_the_variable_or_ten_seconds() {
    let flags = Flags {
        start_at: Some("2030-01-01T00:00:00Z".into()),
        ..Flags::default()
    };
    let t = run(&[Suite::Smoke], &flags, &[]).unwrap();
    assert_eq!(t.start_at.unwrap().1, START_TOLERANCE);
    let t = run(
        &[Suite::Smoke],
        &flags,
        &[("LOADTEST_START_TOLERANCE", "2.5")],
    )
    .unwrap();
    assert_eq!(t.start_at.unwrap().1, Duration::from_millis(2500));
    let p = run(
        &[Suite::Smoke],
        &flags,
        &[("LOADTEST_START_TOLERANCE", "soon")],
    )
    .unwrap_err()
    .problems;
    assert!(p[0].contains("LOADTEST_START_TOLERANCE=\"soon\""), "{p:#?}");
}

#[test]
fn a_ca_file_is_taken_from_the_general_variable_first() {
    let vars = [
        ("KAIZEN_LOCAL_CA_FILE", "/env.pem"),
        ("LOADTEST_CA_FILE", "/general.pem"),
    ];
    let t = run(&[Suite::Smoke], &env("local"), &vars).unwrap();
    assert_eq!(
        t.ca_file,
        Some(("LOADTEST_CA_FILE".into(), "/general.pem".into()))
    );
    let t = run(&[Suite::Smoke], &env("local"), &vars[..1]).unwrap();
    assert_eq!(
        t.ca_file,
        Some(("KAIZEN_LOCAL_CA_FILE".into(), "/env.pem".into()))
    );
}
