//! The engine: the work loop. Scenarios run their executor; VUs run the user's function with an
//! instrumented HTTP client; everything they learn leaves as plain-data samples in per-VU
//! buffers, flushed in batches to one collector. Nothing here prints or writes files.
//!
//! HTTP: `http.rs` builds, sends and records a request (following redirects, `redirect.rs`);
//! `client.rs` gives it a connection — the VU's own or one from the bounded shared pool — and
//! runs the exchange; `conn.rs` opens HTTP/1.1 connections on hyper (TLS through rustls).

mod client;
mod collector;
mod conn;
mod http;
mod live;
mod recorder;
mod redirect;
mod scenario;
mod vu;

pub use client::ConnectionModel;
pub use http::{Expected, RequestBuilder, Response, TransportError};
pub use live::{Live, Snapshot};
pub use recorder::Recorder;
pub use vu::{Vu, VuFn};

pub(crate) use client::{ClientFactory, extra_roots};
pub use collector::AbortReason;
pub(crate) use collector::{Collector, Msg};
pub(crate) use scenario::{RunShared, ScenarioRun};
