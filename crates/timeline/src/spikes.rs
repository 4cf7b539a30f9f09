//! Spike detection: a multi-window count scan against a trailing baseline.
//!
//! # What is counted
//!
//! Detection runs on one number per second and series: the events whose class is an upstream
//! failure ([`Class::is_upstream_failure`]: the connect, response, protocol, capacity, dns, tls
//! and unknown-cause groups, and `upstream_5xx`). Application stderr, health-check lines, server
//! state changes, the proxy's own errors, client-side classes, `ok` and `info` are not errors
//! for detection; they still appear in timelines.
//!
//! Attempts (error logs) and responses (access logs) are scanned as separate series and never
//! added (see [`Unit`]). When both logs are read, one incident shows up in both: as failed
//! attempts on a peer and as failed responses of its group (or of the same name). A responses
//! spike that overlaps an attempts spike of the same name, or of one of its peers, is folded
//! into it as an [`Echo`]: the error log names the cause, the access log says how many clients
//! saw it.
//!
//! # Method
//!
//! For each second `t` of a series `x`:
//!
//! 1. The baseline rate is `λ(t) = (S + 0.5) / (N + 1)`, where `S` is the errors in the
//!    trailing window `[t − 930 s, t − 30 s)` and `N` its seconds, leaving out seconds already
//!    assigned to a spike. The 30-second guard keeps a spike's start out of its own baseline.
//!    When more than half of the window is assigned to spikes (a level shift), nothing is left
//!    out. Before 300 s of history exist, the first 900 s of the series are used instead
//!    (the analysis is offline, so it may look ahead), leaving out the seconds from 30 s
//!    before `t` to 150 s after it, so that a burst near the start does not raise its own
//!    baseline.
//! 2. Overdispersion: the counts of the baseline's 60-second blocks give a negative-binomial
//!    shape `r = m² / (v − m)` (method of moments). With no extra variance (`v <= m`) or fewer
//!    than 5 blocks, counts are Poisson. Windows longer than a minute use `r · w / 60`, since
//!    minute-to-minute swings average out.
//! 3. Each window `w` of [`Params::windows`] ending at `t` is tested: with `k` errors in it and
//!    `μ = λ · w` expected, a window with `k >= 3` and `k >= 3μ` gets the tail probability
//!    `P(K >= k)`. If the smallest is below [`Params::alpha`], the seconds of that window (the
//!    most significant one, not the longest) are assigned to a spike.
//! 4. Runs of assigned seconds closer than 5 s are merged; a run is split at 30 s or more of
//!    quiet seconds (at most the 99th percentile of the baseline's Poisson count).
//! 5. Each part is trimmed to the pair of non-quiet seconds maximising the Poisson likelihood
//!    ratio `k · ln(k/μ) − (k − μ)` (a Kulldorff-style scan statistic), which puts onset and
//!    end on the seconds where the excess is.
//! 6. A part is reported when it has at least [`Params::min_count`] errors, at least
//!    [`Params::min_ratio`] times the expected count, and its negative-binomial p-value is below
//!    [`Params::alpha`].
//!
//! The p-value is nominal: it is conditional on the window the scan picked. With about
//! `|windows| × 3,600` window tests per series-hour at `α = 1e-6`, a perfectly Poisson series
//! would give about 0.025 false flags per hour.

use std::collections::BTreeMap;

use logparse::Class;

use crate::Unit;
use crate::aggregate::{Aggregator, SeriesKey};
use crate::stats::{PValue, ln_nb_sf, poisson_quantile};

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

/// The result of [`scan`].
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// The bursts, by start.
    pub bursts: Vec<Burst>,
    /// How many window tests the scan made (for the record of how nominal a p-value is).
    pub windows_scanned: u64,
}

/// The baseline of one second.
#[derive(Clone, Copy, Debug)]
struct Base {
    sum: u64,
    seconds: u64,
    lo: usize,
    hi: usize,
    /// Seconds of `lo..hi` that are not part of the baseline (the look-ahead baseline leaves
    /// out the tested second's neighbourhood).
    hole: (usize, usize),
    /// Whether seconds assigned to spikes are left out (false after a level shift).
    skip_flagged: bool,
}

