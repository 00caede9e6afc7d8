//! HTTP/1.1 on one connection, driven inside the VU's own task: the request is written and the
//! response read by the future that sent it, with no connection task, no channel between them
//! and no buffer kept between requests. An idle connection holds its socket and nothing else;
//! a request holds a read buffer of [`READ_CHUNK`] bytes that grows to fit what it reads, and
//! the response's head and body are slices of it (no copy). A large response costs its own
//! size while it is read, and the buffer goes with the response.
//!
//! Framing follows RFC 9112: a response to `HEAD`, a 1xx, 204 or 304 has no body;
//! `Transfer-Encoding` ending in `chunked` is decoded (trailers read and dropped), another
//! coding is read to the close; else `Content-Length`, else read to the close. 1xx heads
//! before the final one are skipped; `101 Switching Protocols` fails (there is no upgrade).
//! A connection is kept after a response unless the server said `close`, spoke HTTP/1.0
//! without `keep-alive`, framed the body by closing, or sent bytes beyond the response.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes, BytesMut};
use http::Method;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::failure::{Failure, TransportError};
use super::headers::{Headers, MAX_HEADERS, parse_response};
use super::origin::Origin;
use super::outgoing::{Outgoing, ends_chunked};
use super::wire::Wire;

/// What a read asks for when the buffer is full: most API responses fit in one.
pub(crate) const READ_CHUNK: usize = 4096;
/// The largest response head read (status line and headers), as hyper's default buffer limit
/// allows far more than any API sends; past it the response fails as `body`.
const MAX_HEAD: usize = 64 * 1024;
/// The longest chunk-size or trailer line read.
const MAX_LINE: usize = 4096;

/// The byte stream under a connection: TCP, or TLS over TCP.
pub(crate) enum Stream {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// An HTTP/1.1 connection: one request at a time, by whoever holds it.
pub(crate) struct H1 {
    io: Stream,
    wire: Arc<Wire>,
    /// It may not carry another request.
    spent: bool,
}

/// A whole response.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Headers,
    pub body: Bytes,
    pub headers_at: Instant,
}

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    Close,
}

/// A parsed final response head.
struct Head {
    status: u16,
    headers: Headers,
    framing: Framing,
    keep_alive: bool,
}

impl H1 {
    pub(crate) fn new(io: Stream, wire: Arc<Wire>) -> H1 {
        H1 {
            io,
            wire,
            spent: false,
        }
    }

    /// Whether the last exchange left it unable to take another request (without looking at
    /// the socket).
    pub(crate) fn is_spent(&self) -> bool {
        self.spent
    }

    /// Whether the connection can take no request: spent, or (looked at without waiting) the
    /// server closed it, failed it or sent bytes nobody asked for.
    pub(crate) fn is_closed(&mut self) -> bool {
        if self.spent {
            return true;
        }
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(Waker::noop());
        if Pin::new(&mut self.io)
            .poll_read(&mut cx, &mut buf)
            .is_ready()
        {
            self.spent = true;
        }
        self.spent
    }

    /// Sends `out` and reads its whole response. On failure the connection is left spent.
    pub(crate) async fn exchange(
        &mut self,
        out: &Outgoing<'_>,
        origin: &Origin,
        max_body: usize,
    ) -> Result<Answer, Failure> {
        self.spent = true;
        let (head, body) = out.h1_head(origin);
        self.write(&head).await?;
        if let Some(body) = body {
            self.write(&body).await?;
        }
        self.io.flush().await.map_err(|e| io_failure(&e))?;
        // A VU waiting for its answer holds no buffer: thousands of VUs sent at once need
        // memory for the responses being read, not for every one awaited.
        if let Stream::Tcp(tcp) = &self.io {
            tcp.readable().await.map_err(|e| io_failure(&e))?;
        }
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        let head = loop {
            if buf.len() >= MAX_HEAD {
                return Err(malformed("response head larger than 64 KiB"));
            }
            if self.read_more(&mut buf, READ_CHUNK).await? == 0 {
                return Err(closed_early());
            }
            if let Some(head) = parse_head(&mut buf, out.method == Method::HEAD)? {
                break head;
            }
        };
        let headers_at = Instant::now();
        let too_large = || Failure::body_too_large(max_body);
        let body = match head.framing {
            Framing::Empty => Bytes::new(),
            Framing::Length(n) if n > max_body as u64 => return Err(too_large()),
            Framing::Length(n) => {
                let n = n as usize;
                self.fill(&mut buf, n).await?;
                buf.split_to(n).freeze()
            }
            Framing::Chunked => self.chunked(&mut buf, max_body).await?,
            Framing::Close => loop {
                if buf.len() > max_body {
                    return Err(too_large());
                }
                match self.read_more(&mut buf, READ_CHUNK).await {
                    Ok(0) => break buf.split().freeze(),
                    Ok(_) => {}
                    // TLS without `close_notify`: the close still ends the body.
                    Err(e) if e.error == TransportError::Reset && self.is_tls() => {
                        break buf.split().freeze();
                    }
                    Err(e) => return Err(e),
                }
            },
        };
        self.spent = !head.keep_alive || head.framing == Framing::Close || !buf.is_empty();
        Ok(Answer {
            status: head.status,
            headers: head.headers,
            body,
            headers_at,
        })
    }

    fn is_tls(&self) -> bool {
        matches!(self.io, Stream::Tls(_))
    }

