//! The both-cores part's section of results.md: a table of the set-ups and what the ratios
//! between them say, measured and projected, and what limited each.

use std::fmt::Write as _;

use anyhow::Result;

use super::Ctx;
use super::cores::{Plan, SHARE, Sample, med};

/// Two threads should send at least this many times what one sends (issue 22).
const TARGET: f64 = 1.6;

/// `(target ≥ 1.6×: met)` or `not met`, for a ratio.
fn against_target(ratio: f64) -> String {
    let met = if ratio >= TARGET { "met" } else { "not met" };
    format!("(target ≥ {TARGET}×: {met})")
}

/// `f(new, base)` round by round, as `1.02, 0.97, …`.
fn per_round(new: &[Sample], base: &[Sample], f: impl Fn(&Sample, &Sample) -> f64) -> String {
    let each: Vec<String> = new
        .iter()
        .zip(base)
        .map(|(n, b)| format!("{:.2}", f(n, b)))
        .collect();
    each.join(", ")
}

pub(super) fn write_section(
    md: &mut String,
    ctx: &Ctx<'_>,
    plan: &Plan,
    nproc: usize,
    runs: &[Vec<Sample>],
    load: [&str; 2],
    left_out: Option<&str>,
) -> Result<()> {
    let (one, shared, two) = (&runs[0], &runs[1], &runs[2]);
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
        "| generator | its cores | server's cores | CPU budget per thread (cores) | req/s | generator CPU (cores) | req per generator CPU-s | generator threads idle | generator waiting for a CPU (cores) | server CPU (cores) | server threads idle | others (cores) | lag p99 ms | failed | per VU min / median / max | held back by the budget (/s) |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
    )?;
    for (setup, r) in plan.setups.iter().zip(runs) {
        writeln!(
            md,
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.0} | {:.0} % | {:.2} | {:.2} | {:.0} % | {:.2} | {:.1} | {:.4} | {:.0} / {:.0} / {:.0} | {:.0} |",
            setup.label,
            setup.generator,
            setup.server,
            setup.budget.map_or("–".to_string(), |b| format!("{b}")),
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
            med(r, |s| s.throttled),
        )?;
    }
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
        per_round(two, one, |b, a| b.rps / a.rps)
    )?;
    writeln!(
        md,
        "- **Cost of the second thread**: requests per generator CPU-second, 2 threads / 1 \
         thread on the same cores = **{:.2}** (per round: {}); only the thread count differs \
         between the two, and 1.00 means a second thread costs nothing extra per request. \
         Against the thread on its own core: {:.2} (per round: {}); sharing the cores with the \
         server alone moves the cost by {:.2} (1 thread on the same cores / on its own).",
        eff_two / eff_shared,
        per_round(two, shared, cost),
        eff_two / eff_one,
        per_round(two, one, cost),
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
         {}; against the thread on its own core, 2 × {eff_two:.0} / \
         {eff_one:.0} = {:.2}×; 2 × {eff_two:.0} = {:.0} req/s. This holds while both threads \
         stay busy: with 2 threads the generator's threads were idle {:.0} % of the time at \
         {cpu_two:.2} cores; from {cpu_two:.2} to 2 cores it is an extrapolation.",
        eff_two / eff_shared,
        against_target(projected),
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
    if let [b1, b2] = &runs[3..] {
        write_budget(md, nproc, [b1, b2], two, one)?;
    }
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
             and the measured ratio answers the question directly{}\n",
            match left_out {
                None => "; here the CPU budget rows answer it by measurement.".to_string(),
                Some(why) => format!(
                    ". The CPU budget set-ups, which would answer it here, were left out: {why}."
                ),
            }
        )?;
    }
    Ok(())
}

