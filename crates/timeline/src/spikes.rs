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
//!    assigned to a spike; `0.5` in `1` s is the prior ([`PRIOR_ERRORS`], [`PRIOR_SECONDS`]),
//!    the whole rate when `N = 0` ([`Spike::prior_rate`]). The 30-second guard keeps a spike's start out of its own baseline.
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
//!
//! # Cost
//!
//! The scan is stated second by second, but a second whose longest window holds fewer than
//! [`Params::window_min_count`] errors cannot be flagged, and its baseline rate is only read
//! if it ends up inside a spike. [`Scanner`] therefore visits only the seconds at most the
//! longest window plus [`Params::merge_gap`] before such a *hot* second, computes each
//! baseline from prefix sums of the non-zero and flagged seconds, and counts the window tests
//! of the others without visiting them. Time and memory grow with the seconds that have
//! errors (about 125 visits per isolated hot second at the defaults, none for a second whose
//! minute holds one or two errors), never with the calendar span: three errors years apart
//! cost three entries. The results are those of the second-by-second pass, to the last bit
//! (a property test compares the two).

use std::collections::BTreeMap;

use logparse::Class;

use crate::Unit;
use crate::aggregate::{Aggregator, Count, SeriesKey};
use crate::stats::PValue;

mod model;
mod scanner;

#[cfg(test)]
mod reference;

pub use model::{Burst, PRIOR_ERRORS, PRIOR_SECONDS, Params};
pub use scanner::{Len, Scanner};

/// The result of [`scan`].
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// The bursts, by start.
    pub bursts: Vec<Burst>,
    /// How many window tests the scan made (for the record of how nominal a p-value is).
    pub windows_scanned: u64,
}

/// Scans a dense per-second series.
pub fn scan(x: &[u32], params: &Params) -> Scan {
    scan_with_history(x, 0, params)
}

/// Scans a dense per-second series that starts `history` seconds after the input's start
/// (seconds before it are known to be zero), which decides when the warm-up ends.
pub fn scan_with_history(x: &[u32], history: usize, p: &Params) -> Scan {
    let nonzero: Vec<(usize, u32)> =
        x.iter().enumerate().filter(|(_, v)| **v > 0).map(|(t, v)| (t, *v)).collect();
    scan_sparse(&nonzero, x.len(), history, p)
}

