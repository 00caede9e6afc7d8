//! A small quantile sketch for one window of a trend: values fall into logarithmic bins, each
//! `GAMMA` times wider than the last, kept as one dense run of counts from the lowest bin seen
//! to the highest (adding is an index, not a search). Any quantile it returns is within 1 % of a
//! value that was really recorded at that rank; latencies spread over a factor of twenty cost
//! 600 bytes, where an HDR histogram costs kilobytes. The whole-run sinks keep their exact HDR
//! histograms; these serve the time series.

/// Each bin spans a factor of `GAMMA`: its representative value is within
/// `(GAMMA - 1) / (GAMMA + 1)` < 1 % of every value in it.
const GAMMA: f64 = 1.02;
/// `1 / ln(GAMMA)`, so that finding a bin costs one logarithm (a test checks it).
const PER_LN: f64 = 50.4983497918439;
/// Values at or below this (in the trend's unit: 1 µs for millisecond trends) share bin 0.
const FLOOR: f64 = 0.001;

/// The relative precision of [`Sketch::quantile`]: 1 %.
pub const SKETCH_PRECISION: f64 = 0.01;

/// Counts per logarithmic bin: `counts[k]` is bin `first + k`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    first: u16,
    counts: Vec<u32>,
}

/// `x.ln()` for a finite `x` ≥ 1 (within 1e-12 of it: a test checks), without a call into the
/// maths library: the exponent read from the bits, the mantissa's logarithm from the series of
/// `2·atanh(s)`, `s = (m − 1) / (m + 1)`, with `m` brought within `[√½, √2)` so `|s| < 0.172`
/// and the terms past `s¹³` stay under 1e-12.
#[inline]
fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let tail = 1.0 / 3.0
        + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 / 13.0))));
    f64::from(e) * std::f64::consts::LN_2 + 2.0 * s * (1.0 + s2 * tail)
}

#[inline]
fn index(v: f64) -> u16 {
    if v.is_nan() || v <= FLOOR {
        return 0;
    }
    if v.is_infinite() {
        return u16::MAX;
    }
    let x = ln(v / FLOOR) * PER_LN;
    // ceil(x) for x > 0, without a call.
    let i = x as u32;
    let i = if f64::from(i) < x { i + 1 } else { i };
    i.min(u32::from(u16::MAX)) as u16
}

/// The value a bin stands for: between its bounds, at most 1 % from either.
fn value(i: u16) -> f64 {
    if i == 0 {
        return FLOOR;
    }
    FLOOR * GAMMA.powi(i32::from(i)) * 2.0 / (1.0 + GAMMA)
}

impl Sketch {
    #[inline]
    pub fn add(&mut self, v: f64) {
        self.add_n(index(v), 1);
    }

    fn add_n(&mut self, i: u16, n: u32) {
        if self.counts.is_empty() {
            self.first = i;
            self.counts.push(0);
        } else if i < self.first {
            let grow = usize::from(self.first - i);
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = i;
        }
        let k = usize::from(i - self.first);
        if k >= self.counts.len() {
            self.counts.resize(k + 1, 0);
        }
        self.counts[k] = self.counts[k].saturating_add(n);
    }

    /// Its first bin and the counts from it: what a dump keeps.
    pub fn parts(&self) -> (u16, Vec<u32>) {
        (self.first, self.counts.clone())
    }

    /// The sketch [`Sketch::parts`] gave.
    pub fn from_parts(first: u16, counts: Vec<u32>) -> Sketch {
        Sketch { first, counts }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (k, &n) in other.counts.iter().enumerate() {
            if n > 0 {
                self.add_n(other.first + k as u16, n);
            }
        }
    }

    /// How many values went in.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&n| u64::from(n)).sum()
    }

    /// The value at quantile `q` (0..=1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        let mut last = self.first;
        for (k, &n) in self.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            last = self.first + k as u16;
            seen += u64::from(n);
            if seen >= rank {
                return Some(value(last));
            }
        }
        Some(value(last))
    }

    /// Gives back unused capacity: for a window that is complete.
    pub fn shrink_to_fit(&mut self) {
        self.counts.shrink_to_fit();
    }

    /// Bytes on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<u32>()
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
    fn the_logarithm_without_libm_is_within_a_trillionth_of_the_library_one() {
        let mut x = 1.0_f64;
        let mut worst = 0.0_f64;
        // From 1 to past 1e300 in steps of a few per cent, and the bins' own bounds.
        while x.is_finite() {
            worst = worst.max((ln(x) - x.ln()).abs() / x.ln().max(1.0));
            x *= 1.037;
        }
        for i in 0..2000 {
            let bound = GAMMA.powi(i);
            worst = worst.max((ln(bound) - bound.ln()).abs() / bound.ln().max(1.0));
        }
        for x in [
            1.0,
            1.5,
            std::f64::consts::SQRT_2,
            2.0,
            1000.0,
            1e6,
            f64::MAX,
        ] {
            worst = worst.max((ln(x) - x.ln()).abs() / x.ln().max(1.0));
        }
        assert!(worst < 1e-12, "worst relative error {worst:e}");
        assert_eq!(index(f64::INFINITY), u16::MAX);
        assert_eq!(index(f64::NAN), 0);
    }

    #[test]
    fn the_bin_constant_is_one_over_the_log_of_gamma() {
        assert!((PER_LN - 1.0 / GAMMA.ln()).abs() < 1e-12);
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
