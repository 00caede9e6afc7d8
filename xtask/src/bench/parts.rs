//! The five parts of `cargo xtask bench`, each writing its section of the results.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Result;

use super::*;
use crate::proc::{Server, free_port, measure, median, pinned, post_json};

/// Requests per second of wrk, the harness (and a bare reqwest loop) and k6, alternating rounds; peak RSS under load.
pub(super) fn throughput(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx {
        args, bins, url, c, ..
    } = *ctx;
    let with_k6 = ctx.with_k6;
    let secs = ctx.secs;
    let (mut wrk_rates, mut ours, mut theirs, mut ours_p99, mut bare) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut ours_rss, mut theirs_rss) = (vec![], vec![]);
    for round in 1..=args.rounds {
        let out = wrk(&["-t1", &format!("-c{c}"), &format!("-d{secs}s"), url])?;
        wrk_rates.push(wrk_rps(&out));
        let (out, _, _) = measure(
            pinned(
                0,
                path(&bins.loadgen),
                &[url, c, &secs.to_string(), "0", "per-vu", "1"],
            ),
            Duration::from_secs(secs + 60),
        )?;
        ours.push(json_field(&out, "rps"));
        ours_p99.push(json_field(&out, "p99_ms"));
        ours_rss.push(json_field(&out, "peak_rss_kb"));
        let (out, _, _) = measure(
            pinned(0, path(&bins.bare), &[url, c, &secs.to_string()]),
            Duration::from_secs(secs + 60),
        )?;
        bare.push(json_field(&out, "rps"));
        if with_k6 {
            let (rps, peak) = k6(url, args.connections, secs, false)?;
            theirs.push(rps);
            theirs_rss.push(peak as f64);
        }
        eprintln!(
            "round {round}: wrk {:.0}/s, harness {:.0}/s, k6 {:?}/s",
            wrk_rates[round - 1],
            ours[round - 1],
            theirs.last()
        );
    }
    let (w, h, k, b) = (
        median(wrk_rates),
        median(ours),
        median(theirs),
        median(bare),
    );
    writeln!(
        md,
        "## Throughput: closed loop, no think time, GET /health on a minimal hyper server\n"
    )?;
    writeln!(md, "| tool | median req/s | vs wrk |\n|---|---|---|")?;
    writeln!(
        md,
        "| wrk -t1 | {w:.0} | 1.00 |\n| bare reqwest loop (no metrics) | {b:.0} | {:.2} |\n| harness (current-thread runtime) | {h:.0} | {:.2} |",
        b / w,
        h / w
    )?;
    if with_k6 {
        writeln!(
            md,
            "| k6 | {k:.0} | {:.2} |\n\nharness / k6 = **{:.2}×**\n",
            k / w,
            h / k
        )?;
    }
    writeln!(md, "harness / bare reqwest = {:.2}\n", h / b)?;
    writeln!(
        md,
        "harness p99 latency under that load: {:.2} ms (median of rounds)\n",
        median(ours_p99)
    )?;
    let (our_rss, their_rss) = (median(ours_rss), median(theirs_rss));
    write!(
        md,
        "peak RSS under that load: harness {:.1} MB",
        our_rss / 1024.0
    )?;
    if with_k6 {
        write!(
            md,
            ", k6 {:.1} MB (k6 / harness = {:.1}×)",
            their_rss / 1024.0,
            their_rss / our_rss
        )?;
    }
    writeln!(md, "\n")?;
    Ok(())
}

