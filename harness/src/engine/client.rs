//! Where VUs get their connections, and one request/response exchange on them. One rustls
//! configuration is built per run; connections are hyper HTTP/1.1 or HTTP/2 connections
//! (`conn.rs`), kept by each VU (the default) or in one bounded pool shared by all VUs, where
//! an HTTP/2 connection carries many VUs' requests at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http2;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_platform_verifier::{BuilderVerifierExt, Verifier};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio::time::Instant;
use url::Url;

pub(crate) use super::outgoing::{Outgoing, Tally};

use super::conn::{Conn, ConnectTiming, Connector, HttpVersion, Sender};
use super::failure::{Failure, TransportError};
use super::h1::Answer;
use super::headers::Headers;
use super::origin::Origin;

/// How VUs get their connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnectionModel {
    /// Each VU owns its keep-alive connections, like k6 VUs and real users.
    #[default]
    PerVu,
    /// All VUs share at most `max_connections` connections: far less memory for very many
    /// VUs. A request waiting for a free connection counts in `http_req_blocked`. Over HTTP/2
    /// a connection carries many requests at once: the VUs multiplex on the few connections
    /// opened while none was known to speak it, at most `max_connections` of them, in turn.
    Shared { max_connections: usize },
}

/// How many origins a VU keeps a connection open to.
const OWN_CONNECTIONS: usize = 4;

/// The run's connector, default timeout, body limit and (shared model) pool.
pub(crate) struct ClientFactory {
    pub connector: Connector,
    pub timeout: Duration,
    pub max_body: usize,
    pool: Option<Arc<Pool>>,
}

impl ClientFactory {
    pub(crate) fn new(
        model: ConnectionModel,
        version: HttpVersion,
        timeout: Duration,
        max_body: usize,
        extra_roots: Vec<CertificateDer<'static>>,
    ) -> Result<ClientFactory, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let failed = |e: rustls::Error| format!("TLS configuration: {e}");
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(failed)?;
        let tls = if extra_roots.is_empty() {
            builder.with_platform_verifier().map_err(failed)?
        } else {
            let verifier = Verifier::new_with_extra_roots(extra_roots, provider).map_err(failed)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        }
        .with_no_client_auth();
        let pool = match model {
            ConnectionModel::PerVu => None,
            ConnectionModel::Shared { max_connections } => {
                let max = max_connections;
                Some(Arc::new(Pool {
                    permits: Arc::new(Semaphore::new(max)),
                    idle: Mutex::new(Vec::new()),
                    multiplexed: Mutex::new(Vec::new()),
                    turn: AtomicUsize::new(0),
                    max,
                }))
            }
        };
        Ok(ClientFactory {
            connector: Connector::new(tls, version),
            timeout,
            max_body,
            pool,
        })
    }

    /// A new VU's connections: its own (none open yet), or a handle on the shared pool.
    pub(crate) fn connections(&self) -> Connections {
        match &self.pool {
            Some(p) => Connections::Shared(p.clone()),
            None => Connections::Own(Vec::new()),
        }
    }
}

/// The certificates in a PEM text (`Test::tls_root_certificates`); none at all is fine.
pub(crate) fn extra_roots(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    if pem.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let roots: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("TLS root certificates: not readable as PEM: {e}"))?;
    if roots.is_empty() {
        return Err("TLS root certificates: no CERTIFICATE block in the PEM text".into());
    }
    Ok(roots)
}

/// The shared model's pool: permits bound requests in flight on HTTP/1.1, hence its
/// connections; HTTP/2 connections are shared whole, each request taking the next in turn.
pub(crate) struct Pool {
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Conn>>,
    /// Handles on the open HTTP/2 connections, at most `max`.
    multiplexed: Mutex<Vec<Conn>>,
    turn: AtomicUsize,
    max: usize,
}

impl Pool {
    /// A handle on an open HTTP/2 connection to `url`'s origin, the next in turn; closed ones
    /// are dropped on the way.
    fn multiplexed(&self, url: &Url) -> Option<Conn> {
        let mut open = self.multiplexed.lock().unwrap_or_else(|e| e.into_inner());
        open.retain_mut(|c| !c.send.is_closed());
        let serving = open.iter().filter(|c| c.origin.serves(url)).count();
        if serving == 0 {
            return None;
        }
        let nth = self.turn.fetch_add(1, Ordering::Relaxed) % serving;
        open.iter()
            .filter(|c| c.origin.serves(url))
            .nth(nth)?
            .share()
    }

    /// Shares a new HTTP/2 connection with every VU, if there is room.
    fn share(&self, conn: &Conn) {
        let mut open = self.multiplexed.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() < self.max
            && let Some(c) = conn.share()
        {
            open.push(c);
        }
    }

    /// Stops sharing a connection that failed under a request.
    fn forget(&self, conn: &Conn) {
        let mut open = self.multiplexed.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|c| !c.same(conn));
    }
}

