//! Settings read from the environment, validated with the input quoted.

use crate::Error;

/// The variable that scales every stage and duration (not think times).
pub const TIME_SCALE_VAR: &str = "LOADTEST_TIME_SCALE";
/// Set to `0` to turn the live progress line off.
pub const PROGRESS_VAR: &str = "LOADTEST_PROGRESS";

/// Parses a time scale: a finite number above 0 (1 = real time, 0.05 = twenty times faster).
pub fn parse_time_scale(value: &str) -> Result<f64, Error> {
    let err = |reason: &str| Error::Env {
        var: TIME_SCALE_VAR,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let v: f64 = value.trim().parse().map_err(|_| err("not a number"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(err("must be a number above 0, such as 0.05 or 1"));
    }
    if v > 100.0 {
        return Err(err("must be at most 100"));
    }
    Ok(v)
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
