//! Transports: the hyper server used for load runs and the standalone binary, and a wiremock
//! `Respond` for expectation-style tests. Both call the same domain.

mod respond;
mod server;

pub use respond::KaizenResponder;
pub use server::{RunningMock, serve};
