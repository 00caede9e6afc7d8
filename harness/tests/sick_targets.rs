//! A load test must be right when the target is failing: against small loopback servers that
//! hang, send huge bodies or refuse connections, every run here ends in seconds and its verdict
//! is a failure with the reason named — never a pass.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::quiet;
use harness::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the test server answers the n-th request (counting from 1).
#[derive(Clone, Copy)]
enum Mode {
    /// Every `n`-th request never gets an answer.
    HangEvery(u64),
    /// A 200 with a body of this many bytes.
    Body(usize),
    /// A 401 whose body echoes the request's head, headers and all.
    Echo,
}

/// A keep-alive HTTP/1.1 server on loopback; returns its URL.
async fn serve(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, mode, count.clone()));
        }
    });
    url
}

async fn connection(mut stream: TcpStream, mode: Mode, count: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head: Vec<u8> = buf.drain(..end).collect();
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        if let Mode::Echo = mode {
            let body = format!(
                "{{\"detail\":\"rejected {:?}\"}}",
                String::from_utf8_lossy(&head)
            );
            let reply = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let body_len = match mode {
            Mode::HangEvery(k) if n.is_multiple_of(k) => {
                // Hold the connection open, never answer.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Mode::HangEvery(_) => 2,
            Mode::Body(len) => len,
            Mode::Echo => 0,
        };
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {body_len}\r\n\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let body = vec![b'x'; body_len];
        if stream.write_all(&body).await.is_err() {
            return;
        }
    }
}

fn health(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        vu.get("/health").name("GET /health").send().await;
        vu.sleep(millis(20)).await;
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_every_tenth_request_fails_with_interrupted_requests() {
    let url = serve(Mode::HangEvery(10)).await;
    let started = Instant::now();
    let report = quiet("hung")
        .base_url(url)
        .scenario(
            Scenario::new("s", ConstantVus::new(5, secs(2)), health).graceful_stop(millis(500)),
        )
        .threshold("http_req_failed", "rate<0.01")
        .run()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    let interrupted = report.count("http_transport_errors{error:interrupted}");
    assert_eq!(interrupted, 5.0, "each VU's hung request is recorded");
    assert_eq!(report.count("interrupted_iterations"), 5.0);
    assert_eq!(report.scenarios[0].interrupted, 5);
    assert!(report.value("http_req_failed", "rate").unwrap() > 0.01);
    assert_eq!(
        report.failures_by_class(),
        vec![("interrupted".to_string(), 5)]
    );
    assert!(!report.passed(), "a hung target must never pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_whose_iterations_never_complete_fails_whatever_its_thresholds_say() {
    let url = serve(Mode::HangEvery(1)).await;
    let report = quiet("never")
        .base_url(url)
        .scenario(
            Scenario::new("s", ConstantVus::new(2, millis(500)), health).graceful_stop(millis(200)),
        )
        .threshold("http_req_duration", Threshold::new("p(95)<100"))
        .run()
        .await
        .unwrap();
    assert_eq!(report.scenarios[0].iterations, 0);
    assert!(!report.passed());
    assert!(
        report.problems[0].contains("completed no iteration"),
        "{:?}",
        report.problems
    );
    let mut out = Vec::new();
    report.write_summary(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("FAILED: scenario \"s\" completed no iteration"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threshold_whose_metric_has_no_samples_fails_unless_it_allows_no_data() {
    let url = serve(Mode::HangEvery(u64::MAX)).await;
    let run = |allow: bool| {
        let t = Threshold::new("p(95)<100");
        let t = if allow { t.allow_no_data() } else { t };
        quiet("no-data")
            .base_url(url.clone())
            .scenario(Scenario::new("s", SharedIterations::new(1, 3), health))
            .threshold("http_req_duration{name:GET /never-called}", t)
            .threshold("http_req_duration", "p(95)<5000")
            .run()
    };
    let strict = run(false).await.unwrap();
    assert!(!strict.passed());
    assert_eq!(strict.failed_thresholds().len(), 1);
    assert_eq!(
        strict.thresholds[0].verdict,
        harness::threshold::Verdict::NoData
    );
    let lenient = run(true).await.unwrap();
    assert!(lenient.passed(), "{:?}", lenient.thresholds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_fails_as_body_too_large_without_being_held() {
    let url = serve(Mode::Body(3 * 1024 * 1024)).await;
    let report = quiet("huge")
        .base_url(url)
        .max_body_bytes(1024 * 1024)
        .scenario(Scenario::new("s", SharedIterations::new(1, 2), |vu| {
            Box::pin(async move {
                let res = vu.get("/big").send().await;
                assert_eq!(res.error(), Some(TransportError::BodyTooLarge), "{res:?}");
                assert!(res.body.is_empty());
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(
        report.count("http_transport_errors{error:body_too_large}"),
        2.0
    );
    assert_eq!(report.value("http_req_failed", "rate"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_ends_the_run_in_preflight_before_any_load() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let setup_ran = Arc::new(AtomicU64::new(0));
    let s = setup_ran.clone();
    let report = quiet("unreachable")
        .base_url(format!("http://127.0.0.1:{port}"))
        .preflight("/health", secs(2))
        .setup(move |_vu| {
            Box::pin(async move {
                s.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        })
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), health))
        .run()
        .await
        .unwrap();
    let end = report.ended_early.as_ref().expect("the run ended early");
    assert_eq!(end.phase, harness::run::Phase::Preflight);
    let text = &end.reason;
    assert!(
        text.starts_with("target unreachable: GET http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("connect"), "{text}");
    assert_eq!(setup_ran.load(Ordering::SeqCst), 0, "setup must not run");
    assert!(!report.passed());
    assert_eq!(report.exit_code(), 107);
    assert_eq!(
        report.count("http_reqs"),
        0.0,
        "the preflight is not recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_that_hangs_times_out_and_no_load_runs() {
    let url = serve(Mode::HangEvery(u64::MAX)).await;
    let started = Instant::now();
    let report = quiet("slow-setup")
        .base_url(url)
        .setup_timeout(millis(300))
        .setup(|_vu| {
            Box::pin(async move {
                tokio::time::sleep(secs(3600)).await;
                Ok(())
            })
        })
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), health))
        .run()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let end = report.ended_early.as_ref().expect("the run ended early");
    assert_eq!(end.phase, harness::run::Phase::Setup);
    assert_eq!(end.reason, "setup failed: did not finish within 300ms");
    assert_eq!(report.count("iterations"), 0.0, "no load ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teardown_that_hangs_is_cut_at_its_timeout_and_fails_the_run() {
    let url = serve(Mode::HangEvery(u64::MAX)).await;
    let report = quiet("slow-teardown")
        .base_url(url)
        .teardown_timeout(millis(300))
        .teardown(|_vu, _: Option<Arc<()>>| {
            Box::pin(async move {
                tokio::time::sleep(secs(3600)).await;
                Ok(())
            })
        })
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), health))
        .run()
        .await
        .unwrap();
    assert!(!report.passed());
    assert!(report.problems[0].contains("teardown did not finish within 300ms"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_echoes_credentials_never_gets_them_into_the_summary_or_json() {
    let url = serve(Mode::Echo).await;
    const TOKEN: &str = "kz_at_5ecret0123456789abcdef";
    const PASSWORD: &str = "Hunter2-Hunter2";
    let report = quiet("echo")
        .base_url(url)
        .scenario(Scenario::new("s", SharedIterations::new(1, 2), |vu| {
            Box::pin(async move {
                let res = vu
                    .post("/api/v1/auth/login")
                    .bearer(TOKEN)
                    .header("cookie", "session=s3ss10n")
                    .json(&serde_json::json!({"email": "a@b.c", "password": PASSWORD}))
                    .send()
                    .await;
                // As the suites' client does: the error carries the body it got.
                let status = res.status().expect("the server answers");
                Err(format!("login: status {status}: {}", res.text()).into())
            })
        }))
        .run()
        .await
        .unwrap();
    let mut summary = Vec::new();
    report.write_summary(&mut summary).unwrap();
    let outputs = [
        String::from_utf8(summary).unwrap(),
        report.to_json().to_string(),
        format!("{:?}", report.iteration_errors),
    ];
    for out in &outputs {
        assert!(out.contains("login: status 401"), "{out}");
        for secret in [TOKEN, "s3ss10n"] {
            assert!(!out.contains(secret), "{secret} leaked into: {out}");
        }
    }
    assert!(outputs[0].contains("[redacted]"), "{}", outputs[0]);
}