/// One VU's access to connections.
pub(crate) enum Connections {
    Own(Vec<Conn>),
    Shared(Arc<Pool>),
}

/// A response with its timings.
pub(crate) struct Exchange {
    pub status: u16,
    pub headers: Headers,
    pub body: Bytes,
    /// Waiting for a connection: the shared pool's permit and, for a request sent again, the
    /// time lost on the connection that died under it.
    pub blocked: Duration,
    /// Opening the connection the response came on (zero for a kept one).
    pub connect: ConnectTiming,
    /// When the request started to be sent, on an open connection.
    pub sent_at: Instant,
    pub headers_at: Instant,
}

/// What a request holds while it is sent: (shared model) its permit, and a kept connection to
/// its origin if there is one.
pub(crate) struct Lease {
    kept: Option<Conn>,
    _permit: Option<OwnedSemaphorePermit>,
    blocked: Duration,
}

impl Connections {
    /// Waits for the right to send to `url` (the shared pool's bound) and takes a kept
    /// connection to its origin. Done before the request is built, so thousands of VUs waiting
    /// for the pool hold nothing else. A shared HTTP/2 connection needs no permit.
    pub(crate) async fn lease(&mut self, url: &Url) -> Lease {
        let pool = match self {
            // Its own connections: nothing to wait for.
            Connections::Own(conns) => {
                let at = conns.iter().position(|c| c.origin.serves(url));
                return Lease {
                    kept: at.map(|i| conns.swap_remove(i)),
                    _permit: None,
                    blocked: Duration::ZERO,
                };
            }
            Connections::Shared(pool) => pool,
        };
        let from = Instant::now();
        let lease = |kept, permit| Lease {
            kept,
            _permit: permit,
            blocked: from.elapsed(),
        };
        // No connection is held across the wait below: a waiting VU carries no room for one.
        if let Some(c) = pool.multiplexed(url) {
            return lease(Some(c), None);
        }
        let permit = match pool.permits.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            // Boxed: a VU that finds a permit free (a waiting one is handed each permit
            // released, so none is taken past it) carries no room for the wait.
            Err(TryAcquireError::NoPermits) => {
                Box::pin(pool.permits.clone().acquire_owned()).await.ok()
            }
            Err(TryAcquireError::Closed) => None,
        };
        // An HTTP/2 connection may have opened while this request waited.
        if let Some(c) = pool.multiplexed(url) {
            return lease(Some(c), None);
        }
        let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        let at = idle.iter().rposition(|c| c.origin.serves(url));
        let kept = at.map(|i| idle.swap_remove(i));
        drop(idle);
        lease(kept, permit)
    }

    /// Sends `out` and reads the whole response. A kept connection found closed is replaced
    /// before sending. A request that fails on a kept connection before any byte of a response
    /// arrived is sent again, once, on a new connection when nothing of it was written, or
    /// when it is [replayable](Outgoing::replayable) — Go's transport's rule, so a connection
    /// the server closed as the request went out is not a failure the server never made. A
    /// request on a new connection, or a written non-replayable one, fails as it happened —
    /// except one an HTTP/2 server declared unprocessed (`REFUSED_STREAM`, or a graceful
    /// GOAWAY below its stream), which is sent again once on any connection (RFC 9113 §8.7).
    pub(crate) async fn exchange(
        &mut self,
        connector: &Connector,
        max_body: usize,
        mut lease: Lease,
        out: Outgoing<'_>,
        tally: &mut Tally,
    ) -> Result<Exchange, Failure> {
        let url = out.url;
        let mut connect = ConnectTiming::default();
        let mut blocked = lease.blocked;
        loop {
            // When a new connection began to be opened: its time counts as waiting if the
            // request then goes again.
            let mut opening = None;
            let mut kept = lease.kept.take();
            if kept.as_mut().is_some_and(|c| c.send.is_closed()) {
                kept = None;
            }
            let (mut conn, fresh) = match kept {
                Some(c) => (c, false),
                None => {
                    opening = Some(Instant::now());
                    let origin =
                        Origin::of(url).map_err(|m| Failure::new(TransportError::Request, m))?;
                    // Boxed: the connect future (TCP and TLS) is large, and a request on a kept
                    // connection should not carry (or move) it.
                    let (c, t) = Box::pin(connector.connect(&origin)).await?;
                    connect = t;
                    if let Connections::Shared(pool) = self {
                        pool.share(&c);
                    }
                    (c, true)
                }
            };
            let proto = conn.send.proto();
            tally.begin(&conn.wire, proto);
            let sent_at = Instant::now();
            let answer = match &mut conn.send {
                Sender::H1(h1) => h1
                    .exchange(&out, &conn.origin, max_body)
                    .await
                    .map_err(|f| {
                        let (written, read) = tally.attempt();
                        // Nothing of a response came: sent again if none of it went out or it may
                        // go twice — on a kept connection only.
                        let again = !fresh && read == 0 && (written == 0 || out.replayable());
                        (f, again)
                    }),
                Sender::H2(send) => h2_exchange(send, &out, &conn.origin, max_body, fresh).await,
            };
            match answer {
                Ok(a) => {
                    // Back before the permit (in `lease`) is released.
                    self.give_back(conn);
                    return Ok(Exchange {
                        status: a.status,
                        headers: a.headers,
                        body: a.body,
                        blocked,
                        connect,
                        sent_at,
                        headers_at: a.headers_at,
                    });
                }
                Err((failure, again)) => {
                    self.forget(&conn);
                    if !(again && tally.resent == 0) {
                        return Err(failure);
                    }
                    // The dead connection's time counts as waiting for a connection.
                    tally.resent += 1;
                    blocked += opening.unwrap_or(sent_at).elapsed();
                }
            }
        }
    }

    fn give_back(&mut self, conn: Conn) {
        if conn.send.is_spent() {
            return;
        }
        let (conns, max) = match self {
            Connections::Own(conns) => (conns, OWN_CONNECTIONS),
            // A shared HTTP/2 connection stays in the pool; this handle goes.
            Connections::Shared(_) if matches!(conn.send, Sender::H2(_)) => return,
            Connections::Shared(pool) => {
                let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() >= pool.max {
                    idle.remove(0);
                }
                idle.push(conn);
                return;
            }
        };
        if conns.len() >= max {
            conns.remove(0);
        }
        super::push_lean(conns, conn);
    }

    /// Stops sharing a connection a request failed on (shared model, HTTP/2).
    fn forget(&self, conn: &Conn) {
        if let (Connections::Shared(pool), Sender::H2(_)) = (self, &conn.send) {
            pool.forget(conn);
        }
    }
}

