//! The instrumented HTTP request: every call records `http_reqs`, `http_req_duration`,
//! `http_req_waiting`, `http_req_receiving`, `http_req_blocked`, `http_req_connecting`,
//! `http_req_tls_handshaking`, `http_req_failed`, `data_sent` and `data_received`, tagged with
//! `name`, `method`, `status`, `expected_response`, the scenario and the group. Transport errors
//! are classified and recorded, never raised.
//!
//! Timings as in k6: `duration` runs from sending on an open connection to the end of the body
//! (`waiting` until the response headers, then `receiving`); opening a connection is apart.
//! Byte counts are computed from the request and response as built and parsed, not from the wire.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName,
    HeaderValue,
};
use http_body_util::Full;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::client::Outgoing;
use super::{Vu, redirect};

/// Which statuses count as success (`http_req_failed` false). Default: 200–399.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Range(RangeInclusive<u16>),
    Set(Vec<u16>),
}

impl Default for Expected {
    fn default() -> Self {
        Expected::Range(200..=399)
    }
}

impl Expected {
    pub fn contains(&self, status: u16) -> bool {
        match self {
            Expected::Range(r) => r.contains(&status),
            Expected::Set(s) => s.contains(&status),
        }
    }
}

impl From<u16> for Expected {
    fn from(s: u16) -> Self {
        Expected::Set(vec![s])
    }
}

impl From<RangeInclusive<u16>> for Expected {
    fn from(r: RangeInclusive<u16>) -> Self {
        Expected::Range(r)
    }
}

impl<const N: usize> From<[u16; N]> for Expected {
    fn from(s: [u16; N]) -> Self {
        Expected::Set(s.to_vec())
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportError {
    Connect,
    Timeout,
    Reset,
    Body,
    Request,
    Other,
}

impl TransportError {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportError::Connect => "connect",
            TransportError::Timeout => "timeout",
            TransportError::Reset => "reset",
            TransportError::Body => "body",
            TransportError::Request => "request",
            TransportError::Other => "other",
        }
    }
}

/// A response, or the record of a transport failure (`status` 0, `error` set).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body, shared with the client's buffer (no copy).
    pub body: bytes::Bytes,
    pub error: Option<TransportError>,
    pub error_message: Option<String>,
    pub duration: Duration,
    /// Whether the status was in the expected set.
    pub expected: bool,
}

impl Response {
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request being built on a VU; `send` performs and records it.
#[must_use = "a request does nothing until .send().await"]
pub struct RequestBuilder<'a> {
    vu: &'a mut Vu,
    method: Method,
    url: Result<Url, String>,
    name: Option<Cow<'static, str>>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    expected: Option<Expected>,
    timeout: Option<Duration>,
    invalid: Option<String>,
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(vu: &'a mut Vu, method: Method, url: &str) -> RequestBuilder<'a> {
        let url = vu.resolve(url);
        RequestBuilder {
            vu,
            method,
            url,
            name: None,
            headers: Vec::new(),
            body: None,
            expected: None,
            timeout: None,
            invalid: None,
        }
    }

    /// The `name` tag: a templated name such as `GET /api/v1/agents/{id}`. Without it, the URL's
    /// path is used, which is only right when it holds no ids.
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => self.headers.push((n, v)),
            _ => self.invalid = Some(format!("invalid header {name}: {value:?}")),
        }
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body (and its content type).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(b) => {
                self.body = Some(b);
                self.header("content-type", "application/json")
            }
            Err(e) => {
                self.invalid = Some(format!("body is not serialisable as JSON: {e}"));
                self
            }
        }
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Query parameters, appended to the URL (form-encoded).
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        if let Ok(u) = &mut self.url {
            u.query_pairs_mut().extend_pairs(pairs);
        }
        self
    }

    /// Which statuses count as success for this request.
    pub fn expect(mut self, expected: impl Into<Expected>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Sends the request, records its metrics on the VU and returns the response. Never panics
    /// and never fails: a transport error is a `Response` with status 0. Redirects are followed
    /// (up to `Test::max_redirects`); every hop is recorded as a request with this `name`.
    pub async fn send(self) -> Response {
        let RequestBuilder {
            vu,
            mut method,
            url,
            name,
            mut headers,
            body,
            expected,
            timeout,
            invalid,
        } = self;
        let expected = expected.unwrap_or_else(|| vu.default_expected().clone());
        let name =
            name.unwrap_or_else(|| Cow::Owned(url.as_ref().map_or("/", |u| u.path()).to_string()));
        let mut url = match (invalid, url) {
            (Some(msg), _) | (None, Err(msg)) => Err(msg),
            (None, Ok(u)) => Ok(u),
        };
        let mut body = body.map(Bytes::from);
        let mut redirects_left = vu.max_redirects();
        loop {
            let hop = Attempt {
                method: &method,
                url: &url,
                headers: &headers,
                body: &body,
                timeout,
            };
            let response = hop.send(vu, &name, &expected).await;
            let Ok(from) = &url else {
                return response;
            };
            let next = redirect::next(response.status, &method, from, response.header("location"));
            match next {
                Some(next) if redirects_left > 0 => {
                    redirects_left -= 1;
                    if !next.keep_body {
                        body = None;
                        headers.retain(|(k, _)| !is_body_header(k));
                    }
                    if !next.same_origin {
                        headers.retain(|(k, _)| k != AUTHORIZATION && k != COOKIE);
                    }
                    method = next.method;
                    url = Ok(next.url);
                }
                _ => return response,
            }
        }
    }
}

