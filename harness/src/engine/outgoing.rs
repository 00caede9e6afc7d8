//! A request as it goes out ([`Outgoing`], built again for each attempt and for the
//! connection's HTTP version) and what it crossed the wire with over its attempts ([`Tally`]).

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::header::{CONTENT_LENGTH, HOST, HeaderName, HeaderValue, TRANSFER_ENCODING};
use http_body_util::Full;
use url::Url;

/// A request body up to this size goes out in one write with the head.
const INLINE_BODY: usize = 16 * 1024;

use super::origin::Origin;
use super::wire::Wire;
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

    /// The request's HTTP/1.1 head for a connection to `origin`, which it names in `host`
    /// (the caller's own `host` is left out), and its body: in the same buffer up to
    /// [`INLINE_BODY`] bytes, else apart. A body gets a `content-length` unless the caller
    /// framed it; a caller's `transfer-encoding: chunked` is honoured with one chunk.
    pub(crate) fn h1_head(&self, origin: &Origin) -> (Vec<u8>, Option<Bytes>) {
        let out = self;
        let url = out.url;
        let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let target = if target.is_empty() { "/" } else { target };
        let host = origin.host_header.as_bytes();
        let fields: usize = out
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        let inline = out.body.len() <= INLINE_BODY;
        let size = out.method.as_str().len() + target.len() + host.len() + fields + 64;
        let mut head = Vec::with_capacity(size + if inline { out.body.len() } else { 0 });
        head.extend_from_slice(out.method.as_str().as_bytes());
        head.push(b' ');
        head.extend_from_slice(target.as_bytes());
        head.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        head.extend_from_slice(host);
        head.extend_from_slice(b"\r\n");
        let mut framed = false;
        let mut chunked = false;
        for (k, v) in out.headers {
            if k == HOST {
                continue;
            }
            if k == CONTENT_LENGTH {
                framed = true;
            }
            if k == TRANSFER_ENCODING {
                framed = true;
                chunked = ends_chunked(v.as_bytes());
            }
            head.extend_from_slice(k.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(v.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        if !framed && !out.body.is_empty() {
            head.extend_from_slice(b"content-length: ");
            head.extend_from_slice(itoa::Buffer::new().format(out.body.len()).as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        if chunked {
            // The caller asked for chunked framing: the body goes as one chunk and the last one.
            if !out.body.is_empty() {
                head.extend_from_slice(format!("{:x}\r\n", out.body.len()).as_bytes());
                head.extend_from_slice(&out.body);
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(b"0\r\n\r\n");
            return (head, None);
        }
        if inline {
            head.extend_from_slice(&out.body);
            return (head, None);
        }
        (head, Some(out.body.clone()))
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

/// Whether a `transfer-encoding` value's last coding is `chunked`.
pub(crate) fn ends_chunked(value: &[u8]) -> bool {
    value
        .rsplit(|&b| b == b',')
        .next()
        .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}
