//! The keep-alive race: uvicorn (a real Python ASGI server, which closes a keep-alive
//! connection after 5 s idle) under 50 VUs whose think time is 4.97–5.03 s, so requests go out
//! as the server gives their connections up. The harness and k6 load the same server at the
//! same time; the table gives each one's failed requests out of all, and what the harness sent
//! again (`http_req_resent`).

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};

use super::{Ctx, json_field, k6_run, path};
use crate::proc::{Server, free_port, measure, pinned};

/// A minimal ASGI app: 200 `ok` to everything.
const APP: &str = "async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain')]})
    await send({'type': 'http.response.body', 'body': b'ok'})
";

const K6_SCRIPT: &str = "import http from 'k6/http';
import { sleep } from 'k6';
export default function () { http.get(__ENV.URL); sleep(4.97 + Math.random() * 0.06); }
";

fn uvicorn_installed() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import uvicorn"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// k6's requests and failed requests, from its `--summary-export` file.
fn k6_counts(summary: &std::path::Path) -> (f64, f64) {
    let text = std::fs::read_to_string(summary).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let reqs = v["metrics"]["http_reqs"]["count"].as_f64().unwrap_or(0.0);
    // A rate's `passes` are its non-zero values: the failed requests.
    let failed = v["metrics"]["http_req_failed"]["passes"]
        .as_f64()
        .unwrap_or(0.0);
    (reqs, failed)
}

fn k6(url: &str, secs: u64) -> Result<(f64, f64)> {
    let dir = std::env::temp_dir();
    let script = dir.join("kaizen-bench-k6-keepalive.js");
    std::fs::write(&script, K6_SCRIPT)?;
    let summary = dir.join("kaizen-bench-k6-keepalive.json");
    k6_run(&script, url, 50, secs, &summary)?;
    Ok(k6_counts(&summary))
}

pub(super) fn keepalive(ctx: &Ctx<'_>, md: &mut String) -> Result<()> {
    writeln!(
        md,
        "## Keep-alive race: uvicorn's 5 s idle timeout, think time 4.97–5.03 s, 50 VUs\n"
    )?;
    if !uvicorn_installed() {
        writeln!(
            md,
            "Skipped: uvicorn is not installed (`pip install uvicorn`).\n"
        )?;
        return Ok(());
    }
    let secs = ctx.args.race_seconds;
    let dir = std::env::temp_dir().join("kaizen-bench-uvicorn");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("race_app.py"), APP)?;
    let port = free_port();
    let server = Server::start(
        pinned(
            1,
            "python3",
            &[
                "-m",
                "uvicorn",
                "race_app:app",
                "--app-dir",
                path(&dir),
                "--port",
                &port.to_string(),
                "--log-level",
                "warning",
            ],
        ),
        port,
    )?;
    let url = server.url("/health");
    writeln!(
        md,
        "Each row one run of {secs} s; the harness and k6 load the server at the same time.\n"
    )?;
    writeln!(
        md,
        "| round | harness model | harness failed / requests | resent | k6 failed / requests |\n|---|---|---|---|---|"
    )?;
    for (round, model) in [(1, "per-vu"), (2, "shared")] {
        let (ours, theirs) = std::thread::scope(|s| {
            let k6 = ctx.with_k6.then(|| s.spawn(|| k6(&url, secs)));
            let ours = measure(
                pinned(
                    0,
                    path(&ctx.bins.loadgen),
                    &[&url, "50", &secs.to_string(), "4970-5030", model, "1"],
                ),
                Duration::from_secs(secs + 120),
            );
            let theirs = k6.map(|h| h.join().unwrap_or_else(|_| bail!("k6 thread panicked")));
            (ours, theirs)
        });
        let (out, _, _) = ours?;
        let reqs = json_field(&out, "requests");
        let failed = (json_field(&out, "failed_rate") * reqs).round();
        let resent = json_field(&out, "resent");
        let k6 = match theirs {
            Some(r) => {
                let (n, f) = r?;
                format!("{f} / {n}")
            }
            None => "k6 not installed".to_string(),
        };
        writeln!(
            md,
            "| {round} | {model} | {failed} / {reqs} | {resent} | {k6} |"
        )?;
    }
    writeln!(md)?;
    drop(server);
    Ok(())
}