fn is_body_header(name: &HeaderName) -> bool {
    name == CONTENT_TYPE || name == CONTENT_LENGTH || name == CONTENT_ENCODING
}

/// One request on the wire (one hop of a redirect chain).
struct Attempt<'r> {
    method: &'r Method,
    url: &'r Result<Url, String>,
    headers: &'r [(HeaderName, HeaderValue)],
    body: &'r Option<Bytes>,
    timeout: Option<Duration>,
}

impl Attempt<'_> {
    /// Sends, records the metrics, returns the response.
    async fn send(self, vu: &mut Vu, name: &str, expected: &Expected) -> Response {
        let Attempt {
            method,
            url,
            headers,
            body,
            timeout,
        } = self;
        let target_len = url
            .as_ref()
            .map_or(0, |u| u.path().len() + u.query().map_or(0, |q| q.len() + 1));
        let sent_bytes = method.as_str().len()
            + target_len
            + 13
            + headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 4)
                .sum::<usize>()
            + body.as_ref().map_or(0, |b| b.len() + 20);
        let begin = Instant::now();
        let outcome = match url {
            Err(msg) => Err((TransportError::Request, msg.clone())),
            Ok(url) => {
                let (conns, connector, default_timeout) = vu.transport();
                let lease = conns.lease(url).await;
                match outgoing(method.clone(), url, headers, body) {
                    Err(msg) => Err((TransportError::Request, msg)),
                    Ok(out) => {
                        let limit = timeout.unwrap_or(default_timeout);
                        // Boxed: an idle VU's iteration future then does not carry the exchange.
                        let exchange = Box::pin(conns.exchange(connector, lease, out));
                        match tokio::time::timeout(limit, exchange).await {
                            Ok(outcome) => outcome,
                            Err(_) => Err((
                                TransportError::Timeout,
                                format!("no complete response within {limit:?}"),
                            )),
                        }
                    }
                }
            }
        };
        let end = Instant::now();
        let (status, headers, body, timings, error, message) = match outcome {
            Ok(x) => {
                let timings = Timings {
                    duration: end - x.sent_at,
                    waiting: x.headers_at - x.sent_at,
                    blocked: x.blocked,
                    connecting: x.connect.connecting,
                    tls_handshaking: x.connect.tls_handshaking,
                };
                (x.status, x.headers, x.body, timings, None, None)
            }
            Err((kind, msg)) => {
                let timings = Timings {
                    duration: end - begin,
                    waiting: end - begin,
                    ..Timings::default()
                };
                (
                    0,
                    HeaderMap::new(),
                    Bytes::new(),
                    timings,
                    Some(kind),
                    Some(msg),
                )
            }
        };
        let ok = error.is_none() && expected.contains(status);
        let received = if error.is_some() {
            0
        } else {
            17 + headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 4)
                .sum::<usize>()
                + 2
                + body.len()
        };
        vu.record_http(HttpRecord {
            name,
            method: method.as_str(),
            status,
            ok,
            timings,
            sent: sent_bytes,
            received,
            error,
        });
        Response {
            status,
            headers,
            body,
            error,
            error_message: message,
            duration: timings.duration,
            expected: ok,
        }
    }
}

/// The hyper request for a URL, with the path and query as its target.
fn outgoing<'u>(
    method: Method,
    url: &'u Url,
    headers: &[(HeaderName, HeaderValue)],
    body: &Option<Bytes>,
) -> Result<Outgoing<'u>, String> {
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let uri = http::Uri::try_from(target).map_err(|e| format!("invalid URL {url}: {e}"))?;
    let mut request = http::Request::new(Full::new(body.clone().unwrap_or_default()));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let map = request.headers_mut();
    for (k, v) in headers {
        map.append(k.clone(), v.clone());
    }
    Ok(Outgoing { url, request })
}

/// A request's times, in k6's terms: `duration` runs from sending to the end of the body, on an
/// open connection; opening one is `connecting` and `tls_handshaking`, waiting for a shared
/// connection is `blocked`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timings {
    pub duration: Duration,
    pub waiting: Duration,
    pub blocked: Duration,
    pub connecting: Duration,
    pub tls_handshaking: Duration,
}

/// What one request contributes to the metrics.
pub(crate) struct HttpRecord<'m> {
    pub name: &'m str,
    pub method: &'m str,
    pub status: u16,
    pub ok: bool,
    pub timings: Timings,
    pub sent: usize,
    pub received: usize,
    pub error: Option<TransportError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_expected_statuses_are_200_to_399() {
        let e = Expected::default();
        assert!(e.contains(200) && e.contains(399));
        assert!(!e.contains(400) && !e.contains(0) && !e.contains(199));
    }
}
