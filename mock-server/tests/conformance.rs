//! Conformance: replays every exchange in `contract/recorded-exchanges.json` against the mock
//! over HTTP, in order, and checks the same status, a body of the same shape, and (for 2xx) the
//! OpenAPI response schema. Recorded ids and tokens are mapped to the mock's as they appear.

mod support;

use std::collections::HashMap;

use mock_server::MockConfig;
use serde_json::Value;
use support::{Client, contract_dir, openapi::Spec, same_shape, start};

/// Learns recorded→live values for ids and tokens found at the same place in both bodies.
fn learn(recorded: &Value, live: &Value, map: &mut HashMap<String, String>) {
    match (recorded, live) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    learn(v, w, map);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (v, w) in a.iter().zip(b) {
                learn(v, w, map);
            }
        }
        (Value::String(a), Value::String(b)) if a != b && a.len() >= 20 && !a.contains(' ') => {
            map.entry(a.clone()).or_insert_with(|| b.clone());
        }
        _ => {}
    }
}

fn substitute(text: &str, map: &HashMap<String, String>) -> String {
    let mut out = text.to_string();
    for (from, to) in map {
        if out.contains(from.as_str()) {
            out = out.replace(from.as_str(), to);
        }
    }
    out
}

fn substitute_json(v: &Value, map: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(substitute(s, map)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_json(x, map)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute_json(x, map)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The OpenAPI path template of a concrete path.
fn template(path: &str) -> String {
    use mock_server::domain::Route;
    let route = match Route::of("GET", path) {
        Route::Unknown => Route::of("POST", path),
        route => route,
    };
    let t = route.template().split_once(' ').map_or(path, |(_, t)| t);
    t.replace("agents/{id}", "agents/{agent_id}")
        .replace("pipelines/{id}", "pipelines/{pipeline_id}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_exchange_gets_the_same_status_and_shape() {
    let text = std::fs::read_to_string(contract_dir().join("recorded-exchanges.json")).unwrap();
    let exchanges: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(exchanges.len() >= 60, "expected the full recording");
    let spec = Spec::load();
    let server = start(MockConfig::default());
    let client = Client::new(&server);
    let mut map = HashMap::new();
    let (mut current, mut previous): (Option<String>, Option<String>) = (None, None);
    let mut problems = Vec::new();

    for (i, ex) in exchanges.iter().enumerate() {
        let method = ex["method"].as_str().unwrap();
        let note = ex["note"].as_str().unwrap_or("");
        let mut path = substitute(ex["path"].as_str().unwrap(), &map);
        if let Some(params) = ex["params"].as_object() {
            let q: Vec<String> = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        substitute(
                            &v.as_str().map_or_else(|| v.to_string(), str::to_string),
                            &map
                        )
                    )
                })
                .collect();
            path = format!("{path}?{}", q.join("&"));
        }
        let body = (!ex["body"].is_null()).then(|| substitute_json(&ex["body"], &map));
        let public = [
            "/health",
            "/",
            "/metrics",
            "/api/v1/auth/register",
            "/api/v1/auth/login",
            "/api/v1/auth/refresh",
        ];
        let token = match note {
            "no token" | "x-user-id header bypass" | "logout without Authorization header" => None,
            "bad token" | "logout with garbage token" => Some("garbage-token".to_string()),
            "OLD access token after refresh" => previous.clone(),
            _ if public.contains(&ex["path"].as_str().unwrap()) => None,
            _ => current.clone(),
        };
        let (status, got) = client.call(method, &path, token.as_deref(), body).await;
        let want_status = ex["status"].as_u64().unwrap() as u16;
        let label = format!("#{i} {method} {} ({note})", ex["path"].as_str().unwrap());
        if status != want_status {
            problems.push(format!(
                "{label}: status {status}, recorded {want_status}: {got}"
            ));
            continue;
        }
        let sample = &ex["sample"];
        if !(sample.is_string() && got.is_string())
            && let Err(e) = same_shape(sample, &got, "body")
        {
            problems.push(format!("{label}: {e}"));
        }
        if (200..300).contains(&status)
            && let Some(schema) =
                spec.response_schema(method, &template(ex["path"].as_str().unwrap()), status)
        {
            let mut p = Vec::new();
            spec.validate(schema, &got, "body", &mut p);
            problems.extend(p.into_iter().map(|e| format!("{label}: schema: {e}")));
        }
        learn(sample, &got, &mut map);
        let new_token = got
            .get("access_token")
            .or_else(|| got.get("tokens").and_then(|t| t.get("access_token")));
        if let (true, Some(t)) = (
            (200..300).contains(&status),
            new_token.and_then(Value::as_str),
        ) {
            previous = current.replace(t.to_string());
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} exchanges differ:\n{}",
        problems.len(),
        exchanges.len(),
        problems.join("\n")
    );
}
