//! The instrumented HTTP request: every call records `http_reqs`, `http_req_duration`,
//! `http_req_waiting`, `http_req_receiving`, `http_req_blocked`, `http_req_connecting`,
//! `http_req_tls_handshaking`, `http_req_failed`, `data_sent` and `data_received`, tagged with
//! `name`, `method`, `status`, `expected_response`, the scenario and the group. Transport errors
//! are classified and recorded, never raised.
//!
//! This file builds a request and follows its redirects; `attempt.rs` sends one hop and records
//! it.
//!
//! Timings as in k6: `duration` runs from sending on an open connection to the end of the body
//! (`waiting` until the response headers, then `receiving`); opening a connection is apart.
//! Byte counts are computed from the request and response as built and parsed, not from the wire.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderName, HeaderValue,
};
use serde::Serialize;
use url::Url;

use super::attempt::Attempt;
use super::{Expected, Response, Vu, redirect};

/// Requests, on a VU.
impl Vu {
    /// Starts a request; relative URLs are joined to the base URL.
    pub fn request(&mut self, method: Method, url: &str) -> RequestBuilder<'_> {
        RequestBuilder::new(self, method, url)
    }

    pub fn get(&mut self, url: &str) -> RequestBuilder<'_> {
        self.request(Method::GET, url)
    }

    pub fn post(&mut self, url: &str) -> RequestBuilder<'_> {
        self.request(Method::POST, url)
    }

    pub fn put(&mut self, url: &str) -> RequestBuilder<'_> {
        self.request(Method::PUT, url)
    }

    pub fn delete(&mut self, url: &str) -> RequestBuilder<'_> {
        self.request(Method::DELETE, url)
    }
}

/// A request being built on a VU; `send` performs and records it.
#[must_use = "a request does nothing until .send().await"]
pub struct RequestBuilder<'a> {
    vu: &'a mut Vu,
    method: Method,
    url: Result<Arc<Url>, String>,
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
            Arc::make_mut(u).query_pairs_mut().extend_pairs(pairs);
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
    /// and never fails: a transport error is a `Response` whose [`Outcome`](super::Outcome) is
    /// `Failed`. Redirects are followed
    /// (up to `Test::max_redirects`); every hop is recorded as a request with this `name`.
    ///
    /// Not an `async fn`: the future holds the request's parts once, not also the builder
    /// they were taken from (an async fn's arguments keep their own room in its state), so a
    /// VU waiting on its request is smaller.
    pub fn send(self) -> impl Future<Output = Response> + Send + 'a {
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
        let expected = expected.unwrap_or_else(|| vu.shared.settings.expected.clone());
        let name =
            name.unwrap_or_else(|| Cow::Owned(url.as_ref().map_or("/", |u| u.path()).to_string()));
        let mut url = match (invalid, url) {
            (Some(msg), _) | (None, Err(msg)) => Err(msg),
            (None, Ok(u)) => Ok(u),
        };
        let mut body = body.map(Bytes::from);
        let mut redirects_left = vu.shared.settings.max_redirects;
        async move {
            loop {
                let hop = Attempt {
                    method: &method,
                    url: &url,
                    headers: &headers,
                    body: &body,
                    timeout,
                    name: &name,
                    expected: &expected,
                };
                let response = hop.send(vu).await;
                let Ok(from) = &url else {
                    return response;
                };
                let next = response
                    .status()
                    .and_then(|s| redirect::next(s, &method, from, || response.header("location")));
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
                        url = Ok(Arc::new(next.url));
                    }
                    _ => return response,
                }
            }
        }
    }
}

fn is_body_header(name: &HeaderName) -> bool {
    name == CONTENT_TYPE || name == CONTENT_LENGTH || name == CONTENT_ENCODING
}
