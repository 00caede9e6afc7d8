//! Tables of the fault plan's parsing and arithmetic.

use super::*;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn latency_specs_parse() {
    assert_eq!(Latency::parse("20ms").unwrap(), Latency::Fixed(ms(20)));
    assert_eq!(
        Latency::parse("uniform:5ms..50ms").unwrap(),
        Latency::Uniform(ms(5), ms(50))
    );
    assert_eq!(
        Latency::parse("p50=10ms,p99=100ms").unwrap(),
        Latency::Percentiles(vec![(50.0, ms(10)), (99.0, ms(100))])
    );
    for bad in [
        "20",
        "fast",
        "uniform:5ms",
        "uniform:9ms..1ms",
        "p50=10ms,p40=20ms",
        "p101=1ms",
    ] {
        assert!(Latency::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn percentile_latency_hits_its_points() {
    let l = Latency::parse("p50=10ms,p95=40ms,p99=100ms").unwrap();
    assert_eq!(l.sample(0.5), ms(10));
    assert_eq!(l.sample(0.95), ms(40));
    assert_eq!(l.sample(0.25), ms(5));
    assert_eq!(l.sample(0.999), ms(100));
}

#[test]
fn stalls_freeze_the_end_of_each_period() {
    let s = Stall::parse("1s/10s").unwrap();
    assert_eq!(s.delay_at(ms(8_999)), Duration::ZERO);
    assert_eq!(s.delay_at(ms(9_000)), ms(1_000));
    assert_eq!(s.delay_at(ms(9_750)), ms(250));
    assert_eq!(s.delay_at(ms(10_001)), Duration::ZERO);
    assert!(Stall::parse("10s/1s").is_err());
}

#[test]
fn capacity_and_degradation_add_latency() {
    let plan = FaultPlan {
        global: Faults {
            capacity: Some(Capacity::parse("10:2ms").unwrap()),
            degradation: Some(parse_per_minute("6ms/min").unwrap()),
            ..Faults::default()
        },
        routes: vec![],
    };
    assert_eq!(
        plan.decide(RouteKind::Health, Duration::ZERO, 10, [0.5, 0.5])
            .delay,
        Duration::ZERO
    );
    assert_eq!(
        plan.decide(RouteKind::Health, Duration::ZERO, 15, [0.5, 0.5])
            .delay,
        ms(10)
    );
    assert_eq!(
        plan.decide(RouteKind::Health, Duration::from_secs(30), 0, [0.5, 0.5])
            .delay,
        ms(3)
    );
}

#[test]
fn route_overrides_fall_back_to_global() {
    let plan = FaultPlan {
        global: Faults {
            latency: Some(Latency::Fixed(ms(5))),
            error_rate: Some(0.5),
            ..Faults::default()
        },
        routes: vec![(
            RouteKind::ListAgents,
            Faults::parse_settings("errors:0").unwrap(),
        )],
    };
    let agents = plan.for_route(RouteKind::ListAgents);
    assert_eq!(
        (agents.error_rate, agents.latency),
        (Some(0.0), Some(Latency::Fixed(ms(5))))
    );
    assert_eq!(plan.for_route(RouteKind::Health).error_rate, Some(0.5));
}

#[test]
fn seeded_dice_repeat_and_are_uniform() {
    let (a, b) = (Dice::new(7), Dice::new(7));
    let xs: Vec<[f64; 2]> = (0..1000).map(|_| a.roll()).collect();
    let ys: Vec<[f64; 2]> = (0..1000).map(|_| b.roll()).collect();
    assert_eq!(xs, ys);
    let mean = xs.iter().map(|x| x[0]).sum::<f64>() / 1000.0;
    assert!((mean - 0.5).abs() < 0.05, "{mean}");
}

#[test]
fn rates_are_validated() {
    let f = Faults {
        error_rate: Some(0.7),
        reset_rate: Some(0.5),
        malformed_rate: Some(-0.1),
        ..Faults::default()
    };
    let errors = f.validate();
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn durations_beyond_an_hour_or_not_finite_are_refused_not_a_panic() {
    for bad in [
        "100000000000000000000000s",
        "61m",
        "3601s",
        "1e23s",
        ".s",
        "999999999999999999999999999999m",
    ] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_duration("60m").unwrap(), MAX_FAULT_DURATION);
}

#[test]
fn durations_parse_with_units() {
    assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
    assert_eq!(parse_duration("1.5s").unwrap(), ms(1500));
    assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    assert!(parse_duration("5 parsecs").is_err());
}

#[test]
fn route_overrides_parse_from_a_template_and_settings() {
    let rows = [
        (
            "POST /api/v1/agents=latency:50ms",
            RouteKind::CreateAgent,
            Faults {
                latency: Some(Latency::Fixed(ms(50))),
                ..Faults::default()
            },
        ),
        (
            " GET /api/v1/agents/{id} =errors:0.5;resets:0.1",
            RouteKind::GetAgent,
            Faults {
                error_rate: Some(0.5),
                reset_rate: Some(0.1),
                ..Faults::default()
            },
        ),
        (
            "ANY /gateway-stub=",
            RouteKind::GatewayStub,
            Faults::default(),
        ),
    ];
    for (text, route, faults) in rows {
        assert_eq!(Faults::parse_override(text), Ok((route, faults)), "{text}");
    }
}

#[test]
fn a_route_override_for_no_route_of_the_api_is_refused_naming_the_routes() {
    for (bad, says) in [
        (
            "GET /api/v1/agent=errors:1",
            "is not a route of the API; the routes are 'GET /'",
        ),
        (
            "GET /api/v1/agents/123=errors:1",
            "'GET /api/v1/agents/{id}'",
        ),
        ("UNKNOWN=errors:1", "\"UNKNOWN\" is not a route of the API"),
        (
            "GET /api/v1/agents",
            "expected 'METHOD /path=key:value;...'",
        ),
        ("GET /api/v1/agents=speed:9", "unknown setting \"speed\""),
    ] {
        let err = Faults::parse_override(bad).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
}
