//! The ceiling for any reqwest-based generator: N tasks in a bare loop of GET + read body, on
//! a current-thread runtime, no metrics. Prints requests/s. `bare_reqwest URL TASKS SECONDS`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = reqwest::Url::parse(&args[1]).expect("URL");
    let tasks: usize = args[2].parse().expect("TASKS");
    // `nCOUNT` instead of seconds: exactly COUNT requests (for instruction counts per request).
    let fixed: Option<u64> = args[3]
        .strip_prefix('n')
        .map(|n| n.parse().expect("nCOUNT"));
    let secs: f64 = if fixed.is_some() {
        60.0
    } else {
        args[3].parse().expect("SECONDS")
    };
    let limit = fixed.unwrap_or(u64::MAX);
    let rt = if std::env::var("CT").is_ok() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
    }
    .expect("runtime");
    let count = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..tasks {
            let (url, count) = (url.clone(), count.clone());
            set.spawn(async move {
                let client = reqwest::Client::builder().build().expect("client");
                while Instant::now() < deadline && count.load(Ordering::Relaxed) < limit {
                    if let Ok(r) = client.get(url.clone()).send().await {
                        let _ = r.bytes().await;
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        set.join_all().await;
    });
    println!(
        "{{\"rps\":{:.1}}}",
        count.load(Ordering::Relaxed) as f64 / secs
    );
}
