//! Environments and thresholds, read from `environments.toml` (or the file in
//! `LOADTEST_CONFIG`), never from code.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Error;

const BUILT_IN: &str = include_str!("../environments.toml");

/// One environment's settings.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Environment {
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub gateway_url: String,
    #[serde(default)]
    pub distinct_forwarded_for: bool,
    #[serde(default)]
    pub thresholds: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct SuiteConfig {
    #[serde(default)]
    pub thresholds: BTreeMap<String, Vec<String>>,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub environments: BTreeMap<String, Environment>,
    #[serde(default)]
    pub suites: BTreeMap<String, SuiteConfig>,
}

impl Config {
    /// The built-in file, or `LOADTEST_CONFIG` when set.
    pub fn load() -> Result<Config, Error> {
        match std::env::var("LOADTEST_CONFIG") {
            Ok(path) if !path.is_empty() => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::Config(format!("{path}: {e}")))?;
                Config::parse(&text).map_err(|e| Error::Config(format!("{path}: {e}")))
            }
            _ => Config::parse(BUILT_IN),
        }
    }

    pub fn parse(text: &str) -> Result<Config, Error> {
        toml::from_str(text).map_err(|e| Error::Config(e.to_string()))
    }

    /// The environment named by `LOADTEST_ENV` (default `development`).
    pub fn environment(&self, name: &str) -> Result<&Environment, Error> {
        self.environments.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            Error::Config(format!(
                "LOADTEST_ENV={name:?} is not configured (known: {})",
                known.join(", ")
            ))
        })
    }

    /// A suite's thresholds in an environment: the suite's, with the environment's overrides.
    pub fn thresholds(&self, suite: &str, env: &str) -> BTreeMap<String, Vec<String>> {
        let mut t = self
            .suites
            .get(suite)
            .map(|s| s.thresholds.clone())
            .unwrap_or_default();
        if let Some(over) = self
            .environments
            .get(env)
            .and_then(|e| e.thresholds.get(suite))
        {
            for (metric, exprs) in over {
                t.insert(metric.clone(), exprs.clone());
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_has_three_environments_and_seven_suites() {
        let c = Config::parse(BUILT_IN).unwrap();
        for env in ["development", "staging", "production"] {
            c.environment(env).unwrap();
        }
        for suite in crate::Suite::ALL {
            assert!(
                !c.thresholds(suite.name(), "development").is_empty(),
                "{}",
                suite.name()
            );
        }
    }

    #[test]
    fn environment_thresholds_replace_the_suites_metric_by_metric() {
        let c = Config::parse(BUILT_IN).unwrap();
        let prod = c.thresholds("smoke", "production");
        assert_eq!(prod["http_req_duration"], vec!["p(95)<200", "p(99)<500"]);
        assert_eq!(
            prod["success_rate"],
            vec!["rate>0.95"],
            "kept from the suite"
        );
        assert!(
            c.environment("qa")
                .unwrap_err()
                .to_string()
                .contains("\"qa\"")
        );
    }
}
