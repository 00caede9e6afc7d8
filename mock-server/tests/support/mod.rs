//! Shared test helpers: a running mock, a plain HTTP client, JSON shape comparison and a small
//! OpenAPI schema validator.

#![allow(dead_code)]

pub mod openapi;

use mock_server::{KaizenMock, MockConfig, RunningMock};
use serde_json::{Value, json};

pub fn start(config: MockConfig) -> RunningMock {
    RunningMock::start(KaizenMock::new(config), "127.0.0.1:0".parse().unwrap(), 1).unwrap()
}

/// The recorded contract of the real API, kept in the repository (see `contract/README.md`).
pub fn contract_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contract")
}

/// A thin client for tests: JSON in, (status, JSON) out.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(server: &RunningMock) -> Client {
        Client {
            base: server.url(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Registers a user and creates a workspace: (access token, org id, workspace id).
    pub async fn tenant(&self, tag: &str) -> (String, String, String) {
        let email = format!("{tag}-{}@example.com", uuid_like());
        let (s, reg) = self
            .call("POST", "/api/v1/auth/register", None, Some(json!({"email": email, "password": "Passw0rd!23", "name": "T", "organization_name": tag})))
            .await;
        assert_eq!(s, 201, "{reg}");
        let token = reg["tokens"]["access_token"].as_str().unwrap().to_string();
        let org = reg["user"]["organization_id"].as_str().unwrap().to_string();
        let (s, ws) = self
            .call(
                "POST",
                "/api/v1/workspaces",
                Some(&token),
                Some(json!({"name": "ws"})),
            )
            .await;
        assert_eq!(s, 201, "{ws}");
        (token, org, ws["id"].as_str().unwrap().to_string())
    }
}

pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether two JSON values have the same shape: same types, same object keys, and (for arrays
/// with elements on both sides) elements of the same shape. Numbers are one type.
pub fn same_shape(want: &Value, got: &Value, at: &str) -> Result<(), String> {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
            let mut ka = ka;
            let mut kb = kb;
            ka.sort();
            kb.sort();
            if ka != kb {
                return Err(format!("{at}: keys differ: recorded {ka:?}, mock {kb:?}"));
            }
            for (k, v) in a {
                same_shape(v, &b[k], &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) => match (a.first(), b.first()) {
            (Some(x), Some(y)) => same_shape(x, y, &format!("{at}[0]")),
            _ => Ok(()),
        },
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => Ok(()),
        _ => Err(format!("{at}: recorded {want}, mock {got}")),
    }
}
