//! The generator's pseudo-random numbers: xoshiro256** seeded through SplitMix64.
//!
//! Both algorithms are published and fixed (Blackman and Vigna, "Scrambled linear
//! pseudorandom number generators", 2018; SplitMix64 from Steele, Lea and Flood, 2014), and
//! everything built on them here uses only integer arithmetic, so a seed gives the same
//! numbers on every platform and every version of every dependency. Nothing here is fit for
//! secrets.

/// One SplitMix64 step: advances `state` and returns the next output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A xoshiro256** generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for `seed` and `stream`: different streams of one seed are independent
    /// sequences (the population and the history draw from different streams, so adding the
    /// history does not change the residents).
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for slot in &mut s {
            *slot = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-and-reject method.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A uniform integer in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// A uniform index into a slice of `len` elements.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `per_million` / 1,000,000.
    pub(crate) fn chance(&mut self, per_million: u32) -> bool {
        self.below(1_000_000) < u64::from(per_million)
    }
}

/// A table for drawing an index with integer weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    /// A table over `weights` (at least one must be positive).
    pub(crate) fn new(weights: impl IntoIterator<Item = u64>) -> Weighted {
        let mut total = 0u64;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// Draws an index with probability proportional to its weight.
    pub(crate) fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self
            .cumulative
            .last()
            .expect("a weighted table is not empty");
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_outputs() {
        // Pinned so that a change of algorithm cannot slip in unnoticed: generated files
        // must stay the same for a seed.
        let mut r = Rng::new(42, 0);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(
            first,
            [
                0x1578_0b2e_0c2e_c716,
                0x6104_d986_6d11_3a7e,
                0xae17_5332_39e4_99a1
            ]
        );
        let mut again = Rng::new(42, 0);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(Rng::new(42, 1).next_u64(), first[0]);
    }

    #[test]
    fn below_and_weighted_stay_in_range() {
        let mut r = Rng::new(7, 0);
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        let w = Weighted::new([0, 5, 0, 1]);
        for _ in 0..100 {
            let i = w.pick(&mut r);
            assert!(i == 1 || i == 3);
        }
    }
}
