//! The same mock as a `wiremock::Respond`: mount it on a wiremock `MockServer` to combine the
//! stateful API with wiremock's request matching and expectations (`.expect(n)`).
//!
//! wiremock applies latency through `set_delay`; it cannot drop a connection, so an injected
//! reset is answered with a 502 there, and capacity faults see only the instant of admission.

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::KaizenMock;
use crate::domain::{ApiRequest, Route};
use crate::faults::Outcome;

/// Answers every request from the mock's domain.
#[derive(Clone)]
pub struct KaizenResponder {
    mock: KaizenMock,
}

impl KaizenResponder {
    pub fn new(mock: KaizenMock) -> KaizenResponder {
        KaizenResponder { mock }
    }

    /// Mounts the whole API on `server`, catching every request.
    pub async fn mount_on(self, server: &MockServer) {
        Mock::given(wiremock::matchers::any())
            .respond_with(self)
            .mount(server)
            .await;
    }
}

impl Respond for KaizenResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let method = req.method.as_str();
        let path = req.url.path();
        let route = Route::of(method, path);
        let (decision, _in_flight) = self.mock.admit(route.kind());
        if decision.outcome == Outcome::Reset {
            return ResponseTemplate::new(502).set_delay(decision.delay);
        }
        let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
        let api_req = ApiRequest {
            method,
            path,
            query: req.url.query().unwrap_or(""),
            authorization: header("authorization"),
            forwarded_for: header("x-forwarded-for"),
            peer: None,
            body: &req.body,
        };
        let reply = self.mock.respond(route, &api_req, decision.outcome);
        let mut t =
            ResponseTemplate::new(reply.status).set_body_raw(reply.body, reply.content_type);
        for (k, v) in reply.headers {
            t = t.insert_header(k, v.as_str());
        }
        t.set_delay(decision.delay)
    }
}
