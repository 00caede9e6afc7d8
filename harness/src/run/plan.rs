//! Validation: every option, scenario and threshold checked at once, every input parsed once,
//! into a [`Plan`] the run uses as it is.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use super::Test;
use crate::engine::{ConnectionModel, extra_roots};
use crate::metrics::{MetricKind, builtin_kind};
use crate::scenario::Schedule;
use crate::segment::Segment;
use crate::threshold::{self, Compiled};
use crate::{Error, settings};

/// A validated test: every input parsed, every duration already time-scaled.
#[derive(Clone)]
pub struct Plan {
    /// The factor every duration and stage was multiplied by.
    pub time_scale: f64,
    /// The parsed base URL.
    pub base_url: Option<url::Url>,
    /// The compiled thresholds.
    pub thresholds: Vec<Compiled>,
    /// The scenarios' schedules, time-scaled, in the order they were added.
    pub scenarios: Vec<Schedule>,
    /// When the last scenario's executor ends (before graceful stops).
    pub duration: Duration,
    /// The share of the test this instance runs; its scenarios are already cut to it.
    pub segment: Segment,
    /// A hash of the whole test's plan (every scenario before the cut, thresholds, time
    /// scale): the segments of one run share it, and the merge refuses parts that do not.
    pub fingerprint: String,
    pub(crate) tls_roots: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("time_scale", &self.time_scale)
            .field("base_url", &self.base_url.as_ref().map(url::Url::as_str))
            .field("thresholds", &self.thresholds)
            .field(
                "scenarios",
                &self
                    .scenarios
                    .iter()
                    .map(Schedule::name)
                    .collect::<Vec<_>>(),
            )
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

fn general(reason: impl Into<String>) -> Error {
    Error::Scenario {
        scenario: String::new(),
        reason: reason.into(),
    }
}

pub(super) fn validate<D>(t: &Test<D>) -> Result<Plan, Error> {
    let mut errors = Vec::new();
    let mut scale = t.options.time_scale.unwrap_or(1.0);
    if let Some(reason) = settings::time_scale_problem(scale) {
        errors.push(general(format!("time scale {scale}: {reason}")));
        // The rest is checked at full length, so every other problem is still named.
        scale = 1.0;
    }
    if t.scenarios.is_empty() {
        errors.push(general("the test has no scenario"));
    }
    if t.options.hook_order_error {
        errors.push(general(
            "teardown was given before setup: give Test::setup first, then Test::teardown",
        ));
    }
    let mut seen = HashSet::new();
    for s in t.scenarios.iter().map(|s| &s.schedule) {
        let problem = |reason: String| Error::Scenario {
            scenario: s.name.clone(),
            reason,
        };
        if s.name.trim().is_empty() {
            errors.push(problem("a scenario needs a name".into()));
        }
        if !seen.insert(s.name.clone()) {
            errors.push(problem("two scenarios have this name".into()));
        }
        errors.extend(s.executor.validate().into_iter().map(problem));
    }
    if let ConnectionModel::Shared { max_connections: 0 } = t.options.connections {
        errors.push(general(
            "ConnectionModel::Shared needs max_connections of at least 1",
        ));
    }
    for (what, d) in [
        ("http_timeout", t.options.http_timeout),
        ("setup_timeout", t.options.setup_timeout),
        ("teardown_timeout", t.options.teardown_timeout),
    ] {
        if d.is_zero() {
            errors.push(general(format!("{what} must be longer than 0")));
        }
    }
    if t.options.max_body_bytes == 0 {
        errors.push(general("max_body_bytes must be at least 1"));
    }
    let base_url = match &t.options.base_url {
        None => None,
        Some(url) => match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            _ => {
                errors.push(general(format!(
                    "base URL {url:?} must be an http:// or https:// URL"
                )));
                None
            }
        },
    };
    let tls_roots = extra_roots(&t.options.tls_roots)
        .map_err(|reason| errors.push(general(reason)))
        .unwrap_or_default();
    let mut declared: BTreeMap<&str, MetricKind> = BTreeMap::new();
    for &(name, kind) in &t.options.metrics {
        let first = builtin_kind(name).or_else(|| declared.get(name).copied());
        match first {
            Some(k) if k != kind => errors.push(Error::Metric {
                metric: name.to_string(),
                reason: format!(
                    "declared as a {} but it is {} {}",
                    kind.as_str(),
                    if builtin_kind(name).is_some() {
                        "a built-in"
                    } else {
                        "also declared as a"
                    },
                    k.as_str()
                ),
            }),
            _ => {
                declared.insert(name, kind);
            }
        }
    }
    let kind_of = |name: &str| builtin_kind(name).or_else(|| declared.get(name).copied());
    let mut thresholds = Vec::new();
    for (metric, th) in &t.options.thresholds {
        match threshold::compile(metric, th, kind_of) {
            Ok(c) => thresholds.push(c),
            Err(e) => errors.push(e),
        }
    }
    let thresholds = threshold::dedupe(thresholds);
    let mut scenarios: Vec<Schedule> = t
        .scenarios
        .iter()
        .map(|s| s.schedule.scaled(scale))
        .collect();
    let fingerprint = fingerprint(&scenarios, &t.options.thresholds, scale);
    for s in &mut scenarios {
        match s.executor.segment(t.options.segment) {
            Ok(e) => s.executor = e,
            Err(reason) => errors.push(Error::Scenario {
                scenario: s.name.clone(),
                reason: format!("segment {}: {reason}", t.options.segment),
            }),
        }
    }
    Error::all(errors)?;
    let duration = scenarios
        .iter()
        .map(|s| s.start_time + s.executor.duration())
        .max()
        .unwrap_or_default();
    Ok(Plan {
        time_scale: scale,
        base_url,
        thresholds,
        scenarios,
        duration,
        segment: t.options.segment,
        fingerprint,
        tls_roots,
    })
}

/// FNV-1a over the whole plan's description: stable across machines and runs of one build.
fn fingerprint(
    scenarios: &[Schedule],
    thresholds: &[(String, threshold::Threshold)],
    scale: f64,
) -> String {
    let text = format!(
        "harness {} | scale {scale} | {scenarios:?} | {thresholds:?}",
        env!("CARGO_PKG_VERSION")
    );
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}
