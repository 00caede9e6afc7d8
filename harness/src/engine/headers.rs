//! A response's header fields. HTTP/2 hands them over as a map; an HTTP/1.1 head is kept as
//! the bytes it came in and made into a map only when somebody asks — most responses of a
//! load test are never looked at, and building a map of every head would cost each request
//! its allocations and a name lookup per field.

use std::fmt;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};

/// The most header fields a response head may have (hyper's default).
pub(crate) const MAX_HEADERS: usize = 100;

/// A response's header fields, as a map built on first use.
#[derive(Clone, Default)]
pub(crate) struct Headers {
    /// An HTTP/1.1 response's head (status line and fields), already checked by the parser
    /// that read it; empty when the map came whole.
    head: Bytes,
    map: OnceLock<HeaderMap>,
}

impl Headers {
    /// The fields of an HTTP/1.1 head that parsed.
    pub(crate) fn from_head(head: Bytes) -> Headers {
        Headers {
            head,
            map: OnceLock::new(),
        }
    }

    /// Fields that came as a map (HTTP/2).
    pub(crate) fn from_map(map: HeaderMap) -> Headers {
        Headers {
            head: Bytes::new(),
            map: OnceLock::from(map),
        }
    }

    /// The fields as a map: names lower-cased, repeated fields in the order they came.
    pub(crate) fn map(&self) -> &HeaderMap {
        self.map.get_or_init(|| parse(&self.head))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.map().fmt(f)
    }
}

/// A response head parsed into `raw` (httparse writes only the slots it fills): one parser
/// setting for reading a head off the wire and for making its map later, so the two never
/// disagree on what a head holds.
pub(crate) fn parse_response<'h, 'b>(
    buf: &'b [u8],
    raw: &'h mut [MaybeUninit<httparse::Header<'b>>],
) -> (httparse::Response<'h, 'b>, httparse::Result<usize>) {
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        raw,
    );
    (response, parsed)
}

/// The map of a head that parsed once already. The response parser takes only what these
/// types take (token names, values without control bytes); a field they refuse anyway is
/// left out rather than failing a response that was already counted.
fn parse(head: &Bytes) -> HeaderMap {
    if head.is_empty() {
        return HeaderMap::new();
    }
    let mut raw = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let (response, parsed) = parse_response(head, &mut raw);
    let mut map = HeaderMap::new();
    if parsed.is_err() {
        return map;
    }
    let base = head.as_ptr() as usize;
    map.reserve(response.headers.len());
    for h in response.headers.iter() {
        let at = h.value.as_ptr() as usize - base;
        let value = HeaderValue::from_maybe_shared(head.slice(at..at + h.value.len()));
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), value) {
            map.append(name, value);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_becomes_a_map_of_its_fields_in_order_when_first_asked() {
        let head = Bytes::from_static(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\n\
              set-cookie: b=2\r\nX-Empty:\r\n\r\n",
        );
        let headers = Headers::from_head(head);
        let map = headers.map();
        assert_eq!(map.len(), 4);
        assert_eq!(map["content-type"], "text/plain");
        let cookies: Vec<_> = map.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(map["x-empty"], "");
        assert!(std::ptr::eq(headers.map(), map), "built once");
    }

    #[test]
    fn fields_that_came_as_a_map_are_that_map_and_no_head_is_an_empty_one() {
        let mut given = HeaderMap::new();
        given.insert("location", HeaderValue::from_static("/next"));
        assert_eq!(Headers::from_map(given.clone()).map(), &given);
        assert!(Headers::default().map().is_empty());
    }
}
