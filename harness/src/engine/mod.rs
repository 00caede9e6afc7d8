//! The engine: the work loop. Scenarios run their executor; VUs run the user's function with an
//! instrumented HTTP client; everything they learn leaves as plain-data samples in per-VU
//! buffers, flushed in batches to one collector. Nothing here prints or writes files.
//!
//! Files, from the bottom up (each uses only those above it): `failure.rs` and `expected.rs`
//! (plain values); `alarm.rs` is a VU's request timer; `origin.rs` is where a connection goes
//! and `wire.rs` counts its bytes; `outgoing.rs` is a request as it goes out and what it crossed
//! the wire with; `headers.rs` is a response's header fields, made a map when asked; `h1.rs` is an HTTP/1.1 connection driven by the VU's own task; `conn.rs`
//! opens connections (TLS through rustls), HTTP/1.1 or hyper's HTTP/2; `redirect.rs` decides redirects; `client.rs` gives a request a connection — the VU's own or one
//! from the bounded shared pool — and runs the exchange; `live.rs` and `recorder.rs` carry
//! counters and samples out; `shared.rs` is what every VU of a run shares; `request_tags.rs` caches a request's tags; `vu.rs` the VU;
//! `response.rs` is what a request returns; `attempt.rs` sends one hop and records it; `http.rs` builds requests and follows redirects;
//! `scenario_run.rs` is one scenario while it runs, what executors run on.

mod alarm;
mod attempt;
mod client;
mod conn;
mod expected;
mod failure;
mod h1;
mod headers;
mod http;
mod live;
mod origin;
mod outgoing;
mod recorder;
mod redirect;
mod request_tags;
mod response;
mod scenario_run;
mod shared;
mod vu;
mod wire;

pub use client::ConnectionModel;
pub use conn::HttpVersion;
pub use expected::Expected;
pub use failure::{Failure, TransportError};
pub use http::RequestBuilder;
pub use live::{Live, Snapshot};
pub use response::{Outcome, Response};
pub use vu::{SetupValue, Vu, VuFn};

pub(crate) use client::{ClientFactory, extra_roots};
pub(crate) use recorder::{Msg, Recorder};
pub(crate) use scenario_run::ScenarioRun;
pub(crate) use shared::{RunSettings, RunShared};

/// Pushes onto a vector a VU keeps all its life, growing it 1, 2, 4… rather than to four at
/// the first push: most such vectors hold one or two things, and ten thousand VUs pay for the
/// room they do not use.
#[inline]
pub(crate) fn push_lean<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len().max(1));
    }
    v.push(item);
}
