//! The threshold grammar, after k6's `metrics/thresholds_parser.go`.
//!
//! ```text
//! assertion   := aggregation ws* operator ws* number
//! aggregation := "avg" | "min" | "max" | "med" | "count" | "rate" | "value" | "p(" number ")"
//! operator    := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//! selector    := metric_name [ "{" tag ":" value { "," tag ":" value } "}" ]
//! ```
//! Percentiles lie in 0..=100. Every error quotes the input.

use std::fmt;

pub use crate::metrics::Aggregation;

/// A comparison operator; `===` behaves as `==`, as in k6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    StrictEq,
    Ne,
}

impl Operator {
    /// Applies the comparison `observed OP limit`.
    pub fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Operator::Lt => observed < limit,
            Operator::Le => observed <= limit,
            Operator::Gt => observed > limit,
            Operator::Ge => observed >= limit,
            Operator::Eq | Operator::StrictEq => observed == limit,
            Operator::Ne => observed != limit,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Eq => "==",
            Operator::StrictEq => "===",
            Operator::Ne => "!=",
        }
    }
}

impl Operator {
    /// Whether `a` is further from holding than `b` (a larger value under `<`, a smaller one
    /// under `>`); for equality operators, whether `a` is further from the limit is unknown:
    /// false.
    pub fn worse(self, a: f64, b: f64) -> bool {
        match self {
            Operator::Lt | Operator::Le => a > b,
            Operator::Gt | Operator::Ge => a < b,
            Operator::Eq | Operator::StrictEq | Operator::Ne => false,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parsed assertion such as `p(95)<200`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub aggregation: Aggregation,
    pub operator: Operator,
    pub value: f64,
    /// A windowed threshold (`p(95)<500 over 30s`): the condition must hold in every window
    /// of this many seconds, not only over the whole run.
    pub over: Option<u64>,
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.aggregation, self.operator, self.value)?;
        match self.over {
            Some(s) => write!(f, " over {s}s"),
            None => Ok(()),
        }
    }
}

/// Parses an assertion; the error is the reason, to be quoted with the input by the caller.
pub fn parse_expression(input: &str) -> Result<Expression, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("empty expression".into());
    }
    let (text, over) = match text.split_once(" over ") {
        Some((cond, window)) => (cond.trim_end(), Some(parse_window(window.trim())?)),
        None => (text, None),
    };
    let (left, operator, right) = split_operator(text)?;
    let aggregation = parse_aggregation(left.trim())?;
    let value_text = right.trim();
    if value_text.is_empty() {
        return Err(format!("no value after operator {operator:?}"));
    }
    let value =
        parse_number(value_text).ok_or_else(|| format!("value {value_text:?} is not a number"))?;
    Ok(Expression {
        aggregation,
        operator,
        value,
        over,
    })
}

/// A window length in whole seconds: `30s`, `5m`, `1h` (at least 1 s, at most a day).
fn parse_window(text: &str) -> Result<u64, String> {
    let bad = || format!("window {text:?} is not a duration such as 30s, 5m or 1h");
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(bad()),
    };
    if !(1..=86_400).contains(&seconds) {
        return Err(format!("window {text:?} must be from 1s to 24h"));
    }
    Ok(seconds)
}

/// Finds the first operator outside the percentile's parentheses.
fn split_operator(text: &str) -> Result<(&str, Operator, &str), String> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'<' | b'>' | b'=' | b'!' if depth == 0 => {
                let rest = &text[i..];
                let (op, len) = if rest.starts_with("===") {
                    (Operator::StrictEq, 3)
                } else if rest.starts_with("==") {
                    (Operator::Eq, 2)
                } else if rest.starts_with("!=") {
                    (Operator::Ne, 2)
                } else if rest.starts_with("<=") {
                    (Operator::Le, 2)
                } else if rest.starts_with(">=") {
                    (Operator::Ge, 2)
                } else if rest.starts_with('<') {
                    (Operator::Lt, 1)
                } else if rest.starts_with('>') {
                    (Operator::Gt, 1)
                } else {
                    return Err(format!("malformed operator at {:?}", rest));
                };
                return Ok((&text[..i], op, &text[i + len..]));
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced parentheses".into());
    }
    Err("no operator found (expected one of < <= > >= == === !=)".into())
}

