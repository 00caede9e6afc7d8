//! The keep-alive race and the bytes on the wire, against a raw loopback server that closes
//! idle connections after a timeout (as uvicorn does after 5 s) and counts what it reads and
//! writes: a request whose kept connection the server dropped as it went out is sent again
//! when that is safe (Go's transport's rule), a written non-replayable one fails honestly, and
//! `data_sent`/`data_received` equal what the server read and wrote.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::quiet;
use harness::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the raw server treats each connection.
#[derive(Clone, Copy)]
enum Mode {
    /// Answers every request; closes a connection idle for this long, without reading what
    /// may have arrived in the meantime (the kernel then resets the client's request).
    IdleClose(Duration),
    /// Answers the first request of each connection; reads the second whole, then closes
    /// without a byte of response.
    DropSecond,
    /// Reads every request whole and closes without a byte of response.
    DropAll,
    /// Answers every request with a chunked body.
    Chunked,
}

#[derive(Default)]
struct Stats {
    gets: AtomicU64,
    posts: AtomicU64,
    idle_closes: AtomicU64,
    read: AtomicU64,
    written: AtomicU64,
}

async fn server(mode: Mode) -> (String, Arc<Stats>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stats = Arc::new(Stats::default());
    let s = stats.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, mode, s.clone()));
        }
    });
    (url, stats)
}

/// Reads one request (head and `content-length` body); `None` when the connection ended.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, stats: &Stats) -> Option<String> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => {
                stats.read.fetch_add(n as u64, Ordering::SeqCst);
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let body_len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + body_len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => {
                stats.read.fetch_add(n as u64, Ordering::SeqCst);
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    }
    buf.drain(..head_end + body_len);
    let counter = if head.starts_with("POST") {
        &stats.posts
    } else {
        &stats.gets
    };
    counter.fetch_add(1, Ordering::SeqCst);
    Some(head)
}

async fn serve(mut stream: TcpStream, mode: Mode, stats: Arc<Stats>) {
    let mut buf = Vec::new();
    let mut served = 0u32;
    loop {
        if let Mode::IdleClose(idle) = mode
            && buf.is_empty()
            && tokio::time::timeout(idle, stream.readable()).await.is_err()
        {
            stats.idle_closes.fetch_add(1, Ordering::SeqCst);
            // Closed without reading: a request already on its way is answered by the
            // kernel with a reset, as it is by uvicorn's idle timeout.
            return;
        }
        if read_request(&mut stream, &mut buf, &stats).await.is_none() {
            return;
        }
        served += 1;
        let answer = match mode {
            Mode::DropAll => false,
            Mode::DropSecond => served == 1,
            Mode::IdleClose(_) | Mode::Chunked => true,
        };
        if !answer {
            return;
        }
        let reply: &[u8] = match mode {
            Mode::Chunked => {
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            }
            _ => b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        };
        if stream.write_all(reply).await.is_err() {
            return;
        }
        stats
            .written
            .fetch_add(reply.len() as u64, Ordering::SeqCst);
    }
}

const MODELS: [(&str, ConnectionModel); 2] = [
    ("per-VU connections", ConnectionModel::PerVu),
    (
        "the shared pool",
        ConnectionModel::Shared {
            max_connections: 50,
        },
    ),
];

/// 50 VUs that wait `idle` ± 1 % between requests, for `seconds`, against a server that closes
/// connections idle for `idle`.
async fn race(
    model: ConnectionModel,
    idle: Duration,
    seconds: u64,
    post: bool,
) -> (Report, Arc<Stats>) {
    let (url, stats) = server(Mode::IdleClose(idle)).await;
    let think = (idle.mul_f64(0.99), idle.mul_f64(1.01));
    let report = quiet("keep-alive race")
        .base_url(&url)
        .connections(model)
        .scenario(Scenario::new(
            "s",
            ConstantVus::new(50, secs(seconds)),
            move |vu| {
                Box::pin(async move {
                    let res = if post {
                        vu.post("/items").body("{\"n\":1}").send().await
                    } else {
                        vu.get("/health").send().await
                    };
                    vu.check("answered", res.status() == Some(200));
                    vu.think(think.0, think.1).await;
                    Ok(())
                })
            },
        ))
        .run()
        .await
        .unwrap();
    (report, stats)
}

#[tokio::test]
async fn a_get_is_never_failed_by_a_connection_the_server_closed_as_it_went_out() {
    for (what, model) in MODELS {
        let (report, stats) = race(model, Duration::from_millis(100), 6, false).await;
        let reqs = report.count("http_reqs");
        let failed = report.value("http_req_failed", "rate").unwrap() * reqs;
        let resent = report.count("http_req_resent");
        println!(
            "{what}: {reqs} GETs, {failed} failed, {resent} resent; server: {} idle closes",
            stats.idle_closes.load(Ordering::SeqCst)
        );
        assert!(reqs >= 2_000.0, "{what}: only {reqs} requests");
        assert_eq!(failed, 0.0, "{what}: {:?}", report.failures_by_class());
        assert!(
            stats.idle_closes.load(Ordering::SeqCst) > 0,
            "{what}: the server never closed an idle connection: the race was not run"
        );
        assert!(resent > 0.0, "{what}: no request met a closing connection");
        assert_eq!(
            stats.gets.load(Ordering::SeqCst) as f64,
            reqs,
            "{what}: each GET answered once"
        );
    }
}

