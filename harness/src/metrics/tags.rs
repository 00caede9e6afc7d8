//! A sorted, cheaply cloned set of `key:value` tags identifying one series of a metric.
//! The hash is computed once, when the set is built, so the collector's lookups cost a
//! pointer comparison in the common case (a VU reuses the same `Tags` for the same request).

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

struct Inner {
    hash: u64,
    pairs: Box<[(Arc<str>, Arc<str>)]>,
}

/// Tags on a sample; cloning is a reference-count bump.
#[derive(Clone)]
pub struct Tags(Arc<Inner>);

impl Default for Tags {
    fn default() -> Self {
        Tags::new(Vec::new())
    }
}

impl Tags {
    fn new(mut pairs: Vec<(Arc<str>, Arc<str>)>) -> Tags {
        pairs.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        pairs.hash(&mut h);
        Tags(Arc::new(Inner {
            hash: h.finish(),
            pairs: pairs.into_boxed_slice(),
        }))
    }

    /// Builds a tag set from pairs; later pairs win over earlier ones with the same key.
    pub fn from_pairs<I, K, V>(pairs: I) -> Tags
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Arc<str>>,
        V: Into<Arc<str>>,
    {
        Tags::default().with(pairs)
    }

    /// This set with more pairs added (or replaced).
    pub fn with<K: Into<Arc<str>>, V: Into<Arc<str>>>(
        &self,
        extra: impl IntoIterator<Item = (K, V)>,
    ) -> Tags {
        let mut pairs: Vec<(Arc<str>, Arc<str>)> = self.0.pairs.to_vec();
        for (k, v) in extra {
            let (k, v) = (k.into(), v.into());
            match pairs.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k, v)),
            }
        }
        Tags::new(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .pairs
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.pairs.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.pairs.is_empty()
    }

    /// Whether every `key:value` in `filter` is present here.
    pub fn matches(&self, filter: &[(String, String)]) -> bool {
        filter.iter().all(|(k, v)| self.get(k) == Some(v.as_str()))
    }
}

impl PartialEq for Tags {
    fn eq(&self, other: &Tags) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.hash == other.0.hash && self.0.pairs == other.0.pairs)
    }
}

impl Eq for Tags {}

impl Hash for Tags {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl PartialOrd for Tags {
    fn partial_cmp(&self, other: &Tags) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tags {
    fn cmp(&self, other: &Tags) -> std::cmp::Ordering {
        self.0.pairs.cmp(&other.0.pairs)
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}:{v}")?;
        }
        f.write_str("}")
    }
}

/// A hasher for maps keyed by [`Tags`]: the key already carries a good 64-bit hash.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagsHash;

impl BuildHasher for TagsHash {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

#[derive(Debug, Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 ^= v;
    }
}
