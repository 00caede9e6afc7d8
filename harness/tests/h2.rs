//! HTTP/2 end to end, against a loopback TLS server (hyper's, a fresh `rcgen` certificate) that
//! offers `h2` and/or `http/1.1` by ALPN, counts connections, records each request's HTTP
//! version and the bytes it read and wrote, and can end connections with a graceful GOAWAY.

mod common;

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use common::quiet;
use harness::prelude::*;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

/// What the server offers by ALPN.
#[derive(Clone, Copy)]
enum Offer {
    H2AndH1,
    H1Only,
}

#[derive(Default)]
struct Seen {
    accepted: AtomicUsize,
    versions: Mutex<Vec<http::Version>>,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    /// Bytes read and written between TLS and hyper, as the client counts them.
    read: AtomicU64,
    written: AtomicU64,
}

impl Seen {
    /// Every request the server received came over `version` (and there was at least one).
    fn all_over(&self, version: http::Version) -> bool {
        let versions = self.versions.lock().unwrap();
        !versions.is_empty() && versions.iter().all(|v| *v == version)
    }
}

struct Server {
    url: String,
    pem: String,
    seen: Arc<Seen>,
}

/// The body of every answer: 1,000 bytes.
const BODY: [u8; 1000] = [b'x'; 1000];

/// Serves until the test ends; each answer waits `delay`; an HTTP/2 connection is ended with
/// a graceful GOAWAY after `goaway_after` requests, if given.
async fn server(offer: Offer, delay: Duration, goaway_after: Option<usize>) -> Server {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![key.cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der())),
        )
        .unwrap();
    config.alpn_protocols = match offer {
        Offer::H2AndH1 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Offer::H1Only => vec![b"http/1.1".to_vec()],
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            shared.accepted.fetch_add(1, Ordering::SeqCst);
            let (acceptor, seen) = (acceptor.clone(), shared.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                let served = Arc::new(AtomicUsize::new(0));
                let enough = Arc::new(tokio::sync::Notify::new());
                let service = {
                    let (seen, served, enough) = (seen.clone(), served.clone(), enough.clone());
                    service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (seen, served, enough) = (seen.clone(), served.clone(), enough.clone());
                        async move {
                            seen.versions.lock().unwrap().push(req.version());
                            let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                            seen.peak_in_flight.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(delay).await;
                            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                            if Some(served.fetch_add(1, Ordering::SeqCst) + 1) == goaway_after {
                                enough.notify_one();
                            }
                            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                                &BODY,
                            ))))
                        }
                    })
                };
                let io = TokioIo::new(Counted { io: tls, seen });
                if h2 {
                    let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = enough.notified() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    Server {
        url,
        pem: key.cert.pem(),
        seen,
    }
}

/// The server's side of the byte counts: what hyper reads and writes above TLS.
struct Counted<T> {
    io: T,
    seen: Arc<Seen>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        this.seen.read.fetch_add(n, Ordering::SeqCst);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            this.seen.written.fetch_add(n as u64, Ordering::SeqCst);
        }
        polled
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// `vus` VUs, `each` GETs each, against `s`; every answer must be a 200 with the whole body.
fn test(name: &str, s: &Server, vus: u64, each: u64) -> Test {
    quiet(name)
        .base_url(&s.url)
        .tls_root_certificates(&s.pem)
        .scenario(Scenario::new("s", PerVuIterations::new(vus, each), |vu| {
            Box::pin(async move {
                let res = vu.get("/x").send().await;
                assert_eq!(res.status(), Some(200), "{res:?}");
                assert_eq!(res.text().len(), BODY.len());
                Ok(())
            })
        }))
}

fn protocols(report: &Report) -> Vec<(String, u64)> {
    let summary = report.summary(&Default::default());
    summary.protocols.into_iter().collect()
}

#[tokio::test]
async fn vus_speak_http2_when_offered_on_one_connection_each_and_the_summary_says_so() {
    let s = server(Offer::H2AndH1, Duration::ZERO, None).await;
    let report = test("h2-per-vu", &s, 3, 10).run().await.unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 30.0);
    assert!(s.seen.all_over(http::Version::HTTP_2));
    assert_eq!(s.seen.accepted.load(Ordering::SeqCst), 3);
    assert_eq!(protocols(&report), [("HTTP/2.0".to_string(), 30)]);
    let mut text = Vec::new();
    report.write_summary(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("HTTP versions: 30 over HTTP/2.0"), "{text}");
}

