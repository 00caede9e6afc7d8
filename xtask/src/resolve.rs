//! What `cargo xtask <env> <suite>...` means, checked before anything is built or sent: the
//! suites exist, and the rest — environment, URL, time scale, production consent — by the one
//! resolution every runner uses ([`loadtests::target::resolve`]). Every problem is reported at
//! once, each a sentence naming what to change.

use loadtests::Suite;
use loadtests::config::Config;
use loadtests::target::{Flags, Target, resolve as resolve_target};

/// A run the xtask may start: its suites and their target.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub suites: Vec<Suite>,
    pub target: Target,
}

/// Resolves the command line against the config and the environment variables (`var`).
pub fn resolve(
    config: &Config,
    env: &str,
    suites: &[String],
    time_scale: Option<String>,
    allow_production: bool,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, Vec<String>> {
    let mut problems = Vec::new();
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
    let flags = Flags {
        env: Some(env.to_string()),
        time_scale,
        allow_production,
        ..Flags::default()
    };
    match resolve_target(config, &picked, &flags, var) {
        Ok(target) if problems.is_empty() => Ok(Resolved {
            suites: picked,
            target,
        }),
        Ok(_) => Err(problems),
        Err(refusal) => {
            problems.extend(refusal.problems);
            Err(problems)
        }
    }
}

/// Suite names as a list for a sentence: `smoke, auth, agents`.
pub fn names(suites: &[Suite]) -> String {
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
        scale: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Result<Resolved, Vec<String>> {
        let suites: Vec<String> = suites.iter().map(|s| s.to_string()).collect();
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        resolve(
            &config(),
            env,
            &suites,
            scale.map(String::from),
            false,
            &var,
        )
    }

    #[test]
    fn suites_are_named_once_each_and_all_means_every_one() {
        let r = run("mock", &["all"], Some("0.05"), &[]).unwrap();
        assert_eq!(r.suites, Suite::ALL);
        assert_eq!((r.target.base_url, r.target.time_scale), (None, 0.05));
        let r = run("local", &["smoke", "auth", "smoke"], None, &[]).unwrap();
        assert_eq!(r.suites, [Suite::Smoke, Suite::Auth]);
        assert_eq!(r.target.base_url.as_deref(), Some("http://127.0.0.1:8000"));
    }

    #[test]
    fn every_problem_is_named_at_once_before_anything_runs() {
        let errs = run("stagign", &["smok"], Some("0"), &[]).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:#?}");
        assert!(errs[0].starts_with("unknown suite \"smok\""), "{errs:#?}");
        assert!(
            errs[1].starts_with("unknown environment \"stagign\": one of"),
            "{errs:#?}"
        );
        assert!(errs[2].contains("LOADTEST_TIME_SCALE=\"0\""), "{errs:#?}");
        let none = run("mock", &[], None, &[]).unwrap_err();
        assert!(none[0].starts_with("name a suite"), "{none:#?}");
    }

    #[test]
    fn heavy_suites_among_all_need_consent_against_production() {
        let url = [("KAIZEN_PRODUCTION_URL", "https://api.example.com")];
        let errs = run("production", &["all"], None, &url).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(
            errs[0]
                .starts_with("stress, spike, soak, capacity would put production under heavy load"),
            "{errs:#?}"
        );
        assert!(run("production", &["smoke", "auth"], None, &url).is_ok());
    }
}
