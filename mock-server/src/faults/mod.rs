//! Faults and latency on demand: fixed, uniform or percentile-shaped latency; a fraction of 5xx,
//! connection resets and malformed bodies; periodic stalls; latency that grows with requests in
//! flight (capacity) or with run time (degradation). Global or per route, deterministic per seed.
//!
//! The decision for a request is a pure function of the plan, the route, the time since start,
//! the requests in flight and four uniform draws; the draws come from a counter-based generator
//! seeded once, so a seeded run injects the same faults at the same request numbers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::domain::RouteKind;

/// How long a response waits before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Latency {
    Fixed(Duration),
    Uniform(Duration, Duration),
    /// Points `(percentile, latency)`, interpolated linearly from `(0, 0)`.
    Percentiles(Vec<(f64, Duration)>),
}

impl Latency {
    /// The latency for a uniform draw `u` in `[0, 1)`.
    pub fn sample(&self, u: f64) -> Duration {
        match self {
            Latency::Fixed(d) => *d,
            Latency::Uniform(lo, hi) => *lo + (*hi - *lo).mul_f64(u),
            Latency::Percentiles(points) => {
                let p = u * 100.0;
                let (mut prev_p, mut prev_d) = (0.0, Duration::ZERO);
                for &(pp, d) in points {
                    if p <= pp {
                        let span = pp - prev_p;
                        let f = if span > 0.0 { (p - prev_p) / span } else { 1.0 };
                        return prev_d + (d.saturating_sub(prev_d)).mul_f64(f);
                    }
                    (prev_p, prev_d) = (pp, d);
                }
                prev_d
            }
        }
    }

    /// `20ms`, `fixed:20ms`, `uniform:5ms..50ms` or `p50=10ms,p95=40ms,p99=100ms`.
    pub fn parse(text: &str) -> Result<Latency, String> {
        let t = text.trim();
        if let Some(range) = t.strip_prefix("uniform:") {
            let (lo, hi) = range
                .split_once("..")
                .ok_or_else(|| format!("{text:?}: uniform latency needs MIN..MAX"))?;
            let (lo, hi) = (parse_duration(lo)?, parse_duration(hi)?);
            if hi < lo {
                return Err(format!("{text:?}: uniform latency's MAX is below its MIN"));
            }
            return Ok(Latency::Uniform(lo, hi));
        }
        if t.starts_with('p') {
            let mut points = Vec::new();
            for part in t.split(',') {
                let (p, d) = part
                    .trim()
                    .split_once('=')
                    .ok_or_else(|| format!("{text:?}: expected pNN=DURATION"))?;
                let p: f64 = p
                    .trim_start_matches('p')
                    .parse()
                    .map_err(|_| format!("{text:?}: {p:?} is not a percentile"))?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(format!("{text:?}: percentile {p} is outside 0..=100"));
                }
                points.push((p, parse_duration(d)?));
            }
            if points
                .windows(2)
                .any(|w| w[1].0 <= w[0].0 || w[1].1 < w[0].1)
            {
                return Err(format!(
                    "{text:?}: percentiles and latencies must both increase"
                ));
            }
            return Ok(Latency::Percentiles(points));
        }
        Ok(Latency::Fixed(parse_duration(
            t.strip_prefix("fixed:").unwrap_or(t),
        )?))
    }
}

/// The server freezes for `freeze` at the end of every `every`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stall {
    pub every: Duration,
    pub freeze: Duration,
}

impl Stall {
    /// `1s/10s`: freeze 1 s in every 10 s.
    pub fn parse(text: &str) -> Result<Stall, String> {
        let (f, e) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: a stall is FREEZE/EVERY, e.g. 1s/10s"))?;
        let (freeze, every) = (parse_duration(f)?, parse_duration(e)?);
        if every.is_zero() || freeze >= every {
            return Err(format!("{text:?}: FREEZE must be shorter than EVERY"));
        }
        Ok(Stall { every, freeze })
    }

