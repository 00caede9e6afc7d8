//! Which response statuses count as success (`http_req_failed` false, tag `expected_response`).

use std::ops::RangeInclusive;

/// Which statuses count as success (`http_req_failed` false). Default: 200–399.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Range(RangeInclusive<u16>),
    Set(Vec<u16>),
}

impl Default for Expected {
    fn default() -> Self {
        Expected::Range(200..=399)
    }
}

impl Expected {
    pub fn contains(&self, status: u16) -> bool {
        match self {
            Expected::Range(r) => r.contains(&status),
            Expected::Set(s) => s.contains(&status),
        }
    }
}

impl From<u16> for Expected {
    fn from(s: u16) -> Self {
        Expected::Set(vec![s])
    }
}

impl From<RangeInclusive<u16>> for Expected {
    fn from(r: RangeInclusive<u16>) -> Self {
        Expected::Range(r)
    }
}

impl<const N: usize> From<[u16; N]> for Expected {
    fn from(s: [u16; N]) -> Self {
        Expected::Set(s.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_expected_statuses_are_200_to_399() {
        let e = Expected::default();
        assert!(e.contains(200) && e.contains(399));
        assert!(!e.contains(400) && !e.contains(0) && !e.contains(199));
    }
}
