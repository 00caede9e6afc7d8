//! A request as it goes out ([`Outgoing`], built again for each attempt and for the
//! connection's HTTP version) and what it crossed the wire with over its attempts ([`Tally`]).

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::header::{HOST, HeaderName, HeaderValue};
use http_body_util::Full;
use url::Url;

use super::conn::{Origin, Wire};
use crate::metrics::HttpProto;

/// A request ready to go: built for each attempt, with the `host` header of the connection's
/// origin, so a request the keep-alive race took can be sent again as it was.
pub(crate) struct Outgoing<'r> {
    pub url: &'r Url,
    pub method: &'r Method,
    pub target: http::Uri,
    pub headers: &'r [(HeaderName, HeaderValue)],
    pub body: Bytes,
}

impl Outgoing<'_> {
    /// The request for an HTTP/2 connection to `origin`, which names it in `:scheme` and
    /// `:authority`, taken from an absolute URI. (HTTP/1.1 writes its own head, `h1.rs`.)
    pub(crate) fn h2_request(&self, origin: &Origin) -> http::Request<Full<Bytes>> {
        let mut request = http::Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(if origin.https {
            http::uri::Scheme::HTTPS
        } else {
            http::uri::Scheme::HTTP
        });
        parts.authority = Some(origin.authority.clone());
        parts.path_and_query = self.target.path_and_query().cloned();
        *request.uri_mut() = http::Uri::from_parts(parts).unwrap_or_else(|_| self.target.clone());
        let map = request.headers_mut();
        map.reserve(self.headers.len());
        for (k, v) in self.headers {
            if k != HOST {
                map.append(k.clone(), v.clone());
            }
        }
        request
    }

    /// Whether sending it twice means what sending it once does, so it may go again after its
    /// bytes were written: RFC 9110 §9.2.2 makes GET, HEAD, OPTIONS and TRACE idempotent (and
    /// PUT and DELETE, which Go's transport and this engine still leave alone: a body-carrying
    /// write replayed against a server that did act on it is not harmless in practice), and an
    /// `Idempotency-Key` (or `X-Idempotency-Key`) header is the client's promise that the
    /// server deduplicates.
    pub(crate) fn replayable(&self) -> bool {
        matches!(
            *self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) || self.headers.iter().any(|(k, _)| {
            k.as_str().eq_ignore_ascii_case("idempotency-key")
                || k.as_str().eq_ignore_ascii_case("x-idempotency-key")
        })
    }
}

/// What one request put on and took off the wire, over all its attempts ([`Wire::claim`]),
/// how many times it was sent again, and on which HTTP version. Kept by the caller, so a
/// request cut off by its timeout still counts what it sent.
#[derive(Default)]
pub(crate) struct Tally {
    sent: u64,
    received: u64,
    pub resent: u8,
    pub proto: Option<HttpProto>,
    /// The current attempt's connection, and its counts when the attempt began.
    current: Option<(Arc<Wire>, u64, u64)>,
}

impl Tally {
    pub(crate) fn begin(&mut self, wire: &Arc<Wire>, proto: HttpProto) {
        self.settle();
        self.proto = Some(proto);
        self.current = Some((wire.clone(), wire.written(), wire.read()));
    }

    /// Bytes written and read on the current attempt's connection since it began (on a
    /// multiplexed connection, its neighbours' too).
    pub(crate) fn attempt(&self) -> (u64, u64) {
        self.current.as_ref().map_or((0, 0), |(w, sent, read)| {
            (w.written() - sent, w.read() - read)
        })
    }

    fn settle(&mut self) {
        if let Some((wire, _, _)) = self.current.take() {
            let (sent, received) = wire.claim();
            self.sent += sent;
            self.received += received;
        }
    }

    /// Bytes sent and received in all, the request's `data_sent` and `data_received`.
    pub(crate) fn finish(&mut self) -> (u64, u64) {
        self.settle();
        (self.sent, self.received)
    }
}
