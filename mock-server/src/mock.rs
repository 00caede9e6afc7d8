//! The mock as transports see it: the domain [`Api`] plus the fault plan, the seeded dice, the
//! clock and the in-flight count that capacity faults read.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::domain::{Api, ApiRequest, ApiResponse, Limits, Route, RouteKind};
use hdrhistogram::Histogram;

use crate::faults::{Decision, Dice, FaultPlan, Outcome};

/// Settings for a mock instance.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub faults: FaultPlan,
    pub seed: u64,
    pub rate_limits: bool,
    pub limits: Limits,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            faults: FaultPlan::none(),
            seed: 1,
            rate_limits: false,
            limits: Limits::default(),
        }
    }
}

/// A mock of the Kaizen Studio API; clones share state.
#[derive(Clone)]
pub struct KaizenMock {
    api: Api,
    faults: Arc<RwLock<FaultPlan>>,
    dice: Arc<Dice>,
    started: Instant,
    in_flight: Arc<AtomicUsize>,
    service: Arc<Mutex<Histogram<u64>>>,
}

/// The mock's own time per request (excluding injected delays), in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceTime {
    pub count: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// Counts a request as in flight until dropped.
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl KaizenMock {
    pub fn new(config: MockConfig) -> KaizenMock {
        let api = Api::new(config.limits);
        api.set_rate_limits(config.rate_limits);
        KaizenMock {
            api,
            faults: Arc::new(RwLock::new(config.faults)),
            dice: Arc::new(Dice::new(config.seed)),
            started: Instant::now(),
            in_flight: Arc::default(),
            service: Arc::new(Mutex::new(
                Histogram::new_with_max(60_000_000, 3).expect("valid histogram bounds"),
            )),
        }
    }

    /// The domain: state, inspection, rate-limit switch.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Replaces the fault plan while running (e.g. inject latency mid-test).
    pub fn set_faults(&self, plan: FaultPlan) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = plan;
    }

    /// Admits a request: counts it in flight and decides its faults.
    pub fn admit(&self, route: RouteKind) -> (Decision, InFlight) {
        let n = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        let guard = InFlight(self.in_flight.clone());
        let plan = self.faults.read().unwrap_or_else(|e| e.into_inner());
        (
            plan.decide(route, self.started.elapsed(), n, self.dice.roll()),
            guard,
        )
    }

    /// The response for a request on `route` (found once, by the transport) under a decision
    /// that is not a reset.
    pub fn respond(&self, route: Route<'_>, req: &ApiRequest<'_>, outcome: Outcome) -> ApiResponse {
        match outcome {
            Outcome::ServerError => crate::domain::error_500("Injected fault"),
            Outcome::Malformed => {
                let mut r = self.api.handle_route(route, req);
                let half = r.body.len() / 2;
                r.body.truncate(half.max(1).min(r.body.len()));
                r.body.push(b'\x01');
                r
            }
            Outcome::Normal | Outcome::Reset => self.api.handle_route(route, req),
        }
    }

    /// Records how long the mock itself took for one request (injected delay excluded).
    pub fn record_service(&self, took: Duration) {
        let us = took.as_micros().min(u128::from(u64::MAX)) as u64;
        self.service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .saturating_record(us.max(1));
    }

    /// The mock's own time per request so far.
    pub fn service_time(&self) -> ServiceTime {
        let h = self.service.lock().unwrap_or_else(|e| e.into_inner());
        ServiceTime {
            count: h.len(),
            p50_us: h.value_at_quantile(0.5),
            p99_us: h.value_at_quantile(0.99),
            max_us: h.max(),
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Default for KaizenMock {
    fn default() -> Self {
        KaizenMock::new(MockConfig::default())
    }
}
