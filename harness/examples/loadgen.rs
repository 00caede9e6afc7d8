//! A closed-loop generator on the harness, for benchmarks: N VUs GET one URL for a duration,
//! with an optional think time, then print one JSON line (requests/s, latency, peak RSS).
//!
//! `loadgen URL VUS SECONDS [THINK_MS | MIN_MS-MAX_MS] [per-vu|shared] [WORKERS] [auto|h1] [ROOT_PEM]`
//!
//! `auto` speaks HTTP/2 to a TLS server that offers it, `h1` pins HTTP/1.1; `ROOT_PEM` is a
//! certificate to trust (the benchmark's self-signed TLS server).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use harness::prelude::*;

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn executor(vus: u64, secs: f64, fixed: Option<u64>) -> Executor {
    match fixed {
        Some(n) => SharedIterations::new(vus, n)
            .max_duration(Duration::from_secs_f64(secs))
            .into(),
        None => ConstantVus::new(vus, Duration::from_secs_f64(secs)).into(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!(
            "usage: loadgen URL VUS SECONDS [THINK_MS] [per-vu|shared] [WORKERS] [auto|h1] [ROOT_PEM]"
        );
        std::process::exit(2);
    }
    // Shared, so an iteration's copy is a reference count, not an allocation of the script's.
    let url: Arc<str> = Arc::from(args[1].as_str());
    let vus: u64 = args[2].parse().expect("VUS is a number");
    // `nCOUNT` instead of seconds: exactly COUNT requests (for instruction counts per request).
    let fixed: Option<u64> = args[3]
        .strip_prefix('n')
        .map(|n| n.parse().expect("nCOUNT"));
    let secs: f64 = if fixed.is_some() {
        60.0
    } else {
        args[3].parse().expect("SECONDS is a number")
    };
    // A think time, fixed or uniform in a range (`4970-5030`).
    let (think_min, think_max): (u64, u64) = match args.get(4).map(|t| t.split_once('-')) {
        Some(Some((a, b))) => (a.parse().expect("MIN_MS"), b.parse().expect("MAX_MS")),
        _ => {
            let t = args.get(4).and_then(|t| t.parse().ok()).unwrap_or(0);
            (t, t)
        }
    };
    let model = match args.get(5).map(String::as_str) {
        Some("shared") => ConnectionModel::Shared {
            max_connections: 256,
        },
        _ => ConnectionModel::PerVu,
    };
    let workers: usize = args.get(6).and_then(|w| w.parse().ok()).unwrap_or(1);
    let version = match args.get(7).map(String::as_str) {
        Some("h1") => HttpVersion::Http1Only,
        _ => HttpVersion::Auto,
    };
    let root = args
        .get(8)
        .map(|p| std::fs::read(p).expect("ROOT_PEM is readable"))
        .unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    // Requests per VU, to see whether the scheduler starves anyone.
    let per_vu: Arc<Vec<AtomicU64>> = Arc::new((0..=vus).map(|_| AtomicU64::new(0)).collect());
    let counts = per_vu.clone();
    let report = rt.block_on(async move {
        Test::new("loadgen")
            .time_scale(1.0)
            .connections(model)
            .http_version(version)
            .tls_root_certificates(root)
            .scenario(Scenario::new(
                "closed",
                executor(vus, secs, fixed),
                move |vu| {
                    let url = url.clone();
                    let counts = counts.clone();
                    Box::pin(async move {
                        if let Some(c) = counts.get(vu.id() as usize) {
                            c.fetch_add(1, Ordering::Relaxed);
                        }
                        vu.get(&url).name("GET /health").send().await;
                        if think_max > 0 {
                            let ms = Duration::from_millis;
                            vu.think(ms(think_min), ms(think_max)).await;
                        }
                        Ok(())
                    })
                },
            ))
            .run()
            .await
            .expect("valid test")
    });
    let requests = report.count("http_reqs");
    let failed = report.value("http_req_failed", "rate").unwrap_or(0.0);
    let p50 = report.value("http_req_duration", "med").unwrap_or(0.0);
    let p99 = report.value("http_req_duration", "p(99)").unwrap_or(0.0);
    let lag_p99 = report.value("generator_lag", "p(99)").unwrap_or(0.0);
    let resent = report.count("http_req_resent");
    let h2 = report.count("http_reqs_by_proto{proto:HTTP/2.0}");
    let mut spread: Vec<u64> = per_vu
        .iter()
        .skip(1)
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    spread.sort_unstable();
    let (least, median, most) = (
        spread.first().copied().unwrap_or(0),
        spread.get(spread.len() / 2).copied().unwrap_or(0),
        spread.last().copied().unwrap_or(0),
    );
    println!(
        "{{\"requests\":{requests},\"rps\":{:.1},\"failed_rate\":{failed},\"resent\":{resent},\"h2_requests\":{h2},\"p50_ms\":{p50:.3},\"p99_ms\":{p99:.3},\"peak_rss_kb\":{},\"vus\":{vus},\"lag_p99_ms\":{lag_p99:.3},\"per_vu_min\":{least},\"per_vu_median\":{median},\"per_vu_max\":{most}}}",
        requests / secs,
        peak_rss_kb()
    );
}
