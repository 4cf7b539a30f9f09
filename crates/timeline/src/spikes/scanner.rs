//! The scan of one series, over its non-zero seconds only, as a computation that can stop at
//! any second and go on when later seconds are known.
//!
//! [`Scanner`] computes exactly what the method in the [module docs](super) describes for
//! every second of a series, but it only *visits* the seconds where something can happen:
//!
//! - a window test can only flag a window at a second `t` whose longest window holds at least
//!   [`Params::window_min_count`] errors (a *hot* second); every other second only adds its
//!   window count to [`Scan::windows_scanned`];
//! - the baseline rate is needed only at seconds that can end up inside a spike: the flagged
//!   seconds (at most the longest window before a hot second) and the gaps between them (at
//!   most [`Params::merge_gap`] more). So the scanner visits each hot second and the
//!   `longest window + merge gap` seconds before it, and skips the rest.
//!
//! A visit computes the baseline from running totals of the series' non-zero seconds and of
//! its flagged seconds (prefix sums searched by binary search), instead of a dense window, so
//! the work and the memory grow with the seconds that have errors, not with the span between
//! them. The numbers are the same integers and the same floating-point operations, in the same
//! order, as a pass over every second.
//!
//! # Going on later
//!
//! Errors are [`push`](Scanner::push)ed in time order; [`advance`](Scanner::advance) scans the
//! seconds before a horizon whose counts are final; [`finish`](Scanner::finish) scans the rest.
//! A run of flagged seconds becomes a burst once no later window can reach it (more than the
//! longest window plus the merge gap behind the scan). Two things make a second wait for more
//! than its own past:
//!
//! - the look-ahead baseline of the warm-up reads the first `baseline + 2 × guard + longest
//!   window` seconds of the series, and the length of the series' slice when it is shorter, so
//!   it waits until that length is known ([`Len`]);
//! - nothing else: the trailing baseline, the window tests and the flags depend only on
//!   seconds already scanned.
//!
//! [`prune`](Scanner::prune) forgets what no later step reads: non-zero and flagged seconds
//! more than `guard + baseline` before the scan (or before the run still open), baseline rates
//! of seconds no run can reach.

use std::cell::Cell;
use std::collections::VecDeque;

use super::model::{Base, Burst, Params, llr, shape_for};
use crate::stats::{MIN_MEAN, PValue, ln_nb_sf, poisson_quantile};

/// What is known of the length of the series' slice (seconds from its first, index 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Len {
    /// The slice has exactly this many seconds.
    Known(usize),
    /// The slice has at least this many seconds.
    AtLeast(usize),
}

impl Len {
    /// `min(len, cap)`, when it is known.
    fn capped(self, cap: usize) -> Option<usize> {
        match self {
            Len::Known(n) => Some(n.min(cap)),
            Len::AtLeast(n) if n >= cap => Some(cap),
            Len::AtLeast(_) => None,
        }
    }
}

/// The scan of one series in progress; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    /// Seconds between the input's start and the series' index 0.
    history: usize,
    /// Non-zero seconds: (second, errors, errors at earlier seconds).
    xs: VecDeque<(usize, u32, u64)>,
    /// Errors pushed so far.
    total: u64,
    /// Flagged seconds: (second, errors at earlier flagged seconds).
    flags: VecDeque<(usize, u64)>,
    /// Errors at flagged seconds so far.
    flag_total: u64,
    /// The baseline rate of each visited second, by second.
    lam: VecDeque<(usize, f64)>,
    /// The first second not visited yet and not known to be skippable: a later hot second
    /// visits its look-back from here at the earliest.
    next: usize,
    /// The first second that may still be hot: every hot second before it was visited.
    horizon: usize,
    /// Seconds visited, and the window tests counted at them.
    visited: u64,
    windows_visited: u64,
    /// Flagged seconds before this one belong to runs already turned into bursts.
    done: usize,
    /// Bursts found and not yet taken.
    bursts: Vec<Burst>,
    /// During a visit of `t`: `(t + 1, index of the first non-zero second from t + 1, number
    /// of flagged seconds)`, so that the searches of the visit, all within the baseline's reach
    /// before `t`, look at a short stretch instead of the whole series.
    anchor: Cell<Option<(usize, usize, usize)>>,
    /// The anchor's index at the last visit, where the next one starts looking.
    hint: usize,
}

