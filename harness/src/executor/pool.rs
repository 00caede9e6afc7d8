//! The closed-model loop shared by `constant-vus`, `per-vu-iterations` and
//! `shared-iterations`: a fixed number of VUs, each running iterations until the scenario stops
//! or its budget of iterations is spent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::ScenarioRun;

/// How many iterations a VU of a fixed pool may start.
#[derive(Debug, Clone)]
pub(super) enum Budget {
    /// Until the scenario stops (`constant-vus`).
    Unbounded,
    /// This many, each VU on its own (`per-vu-iterations`).
    PerVu(u64),
    /// This many between all VUs (`shared-iterations`).
    Shared(Arc<AtomicU64>, u64),
}

impl Budget {
    /// Takes one iteration from the budget, if any is left.
    fn take(&mut self) -> bool {
        match self {
            Budget::Unbounded => true,
            Budget::PerVu(left) => {
                let some = *left > 0;
                *left = left.saturating_sub(1);
                some
            }
            Budget::Shared(taken, total) => taken.fetch_add(1, Ordering::Relaxed) < *total,
        }
    }
}

/// Runs `vus` VUs, each with a clone of `budget`, until the scenario stops or the budget ends.
pub(super) async fn run(run: Arc<ScenarioRun>, vus: u64, budget: Budget) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..vus {
        let (run, mut budget) = (run.clone(), budget.clone());
        tasks.spawn(async move {
            let Some(mut vu) = run.new_vu().await else {
                return;
            };
            run.activate();
            while !run.stop.is_cancelled() && budget.take() {
                run.iteration(&mut vu, None).await;
            }
            run.deactivate();
        });
    }
    tasks.join_all().await;
}
