//! A long run against a local server, for the Ctrl-C test: SIGINT or SIGTERM must stop it
//! gracefully, run teardown, print the summary and exit with status 130.

use harness::prelude::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let report = Test::new("interrupt-demo")
        .base_url(server.uri())
        .time_scale(1.0)
        .progress(false)
        .setup(|_vu| Box::pin(async move { Ok(()) }))
        .teardown(|_vu, _data: Option<std::sync::Arc<()>>| {
            Box::pin(async move {
                println!("teardown ran");
                Ok(())
            })
        })
        .scenario(Scenario::new("long", ConstantVus::new(3, secs(60)), |vu| {
            Box::pin(async move {
                vu.get("/x").send().await;
                vu.sleep(millis(50)).await;
                Ok(())
            })
        }))
        .run()
        .await
        .expect("valid test");
    // Only reached without a signal.
    println!("finished: passed={}", report.passed());
}
