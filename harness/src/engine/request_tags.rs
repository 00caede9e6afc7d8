//! The tags of a request (`name`, `method`, `status`, `expected_response` on top of the
//! scenario's and group's), interned once per combination and cached per VU, so a request
//! allocates none.

use std::sync::Arc;

use http::Method;

use super::RunShared;
use crate::metrics::Tags;

/// How many distinct request tag sets a VU keeps ready.
const TAG_CACHE: usize = 32;

/// Tags of recent (name, method, status, expected) combinations, so a request allocates none.
#[derive(Default)]
pub(crate) struct TagCache(Vec<(String, Method, Option<u16>, bool, Tags)>);

impl TagCache {
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// The interned tags of a request with this name, method, status (none after a failure)
    /// and verdict.
    pub(crate) fn get(
        &mut self,
        shared: &RunShared,
        base: &Tags,
        name: &str,
        method: &Method,
        status: Option<u16>,
        ok: bool,
    ) -> Tags {
        let hit = self
            .0
            .iter()
            .find(|(n, m, s, o, _)| n == name && m == method && *s == status && *o == ok);
        if let Some((.., tags)) = hit {
            return tags.clone();
        }
        let tags = shared.intern(request_tags(base, name, method, status, ok));
        if self.0.len() >= TAG_CACHE {
            self.0.clear();
        }
        let entry = (name.to_string(), method.clone(), status, ok, tags.clone());
        super::push_lean(&mut self.0, entry);
        tags
    }
}

/// A request's tags. A request that got no response is tagged `status:0`, as k6 tags it.
pub(crate) fn request_tags(
    base: &Tags,
    name: &str,
    method: &Method,
    status: Option<u16>,
    ok: bool,
) -> Tags {
    let status: Arc<str> = match status {
        Some(s) => Arc::from(s.to_string()),
        None => Arc::from("0"),
    };
    base.with([
        ("name", Arc::<str>::from(name)),
        ("method", Arc::from(method.as_str())),
        ("status", status),
        (
            "expected_response",
            Arc::from(if ok { "true" } else { "false" }),
        ),
    ])
}
