//! Execution segments (k6's `--execution-segment`): one share of a test, so N instances on N
//! machines together make exactly the whole load at every moment.
//!
//! Whatever a test counts — VUs at a moment, iterations, arrival-rate starts — is a row of
//! units numbered 0, 1, 2, …, and a segment owns some of them by their number alone, never by
//! how many there are. So the owned units of any count are the first of a fixed list: a ramp
//! from 3 to 4 VUs adds the fourth VU to exactly one instance and moves none, and the segments
//! of a split own every unit exactly once, so their shares sum to the whole for every count.
//!
//! - `i/N` (0-based `i`, as `JOB_COMPLETION_INDEX` with `LOADTEST_SEGMENTS=N`): unit `u` belongs
//!   to `u mod N == i`. Shares differ by at most one.
//! - `from:to` with fractions in [0, 1] (`0:1/4`, `1/4:1`): unit `u` belongs to the segment
//!   holding the point `r(u)`, the bits of `u` reversed after the binary point (the van der
//!   Corput sequence: 0, ½, ¼, ¾, ⅛, …). Any set of segments that tiles [0, 1] splits exactly,
//!   whoever chose the boundaries; a share of `n` units is within about log₂ n of its fraction.
//!
//! The two forms do not mix: every instance of a run uses the same one (the merge checks it).

use std::fmt;

/// A fraction in [0, 1], reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    num: u64,
    den: u64,
}

impl Fraction {
    pub const ZERO: Fraction = Fraction { num: 0, den: 1 };
    pub const ONE: Fraction = Fraction { num: 1, den: 1 };

    /// `num/den`, refused outside [0, 1] or with a zero denominator.
    pub fn new(num: u64, den: u64) -> Result<Fraction, String> {
        if den == 0 {
            return Err(format!("{num}/{den} has a zero denominator"));
        }
        if num > den {
            return Err(format!("{num}/{den} is above 1"));
        }
        let g = gcd(num, den);
        Ok(Fraction {
            num: num / g,
            den: den / g,
        })
    }

    fn parse(text: &str) -> Result<Fraction, String> {
        let t = text.trim();
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("{t:?} is not a fraction such as 1/4, 0 or 1"))
        };
        match t.split_once('/') {
            Some((n, d)) => Fraction::new(number(n)?, number(d)?),
            None => Fraction::new(number(t)?, 1),
        }
    }

    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Whether the point `bits / 2^64` lies below this fraction, exactly.
    fn above(self, bits: u64) -> bool {
        (u128::from(bits) * u128::from(self.den)) < (u128::from(self.num) << 64)
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Fraction) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Fraction) -> std::cmp::Ordering {
        (u128::from(self.num) * u128::from(other.den))
            .cmp(&(u128::from(other.num) * u128::from(self.den)))
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// One instance's share of a test. [`Segment::WHOLE`] is a test run on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Unit `u` belongs here when `u mod count == index`.
    Stripe { index: u64, count: u64 },
    /// Unit `u` belongs here when its bit-reversed point lies in `[from, to)` (`to` = 1
    /// includes everything up to 1).
    Range { from: Fraction, to: Fraction },
}

impl Segment {
    pub const WHOLE: Segment = Segment::Stripe { index: 0, count: 1 };

    /// The `index`-th of `count` equal segments (0-based).
    pub fn stripe(index: u64, count: u64) -> Result<Segment, String> {
        if count == 0 {
            return Err("a run cannot be split into 0 segments".into());
        }
        if index >= count {
            return Err(format!(
                "segment {index} of {count} does not exist: indexes run from 0 to {}",
                count - 1
            ));
        }
        Ok(Segment::Stripe { index, count })
    }

    /// `[from, to)` of the whole; refused when empty or reversed.
    pub fn range(from: Fraction, to: Fraction) -> Result<Segment, String> {
        if from >= to {
            return Err(format!(
                "segment {from}:{to} is empty: its end must be above its start"
            ));
        }
        Ok(Segment::Range { from, to })
    }