/// One thread against two, each held to `SHARE` of a core, the server on the rest.
/// `free` is the same two threads without a budget, `alone` the one thread with a core to itself.
fn write_budget(
    md: &mut String,
    nproc: usize,
    [b1, b2]: [&[Sample]; 2],
    free: &[Sample],
    alone: &[Sample],
) -> Result<()> {
    let ratio = med(b2, |s| s.rps) / med(b1, |s| s.rps);
    let (cost1, cost_alone) = (med(b1, Sample::per_cpu_s), med(alone, Sample::per_cpu_s));
    let (used1, used2) = (med(b1, |s| s.generator.cpu), med(b2, |s| s.generator.cpu));
    let (allowed1, allowed2) = (SHARE, 2.0 * SHARE);
    let server_idle = med(b2, |s| s.server.idle);
    let full = used1 >= 0.9 * allowed1 && used2 >= 0.9 * allowed2;
    let verdict = if full && server_idle >= 0.10 {
        "each set-up used its whole budget while the server had room to spare: the budget was \
         the generator's only limit, and the ratio is the generator's own"
    } else if !full {
        "the generator did not use its whole budget: it waited on the target, and the ratio \
         understates it"
    } else {
        "the server's threads were rarely idle: the server may have been the limit, and the \
         ratio understates the generator"
    };
    writeln!(
        md,
        "- **Measured on a CPU budget**: every generator thread held to {SHARE} of a core by \
         the kernel's CPU bandwidth control (cgroup v1 `cpu`, a {} ms period; the process to \
         {SHARE} × its worker threads), the server on the rest of the {nproc} cores, so one \
         thread has one such slice and two threads two; work done on one thread could not pass \
         {SHARE} however many threads there were. 2 threads / 1 thread = **{ratio:.2}×** (per \
         round: {}) {}, {:.0} against {:.0} req/s ({:.0} and {:.0} requests per \
         generator CPU-second). The generator used {used1:.2} of its {allowed1} cores with one \
         thread and {used2:.2} of {allowed2} with two; with two \
         the server used {:.2} cores and its threads were idle {:.0} %: {verdict}. Lag p99 \
         {:.1} ms against {:.1} ms with the same two threads unbudgeted: a thread held back waits \
         out the rest of its period, so that lag is the budget's, not the generator's.",
        super::budget::PERIOD_US / 1000,
        per_round(b2, b1, |b, a| b.rps / a.rps),
        against_target(ratio),
        med(b2, |s| s.rps),
        med(b1, |s| s.rps),
        med(b2, Sample::per_cpu_s),
        cost1,
        med(b2, |s| s.server.cpu),
        100.0 * server_idle,
        med(b2, |s| s.lag_p99),
        med(free, |s| s.lag_p99),
    )?;
    // Held back, a lone thread stops all its VUs at once and may pay more per request than two
    // threads whose pauses overlap less; this bound charges that to the two threads.
    let bound = med(b2, |s| s.rps) / (SHARE * cost_alone);
    writeln!(
        md,
        "  Held back, one thread sent {cost1:.0} requests per CPU-second against {cost_alone:.0} \
         with a core to itself{}. Against {SHARE} × that unbudgeted thread's rate ({:.0} req/s), \
         the two budgeted threads send **{bound:.2}×** {}.",
        if cost1 < 0.95 * cost_alone {
            ": the budget's pauses cost a lone thread more (all its VUs stop at once), so the \
             ratio above flatters the two threads"
        } else {
            ""
        },
        SHARE * cost_alone,
        against_target(bound),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::cpu::Usage;

    fn sample(rps: f64, cpu: f64, server_idle: f64) -> Sample {
        Sample {
            rps,
            generator: Usage {
                cpu,
                ..Usage::default()
            },
            server: Usage {
                idle: server_idle,
                ..Usage::default()
            },
            ..Sample::default()
        }
    }

    #[test]
    fn a_budget_ratio_is_reported_with_the_bound_that_charges_the_lone_threads_pauses_to_two() {
        let (b1, b2) = ([sample(32_000.0, 0.40, 0.6)], [sample(68_000.0, 0.78, 0.4)]);
        let (free, alone) = ([sample(95_000.0, 1.0, 0.1)], [sample(97_000.0, 0.97, 0.1)]);
        let mut md = String::new();
        write_budget(&mut md, 2, [&b1, &b2], &free, &alone).unwrap();
        assert!(md.contains("2 threads / 1 thread = **2.12×**"), "{md}");
        // 68,000 / (0.4 × 100,000 per CPU-second) = 1.70.
        assert!(md.contains("send **1.70×** (target ≥ 1.6×: met)"), "{md}");
        assert!(md.contains("flatters the two threads"), "{md}");
        assert!(md.contains("the ratio is the generator's own"), "{md}");
    }

    #[test]
    fn a_generator_short_of_its_budget_or_a_busy_server_is_not_called_its_own_limit() {
        let alone = [sample(97_000.0, 0.97, 0.1)];
        let mut md = String::new();
        let (b1, b2) = ([sample(30_000.0, 0.40, 0.6)], [sample(40_000.0, 0.5, 0.4)]);
        write_budget(&mut md, 2, [&b1, &b2], &alone, &alone).unwrap();
        assert!(md.contains("did not use its whole budget"), "{md}");
        assert!(md.contains("(target ≥ 1.6×: not met)"), "{md}");
        let mut md = String::new();
        let (b1, b2) = ([sample(30_000.0, 0.40, 0.6)], [sample(60_000.0, 0.8, 0.02)]);
        write_budget(&mut md, 2, [&b1, &b2], &alone, &alone).unwrap();
        assert!(md.contains("the server may have been the limit"), "{md}");
    }
}