    /// How long a request arriving at `t` waits for the stall to end.
    pub fn delay_at(&self, t: Duration) -> Duration {
        let phase = Duration::from_nanos((t.as_nanos() % self.every.as_nanos()) as u64);
        let start = self.every - self.freeze;
        if phase >= start {
            self.every - phase
        } else {
            Duration::ZERO
        }
    }
}

/// Each request in flight beyond `slots` adds `cost` to every response: a breaking point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    pub slots: usize,
    pub cost: Duration,
}

impl Capacity {
    /// `50:2ms`: 50 requests at once are free, each one more adds 2 ms.
    pub fn parse(text: &str) -> Result<Capacity, String> {
        let (s, c) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?}: capacity is SLOTS:COST, e.g. 50:2ms"))?;
        let slots = s
            .trim()
            .parse()
            .map_err(|_| format!("{text:?}: {s:?} is not a number of slots"))?;
        Ok(Capacity {
            slots,
            cost: parse_duration(c)?,
        })
    }

    pub fn delay_with(&self, in_flight: usize) -> Duration {
        self.cost * in_flight.saturating_sub(self.slots) as u32
    }
}

/// The configurable faults; `None` fields fall back to the global plan (for route overrides).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub latency: Option<Latency>,
    pub error_rate: Option<f64>,
    pub reset_rate: Option<f64>,
    pub malformed_rate: Option<f64>,
    pub stall: Option<Stall>,
    pub capacity: Option<Capacity>,
    /// Added latency per minute of run time.
    pub degradation: Option<Duration>,
}

impl Faults {
    fn or(&self, base: &Faults) -> Faults {
        Faults {
            latency: self.latency.clone().or_else(|| base.latency.clone()),
            error_rate: self.error_rate.or(base.error_rate),
            reset_rate: self.reset_rate.or(base.reset_rate),
            malformed_rate: self.malformed_rate.or(base.malformed_rate),
            stall: self.stall.or(base.stall),
            capacity: self.capacity.or(base.capacity),
            degradation: self.degradation.or(base.degradation),
        }
    }

    /// Problems with the rates (each in 0..=1, together at most 1).
    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let rates = [
            ("error rate", self.error_rate),
            ("reset rate", self.reset_rate),
            ("malformed rate", self.malformed_rate),
        ];
        for (name, r) in rates {
            if let Some(r) = r
                && !(0.0..=1.0).contains(&r)
            {
                errors.push(format!("{name} {r} is outside 0..=1"));
            }
        }
        let total: f64 = rates.iter().filter_map(|(_, r)| *r).sum();
        if total > 1.0 + 1e-9 {
            errors.push(format!(
                "error, reset and malformed rates add up to {total}, above 1"
            ));
        }
        errors
    }

    /// Parses a route override, `METHOD /path=SETTINGS` with the route as its template (e.g.
    /// `GET /api/v1/agents/{id}=errors:0.5`) and settings as [`Faults::parse_settings`] reads them.
    pub fn parse_override(text: &str) -> Result<(RouteKind, Faults), String> {
        let (route, settings) = text
            .split_once('=')
            .ok_or_else(|| format!("{text:?}: expected 'METHOD /path=key:value;...'"))?;
        let route = RouteKind::from_template(route).map_err(|e| e.to_string())?;
        Ok((route, Faults::parse_settings(settings)?))
    }

    /// Parses a route override's settings: `latency:50ms;errors:0.1;resets:0.01;malformed:0.01`.
    pub fn parse_settings(text: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for part in text.split(';').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once(':')
                .ok_or_else(|| format!("{part:?}: expected KEY:VALUE"))?;
            let rate = |v: &str| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{part:?}: {v:?} is not a number"))
            };
            match k.trim() {
                "latency" => f.latency = Some(Latency::parse(v)?),
                "errors" => f.error_rate = Some(rate(v)?),
                "resets" => f.reset_rate = Some(rate(v)?),
                "malformed" => f.malformed_rate = Some(rate(v)?),
                "stall" => f.stall = Some(Stall::parse(v)?),
                "capacity" => f.capacity = Some(Capacity::parse(v)?),
                "degrade" => f.degradation = Some(parse_per_minute(v)?),
                other => {
                    return Err(format!(
                        "{part:?}: unknown setting {other:?} (latency, errors, resets, malformed, stall, capacity, degrade)"
                    ));
                }
            }
        }
        Ok(f)
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Normal,
    /// A 500 with the real error envelope.
    ServerError,
    /// The connection is closed without a response.
    Reset,
    /// The body is cut in half: not valid JSON.
    Malformed,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub delay: Duration,
    pub outcome: Outcome,
}