impl Base {
    fn rate(&self) -> f64 {
        (self.sum as f64 + 0.5) / (self.seconds as f64 + 1.0)
    }
}

/// The trailing window `[lo, hi)` with running sums, all seconds and unassigned ones.
#[derive(Default)]
struct Running {
    lo: usize,
    hi: usize,
    sum_all: u64,
    n_all: u64,
    sum_free: u64,
    n_free: u64,
}

impl Running {
    fn slide(&mut self, x: &[u32], flagged: &[bool], lo: usize, hi: usize) {
        while self.hi < hi {
            let v = u64::from(x[self.hi]);
            self.sum_all += v;
            self.n_all += 1;
            if !flagged[self.hi] {
                self.sum_free += v;
                self.n_free += 1;
            }
            self.hi += 1;
        }
        while self.lo < lo {
            let v = u64::from(x[self.lo]);
            self.sum_all -= v;
            self.n_all -= 1;
            if !flagged[self.lo] {
                self.sum_free -= v;
                self.n_free -= 1;
            }
            self.lo += 1;
        }
    }

    /// Records that second `p` was just assigned to a spike.
    fn flag(&mut self, x: &[u32], p: usize) {
        if (self.lo..self.hi).contains(&p) {
            self.sum_free -= u64::from(x[p]);
            self.n_free -= 1;
        }
    }

    fn base(&self, level_shift: f64) -> Base {
        let flagged = self.n_all - self.n_free;
        let skip_flagged = (flagged as f64) <= level_shift * self.n_all as f64;
        let (sum, seconds) =
            if skip_flagged { (self.sum_free, self.n_free) } else { (self.sum_all, self.n_all) };
        Base { sum, seconds, lo: self.lo, hi: self.hi, hole: (0, 0), skip_flagged }
    }
}

/// The baseline of second `t`, computed directly (for the warm-up and for reporting).
///
/// During the warm-up the baseline looks ahead: the first `baseline` seconds of the series
/// (plus room for the hole), leaving out `t − guard .. t + guard + longest window`, so that a
/// burst near the start does not raise its own baseline.
fn base_at(x: &[u32], flagged: &[bool], t: usize, history: usize, p: &Params) -> Base {
    let hi_trailing = t.saturating_sub(p.guard);
    let max_w = p.windows.iter().copied().max().unwrap_or(1);
    let (lo, hi, hole) = if history + hi_trailing < p.warmup {
        let hole = (t.saturating_sub(p.guard), t + p.guard + max_w);
        (0, x.len().min(p.baseline + hole.1 - hole.0), hole)
    } else {
        (t.saturating_sub(p.guard + p.baseline), hi_trailing, (0, 0))
    };
    let (mut sum_all, mut n_all, mut sum_free, mut n_free) = (0u64, 0u64, 0u64, 0u64);
    for i in (lo..hi).filter(|i| !(hole.0..hole.1).contains(i)) {
        let v = u64::from(x[i]);
        sum_all += v;
        n_all += 1;
        if !flagged[i] {
            sum_free += v;
            n_free += 1;
        }
    }
    let skip_flagged = ((n_all - n_free) as f64) <= p.level_shift * n_all as f64;
    let (sum, seconds) = if skip_flagged { (sum_free, n_free) } else { (sum_all, n_all) };
    Base { sum, seconds, lo, hi, hole, skip_flagged }
}

/// The negative-binomial shape of a baseline from its 60-second blocks; `None` for Poisson.
fn shape(x: &[u32], flagged: &[bool], base: &Base) -> Option<f64> {
    const BLOCK: usize = 60;
    let mut blocks: Vec<f64> = Vec::with_capacity(16);
    let mut end = base.hi;
    while end >= base.lo + BLOCK {
        let (mut s, mut n) = (0u64, 0u64);
        for i in end - BLOCK..end {
            let in_hole = (base.hole.0..base.hole.1).contains(&i);
            if !(in_hole || base.skip_flagged && flagged[i]) {
                s += u64::from(x[i]);
                n += 1;
            }
        }
        if n >= (BLOCK / 2) as u64 {
            blocks.push(s as f64 * BLOCK as f64 / n as f64);
        }
        end -= BLOCK;
    }
    if blocks.len() < 5 {
        return None;
    }
    let m = blocks.iter().sum::<f64>() / blocks.len() as f64;
    let v = blocks.iter().map(|b| (b - m) * (b - m)).sum::<f64>() / (blocks.len() - 1) as f64;
    (v > m && m > 0.0).then(|| m * m / (v - m))
}

