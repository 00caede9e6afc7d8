//! A sorted, cheaply cloned set of `key:value` tags identifying one series of a metric.

use std::fmt;
use std::sync::Arc;

/// Tags on a sample; cloning is a reference-count bump.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tags(Arc<[(Arc<str>, Arc<str>)]>);

impl Tags {
    /// Builds a tag set from pairs; later pairs win over earlier ones with the same key.
    pub fn from_pairs<I, K, V>(pairs: I) -> Tags
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Arc<str>>,
        V: Into<Arc<str>>,
    {
        let mut v: Vec<(Arc<str>, Arc<str>)> = Vec::new();
        for (k, val) in pairs {
            let k = k.into();
            let val = val.into();
            match v.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = val,
                None => v.push((k, val)),
            }
        }
        v.sort();
        Tags(v.into())
    }

    /// This set with more pairs added (or replaced).
    pub fn with<K: Into<Arc<str>>, V: Into<Arc<str>>>(
        &self,
        extra: impl IntoIterator<Item = (K, V)>,
    ) -> Tags {
        let mut pairs: Vec<(Arc<str>, Arc<str>)> = self.0.to_vec();
        for (k, v) in extra {
            let (k, v) = (k.into(), v.into());
            match pairs.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k, v)),
            }
        }
        pairs.sort();
        Tags(pairs.into())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every `key:value` in `filter` is present here.
    pub fn matches(&self, filter: &[(String, String)]) -> bool {
        filter.iter().all(|(k, v)| self.get(k) == Some(v.as_str()))
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
