//! Test data the real API accepts: unique emails, agent and pipeline bodies.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::model::{NewAgent, NewPipeline, NewUser};

/// The password every generated user gets (≥ 8 characters, as the API requires).
pub const PASSWORD: &str = "LoadTest!2345";

/// A unique email for this run, VU and counter.
pub fn email(run: &str, vu: u64, n: u64) -> String {
    format!("lt_{run}_{vu}_{n}@example.com")
}

pub fn new_user(run: &str, vu: u64, n: u64) -> NewUser {
    NewUser {
        email: email(run, vu, n),
        password: PASSWORD.to_string(),
        name: format!("Load Tester {vu}"),
        organization_name: format!("LoadTest Org {run} {vu} {n}"),
    }
}

pub fn new_agent(rng: &mut impl Rng, workspace_id: &str, vu: u64, n: u64) -> NewAgent {
    let kind = ["chat", "task", "pipeline", "custom"]
        .choose(rng)
        .copied()
        .unwrap_or("chat");
    NewAgent {
        workspace_id: workspace_id.to_string(),
        name: format!("lt-agent-{vu}-{n}"),
        agent_type: kind.to_string(),
        model_id: "gpt-4o-mini".to_string(),
        description: "created by the load test".to_string(),
        system_prompt: "You are a helpful assistant.".to_string(),
        temperature: f64::from(rng.random_range(0u8..=10)) / 10.0,
        max_tokens: rng.random_range(64..=1024),
    }
}

pub fn new_pipeline(
    rng: &mut impl Rng,
    organization_id: &str,
    workspace_id: &str,
    vu: u64,
    n: u64,
) -> NewPipeline {
    let pattern = ["sequential", "parallel", "router", "supervisor", "ensemble"]
        .choose(rng)
        .copied()
        .unwrap_or("sequential");
    NewPipeline {
        organization_id: organization_id.to_string(),
        workspace_id: workspace_id.to_string(),
        name: format!("lt-pipeline-{vu}-{n}"),
        pattern: pattern.to_string(),
        description: "created by the load test".to_string(),
    }
}

/// A client address (`10.x.y.z`) for one VU's iteration, for servers that rate-limit auth per
/// IP: distinct for every VU below 1,024 and iteration below 16,384 (the 24 bits hold both).
pub fn client_address(vu: u64, iteration: u64) -> String {
    let n = ((vu % 1024) << 14) | (iteration % 16_384);
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn emails_are_unique_per_vu_and_counter() {
        assert_ne!(email("r", 1, 2), email("r", 2, 1));
        assert!(email("r", 1, 2).contains('@'));
    }

    #[test]
    fn generated_bodies_fit_the_api() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let a = new_agent(&mut rng, "ws", 1, 1);
        assert!((0.0..=2.0).contains(&a.temperature));
        assert!(["chat", "task", "pipeline", "custom"].contains(&a.agent_type.as_str()));
        let p = new_pipeline(&mut rng, "org", "ws", 1, 1);
        assert!(
            ["sequential", "parallel", "router", "supervisor", "ensemble"]
                .contains(&p.pattern.as_str())
        );
        assert!(new_user("r", 1, 1).password.len() >= 8);
        assert_eq!(client_address(0, 258), "10.0.1.2");
        assert_eq!(client_address(1, 0), "10.0.64.0");
        let mut seen = std::collections::HashSet::new();
        for vu in 0..1024 {
            for it in [0, 1, 16_383] {
                assert!(seen.insert(client_address(vu, it)), "{vu} {it}");
            }
        }
    }
}