/// Peak RSS per VU at 100, 1,000 and 10,000 VUs, both connection models (and k6 at 1,000).
pub(super) fn memory(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx {
        args, bins, url, ..
    } = *ctx;
    let with_k6 = ctx.with_k6;
    writeln!(md, "## Memory per VU (1 s think time, 10 s, GET /health)\n")?;
    writeln!(
        md,
        "| model | VUs | peak RSS (MB) | KB per VU | marginal KB per VU |\n|---|---|---|---|---|"
    )?;
    // KB per VU at 1,000 VUs, per model: compared with k6 at the same count below.
    let mut at_1000: Vec<(&str, f64)> = Vec::new();
    for model in ["per-vu", "shared"] {
        let mut prev: Option<(u64, u64)> = None;
        for n in [100u64, 1_000, 10_000]
            .into_iter()
            .filter(|n| *n <= args.max_vus)
        {
            let (out, _, _) = measure(
                pinned(
                    0,
                    path(&bins.loadgen),
                    &[url, &n.to_string(), "10", "1000", model, "1"],
                ),
                Duration::from_secs(120),
            )?;
            let rss = json_field(&out, "peak_rss_kb") as u64;
            let marginal = prev
                .map(|(pn, pr)| format!("{:.1}", (rss.saturating_sub(pr)) as f64 / (n - pn) as f64))
                .unwrap_or_else(|| "–".into());
            writeln!(
                md,
                "| {model} | {n} | {:.1} | {:.1} | {marginal} |",
                rss as f64 / 1024.0,
                rss as f64 / n as f64
            )?;
            prev = Some((n, rss));
            if n == 1_000 {
                at_1000.push((model, rss as f64 / n as f64));
            }
        }
    }
    if with_k6 {
        let (_, peak) = k6(url, 1000, 10, true)?;
        let k6_per_vu = peak as f64 / 1000.0;
        writeln!(
            md,
            "| k6 | 1000 | {:.1} | {k6_per_vu:.1} | |\n",
            peak as f64 / 1024.0,
        )?;
        for (model, ours) in &at_1000 {
            writeln!(
                md,
                "peak RSS per VU at 1,000 VUs, k6 / harness ({model}) = **{:.1}×**\n",
                k6_per_vu / ours
            )?;
        }
    }
    writeln!(md)?;
    Ok(())
}

/// Latency accuracy against a server with a known 20 ms delay, compared with wrk.
pub(super) fn accuracy(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx { args, bins, .. } = *ctx;
    let secs = ctx.secs;
    // A server with a known 20 ms delay, ~1000 requests/s: how close are p50 and p99?
    let aport = free_port();
    let slow = Server::start(
        pinned(
            1,
            path(&bins.mock),
            &["--port", &aport.to_string(), "--latency", "20ms"],
        ),
        aport,
    )?;
    // Alternating rounds: the machine's noise moves both tools' tails; medians of each.
    let mut rows: Vec<[f64; 6]> = Vec::new();
    for _ in 0..args.rounds {
        let wout = wrk(&[
            "-t1",
            "-c20",
            &format!("-d{secs}s"),
            "--latency",
            &slow.url("/health"),
        ])?;
        let (out, _, _) = measure(
            pinned(
                0,
                path(&bins.loadgen),
                &[
                    &slow.url("/health"),
                    "20",
                    &secs.to_string(),
                    "0",
                    "per-vu",
                    "1",
                ],
            ),
            Duration::from_secs(secs + 60),
        )?;
        rows.push([
            wrk_rps(&wout),
            wrk_quantile(&wout, "50%"),
            wrk_quantile(&wout, "99%"),
            json_field(&out, "rps"),
            json_field(&out, "p50_ms"),
            json_field(&out, "p99_ms"),
        ]);
    }
    let col = |i: usize| median(rows.iter().map(|r| r[i]).collect());
    let [wr, w50, w99, hr, h50, h99] = [col(0), col(1), col(2), col(3), col(4), col(5)];
    writeln!(
        md,
        "## Latency accuracy: a server with a fixed 20 ms delay, 20 connections\n"
    )?;
    writeln!(
        md,
        "Medians of {} alternating rounds.\n\n| tool | req/s | p50 ms | p99 ms |\n|---|---|---|---|",
        rows.len()
    )?;
    writeln!(md, "| wrk --latency | {wr:.0} | {w50:.3} | {w99:.3} |")?;
    writeln!(md, "| harness | {hr:.0} | {h50:.3} | {h99:.3} |\n")?;
    let deltas: Vec<String> = rows
        .iter()
        .map(|r| format!("{:+.2}/{:+.2}", r[4] - r[1], r[5] - r[2]))
        .collect();
    writeln!(
        md,
        "harness − wrk: p50 {:+.3} ms, p99 {:+.3} ms (per round p50/p99: {}; the server's own excess over 20 ms is in both).\n",
        h50 - w50,
        h99 - w99,
        deltas.join(", ")
    )?;
    Ok(())
}

/// 1,000 VUs on one core with no think time: is any VU starved, does the generator lag?
pub(super) fn fairness(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx { bins, url, .. } = *ctx;
    let secs = ctx.secs;
    // 1000 VUs on one core, no think time: is any VU starved, does the generator lag?
    let (out, _, _) = measure(
        pinned(
            0,
            path(&bins.loadgen),
            &[url, "1000", &secs.to_string(), "0", "per-vu", "1"],
        ),
        Duration::from_secs(secs + 60),
    )?;
    let f = |k| json_field(&out, k);
    writeln!(md, "## Fairness: 1000 VUs on one core, no think time\n")?;
    writeln!(
        md,
        "{:.0} requests/s; requests per VU min {:.0} / median {:.0} / max {:.0}; http_req_duration p99 {:.2} ms; generator lag p99 {:.2} ms.\n",
        f("rps"),
        f("per_vu_min"),
        f("per_vu_median"),
        f("per_vu_max"),
        f("p99_ms"),
        f("lag_p99_ms")
    )?;
    Ok(())
}

