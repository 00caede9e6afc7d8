//! Environments and thresholds, read from `environments.toml` (or the file in
//! `LOADTEST_CONFIG`), never from code. Unknown keys are errors; so is a suite without
//! thresholds or an environment naming an SLO that does not exist.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Error;

const BUILT_IN: &str = include_str!("../environments.toml");

/// The environment a run uses when `LOADTEST_ENV` is not set: the embedded mock.
pub const DEFAULT_ENV: &str = "mock";

/// One environment's settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Empty: start the embedded mock.
    #[serde(default)]
    pub base_url: String,
    /// Present a distinct client address (`X-Forwarded-For`) per VU and iteration, for servers
    /// that rate-limit auth by address.
    #[serde(default)]
    pub distinct_forwarded_for: bool,
    /// The SLO set (a key of `[slo]`) the environment is held to.
    pub slo: String,
}

/// One suite's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteConfig {
    /// Whether the environment's SLOs and the endpoint targets apply to this suite.
    pub slo: bool,
    pub thresholds: BTreeMap<String, Vec<String>>,
    /// The question this suite answers beyond its thresholds, if any.
    #[serde(default)]
    pub analysis: Option<crate::analysis_config::AnalysisConfig>,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub environments: BTreeMap<String, Environment>,
    pub slo: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub endpoint_slo: BTreeMap<String, Vec<String>>,
    pub suites: BTreeMap<String, SuiteConfig>,
}

/// One threshold a suite runs with, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredThreshold {
    pub metric: String,
    pub expression: String,
    /// Endpoint targets pass when the suite never calls the endpoint.
    pub allow_no_data: bool,
    /// `suite`, `environment <env>` (its SLO set) or `endpoint targets`: named in the report,
    /// and both named when a suite's own threshold is also its environment's.
    pub source: String,
}

