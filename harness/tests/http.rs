//! The instrumented HTTP client end to end: URL handling, transport errors, the shared
//! connection model.

mod common;

use common::quiet;
use harness::prelude::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn transport_errors_are_classified_counted_and_never_panic() {
    // Bind then drop a listener: the port is (very likely) closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = quiet("refused")
        .base_url(format!("http://127.0.0.1:{port}"))
        .scenario(Scenario::new("s", SharedIterations::new(1, 3), |vu| {
            Box::pin(async move {
                let res = vu.get("/x").send().await;
                assert_eq!(res.status(), None, "no response, so no status");
                assert_eq!(res.error(), Some(TransportError::Connect));
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.value("http_req_failed", "rate"), Some(1.0));
    assert_eq!(report.count("http_transport_errors{error:connect}"), 3.0);
    assert_eq!(report.count("iterations"), 3.0);
}

#[tokio::test]
async fn relative_urls_join_the_base_path_and_bad_urls_are_request_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/prefix/items"))
        .and(wiremock::matchers::query_param("q", "a b"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    let report = quiet("urls")
        .base_url(format!("{}/prefix/", server.uri()))
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), |vu| {
            Box::pin(async move {
                assert_eq!(vu.get("/items?q=a%20b").send().await.status(), Some(200));
                assert_eq!(
                    vu.get("/items")
                        .query(&[("q", "a b")])
                        .send()
                        .await
                        .status(),
                    Some(200)
                );
                // The URL parsed once and shared is not changed by a request that added a
                // query to it: the same text asks for the page without one (no mock: 404).
                assert_eq!(vu.get("/items").send().await.status(), Some(404));
                let bad = vu.get("http://[::1").send().await;
                assert_eq!(
                    (bad.status(), bad.error()),
                    (None, Some(TransportError::Request))
                );
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs"), 4.0);
    assert_eq!(
        report.count("http_reqs{name:/prefix/items}"),
        3.0,
        "untemplated names default to the path"
    );
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_connection_model_bounds_requests_in_flight_and_reports_the_wait_as_blocked() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(millis(100)))
        .mount(&server)
        .await;
    let report = quiet("shared-pool")
        .base_url(server.uri())
        .connections(ConnectionModel::Shared { max_connections: 2 })
        .scenario(Scenario::new("s", SharedIterations::new(10, 10), |vu| {
            Box::pin(async move {
                vu.get("/slow").send().await;
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs"), 10.0);
    // Ten requests, two at a time, 100 ms each: the last pair waited about 400 ms.
    let blocked = report.value("http_req_blocked", "max").unwrap();
    assert!(blocked >= 300.0, "max blocked {blocked} ms");
    let duration = report.value("http_req_duration", "max").unwrap();
    assert!(
        duration < 300.0,
        "duration {duration} ms excludes the wait for a connection"
    );
}

#[tokio::test]
async fn redirects_are_followed_hop_by_hop_and_credentials_stay_on_their_origin() {
    use wiremock::matchers::{header_exists, method};
    let (a, b) = (MockServer::start().await, MockServer::start().await);
    let to = |url: String| ResponseTemplate::new(302).insert_header("location", url.as_str());
    Mock::given(path("/old"))
        .respond_with(to("/new".into()))
        .mount(&a)
        .await;
    Mock::given(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_string("new"))
        .mount(&a)
        .await;
    Mock::given(method("POST"))
        .and(path("/form"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/new"))
        .mount(&a)
        .await;
    Mock::given(path("/loop"))
        .respond_with(to("/loop".into()))
        .mount(&a)
        .await;
    Mock::given(path("/away"))
        .respond_with(to(format!("{}/elsewhere", b.uri())))
        .mount(&a)
        .await;
    Mock::given(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&b)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&b)
        .await;
    let report = quiet("redirects")
        .base_url(a.uri())
        .max_redirects(3)
        .scenario(Scenario::new("s", SharedIterations::new(1, 1), |vu| {
            Box::pin(async move {
                let res = vu.get("/old").name("old").send().await;
                assert_eq!((res.status(), res.text()), (Some(200), "new".to_string()));
                let res = vu.post("/form").name("form").body("x=1").send().await;
                assert_eq!(res.status(), Some(200), "303 turns the POST into a GET");
                let res = vu.get("/loop").name("loop").send().await;
                assert_eq!(
                    res.status(),
                    Some(302),
                    "after 3 redirects the last one is the answer"
                );
                let res = vu.get("/away").name("away").bearer("t").send().await;
                assert_eq!(
                    res.status(),
                    Some(200),
                    "no credentials sent to another origin"
                );
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("http_reqs{name:old}"), 2.0);
    assert_eq!(report.count("http_reqs{name:form}"), 2.0);
    assert_eq!(report.count("http_reqs{name:loop}"), 4.0);
    assert_eq!(report.count("http_reqs{name:away}"), 2.0);
}
