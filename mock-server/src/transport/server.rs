//! The load-run transport: a plain hyper HTTP/1.1 server. Each request is admitted (faults
//! decided), delayed, answered by the domain, or dropped without a response for a reset.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::domain::{ApiRequest, Route};
use crate::faults::Outcome;
use crate::{Error, KaizenMock};

/// Closing the connection instead of answering: what an injected reset does.
#[derive(Debug)]
struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl std::error::Error for InjectedReset {}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Serves the mock on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    mock: KaizenMock,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors or similar: keep serving the connections we have.
                Err(_) => { tokio::time::sleep(std::time::Duration::from_millis(10)).await; continue }
            },
            _ = &mut shutdown => return,
        };
        let _ = stream.set_nodelay(true);
        let mock = mock.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| answer(mock.clone(), peer.ip(), req));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

async fn answer(
    mock: KaizenMock,
    peer: IpAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, InjectedReset> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let route = Route::of(method, path);
    let (decision, _in_flight) = mock.admit(route.kind());
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    if decision.outcome == Outcome::Reset {
        return Err(InjectedReset);
    }
    let header = |name: &HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let api_req = ApiRequest {
        method,
        path,
        query: parts.uri.query().unwrap_or(""),
        authorization: header(&AUTHORIZATION),
        forwarded_for: header(&X_FORWARDED_FOR),
        peer: Some(peer),
        body: &body,
    };
    let reply = mock.respond(route, &api_req, decision.outcome);
    // Built in place from constant names: no header name is parsed per request.
    let mut resp = Response::new(Full::new(Bytes::from(reply.body)));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            headers.append(k, v);
        }
    }
    mock.record_service(started.elapsed().saturating_sub(decision.delay));
    Ok(resp)
}

/// A mock server running on its own thread and runtime, so its latency does not depend on how
/// busy the test's runtime is. Stops when dropped.
pub struct RunningMock {
    addr: SocketAddr,
    mock: KaizenMock,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningMock {
    /// Starts serving `mock` on `addr` (port 0 picks a free port) with `workers` runtime threads.
    pub fn start(mock: KaizenMock, addr: SocketAddr, workers: usize) -> Result<RunningMock, Error> {
        let std_listener =
            std::net::TcpListener::bind(addr).map_err(|e| Error::Bind { addr, source: e })?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| Error::Bind { addr, source: e })?;
        let addr = std_listener
            .local_addr()
            .map_err(|e| Error::Bind { addr, source: e })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name("kaizen-mock")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = mock.clone();
        let thread = std::thread::Builder::new()
            .name("kaizen-mock".into())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Ok(listener) = TcpListener::from_std(std_listener) {
                        serve(listener, served, async {
                            let _ = stopped.await;
                        })
                        .await;
                    }
                });
                runtime.shutdown_background();
            })
            .map_err(Error::Runtime)?;
        Ok(RunningMock {
            addr,
            mock,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Starts a fresh mock on a free loopback port with one worker thread.
    pub fn start_default() -> Result<RunningMock, Error> {
        Self::start(
            KaizenMock::default(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
            1,
        )
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn mock(&self) -> &KaizenMock {
        &self.mock
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
