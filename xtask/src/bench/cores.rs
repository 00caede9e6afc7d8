//! Both cores (issue 22): does the generator send more with two worker threads than with one?
//! Three set-ups alternate round by round against one `minimal` server with worker threads of
//! its own: one generator thread with a core to itself, one thread on the shared cores, two
//! threads. Every run also reads, from `/proc`, the CPU time the generator, the server and the
//! rest of the machine used, and how long each one's threads sat idle, so the ratio can be read
//! for what it is on a machine whose server must share the generator's cores. There, two more
//! set-ups hold every generator thread to `SHARE` of a core (`budget.rs`): one thread with one
//! such slice against two threads with two, the server on what is left.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::budget::Budget;
use super::cores_report::write_section;
use super::cpu::{self, Threads, Usage};
use super::{Ctx, json_field, path};
use crate::proc::{Server, free_port, median};

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

fn plan(nproc: usize) -> Option<Plan> {
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

/// `program args` allowed only on `list` (a taskset core list such as `0-1`).
fn on(list: &str, program: &str, args: &[&str]) -> Command {
    let mut c = Command::new("taskset");
    c.args(["-c", list, program]).args(args);
    c
}

/// Moves every thread of a running process to `list`.
fn repin(pid: u32, list: &str) -> Result<()> {
    let ok = Command::new("taskset")
        .args(["-a", "-p", "-c", list, &pid.to_string()])
        .stdout(Stdio::null())
        .status()?
        .success();
    if !ok {
        bail!("taskset could not move process {pid} to cores {list}");
    }
    Ok(())
}

struct Reading {
    at: Instant,
    generator: Threads,
    server: Threads,
    machine_s: f64,
}

fn read(generator: u32, server: u32) -> Reading {
    Reading {
        at: Instant::now(),
        generator: cpu::threads(generator),
        server: cpu::threads(server),
        machine_s: cpu::machine_busy_s(),
    }
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

/// One loadgen run in `setup`; CPU read between its first second and its last half second, so
/// start-up and the final report are left out.
fn run_one(ctx: &Ctx<'_>, setup: &Setup, server: &Server, url: &str) -> Result<Sample> {
    repin(server.child.id(), &setup.server)?;
    let secs = ctx.secs as f64;
    let workers = setup.workers.to_string();
    let args = [url, ctx.c, &ctx.secs.to_string(), "0", "per-vu", &workers];
    let mut budget = match setup.budget {
        Some(share) => Some(Budget::open("kaizen-bench", setup.workers, share)?),
        None => None,
    };
    let program = path(&ctx.bins.loadgen);
    let mut child = match &budget {
        Some(b) => b.command(&setup.generator, program, &args),
        None => on(&setup.generator, program, &args),
    }
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .context("start loadgen")?;
    let start = Instant::now();
    let (from, to) = (secs.min(4.0) / 4.0, secs - (secs / 10.0).min(0.5));
    std::thread::sleep(Duration::from_secs_f64(from));
    if let Some(b) = &mut budget {
        b.split(child.id())?;
    }
    let held = |b: &Option<Budget>| b.as_ref().map_or(0, Budget::throttled);
    let (a, held_a) = (read(child.id(), server.child.id()), held(&budget));
    std::thread::sleep((start + Duration::from_secs_f64(to)).saturating_duration_since(a.at));
    let (b, held_b) = (read(child.id(), server.child.id()), held(&budget));
    let limit = Duration::from_secs(ctx.secs + 60);
    while child.try_wait()?.is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            bail!("loadgen ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains("\"rps\"") {
        bail!(
            "loadgen {args:?} failed: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let window = (b.at - a.at).as_secs_f64();
    let f = |k| json_field(&text, k);
    let (generator, server) = (
        cpu::usage(&a.generator, &b.generator, window),
        cpu::usage(&a.server, &b.server, window),
    );
    let machine = (b.machine_s - a.machine_s) / window;
    Ok(Sample {
        rps: f("rps"),
        failed: f("failed_rate"),
        lag_p99: f("lag_p99_ms"),
        per_vu: [f("per_vu_min"), f("per_vu_median"), f("per_vu_max")],
        generator,
        server,
        others: (machine - generator.cpu - server.cpu).max(0.0),
        throttled: held_b.saturating_sub(held_a) as f64 / window,
    })
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The median of one figure over a set-up's rounds.
pub(super) fn med(runs: &[Sample], f: impl Fn(&Sample) -> f64) -> f64 {
    median(runs.iter().map(f).collect())
}

pub(super) fn cores_part(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Some(mut plan) = plan(nproc) else {
        writeln!(md, "## Both cores\n\nSkipped: this machine has one core.\n")?;
        return Ok(());
    };
    if !crate::proc::have("taskset") {
        bail!("the cores part places processes with taskset (util-linux)");
    }
    // Without a CPU budget to give (no cgroup v1 cpu controller, not root) the budget set-ups
    // are left out and the section says why.
    let mut left_out = None;
    if plan.setups.iter().any(|s| s.budget.is_some())
        && let Err(e) = Budget::open("kaizen-bench", 1, SHARE)
    {
        plan.setups.retain(|s| s.budget.is_none());
        left_out = Some(format!("{e:#}"));
    }
    let load_before = load_average();
    let port = free_port();
    let server = Server::start(
        on(
            &plan.setups[0].server,
            path(&ctx.bins.minimal),
            &[&port.to_string(), &plan.server_workers.to_string()],
        ),
        port,
    )?;
    let url = server.url("/health");
    let n = plan.setups.len();
    let mut runs: Vec<Vec<Sample>> = vec![Vec::new(); n];
    for round in 0..ctx.args.rounds {
        // A different set-up goes first each round, so none always follows the same one.
        for i in (0..n).map(|k| (k + round) % n) {
            let s = run_one(ctx, &plan.setups[i], &server, &url)?;
            eprintln!(
                "cores round {}: {}: {:.0}/s, generator {:.2} cores, server {:.2}, others {:.2}, held back {:.0}/s",
                round + 1,
                plan.setups[i].label,
                s.rps,
                s.generator.cpu,
                s.server.cpu,
                s.others,
                s.throttled
            );
            runs[i].push(s);
        }
    }
    drop(server);
    write_section(
        md,
        ctx,
        &plan,
        nproc,
        &runs,
        [&load_before, &load_average()],
        left_out.as_deref(),
    )
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
