//! The seven suites: their load shapes, their mixes and how many test users setup makes.

mod auth;
mod crud;
pub mod flow;
pub mod ops;
mod smoke;
mod soak;
mod spike;
mod stress;

use std::fmt;

use harness::prelude::*;

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
}

impl Suite {
    pub const ALL: [Suite; 7] = [
        Suite::Smoke,
        Suite::Auth,
        Suite::Agents,
        Suite::Pipelines,
        Suite::Stress,
        Suite::Spike,
        Suite::Soak,
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
        }
    }

    /// The suite's scenario, at full length (the runner applies `LOADTEST_TIME_SCALE`).
    pub fn scenario(self) -> Scenario {
        match self {
            Suite::Smoke => Scenario::new("smoke", ConstantVus::new(5, secs(30)), smoke::iteration),
            Suite::Auth => Scenario::new("auth", auth::shape(), auth::iteration),
            Suite::Agents => Scenario::new("agents", crud::shape(), crud::agents),
            Suite::Pipelines => Scenario::new("pipelines", crud::shape(), crud::pipelines),
            Suite::Stress => Scenario::new("stress", stress::shape(), stress::iteration),
            Suite::Spike => Scenario::new("spike", spike::shape(), spike::iteration),
            Suite::Soak => Scenario::new("soak", soak::shape(), soak::iteration),
        }
    }

    /// How many test users setup registers (each in its own organisation, with a workspace):
    /// the original's counts (auth: its five `loadtest` users; smoke: one, unused by the VUs,
    /// which register their own).
    pub fn test_users(self) -> usize {
        match self {
            Suite::Smoke => 1,
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

    #[test]
    fn suite_shapes_match_the_original_k6_suite() {
        let expect = [
            (Suite::Smoke, 5, 30),
            (Suite::Auth, 50, 240),
            (Suite::Agents, 100, 960),
            (Suite::Pipelines, 100, 960),
            (Suite::Stress, 500, 1320),
            (Suite::Spike, 1000, 390),
            (Suite::Soak, 100, 2400),
        ];
        for (suite, vus, secs) in expect {
            let s = suite.scenario();
            assert_eq!(s.executor().max_vus(), vus, "{suite} VUs");
            assert_eq!(s.executor().duration().as_secs(), secs, "{suite} duration");
            assert!(s.executor().validate().is_empty(), "{suite}");
        }
    }
}
