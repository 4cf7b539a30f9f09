//! The sparse scanner against the dense pass over every second, on random series with long
//! empty stretches, and scanned in one go or in random steps.

use proptest::prelude::*;

use super::super::{reference, scan_sparse};
use super::*;

/// SplitMix64, for series drawn from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A series of stretches: empty gaps (some longer than a baseline), sparse noise, busy noise,
/// and bursts of a few seconds to a few minutes.
fn series(seed: u64, len: usize) -> Vec<u32> {
    let mut rng = Rng(seed);
    let mut x = vec![0u32; len];
    let mut t = 0;
    while t < len {
        let kind = rng.below(5);
        let n = match kind {
            0 => 200 + rng.below(3000) as usize,
            1 | 2 => 100 + rng.below(1500) as usize,
            _ => 1 + rng.below(150) as usize,
        };
        for v in x.iter_mut().skip(t).take(n) {
            *v = match kind {
                0 => 0,
                1 => u32::from(rng.below(100) == 0),
                2 => rng.below(3) as u32,
                _ => rng.below(12) as u32,
            };
        }
        t += n;
    }
    x
}

fn nonzero(x: &[u32]) -> Vec<(usize, u32)> {
    x.iter().enumerate().filter(|(_, v)| **v > 0).map(|(t, v)| (t, *v)).collect()
}

/// Smaller windows and baselines than the defaults, so that warm-ups, gaps longer than the
/// baseline and level shifts all occur in short series.
fn small() -> Params {
    Params {
        windows: vec![1, 3, 10, 30],
        baseline: 240,
        guard: 10,
        warmup: 90,
        ..Params::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_sparse_scan_equals_the_dense_pass(
        seed in any::<u64>(),
        len in 1usize..12_000,
        history in prop::sample::select(vec![0usize, 1, 50, 200, 299, 300, 5000]),
        defaults in any::<bool>(),
    ) {
        let x = series(seed, len);
        let p = if defaults { Params::default() } else { small() };
        let dense = reference::scan_with_history(&x, history, &p);
        let sparse = scan_sparse(&nonzero(&x), len, history, &p);
        prop_assert_eq!(sparse, dense);
    }

    #[test]
    fn scanning_in_steps_with_pruning_equals_one_pass(
        seed in any::<u64>(),
        len in 1usize..12_000,
        history in prop::sample::select(vec![0usize, 100, 5000]),
        steps in prop::collection::vec(1usize..3000, 1..20),
        defaults in any::<bool>(),
        known_len in any::<bool>(),
    ) {
        let x = series(seed, len);
        let p = if defaults { Params::default() } else { small() };
        let whole = scan_sparse(&nonzero(&x), len, history, &p);
        let mut s = Scanner::new(history);
        let mut bursts = Vec::new();
        let mut pushed = 0;
        for upto in steps.iter().cycle().scan(0, |acc, d| { *acc += d; Some(*acc) }).take_while(|&u| u < len) {
            for (t, &v) in x.iter().enumerate().take(upto).skip(pushed) {
                if v > 0 {
                    s.push(t, u64::from(v));
                }
            }
            pushed = upto;
            // The length may be known before the counts are.
            s.advance(upto, if known_len { Len::Known(len) } else { Len::AtLeast(upto) }, &p);
            s.prune(&p);
            bursts.extend(s.take_bursts());
        }
        for (t, &v) in x.iter().enumerate().skip(pushed) {
            if v > 0 {
                s.push(t, u64::from(v));
            }
        }
        s.finish(len, &p);
        bursts.extend(s.take_bursts());
        prop_assert_eq!(bursts, whole.bursts);
        prop_assert_eq!(s.windows_scanned(len, &p), whole.windows_scanned);
    }
}

#[test]
fn a_year_with_two_bursts_is_scanned_without_visiting_the_empty_seconds() {
    let year = 365 * 86_400;
    let mut nz: Vec<(usize, u32)> = (1000..1005).map(|t| (t, 40)).collect();
    nz.extend((year - 5000..year - 4995).map(|t| (t, 40)));
    let p = Params::default();
    let mut s = Scanner::new(0);
    for &(t, n) in &nz {
        s.push(t, u64::from(n));
    }
    s.finish(year, &p);
    assert!(s.visited < 1000, "{} seconds visited", s.visited);
    let bursts = s.take_bursts();
    assert_eq!(
        bursts.iter().map(|b| (b.start, b.end)).collect::<Vec<_>>(),
        [(1000, 1004), (year - 5000, year - 4996)]
    );
}
