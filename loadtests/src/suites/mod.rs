//! The seven suites of the original, and `capacity`: their load shapes, their mixes and how many
//! test users setup makes.

mod auth;
mod capacity;
mod crud;
pub mod flow;
pub mod ops;
mod smoke;
mod soak;
mod spike;
mod stress;

use std::fmt;

use harness::prelude::*;

use crate::fixture::Fixture;

/// One of the seven suites of the original k6 suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Smoke,
    Auth,
    Agents,
    Pipelines,
    Stress,
    Spike,
    Soak,
    /// Not in the original: the highest request rate within the SLO (a capacity search).
    Capacity,
}

impl Suite {
    pub const ALL: [Suite; 8] = [
        Suite::Smoke,
        Suite::Auth,
        Suite::Agents,
        Suite::Pipelines,
        Suite::Stress,
        Suite::Spike,
        Suite::Soak,
        Suite::Capacity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Smoke => "smoke",
            Suite::Auth => "auth",
            Suite::Agents => "agents",
            Suite::Pipelines => "pipelines",
            Suite::Stress => "stress",
            Suite::Spike => "spike",
            Suite::Soak => "soak",
            Suite::Capacity => "capacity",
        }
    }

    /// The suite's scenario, at full length (the runner applies `LOADTEST_TIME_SCALE`); its
    /// VUs receive setup's [`Fixture`].
    pub fn scenario(self) -> Scenario<Fixture> {
        let smoke = ConstantVus::new(5, secs(30));
        match self {
            Suite::Smoke => Scenario::from_fn("smoke", smoke, smoke::iteration),
            Suite::Auth => Scenario::from_fn("auth", auth::shape(), auth::iteration),
            Suite::Agents => Scenario::from_fn("agents", crud::shape(), crud::agents),
            Suite::Pipelines => Scenario::from_fn("pipelines", crud::shape(), crud::pipelines),
            Suite::Stress => Scenario::from_fn("stress", stress::shape(), stress::iteration),
            Suite::Spike => Scenario::from_fn("spike", spike::shape(), spike::iteration),
            Suite::Soak => Scenario::from_fn("soak", soak::shape(), soak::iteration),
            Suite::Capacity => {
                Scenario::from_fn("capacity", capacity::shape(), capacity::iteration)
            }
        }
    }

    /// How many test users setup registers (each in its own organisation, with a workspace):
    /// the original's counts (auth: its five `loadtest` users; smoke: one, unused by the VUs,
    /// which register their own).
    pub fn test_users(self) -> usize {
        match self {
            Suite::Smoke | Suite::Capacity => 1,
            Suite::Auth => 5,
            Suite::Agents | Suite::Pipelines => 10,
            Suite::Stress | Suite::Soak => 20,
            Suite::Spike => 50,
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn m(minutes: u64) -> std::time::Duration {
    secs(minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The original k6 suite's stages (seconds → target VUs; smoke: constant 5 VUs for 30 s)
    /// and thresholds, as its scripts wrote them.
    /// (seconds, target VUs) per stage.
    type Stages = &'static [(u64, u64)];
    /// (metric, expression) per threshold.
    type Thresholds = &'static [(&'static str, &'static str)];

    const ORIGINAL: [(Suite, Stages, Thresholds); 7] = [
        (
            Suite::Smoke,
            &[(30, 5)],
            &[
                ("http_req_duration", "p(95)<500"),
                ("http_req_duration", "p(99)<1000"),
                ("http_req_failed", "rate<0.05"),
                ("success_rate", "rate>0.95"),
                ("login_duration", "p(95)<300"),
                ("logout_duration", "p(95)<200"),
            ],
        ),
        (
            Suite::Auth,
            &[(30, 10), (60, 50), (120, 50), (30, 0)],
            &[
                ("http_req_duration", "p(95)<300"),
                ("http_req_duration", "p(99)<600"),
                ("http_req_failed", "rate<0.02"),
                ("success_rate", "rate>0.98"),
                ("login_duration", "p(95)<250"),
                ("login_duration", "p(99)<500"),
                ("logout_duration", "p(95)<150"),
                ("logout_duration", "p(99)<300"),
                ("auth_errors", "count<10"),
            ],
        ),
        (
            Suite::Agents,
            &[
                (60, 20),
                (120, 50),
                (300, 100),
                (300, 100),
                (120, 50),
                (60, 0),
            ],
            &[
                ("http_req_duration", "p(95)<300"),
                ("http_req_duration", "p(99)<700"),
                ("http_req_failed", "rate<0.02"),
                ("success_rate", "rate>0.98"),
                ("agent_crud_duration", "p(95)<400"),
                ("agent_crud_duration", "p(99)<800"),
                ("api_errors", "count<50"),
            ],
        ),
        (
            Suite::Pipelines,
            &[
                (60, 20),
                (120, 50),
                (300, 100),
                (300, 100),
                (120, 50),
                (60, 0),
            ],
            &[
                ("http_req_duration", "p(95)<300"),
                ("http_req_duration", "p(99)<700"),
                ("http_req_failed", "rate<0.02"),
                ("success_rate", "rate>0.98"),
                ("pipeline_crud_duration", "p(95)<400"),
                ("pipeline_crud_duration", "p(99)<800"),
                ("api_errors", "count<50"),
            ],
        ),
        (
            Suite::Stress,
            &[
                (120, 50),
                (180, 100),
                (180, 200),
                (180, 300),
                (180, 400),
                (180, 500),
                (120, 500),
                (180, 0),
            ],
            &[
                ("http_req_duration", "p(95)<1000"),
                ("http_req_duration", "p(99)<2000"),
                ("http_req_failed", "rate<0.1"),
                ("success_rate", "rate>0.85"),
            ],
        ),
        (
            Suite::Spike,
            &[
                (60, 20),
                (30, 1000),
                (120, 1000),
                (30, 20),
                (120, 20),
                (30, 0),
            ],
            &[
                ("http_req_duration", "p(95)<2000"),
                ("http_req_duration", "p(99)<5000"),
                ("http_req_failed", "rate<0.15"),
                ("success_rate", "rate>0.80"),
            ],
        ),
        (
            Suite::Soak,
            &[(300, 100), (1800, 100), (300, 0)],
            &[
                ("http_req_duration", "p(95)<300"),
                ("http_req_duration", "p(99)<700"),
                ("http_req_failed", "rate<0.02"),
                ("success_rate", "rate>0.98"),
                ("login_duration", "p(95)<250"),
                ("logout_duration", "p(95)<150"),
            ],
        ),
    ];

    fn stages(s: &Scenario<Fixture>) -> Vec<(u64, u64)> {
        match s.executor() {
            Executor::RampingVus(r) => r
                .stages
                .iter()
                .map(|st| (st.duration.as_secs(), st.target))
                .collect(),
            Executor::ConstantVus(c) => vec![(c.duration.as_secs(), c.vus)],
            other => panic!("unexpected executor {}", other.name()),
        }
    }

    #[test]
    fn each_suites_stages_and_thresholds_are_the_original_scripts() {
        let config = Config::parse(include_str!("../../environments.toml")).unwrap();
        for (suite, original_stages, original_thresholds) in ORIGINAL {
            let s = suite.scenario();
            assert_eq!(stages(&s), original_stages, "{suite} stages");
            assert!(s.executor().validate().is_empty(), "{suite}");
            let own = &config.suites[suite.name()].thresholds;
            let mut ours: Vec<(&str, &str)> = own
                .iter()
                .flat_map(|(m, es)| es.iter().map(move |e| (m.as_str(), e.as_str())))
                .filter(|(m, _)| *m != "checks")
                .collect();
            let mut want = original_thresholds.to_vec();
            ours.sort();
            want.sort();
            assert_eq!(ours, want, "{suite} thresholds");
        }
    }

    #[test]
    fn setup_makes_the_originals_number_of_test_users() {
        let users: Vec<usize> = Suite::ALL.iter().map(|s| s.test_users()).collect();
        // The seven originals, then capacity (one user: its VUs log in once each).
        assert_eq!(users, [1, 5, 10, 10, 20, 50, 20, 1]);
    }
}
