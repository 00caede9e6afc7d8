//! `cargo xtask bench`: in one session, alternating, several rounds of wrk, the harness and k6
//! against the same minimal server (load on core 0, server on core 1); then memory per VU at
//! 100, 1,000 and 10,000 VUs in both connection models; then the mock against the minimal
//! server under the same wrk load, and the mock's memory over a million requests. Each part is
//! a function in `parts.rs`.

mod budget;
mod cores;
mod cores_report;
mod cores_run;
mod cpu;
mod h2;
mod keepalive;
mod parts;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::proc::{Server, cargo, free_port, have, measure, pinned};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Rounds of each tool, alternating.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections (wrk) and VUs (harness, k6) for throughput.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of the flat-memory run (RSS after one minute and at the end).
    #[arg(long, default_value_t = 600)]
    flat_seconds: u64,
    /// Largest VU count of the memory curve (the open-file limit caps it at 10,000).
    #[arg(long, default_value_t = 10_000)]
    max_vus: u64,
    /// Seconds of each keep-alive race run (uvicorn, think time about its 5 s idle timeout).
    #[arg(long, default_value_t = 60)]
    race_seconds: u64,
    /// Skip parts: any of throughput, memory, accuracy, fairness, mock, flat, keep-alive, cores,
    /// h2.
    #[arg(long, value_delimiter = ',', value_enum)]
    skip: Vec<Part>,
    /// Run only these parts (same names as --skip).
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Part>,
}

/// The parts of the benchmark, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Throughput,
    Memory,
    Accuracy,
    Fairness,
    Mock,
    Flat,
    KeepAlive,
    Cores,
    /// HTTP/2 beside HTTP/1.1 over TLS (`h2.rs`).
    H2,
}

impl Part {
    const ALL: [Part; 9] = [
        Part::Throughput,
        Part::Memory,
        Part::Accuracy,
        Part::Fairness,
        Part::Mock,
        Part::Flat,
        Part::KeepAlive,
        Part::Cores,
        Part::H2,
    ];
}

/// What every part measures with.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    args: &'a BenchArgs,
    bins: &'a Bins,
    with_k6: bool,
    /// The minimal server's `/health`.
    url: &'a str,
    /// Connections and VUs, as text for command lines.
    c: &'a str,
    secs: u64,
}

struct Bins {
    loadgen: PathBuf,
    bare: PathBuf,
    tls_server: PathBuf,
    minimal: PathBuf,
    mock: PathBuf,
}

