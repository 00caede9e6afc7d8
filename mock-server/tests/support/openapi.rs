//! A small validator for the OpenAPI subset the Kaizen document uses: `$ref`, `type`,
//! `properties`, `required`, `items`, `anyOf`, `enum`, `pattern`-free.

use serde_json::Value;

pub struct Spec {
    pub doc: Value,
}

impl Spec {
    pub fn load() -> Spec {
        let path = super::contract_dir().join("kaizen-studio-openapi.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Spec {
            doc: serde_json::from_str(&text).unwrap(),
        }
    }

    /// The response schema for an operation and status, if the document has one.
    pub fn response_schema(&self, method: &str, template: &str, status: u16) -> Option<&Value> {
        let op = self.doc["paths"]
            .get(template)?
            .get(method.to_lowercase())?;
        let schema = op["responses"].get(status.to_string())?["content"]["application/json"]
            .get("schema")?;
        (schema.as_object().is_some_and(|o| !o.is_empty())).then_some(schema)
    }

    /// Every problem with `value` against `schema`.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or("");
            let target = &self.doc["components"]["schemas"][name];
            return self.validate(target, value, at, problems);
        }
        if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            let ok = options.iter().any(|o| {
                let mut p = Vec::new();
                self.validate(o, value, at, &mut p);
                p.is_empty()
            });
            if !ok {
                problems.push(format!("{at}: {value} matches none of anyOf"));
            }
            return;
        }
        let Some(ty) = schema.get("type").and_then(Value::as_str) else {
            return;
        };
        let fits = match ty {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !fits {
            problems.push(format!("{at}: expected {ty}, got {value}"));
            return;
        }
        if let (Some(props), Some(obj)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let k = req.as_str().unwrap_or("");
                if !obj.contains_key(k) {
                    problems.push(format!("{at}: missing required {k}"));
                }
            }
            for (k, sub) in props {
                if let Some(v) = obj.get(k) {
                    self.validate(sub, v, &format!("{at}.{k}"), problems);
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.validate(items, v, &format!("{at}[{i}]"), problems);
            }
        }
    }
}
