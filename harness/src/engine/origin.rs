//! Where a connection goes: its scheme, host and port, parsed once, and whether a URL has it.

use url::{Host, Url};

/// Where a connection goes: scheme, host and port. Connections are reused only for the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub https: bool,
    /// Typed, so matching a request's URL compares values and parses nothing.
    pub host: Host<String>,
    pub port: u16,
    /// The `host` header: `host`, or `host:port` when the port is not the scheme's default.
    pub host_header: http::HeaderValue,
    /// The same, as HTTP/2's `:authority`.
    pub authority: http::uri::Authority,
}

impl Origin {
    pub(crate) fn of(url: &Url) -> Result<Origin, String> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            s => return Err(format!("unsupported scheme {s:?} in {url}")),
        };
        let Some(host) = url.host().map(|h| h.to_owned()) else {
            return Err(format!("no host in {url}"));
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        // `Host`'s display brackets IPv6 addresses, as the header wants.
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let invalid = |e: &dyn std::fmt::Display| format!("invalid host in {url}: {e}");
        let host_header =
            http::HeaderValue::try_from(authority.as_str()).map_err(|e| invalid(&e))?;
        let authority = http::uri::Authority::try_from(authority).map_err(|e| invalid(&e))?;
        Ok(Origin {
            https,
            host,
            port,
            host_header,
            authority,
        })
    }

    /// Whether `url` has this origin, without building a new one.
    pub(crate) fn serves(&self, url: &Url) -> bool {
        url.port_or_known_default() == Some(self.port)
            && (url.scheme() == "https") == self.https
            && match (url.host(), &self.host) {
                (Some(Host::Domain(a)), Host::Domain(b)) => a == b,
                (Some(Host::Ipv4(a)), Host::Ipv4(b)) => a == *b,
                (Some(Host::Ipv6(a)), Host::Ipv6(b)) => a == *b,
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn an_origin_serves_urls_with_its_scheme_host_and_port_only() {
        let v6 = Origin::of(&url("http://[::1]:8080/a")).unwrap();
        assert_eq!(v6.host_header, "[::1]:8080");
        assert!(v6.serves(&url("http://[::1]:8080/b?q=1")));
        assert!(!v6.serves(&url("https://[::1]:8080/b")));
        assert!(!v6.serves(&url("http://[::1]:8081/b")));
        assert!(!v6.serves(&url("http://127.0.0.1:8080/b")));
        let name = Origin::of(&url("https://Example.test/")).unwrap();
        assert_eq!(
            (name.host_header.to_str().unwrap(), name.port),
            ("example.test", 443)
        );
        assert!(name.serves(&url("https://example.test:443/x")));
        assert!(Origin::of(&url("ftp://example.test/")).is_err());
    }
}
