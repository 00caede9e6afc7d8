//! Both cores (issue 22): does the generator send more with two worker threads than with one?
//! Three set-ups alternate round by round against one `minimal` server with worker threads of
//! its own: one generator thread with a core to itself, one thread on the shared cores, two
//! threads. Every run also reads, from `/proc`, the CPU time the generator, the server and the
//! rest of the machine used, and how long each one's threads sat idle, so the ratio can be read
//! for what it is on a machine whose server must share the generator's cores.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::cpu::{self, Threads, Usage};
use super::{Ctx, json_field, path};
use crate::proc::{Server, free_port, median};

/// One set-up: the generator's worker threads and the cores each process may use.
#[derive(Debug, Clone, PartialEq)]
struct Setup {
    label: &'static str,
    workers: usize,
    generator: String,
    server: String,
}

/// Where everything runs on a machine of `nproc` cores: the server keeps cores of its own when
/// there are four or more; otherwise it shares them with the two-thread generator.
#[derive(Debug, PartialEq)]
struct Plan {
    dedicated: bool,
    server_workers: usize,
    /// One thread on core 0, one thread on the shared cores, two threads.
    setups: [Setup; 3],
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
    };
    Some(Plan {
        dedicated,
        server_workers: if dedicated { nproc - 2 } else { nproc },
        setups: [
            setup("1 thread", 1, "0", &server_one),
            setup(
                "1 thread on the 2 threads' cores",
                1,
                &gen_cores,
                &server_cores,
            ),
            setup("2 threads", 2, &gen_cores, &server_cores),
        ],
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
struct Sample {
    rps: f64,
    failed: f64,
    lag_p99: f64,
    per_vu: [f64; 3],
    generator: Usage,
    server: Usage,
    /// Cores the rest of the machine kept busy meanwhile.
    others: f64,
}

impl Sample {
    /// Requests per second of generator CPU.
    fn per_cpu_s(&self) -> f64 {
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
    let mut child = on(&setup.generator, path(&ctx.bins.loadgen), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("start loadgen")?;
    let start = Instant::now();
    let (from, to) = (secs.min(4.0) / 4.0, secs - (secs / 10.0).min(0.5));
    std::thread::sleep(Duration::from_secs_f64(from));
    let a = read(child.id(), server.child.id());
    std::thread::sleep((start + Duration::from_secs_f64(to)).saturating_duration_since(a.at));
    let b = read(child.id(), server.child.id());
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
fn med(runs: &[Sample], f: impl Fn(&Sample) -> f64) -> f64 {
    median(runs.iter().map(f).collect())
}

pub(super) fn cores_part(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Some(plan) = plan(nproc) else {
        writeln!(md, "## Both cores\n\nSkipped: this machine has one core.\n")?;
        return Ok(());
    };
    if !crate::proc::have("taskset") {
        bail!("the cores part places processes with taskset (util-linux)");
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
    let mut runs: [Vec<Sample>; 3] = Default::default();
    for round in 0..ctx.args.rounds {
        // A different set-up goes first each round, so none always follows the same one.
        for i in (0..3).map(|k| (k + round) % 3) {
            let s = run_one(ctx, &plan.setups[i], &server, &url)?;
            eprintln!(
                "cores round {}: {}: {:.0}/s, generator {:.2} cores, server {:.2}, others {:.2}",
                round + 1,
                plan.setups[i].label,
                s.rps,
                s.generator.cpu,
                s.server.cpu,
                s.others
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
    )
}

fn write_section(
    md: &mut String,
    ctx: &Ctx<'_>,
    plan: &Plan,
    nproc: usize,
    runs: &[Vec<Sample>; 3],
    load: [&str; 2],
) -> Result<()> {
    let [one, shared, two] = runs;
    let others = med(&runs.concat(), |s| s.others);
    writeln!(
        md,
        "## Both cores: the generator on one worker thread and on two\n\n\
         {nproc} cores; load average {} before this part, {} after; other processes kept a \
         median of {:.2} cores busy during the runs. `loadgen` with {} VUs, no think time, \
         {} s per run, {} alternating rounds, against `minimal` with {} worker threads \
         (GET /health). CPU is read from `/proc` between the first second and the last half \
         second of each run. Medians of the rounds.\n",
        load[0], load[1], others, ctx.c, ctx.secs, ctx.args.rounds, plan.server_workers
    )?;
    if others > 0.1 {
        writeln!(
            md,
            "**A busy machine**: other processes kept {others:.2} cores busy, so these are not \
             final figures. Contention moves even the cost per request (a thread that wakes \
             less often finds more to do each time); rerun on a quiet machine.\n"
        )?;
    }
    writeln!(
        md,
        "| generator | its cores | server's cores | req/s | generator CPU (cores) | req per generator CPU-s | generator threads idle | generator waiting for a CPU (cores) | server CPU (cores) | server threads idle | others (cores) | lag p99 ms | failed | per VU min / median / max |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )?;
    for (setup, r) in plan.setups.iter().zip(runs) {
        writeln!(
            md,
            "| {} | {} | {} | {:.0} | {:.2} | {:.0} | {:.0} % | {:.2} | {:.2} | {:.0} % | {:.2} | {:.1} | {:.4} | {:.0} / {:.0} / {:.0} |",
            setup.label,
            setup.generator,
            setup.server,
            med(r, |s| s.rps),
            med(r, |s| s.generator.cpu),
            med(r, Sample::per_cpu_s),
            100.0 * med(r, |s| s.generator.idle),
            med(r, |s| s.generator.wait),
            med(r, |s| s.server.cpu),
            100.0 * med(r, |s| s.server.idle),
            med(r, |s| s.others),
            med(r, |s| s.lag_p99),
            med(r, |s| s.failed),
            med(r, |s| s.per_vu[0]),
            med(r, |s| s.per_vu[1]),
            med(r, |s| s.per_vu[2]),
        )?;
    }
    // Two threads against a one-thread set-up, round by round.
    let per_round = |base: &[Sample], f: &dyn Fn(&Sample, &Sample) -> f64| {
        two.iter()
            .zip(base)
            .map(|(b, a)| format!("{:.2}", f(b, a)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let raw = med(two, |s| s.rps) / med(one, |s| s.rps);
    let (eff_one, eff_shared, eff_two) = (
        med(one, Sample::per_cpu_s),
        med(shared, Sample::per_cpu_s),
        med(two, Sample::per_cpu_s),
    );
    let cost = |b: &Sample, a: &Sample| b.per_cpu_s() / a.per_cpu_s();
    writeln!(
        md,
        "\n- **Measured**: 2 threads / 1 thread on its own core = **{raw:.2}×** (per round: {}).",
        per_round(one, &|b, a| b.rps / a.rps)
    )?;
    writeln!(
        md,
        "- **Cost of the second thread**: requests per generator CPU-second, 2 threads / 1 \
         thread on the same cores = **{:.2}** (per round: {}); only the thread count differs \
         between the two, and 1.00 means a second thread costs nothing extra per request. \
         Against the thread on its own core: {:.2} (per round: {}); sharing the cores with the \
         server alone moves the cost by {:.2} (1 thread on the same cores / on its own).",
        eff_two / eff_shared,
        per_round(shared, &cost),
        eff_two / eff_one,
        per_round(one, &cost),
        eff_shared / eff_one
    )?;
    let (idle_two, cpu_two) = (
        med(two, |s| s.generator.idle),
        med(two, |s| s.generator.cpu),
    );
    let projected = 2.0 * eff_two / eff_shared;
    writeln!(
        md,
        "- **Projected**, not measured: two threads with a core each against one thread with \
         one, at the costs per request measured on the same cores: 2 × {:.2} = **{projected:.2}×** \
         (target ≥ 1.6×: {}); against the thread on its own core, 2 × {eff_two:.0} / \
         {eff_one:.0} = {:.2}×; 2 × {eff_two:.0} = {:.0} req/s. This holds while both threads \
         stay busy: with 2 threads the generator's threads were idle {:.0} % of the time at \
         {cpu_two:.2} cores; from {cpu_two:.2} to 2 cores it is an extrapolation.",
        eff_two / eff_shared,
        if projected >= 1.6 { "met" } else { "not met" },
        2.0 * eff_two / eff_one,
        2.0 * eff_two,
        100.0 * idle_two,
    )?;
    let server_idle = med(two, |s| s.server.idle);
    let verdict = if idle_two <= 0.05 && server_idle >= 0.10 {
        "the generator was its own limit and the target had room to spare"
    } else if idle_two > 0.05 {
        "the generator waited on the target (or on the target's turn for a CPU): the \
         measured ratio understates the generator"
    } else {
        "the server's threads were rarely idle: it may have been a limit too"
    };
    writeln!(
        md,
        "- **Bottleneck**: with 2 threads the generator's threads were idle {:.0} % and the \
         server's {:.0} %: {verdict}. The server's threads waited {:.2} cores' worth for a \
         CPU. (Idle: neither running nor waiting for a CPU, over the threads that ran at least \
         a tenth of the time.)",
        100.0 * idle_two,
        100.0 * server_idle,
        med(two, |s| s.server.wait)
    )?;
    if plan.dedicated {
        writeln!(
            md,
            "- The server ran on cores of its own: the measured ratio is the generator's own.\n"
        )?;
    } else {
        writeln!(
            md,
            "- **Limitation**: this machine has {nproc} cores. With two generator threads the \
             server (and whatever else runs here) must share the generator's cores, so the \
             measured ratio is capped well below 2 by the CPU the server needs per request, \
             not by the generator; it is a figure of this machine. The projection takes the \
             costs per request measured with one and two threads on cores shared with the \
             server and assumes nothing in the generator serializes beyond {cpu_two:.2} cores. \
             On a machine with four or more cores this part gives the server cores of its own \
             and the measured ratio answers the question directly.\n"
        )?;
    }
    Ok(())
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

    #[test]
    fn two_cores_share_them_and_give_the_one_thread_baseline_core_0() {
        let p = plan(2).expect("a plan");
        assert!(!p.dedicated);
        assert_eq!(p.server_workers, 2);
        assert_eq!(
            lists(&p),
            [(1, "0", "1"), (1, "0-1", "0-1"), (2, "0-1", "0-1")]
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
            lists(&p),
            [(1, "0", "1-2"), (1, "0-2", "0-2"), (2, "0-2", "0-2")]
        );
    }

    #[test]
    fn one_core_has_no_plan() {
        assert_eq!(plan(1), None);
        assert_eq!(plan(0), None);
    }
}
