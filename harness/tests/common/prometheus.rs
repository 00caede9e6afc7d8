//! A real Prometheus for the tests that read the metrics endpoint through it: Debian's
//! `prometheus`, started on loopback scraping one target every second, and its HTTP API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's Prometheus, when installed. `.ci/run` installs it and sets
/// `LOADTEST_REQUIRE_TOOLS=1`, so CI cannot skip: then a missing one fails the test.
pub fn binary(what: &str) -> Option<PathBuf> {
    let found = Command::new("which")
        .arg("prometheus")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if found.is_none() {
        assert!(
            std::env::var_os("LOADTEST_REQUIRE_TOOLS").is_none(),
            "LOADTEST_REQUIRE_TOOLS is set but prometheus is not installed"
        );
        eprintln!("prometheus is not installed: {what} is skipped");
    }
    found
}

/// A running Prometheus; killed, and its data deleted, when dropped.
pub struct Prometheus {
    child: Child,
    /// Where its HTTP API listens, on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Prometheus scraping `target` every second, and waits until it has scraped it once
/// (Prometheus applies new targets only every 5 s).
pub async fn start(binary: &Path, target: SocketAddr) -> Prometheus {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("prometheus-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  \
             - job_name: loadtest\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("log")).unwrap())
        .spawn()
        .expect("prometheus starts");
    let p = Prometheus { child, port, dir };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/-/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready && query(port, "up").await == Some(1.0) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus did not scrape in 30 s: {}",
            std::fs::read_to_string(p.dir.join("log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of an instant query's first result, or `None` when it has none.
pub async fn query(port: u16, q: &str) -> Option<f64> {
    let result = query_at(port, q, None).await.ok()?;
    result.first()?["value"][1].as_str()?.parse().ok()
}

/// Every result of an instant query, evaluated at `time` (Unix seconds; `None`: now), or what
/// went wrong (Prometheus refused the query, or did not answer) as a sentence.
pub async fn query_at(
    port: u16,
    q: &str,
    time: Option<f64>,
) -> Result<Vec<serde_json::Value>, String> {
    let mut params = vec![("query", q.to_string())];
    if let Some(t) = time {
        params.push(("time", format!("{t:.3}")));
    }
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/query"))
        .query(&params)
        .send()
        .await
        .map_err(|e| format!("{q}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{q}: {e}"))?;
    if body["status"] != "success" {
        return Err(format!("{q}: {body}"));
    }
    Ok(body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// The values of `label` on the series `selector` matches (what Grafana's
/// `label_values(selector, label)` lists).
pub async fn label_values(port: u16, label: &str, selector: &str) -> Vec<String> {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/label/{label}/values"
        ))
        .query(&[("match[]", selector)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "success", "{label} of {selector}: {body}");
    body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// What Prometheus says of its scrape targets (health, last error), for failure messages.
pub async fn targets(port: u16) -> String {
    match reqwest::get(format!("http://127.0.0.1:{port}/api/v1/targets")).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}
