//! A long run against a local server, for the Ctrl-C test: SIGINT or SIGTERM must stop it
//! gracefully, run teardown, print the summary and exit with status 130; a second signal cuts
//! a slow teardown short. The edge's part (progress, signals, summary, exit) is
//! `harness::console`; the library never exits.
//!
//! `INTERRUPT_DEMO_SLOW_TEARDOWN=1` makes teardown take 30 s.

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
    let slow = std::env::var_os("INTERRUPT_DEMO_SLOW_TEARDOWN").is_some();
    let test = Test::new("interrupt-demo")
        .base_url(server.uri())
        .time_scale(1.0)
        .setup(|_vu| Box::pin(async move { Ok(()) }))
        .teardown(move |_vu, _data: Option<std::sync::Arc<()>>| {
            Box::pin(async move {
                println!("teardown ran");
                if slow {
                    tokio::time::sleep(secs(30)).await;
                    println!("slow teardown finished");
                }
                Ok(())
            })
        })
        .scenario(Scenario::new("long", ConstantVus::new(3, secs(60)), |vu| {
            Box::pin(async move {
                vu.get("/x").send().await;
                vu.sleep(millis(50)).await;
                Ok(())
            })
        }));
    let report = Console::from_env()
        .progress(false)
        .run(test)
        .await
        .expect("valid test");
    if report.interrupted() {
        std::process::exit(harness::console::INTERRUPTED_EXIT_CODE);
    }
    println!("finished: passed={}", report.passed());
}