/// The shape for a window or a spike of `len` seconds.
fn shape_for(r: Option<f64>, len: usize) -> Option<f64> {
    r.map(|r| r * (len as f64 / 60.0).max(1.0))
}

/// Scans a dense per-second series.
pub fn scan(x: &[u32], params: &Params) -> Scan {
    scan_with_history(x, 0, params)
}

/// Scans a dense per-second series that starts `history` seconds after the input's start
/// (seconds before it are known to be zero), which decides when the warm-up ends.
pub fn scan_with_history(x: &[u32], history: usize, p: &Params) -> Scan {
    let len = x.len();
    let mut flagged = vec![false; len];
    let mut lam = vec![0f64; len];
    let mut prefix = Vec::with_capacity(len + 1);
    prefix.push(0u64);
    for &v in x {
        prefix.push(prefix.last().copied().unwrap_or(0) + u64::from(v));
    }
    let ln_alpha = p.alpha.ln();
    let max_w = p.windows.iter().copied().max().unwrap_or(1);
    let mut running = Running::default();
    let mut windows_scanned = 0u64;
    // The last second with an error, to skip the window tests where every window is empty.
    for t in 0..len {
        let hi = t.saturating_sub(p.guard);
        let lo = t.saturating_sub(p.guard + p.baseline);
        running.slide(x, &flagged, lo, hi);
        let warm = history + hi < p.warmup;
        let base =
            if warm { base_at(x, &flagged, t, history, p) } else { running.base(p.level_shift) };
        let rate = base.rate();
        lam[t] = rate;
        let recent = prefix[t + 1] - prefix[(t + 1).saturating_sub(max_w)];
        if recent < p.window_min_count {
            windows_scanned += p.windows.len() as u64;
            continue;
        }
        let mut r_cache: Option<Option<f64>> = None;
        let mut best: Option<(usize, f64)> = None;
        for &w in &p.windows {
            if w == 0 || w > t + 1 {
                continue;
            }
            windows_scanned += 1;
            let k = prefix[t + 1] - prefix[t + 1 - w];
            let mu = rate * w as f64;
            if k < p.window_min_count || (k as f64) < p.min_ratio * mu {
                continue;
            }
            let r = *r_cache.get_or_insert_with(|| shape(x, &flagged, &base));
            let lnp = ln_nb_sf(k, mu, shape_for(r, w));
            if best.is_none_or(|(_, b)| lnp < b) {
                best = Some((w, lnp));
            }
        }
        if let Some((w, lnp)) = best {
            if lnp < ln_alpha {
                for (i, f) in flagged.iter_mut().enumerate().take(t + 1).skip(t + 1 - w) {
                    if !*f {
                        *f = true;
                        running.flag(x, i);
                    }
                }
            }
        }
    }
    let mut bursts = Vec::new();
    for (s, e) in runs(&flagged, p.merge_gap) {
        for (s, e) in split_quiet(x, &lam, s, e, p.split_quiet) {
            if let Some(b) = refine(x, &lam, &prefix, &flagged, s, e, history, p) {
                bursts.push(b);
            }
        }
    }
    Scan { bursts, windows_scanned }
}

/// Runs of assigned seconds, merged across gaps of at most `gap` seconds.
fn runs(flagged: &[bool], gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (t, _) in flagged.iter().enumerate().filter(|(_, f)| **f) {
        match out.last_mut() {
            Some(last) if t - last.1 - 1 <= gap => last.1 = t,
            _ => out.push((t, t)),
        }
    }
    out
}

