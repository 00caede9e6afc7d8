//! Auth: register, login, me, refresh (rotation) and logout (revocation).

use serde_json::json;

use super::api::{Api, new_id, new_token};
use super::model::{Tokens, User, now_iso};
use super::ratelimit::Limited;
use super::reply::{self, ApiResponse};
use super::request::ApiRequest;
use super::validate::Body;

/// The bearer token of a request, or the 401 the real server sends.
pub(crate) fn bearer<'a>(req: &ApiRequest<'a>) -> Result<&'a str, ApiResponse> {
    let header = req
        .authorization
        .ok_or_else(|| reply::unauthorized("Not authenticated"))?;
    let (scheme, token) = header
        .split_once(' ')
        .ok_or_else(|| reply::unauthorized("Not authenticated"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(reply::unauthorized("Not authenticated"));
    }
    Ok(token.trim())
}

/// The caller: (user id, organisation id), or 401.
pub(crate) fn caller(api: &Api, req: &ApiRequest<'_>) -> Result<(String, String), ApiResponse> {
    let token = bearer(req)?;
    let store = api.read();
    let user = store
        .user_of(token)
        .ok_or_else(|| reply::unauthorized("Invalid or expired token"))?;
    Ok((user.id.clone(), user.organization_id.clone()))
}

fn issue(api: &Api, user_id: &str) -> Tokens {
    let tokens = Tokens {
        access_token: new_token("ks_at_"),
        refresh_token: new_token("ks_rt_"),
        token_type: "bearer",
        expires_in: api.read().limits.token_lifetime.as_secs(),
    };
    api.write().issue(
        tokens.access_token.clone(),
        tokens.refresh_token.clone(),
        user_id,
    );
    tokens
}

pub(super) fn register(api: &Api, req: &ApiRequest<'_>) -> ApiResponse {
    if let Some(limited) = api.rate_limit(req, Limited::Register) {
        return limited;
    }
    let mut body = match Body::parse(req.body) {
        Ok(b) => b,
        Err(e) => return reply::validation(e),
    };
    let email = body.email("email");
    let password = body.string("password", 8, 1_000);
    let name = body.string("name", 1, 100);
    let org_name = body.string("organization_name", 1, 100);
    if let Err(e) = body.finish() {
        return reply::validation(e);
    }
    let (email, password, name, _org) = (
        email.unwrap_or_default(),
        password.unwrap_or_default(),
        name.unwrap_or_default(),
        org_name,
    );
    let user = {
        let mut store = api.write();
        if store.user_by_email.contains_key(&email) {
            return reply::error(409, "CONFLICT", "Email already registered");
        }
        let user = User {
            id: new_id(),
            email: email.clone(),
            password,
            name,
            organization_id: new_id(),
            created_at: now_iso(),
            last_login_at: None,
        };
        store.user_by_email.insert(email, user.id.clone());
        store.users.insert(user.id.clone(), user.clone());
        user
    };
    let tokens = issue(api, &user.id);
    ApiResponse::json(201, &json!({ "user": user.brief(), "tokens": tokens }))
}

pub(super) fn login(api: &Api, req: &ApiRequest<'_>) -> ApiResponse {
    if let Some(limited) = api.rate_limit(req, Limited::Login) {
        return limited;
    }
    let mut body = match Body::parse(req.body) {
        Ok(b) => b,
        Err(e) => return reply::validation(e),
    };
    let email = body.string("email", 0, 320);
    let password = body.string("password", 0, 1_000);
    if let Err(e) = body.finish() {
        return reply::validation(e);
    }
    let (email, password) = (
        email.unwrap_or_default().to_lowercase(),
        password.unwrap_or_default(),
    );
    let user = {
        let mut store = api.write();
        let Some(id) = store.user_by_email.get(&email).cloned() else {
            return reply::unauthorized("Invalid email or password");
        };
        let Some(user) = store.users.get_mut(&id) else {
            return reply::unauthorized("Invalid email or password");
        };
        if user.password != password {
            return reply::unauthorized("Invalid email or password");
        }
        user.last_login_at = Some(format!("{}+00:00", now_iso()));
        user.clone()
    };
    let tokens = issue(api, &user.id);
    ApiResponse::json(
        200,
        &json!({ "user": user.brief(), "access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                 "token_type": tokens.token_type, "expires_in": tokens.expires_in }),
    )
}

pub(super) fn me(api: &Api, req: &ApiRequest<'_>) -> ApiResponse {
    let token = match bearer(req) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let store = api.read();
    match store.user_of(token) {
        Some(user) => ApiResponse::json(200, &user.me()),
        None => reply::unauthorized("Invalid or expired token"),
    }
}

pub(super) fn refresh(api: &Api, req: &ApiRequest<'_>) -> ApiResponse {
    if let Some(limited) = api.rate_limit(req, Limited::Refresh) {
        return limited;
    }
    let mut body = match Body::parse(req.body) {
        Ok(b) => b,
        Err(e) => return reply::validation(e),
    };
    let token = body.string("refresh_token", 0, 10_000);
    if let Err(e) = body.finish() {
        return reply::validation(e);
    }
    // Rotation: the presented refresh token is consumed; reusing it is a 401.
    let user_id = api.write().refresh.remove(&token.unwrap_or_default());
    match user_id {
        Some(user_id) => ApiResponse::json(200, &issue(api, &user_id)),
        None => reply::unauthorized("Invalid or expired refresh token"),
    }
}

pub(super) fn logout(api: &Api, req: &ApiRequest<'_>) -> ApiResponse {
    let token = match bearer(req) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let mut body = match Body::parse(req.body) {
        Ok(b) => b,
        Err(e) => return reply::validation(e),
    };
    let refresh = body.opt_string("refresh_token", 0, 10_000);
    if let Err(e) = body.finish() {
        return reply::validation(e);
    }
    // The real server does not validate the token here: revoking an unknown one is a 200.
    let mut store = api.write();
    store.access.remove(token);
    if let Some(r) = refresh {
        store.refresh.remove(&r);
    }
    reply::message("Successfully logged out")
}
