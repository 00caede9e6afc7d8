//! A small quantile sketch for one window of a trend: values fall into logarithmic bins, each
//! `GAMMA` times wider than the last, kept sparse (only bins that got a value). Any quantile it
//! returns is within 1 % of a value that was really recorded at that rank; a second with fifty
//! distinct latencies costs a few hundred bytes, where an HDR histogram costs kilobytes. The
//! whole-run sinks keep their exact HDR histograms; these serve the time series.

/// Each bin spans a factor of `GAMMA`: its representative value is within
/// `(GAMMA - 1) / (GAMMA + 1)` < 1 % of every value in it.
const GAMMA: f64 = 1.02;
/// Values at or below this (in the trend's unit: 1 µs for millisecond trends) share bin 0.
const FLOOR: f64 = 0.001;

/// The relative precision of [`Sketch::quantile`]: 1 %.
pub const SKETCH_PRECISION: f64 = 0.01;

/// Counts per logarithmic bin, sorted by bin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    bins: Vec<(u16, u32)>,
}

fn index(v: f64) -> u16 {
    if v.is_nan() || v <= FLOOR {
        return 0;
    }
    let i = ((v / FLOOR).ln() / GAMMA.ln()).ceil();
    i.min(f64::from(u16::MAX)) as u16
}

/// The value a bin stands for: between its bounds, at most 1 % from either.
fn value(i: u16) -> f64 {
    if i == 0 {
        return FLOOR;
    }
    FLOOR * GAMMA.powi(i32::from(i)) * 2.0 / (1.0 + GAMMA)
}

impl Sketch {
    pub fn add(&mut self, v: f64) {
        self.add_n(index(v), 1);
    }

    fn add_n(&mut self, i: u16, n: u32) {
        match self.bins.binary_search_by_key(&i, |b| b.0) {
            Ok(at) => self.bins[at].1 = self.bins[at].1.saturating_add(n),
            Err(at) => self.bins.insert(at, (i, n)),
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for &(i, n) in &other.bins {
            self.add_n(i, n);
        }
    }

    /// How many values went in.
    pub fn count(&self) -> u64 {
        self.bins.iter().map(|b| u64::from(b.1)).sum()
    }

    /// The value at quantile `q` (0..=1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(i, n) in &self.bins {
            seen += u64::from(n);
            if seen >= rank {
                return Some(value(i));
            }
        }
        self.bins.last().map(|b| value(b.0))
    }

    /// Gives back unused capacity: for a window that is complete.
    pub fn shrink_to_fit(&mut self) {
        self.bins.shrink_to_fit();
    }

    /// Bytes on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.bins.capacity() * std::mem::size_of::<(u16, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_one_percent_of_the_recorded_value_at_that_rank() {
        let mut values: Vec<f64> = (1..=10_000).map(|i| (i as f64 * 0.37).powf(1.3)).collect();
        let mut s = Sketch::default();
        for v in &values {
            s.add(*v);
        }
        values.sort_by(f64::total_cmp);
        for q in [0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let exact = values[((q * values.len() as f64).ceil() as usize).max(1) - 1];
            let got = s.quantile(q).unwrap();
            assert!(
                (got - exact).abs() <= exact * SKETCH_PRECISION,
                "q={q}: {got} vs {exact}"
            );
        }
        assert_eq!(s.count(), 10_000);
    }

    #[test]
    fn merging_is_adding_and_tiny_values_share_the_first_bin() {
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        for v in [0.0, 0.0005, 5.0, 5.0] {
            a.add(v);
        }
        for v in [5.0, 600_000.0] {
            b.add(v);
        }
        a.merge(&b);
        assert_eq!(a.count(), 6);
        assert_eq!(a.quantile(0.3), Some(FLOOR));
        assert!((a.quantile(0.6).unwrap() - 5.0).abs() < 0.05);
        assert!((a.quantile(1.0).unwrap() - 600_000.0).abs() < 6_000.0);
        assert_eq!(Sketch::default().quantile(0.5), None);
    }
}