    /// `i/N` (the `i`-th of N equal segments, from 0) or `from:to` with fractions
    /// (`0:1/4`, `1/4:1`), as `LOADTEST_SEGMENT` takes them. Errors are sentences quoting the
    /// input.
    pub fn parse(text: &str) -> Result<Segment, String> {
        let t = text.trim();
        let quoted = |e: String| format!("segment {t:?}: {e}");
        if let Some((from, to)) = t.split_once(':') {
            let from = Fraction::parse(from).map_err(quoted)?;
            let to = Fraction::parse(to).map_err(quoted)?;
            return Segment::range(from, to).map_err(quoted);
        }
        let Some((i, n)) = t.split_once('/') else {
            return Err(quoted(
                "expected i/N (the i-th of N equal segments, from 0) or from:to with fractions \
                 such as 0:1/4"
                    .into(),
            ));
        };
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| quoted(format!("{s:?} is not a whole number")))
        };
        Segment::stripe(number(i)?, number(n)?).map_err(quoted)
    }

    /// Whether this is the whole test (one instance).
    pub fn is_whole(&self) -> bool {
        match *self {
            Segment::Stripe { count, .. } => count == 1,
            Segment::Range { from, to } => from == Fraction::ZERO && to == Fraction::ONE,
        }
    }

    /// Where it lies in [0, 1].
    pub fn bounds(&self) -> (Fraction, Fraction) {
        match *self {
            Segment::Stripe { index, count } => (
                Fraction::new(index, count).unwrap_or(Fraction::ZERO),
                Fraction::new(index + 1, count).unwrap_or(Fraction::ONE),
            ),
            Segment::Range { from, to } => (from, to),
        }
    }

    /// Whether unit `u` of any count belongs to this segment.
    pub fn owns(&self, u: u64) -> bool {
        match *self {
            Segment::Stripe { index, count } => u % count == index,
            Segment::Range { from, to } => {
                let point = u.reverse_bits();
                !from.above(point) && (to == Fraction::ONE || to.above(point))
            }
        }
    }

    /// How many of the units `0..n` belong here: this segment's share of `n`.
    pub fn share(&self, n: u64) -> u64 {
        match *self {
            Segment::Stripe { index, count } => {
                if n > index {
                    (n - index).div_ceil(count)
                } else {
                    0
                }
            }
            Segment::Range { .. } => (0..n).filter(|&u| self.owns(u)).count() as u64,
        }
    }

    /// The number, in the whole, of this segment's `k`-th unit (from 0): a VU's id across
    /// every instance of the run.
    pub fn unit(&self, k: u64) -> u64 {
        match *self {
            Segment::Stripe { index, count } => k * count + index,
            Segment::Range { .. } => (0..)
                .filter(|&u| self.owns(u))
                .nth(k as usize)
                .unwrap_or(u64::MAX),
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Stripe { index, count } => write!(f, "{index}/{count}"),
            Segment::Range { from, to } => write!(f, "{from}:{to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equal_ranges(n: u64) -> Vec<Segment> {
        (0..n)
            .map(|i| {
                Segment::range(
                    Fraction::new(i, n).unwrap(),
                    Fraction::new(i + 1, n).unwrap(),
                )
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn stripes_of_one_to_seven_segments_sum_to_every_count_and_differ_by_one_at_most() {
        for n in 1..=7 {
            let segs: Vec<_> = (0..n).map(|i| Segment::stripe(i, n).unwrap()).collect();
            for total in 0..200 {
                let shares: Vec<u64> = segs.iter().map(|s| s.share(total)).collect();
                assert_eq!(shares.iter().sum::<u64>(), total, "{n} segments of {total}");
                let (lo, hi) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
                assert!(hi - lo <= 1, "{shares:?}");
            }
        }
    }

    #[test]
    fn ranges_of_any_tiling_own_every_unit_exactly_once() {
        let quarter = Fraction::new(1, 4).unwrap();
        let third = Fraction::new(1, 3).unwrap();
        let tilings: Vec<Vec<Segment>> = (1..=7)
            .map(equal_ranges)
            .chain([vec![
                Segment::range(Fraction::ZERO, quarter).unwrap(),
                Segment::range(quarter, third).unwrap(),
                Segment::range(third, Fraction::ONE).unwrap(),
            ]])
            .collect();
        for tiling in tilings {
            for u in 0..5_000 {
                let owners = tiling.iter().filter(|s| s.owns(u)).count();
                assert_eq!(owners, 1, "unit {u} in {tiling:?}");
            }
            for total in [0, 1, 2, 3, 7, 99, 1_000] {
                let sum: u64 = tiling.iter().map(|s| s.share(total)).sum();
                assert_eq!(sum, total);
            }
        }
    }

    #[test]
    fn a_range_share_stays_near_its_fraction() {
        for seg in equal_ranges(3).into_iter().chain(equal_ranges(5)) {
            let (from, to) = seg.bounds();
            let want = 10_000.0 * (to.as_f64() - from.as_f64());
            let got = seg.share(10_000) as f64;
            assert!((got - want).abs() <= 20.0, "{seg}: {got} vs {want}");
        }
    }

    #[test]
    fn a_growing_count_adds_units_and_never_moves_one() {
        for seg in [
            Segment::stripe(1, 3).unwrap(),
            Segment::parse("1/4:1").unwrap(),
        ] {
            let mut prev = 0;
            for n in 0..500 {
                let s = seg.share(n);
                assert!(s == prev || s == prev + 1);
                if s > prev {
                    // The new unit is unit n itself, the segment's (s-1)-th.
                    assert!(seg.owns(n - 1) && seg.unit(s - 1) == n - 1);
                }
                prev = s;
            }
        }
    }

    #[test]
    fn segments_parse_from_both_forms_and_refuse_bad_ones_with_a_sentence() {
        assert_eq!(
            Segment::parse("2/3").unwrap(),
            Segment::Stripe { index: 2, count: 3 }
        );
        assert_eq!(Segment::parse("0:1/4").unwrap().to_string(), "0:1/4");
        assert_eq!(Segment::parse("2/8:1").unwrap().to_string(), "1/4:1");
        assert!(Segment::parse("0/1").unwrap().is_whole());
        assert!(Segment::parse("0:1").unwrap().is_whole());
        for (bad, says) in [
            ("3/3", "does not exist"),
            ("0/0", "0 segments"),
            ("1/2:1/4", "empty"),
            ("1/2:1/2", "empty"),
            ("0:3/2", "above 1"),
            ("0:1/0", "zero denominator"),
            ("half", "expected i/N"),
            ("-1/2", "not a whole number"),
            ("a:1", "not a fraction"),
        ] {
            let e = Segment::parse(bad).unwrap_err();
            assert!(e.contains(says) && e.contains(bad), "{bad}: {e}");
        }
    }
}
