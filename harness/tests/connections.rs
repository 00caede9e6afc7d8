//! Connections end to end, against a raw TCP server that counts what it accepts: keep-alive
//! reuse, connections the server closes, timeouts, the shared pool's bound, and the timings
//! that tell connecting apart from the request.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::quiet;
use harness::prelude::*;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the raw server treats each connection.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers every request, keeps the connection open.
    KeepAlive,
    /// Answers one request, then closes without saying so (no `connection: close`).
    CloseAfterOne,
    /// Answers requests to `/slow` after 300 ms.
    SlowPath,
}

struct RawServer {
    url: String,
    accepted: Arc<AtomicUsize>,
    peak_open: Arc<AtomicUsize>,
}

async fn raw_server(behaviour: Behaviour) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let peak_open = Arc::new(AtomicUsize::new(0));
    let counters = (accepted.clone(), open, peak_open.clone());
    tokio::spawn(async move {
        let (accepted, open, peak) = counters;
        while let Ok((mut stream, _)) = listener.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            let now_open = open.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now_open, Ordering::SeqCst);
            let open = open.clone();
            tokio::spawn(async move {
                serve(&mut stream, behaviour).await;
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    RawServer {
        url,
        accepted,
        peak_open,
    }
}

/// Answers HTTP/1.1 requests on one connection, each with its own path as the body.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, behaviour: Behaviour) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        buf.drain(..head_end);
        if matches!(behaviour, Behaviour::SlowPath) && head.starts_with("GET /slow") {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let path = head.split(' ').nth(1).unwrap_or("?").to_string();
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{path}",
            path.len()
        );
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
        if matches!(behaviour, Behaviour::CloseAfterOne) {
            return;
        }
    }
}

#[tokio::test]
async fn a_vu_sends_all_its_requests_on_one_kept_connection() {
    let server = raw_server(Behaviour::KeepAlive).await;
    let report = quiet("keep-alive")
        .base_url(&server.url)
        .scenario(Scenario::new("s", PerVuIterations::new(3, 20), |vu| {
            Box::pin(async move {
                let res = vu.get("/ping").send().await;
                assert_eq!((res.status(), res.text()), (Some(200), "/ping".to_string()));
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs"), 60.0);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 3, "one per VU");
    // Only the first request of each VU opened a connection.
    let connecting_max = report.value("http_req_connecting", "max").unwrap();
    let connecting_med = report.value("http_req_connecting", "med").unwrap();
    assert!(connecting_max > 0.0 && connecting_med == 0.0);
}

#[tokio::test]
async fn a_connection_the_server_closed_is_replaced_without_a_failed_request() {
    let server = raw_server(Behaviour::CloseAfterOne).await;
    let report = quiet("server-closes")
        .base_url(&server.url)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 10), |vu| {
            Box::pin(async move {
                let res = vu.get("/again").send().await;
                assert_eq!(res.status(), Some(200), "{:?}", res.failure());
                // Let the close arrive before the next request (and once, race it).
                if vu.iteration() % 2 == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.value("http_req_failed", "rate"), Some(0.0));
    assert_eq!(server.accepted.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn a_timed_out_request_fails_alone_and_the_next_one_gets_its_own_response() {
    let server = raw_server(Behaviour::SlowPath).await;
    let report = quiet("timeout")
        .base_url(&server.url)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), |vu| {
            Box::pin(async move {
                let slow = vu
                    .get("/slow")
                    .timeout(Duration::from_millis(100))
                    .send()
                    .await;
                assert_eq!(slow.error(), Some(TransportError::Timeout));
                let next = vu.get("/fast").send().await;
                assert_eq!(
                    (next.status(), next.text()),
                    (Some(200), "/fast".to_string())
                );
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_transport_errors{error:timeout}"), 1.0);
    assert_eq!(report.count("http_reqs{status:200}"), 1.0);
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        2,
        "the timed-out connection is not reused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_pool_never_opens_more_connections_than_its_bound() {
    let server = raw_server(Behaviour::KeepAlive).await;
    let report = quiet("pool-bound")
        .base_url(&server.url)
        .connections(ConnectionModel::Shared { max_connections: 4 })
        .scenario(Scenario::new("s", SharedIterations::new(50, 2000), |vu| {
            Box::pin(async move {
                vu.get("/p").send().await;
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs"), 2000.0);
    assert_eq!(report.value("http_req_failed", "rate"), Some(0.0));
    assert!(server.peak_open.load(Ordering::SeqCst) <= 4);
    assert!(
        server.accepted.load(Ordering::SeqCst) <= 4,
        "kept connections are reused, not reopened"
    );
}

#[tokio::test]
async fn an_https_url_to_a_plain_http_server_is_a_tls_error() {
    // A server that speaks plain HTTP at once: the TLS handshake reads a non-TLS record.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let report = quiet("tls")
        .base_url(&url)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), |vu| {
            Box::pin(async move {
                let res = vu.get("/tls").timeout(Duration::from_secs(5)).send().await;
                assert_eq!(res.error(), Some(TransportError::Tls), "{res:?}");
                assert!(
                    res.failure()
                        .unwrap()
                        .message
                        .contains("connecting to 127.0.0.1")
                );
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_transport_errors{error:tls}"), 1.0);
}

/// A TLS server on loopback with a fresh self-signed certificate for `localhost`; returns its
/// URL, the certificate as PEM and how many connections it accepted.
async fn tls_server() -> (String, String, Arc<AtomicUsize>) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![key.cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    serve(&mut tls, Behaviour::KeepAlive).await;
                }
            });
        }
    });
    (url, key.cert.pem(), accepted)
}

#[tokio::test]
async fn https_works_on_one_kept_connection_with_a_trusted_root_and_fails_without() {
    let (url, pem, accepted) = tls_server().await;
    let report = quiet("tls-trusted")
        .base_url(&url)
        .tls_root_certificates(&pem)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 5), |vu| {
            Box::pin(async move {
                let res = vu.get("/secure").send().await;
                assert_eq!(
                    (res.status(), res.text()),
                    (Some(200), "/secure".into()),
                    "{res:?}"
                );
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 5.0);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert!(report.value("http_req_tls_handshaking", "max").unwrap() > 0.0);

    let report = quiet("tls-untrusted")
        .base_url(&url)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), |vu| {
            Box::pin(async move {
                let res = vu.get("/secure").send().await;
                assert_eq!(res.error(), Some(TransportError::Tls), "{res:?}");
                assert!(res.failure().unwrap().message.contains("certificate"));
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_transport_errors{error:tls}"), 1.0);
}

#[test]
fn root_certificates_that_are_not_pem_are_a_configuration_error() {
    let err = quiet("bad-pem")
        .tls_root_certificates("not a certificate")
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), common::ping))
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("no CERTIFICATE block"), "{err}");
}