/// Whether second `t` is quiet: no more errors than the 99th percentile of its baseline.
fn quiet(x: &[u32], lam: &[f64], t: usize) -> bool {
    u64::from(x[t]) <= poisson_quantile(lam[t], 0.99)
}

/// The parts of `s..=e` between runs of at least `min_quiet` quiet seconds, each trimmed to
/// its first and last non-quiet second.
fn split_quiet(
    x: &[u32],
    lam: &[f64],
    s: usize,
    e: usize,
    min_quiet: usize,
) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut cur: Option<(usize, usize)> = None;
    let mut quiet_run = 0usize;
    for t in s..=e {
        if quiet(x, lam, t) {
            quiet_run += 1;
            if quiet_run >= min_quiet {
                if let Some(c) = cur.take() {
                    parts.push(c);
                }
            }
        } else {
            quiet_run = 0;
            cur = Some(cur.map_or((t, t), |(a, _)| (a, t)));
        }
    }
    parts.extend(cur);
    parts
}

fn llr(k: f64, mu: f64) -> f64 {
    if k <= mu || k <= 0.0 { 0.0 } else { k * (k / mu).ln() - (k - mu) }
}

/// The most likely sub-interval of `s..=e` and its test; `None` if it is not reported.
#[allow(clippy::too_many_arguments)]
fn refine(
    x: &[u32],
    lam: &[f64],
    prefix: &[u64],
    flagged: &[bool],
    s: usize,
    e: usize,
    history: usize,
    p: &Params,
) -> Option<Burst> {
    // Past this many non-quiet seconds the quadratic search is skipped (long overloads); the
    // part is kept whole.
    const MAX_HOT: usize = 4000;
    let hot: Vec<usize> = (s..=e).filter(|&t| !quiet(x, lam, t)).collect();
    let mut lam_prefix = Vec::with_capacity(e - s + 2);
    lam_prefix.push(0.0);
    for l in &lam[s..=e] {
        lam_prefix.push(lam_prefix.last().copied().unwrap_or(0.0) + l.max(crate::stats::MIN_MEAN));
    }
    let k_of = |a: usize, b: usize| (prefix[b + 1] - prefix[a]) as f64;
    let mu_of = |a: usize, b: usize| lam_prefix[b + 1 - s] - lam_prefix[a - s];
    let (mut bs, mut be) = (*hot.first()?, *hot.last()?);
    if hot.len() <= MAX_HOT {
        let mut best = f64::NEG_INFINITY;
        for (i, &a) in hot.iter().enumerate() {
            for &b in &hot[i..] {
                let v = llr(k_of(a, b), mu_of(a, b));
                if v > best {
                    best = v;
                    (bs, be) = (a, b);
                }
            }
        }
    }
    let count = prefix[be + 1] - prefix[bs];
    let expected = mu_of(bs, be);
    if count < p.min_count || (count as f64) < p.min_ratio * expected {
        return None;
    }
    let base = base_at(x, flagged, bs, history, p);
    let r = shape(x, flagged, &base);
    let lnp = ln_nb_sf(count, expected, shape_for(r, be - bs + 1));
    if lnp >= p.alpha.ln() {
        return None;
    }
    Some(Burst {
        start: bs,
        end: be,
        count,
        expected,
        p: PValue::from_ln(lnp),
        llr: llr(count as f64, expected),
        shape: r,
        baseline_count: base.sum,
        baseline_seconds: base.seconds,
    })
}

/// How one class or peer shares a spike's errors, against the baseline before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share<T> {
    /// The class or peer.
    pub key: T,
    /// Errors of this key in the spike.
    pub count: u64,
    /// Errors of this key in the baseline window.
    pub baseline: u64,
}

