//! Both cores (issue 22): does the generator send more with two worker threads than with one?
//! Three set-ups alternate round by round against one `minimal` server with worker threads of
//! its own: one generator thread with a core to itself, one thread on the shared cores, two
//! threads. Every run also reads, from `/proc`, the CPU time the generator, the server and the
//! rest of the machine used, and how long each one's threads sat idle, so the ratio can be read
//! for what it is on a machine whose server must share the generator's cores. There, two more
//! set-ups hold every generator thread to `SHARE` of a core (`budget.rs`): one thread with one
//! such slice against two threads with two, the server on what is left. This file plans the
//! set-ups; `cores_run.rs` runs them and `cores_report.rs` writes what they showed.

use super::cpu::Usage;
use crate::proc::median;

/// The share of a core each generator thread may use in the budget set-ups: two threads' worth
/// (0.8) leaves a 2-core machine 1.2 cores for a server that needs about as much CPU per request
/// as the generator (`minimal`: 0.9 cores against the generator's 0.98 at the same rate).
pub(super) const SHARE: f64 = 0.4;
// Two threads' budgets leave a 2-core machine's server more than either thread gets.
const _: () = assert!(2.0 - 2.0 * SHARE > SHARE);

/// One set-up: the generator's worker threads and the cores each process may use.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Setup {
    pub label: &'static str,
    pub workers: usize,
    pub generator: String,
    pub server: String,
    /// Each generator thread held to this share of a core (`budget.rs`).
    pub budget: Option<f64>,
}

/// Where everything runs on a machine of `nproc` cores: the server keeps cores of its own when
/// there are four or more; otherwise it shares them with the two-thread generator.
#[derive(Debug, PartialEq)]
pub(super) struct Plan {
    pub dedicated: bool,
    pub server_workers: usize,
    /// One thread on core 0, one thread on the shared cores, two threads; without cores for the
    /// server, then one and two threads on a budget of `SHARE` of a core each.
    pub setups: Vec<Setup>,
}

fn cores(from: usize, to: usize) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

pub(super) fn plan(nproc: usize) -> Option<Plan> {
    let last = nproc.checked_sub(1).filter(|l| *l >= 1)?;
    let dedicated = nproc >= 4;
    let (gen_cores, server_cores, server_one) = if dedicated {
        (cores(0, 1), cores(2, last), cores(2, last))
    } else {
        (cores(0, last), cores(0, last), cores(1, last))
    };
    let setup = |label, workers, generator: &str, server: &str| Setup {
        label,
        workers,
        generator: generator.to_string(),
        server: server.to_string(),
        budget: None,
    };
    let mut setups = vec![
        setup("1 thread", 1, "0", &server_one),
        setup(
            "1 thread on the 2 threads' cores",
            1,
            &gen_cores,
            &server_cores,
        ),
        setup("2 threads", 2, &gen_cores, &server_cores),
    ];
    if !dedicated {
        let budget = |label, workers| Setup {
            budget: Some(SHARE),
            ..setup(label, workers, &gen_cores, &server_cores)
        };
        setups.push(budget("1 thread, 0.4 of a core", 1));
        setups.push(budget("2 threads, 0.4 of a core each", 2));
    }
    Some(Plan {
        dedicated,
        server_workers: if dedicated { nproc - 2 } else { nproc },
        setups,
    })
}

/// One run's figures.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sample {
    pub rps: f64,
    pub failed: f64,
    pub lag_p99: f64,
    pub per_vu: [f64; 3],
    pub generator: Usage,
    pub server: Usage,
    /// Cores the rest of the machine kept busy meanwhile.
    pub others: f64,
    /// Times a second a generator thread was held back by its budget.
    pub throttled: f64,
}

impl Sample {
    /// Requests per second of generator CPU.
    pub(super) fn per_cpu_s(&self) -> f64 {
        self.rps / self.generator.cpu.max(f64::EPSILON)
    }
}

/// The median of one figure over a set-up's rounds.
pub(super) fn med(runs: &[Sample], f: impl Fn(&Sample) -> f64) -> f64 {
    median(runs.iter().map(f).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(p: &Plan) -> Vec<(usize, &str, &str)> {
        p.setups
            .iter()
            .map(|s| (s.workers, s.generator.as_str(), s.server.as_str()))
            .collect()
    }

    fn budgets(p: &Plan) -> Vec<Option<f64>> {
        p.setups.iter().map(|s| s.budget).collect()
    }

    #[test]
    fn two_cores_share_them_and_give_the_one_thread_baseline_core_0() {
        let p = plan(2).expect("a plan");
        assert!(!p.dedicated);
        assert_eq!(p.server_workers, 2);
        assert_eq!(
            lists(&p),
            [
                (1, "0", "1"),
                (1, "0-1", "0-1"),
                (2, "0-1", "0-1"),
                (1, "0-1", "0-1"),
                (2, "0-1", "0-1")
            ]
        );
    }

    #[test]
    fn without_cores_for_the_server_one_and_two_threads_also_run_on_a_budget_that_leaves_it_room() {
        let p = plan(2).expect("a plan");
        let b = budgets(&p);
        assert_eq!(b[..3], [None, None, None]);
        assert_eq!(b[3..], [Some(SHARE), Some(SHARE)]);
        assert!(
            budgets(&plan(8).expect("a plan"))
                .iter()
                .all(Option::is_none)
        );
    }

    #[test]
    fn four_or_more_cores_keep_the_server_off_the_generators_cores() {
        let p = plan(8).expect("a plan");
        assert!(p.dedicated);
        assert_eq!(p.server_workers, 6);
        assert_eq!(
            lists(&p),
            [(1, "0", "2-7"), (1, "0-1", "2-7"), (2, "0-1", "2-7")]
        );
        let p = plan(4).expect("a plan");
        assert_eq!(lists(&p)[2], (2, "0-1", "2-3"));
    }

    #[test]
    fn three_cores_share_all_of_them() {
        let p = plan(3).expect("a plan");
        assert!(!p.dedicated);
        assert_eq!(
            lists(&p)[..3],
            [(1, "0", "1-2"), (1, "0-2", "0-2"), (2, "0-2", "0-2")]
        );
    }

    #[test]
    fn one_core_has_no_plan() {
        assert_eq!(plan(1), None);
        assert_eq!(plan(0), None);
    }
}
