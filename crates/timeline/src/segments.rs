//! Segmentation with PELT and a Poisson cost: the `segments` method, for sustained shifts.
//!
//! The scan of [`spikes`](crate::spikes) compares each second with a trailing baseline, which
//! follows slow change; that makes it miss slow degradations and long overloads, whose ramp
//! leaks into the baseline. Segmentation instead cuts the whole series into stretches of
//! constant rate and compares each with a global baseline.
//!
//! # Method
//!
//! The series is cut into chunks of [`SegmentParams::chunk`] seconds (one hour by default),
//! which bounds the quadratic worst case of PELT on quiet series. In each chunk, PELT (Killick,
//! Fearnhead and Eckley) finds the segmentation minimising the sum of segment costs
//! `C = k − k · ln(k / n)` (the negative Poisson log-likelihood at its maximum, `k` errors in
//! `n` seconds) plus a penalty `β = 2 · ln T` per segment, pruning candidates with
//! `F[s] + C(s, t) > F[t]`. Only the edges of runs of zero seconds are tried as changepoints:
//! the cost is concave in a boundary's position inside such a run, so the optimum is at one of
//! its ends.
//!
//! The baseline is the length-weighted median of the segment rates over the whole series
//! (chunks only bound the work), floored at `0.5 / T`. A segment, trimmed to its first and last
//! error, is reported when it has at least `min_count` errors, at least `min_ratio` times the
//! baseline's expectation, and a Poisson p-value below `alpha`; reported segments at most
//! `merge_gap` seconds apart are merged (also across chunk edges).
//!
//! The trade-offs, from the design note's experiments: better on slow degradations and long
//! overloads, worse under strong seasonality (the baseline is global, not trailing), and not
//! usable as a stream.

use logparse::Class;

use crate::aggregate::Aggregator;
use crate::spikes::{Burst, Params, Scan, Spike, detect_with};
use crate::stats::{PValue, ln_poisson_sf};

/// Settings of the segmentation; [`SegmentParams::default`] has the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentParams {
    /// Chunk length in seconds (default 3600).
    pub chunk: usize,
    /// Significance (default 1e-6).
    pub alpha: f64,
    /// Fewest errors in a reported segment (default 8).
    pub min_count: u64,
    /// Smallest ratio to the baseline (default 3).
    pub min_ratio: f64,
    /// Segments at most this far apart are merged (default 5).
    pub merge_gap: usize,
}

impl Default for SegmentParams {
    fn default() -> SegmentParams {
        SegmentParams { chunk: 3600, alpha: 1e-6, min_count: 8, min_ratio: 3.0, merge_gap: 5 }
    }
}

fn cost(k: f64, n: f64) -> f64 {
    if k <= 0.0 { 0.0 } else { k - k * (k / n).ln() }
}

/// The starts of the segments of `x` (the first is 0), by PELT with penalty `beta`.
pub fn pelt(x: &[u32], beta: f64) -> Vec<usize> {
    let nonzero: Vec<(usize, u32)> =
        x.iter().enumerate().filter(|(_, v)| **v > 0).map(|(t, v)| (t, *v)).collect();
    pelt_sparse(&nonzero, x.len(), beta)
}

/// [`pelt`] of a series of `n` seconds given by its non-zero seconds, by second.
fn pelt_sparse(nonzero: &[(usize, u32)], n: usize, beta: f64) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    // Candidate boundaries: 0, n, and the edges of every non-zero second, with the errors
    // before each.
    let mut points: Vec<(usize, u64)> = vec![(0, 0)];
    let mut acc = 0u64;
    for &(i, v) in nonzero {
        if points.last().is_none_or(|p| p.0 != i) {
            points.push((i, acc));
        }
        acc += u64::from(v);
        points.push((i + 1, acc));
    }
    if points.last().is_none_or(|p| p.0 != n) {
        points.push((n, acc));
    }
    let c = |s: usize, t: usize| {
        let (a, b) = (points[s], points[t]);
        cost((b.1 - a.1) as f64, (b.0 - a.0) as f64)
    };
    // f[i], last[i] indexed like `points`.
    let mut f = vec![0.0f64; points.len()];
    let mut last = vec![0usize; points.len()];
    f[0] = -beta;
    let mut cands: Vec<usize> = vec![0];
    for j in 1..points.len() {
        let (mut best, mut arg) = (f64::INFINITY, 0);
        for &i in &cands {
            let v = f[i] + c(i, j) + beta;
            if v < best {
                (best, arg) = (v, i);
            }
        }
        f[j] = best;
        last[j] = arg;
        cands.retain(|&i| f[i] + c(i, j) <= best);
        cands.push(j);
    }
    let mut starts = Vec::new();
    let mut j = points.len() - 1;
    while j > 0 {
        j = last[j];
        starts.push(points[j].0);
    }
    starts.reverse();
    starts
}

/// The reported segments of one dense series (indices into `x`).
pub fn segments(x: &[u32], p: &SegmentParams) -> Scan {
    let nonzero: Vec<(usize, u32)> =
        x.iter().enumerate().filter(|(_, v)| **v > 0).map(|(t, v)| (t, *v)).collect();
    segments_sparse(&nonzero, x.len(), p)
}

