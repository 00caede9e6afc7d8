//! Each fault mode, measured over real HTTP: it happens, at the configured rate, with a seed.

mod support;

use std::time::{Duration, Instant};

use mock_server::MockConfig;
use mock_server::domain::RouteKind;
use mock_server::faults::{Capacity, FaultPlan, Faults, Latency, Stall};
use support::start;

fn with(faults: Faults) -> MockConfig {
    MockConfig {
        faults: FaultPlan {
            global: faults,
            routes: vec![],
        },
        seed: 42,
        ..MockConfig::default()
    }
}

/// Sends `n` sequential GET /health; returns (statuses, transport errors, bodies that are not JSON).
async fn hammer(url: &str, n: usize) -> (Vec<u16>, usize, usize) {
    let http = reqwest::Client::new();
    let (mut statuses, mut errors, mut malformed) = (Vec::new(), 0, 0);
    for _ in 0..n {
        match http.get(format!("{url}/health")).send().await {
            Ok(r) => {
                statuses.push(r.status().as_u16());
                let body = r.bytes().await.unwrap_or_default();
                if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
                    malformed += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    (statuses, errors, malformed)
}

#[tokio::test]
async fn error_rate_injects_that_fraction_of_500s() {
    let server = start(with(Faults {
        error_rate: Some(0.2),
        ..Faults::default()
    }));
    let (statuses, errors, _) = hammer(&server.url(), 1000).await;
    let fives = statuses.iter().filter(|s| **s == 500).count();
    assert_eq!(errors, 0);
    assert!(
        (160..=240).contains(&fives),
        "{fives} of 1000 were 500, want about 200"
    );
}

#[tokio::test]
async fn reset_rate_closes_that_fraction_of_connections() {
    let server = start(with(Faults {
        reset_rate: Some(0.1),
        ..Faults::default()
    }));
    let (statuses, errors, _) = hammer(&server.url(), 1000).await;
    assert!(
        (60..=140).contains(&errors),
        "{errors} of 1000 reset, want about 100"
    );
    assert!(statuses.iter().all(|s| *s == 200));
}

#[tokio::test]
async fn malformed_rate_cuts_that_fraction_of_bodies() {
    let server = start(with(Faults {
        malformed_rate: Some(0.3),
        ..Faults::default()
    }));
    let (_, errors, malformed) = hammer(&server.url(), 1000).await;
    assert_eq!(errors, 0);
    assert!(
        (240..=360).contains(&malformed),
        "{malformed} of 1000 malformed, want about 300"
    );
}

#[tokio::test]
async fn the_same_seed_injects_the_same_faults() {
    let run = || async {
        let server = start(with(Faults {
            error_rate: Some(0.5),
            ..Faults::default()
        }));
        hammer(&server.url(), 200).await.0
    };
    assert_eq!(run().await, run().await);
}

#[tokio::test]
async fn fixed_and_percentile_latency_delay_responses() {
    let server = start(with(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(30))),
        ..Faults::default()
    }));
    let t = Instant::now();
    hammer(&server.url(), 10).await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );

    let server = start(with(Faults {
        latency: Some(Latency::parse("p50=5ms,p90=20ms,p100=40ms").unwrap()),
        ..Faults::default()
    }));
    let http = reqwest::Client::new();
    let mut took = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        http.get(format!("{}/health", server.url()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        took.push(t.elapsed());
    }
    took.sort();
    let (p50, p90) = (took[100], took[180]);
    assert!(
        p50 >= Duration::from_millis(4) && p50 < Duration::from_millis(15),
        "p50 {p50:?}"
    );
    assert!(
        p90 >= Duration::from_millis(17) && p90 < Duration::from_millis(35),
        "p90 {p90:?}"
    );
}

#[tokio::test]
async fn stalls_freeze_every_request_in_the_window() {
    let server = start(with(Faults {
        stall: Some(Stall::parse("300ms/600ms").unwrap()),
        ..Faults::default()
    }));
    let http = reqwest::Client::new();
    let mut slow = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1300) {
        let t = Instant::now();
        http.get(format!("{}/health", server.url()))
            .send()
            .await
            .unwrap();
        if t.elapsed() >= Duration::from_millis(50) {
            slow += 1;
        }
    }
    assert!(
        slow >= 2,
        "each 600 ms period should freeze once, saw {slow} slow requests"
    );
}

#[tokio::test]
async fn capacity_makes_concurrent_requests_slower() {
    let server = start(with(Faults {
        capacity: Some(Capacity {
            slots: 2,
            cost: Duration::from_millis(20),
        }),
        latency: Some(Latency::Fixed(Duration::from_millis(50))),
        ..Faults::default()
    }));
    let http = reqwest::Client::new();
    let one = Instant::now();
    http.get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    let alone = one.elapsed();
    let t = Instant::now();
    let calls: Vec<_> = (0..12)
        .map(|_| http.get(format!("{}/health", server.url())).send())
        .collect();
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    let crowded = t.elapsed();
    // 12 at once: the last admitted waits (12 - 2) × 20 ms more than one alone.
    assert!(
        crowded >= alone + Duration::from_millis(150),
        "alone {alone:?}, crowded {crowded:?}"
    );
}

#[tokio::test]
async fn degradation_grows_latency_with_run_time() {
    let server = start(with(Faults {
        degradation: Some(Duration::from_millis(3000)),
        ..Faults::default()
    }));
    let http = reqwest::Client::new();
    let t = Instant::now();
    http.get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    let early = t.elapsed();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let t = Instant::now();
    http.get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    let late = t.elapsed();
    // 3 s per minute: after 1.2 s, about 60 ms more.
    assert!(
        late >= early + Duration::from_millis(40),
        "early {early:?}, late {late:?}"
    );
}

#[tokio::test]
async fn route_overrides_hit_only_their_route() {
    let plan = FaultPlan {
        global: Faults::default(),
        routes: vec![(
            RouteKind::Health,
            Faults::parse_settings("errors:1").unwrap(),
        )],
    };
    let server = start(MockConfig {
        faults: plan,
        ..MockConfig::default()
    });
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{}/health", server.url()))
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        http.get(format!("{}/", server.url()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn the_mock_measures_its_own_time_without_the_injected_delay() {
    let server = start(with(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(40))),
        ..Faults::default()
    }));
    hammer(&server.url(), 5).await;
    let t = server.mock().service_time();
    assert_eq!(t.count, 5);
    assert!(
        t.max_us < 40_000,
        "own time {t:?} must exclude the 40 ms injected"
    );
}

#[test]
fn the_binary_documents_every_flag_and_rejects_bad_ones() {
    let bin = env!("CARGO_BIN_EXE_mock-server");
    let help = std::process::Command::new(bin)
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--port",
        "--host",
        "--seed",
        "--latency",
        "--error-rate",
        "--reset-rate",
        "--malformed-rate",
        "--stall",
        "--capacity",
        "--degrade",
        "--route",
        "--rate-limits",
        "--workers",
        "--token-lifetime",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = std::process::Command::new(bin)
        .args(["--error-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("outside 0..=1"));
    let sum = std::process::Command::new(bin)
        .args(["--port", "0", "--error-rate", "0.7", "--reset-rate", "0.7"])
        .output()
        .unwrap();
    assert_eq!(sum.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&sum.stderr).contains("add up to"));
    for args in [
        ["--latency", "100000000000000000000000s"],
        ["--workers", "0"],
        ["--token-lifetime", "0s"],
    ] {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} is refused, not a panic"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