/// The first index in `lo..hi` of `d` whose entry is not before `t` (by its second, `key`),
/// when every entry before `lo` is.
fn search<T>(d: &VecDeque<T>, lo: usize, hi: usize, t: usize, key: impl Fn(&T) -> usize) -> usize {
    let (mut lo, mut hi) = (lo, hi);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key(&d[mid]) < t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Scanner {
    /// A scanner for a series whose index 0 lies `history` seconds after the input's start.
    pub fn new(history: usize) -> Scanner {
        Scanner { history, ..Scanner::default() }
    }

    /// The first second not scanned yet: errors may be pushed from here on.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Adds `n` errors at second `t` (not before [`horizon`](Scanner::horizon), nor before the last
    /// second pushed). Counts saturate at `u32::MAX` per second.
    pub fn push(&mut self, t: usize, n: u64) {
        debug_assert!(
            t >= self.horizon,
            "second {t} pushed after the scan reached {}",
            self.horizon
        );
        let add = u32::try_from(n).unwrap_or(u32::MAX);
        match self.xs.back_mut() {
            Some(last) if last.0 == t => {
                let v = last.1.saturating_add(add);
                self.total += u64::from(v - last.1);
                last.1 = v;
            }
            Some(last) if last.0 > t => debug_assert!(false, "second {t} pushed out of order"),
            _ => {
                if add > 0 {
                    self.xs.push_back((t, add, self.total));
                    self.total += u64::from(add);
                }
            }
        }
    }

    /// The index of the first non-zero second not before `t`.
    fn x_index(&self, t: usize) -> usize {
        match self.anchor.get() {
            // At most `t1 - t` seconds lie between `t` and `t1`.
            Some((t1, ix, _)) if t <= t1 => {
                search(&self.xs, ix.saturating_sub(t1 - t), ix, t, |e| e.0)
            }
            _ => self.xs.partition_point(|e| e.0 < t),
        }
    }

    /// The index of the first flagged second not before `t`.
    fn flag_index(&self, t: usize) -> usize {
        match self.anchor.get() {
            Some((t1, _, fx)) if t <= t1 => {
                search(&self.flags, fx.saturating_sub(t1 - t), fx, t, |f| f.0)
            }
            _ => self.flags.partition_point(|f| f.0 < t),
        }
    }

    /// Errors at seconds before `t`.
    fn before(&self, t: usize) -> u64 {
        let i = self.x_index(t);
        self.xs.get(i).map_or(self.total, |e| e.2)
    }

    /// Errors in `[a, b)`.
    fn sum(&self, a: usize, b: usize) -> u64 {
        if a >= b { 0 } else { self.before(b) - self.before(a) }
    }

    /// Errors at second `t`.
    fn at(&self, t: usize) -> u32 {
        let i = self.xs.partition_point(|e| e.0 < t);
        self.xs.get(i).filter(|e| e.0 == t).map_or(0, |e| e.1)
    }

    /// Flagged seconds in `[a, b)` and their errors.
    fn flagged_in(&self, a: usize, b: usize) -> (u64, u64) {
        if a >= b {
            return (0, 0);
        }
        let i = self.flag_index(a);
        let j = self.flag_index(b);
        let cum = |k: usize| self.flags.get(k).map_or(self.flag_total, |f| f.1);
        ((j - i) as u64, cum(j) - cum(i))
    }

    /// Assigns every second of `a..=b` to a spike.
    fn flag(&mut self, a: usize, b: usize) {
        let k = self.flags.partition_point(|f| f.0 < a);
        if let Some(f) = self.flags.get(k) {
            self.flag_total = f.1;
        }
        self.flags.truncate(k);
        let mut i = self.xs.partition_point(|e| e.0 < a);
        for t in a..=b {
            self.flags.push_back((t, self.flag_total));
            while self.xs.get(i).is_some_and(|e| e.0 < t) {
                i += 1;
            }
            if let Some(e) = self.xs.get(i).filter(|e| e.0 == t) {
                self.flag_total += u64::from(e.1);
            }
        }
    }

    /// Errors in the longest window ending at `t`.
    fn recent(&self, t: usize, p: &Params) -> u64 {
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        self.sum((t + 1).saturating_sub(max_w), t + 1)
    }

    /// The baseline of second `t` (see the module docs of [`super`]), when the counts before
    /// `complete` are final; `None` when it is a warm-up second and the slice's length, or its
    /// counts, are not known far enough yet.
    fn base_at(&self, t: usize, len: Len, complete: usize, p: &Params) -> Option<Base> {
        let hi_trailing = t.saturating_sub(p.guard);
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        let (lo, hi, hole) = if self.history + hi_trailing < p.warmup {
            let hole = (t.saturating_sub(p.guard), t + p.guard + max_w);
            let hi = len.capped(p.baseline + hole.1 - hole.0)?;
            if hi > complete {
                return None;
            }
            (0, hi, hole)
        } else {
            (t.saturating_sub(p.guard + p.baseline), hi_trailing, (0, 0))
        };
        let (mut sum_all, mut n_all, mut sum_free, mut n_free) = (0u64, 0u64, 0u64, 0u64);
        for (a, b) in [(lo, hi.min(hole.0)), (lo.max(hole.1), hi)] {
            if a < b {
                let s = self.sum(a, b);
                let (fc, fx) = self.flagged_in(a, b);
                sum_all += s;
                n_all += (b - a) as u64;
                sum_free += s - fx;
                n_free += (b - a) as u64 - fc;
            }
        }
        let skip_flagged = ((n_all - n_free) as f64) <= p.level_shift * n_all as f64;
        let (sum, seconds) = if skip_flagged { (sum_free, n_free) } else { (sum_all, n_all) };
        Some(Base { sum, seconds, lo, hi, hole, skip_flagged })
    }

    /// The negative-binomial shape of a baseline from its 60-second blocks; `None` for
    /// Poisson.
    fn shape(&self, base: &Base) -> Option<f64> {
        const BLOCK: usize = 60;
        let mut blocks: Vec<f64> = Vec::with_capacity(16);
        let mut end = base.hi;
        while end >= base.lo + BLOCK {
            let (mut s, mut n) = (0u64, 0u64);
            let start = end - BLOCK;
            for (a, b) in [(start, end.min(base.hole.0)), (start.max(base.hole.1), end)] {
                if a < b {
                    let (fc, fx) = if base.skip_flagged { self.flagged_in(a, b) } else { (0, 0) };
                    s += self.sum(a, b) - fx;
                    n += (b - a) as u64 - fc;
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

    /// Visits second `t` when the counts before `complete` are final: its baseline rate, and its
    /// window tests when it is hot. Returns false (and changes nothing) when its baseline needs
    /// more of the slice than is known.
    fn visit(&mut self, t: usize, len: Len, complete: usize, p: &Params) -> bool {
        // Every flagged second is before `t`; the first non-zero second from `t + 1` is near
        // the last visit's.
        let mut ix = self.hint.min(self.xs.len());
        while ix > 0 && self.xs[ix - 1].0 > t {
            ix -= 1;
        }
        let mut step = 1;
        while ix + step <= self.xs.len() && self.xs[ix + step - 1].0 <= t {
            ix += step;
            step *= 2;
        }
        let ix = search(&self.xs, ix, (ix + step).min(self.xs.len()), t + 1, |e| e.0);
        self.hint = ix;
        self.anchor.set(Some((t + 1, ix, self.flags.len())));
        let visited = self.visit_anchored(t, len, complete, p);
        self.anchor.set(None);
        visited
    }

    /// [`visit`](Scanner::visit), with the anchor set.
    fn visit_anchored(&mut self, t: usize, len: Len, complete: usize, p: &Params) -> bool {
        let Some(base) = self.base_at(t, len, complete, p) else { return false };
        let rate = base.rate();
        self.lam.push_back((t, rate));
        self.visited += 1;
        if self.recent(t, p) < p.window_min_count {
            self.windows_visited += p.windows.len() as u64;
            return true;
        }
        let mut r_cache: Option<Option<f64>> = None;
        let mut best: Option<(usize, f64)> = None;
        for &w in &p.windows {
            if w == 0 || w > t + 1 {
                continue;
            }
            self.windows_visited += 1;
            let k = self.sum(t + 1 - w, t + 1);
            let mu = rate * w as f64;
            if k < p.window_min_count || (k as f64) < p.min_ratio * mu {
                continue;
            }
            let r = *r_cache.get_or_insert_with(|| self.shape(&base));
            let lnp = ln_nb_sf(k, mu, shape_for(r, w));
            if best.is_none_or(|(_, b)| lnp < b) {
                best = Some((w, lnp));
            }
        }
        if let Some((w, lnp)) = best {
            if lnp < p.alpha.ln() {
                self.anchor.set(None);
                self.flag(t + 1 - w, t);
            }
        }
        true
    }

    /// The first hot second in `from..upto`.
    fn next_hot(&self, from: usize, upto: usize, p: &Params) -> Option<usize> {
        if from >= upto {
            return None;
        }
        if self.recent(from, p) >= p.window_min_count {
            return Some(from);
        }
        // The count of the longest window only grows at a second with errors.
        let i = self.xs.partition_point(|e| e.0 <= from);
        self.xs
            .range(i..)
            .map(|e| e.0)
            .take_while(|&t| t < upto)
            .find(|&t| self.recent(t, p) >= p.window_min_count)
    }

    /// Scans the seconds before `upto`, whose counts must all have been pushed, and turns the
    /// runs no later second can reach into bursts. Stops early at a warm-up second whose
    /// baseline needs more of `len` than is known.
    pub fn advance(&mut self, upto: usize, len: Len, p: &Params) {
        let reach = p.windows.iter().copied().max().unwrap_or(1) + p.merge_gap;
        while let Some(h) = self.next_hot(self.next.max(self.horizon), upto, p) {
            for t in self.next.max(h.saturating_sub(reach))..=h {
                if !self.visit(t, len, upto, p) {
                    self.next = t;
                    self.horizon = t;
                    self.close_runs(false, len, p);
                    return;
                }
            }
            self.next = h + 1;
            self.horizon = h + 1;
        }
        // The last seconds stay the look-back of a hot second after `upto`.
        self.horizon = self.horizon.max(upto);
        self.next = self.next.max(upto.saturating_sub(reach));
        self.close_runs(false, len, p);
    }

    /// Scans the rest of a slice of `len` seconds and turns every run into bursts.
    pub fn finish(&mut self, len: usize, p: &Params) {
        self.advance(len, Len::Known(len), p);
        self.close_runs(true, Len::Known(len), p);
    }

    /// Whether second `t` is a warm-up second (its baseline looks ahead).
    fn warm(&self, t: usize, p: &Params) -> bool {
        self.history + t.saturating_sub(p.guard) < p.warmup
    }

    /// Turns the runs of flagged seconds that are over (all of them when `all`) into bursts.
    fn close_runs(&mut self, all: bool, len: Len, p: &Params) {
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        let first_open = self.flags.partition_point(|f| f.0 < self.done);
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &(t, _) in self.flags.range(first_open..) {
            match runs.last_mut() {
                Some(last) if t - last.1 - 1 <= p.merge_gap => last.1 = t,
                _ => runs.push((t, t)),
            }
        }
        // The flags of later windows start at `horizon + 1 - max_w` at the earliest.
        let earliest_new = (self.horizon + 1).saturating_sub(max_w);
        let lookahead = p.baseline + 2 * p.guard + max_w;
        for (s, e) in runs {
            let reachable = earliest_new <= e + p.merge_gap + 1;
            // A warm-up burst's baseline reads the flags of the first `lookahead` seconds.
            let warm_open =
                self.warm(s, p) && (len.capped(lookahead).is_none() || earliest_new < lookahead);
            if !all && (reachable || warm_open) {
                break;
            }
            let found = self.bursts_of(s, e, len, p);
            self.bursts.extend(found);
            self.done = e + 1;
        }
    }

    /// The baseline rate of visited second `t`.
    fn lam_at(&self, t: usize) -> f64 {
        let i = self.lam.partition_point(|l| l.0 < t);
        match self.lam.get(i) {
            Some(&(s, l)) if s == t => l,
            // Every second of a run is visited (see the module docs); this is not reached.
            _ => MIN_MEAN,
        }
    }

    /// The bursts of the run `s..=e`: split at quiet stretches, each part refined.
    fn bursts_of(&self, s: usize, e: usize, len: Len, p: &Params) -> Vec<Burst> {
        let x: Vec<u32> = (s..=e).map(|t| self.at(t)).collect();
        let lam: Vec<f64> = (s..=e).map(|t| self.lam_at(t)).collect();
        let quiet = |i: usize| u64::from(x[i]) <= poisson_quantile(lam[i], 0.99);
        let mut parts = Vec::new();
        let mut cur: Option<(usize, usize)> = None;
        let mut quiet_run = 0usize;
        for i in 0..x.len() {
            if quiet(i) {
                quiet_run += 1;
                if quiet_run >= p.split_quiet {
                    if let Some(c) = cur.take() {
                        parts.push(c);
                    }
                }
            } else {
                quiet_run = 0;
                cur = Some(cur.map_or((i, i), |(a, _)| (a, i)));
            }
        }
        parts.extend(cur);
        parts
            .into_iter()
            .filter_map(|(a, b)| self.refine(&x, &lam, s, a, b, len, p, &quiet))
            .collect()
    }

    /// The most likely sub-interval of the part `a..=b` of the run starting at `s` (`x` and
    /// `lam` hold the run from `s`), and its test; `None` if it is not reported.
    #[allow(clippy::too_many_arguments)]
    fn refine(
        &self,
        x: &[u32],
        lam: &[f64],
        s: usize,
        a: usize,
        b: usize,
        len: Len,
        p: &Params,
        quiet: &impl Fn(usize) -> bool,
    ) -> Option<Burst> {
        // Past this many non-quiet seconds the quadratic search is skipped (long overloads);
        // the part is kept whole.
        const MAX_HOT: usize = 4000;
        let hot: Vec<usize> = (a..=b).filter(|&i| !quiet(i)).collect();
        let mut prefix = Vec::with_capacity(b - a + 2);
        prefix.push(0u64);
        let mut lam_prefix = Vec::with_capacity(b - a + 2);
        lam_prefix.push(0.0);
        for i in a..=b {
            prefix.push(prefix.last().copied().unwrap_or(0) + u64::from(x[i]));
            lam_prefix.push(lam_prefix.last().copied().unwrap_or(0.0) + lam[i].max(MIN_MEAN));
        }
        let k_of = |i: usize, j: usize| (prefix[j + 1 - a] - prefix[i - a]) as f64;
        let mu_of = |i: usize, j: usize| lam_prefix[j + 1 - a] - lam_prefix[i - a];
        let (mut bs, mut be) = (*hot.first()?, *hot.last()?);
        if hot.len() <= MAX_HOT {
            let mut best = f64::NEG_INFINITY;
            for (n, &i) in hot.iter().enumerate() {
                for &j in &hot[n..] {
                    let v = llr(k_of(i, j), mu_of(i, j));
                    if v > best {
                        best = v;
                        (bs, be) = (i, j);
                    }
                }
            }
        }
        let count = prefix[be + 1 - a] - prefix[bs - a];
        let expected = mu_of(bs, be);
        if count < p.min_count || (count as f64) < p.min_ratio * expected {
            return None;
        }
        // Runs are closed once the counts their baselines read are final.
        let base = self.base_at(s + bs, len, usize::MAX, p)?;
        let r = self.shape(&base);
        let lnp = ln_nb_sf(count, expected, shape_for(r, be - bs + 1));
        if lnp >= p.alpha.ln() {
            return None;
        }
        Some(Burst {
            start: s + bs,
            end: s + be,
            count,
            expected,
            p: PValue::from_ln(lnp),
            llr: llr(count as f64, expected),
            shape: r,
            baseline_count: base.sum,
            baseline_seconds: base.seconds,
        })
    }

    /// Takes the bursts found so far, by start.
    pub fn take_bursts(&mut self) -> Vec<Burst> {
        std::mem::take(&mut self.bursts)
    }

    /// The window tests over a slice of `len` seconds: those made at visited seconds, and the
    /// full set of windows at every other second (where the longest window is below the
    /// minimum count).
    pub fn windows_scanned(&self, len: usize, p: &Params) -> u64 {
        let skipped = (len as u64).saturating_sub(self.visited);
        self.windows_visited + skipped * p.windows.len() as u64
    }

    /// Whether the scan holds a run of flagged seconds not yet turned into bursts.
    pub fn open(&self) -> bool {
        self.flags.back().is_some_and(|f| f.0 >= self.done)
    }

    /// Whether the next second to scan is a warm-up second, whose baseline looks ahead.
    pub fn warming(&self, p: &Params) -> bool {
        self.warm(self.next, p)
    }

    /// The earliest second a burst found later can start at: the open run's first second, or
    /// the first second a later window can flag.
    pub fn bursts_from(&self, p: &Params) -> usize {
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        let earliest_new = (self.horizon + 1).saturating_sub(max_w);
        self.flags.iter().find(|f| f.0 >= self.done).map_or(earliest_new, |f| f.0.min(earliest_new))
    }

    /// The earliest second any later step reads the counts of.
    pub fn needs_from(&self, p: &Params) -> usize {
        if self.warm(self.next, p) {
            return 0;
        }
        // Later visits start at `next`; later runs (whose bursts read the baseline before
        // their start) at the open run or at the first second a later window can flag.
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        let earliest_new = (self.horizon + 1).saturating_sub(max_w);
        let open = self.flags.iter().find(|f| f.0 >= self.done).map_or(earliest_new, |f| f.0);
        let from = self.next.min(open).min(earliest_new);
        if self.warm(from, p) { 0 } else { from.saturating_sub(p.guard + p.baseline) }
    }

    /// Forgets what no later step reads (see the module docs).
    pub fn prune(&mut self, p: &Params) {
        let from = self.needs_from(p);
        while self.xs.front().is_some_and(|e| e.0 < from) {
            self.xs.pop_front();
            self.hint = self.hint.saturating_sub(1);
        }
        while self.flags.front().is_some_and(|f| f.0 < from) {
            self.flags.pop_front();
        }
        let max_w = p.windows.iter().copied().max().unwrap_or(1);
        let open = self.flags.iter().find(|f| f.0 >= self.done).map(|f| f.0);
        let lam_from = (self.horizon + 1).saturating_sub(max_w + p.merge_gap + 1);
        let lam_from = open.map_or(lam_from, |o| o.min(lam_from));
        while self.lam.front().is_some_and(|l| l.0 < lam_from) {
            self.lam.pop_front();
        }
        // Give back what a busy stretch left allocated.
        fn shrink<T>(d: &mut VecDeque<T>) {
            if d.capacity() > 4 * d.len() + 64 {
                d.shrink_to(2 * d.len() + 16);
            }
        }
        shrink(&mut self.xs);
        shrink(&mut self.flags);
        shrink(&mut self.lam);
        if self.bursts.is_empty() {
            self.bursts = Vec::new();
        }
    }

    /// Approximate heap bytes held.
    pub fn bytes(&self) -> usize {
        self.xs.capacity() * std::mem::size_of::<(usize, u32, u64)>()
            + self.flags.capacity() * std::mem::size_of::<(usize, u64)>()
            + self.lam.capacity() * std::mem::size_of::<(usize, f64)>()
            + self.bursts.capacity() * std::mem::size_of::<Burst>()
    }
}

#[cfg(test)]
mod tests;