/// `part / whole` (0 to 1), or 0 when `whole` is 0.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// A spike of upstream failures in one series.
#[derive(Clone, Debug, PartialEq)]
pub struct Spike {
    /// The series (upstream) name; `None` for events without an upstream.
    pub series: Option<Box<[u8]>>,
    /// The unit of the counts.
    pub unit: Unit,
    /// The first second (Unix seconds, UTC).
    pub start: i64,
    /// The last second, inclusive.
    pub end: i64,
    /// Errors in the spike.
    pub count: u64,
    /// Errors expected from the baseline over the same seconds.
    pub expected: f64,
    /// The p-value of `count` given `expected`.
    pub p: PValue,
    /// The likelihood ratio statistic (for ranking).
    pub llr: f64,
    /// The negative-binomial shape used; `None` when the baseline is Poisson.
    pub shape: Option<f64>,
    /// Errors in the baseline at the onset (seconds assigned to spikes left out).
    pub baseline_count: u64,
    /// Seconds in that baseline.
    pub baseline_seconds: u64,
    /// Window tests made on the series.
    pub windows_scanned: u64,
    /// Errors by class, in the spike and in the baseline window, most frequent first.
    pub classes: Vec<Share<Class>>,
    /// Errors by peer, in the spike and in the baseline window, most frequent first (empty
    /// when the lines name no peer besides the series).
    pub peers: Vec<Share<Box<[u8]>>>,
    /// How many peers of the series had events (of any class) around the spike.
    pub peers_seen: usize,
    /// The same incident in the access log's responses, folded into this spike.
    pub echoes: Vec<Echo>,
}

/// A responses spike folded into an attempts spike of the same incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Echo {
    /// The responses series (often the peer's group).
    pub series: Option<Box<[u8]>>,
    /// Its first second.
    pub start: i64,
    /// Its last second.
    pub end: i64,
    /// Failed responses in it.
    pub count: u64,
}

impl Spike {
    /// `count / expected`.
    pub fn ratio(&self) -> f64 {
        self.count as f64 / self.expected.max(crate::stats::MIN_MEAN)
    }

    /// Errors of every class listed in [`Spike::classes`] in the baseline window: the base of
    /// each class's `baseline` share.
    pub fn baseline_total(&self) -> u64 {
        self.classes.iter().map(|c| c.baseline).sum()
    }

    /// Errors of every peer listed in [`Spike::peers`] in the baseline window: the base of
    /// each peer's `baseline` share.
    pub fn peers_baseline_total(&self) -> u64 {
        self.peers.iter().map(|p| p.baseline).sum()
    }

    /// The most frequent class and its share (0 to 1) of the spike's errors.
    pub fn top_class(&self) -> Option<(Class, f64)> {
        self.classes.first().map(|c| (c.key, share(c.count, self.count)))
    }

    /// The share (0 to 1) of the spike's errors whose class passes `f`.
    pub fn share_of(&self, f: impl Fn(Class) -> bool) -> f64 {
        let n: u64 = self.classes.iter().filter(|s| f(s.key)).map(|s| s.count).sum();
        n as f64 / self.count.max(1) as f64
    }

    /// Duration in seconds (`end - start + 1`).
    pub fn seconds(&self) -> i64 {
        self.end - self.start + 1
    }
}

/// The series to scan: every series with an error.
pub(crate) fn scanned_series(agg: &Aggregator, keep: &impl Fn(Class) -> bool) -> Vec<SeriesKey> {
    agg.series().into_iter().filter(|k| agg.series_span(*k, keep).is_some()).collect()
}

/// Folds each responses spike into the overlapping attempts spikes of the same name or of one
/// of its peers (see the module docs).
fn fold_echoes(spikes: Vec<Spike>, gap: i64) -> Vec<Spike> {
    let (mut attempts, responses): (Vec<Spike>, Vec<Spike>) =
        spikes.into_iter().partition(|s| s.unit == Unit::Attempts);
    let mut kept = Vec::new();
    for r in responses {
        let mut folded = false;
        for a in &mut attempts {
            let overlap = a.start <= r.end + gap && r.start <= a.end + gap;
            let same = a.series == r.series
                || a.series.as_deref().is_some_and(|n| r.peers.iter().any(|p| *p.key == *n));
            if overlap && same {
                a.echoes.push(Echo {
                    series: r.series.clone(),
                    start: r.start,
                    end: r.end,
                    count: r.count,
                });
                folded = true;
            }
        }
        if !folded {
            kept.push(r);
        }
    }
    attempts.extend(kept);
    attempts
}

