//! The standalone mock: `cargo run -p mock-server -- --port 8000`, for manual use, k6 or curl.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use mock_server::domain::RouteKind;
use mock_server::faults::{Capacity, FaultPlan, Faults, Latency, Stall, parse_per_minute};
use mock_server::{KaizenMock, MockConfig, RunningMock};

/// A stateful, fault-injecting mock of the Kaizen Studio API.
///
/// Faults apply to every route unless --route overrides them for one route template
/// (e.g. 'GET /api/v1/agents' or 'GET /api/v1/agents/{id}'). With --seed, the same requests get the same faults.
#[derive(Debug, Parser)]
#[command(name = "kaizen-mock", version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8000)]
    port: u16,
    /// Runtime worker threads (1–256).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
    /// Seed for the fault dice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Enforce the real auth rate limits (register 5, login 10, refresh 30 per IP per minute).
    #[arg(long)]
    rate_limits: bool,
    /// How long access tokens live (the real server: 900 s), e.g. 60s or 15m.
    #[arg(long, value_parser = token_lifetime, default_value = "900s")]
    token_lifetime: std::time::Duration,
    /// Added latency: 20ms, uniform:5ms..50ms, or p50=10ms,p95=40ms,p99=100ms.
    #[arg(long, value_parser = Latency::parse)]
    latency: Option<Latency>,
    /// Fraction of requests answered with a 500 (0..1).
    #[arg(long, value_parser = rate)]
    error_rate: Option<f64>,
    /// Fraction of requests whose connection is closed without a response (0..1).
    #[arg(long, value_parser = rate)]
    reset_rate: Option<f64>,
    /// Fraction of responses whose body is cut in half (0..1).
    #[arg(long, value_parser = rate)]
    malformed_rate: Option<f64>,
    /// Freeze the server periodically: FREEZE/EVERY, e.g. 1s/10s.
    #[arg(long, value_parser = Stall::parse)]
    stall: Option<Stall>,
    /// Latency grows with load: SLOTS:COST, e.g. 50:2ms (each request in flight beyond 50 adds 2 ms).
    #[arg(long, value_parser = Capacity::parse)]
    capacity: Option<Capacity>,
    /// Latency grows with run time, e.g. 5ms/min.
    #[arg(long, value_parser = parse_per_minute)]
    degrade: Option<std::time::Duration>,
    /// Per-route override: 'METHOD /path=key:value;key:value' with keys latency, errors, resets,
    /// malformed, stall, capacity, degrade. Repeatable.
    #[arg(long, value_parser = Faults::parse_override)]
    route: Vec<(RouteKind, Faults)>,
}

fn rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s:?} is outside 0..=1"))
    }
}

fn token_lifetime(s: &str) -> Result<std::time::Duration, String> {
    match mock_server::faults::parse_duration(s)? {
        d if d.is_zero() => Err("a token lifetime must be longer than 0".into()),
        d => Ok(d),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let plan = FaultPlan {
        global: Faults {
            latency: cli.latency,
            error_rate: cli.error_rate,
            reset_rate: cli.reset_rate,
            malformed_rate: cli.malformed_rate,
            stall: cli.stall,
            capacity: cli.capacity,
            degradation: cli.degrade,
        },
        routes: cli.route,
    };
    let problems = plan.validate();
    if !problems.is_empty() {
        eprintln!("error: invalid fault configuration:");
        for p in problems {
            eprintln!("  - {p}");
        }
        return ExitCode::from(2);
    }
    let mock = KaizenMock::new(MockConfig {
        faults: plan,
        seed: cli.seed,
        rate_limits: cli.rate_limits,
        limits: mock_server::domain::Limits {
            token_lifetime: cli.token_lifetime,
            ..Default::default()
        },
    });
    let server = match RunningMock::start(
        mock,
        SocketAddr::new(cli.host, cli.port),
        usize::from(cli.workers),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    println!("kaizen-mock listening on {}", server.url());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    if let Ok(rt) = rt {
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    drop(server);
    ExitCode::SUCCESS
}
