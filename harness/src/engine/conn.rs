//! One connection: TCP (and TLS for `https`), then HTTP/2 when a TLS server picks `h2` by ALPN
//! (and the test allows it, [`HttpVersion`]) — hyper's HTTP/2 client, whose driver runs as its
//! own task — else HTTP/1.1, driven by the VU's own task (`h1.rs`); plain `http://` is always
//! HTTP/1.1 (no h2c, as in k6). No pool, no redirect layer, no URL re-parsing.
//!
//! Every connection counts the bytes its HTTP layer writes and reads ([`Wire`]), above TLS:
//! HTTP/1.1 as on the wire (request line, headers, body, chunked framing), HTTP/2 as frames
//! (HPACK-compressed headers, DATA, and the connection's own SETTINGS, WINDOW_UPDATE, PING),
//! TLS records excluded.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::{Host, Url};

use super::failure::{Failure, TransportError};
use super::h1::{H1, Stream};
use crate::metrics::HttpProto;

/// Which HTTP versions a test's connections may speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/2 when a TLS server offers `h2` by ALPN, else HTTP/1.1 — k6's default. Plain
    /// `http://` stays HTTP/1.1: there is no h2c (cleartext HTTP/2).
    #[default]
    Auto,
    /// HTTP/1.1 only: ALPN offers `http/1.1` alone.
    Http1Only,
}

/// Where a connection goes: scheme, host and port. Connections are reused only for the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub https: bool,
    /// Typed, so matching a request's URL compares values and parses nothing.
    pub host: Host<String>,
    pub port: u16,
    /// The `host` header: `host`, or `host:port` when the port is not the scheme's default.
    pub host_header: http::HeaderValue,
    /// The same, as HTTP/2's `:authority`.
    pub authority: http::uri::Authority,
}

impl Origin {
    pub(crate) fn of(url: &Url) -> Result<Origin, String> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            s => return Err(format!("unsupported scheme {s:?} in {url}")),
        };
        let Some(host) = url.host().map(|h| h.to_owned()) else {
            return Err(format!("no host in {url}"));
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        // `Host`'s display brackets IPv6 addresses, as the header wants.
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let invalid = |e: &dyn std::fmt::Display| format!("invalid host in {url}: {e}");
        let host_header =
            http::HeaderValue::try_from(authority.as_str()).map_err(|e| invalid(&e))?;
        let authority = http::uri::Authority::try_from(authority).map_err(|e| invalid(&e))?;
        Ok(Origin {
            https,
            host,
            port,
            host_header,
            authority,
        })
    }

    /// Whether `url` has this origin, without building a new one.
    pub(crate) fn serves(&self, url: &Url) -> bool {
        url.port_or_known_default() == Some(self.port)
            && (url.scheme() == "https") == self.https
            && match (url.host(), &self.host) {
                (Some(Host::Domain(a)), Host::Domain(b)) => a == b,
                (Some(Host::Ipv4(a)), Host::Ipv4(b)) => a == *b,
                (Some(Host::Ipv6(a)), Host::Ipv6(b)) => a == *b,
                _ => false,
            }
    }
}

/// An open keep-alive connection, or (HTTP/2) a handle on one that others may share.
pub(crate) struct Conn {
    pub origin: Origin,
    pub send: Sender,
    /// What crossed it so far.
    pub wire: Arc<Wire>,
}

impl Conn {
    /// Another handle on this connection, if its protocol multiplexes requests (HTTP/2).
    pub(crate) fn share(&self) -> Option<Conn> {
        match &self.send {
            Sender::H1(_) => None,
            Sender::H2(s) => Some(Conn {
                origin: self.origin.clone(),
                send: Sender::H2(s.clone()),
                wire: self.wire.clone(),
            }),
        }
    }

    /// Whether `other` is a handle on the same connection.
    pub(crate) fn same(&self, other: &Conn) -> bool {
        Arc::ptr_eq(&self.wire, &other.wire)
    }
}

/// The connection's protocol, and what sends on it.
pub(crate) enum Sender {
    /// Held by one request at a time.
    H1(H1),
    /// Cheap to clone: every clone multiplexes on the one connection.
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    pub(crate) fn proto(&self) -> HttpProto {
        match self {
            Sender::H1(_) => HttpProto::Http1,
            Sender::H2(_) => HttpProto::Http2,
        }
    }

    /// Whether it can take no request (HTTP/1.1: looked at without waiting).
    pub(crate) fn is_closed(&mut self) -> bool {
        match self {
            Sender::H1(c) => c.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }
}

/// The bytes one connection's HTTP layer wrote and read, from its start, and how much of them
/// requests have claimed. Atomic: hyper's connection driver runs as its own task, and an
/// HTTP/2 connection serves several requests at once.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub(super) written: AtomicU64,
    pub(super) read: AtomicU64,
    claimed_written: AtomicU64,
    claimed_read: AtomicU64,
}