/// Finds the spikes of upstream failures in every series of `agg`, by start then name.
pub fn detect(agg: &Aggregator, params: &Params) -> Vec<Spike> {
    detect_classes(agg, params, Class::is_upstream_failure)
}

/// Like [`detect`], counting the classes that pass `keep` as errors.
pub fn detect_classes(
    agg: &Aggregator,
    params: &Params,
    keep: impl Fn(Class) -> bool,
) -> Vec<Spike> {
    detect_with(agg, params, keep, false, |x, history| scan_with_history(x, history, params))
}

/// Runs `find` on the dense series of every scanned series and builds the spikes. The series
/// covers the whole input when `whole` is set, else only around its errors (from a baseline's
/// length before the first to the longest window after the last).
pub(crate) fn detect_with(
    agg: &Aggregator,
    params: &Params,
    keep: impl Fn(Class) -> bool,
    whole: bool,
    find: impl Fn(&[u32], usize) -> Scan,
) -> Vec<Spike> {
    let Some((first, last)) = agg.span() else { return Vec::new() };
    let reach = (params.guard + params.baseline) as i64;
    let max_w = params.windows.iter().copied().max().unwrap_or(1) as i64;
    let mut spikes = Vec::new();
    for key in scanned_series(agg, &keep) {
        let Some((fs, ls)) = agg.series_span(key, &keep) else { continue };
        let (from, to) =
            if whole { (first, last) } else { (first.max(fs - reach), last.min(ls + max_w)) };
        let x = agg.dense(key, from, to, &keep);
        let scan = find(&x, (from - first) as usize);
        for b in scan.bursts {
            let start = from + b.start as i64;
            let end = from + b.end as i64;
            let (classes, peers, peers_seen) = breakdown(agg, key, start, end, params, &keep);
            spikes.push(Spike {
                series: agg.name(key).map(Into::into),
                unit: key.unit(),
                start,
                end,
                count: b.count,
                expected: b.expected,
                p: b.p,
                llr: b.llr,
                shape: b.shape,
                baseline_count: b.baseline_count,
                baseline_seconds: b.baseline_seconds,
                windows_scanned: scan.windows_scanned,
                classes,
                peers,
                peers_seen,
                echoes: Vec::new(),
            });
        }
    }
    let mut spikes = fold_echoes(spikes, params.merge_gap as i64);
    spikes.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.series.cmp(&b.series)));
    spikes
}

type Breakdown = (Vec<Share<Class>>, Vec<Share<Box<[u8]>>>, usize);

/// Errors by class and by peer in `start..=end` and in the baseline window before it.
fn breakdown(
    agg: &Aggregator,
    key: SeriesKey,
    start: i64,
    end: i64,
    p: &Params,
    keep: &impl Fn(Class) -> bool,
) -> Breakdown {
    let b_from = start - (p.guard + p.baseline) as i64;
    let b_to = start - p.guard as i64 - 1;
    let mut classes: BTreeMap<Class, (u64, u64)> = BTreeMap::new();
    let mut peers: BTreeMap<&[u8], (u64, u64)> = BTreeMap::new();
    let mut seen: std::collections::BTreeSet<&[u8]> = Default::default();
    for c in agg.counts(key, b_from, end) {
        if let Some(peer) = c.peer {
            seen.insert(peer);
        }
        let inside = c.second >= start;
        if !keep(c.class) || (!inside && c.second > b_to) {
            continue;
        }
        let slot = |e: &mut (u64, u64)| if inside { e.0 += c.n } else { e.1 += c.n };
        slot(classes.entry(c.class).or_default());
        if let Some(peer) = c.peer {
            slot(peers.entry(peer).or_default());
        }
    }
    let mut classes: Vec<Share<Class>> = classes
        .into_iter()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(key, (count, baseline))| Share { key, count, baseline })
        .collect();
    classes.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    let mut peers: Vec<Share<Box<[u8]>>> = peers
        .into_iter()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(key, (count, baseline))| Share { key: key.into(), count, baseline })
        .collect();
    peers.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    (classes, peers, seen.len())
}

#[cfg(test)]
mod tests;
