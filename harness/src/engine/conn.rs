//! One connection: TCP (and TLS for `https`), then HTTP/2 when a TLS server picks `h2` by ALPN
//! (and the test allows it, [`HttpVersion`]) — hyper's HTTP/2 client, whose driver runs as its
//! own task — else HTTP/1.1, driven by the VU's own task (`h1.rs`); plain `http://` is always
//! HTTP/1.1 (no h2c, as in k6). No pool, no redirect layer, no URL re-parsing.
//!
//! Every connection counts the bytes its HTTP layer writes and reads ([`Wire`]), above TLS:
//! HTTP/1.1 as on the wire (request line, headers, body, chunked framing), HTTP/2 as frames
//! (HPACK-compressed headers, DATA, and the connection's own SETTINGS, WINDOW_UPDATE, PING),
//! TLS records excluded.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::Host;

use super::failure::{Failure, TransportError};
use super::h1::{H1, Stream};
use super::origin::Origin;
use super::wire::{Counted, Wire};
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

    /// Whether it is known to take no more requests, without looking at an HTTP/1.1 socket
    /// (done before its next request instead, [`Sender::is_closed`]).
    pub(crate) fn is_spent(&self) -> bool {
        match self {
            Sender::H1(c) => c.is_spent(),
            Sender::H2(s) => s.is_closed(),
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
