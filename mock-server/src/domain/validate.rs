//! Request-body validation with FastAPI's error details: every problem is reported at once.

use serde_json::{Map, Value};

use super::reply::FieldError;

/// Reads fields from a JSON body and collects what is wrong with them.
pub struct Body {
    obj: Map<String, Value>,
    pub errors: Vec<FieldError>,
}

impl Body {
    /// Parses the body; a missing or non-object body is itself a validation error.
    pub fn parse(raw: &[u8]) -> Result<Body, Vec<FieldError>> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(vec![err("body", "Field required", "missing")]);
        }
        match serde_json::from_slice::<Value>(raw) {
            Ok(Value::Object(obj)) => Ok(Body {
                obj,
                errors: Vec::new(),
            }),
            Ok(_) => Err(vec![err(
                "body",
                "Input should be a valid dictionary",
                "dict_type",
            )]),
            Err(e) => Err(vec![err(
                "body",
                &format!("JSON decode error: {e}"),
                "json_invalid",
            )]),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.obj.values().all(Value::is_null)
    }

    fn problem(&mut self, field: &str, message: &str, kind: &str) {
        self.errors
            .push(err(&format!("body.{field}"), message, kind));
    }

    /// A required string of `min..=max` characters.
    pub fn string(&mut self, field: &str, min: usize, max: usize) -> Option<String> {
        match self.obj.get(field) {
            None | Some(Value::Null) => {
                self.problem(field, "Field required", "missing");
                None
            }
            Some(_) => self.opt_string(field, min, max),
        }
    }

    /// An optional string of `min..=max` characters.
    pub fn opt_string(&mut self, field: &str, min: usize, max: usize) -> Option<String> {
        match self.obj.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n < min {
                    let m = format!(
                        "String should have at least {min} character{}",
                        if min == 1 { "" } else { "s" }
                    );
                    self.problem(field, &m, "string_too_short");
                    None
                } else if n > max {
                    self.problem(
                        field,
                        &format!("String should have at most {max} characters"),
                        "string_too_long",
                    );
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                self.problem(field, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    /// An optional string that must be one of `choices` (a pattern in the real schema).
    pub fn opt_choice(&mut self, field: &str, choices: &[&str]) -> Option<String> {
        let v = self.opt_string(field, 0, 10_000)?;
        if choices.contains(&v.as_str()) {
            Some(v)
        } else {
            let m = format!("String should match pattern '^({})$'", choices.join("|"));
            self.problem(field, &m, "string_pattern_mismatch");
            None
        }
    }

    pub fn choice(&mut self, field: &str, choices: &[&str]) -> Option<String> {
        if matches!(self.obj.get(field), None | Some(Value::Null)) {
            self.problem(field, "Field required", "missing");
            return None;
        }
        self.opt_choice(field, choices)
    }

    /// An email address, checked as loosely as `email-validator` is strict enough for here.
    pub fn email(&mut self, field: &str) -> Option<String> {
        let v = self.string(field, 0, 320)?;
        let valid = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.contains(' ')
            }
            None => false,
        };
        if valid {
            Some(v.to_lowercase())
        } else {
            let why = if v.contains('@') {
                "The part after the @-sign is not valid."
            } else {
                "An email address must have an @-sign."
            };
            self.problem(
                field,
                &format!("value is not a valid email address: {why}"),
                "value_error",
            );
            None
        }
    }

    /// An optional number within `min..=max`.
    pub fn opt_number(&mut self, field: &str, min: f64, max: f64) -> Option<f64> {
        match self.obj.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                if v < min {
                    self.problem(
                        field,
                        &format!("Input should be greater than or equal to {min}"),
                        "greater_than_equal",
                    );
                    None
                } else if v > max {
                    self.problem(
                        field,
                        &format!("Input should be less than or equal to {max}"),
                        "less_than_equal",
                    );
                    None
                } else {
                    Some(v)
                }
            }
            Some(_) => {
                self.problem(field, "Input should be a valid number", "float_type");
                None
            }
        }
    }

    /// An optional integer of at least `min`.
    pub fn opt_int(&mut self, field: &str, min: i64) -> Option<i64> {
        match self.obj.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.is_i64() => {
                let v = n.as_i64().unwrap_or_default();
                if v < min {
                    self.problem(
                        field,
                        &format!("Input should be greater than or equal to {min}"),
                        "greater_than_equal",
                    );
                    None
                } else {
                    Some(v)
                }
            }
            Some(_) => {
                self.problem(field, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    /// Ok when nothing was wrong, else every problem found.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

pub fn err(field: &str, message: &str, kind: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.to_string(),
        kind: kind.to_string(),
    }
}

/// A query parameter's problem (`query.limit`).
pub fn query_err(field: &str, message: &str, kind: &str) -> FieldError {
    err(&format!("query.{field}"), message, kind)
}
