//! # mock-server — a stateful, fault-injecting mock of the Kaizen Studio API
//!
//! Every load-test suite runs offline against this mock by default. It behaves like the real
//! backend as described in `contract/API-NOTES.md` (auth with rotation and revocation,
//! tenant-scoped workspaces, gateways, agents, pipelines, deployments, the real error shapes and
//! auth rate limits) and injects latency and faults on demand ([`faults`]).
//!
//! ```no_run
//! use mock_server::{RunningMock, KaizenMock, MockConfig};
//! let server = RunningMock::start_default().unwrap();
//! println!("mock at {}", server.url());
//! ```
//!
//! ## Why hyper for load, and wiremock only around it
//! The domain ([`domain`]: store, auth, validation) knows no HTTP framework. Two thin transports
//! serve it ([`transport`]):
//! - [`RunningMock`]: a plain hyper server, for load runs, long suites and the standalone binary;
//! - [`KaizenResponder`]: a `wiremock::Respond`, to mount the same API on a wiremock
//!   `MockServer` and use wiremock's matching and `.expect(n)` in expectation-style tests.
//!
//! wiremock 0.6.5 is not a load target: every matched request is cloned into
//! `MountedMock::matched_requests` and kept for the server's life, even with
//! `disable_request_recording()` (measured on this project's machines: ≈ 4.6 KB per request,
//! 4.6 GB RSS after 1 M requests in 20 s, never released), and every response is produced under
//! one server-wide write lock. A minimal hyper/axum server on the same machine held flat memory
//! at ≈ 116 k req/s on one core. So load goes through hyper; wiremock gets the same domain for
//! tests that want its expectations.
//!
//! ## Where things are
//! - [`domain`]: the API itself, [`domain::Api`], with [`domain::ApiRequest`]/[`domain::ApiResponse`].
//! - [`faults`]: latency, errors, resets, malformed bodies, stalls, capacity, degradation.
//! - [`KaizenMock`]: domain + faults, shared by transports.
//! - [`transport`]: the hyper server and the wiremock responder.
//! - The binary (`cargo run -p mock-server -- --help`): the same mock on a port, for k6 or curl.

pub mod domain;
pub mod faults;
mod mock;
pub mod transport;

pub use mock::{InFlight, KaizenMock, MockConfig, ServiceTime};
pub use transport::{KaizenResponder, RunningMock};

/// What can go wrong starting a mock.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the mock's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("invalid fault configuration: {0}")]
    Faults(String),
}
