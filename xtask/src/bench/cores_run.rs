//! Running the both-cores part: the set-ups of `cores.rs` alternate round by round against one
//! `minimal` server, each run read from `/proc` between its first second and its last half
//! second; the budget set-ups start the generator inside its CPU budget (`budget.rs`).

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::budget::Budget;
use super::cores::{SHARE, Sample, Setup, plan};
use super::cores_report::write_section;
use super::cpu::{self, Threads};
use super::{Ctx, json_field, path};
use crate::proc::{Server, free_port};

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
    if let Some(b) = &mut budget
        && let Err(e) = b.split(child.id())
    {
        // Its groups can go only once it has.
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let held = |b: &Option<Budget>| b.as_ref().map_or(0, Budget::throttled);
    let (a, held_a) = (read(child.id(), server.child.id()), held(&budget));
    std::thread::sleep((start + Duration::from_secs_f64(to)).saturating_duration_since(a.at));
    let (b, held_b) = (read(child.id(), server.child.id()), held(&budget));
    let limit = Duration::from_secs(ctx.secs + 60);
    while child.try_wait()?.is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
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