fn parse_aggregation(text: &str) -> Result<Aggregation, String> {
    match text {
        "avg" => return Ok(Aggregation::Avg),
        "min" => return Ok(Aggregation::Min),
        "med" => return Ok(Aggregation::Med),
        "max" => return Ok(Aggregation::Max),
        "count" => return Ok(Aggregation::Count),
        "rate" => return Ok(Aggregation::Rate),
        "value" => return Ok(Aggregation::Value),
        "" => return Err("no aggregation method before the operator".into()),
        _ => {}
    }
    let Some(inner) = text.strip_prefix("p(").and_then(|t| t.strip_suffix(')')) else {
        return Err(format!(
            "unknown aggregation method {text:?} (expected avg, min, med, max, p(N), count, rate or value)"
        ));
    };
    let inner = inner.trim();
    if inner.is_empty() {
        return Err("percentile p() has no value".into());
    }
    let p = parse_number(inner).ok_or_else(|| format!("percentile {inner:?} is not a number"))?;
    if !(0.0..=100.0).contains(&p) {
        return Err(format!("percentile {inner} is outside 0..=100"));
    }
    Ok(Aggregation::Percentile(p))
}

fn parse_number(text: &str) -> Option<f64> {
    // Rust also accepts "inf" and "NaN"; a threshold limit must be a finite number.
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    let value: f64 = text.parse().ok()?;
    (looks_numeric && value.is_finite()).then_some(value)
}

/// A metric name with an optional tag filter, as in `http_req_duration{name:GET /health}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    pub metric: String,
    pub tags: Vec<(String, String)>,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.metric)?;
        if !self.tags.is_empty() {
            f.write_str("{")?;
            for (i, (k, v)) in self.tags.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}:{v}")?;
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}

/// Parses `metric` or `metric{tag:value,...}`.
pub fn parse_selector(input: &str) -> Result<Selector, String> {
    let text = input.trim();
    let (metric, tags_text) = match text.find('{') {
        None => (text, None),
        Some(open) => {
            let Some(body) = text[open + 1..].strip_suffix('}') else {
                return Err("tag filter opened with '{' but not closed with '}'".into());
            };
            (&text[..open], Some(body))
        }
    };
    let metric = metric.trim();
    if metric.is_empty() {
        return Err("no metric name".into());
    }
    if !metric
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        return Err(format!(
            "metric name {metric:?} has characters other than letters, digits, _ . -"
        ));
    }
    let mut tags = Vec::new();
    if let Some(body) = tags_text {
        if body.trim().is_empty() {
            return Err("empty tag filter {}".into());
        }
        for pair in body.split(',') {
            let Some((k, v)) = pair.split_once(':') else {
                return Err(format!("tag filter {pair:?} is not key:value"));
            };
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() {
                return Err(format!("tag filter {pair:?} has an empty key"));
            }
            tags.push((k.to_string(), v.to_string()));
        }
        tags.sort();
    }
    Ok(Selector {
        metric: metric.to_string(),
        tags,
    })
}

/// Serialised as written, e.g. `"p(95)<200"`.
impl serde::Serialize for Expression {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Serialised as written, e.g. `"http_req_duration{name:GET /health}"`.
impl serde::Serialize for Selector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read back from what [`Expression`]'s `Serialize` wrote, parsed as any input is.
impl<'de> serde::Deserialize<'de> for Expression {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_expression(&text)
            .map_err(|e| serde::de::Error::custom(format!("expression {text:?}: {e}")))
    }
}

/// Read back from what [`Selector`]'s `Serialize` wrote, parsed as any input is.
impl<'de> serde::Deserialize<'de> for Selector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_selector(&text)
            .map_err(|e| serde::de::Error::custom(format!("selector {text:?}: {e}")))
    }
}
