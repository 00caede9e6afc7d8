//! One request on the wire (one hop of a redirect chain): lease a connection, send, read the
//! response, and leave the one record ([`HttpSample`]) the metrics need. A hop cut off by the
//! run's stop still leaves its record, classed `interrupted`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use http::header::{HeaderName, HeaderValue};
use tokio::time::Instant;
use url::Url;

use super::client::{Outgoing, Tally};
use super::headers::Headers;
use super::request_tags::request_tags;
use super::{Expected, Failure, Msg, Outcome, Response, RunShared, TransportError, Vu};
use crate::metrics::{Entry, HttpSample, HttpTimings, HttpTraffic, Tags, ms};

/// One hop: what to send, its `name` tag and the statuses it expects.
pub(crate) struct Attempt<'r> {
    pub method: &'r Method,
    pub url: &'r Result<Arc<Url>, String>,
    pub headers: &'r [(HeaderName, HeaderValue)],
    pub body: &'r Option<Bytes>,
    pub timeout: Option<Duration>,
    pub name: &'r str,
    pub expected: &'r Expected,
}

/// Records an `interrupted` request if the hop's future is dropped before it ends (the
/// scenario's hard stop, a signal): a hung target then shows as failures, never as silence.
struct InFlight<'g> {
    shared: &'g RunShared,
    tags: &'g Tags,
    name: &'g str,
    method: &'g Method,
    begin: Instant,
    done: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let waited = ms(self.begin.elapsed());
        let tags = request_tags(self.tags, self.name, self.method, None, false);
        // A stopped exchange's bytes are not counted: what it sent may not have been whole.
        let sample = HttpSample::failed(
            self.shared.intern(tags),
            self.shared.start.elapsed(),
            waited,
            HttpTraffic::default(),
            TransportError::Interrupted,
        );
        let _ = self.shared.tx.send(Msg::Batch(vec![Entry::Http(sample)]));
    }
}

impl<'r> Attempt<'r> {
    /// Sends, records the metrics, returns the response.
    ///
    /// Not an `async fn`: the future holds the parts it uses once, not also the `Attempt` and
    /// the `Vu` they were taken from.
    #[inline]
    pub(crate) fn send<'v>(self, vu: &'v mut Vu) -> impl Future<Output = Response> + Send + 'v
    where
        'r: 'v,
    {
        let Attempt {
            method,
            url,
            headers,
            body,
            timeout,
            name,
            expected,
        } = self;
        let Vu {
            shared,
            conns,
            tags,
            http_tags,
            rec,
            last_target,
            alarm,
            ..
        } = vu;
        // The future holds the guard and takes what the guard holds from it, not a copy of each.
        let mut guard = InFlight {
            shared,
            tags,
            name,
            method,
            begin: Instant::now(),
            // Nothing to record for a future dropped before it was first polled.
            done: true,
        };
        async move {
            // Taken whole (a reference to it, not copies of its fields), so it is this future's
            // and fires only if the future is dropped unfinished.
            let guard = &mut guard;
            guard.done = false;
            let clients = &guard.shared.clients;
            let mut tally = Tally::default();
            let outcome = match url {
                Err(msg) => Err(Failure::new(TransportError::Request, msg.clone())),
                Ok(url) => {
                    let lease = conns.lease(url).await;
                    // Boxed: an idle VU's iteration future then does not carry the exchange.
                    // Built before the wait so the request's parts are not kept beside it.
                    let exchange =
                        outgoing(guard.method, url, headers, body, last_target).map(|out| {
                            Box::pin(conns.exchange(
                                &clients.connector,
                                clients.max_body,
                                lease,
                                out,
                                &mut tally,
                            ))
                        });
                    let limit = timeout.unwrap_or(clients.timeout);
                    match exchange {
                        Err(msg) => Err(Failure::new(TransportError::Request, msg)),
                        Ok(exchange) => match alarm.within(limit, exchange).await {
                            Some(outcome) => outcome,
                            None => Err(Failure::new(
                                TransportError::Timeout,
                                format!("no complete response within {limit:?}"),
                            )),
                        },
                    }
                }
            };
            guard.done = true;
            let end = Instant::now();
            let (sent, received) = tally.finish();
            let traffic = HttpTraffic {
                sent,
                received,
                resent: tally.resent,
                proto: tally.proto,
            };
            let at = rec.since_start(end);
            let (response, sample) = match outcome {
                Ok(x) => {
                    let ok = expected.contains(x.status);
                    let duration = end - x.sent_at;
                    let timings = HttpTimings {
                        duration_ms: ms(duration),
                        waiting_ms: ms(x.headers_at - x.sent_at),
                        blocked_ms: ms(x.blocked),
                        connecting_ms: ms(x.connect.connecting),
                        tls_handshaking_ms: ms(x.connect.tls_handshaking),
                    };
                    let tags = http_tags.get(
                        guard.shared,
                        guard.tags,
                        guard.name,
                        guard.method,
                        Some(x.status),
                        ok,
                    );
                    let sample = HttpSample::answered(tags, at, timings, traffic, ok);
                    let response = Response {
                        outcome: Outcome::Status(x.status),
                        headers: x.headers,
                        body: x.body,
                        duration,
                        expected_response: ok,
                    };
                    (response, sample)
                }
                Err(failure) => {
                    let duration = end - guard.begin;
                    let tags = http_tags.get(
                        guard.shared,
                        guard.tags,
                        guard.name,
                        guard.method,
                        None,
                        false,
                    );
                    let sample = HttpSample::failed(tags, at, ms(duration), traffic, failure.error);
                    let response = Response {
                        outcome: Outcome::Failed(failure),
                        headers: Headers::default(),
                        body: Bytes::new(),
                        duration,
                        expected_response: false,
                    };
                    (response, sample)
                }
            };
            rec.http(sample);
            response
        }
    }
}

/// The request to send to a URL, with the path and query as its target; `last` is the VU's
/// last target, reused (a reference count) when the URL asks for the same one.
fn outgoing<'r>(
    method: &'r Method,
    url: &'r Url,
    headers: &'r [(HeaderName, HeaderValue)],
    body: &Option<Bytes>,
    last: &mut Option<Box<http::Uri>>,
) -> Result<Outgoing<'r>, String> {
    let text = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let target = match last {
        Some(t) if t.path_and_query().map(|p| p.as_str()) == Some(text) => (**t).clone(),
        _ => {
            let t = http::Uri::try_from(text).map_err(|e| format!("invalid URL {url}: {e}"))?;
            match last {
                Some(kept) => **kept = t.clone(),
                None => *last = Some(Box::new(t.clone())),
            }
            t
        }
    };
    Ok(Outgoing {
        url,
        method,
        target,
        headers,
        body: body.clone().unwrap_or_default(),
    })
}