/// One request on an HTTP/2 connection, read whole; on failure, whether it may go again: no
/// response head came and hyper gave the request back unsent, the server declared it
/// unprocessed, or (on a kept connection) it may go twice.
async fn h2_exchange(
    send: &mut http2::SendRequest<Full<Bytes>>,
    out: &Outgoing<'_>,
    origin: &Origin,
    max_body: usize,
    fresh: bool,
) -> Result<Answer, (Failure, bool)> {
    if let Err(e) = send.ready().await {
        return Err((Failure::new(classify(&e), e.to_string()), !fresh));
    }
    let response = match send.try_send_request(out.h2_request(origin)).await {
        Ok(r) => r,
        Err(mut e) => {
            let unsent = e.take_message().is_some();
            let again = unsent || unprocessed(e.error()) || (!fresh && out.replayable());
            let e = e.into_error();
            return Err((Failure::new(classify(&e), e.to_string()), again));
        }
    };
    let headers_at = Instant::now();
    let (parts, body) = response.into_parts();
    let too_large = || Failure::body_too_large(max_body);
    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_body as u64) {
        // Dropping the body resets the stream only.
        return Err((too_large(), false));
    }
    let body = Limited::new(body, max_body)
        .collect()
        .await
        .map_err(|e| match e.downcast::<hyper::Error>() {
            Ok(e) => match classify(&e) {
                TransportError::Reset => Failure::new(TransportError::Reset, e.to_string()),
                _ => Failure::new(TransportError::Body, e.to_string()),
            },
            Err(_) => too_large(),
        })
        .map_err(|f| (f, false))?;
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: Headers::from_map(parts.headers),
        body: body.to_bytes(),
        headers_at,
    })
}

/// Whether an HTTP/2 server said it did not process the request: it refused the stream, or a
/// graceful GOAWAY (`NO_ERROR`) named a last stream below it. Either way it may go again.
fn unprocessed(e: &hyper::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(h2) = s.downcast_ref::<h2::Error>() {
            return h2.reason() == Some(h2::Reason::REFUSED_STREAM)
                || (h2.is_go_away()
                    && h2.is_remote()
                    && h2.reason() == Some(h2::Reason::NO_ERROR));
        }
        source = s.source();
    }
    false
}

/// The class of a hyper error, for `http_transport_errors{error:…}`.
fn classify(e: &hyper::Error) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout;
    }
    if e.is_incomplete_message() || e.is_closed() || e.is_canceled() {
        return TransportError::Reset;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return TransportError::Reset;
            }
        }
        if s.downcast_ref::<h2::Error>().is_some() {
            // A stream reset or a connection ended by GOAWAY or an HTTP/2 protocol error.
            return TransportError::Reset;
        }
        source = s.source();
    }
    if e.is_user() {
        TransportError::Request
    } else if e.is_parse() {
        TransportError::Body
    } else {
        TransportError::Other
    }
}