#[tokio::test]
async fn a_post_in_the_race_fails_only_as_a_reset_and_is_never_sent_twice() {
    for (what, model) in MODELS {
        let (report, stats) = race(model, Duration::from_millis(100), 6, true).await;
        let reqs = report.count("http_reqs");
        let failures = report.failures_by_class();
        let failed: u64 = failures.iter().map(|(_, n)| *n).sum();
        let resent = report.count("http_req_resent");
        println!(
            "{what}: {reqs} POSTs, {failed} failed {failures:?}, {resent} resent; server: {} \
             idle closes",
            stats.idle_closes.load(Ordering::SeqCst)
        );
        assert!(reqs >= 2_000.0, "{what}: only {reqs} requests");
        // A failure is a request written onto a connection the server had closed, which its
        // kernel then reset: never another class.
        assert!(failures.iter().all(|(class, _)| class == "reset"), "{what}");
        // The race was run. (A kept connection found closed before the request is written is
        // replaced, not counted as a resend; one whose write itself fails goes again.)
        assert!(failed > 0, "{what}");
        // Nothing written was sent twice: every POST the server read was answered and counted
        // once.
        assert_eq!(
            stats.posts.load(Ordering::SeqCst) as f64,
            reqs - failed as f64,
            "{what}"
        );
    }
}

/// Two requests per VU on one kept connection whose second the server reads and drops.
async fn second_request_dropped(
    model: ConnectionModel,
    mode: Mode,
    post: bool,
    key: bool,
) -> (Report, Arc<Stats>) {
    let (url, stats) = server(mode).await;
    let report = quiet("dropped")
        .base_url(&url)
        .connections(model)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), move |vu| {
            Box::pin(async move {
                for _ in 0..2 {
                    let mut req = if post {
                        vu.post("/items").body("{}")
                    } else {
                        vu.get("/items")
                    };
                    if key {
                        req = req.header("Idempotency-Key", "k-1");
                    }
                    req.send().await;
                }
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    (report, stats)
}

#[tokio::test]
async fn a_get_reset_on_a_kept_connection_before_any_answer_is_sent_again_on_a_new_one() {
    for (what, model) in MODELS {
        let (report, stats) = second_request_dropped(model, Mode::DropSecond, false, false).await;
        assert_eq!(report.count("http_reqs"), 2.0, "{what}");
        assert_eq!(report.value("http_req_failed", "rate"), Some(0.0), "{what}");
        assert_eq!(report.count("http_req_resent"), 1.0, "{what}");
        assert_eq!(stats.gets.load(Ordering::SeqCst), 3, "{what}: sent twice");
        // The resent request's timings are its second attempt's, on a new connection.
        assert!(report.value("http_req_connecting", "max").unwrap() > 0.0);
    }
}

#[tokio::test]
async fn a_written_post_reset_before_any_answer_fails_and_is_not_sent_again() {
    for (what, model) in MODELS {
        let (report, stats) = second_request_dropped(model, Mode::DropSecond, true, false).await;
        assert_eq!(report.count("http_reqs"), 2.0, "{what}");
        assert_eq!(report.count("http_req_resent"), 0.0, "{what}");
        assert_eq!(
            report.failures_by_class(),
            vec![("reset".to_string(), 1)],
            "{what}"
        );
        assert_eq!(stats.posts.load(Ordering::SeqCst), 2, "{what}: sent once");
    }
}

#[tokio::test]
async fn a_post_with_an_idempotency_key_is_replayable_and_sent_again() {
    for (what, model) in MODELS {
        let (report, stats) = second_request_dropped(model, Mode::DropSecond, true, true).await;
        assert_eq!(report.value("http_req_failed", "rate"), Some(0.0), "{what}");
        assert_eq!(report.count("http_req_resent"), 1.0, "{what}");
        assert_eq!(stats.posts.load(Ordering::SeqCst), 3, "{what}");
    }
}

#[tokio::test]
async fn a_get_reset_on_a_new_connection_fails_without_being_sent_again() {
    for (what, model) in MODELS {
        let (report, stats) = second_request_dropped(model, Mode::DropAll, false, false).await;
        assert_eq!(report.count("http_req_resent"), 0.0, "{what}");
        assert_eq!(report.value("http_req_failed", "rate"), Some(1.0), "{what}");
        // Each of the two GETs went out once, each on its own new connection.
        assert_eq!(stats.gets.load(Ordering::SeqCst), 2, "{what}");
    }
}

#[tokio::test]
async fn data_sent_and_received_are_the_bytes_the_server_read_and_wrote() {
    for (what, mode) in [
        ("content-length", Mode::IdleClose(Duration::from_secs(60))),
        ("chunked", Mode::Chunked),
    ] {
        let (url, stats) = server(mode).await;
        let report = quiet("wire")
            .base_url(&url)
            .scenario(Scenario::new("s", PerVuIterations::new(3, 5), |vu| {
                Box::pin(async move {
                    let res = vu
                        .get("/items?page=2")
                        .header("x-trace", "abc")
                        .send()
                        .await;
                    assert_eq!(res.status(), Some(200));
                    vu.post("/items").body(vec![b'x'; 1000]).send().await;
                    Ok(())
                })
            }))
            .run()
            .await
            .unwrap();
        let sent = report.count("data_sent");
        let received = report.count("data_received");
        assert_eq!(sent, stats.read.load(Ordering::SeqCst) as f64, "{what}");
        assert_eq!(
            received,
            stats.written.load(Ordering::SeqCst) as f64,
            "{what}"
        );
        // Per request, too: each GET received exactly the server's one reply.
        let reply = match mode {
            Mode::Chunked => 73.0,
            _ => 40.0,
        };
        assert_eq!(
            report.count("data_received{method:GET}"),
            15.0 * reply,
            "{what}"
        );
    }
}