fn build() -> Result<Bins> {
    let status = Command::new(cargo())
        .args([
            "build",
            "--release",
            "-p",
            "harness",
            "--example",
            "loadgen",
            "--example",
            "bare_reqwest",
            "--example",
            "tls_server",
            "-p",
            "mock-server",
            "--example",
            "minimal",
            "--bin",
            "mock-server",
        ])
        .status()?;
    if !status.success() {
        bail!("release build failed");
    }
    let dir = PathBuf::from("target/release");
    Ok(Bins {
        loadgen: dir.join("examples/loadgen"),
        bare: dir.join("examples/bare_reqwest"),
        tls_server: dir.join("examples/tls_server"),
        minimal: dir.join("examples/minimal"),
        mock: dir.join("mock-server"),
    })
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn json_field(line: &str, key: &str) -> f64 {
    let pat = format!("\"{key}\":");
    line.split(&pat)
        .nth(1)
        .and_then(|r| r.split([',', '}']).next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// One wrk run on core 0; its output. Every run here lasts seconds, so two minutes bound it.
fn wrk(args: &[&str]) -> Result<String> {
    Ok(measure(pinned(0, "wrk", args), Duration::from_secs(120))?.0)
}

fn wrk_rps(out: &str) -> f64 {
    out.lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// A latency quantile from `wrk --latency` (e.g. "50%"), in milliseconds.
fn wrk_quantile(out: &str, q: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with(q))
        .unwrap_or("");
    let v = line.split_whitespace().nth(1).unwrap_or("0");
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(0.0);
    match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        _ => n,
    }
}

fn wrk_requests(out: &str) -> f64 {
    out.lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn k6_script(think: bool) -> Result<PathBuf> {
    let p = std::env::temp_dir().join(if think {
        "kaizen-bench-k6-think.js"
    } else {
        "kaizen-bench-k6.js"
    });
    let sleep = if think { "sleep(1);" } else { "" };
    std::fs::write(
        &p,
        format!(
            "import http from 'k6/http';\nimport {{ sleep }} from 'k6';\nexport default function () {{ http.get(__ENV.URL); {sleep} }}\n"
        ),
    )?;
    Ok(p)
}

fn k6_rps(summary: &std::path::Path) -> f64 {
    let text = std::fs::read_to_string(summary).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    v["metrics"]["http_reqs"]["rate"].as_f64().unwrap_or(0.0)
}

fn k6(url: &str, vus: usize, secs: u64, think: bool) -> Result<(f64, u64)> {
    let script = k6_script(think)?;
    let summary = std::env::temp_dir().join("kaizen-bench-k6-summary.json");
    let peak = k6_run(&script, url, vus, secs, &summary)?;
    Ok((k6_rps(&summary), peak))
}

/// One k6 run of `script` on core 0 with `URL` set, its summary exported; its peak RSS.
fn k6_run(
    script: &std::path::Path,
    url: &str,
    vus: usize,
    secs: u64,
    summary: &std::path::Path,
) -> Result<u64> {
    let _ = std::fs::remove_file(summary);
    let mut cmd = pinned(
        0,
        "k6",
        &[
            "run",
            "--quiet",
            "--no-usage-report",
            "--vus",
            &vus.to_string(),
            "--duration",
            &format!("{secs}s"),
            "--summary-export",
            path(summary),
            path(script),
        ],
    );
    cmd.env("URL", url).env("K6_NO_USAGE_REPORT", "true");
    let (_, peak, _) = measure(cmd, Duration::from_secs(secs + 120))?;
    Ok(peak)
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let needs_wrk = Part::ALL.iter().any(|p| {
        !matches!(p, Part::KeepAlive | Part::Cores | Part::H2)
            && (args.only.is_empty() || args.only.contains(p))
            && !args.skip.contains(p)
    });
    if needs_wrk && !have("wrk") {
        bail!("wrk is needed: apt-get install wrk");
    }
    let bins = build()?;
    let with_k6 = have("k6");
    let mut md = String::new();
    let secs = args.seconds;
    writeln!(
        md,
        "# Benchmark results\n\n{} rounds, {secs} s each, {} connections/VUs; load on core 0, server on core 1.\n",
        args.rounds, args.connections
    )?;

    let port = free_port();
    let minimal = Server::start(pinned(1, path(&bins.minimal), &[&port.to_string()]), port)?;
    let url = minimal.url("/health");
    let c = args.connections.to_string();

    let ctx = Ctx {
        args,
        bins: &bins,
        with_k6,
        url: &url,
        c: &c,
        secs,
    };
    for part in Part::ALL {
        let chosen = args.only.is_empty() || args.only.contains(&part);
        if chosen && !args.skip.contains(&part) {
            match part {
                Part::Throughput => parts::throughput(&ctx, &mut md)?,
                Part::Memory => parts::memory(&ctx, &mut md)?,
                Part::Accuracy => parts::accuracy(&ctx, &mut md)?,
                Part::Fairness => parts::fairness(&ctx, &mut md)?,
                Part::Mock => parts::mock(&ctx, &mut md)?,
                Part::Flat => parts::flat(&ctx, &mut md)?,
                Part::KeepAlive => keepalive::keepalive(&ctx, &mut md)?,
                Part::Cores => cores_run::cores_part(&ctx, &mut md)?,
                Part::H2 => h2::h2(&ctx, &mut md)?,
            }
        }
    }
    drop(minimal);
    println!("{md}");
    std::fs::create_dir_all("target/bench")?;
    std::fs::write("target/bench/results.md", &md)?;
    eprintln!("written to target/bench/results.md");
    Ok(())
}