/// Scans a series of `len` seconds given by its non-zero seconds only, `(second, errors)` in
/// increasing order of second; the result is that of [`scan_with_history`] on the dense series.
/// The work and memory grow with the number of non-zero seconds, not with `len` (see
/// [`Scanner`]).
pub fn scan_sparse(nonzero: &[(usize, u32)], len: usize, history: usize, p: &Params) -> Scan {
    let mut s = Scanner::new(history);
    for &(t, n) in nonzero.iter().filter(|(t, _)| *t < len) {
        s.push(t, u64::from(n));
    }
    s.finish(len, p);
    Scan { bursts: s.take_bursts(), windows_scanned: s.windows_scanned(len, p) }
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

/// One line of a spike's class or peer mix, as reports print it: a key (or the rest of the
/// keys), its errors in the spike and in the baseline window, and their shares (0 to 1).
///
/// The lines of one [`Spike::class_lines`] or [`Spike::peer_lines`] call sum to the spike's
/// errors and to its baseline window's errors, so their shares each sum to 1 (the baseline
/// shares sum to 0 when the baseline window has no errors, see [`Spike::baseline_errors`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ShareLine<'a, T> {
    /// The class or peer; `None` for the line that sums the keys not listed, and, for peers,
    /// the errors whose line named no peer.
    pub key: Option<&'a T>,
    /// How many keys the line sums: 1 for a key, 0 or more for the rest (0 when it holds only
    /// errors that name no peer).
    pub keys: usize,
    /// Errors in the spike.
    pub count: u64,
    /// Errors in the baseline window.
    pub baseline: u64,
    /// `count` over the spike's errors.
    pub share: f64,
    /// `baseline` over the baseline window's errors.
    pub baseline_share: f64,
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
    /// Errors of the series in the baseline window of the class and peer mix (every class
    /// counted as an error, every peer or none), `[start − guard − baseline, start − guard)`
    /// (Unix seconds): the base of every share "before" (unlike [`Spike::baseline_count`], it
    /// keeps the seconds assigned to other spikes).
    pub baseline_errors: u64,
    /// Errors by class, in the spike and in the baseline window: every class with errors in
    /// either, by errors in the spike, then in the baseline, most first. A class seen only
    /// in the baseline has `count` 0.
    pub classes: Vec<Share<Class>>,
    /// Errors by peer, in the spike and in the baseline window, ordered like `classes` (empty
    /// when the lines name no peer besides the series). A peer seen only in the baseline has
    /// `count` 0; [`Spike::spike_peers`] leaves those out.
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

    /// The rate the spike was compared with when its baseline had no second at all (a series
    /// that starts with the spike, with nothing around it to learn from): the prior alone,
    /// [`PRIOR_ERRORS`] / [`PRIOR_SECONDS`] errors per second. `None` when there were
    /// baseline seconds ([`Spike::baseline_count`] errors in [`Spike::baseline_seconds`]).
    pub fn prior_rate(&self) -> Option<f64> {
        (self.baseline_seconds == 0).then_some(PRIOR_ERRORS / PRIOR_SECONDS)
    }

    /// Errors in the baseline window, every class and peer: the base of each class's
    /// `baseline` share ([`Spike::baseline_errors`]).
    pub fn baseline_total(&self) -> u64 {
        self.baseline_errors
    }

    /// The base of each peer's `baseline` share: the same as [`Spike::baseline_total`], so
    /// errors whose line names no peer count in the base too.
    pub fn peers_baseline_total(&self) -> u64 {
        self.baseline_errors
    }

    /// The peers with errors in the spike itself (not only in its baseline window).
    pub fn spike_peers(&self) -> impl Iterator<Item = &Share<Box<[u8]>>> {
        self.peers.iter().filter(|p| p.count > 0)
    }

    /// The class mix as a report prints it: the first `n` classes of [`Spike::classes`], then
    /// one line (key `None`) for the other classes when they have errors in either window.
    pub fn class_lines(&self, n: usize) -> Vec<ShareLine<'_, Class>> {
        self.lines(&self.classes, n)
    }

    /// The peer mix as a report prints it: the first `n` peers of [`Spike::peers`], then one
    /// line (key `None`) for the other peers and the errors that name no peer, when there are
    /// any in either window. Empty when the lines name no peer.
    pub fn peer_lines(&self, n: usize) -> Vec<ShareLine<'_, Box<[u8]>>> {
        if self.peers.is_empty() { Vec::new() } else { self.lines(&self.peers, n) }
    }

    fn lines<'a, T>(&self, all: &'a [Share<T>], n: usize) -> Vec<ShareLine<'a, T>> {
        let line = |key, keys, count, baseline| ShareLine {
            key,
            keys,
            count,
            baseline,
            share: share(count, self.count),
            baseline_share: share(baseline, self.baseline_errors),
        };
        let shown = &all[..n.min(all.len())];
        let mut out: Vec<ShareLine<'a, T>> =
            shown.iter().map(|s| line(Some(&s.key), 1, s.count, s.baseline)).collect();
        let count = self.count.saturating_sub(shown.iter().map(|s| s.count).sum());
        let baseline = self.baseline_errors.saturating_sub(shown.iter().map(|s| s.baseline).sum());
        if count > 0 || baseline > 0 {
            out.push(line(None, all.len() - shown.len(), count, baseline));
        }
        out
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
                || a.series.as_deref().is_some_and(|n| r.spike_peers().any(|p| *p.key == *n));
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
    detect_with(agg, params, keep, false, |x, len, history| scan_sparse(x, len, history, params))
}