impl Config {
    /// The built-in file, or the file at `path` (`LOADTEST_CONFIG`, read by the caller).
    pub fn load(path: Option<&str>) -> Result<Config, Error> {
        match path {
            Some(path) if !path.is_empty() => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Config(format!("LOADTEST_CONFIG={path}: {e}")))?;
                Config::parse(&text).map_err(|e| Error::Config(format!("{path}: {e}")))
            }
            _ => Config::parse(BUILT_IN),
        }
    }

    /// Parses and checks a file: every problem at once.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let c: Config = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let mut problems = Vec::new();
        for suite in crate::Suite::ALL {
            match c.suites.get(suite.name()) {
                None => problems.push(format!("[suites.{suite}] is missing")),
                Some(s) if s.thresholds.values().all(Vec::is_empty) => problems.push(format!(
                    "[suites.{suite}.thresholds] is empty: a suite without thresholds passes anything"
                )),
                Some(_) => {}
            }
        }
        for (name, s) in &c.suites {
            if let Some(a) = &s.analysis {
                problems.extend(a.problems(name));
            }
        }
        for name in c.suites.keys() {
            if !crate::Suite::ALL.iter().any(|s| s.name() == name) {
                problems.push(format!("[suites.{name}]: there is no suite {name:?}"));
            }
        }
        for (name, env) in &c.environments {
            if !c.slo.contains_key(&env.slo) {
                problems.push(format!(
                    "[environments.{name}] slo = {:?}: no [slo.{}] table",
                    env.slo, env.slo
                ));
            }
        }
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(Error::Config(problems.join("; ")))
        }
    }

    /// The suite's analysis, if its `[suites.<suite>.analysis]` names one.
    pub fn analysis(&self, suite: &str) -> Option<harness::analysis::Analysis> {
        self.suites
            .get(suite)?
            .analysis
            .as_ref()
            .map(crate::analysis_config::AnalysisConfig::to_analysis)
    }

    /// The environment named by `LOADTEST_ENV`.
    pub fn environment(&self, name: &str) -> Result<&Environment, Error> {
        self.environments.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            Error::Config(format!(
                "LOADTEST_ENV={name:?} is not configured (known: {})",
                known.join(", ")
            ))
        })
    }

    /// A suite's thresholds in an environment: the suite's own, then (for SLO suites) the
    /// environment's SLOs and the endpoint targets.
    pub fn thresholds(&self, suite: &str, env: &str) -> Vec<ConfiguredThreshold> {
        let mut out = Vec::new();
        let Some(s) = self.suites.get(suite) else {
            return out;
        };
        let mut add = |table: &BTreeMap<String, Vec<String>>, allow_no_data: bool, source: &str| {
            for (metric, exprs) in table {
                for e in exprs {
                    out.push(ConfiguredThreshold {
                        metric: metric.clone(),
                        expression: e.clone(),
                        allow_no_data,
                        source: source.to_string(),
                    });
                }
            }
        };
        add(&s.thresholds, false, "suite");
        if s.slo {
            let slo = self
                .environments
                .get(env)
                .and_then(|e| self.slo.get(&e.slo));
            if let Some(slo) = slo {
                add(slo, false, &format!("environment {env}"));
            }
            add(&self.endpoint_slo, true, "endpoint targets");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_has_the_originals_environments_and_every_suite() {
        let c = Config::parse(BUILT_IN).unwrap();
        for env in ["mock", "local", "development", "staging", "production"] {
            c.environment(env).unwrap();
        }
        assert_eq!(
            c.environment("local").unwrap().base_url,
            "http://127.0.0.1:8000"
        );
        assert!(c.environment(DEFAULT_ENV).unwrap().base_url.is_empty());
    }

    #[test]
    fn slo_suites_get_the_environments_slo_and_the_endpoint_targets() {
        let c = Config::parse(BUILT_IN).unwrap();
        let staging = c.thresholds("smoke", "staging");
        let has = |m: &str, e: &str| staging.iter().any(|t| t.metric == m && t.expression == e);
        assert!(has("http_req_duration", "p(95)<500"), "the script's own");
        assert!(has("http_req_duration", "p(95)<300"), "staging's SLO");
        let login = staging
            .iter()
            .find(|t| t.metric == "http_req_duration{name:POST /api/v1/auth/login}")
            .unwrap();
        assert!(login.allow_no_data);
        let stress = c.thresholds("stress", "production");
        assert!(stress.iter().all(|t| !t.metric.contains("name:")));
        assert!(!stress.iter().any(|t| t.expression == "p(95)<200"));
    }

    #[test]
    fn a_suites_own_threshold_that_is_also_its_environments_slo_comes_with_both_sources() {
        let c = Config::parse(BUILT_IN).unwrap();
        let sources: Vec<String> = c
            .thresholds("smoke", "local")
            .into_iter()
            .filter(|t| t.metric == "http_req_duration" && t.expression == "p(95)<500")
            .map(|t| t.source)
            .collect();
        // The harness evaluates the two once, naming both.
        assert_eq!(sources, ["suite", "environment local"]);
    }

    #[test]
    fn typos_and_missing_thresholds_are_refused_with_the_key_named() {
        let typo = BUILT_IN.replace("[suites.smoke.thresholds]", "[suites.smoke.threshold]");
        let err = Config::parse(&typo).unwrap_err().to_string();
        assert!(err.contains("threshold"), "{err}");
        let typo = BUILT_IN.replacen("base_url = \"\"", "baseurl = \"\"", 1);
        let err = Config::parse(&typo).unwrap_err().to_string();
        assert!(err.contains("baseurl"), "{err}");
        let empty = BUILT_IN.replace(
            "[suites.spike.thresholds]\nhttp_req_duration = [\"p(95)<2000\", \"p(99)<5000\"]\nhttp_req_failed = [\"rate<0.15\"]\nsuccess_rate = [\"rate>0.80\"]",
            "[suites.spike.thresholds]",
        );
        let err = Config::parse(&empty).unwrap_err().to_string();
        assert!(err.contains("[suites.spike.thresholds] is empty"), "{err}");
        let bad_slo = BUILT_IN.replace("slo = \"staging\"", "slo = \"stagign\"");
        let err = Config::parse(&bad_slo).unwrap_err().to_string();
        assert!(err.contains("no [slo.stagign] table"), "{err}");
        let err = c().environment("qa").unwrap_err().to_string();
        assert!(err.contains("\"qa\"") && err.contains("mock"), "{err}");
    }

    fn c() -> Config {
        Config::parse(BUILT_IN).unwrap()
    }
}
