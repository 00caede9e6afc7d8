//! The bytes a connection's HTTP layer writes and reads, counted for `data_sent` and
//! `data_received`: by the HTTP/1.1 connection itself (`h1.rs`), by a counting stream under
//! hyper's HTTP/2 client ([`Counted`]).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
pub(crate) struct Counted<T> {
    pub io: T,
    pub wire: Arc<Wire>,
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
