//! Following redirects the way k6 does (it uses Go's client): 301, 302 and 303 turn a request
//! other than GET or HEAD into a GET without a body; 307 and 308 repeat it as it was. Each hop
//! is a request of its own in the metrics. Credentials do not follow to another origin.

use http::Method;
use url::Url;

/// The request a redirect asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hop {
    pub method: Method,
    pub url: Url,
    pub keep_body: bool,
    /// Whether the new URL has the old one's scheme, host and port.
    pub same_origin: bool,
}

/// The next hop after a response with `status` and a `Location` header (asked for only when
/// the status is a redirect), if it is a redirect to an http(s) URL.
pub(crate) fn next<'a>(
    status: u16,
    method: &Method,
    from: &Url,
    location: impl FnOnce() -> Option<&'a str>,
) -> Option<Hop> {
    let keep = match status {
        307 | 308 => true,
        301..=303 => false,
        _ => return None,
    };
    let url = from.join(location()?).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let method = if keep || *method == Method::GET || *method == Method::HEAD {
        method.clone()
    } else {
        Method::GET
    };
    let same_origin = url.origin() == from.origin();
    Some(Hop {
        method,
        url,
        keep_body: keep,
        same_origin,
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::moved_get(301, "GET", "/b", Some(("GET", "http://h/b", false, true)))]
    #[case::found_post_becomes_get(302, "POST", "/b", Some(("GET", "http://h/b", false, true)))]
    #[case::see_other_put(303, "PUT", "b?x=1", Some(("GET", "http://h/a/b?x=1", false, true)))]
    #[case::temporary_keeps_post(307, "POST", "/b", Some(("POST", "http://h/b", true, true)))]
    #[case::permanent_keeps_delete(308, "DELETE", "/b", Some(("DELETE", "http://h/b", true, true)))]
    #[case::other_origin(302, "GET", "https://h/b", Some(("GET", "https://h/b", false, false)))]
    #[case::other_port(307, "GET", "http://h:81/", Some(("GET", "http://h:81/", true, false)))]
    #[case::not_a_redirect(304, "GET", "/b", None)]
    #[case::ok(200, "GET", "/b", None)]
    #[case::no_http_scheme(302, "GET", "ftp://h/b", None)]
    fn redirects_follow_gos_method_and_body_rules(
        #[case] status: u16,
        #[case] method: &str,
        #[case] location: &str,
        #[case] want: Option<(&str, &str, bool, bool)>,
    ) {
        let from = Url::parse("http://h/a/").unwrap();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let got = next(status, &method, &from, || Some(location));
        let want = want.map(|(m, u, keep_body, same_origin)| Hop {
            method: Method::from_bytes(m.as_bytes()).unwrap(),
            url: Url::parse(u).unwrap(),
            keep_body,
            same_origin,
        });
        assert_eq!(got, want);
    }

    #[test]
    fn a_redirect_without_location_is_a_final_response() {
        let from = Url::parse("http://h/").unwrap();
        assert_eq!(next(302, &Method::GET, &from, || None), None);
    }
}
