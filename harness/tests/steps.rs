//! Scenarios written as plain `async fn`s: handed over without boxing, with or without the setup
//! value, and weighted mixes of steps drawn with the run's seed.

use harness::prelude::*;
mod common;

use common::{quiet, server_answering};

async fn ping(vu: &mut Vu) -> Result<(), BoxError> {
    let res = vu.get("/ping").name("GET /ping").send().await;
    vu.check("status is 200", res.status() == Some(200));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_fn_of_the_vu_runs_as_a_scenarios_iteration() {
    let server = server_answering(200).await;
    let report = quiet("from-fn")
        .base_url(server.uri())
        .scenario(Scenario::from_fn("s", SharedIterations::new(3, 30), ping))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("iterations"), 30.0);
    assert_eq!(report.count("http_reqs{name:GET /ping,status:200}"), 30.0);
    assert_eq!(report.checks()[0].passes, 30);
}

struct Token(String);

async fn work(vu: &mut Vu, token: &Token) -> Result<(), BoxError> {
    let res = vu
        .get("/work")
        .name("GET /work")
        .bearer(&token.0)
        .send()
        .await;
    vu.check("status is 200", res.status() == Some(200));
    if token.0 != "tok-1" {
        return Err(format!("the setup value reached the VU as {:?}", token.0).into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_fn_of_the_vu_and_the_setup_value_receives_it_typed() {
    let server = server_answering(200).await;
    let report = quiet("from-fn-data")
        .base_url(server.uri())
        .setup(|_vu| Box::pin(async move { Ok(Token("tok-1".into())) }))
        .scenario(Scenario::from_fn("s", PerVuIterations::new(2, 5), work))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("iterations"), 10.0);
    assert_eq!(report.count("iteration_errors"), 0.0);
    assert_eq!(report.count("http_reqs{name:GET /work}"), 10.0);
}

const DRAWN_REGISTER: Counter = Counter::new("drawn_register");
const DRAWN_LOGIN: Counter = Counter::new("drawn_login");
const DRAWN_FAILING: Counter = Counter::new("drawn_failing");

async fn register(vu: &mut Vu, _: &()) -> Result<(), BoxError> {
    vu.add(&DRAWN_REGISTER, 1.0);
    Ok(())
}

async fn login(vu: &mut Vu, _: &()) -> Result<(), BoxError> {
    vu.add(&DRAWN_LOGIN, 1.0);
    Ok(())
}

async fn failing(vu: &mut Vu, _: &()) -> Result<(), BoxError> {
    vu.add(&DRAWN_FAILING, 1.0);
    Err("the failing step".into())
}

/// 30 % register, 60 % log in, 10 % fail: the drawn step's result is the iteration's.
async fn visit(vu: &mut Vu) -> Result<(), BoxError> {
    let visit = const {
        Mix::new()
            .with(30, register)
            .with(60, login)
            .with(10, failing)
    };
    visit.run(vu, &()).await
}

/// (register, login, failing, iteration errors) drawn in 2,000 iterations of one VU.
async fn draws(seed: u64) -> (f64, f64, f64, f64) {
    let report = quiet("mix")
        .seed(seed)
        .scenario(Scenario::from_fn(
            "s",
            PerVuIterations::new(1, 2_000),
            visit,
        ))
        .run()
        .await
        .unwrap();
    assert_eq!(report.count("iterations"), 2_000.0);
    (
        report.count("drawn_register"),
        report.count("drawn_login"),
        report.count("drawn_failing"),
        report.count("iteration_errors"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mix_runs_the_step_it_draws_in_the_weights_proportions_and_the_same_seed_draws_the_same()
{
    let first = draws(11).await;
    let (register, login, failing, errors) = first;
    assert_eq!(register + login + failing, 2_000.0);
    for (what, got, want) in [
        ("register", register, 0.3),
        ("login", login, 0.6),
        ("failing", failing, 0.1),
    ] {
        let share = got / 2_000.0;
        assert!(
            (share - want).abs() < 0.04,
            "{what} drawn {share:.3} of the time, want {want}"
        );
    }
    assert_eq!(
        errors, failing,
        "the failing step's error is its iteration's"
    );
    assert_eq!(draws(11).await, first, "the same seed draws the same steps");
}
