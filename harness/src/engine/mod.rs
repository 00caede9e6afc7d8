//! The engine: the work loop. Scenarios run their executor; VUs run the user's function with an
//! instrumented HTTP client; everything they learn leaves as plain-data samples in per-VU
//! buffers, flushed in batches to one collector. Nothing here prints or writes files.

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
