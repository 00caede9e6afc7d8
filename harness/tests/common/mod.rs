//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

pub mod prometheus;

use harness::prelude::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub async fn server_answering(status: u16) -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

pub fn quiet(name: &str) -> Test {
    Test::new(name).time_scale(1.0)
}

pub fn ping(vu: &mut Vu) -> futures::future::BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let res = vu.get("/ping").name("GET /ping").send().await;
        vu.check("status is 200", res.status() == Some(200));
        Ok(())
    })
}
