//! What `cargo xtask <env> <suite>...` means, checked before anything is built or sent: the
//! environment exists, its URL is real, the suites exist, the time scale is sane, production is
//! not loaded heavily by accident. Pure over the config and the variables, so it is tested as
//! a table; every problem is reported at once, each a sentence naming what to change.

use loadtests::Suite;
use loadtests::config::Config;
use loadtests::run::{HEAVY, env_var};

/// A run the xtask may start.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub env: String,
    pub suites: Vec<Suite>,
    /// The server to load; `None` for the embedded mock.
    pub base_url: Option<String>,
    pub time_scale: Option<f64>,
    pub allow_production: bool,
}

/// Resolves the command line against the config and the environment variables (`var`).
pub fn resolve(
    config: &Config,
    env: &str,
    suites: &[String],
    time_scale: Option<f64>,
    allow_production: bool,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, Vec<String>> {
    let mut problems = Vec::new();
    let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
    let base_url = match config.environments.get(env) {
        None => {
            problems.push(format!(
                "unknown environment {env:?}: one of {} (loadtests/environments.toml)",
                known.join(", ")
            ));
            None
        }
        Some(e) => {
            let url_var = env_var(env, "URL");
            let url = var("BASE_URL")
                .or_else(|| var(&url_var))
                .unwrap_or_else(|| e.base_url.clone());
            if url.contains(".invalid") {
                problems.push(format!(
                    "environment {env:?} has the placeholder URL {url:?}: set {url_var} (or \
                     BASE_URL) to the server to load, or give it a real base_url in \
                     loadtests/environments.toml"
                ));
            }
            (!url.is_empty()).then_some(url)
        }
    };
    let mut picked: Vec<Suite> = Vec::new();
    if suites.is_empty() {
        problems.push(format!("name a suite ({}) or all", names(&Suite::ALL)));
    }
    for s in suites {
        if s == "all" {
            picked.extend(Suite::ALL);
            continue;
        }
        match Suite::ALL.iter().find(|k| k.name() == s) {
            Some(k) => picked.push(*k),
            None => problems.push(format!(
                "unknown suite {s:?}: one of {} or all",
                names(&Suite::ALL)
            )),
        }
    }
    let mut seen = Vec::new();
    picked.retain(|s| {
        let new = !seen.contains(s);
        seen.push(*s);
        new
    });
    let scale = match time_scale {
        Some(v) => Some(v),
        None => {
            var(harness::settings::TIME_SCALE_VAR).map(|v| v.parse::<f64>().unwrap_or(f64::NAN))
        }
    };
    if let Some(v) = scale
        && let Err(e) = harness::settings::parse_time_scale(&v.to_string())
    {
        problems.push(format!("--time-scale {v}: {e}"));
    }
    let allow_production =
        allow_production || var("LOADTEST_ALLOW_PRODUCTION").as_deref() == Some("1");
    let heavy: Vec<Suite> = picked
        .iter()
        .copied()
        .filter(|s| HEAVY.contains(s))
        .collect();
    if env == "production" && !heavy.is_empty() && !allow_production {
        problems.push(format!(
            "{} would put production under heavy load: pass --allow-production if that is \
             really meant",
            names(&heavy)
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Resolved {
        env: env.to_string(),
        suites: picked,
        base_url,
        time_scale: scale,
        allow_production,
    })
}

fn names(suites: &[Suite]) -> String {
    suites
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(include_str!("../../loadtests/environments.toml")).unwrap()
    }

    fn run(
        env: &str,
        suites: &[&str],
        scale: Option<f64>,
        allow: bool,
        vars: &[(&str, &str)],
    ) -> Result<Resolved, Vec<String>> {
        let suites: Vec<String> = suites.iter().map(|s| s.to_string()).collect();
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        resolve(&config(), env, &suites, scale, allow, &var)
    }

    #[test]
    fn good_command_lines_resolve_to_an_environment_a_target_and_suites() {
        let r = run("mock", &["all"], Some(0.05), false, &[]).unwrap();
        assert_eq!(r.suites, Suite::ALL);
        assert_eq!((r.base_url, r.time_scale), (None, Some(0.05)));
        let r = run("local", &["smoke", "auth", "smoke"], None, false, &[]).unwrap();
        assert_eq!(r.suites, [Suite::Smoke, Suite::Auth]);
        assert_eq!(r.base_url.as_deref(), Some("http://127.0.0.1:8000"));
        let staging = [("KAIZEN_STAGING_URL", "https://staging.example.com")];
        let r = run("staging", &["smoke"], None, false, &staging).unwrap();
        assert_eq!(r.base_url.as_deref(), Some("https://staging.example.com"));
        let both = [
            ("KAIZEN_STAGING_URL", "https://a.example"),
            ("BASE_URL", "https://b.example"),
        ];
        let r = run("staging", &["smoke"], None, false, &both).unwrap();
        assert_eq!(
            r.base_url.as_deref(),
            Some("https://b.example"),
            "BASE_URL wins"
        );
        let r = run(
            "mock",
            &["smoke"],
            None,
            false,
            &[("LOADTEST_TIME_SCALE", "0.1")],
        )
        .unwrap();
        assert_eq!(r.time_scale, Some(0.1));
    }

    #[test]
    fn every_problem_is_named_at_once_before_anything_runs() {
        let errs = run("stagign", &["smok"], Some(0.0), false, &[]).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:#?}");
        assert!(
            errs[0].starts_with("unknown environment \"stagign\": one of"),
            "{errs:#?}"
        );
        assert!(errs[1].starts_with("unknown suite \"smok\""), "{errs:#?}");
        assert!(errs[2].starts_with("--time-scale 0: "), "{errs:#?}");
        let none = run("mock", &[], None, false, &[]).unwrap_err();
        assert!(none[0].starts_with("name a suite"), "{none:#?}");
    }

    #[test]
    fn a_placeholder_url_is_refused_naming_the_variable_to_set() {
        let errs = run("staging", &["smoke"], None, false, &[]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("placeholder URL"), "{errs:#?}");
        assert!(
            errs[0].contains("set KAIZEN_STAGING_URL (or BASE_URL)"),
            "{errs:#?}"
        );
    }

    #[test]
    fn heavy_suites_need_consent_against_production_and_light_ones_do_not() {
        let url = [("KAIZEN_PRODUCTION_URL", "https://api.example.com")];
        let errs = run("production", &["all"], None, false, &url).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(
            errs[0]
                .starts_with("stress, spike, soak, capacity would put production under heavy load"),
            "{errs:#?}"
        );
        assert!(run("production", &["all"], None, true, &url).is_ok());
        let consent = [url[0], ("LOADTEST_ALLOW_PRODUCTION", "1")];
        assert!(run("production", &["stress"], None, false, &consent).is_ok());
        assert!(run("production", &["smoke", "auth"], None, false, &url).is_ok());
        assert!(
            run(
                "staging",
                &["stress"],
                None,
                false,
                &[("BASE_URL", "https://s.example")]
            )
            .is_ok()
        );
    }
}
