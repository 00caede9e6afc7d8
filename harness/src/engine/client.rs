//! HTTP clients for VUs. One rustls configuration is built per run and handed to every client,
//! so a per-VU client costs kilobytes instead of the ~100 KB of a default `reqwest::Client`.

use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt;

use crate::Error;

/// How VUs get their connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnectionModel {
    /// Each VU owns its client and keep-alive connections, like k6 VUs and real users.
    #[default]
    PerVu,
    /// All VUs share one client and at most `max_connections` connections: far less memory
    /// for very many VUs. A request waiting for a free connection counts in `http_req_blocked`.
    Shared { max_connections: usize },
}

/// Builds the clients of one run.
#[derive(Debug)]
pub(crate) struct ClientFactory {
    tls: rustls::ClientConfig,
    timeout: Duration,
    shared: Option<reqwest::Client>,
    /// Bounds the shared client's requests in flight, hence its connections.
    permits: Option<Arc<tokio::sync::Semaphore>>,
}

impl ClientFactory {
    pub(crate) fn new(model: ConnectionModel, timeout: Duration) -> Result<ClientFactory, Error> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_platform_verifier())
            .map_err(|e| Error::Client(format!("TLS configuration: {e}")))?
            .with_no_client_auth();
        let mut factory = ClientFactory {
            tls,
            timeout,
            shared: None,
            permits: None,
        };
        if let ConnectionModel::Shared { max_connections } = model {
            let max = max_connections.max(1);
            factory.shared = Some(factory.build(max)?);
            factory.permits = Some(Arc::new(tokio::sync::Semaphore::new(max)));
        }
        Ok(factory)
    }

    /// A client for one VU: its own (per-VU model) or a handle on the shared one.
    pub(crate) fn client(&self) -> Result<reqwest::Client, Error> {
        match &self.shared {
            Some(c) => Ok(c.clone()),
            None => self.build(4),
        }
    }

    /// The shared model's connection permits, if any.
    pub(crate) fn permits(&self) -> Option<Arc<tokio::sync::Semaphore>> {
        self.permits.clone()
    }

    fn build(&self, max_idle_per_host: usize) -> Result<reqwest::Client, Error> {
        reqwest::Client::builder()
            .tls_backend_preconfigured(self.tls.clone())
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(max_idle_per_host)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| Error::Client(e.to_string()))
    }
}
