//! Settings read from the environment, validated with the input quoted. Only the edges call
//! the `*_from_env` functions ([`crate::console::Console::from_env`], a program's `main`); the
//! engine takes values.

use crate::Error;

/// The variable that scales every stage and duration (not think times).
pub const TIME_SCALE_VAR: &str = "LOADTEST_TIME_SCALE";
/// Set to `0` to turn the live progress line off.
pub const PROGRESS_VAR: &str = "LOADTEST_PROGRESS";

/// `host:port` to serve Prometheus metrics on while a run goes (e.g. `127.0.0.1:9464`).
pub const PROMETHEUS_LISTEN_VAR: &str = "LOADTEST_PROMETHEUS_LISTEN";
/// How long, at most, the Prometheus endpoint stays up after a run for a last scrape (seconds).
pub const PROMETHEUS_LINGER_VAR: &str = "LOADTEST_PROMETHEUS_LINGER";

/// Where to serve Prometheus metrics, from `LOADTEST_PROMETHEUS_LISTEN`; `None` when unset.
pub fn prometheus_listen_from_env() -> Result<Option<std::net::SocketAddr>, Error> {
    match std::env::var(PROMETHEUS_LISTEN_VAR) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some).map_err(|_| Error::Env {
            var: PROMETHEUS_LISTEN_VAR,
            value: v,
            reason: "must be an address and port, such as 127.0.0.1:9464".into(),
        }),
        _ => Ok(None),
    }
}

/// How long the Prometheus endpoint waits after a run for its last scrape: 15 s (Prometheus's
/// default scrape interval) unless `LOADTEST_PROMETHEUS_LINGER` says otherwise.
pub fn prometheus_linger_from_env() -> Result<std::time::Duration, Error> {
    match std::env::var(PROMETHEUS_LINGER_VAR) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (0.0..=3600.0).contains(s))
            .map(std::time::Duration::from_secs_f64)
            .ok_or_else(|| Error::Env {
                var: PROMETHEUS_LINGER_VAR,
                value: v,
                reason: "must be a number of seconds from 0 to 3600".into(),
            }),
        _ => Ok(std::time::Duration::from_secs(15)),
    }
}

/// Parses a time scale as written: a finite number above 0 (1 = real time, 0.05 = twenty times
/// faster), at most 100.
pub fn parse_time_scale(value: &str) -> Result<f64, Error> {
    let err = |reason: &str| Error::Env {
        var: TIME_SCALE_VAR,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let v: f64 = value.trim().parse().map_err(|_| err("not a number"))?;
    time_scale_problem(v).map_or(Ok(v), |reason| Err(err(reason)))
}

/// What is wrong with a time scale given as a number, if anything.
pub fn time_scale_problem(v: f64) -> Option<&'static str> {
    if !v.is_finite() || v <= 0.0 {
        Some("must be a number above 0, such as 0.05 or 1")
    } else if v > 100.0 {
        Some("must be at most 100")
    } else {
        None
    }
}

/// The time scale from `LOADTEST_TIME_SCALE`, 1 when unset.
pub fn time_scale_from_env() -> Result<f64, Error> {
    match std::env::var(TIME_SCALE_VAR) {
        Ok(v) if !v.trim().is_empty() => parse_time_scale(&v),
        _ => Ok(1.0),
    }
}

/// Whether live progress is wanted: on unless `LOADTEST_PROGRESS=0`.
pub fn progress_from_env() -> bool {
    !matches!(
        std::env::var(PROGRESS_VAR).as_deref(),
        Ok("0") | Ok("false") | Ok("off")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_scale_accepts_positive_numbers_and_quotes_bad_input() {
        assert_eq!(parse_time_scale("0.05").unwrap(), 0.05);
        assert_eq!(parse_time_scale(" 1 ").unwrap(), 1.0);
        for bad in ["0", "-1", "abc", "NaN", "inf", "1000"] {
            let e = parse_time_scale(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }
}