/// Global faults plus per-route overrides (by route; written as its template, e.g.
/// `GET /api/v1/agents`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    pub global: Faults,
    pub routes: Vec<(RouteKind, Faults)>,
}

impl FaultPlan {
    pub fn none() -> FaultPlan {
        FaultPlan::default()
    }

    /// The faults in force for a route.
    pub fn for_route(&self, route: RouteKind) -> Faults {
        match self.routes.iter().find(|(r, _)| *r == route) {
            Some((_, f)) => f.or(&self.global),
            None => self.global.clone(),
        }
    }

    /// Decides one request's fate; `draws` are uniform in `[0, 1)`.
    pub fn decide(
        &self,
        route: RouteKind,
        since_start: Duration,
        in_flight: usize,
        draws: [f64; 2],
    ) -> Decision {
        let f = self.for_route(route);
        let mut delay = f
            .latency
            .as_ref()
            .map_or(Duration::ZERO, |l| l.sample(draws[1]));
        if let Some(s) = f.stall {
            delay += s.delay_at(since_start);
        }
        if let Some(c) = f.capacity {
            delay += c.delay_with(in_flight);
        }
        if let Some(per_min) = f.degradation {
            let grown = per_min.as_secs_f64() * since_start.as_secs_f64() / 60.0;
            delay += Duration::try_from_secs_f64(grown).unwrap_or(MAX_FAULT_DURATION);
        }
        let (e, r, m) = (
            f.error_rate.unwrap_or(0.0),
            f.reset_rate.unwrap_or(0.0),
            f.malformed_rate.unwrap_or(0.0),
        );
        let u = draws[0];
        let outcome = if u < e {
            Outcome::ServerError
        } else if u < e + r {
            Outcome::Reset
        } else if u < e + r + m {
            Outcome::Malformed
        } else {
            Outcome::Normal
        };
        Decision { delay, outcome }
    }

    pub fn validate(&self) -> Vec<String> {
        let mut errors = self.global.validate();
        for (route, f) in &self.routes {
            errors.extend(
                f.validate()
                    .into_iter()
                    .map(|e| format!("route {route}: {e}")),
            );
        }
        errors
    }
}

/// A seeded, lock-free source of uniform draws: request `n` always gets the same draws.
#[derive(Debug)]
pub struct Dice {
    seed: u64,
    next: AtomicU64,
}

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice {
            seed,
            next: AtomicU64::new(0),
        }
    }

    pub fn roll(&self) -> [f64; 2] {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        [
            unit(splitmix(self.seed ^ n.wrapping_mul(2))),
            unit(splitmix(self.seed ^ n.wrapping_mul(2).wrapping_add(1))),
        ]
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The longest duration a fault may name: beyond an hour it is a typo, not a test.
pub const MAX_FAULT_DURATION: Duration = Duration::from_secs(3600);

/// `250us`, `20ms`, `1.5s`, `2m`; at most [`MAX_FAULT_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 20ms, 1.5s)"))?;
    let secs = match unit {
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" | "min" => v * 60.0,
        "" if v == 0.0 => 0.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (us, ms, s, m)")),
    };
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if d <= MAX_FAULT_DURATION => Ok(d),
        _ => Err(format!("{text:?} is longer than an hour")),
    }
}

/// `5ms/min` or `5ms`: latency added per minute of run time.
pub fn parse_per_minute(text: &str) -> Result<Duration, String> {
    parse_duration(text.trim().trim_end_matches("/min").trim_end_matches("/m"))
}

#[cfg(test)]
mod tests;