/// [`segments`] of a series of `len` seconds given by its non-zero seconds, by second. Chunks
/// without an error are one segment of rate 0 each: they are counted, not segmented, so the
/// work grows with the chunks that have errors.
pub fn segments_sparse(nonzero: &[(usize, u32)], len: usize, p: &SegmentParams) -> Scan {
    let chunk = p.chunk.max(60);
    let nonzero: Vec<(usize, u32)> = nonzero.iter().copied().filter(|(t, _)| *t < len).collect();
    // Errors before each non-zero second, to sum any range.
    let mut before = Vec::with_capacity(nonzero.len() + 1);
    before.push(0u64);
    for &(_, v) in &nonzero {
        before.push(before.last().copied().unwrap_or(0) + u64::from(v));
    }
    let sum = |a: usize, b: usize| -> u64 {
        // Errors in [a, b).
        let i = nonzero.partition_point(|e| e.0 < a);
        let j = nonzero.partition_point(|e| e.0 < b);
        before[j] - before[i]
    };
    // Segment each chunk with errors; keep every segment with its count. The seconds of the
    // chunks without errors are one rate-0 stretch for the baseline.
    let mut segs: Vec<(usize, usize, u64)> = Vec::new(); // [start, end) and count
    let mut empty = 0usize;
    let mut covered = 0usize;
    let mut i = 0;
    while i < nonzero.len() {
        let offset = nonzero[i].0 / chunk * chunk;
        let plen = chunk.min(len - offset);
        empty += offset - covered;
        let j = i + nonzero[i..].partition_point(|e| e.0 < offset + plen);
        let part: Vec<(usize, u32)> = nonzero[i..j].iter().map(|&(t, v)| (t - offset, v)).collect();
        let mut starts = pelt_sparse(&part, plen, 2.0 * (plen as f64).ln());
        starts.push(plen);
        for w in starts.windows(2) {
            segs.push((offset + w[0], offset + w[1], sum(offset + w[0], offset + w[1])));
        }
        covered = offset + plen;
        i = j;
    }
    empty += len - covered;
    // The baseline: the length-weighted median of the segment rates over the whole series.
    let mut rates: Vec<(f64, usize)> =
        segs.iter().map(|&(s, e, k)| (k as f64 / (e - s) as f64, e - s)).collect();
    if empty > 0 {
        rates.push((0.0, empty));
    }
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut acc, mut median) = (0, 0.0);
    for (r, n) in &rates {
        acc += n;
        if 2 * acc >= len {
            median = *r;
            break;
        }
    }
    let base = median.max(0.5 / len.max(1) as f64);
    let test = |s: usize, e: usize| -> Option<(u64, f64, f64)> {
        let count = sum(s, e + 1);
        let expected = base * (e - s + 1) as f64;
        let lnp = ln_poisson_sf(count, expected);
        let ok =
            count >= p.min_count && count as f64 >= p.min_ratio * expected && lnp < p.alpha.ln();
        ok.then_some((count, expected, lnp))
    };
    // Test each segment (trimmed to its first and last error), then merge neighbours.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for (s, e, _) in segs {
        let inside = &nonzero[nonzero.partition_point(|x| x.0 < s)..];
        let inside = &inside[..inside.partition_point(|x| x.0 < e)];
        let (Some(first), Some(last)) = (inside.first(), inside.last()) else { continue };
        let (s, e) = (first.0, last.0);
        if test(s, e).is_none() {
            continue;
        }
        match kept.last_mut() {
            Some(m) if s <= m.1 + 1 + p.merge_gap => m.1 = e,
            _ => kept.push((s, e)),
        }
    }
    let mut bursts = Vec::new();
    for (s, e) in kept {
        let Some((count, expected, lnp)) = test(s, e) else { continue };
        let k = count as f64;
        bursts.push(Burst {
            start: s,
            end: e,
            count,
            expected,
            p: PValue::from_ln(lnp),
            llr: if k > expected { k * (k / expected).ln() - (k - expected) } else { 0.0 },
            shape: None,
            baseline_count: (base * len as f64).round() as u64,
            baseline_seconds: len as u64,
        });
    }
    Scan { bursts, windows_scanned: 0 }
}

/// Finds sustained shifts of upstream failures in every series of `agg` by segmentation.
///
/// `params` gives the class breakdown's baseline window and the echo folding; `seg` the
/// segmentation's settings.
pub fn detect(agg: &Aggregator, params: &Params, seg: &SegmentParams) -> Vec<Spike> {
    detect_with(agg, params, Class::is_upstream_failure, true, |x, len, _| {
        segments_sparse(x, len, seg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pelt_finds_a_step_at_its_second() {
        let mut x = vec![0u32; 600];
        for (i, v) in x.iter_mut().enumerate().skip(300) {
            *v = if i % 2 == 0 { 3 } else { 2 };
        }
        x[10] = 1;
        x[150] = 1;
        let starts = pelt(&x, 2.0 * 600f64.ln());
        assert_eq!(starts, [0, 300]);
    }

    #[test]
    fn a_slow_ramp_is_reported_as_a_segment() {
        // 0.01/s background (one error every 100 s), then a 15-minute ramp to 0.5/s.
        let mut x = vec![0u32; 3600];
        for t in (0..3600).step_by(100) {
            x[t] = 1;
        }
        let mut acc = 0.0;
        for (i, v) in x.iter_mut().enumerate().skip(2000).take(900) {
            acc += 0.5 * (i - 2000) as f64 / 900.0;
            if acc >= 1.0 {
                *v += 1;
                acc -= 1.0;
            }
        }
        let s = segments(&x, &SegmentParams::default());
        assert_eq!(s.bursts.len(), 1, "{:?}", s.bursts);
        let b = &s.bursts[0];
        assert!(b.start > 2000 && b.start < 2400, "{b:?}");
        assert!((2890..=2900).contains(&b.end), "{b:?}");
    }

    #[test]
    fn a_steady_series_has_no_segment() {
        let mut x = vec![0u32; 7200];
        for t in (0..7200).step_by(7) {
            x[t] = 1 + (t % 3) as u32;
        }
        assert!(segments(&x, &SegmentParams::default()).bursts.is_empty());
    }
}
