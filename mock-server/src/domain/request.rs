//! A request as the domain sees it (no HTTP framework in it).

use std::net::IpAddr;

/// A request as the domain needs it.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub forwarded_for: Option<&'a str>,
    pub peer: Option<IpAddr>,
    pub body: &'a [u8],
}

impl<'a> ApiRequest<'a> {
    pub fn new(method: &'a str, path: &'a str) -> ApiRequest<'a> {
        ApiRequest {
            method,
            path,
            query: "",
            authorization: None,
            forwarded_for: None,
            peer: None,
            body: &[],
        }
    }

    /// The value of a query parameter (first occurrence, percent-decoded).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| decode(v))
        })
    }

    /// The client as the real server sees it: `X-Forwarded-For`'s first entry when the peer is
    /// loopback (or unknown), else the peer address.
    pub fn client(&self) -> String {
        let trusted = self.peer.is_none_or(|p| p.is_loopback());
        match (trusted, self.forwarded_for) {
            (true, Some(xff)) => xff.split(',').next().unwrap_or("").trim().to_string(),
            _ => self
                .peer
                .map_or_else(|| "unknown".to_string(), |p| p.to_string()),
        }
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn query_params_are_decoded() {
        let mut r = ApiRequest::new("GET", "/x");
        r.query = "organization_id=a%2Db&limit=5&name=a+b";
        assert_eq!(r.param("organization_id").as_deref(), Some("a-b"));
        assert_eq!(r.param("limit").as_deref(), Some("5"));
        assert_eq!(r.param("name").as_deref(), Some("a b"));
        assert_eq!(r.param("offset"), None);
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_loopback() {
        let mut r = ApiRequest::new("GET", "/x");
        r.forwarded_for = Some("10.1.2.3, 127.0.0.1");
        r.peer = Some("127.0.0.1".parse().unwrap());
        assert_eq!(r.client(), "10.1.2.3");
        r.peer = Some("192.0.2.7".parse().unwrap());
        assert_eq!(r.client(), "192.0.2.7");
    }
}