/// Runs `find` on every scanned series (its non-zero seconds, its length, its history) and
/// builds the spikes. The series covers the whole input when `whole` is set, else only around
/// its errors (from a baseline's length before the first to the longest window after the last).
pub(crate) fn detect_with(
    agg: &Aggregator,
    params: &Params,
    keep: impl Fn(Class) -> bool,
    whole: bool,
    find: impl Fn(&[(usize, u32)], usize, usize) -> Scan,
) -> Vec<Spike> {
    let Some((first, last)) = agg.span() else { return Vec::new() };
    let reach = (params.guard + params.baseline) as i64;
    let max_w = params.windows.iter().copied().max().unwrap_or(1) as i64;
    let mut spikes = Vec::new();
    for key in scanned_series(agg, &keep) {
        let Some((fs, ls)) = agg.series_span(key, &keep) else { continue };
        let (from, to) =
            if whole { (first, last) } else { (first.max(fs - reach), last.min(ls + max_w)) };
        let x: Vec<(usize, u32)> = agg
            .nonzero(key, from, to, &keep)
            .into_iter()
            .map(|(t, n)| ((t - from) as usize, n))
            .collect();
        let scan = find(&x, (to - from + 1) as usize, (from - first) as usize);
        for b in &scan.bursts {
            let start = from + b.start as i64;
            let end = from + b.end as i64;
            let counts = agg.counts(key, start - reach, end);
            let breakdown = breakdown(counts, start, end, params, &keep);
            let name = agg.name(key).map(Into::into);
            spikes.push(spike_of(name, key.unit(), from, b, scan.windows_scanned, breakdown));
        }
    }
    finish_spikes(spikes, params)
}

/// The spike of burst `b` of a series whose index 0 is second `from`.
pub(crate) fn spike_of(
    series: Option<Box<[u8]>>,
    unit: Unit,
    from: i64,
    b: &Burst,
    windows_scanned: u64,
    Breakdown { classes, peers, peers_seen, baseline_errors }: Breakdown,
) -> Spike {
    Spike {
        series,
        unit,
        start: from + b.start as i64,
        end: from + b.end as i64,
        count: b.count,
        expected: b.expected,
        p: b.p,
        llr: b.llr,
        shape: b.shape,
        baseline_count: b.baseline_count,
        baseline_seconds: b.baseline_seconds,
        windows_scanned,
        baseline_errors,
        classes,
        peers,
        peers_seen,
        echoes: Vec::new(),
    }
}

/// Folds echoes and sorts: the spikes of every series, as [`detect`] returns them.
pub(crate) fn finish_spikes(spikes: Vec<Spike>, params: &Params) -> Vec<Spike> {
    let mut spikes = fold_echoes(spikes, params.merge_gap as i64);
    spikes.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.series.cmp(&b.series)));
    spikes
}

/// A spike's errors by class and by peer, and how many peers had events around it.
pub(crate) struct Breakdown {
    /// See [`Spike::classes`].
    classes: Vec<Share<Class>>,
    /// See [`Spike::peers`].
    peers: Vec<Share<Box<[u8]>>>,
    /// See [`Spike::peers_seen`].
    peers_seen: usize,
    /// See [`Spike::baseline_errors`].
    baseline_errors: u64,
}

/// Most errors in the spike first, then most errors in the baseline, then by key.
fn by_count<T: Ord>(a: &Share<T>, b: &Share<T>) -> std::cmp::Ordering {
    b.count.cmp(&a.count).then(b.baseline.cmp(&a.baseline)).then(a.key.cmp(&b.key))
}

/// Errors by class and by peer in `start..=end` and in the baseline window before it, from
/// `counts`, the series' counts from the baseline's start to `end`.
pub(crate) fn breakdown<'a>(
    counts: impl Iterator<Item = Count<'a>>,
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
    let mut baseline_errors = 0;
    for c in counts.filter(|c| c.second >= b_from && c.second <= end) {
        if let Some(peer) = c.peer {
            seen.insert(peer);
        }
        let inside = c.second >= start;
        if !keep(c.class) || (!inside && c.second > b_to) {
            continue;
        }
        if !inside {
            baseline_errors += c.n;
        }
        let slot = |e: &mut (u64, u64)| if inside { e.0 += c.n } else { e.1 += c.n };
        slot(classes.entry(c.class).or_default());
        if let Some(peer) = c.peer {
            slot(peers.entry(peer).or_default());
        }
    }
    // Keys seen only in the baseline stay: the mix before is over every error of the window.
    let mut classes: Vec<Share<Class>> = classes
        .into_iter()
        .map(|(key, (count, baseline))| Share { key, count, baseline })
        .collect();
    classes.sort_by(by_count);
    let mut peers: Vec<Share<Box<[u8]>>> = peers
        .into_iter()
        .map(|(key, (count, baseline))| Share { key: key.into(), count, baseline })
        .collect();
    peers.sort_by(by_count);
    Breakdown { classes, peers, peers_seen: seen.len(), baseline_errors }
}

#[cfg(test)]
mod tests;