/// The mock against the minimal server under the same wrk load, and its memory over a million requests.
pub(super) fn mock(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx {
        args, bins, url, c, ..
    } = *ctx;
    let secs = ctx.secs;
    let mport = free_port();
    let mock = Server::start(
        pinned(
            1,
            path(&bins.mock),
            &["--port", &mport.to_string(), "--workers", "1"],
        ),
        mport,
    )?;
    let reg = post_json(
        mport,
        "/api/v1/auth/register",
        r#"{"email":"bench@example.com","password":"Passw0rd!23","name":"B","organization_name":"B"}"#,
    )?;
    let token = reg
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("register answered without a token")?
        .to_string();
    let auth = format!("Authorization: Bearer {token}");
    let (mut base, mut health, mut agents) = (vec![], vec![], vec![]);
    for _ in 0..args.rounds {
        let out = wrk(&["-t1", &format!("-c{c}"), &format!("-d{secs}s"), url])?;
        base.push(wrk_rps(&out));
        let out = wrk(&[
            "-t1",
            &format!("-c{c}"),
            &format!("-d{secs}s"),
            &mock.url("/health"),
        ])?;
        health.push(wrk_rps(&out));
        let out = wrk(&[
            "-t1",
            &format!("-c{c}"),
            &format!("-d{secs}s"),
            "-H",
            &auth,
            &mock.url("/api/v1/agents?limit=10"),
        ])?;
        agents.push(wrk_rps(&out));
    }
    let (b, h, a) = (median(base), median(health), median(agents));
    writeln!(
        md,
        "## The mock under wrk (-t1 -c{c})\n\n| target | median req/s | vs minimal |\n|---|---|---|"
    )?;
    writeln!(
        md,
        "| minimal hyper server, GET /health | {b:.0} | 1.00 |\n| mock, GET /health | {h:.0} | {:.2} |\n| mock, GET /api/v1/agents (authenticated) | {a:.0} | {:.2} |\n",
        h / b,
        a / b
    )?;

    let before = mock.rss_kb();
    let mut served = 0.0;
    let mut rounds = 0;
    while served < 1_000_000.0 && rounds < 10 {
        let out = wrk(&[
            "-t1",
            &format!("-c{c}"),
            "-d10s",
            "-H",
            &auth,
            &mock.url("/api/v1/agents?limit=10"),
        ])?;
        served += wrk_requests(&out);
        rounds += 1;
    }
    let after = mock.rss_kb();
    writeln!(
        md,
        "Mock memory over {served:.0} authenticated requests: RSS {:.1} MB → {:.1} MB (growth {:.1} MB).\n",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after as f64 - before as f64) / 1024.0
    )?;
    Ok(())
}

/// Flat memory over a long run: the harness's RSS after one minute and at the end of
/// `--flat-seconds` (200 VUs, 20 ms think time), and the time series' bytes over a simulated
/// day (the `metrics` test that feeds the store 24 hours of one-second samples).
pub(super) fn flat(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx {
        args, bins, url, ..
    } = *ctx;
    let secs = args.flat_seconds.max(61);
    let cmd = pinned(
        0,
        path(&bins.loadgen),
        &[url, "200", &secs.to_string(), "20", "per-vu", "1"],
    );
    let marks = [Duration::from_secs(60), Duration::from_secs(secs - 1)];
    let rss = crate::proc::rss_at(cmd, &marks, Duration::from_secs(secs + 60))?;
    writeln!(md, "## Flat memory\n")?;
    writeln!(
        md,
        "200 VUs, 20 ms think time, {secs} s: RSS {:.1} MB after 1 min, {:.1} MB at the end \
         (difference {:+.2} MB).\n",
        rss[0] as f64 / 1024.0,
        rss[1] as f64 / 1024.0,
        (rss[1] as f64 - rss[0] as f64) / 1024.0
    )?;
    let out = std::process::Command::new(crate::proc::cargo())
        .args([
            "test",
            "--release",
            "-p",
            "harness",
            "--test",
            "metrics",
            "simulated",
        ])
        .args(["--", "--nocapture"])
        .output()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.starts_with("timeline bytes"))
        .unwrap_or("the simulated day did not report");
    writeln!(md, "Simulated day of one-second samples: {line}.\n")?;
    Ok(())
}