impl Wire {
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    pub(crate) fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The bytes written and read since the last claim, now claimed: a request's `data_sent`
    /// and `data_received`. On an HTTP/1.1 connection requests take turns, so a request claims
    /// exactly its own bytes. On an HTTP/2 connection shared by requests in flight together, a
    /// request ending claims everything not yet claimed — its own frames and parts of its
    /// neighbours', which they then do not claim: per request approximate (as in k6), in total
    /// exact, every byte counted once. `fetch_max` keeps the claim monotonic when two requests
    /// end together.
    pub(crate) fn claim(&self) -> (u64, u64) {
        let claim = |total: &AtomicU64, claimed: &AtomicU64| {
            let now = total.load(Ordering::Relaxed);
            now.saturating_sub(claimed.fetch_max(now, Ordering::Relaxed))
        };
        (
            claim(&self.written, &self.claimed_written),
            claim(&self.read, &self.claimed_read),
        )
    }
}

/// A stream that adds what passes through it to a [`Wire`].
struct Counted<T> {
    io: T,
    wire: Arc<Wire>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before) as u64;
        if n > 0 {
            this.wire.read.fetch_add(n, Ordering::Relaxed);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            this.wire.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            this.wire.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// How long opening a connection took, in k6's terms.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ConnectTiming {
    pub connecting: Duration,
    pub tls_handshaking: Duration,
}

/// Opens connections: one TLS configuration for the whole run.
pub(crate) struct Connector {
    tls: tokio_rustls::TlsConnector,
}

impl Connector {
    pub(crate) fn new(mut tls: rustls::ClientConfig, version: HttpVersion) -> Connector {
        tls.alpn_protocols = match version {
            HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            HttpVersion::Http1Only => vec![b"http/1.1".to_vec()],
        };
        Connector {
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
        }
    }

    /// A new connection to `origin`; the caller bounds it with its request timeout. Failures are
    /// classed as `dns` (the name did not resolve), `connect` or `tls`.
    pub(crate) async fn connect(&self, origin: &Origin) -> Result<(Conn, ConnectTiming), Failure> {
        let failed = |class: TransportError, e: &dyn std::fmt::Display| {
            Failure::new(
                class,
                format!("connecting to {}:{}: {e}", origin.host, origin.port),
            )
        };
        let began = Instant::now();
        let tcp = match &origin.host {
            Host::Domain(d) => {
                let addrs: Vec<_> = tokio::net::lookup_host((d.as_str(), origin.port))
                    .await
                    .map_err(|e| failed(TransportError::Dns, &e))?
                    .collect();
                if addrs.is_empty() {
                    return Err(failed(TransportError::Dns, &"no address for this name"));
                }
                TcpStream::connect(&addrs[..]).await
            }
            Host::Ipv4(ip) => TcpStream::connect((*ip, origin.port)).await,
            Host::Ipv6(ip) => TcpStream::connect((*ip, origin.port)).await,
        }
        .map_err(|e| failed(TransportError::Connect, &e))?;
        tcp.set_nodelay(true)
            .map_err(|e| failed(TransportError::Connect, &e))?;
        let connected = Instant::now();
        let mut timing = ConnectTiming {
            connecting: connected - began,
            tls_handshaking: Duration::ZERO,
        };
        let wire = Arc::new(Wire::default());
        let send = if origin.https {
            let name = match &origin.host {
                Host::Domain(d) => {
                    ServerName::try_from(d.clone()).map_err(|e| failed(TransportError::Tls, &e))?
                }
                Host::Ipv4(ip) => ServerName::IpAddress(IpAddr::V4(*ip).into()),
                Host::Ipv6(ip) => ServerName::IpAddress(IpAddr::V6(*ip).into()),
            };
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| failed(TransportError::Tls, &e))?;
            timing.tls_handshaking = connected.elapsed();
            if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
                handshake2(tls, &wire)
                    .await
                    .map_err(|e| failed(TransportError::Connect, &e))?
            } else {
                Sender::H1(H1::new(Stream::Tls(Box::new(tls)), wire.clone()))
            }
        } else {
            Sender::H1(H1::new(Stream::Tcp(tcp), wire.clone()))
        };
        let conn = Conn {
            origin: origin.clone(),
            send,
            wire,
        };
        Ok((conn, timing))
    }
}

async fn handshake2<T>(io: T, wire: &Arc<Wire>) -> Result<Sender, hyper::Error>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = Counted {
        io,
        wire: wire.clone(),
    };
    let (send, driver) = http2::handshake(TokioExecutor::new(), TokioIo::new(io)).await?;
    // The driver ends when the server closes (GOAWAY) or every clone of `send` is dropped.
    tokio::spawn(async move {
        let _ = driver.await;
    });
    Ok(Sender::H2(send))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn an_origin_serves_urls_with_its_scheme_host_and_port_only() {
        let v6 = Origin::of(&url("http://[::1]:8080/a")).unwrap();
        assert_eq!(v6.host_header, "[::1]:8080");
        assert!(v6.serves(&url("http://[::1]:8080/b?q=1")));
        assert!(!v6.serves(&url("https://[::1]:8080/b")));
        assert!(!v6.serves(&url("http://[::1]:8081/b")));
        assert!(!v6.serves(&url("http://127.0.0.1:8080/b")));
        let name = Origin::of(&url("https://Example.test/")).unwrap();
        assert_eq!(
            (name.host_header.to_str().unwrap(), name.port),
            ("example.test", 443)
        );
        assert!(name.serves(&url("https://example.test:443/x")));
        assert!(Origin::of(&url("ftp://example.test/")).is_err());
    }
}
