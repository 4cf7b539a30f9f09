//! The scan's settings, what it finds in one series, and the baseline model both scanners
//! share (a leaf module: the full scan and [`super::Scanner`] build on it).

use crate::stats::PValue;

/// The settings of the scan; [`Params::default`] has the documented defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Window lengths in seconds (default 1, 3, 10, 30, 60, 120).
    pub windows: Vec<usize>,
    /// Length of the trailing baseline in seconds (default 900).
    pub baseline: usize,
    /// Gap between the baseline's end and the tested second (default 30).
    pub guard: usize,
    /// History needed before the trailing baseline is used instead of the look-ahead one
    /// (default 300).
    pub warmup: usize,
    /// Fraction of the baseline assigned to spikes above which assigned seconds are no longer
    /// left out (default 0.5).
    pub level_shift: f64,
    /// Significance of a window and of a reported spike (default 1e-6).
    pub alpha: f64,
    /// Smallest count for a window to be tested (default 3).
    pub window_min_count: u64,
    /// Smallest ratio of count to expected count, for windows and spikes (default 3).
    pub min_ratio: f64,
    /// Smallest number of errors in a reported spike (default 8).
    pub min_count: u64,
    /// Runs of assigned seconds at most this far apart are merged (default 5).
    pub merge_gap: usize,
    /// A run is split at this many consecutive quiet seconds (default 30).
    pub split_quiet: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            windows: vec![1, 3, 10, 30, 60, 120],
            baseline: 900,
            guard: 30,
            warmup: 300,
            level_shift: 0.5,
            alpha: 1e-6,
            window_min_count: 3,
            min_ratio: 3.0,
            min_count: 8,
            merge_gap: 5,
            split_quiet: 30,
        }
    }
}

/// A burst found in one dense series (indices are positions in the series).
#[derive(Clone, Debug, PartialEq)]
pub struct Burst {
    /// The first second.
    pub start: usize,
    /// The last second (inclusive).
    pub end: usize,
    /// Errors in `start..=end`.
    pub count: u64,
    /// The expected count: the sum of the baseline rate over `start..=end`.
    pub expected: f64,
    /// The negative-binomial (or Poisson) tail probability of `count`.
    pub p: PValue,
    /// The likelihood ratio statistic `k · ln(k/μ) − (k − μ)`; spikes are ranked by it.
    pub llr: f64,
    /// The negative-binomial shape of the baseline at the onset; `None` for Poisson.
    pub shape: Option<f64>,
    /// Errors in the baseline window at the onset.
    pub baseline_count: u64,
    /// Seconds in the baseline window at the onset.
    pub baseline_seconds: u64,
}

/// The baseline of one second.
#[derive(Clone, Copy, Debug)]
pub(super) struct Base {
    pub(super) sum: u64,
    pub(super) seconds: u64,
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// Seconds of `lo..hi` that are not part of the baseline (the look-ahead baseline leaves
    /// out the tested second's neighbourhood).
    pub(super) hole: (usize, usize),
    /// Whether seconds assigned to spikes are left out (false after a level shift).
    pub(super) skip_flagged: bool,
}

/// The prior of every baseline rate, in errors: `λ = (S + PRIOR_ERRORS) / (N + PRIOR_SECONDS)`
/// for `S` errors in `N` baseline seconds (see the [module docs](super), step 1). With no
/// baseline second at all, the rate is the prior alone, `PRIOR_ERRORS / PRIOR_SECONDS`.
pub const PRIOR_ERRORS: f64 = 0.5;

/// The prior of every baseline rate, in seconds; see [`PRIOR_ERRORS`].
pub const PRIOR_SECONDS: f64 = 1.0;

impl Base {
    pub(super) fn rate(&self) -> f64 {
        (self.sum as f64 + PRIOR_ERRORS) / (self.seconds as f64 + PRIOR_SECONDS)
    }
}

/// The shape for a window or a spike of `len` seconds.
pub(super) fn shape_for(r: Option<f64>, len: usize) -> Option<f64> {
    r.map(|r| r * (len as f64 / 60.0).max(1.0))
}

pub(super) fn llr(k: f64, mu: f64) -> f64 {
    if k <= mu || k <= 0.0 { 0.0 } else { k * (k / mu).ln() - (k - mu) }
}
