//! The scan as a pass over every second of a dense series: the plain statement of the method,
//! kept to check the sparse [`Scanner`](super::Scanner) against.

use super::Scan;
use super::model::{Base, Burst, Params, llr, shape_for};
use crate::stats::{PValue, ln_nb_sf, poisson_quantile};

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

/// Scans a dense per-second series that starts `history` seconds after the input's start
/// (seconds before it are known to be zero), which decides when the warm-up ends.
pub(super) fn scan_with_history(x: &[u32], history: usize, p: &Params) -> Scan {
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