    async fn write(&mut self, mut bytes: &[u8]) -> Result<(), Failure> {
        while !bytes.is_empty() {
            let n = self.io.write(bytes).await.map_err(|e| io_failure(&e))?;
            if n == 0 {
                return Err(io_failure(&io::ErrorKind::WriteZero.into()));
            }
            self.wire.written.fetch_add(n as u64, Ordering::Relaxed);
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// Reads what is there, into at least `room` free bytes; 0 at the end of the stream.
    async fn read_more(&mut self, buf: &mut BytesMut, room: usize) -> Result<usize, Failure> {
        if buf.capacity() - buf.len() < room.min(READ_CHUNK) {
            buf.reserve(room);
        }
        let n = self.io.read_buf(buf).await.map_err(|e| io_failure(&e))?;
        self.wire.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// Reads until `buf` holds at least `need` bytes.
    async fn fill(&mut self, buf: &mut BytesMut, need: usize) -> Result<(), Failure> {
        while buf.len() < need {
            if self.read_more(buf, need - buf.len()).await? == 0 {
                return Err(closed_early());
            }
        }
        Ok(())
    }

    /// The next line (without its CRLF), read as needed.
    async fn line(&mut self, buf: &mut BytesMut) -> Result<BytesMut, Failure> {
        let mut searched = 0;
        loop {
            if let Some(at) = buf[searched..].iter().position(|&b| b == b'\n') {
                let mut line = buf.split_to(searched + at + 1);
                line.truncate(line.len() - 1);
                if line.last() == Some(&b'\r') {
                    line.truncate(line.len() - 1);
                }
                return Ok(line);
            }
            searched = buf.len();
            if searched > MAX_LINE {
                return Err(malformed("chunked body: line too long"));
            }
            if self.read_more(buf, READ_CHUNK).await? == 0 {
                return Err(closed_early());
            }
        }
    }

    /// A chunked body, decoded; trailers are read and dropped.
    async fn chunked(&mut self, buf: &mut BytesMut, max_body: usize) -> Result<Bytes, Failure> {
        let mut body = BytesMut::new();
        loop {
            let line = self.line(buf).await?;
            let digits = line[..].split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(digits)
                .ok()
                .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
                .ok_or_else(|| malformed("chunked body: invalid chunk size"))?;
            if size == 0 {
                while !self.line(buf).await?.is_empty() {}
                return Ok(body.freeze());
            }
            if size > max_body.saturating_sub(body.len()) {
                return Err(Failure::body_too_large(max_body));
            }
            self.fill(buf, size + 2).await?;
            if &buf[size..size + 2] != b"\r\n" {
                return Err(malformed("chunked body: chunk not followed by CRLF"));
            }
            if body.is_empty() {
                body = buf.split_to(size);
            } else {
                body.extend_from_slice(&buf[..size]);
                buf.advance(size);
            }
            buf.advance(2);
        }
    }
}

/// The final response head at the start of `buf`, taken off it; `None` while incomplete.
/// Interim (1xx) heads are taken off and skipped.
fn parse_head(buf: &mut BytesMut, head_request: bool) -> Result<Option<Head>, Failure> {
    loop {
        // Not initialised: httparse writes the ones it fills.
        let mut raw = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let (response, parsed) = parse_response(buf, &mut raw);
        let len = match parsed {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return Err(malformed(&format!("invalid response head: {e}"))),
        };
        let status = response.code.unwrap_or_default();
        if status == 101 {
            return Err(malformed(
                "101 Switching Protocols: no upgrade was asked for",
            ));
        }
        if (100..200).contains(&status) {
            buf.advance(len);
            continue;
        }
        let http10 = response.version == Some(0);
        let mut length: Option<u64> = None;
        let mut chunked = None;
        let mut close = http10;
        for h in response.headers.iter() {
            let (name, value) = (h.name.as_bytes(), h.value);
            if name.eq_ignore_ascii_case(b"content-length") {
                let n = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .ok_or_else(|| malformed("invalid content-length in the response"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(malformed("conflicting content-length in the response"));
                }
                length = Some(n);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                chunked = Some(ends_chunked(value));
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in value.split(|&b| b == b',') {
                    let token = token.trim_ascii();
                    if token.eq_ignore_ascii_case(b"close") {
                        close = true;
                    } else if http10 && token.eq_ignore_ascii_case(b"keep-alive") {
                        close = false;
                    }
                }
            }
        }
        // The head stays as it came; a map of its fields is made only if asked for.
        let headers = Headers::from_head(buf.split_to(len).freeze());
        let framing = if head_request || status == 204 || status == 304 {
            Framing::Empty
        } else {
            match (chunked, length) {
                (Some(true), _) => Framing::Chunked,
                (Some(false), _) => Framing::Close,
                (None, Some(0)) => Framing::Empty,
                (None, Some(n)) => Framing::Length(n),
                (None, None) => Framing::Close,
            }
        };
        return Ok(Some(Head {
            status,
            headers,
            framing,
            keep_alive: !close,
        }));
    }
}

fn malformed(what: &str) -> Failure {
    Failure::new(TransportError::Body, what)
}

fn closed_early() -> Failure {
    Failure::new(
        TransportError::Reset,
        "connection closed before the response was complete",
    )
}

fn io_failure(e: &io::Error) -> Failure {
    use io::ErrorKind::*;
    let class = match e.kind() {
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | WriteZero => {
            TransportError::Reset
        }
        TimedOut => TransportError::Timeout,
        _ => TransportError::Other,
    };
    Failure::new(class, e.to_string())
}
