//! capacity — not in the original suite: how many requests a second the API serves within its
//! SLO. A `CapacitySearch` raises the arrival rate of one request — a page of 20 agents, as a
//! logged-in test user — while p95 ≤ 500 ms and errors ≤ 1 %, then bisects between the last
//! rate that held and the first that broke. Each VU logs in once and keeps its session; a 401
//! drops it, and the VU's next iteration logs in again.

use harness::prelude::*;

use super::ops::{self, Resource};
use crate::fixture::{Fixture, Session, login};

/// 30 s steps from 50/s, 100/s more each step, up to 2,000/s; at most 16 steps.
pub fn shape() -> CapacitySearch {
    CapacitySearch {
        step_duration: secs(30),
        cooldown: secs(30),
        max_steps: 16,
        pre_allocated_vus: 20,
        max_vus: 500,
        ..CapacitySearch::new(50, 100, 2_000, 500.0)
    }
}

/// The VU's session, kept across iterations.
#[derive(Debug, Default)]
struct Kept(Option<Session>);

pub async fn iteration(vu: &mut Vu, f: &Fixture) -> Result<(), BoxError> {
    let session = match vu.state::<Kept>().0.clone() {
        Some(s) => s,
        None => {
            let s = login(vu, f).await?;
            vu.state::<Kept>().0 = Some(s.clone());
            s
        }
    };
    let listed = ops::list_page(vu, &session, Resource::Agent, 1, 20).await;
    if listed.as_ref().is_err_and(|e| e.is_unauthorized()) {
        vu.state::<Kept>().0 = None;
    }
    Ok(listed?)
}