#[tokio::test]
async fn in_the_shared_model_many_vus_multiplex_on_few_http2_connections() {
    let s = server(Offer::H2AndH1, Duration::from_millis(20), None).await;
    let report = test("h2-shared", &s, 40, 5)
        .connections(ConnectionModel::Shared { max_connections: 4 })
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 200.0);
    let accepted = s.seen.accepted.load(Ordering::SeqCst);
    assert!((1..=4).contains(&accepted), "{accepted} connections");
    let peak = s.seen.peak_in_flight.load(Ordering::SeqCst);
    assert!(peak > 4, "at most {peak} requests in flight at once");
    assert_eq!(protocols(&report), [("HTTP/2.0".to_string(), 200)]);
}

#[tokio::test]
async fn http1_only_makes_vus_speak_http11_to_a_server_that_offers_h2() {
    let s = server(Offer::H2AndH1, Duration::ZERO, None).await;
    let report = test("h1-pinned", &s, 2, 5)
        .http_version(HttpVersion::Http1Only)
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 10.0);
    assert!(s.seen.all_over(http::Version::HTTP_11));
    assert_eq!(s.seen.accepted.load(Ordering::SeqCst), 2);
    assert_eq!(protocols(&report), [("HTTP/1.1".to_string(), 10)]);
    let mut text = Vec::new();
    report.write_summary(&mut text).unwrap();
    assert!(!String::from_utf8(text).unwrap().contains("HTTP versions"));
}

#[tokio::test]
async fn a_server_offering_only_http11_by_alpn_still_works() {
    let s = server(Offer::H1Only, Duration::ZERO, None).await;
    let report = test("h1-server", &s, 2, 5).run().await.unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 10.0);
    assert!(s.seen.all_over(http::Version::HTTP_11));
    assert_eq!(protocols(&report), [("HTTP/1.1".to_string(), 10)]);
}

/// Timings: connecting and the TLS handshake once per connection, waiting on every request.
/// Bytes: every byte hyper moved on the client is claimed by one request, except what comes
/// after the last response (the server's and client's closing frames), so the totals match
/// the server's counts to within a few hundred bytes; and each request carries at least its
/// HEADERS frame and its body's DATA.
#[tokio::test]
async fn http2_timings_are_set_and_byte_counts_match_the_servers() {
    let s = server(Offer::H2AndH1, Duration::from_millis(2), None).await;
    let report = test("h2-numbers", &s, 1, 10).run().await.unwrap();
    for metric in ["http_req_connecting", "http_req_tls_handshaking"] {
        assert!(report.value(metric, "max").unwrap() > 0.0, "{metric}");
        assert_eq!(report.value(metric, "med").unwrap(), 0.0, "{metric}");
    }
    assert!(report.value("http_req_waiting", "min").unwrap() >= 2.0);
    assert!(report.value("http_req_duration", "min").unwrap() >= 2.0);
    let sent = report.count("data_sent") as u64;
    let received = report.count("data_received") as u64;
    let (server_read, server_written) = (
        s.seen.read.load(Ordering::SeqCst),
        s.seen.written.load(Ordering::SeqCst),
    );
    assert!(
        sent <= server_read && server_read - sent < 200,
        "{sent} sent, the server read {server_read}"
    );
    assert!(
        received <= server_written && server_written - received < 200,
        "{received} received, the server wrote {server_written}"
    );
    // 24 bytes of preface, then per request a 9-byte frame header and an HPACK block.
    assert!(sent >= 24 + 10 * 10, "{sent}");
    assert!(received >= 10 * (BODY.len() as u64 + 2 * 9), "{received}");
}

#[tokio::test]
async fn a_server_ending_connections_with_goaway_mid_run_causes_no_failures() {
    let s = server(Offer::H2AndH1, Duration::from_millis(1), Some(5)).await;
    let report = test("h2-goaway", &s, 4, 20).run().await.unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 80.0);
    assert_eq!(
        report.count("http_req_failed{expected_response:false}"),
        0.0
    );
    assert_eq!(report.value("http_req_failed", "rate"), Some(0.0));
    assert!(s.seen.accepted.load(Ordering::SeqCst) >= 16);
}

#[tokio::test]
async fn shared_http2_connections_ended_by_goaway_are_replaced_without_failures() {
    let s = server(Offer::H2AndH1, Duration::from_millis(5), Some(20)).await;
    let report = test("h2-shared-goaway", &s, 20, 10)
        .connections(ConnectionModel::Shared { max_connections: 2 })
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs{status:200}"), 200.0);
    assert_eq!(
        report.count("http_req_failed{expected_response:false}"),
        0.0
    );
    assert_eq!(report.value("http_req_failed", "rate"), Some(0.0));
    assert!(s.seen.accepted.load(Ordering::SeqCst) >= 2);
}
