//! HTTP/2 beside HTTP/1.1 over TLS: the harness's throughput (64 VUs, no think time) and peak
//! RSS per VU (1 s think time, 100 and 1,000 VUs: TLS handshakes cost too much CPU for 10,000
//! in a 10 s run on one core), and k6 against the same loopback TLS server (`tls_server`,
//! on core 1) when it is installed.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Result;

use super::*;
use crate::proc::{Server, free_port, measure, pinned};

pub(super) fn h2(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    let Ctx { bins, c, secs, .. } = *ctx;
    let port = free_port();
    let pem = std::env::temp_dir().join("kaizen-bench-tls.pem");
    let server = Server::start(
        pinned(1, path(&bins.tls_server), &[&port.to_string(), path(&pem)]),
        port,
    )?;
    let url = format!("https://localhost:{port}/health");
    writeln!(
        md,
        "## HTTP/2 and HTTP/1.1 over TLS (loopback hyper server, per-VU connections)\n"
    )?;
    writeln!(
        md,
        "| tool | protocol | req/s ({c} VUs, {secs} s) | p50 (ms) | p99 (ms) | HTTP/2 share | \
         KB/VU at 100 | KB/VU at 1,000 | marginal KB/VU |\n|---|---|---|---|---|---|---|---|---|"
    )?;
    for (label, version) in [("HTTP/2", "auto"), ("HTTP/1.1", "h1")] {
        let run = |vus: &str, secs: &str, think: &str| -> Result<String> {
            let args = [&url, vus, secs, think, "per-vu", "1", version, path(&pem)];
            let (out, _, _) = measure(
                pinned(0, path(&bins.loadgen), &args),
                Duration::from_secs(180),
            )?;
            Ok(out)
        };
        let fast = run(c, &secs.to_string(), "0")?;
        let requests = json_field(&fast, "requests");
        let share = json_field(&fast, "h2_requests") / requests.max(1.0);
        let rss = |n: u64| -> Result<f64> {
            Ok(json_field(
                &run(&n.to_string(), "10", "1000")?,
                "peak_rss_kb",
            ))
        };
        let (small, large) = (rss(100)?, rss(1_000)?);
        writeln!(
            md,
            "| harness | {label} | {:.0} | {:.3} | {:.3} | {:.0} % | {:.1} | {:.1} | {:.1} |",
            json_field(&fast, "rps"),
            json_field(&fast, "p50_ms"),
            json_field(&fast, "p99_ms"),
            share * 100.0,
            small / 100.0,
            large / 1_000.0,
            (large - small) / 900.0,
        )?;
    }
    if ctx.with_k6 {
        let script = |think: &str| -> Result<std::path::PathBuf> {
            let file = std::env::temp_dir().join(format!("kaizen-bench-k6-tls{think}.js"));
            std::fs::write(
                &file,
                format!(
                    "import http from 'k6/http';\nimport {{ sleep }} from 'k6';\n\
                     export const options = {{ insecureSkipTLSVerify: true, \
                     summaryTrendStats: ['med', 'p(99)'] }};\n\
                     export default function () {{ http.get(__ENV.URL); {think} }}\n"
                ),
            )?;
            Ok(file)
        };
        let summary = std::env::temp_dir().join("kaizen-bench-k6-tls-summary.json");
        let vus: usize = c.parse().unwrap_or(64);
        k6_run(&script("")?, &url, vus, secs, &summary)?;
        let text = std::fs::read_to_string(&summary).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let d = &v["metrics"]["http_req_duration"];
        let rps = v["metrics"]["http_reqs"]["rate"].as_f64().unwrap_or(0.0);
        let thinking = script("sleep(1);")?;
        let peak =
            |n: usize| -> Result<f64> { Ok(k6_run(&thinking, &url, n, 10, &summary)? as f64) };
        let (small, large) = (peak(100)?, peak(1_000)?);
        writeln!(
            md,
            "| k6 | HTTP/2 (k6's default) | {rps:.0} | {} | {} | – | {:.1} | {:.1} | {:.1} |",
            ms(&d["med"]),
            ms(&d["p(99)"]),
            small / 100.0,
            large / 1_000.0,
            (large - small) / 900.0,
        )?;
    } else {
        writeln!(md, "\nk6 not installed: no k6 row (`pip install k6`).")?;
    }
    drop(server);
    writeln!(md)?;
    Ok(())
}

/// A k6 summary's trend figure in milliseconds, or a dash when the summary lacks it.
fn ms(v: &serde_json::Value) -> String {
    v.as_f64().map_or_else(|| "–".into(), |x| format!("{x:.3}"))
}
