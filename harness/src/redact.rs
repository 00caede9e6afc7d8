//! Secrets out of everything the harness writes: bearer tokens, JSON fields that hold tokens,
//! passwords or keys, `Authorization`/`Cookie` header values and JWTs are replaced by
//! `[redacted]` before a message reaches the report, the summary or a panic.

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// JSON keys whose string value is a secret.
const SECRET_KEYS: [&str; 9] = [
    "access_token",
    "refresh_token",
    "token",
    "password",
    "api_key",
    "secret",
    "authorization",
    "cookie",
    "set-cookie",
];

/// `text` with every secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let text = redact_after_words(text);
    let text = redact_json_values(&text);
    redact_jwts(&text)
}

/// `Bearer x`, `Authorization: x`, `Cookie: x` (any case): the value up to the end of its
/// token (bearer) or line (headers) goes.
fn redact_after_words(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &lower[i..];
        let (skip, stop_at_space) = if rest.starts_with("bearer ") {
            ("bearer ".len(), true)
        } else if rest.starts_with("authorization:") {
            ("authorization:".len(), false)
        } else if rest.starts_with("cookie:") {
            ("cookie:".len(), false)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        out.push_str(&text[i..i + skip]);
        i += skip;
        let value_start = i + text[i..].len() - text[i..].trim_start_matches(' ').len();
        out.push_str(&text[i..value_start]);
        let end = text[value_start..]
            .find(|c: char| {
                c == '\n' || c == '\r' || c == '"' || (stop_at_space && (c == ' ' || c == ','))
            })
            .map_or(text.len(), |e| value_start + e);
        if end > value_start {
            out.push_str(REDACTED);
        }
        i = end;
    }
    out
}

/// `"password": "x"` and the like (key compared without case): the string value goes.
fn redact_json_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(q) = rest.find('"') {
        out.push_str(&rest[..=q]);
        rest = &rest[q + 1..];
        let Some(close) = rest.find('"') else { break };
        let key = &rest[..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        if !SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        let after_colon = rest.trim_start();
        let Some(value) = after_colon.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        let Some(body) = value.strip_prefix('"') else {
            continue;
        };
        let Some(end) = string_end(body) else {
            continue;
        };
        out.push_str(&rest[..rest.len() - value.len()]);
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the quote closing a JSON string (after its opening quote).
fn string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// Three base64url parts starting `eyJ`, joined by dots: a JWT.
fn redact_jwts(text: &str) -> String {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let len = candidate
            .find(|c: char| !(is_b64(c) || c == '.'))
            .unwrap_or(candidate.len());
        let token = &candidate[..len];
        if token.split('.').count() == 3 {
            out.push_str(REDACTED);
        } else {
            out.push_str(token);
        }
        rest = &candidate[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_is_kept() {
        let cases = [
            (
                "GET /me: status 401: {\"detail\":\"bad header Bearer kz_at_0123abcd\"}",
                "GET /me: status 401: {\"detail\":\"bad header Bearer [redacted]\"}",
            ),
            (
                r#"{"access_token": "abc", "name": "x", "Password":"p\"w"}"#,
                r#"{"access_token": "[redacted]", "name": "x", "Password":"[redacted]"}"#,
            ),
            (
                "echo: Authorization: Bearer abc\nCookie: s=1; t=2\nok",
                "echo: Authorization: [redacted]\nCookie: [redacted]\nok",
            ),
            ("jwt eyJhbGciOi.eyJzdWIi.sig-1 end", "jwt [redacted] end"),
            (
                "nothing secret here: 5 agents",
                "nothing secret here: 5 agents",
            ),
            ("unicode ✓ Bearer tök", "unicode ✓ Bearer [redacted]"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
        }
    }
}
