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
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0u64);
    for &v in x {
        prefix.push(prefix.last().copied().unwrap_or(0) + u64::from(v));
    }
    // Candidate boundaries: 0, n, and the edges of every non-zero second.
    let mut points: Vec<usize> = vec![0];
    for (i, &v) in x.iter().enumerate() {
        if v > 0 {
            points.push(i);
            points.push(i + 1);
        }
    }
    points.push(n);
    points.dedup();
    let c = |s: usize, t: usize| cost((prefix[t] - prefix[s]) as f64, (t - s) as f64);
    // f[i], last[i] indexed like `points`.
    let mut f = vec![0.0f64; points.len()];
    let mut last = vec![0usize; points.len()];
    f[0] = -beta;
    let mut cands: Vec<usize> = vec![0];
    for j in 1..points.len() {
        let t = points[j];
        let (mut best, mut arg) = (f64::INFINITY, 0);
        for &i in &cands {
            let v = f[i] + c(points[i], t) + beta;
            if v < best {
                (best, arg) = (v, i);
            }
        }
        f[j] = best;
        last[j] = arg;
        cands.retain(|&i| f[i] + c(points[i], t) <= best);
        cands.push(j);
    }
    let mut starts = Vec::new();
    let mut j = points.len() - 1;
    while j > 0 {
        j = last[j];
        starts.push(points[j]);
    }
    starts.reverse();
    starts
}

/// The reported segments of one dense series (indices into `x`).
pub fn segments(x: &[u32], p: &SegmentParams) -> Scan {
    let chunk = p.chunk.max(60);
    // Segment each chunk; keep every segment with its count.
    let mut segs: Vec<(usize, usize, u64)> = Vec::new(); // [start, end) and count
    let mut offset = 0;
    while offset < x.len() {
        let part = &x[offset..x.len().min(offset + chunk)];
        let len = part.len();
        let mut starts = pelt(part, 2.0 * (len as f64).ln());
        starts.push(len);
        for w in starts.windows(2) {
            let k = part[w[0]..w[1]].iter().map(|&v| u64::from(v)).sum();
            segs.push((offset + w[0], offset + w[1], k));
        }
        offset += len;
    }
    // The baseline: the length-weighted median of the segment rates over the whole series.
    let mut rates: Vec<(f64, usize)> =
        segs.iter().map(|&(s, e, k)| (k as f64 / (e - s) as f64, e - s)).collect();
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut acc, mut median) = (0, 0.0);
    for (r, n) in &rates {
        acc += n;
        if 2 * acc >= x.len() {
            median = *r;
            break;
        }
    }
    let base = median.max(0.5 / x.len().max(1) as f64);
    let test = |s: usize, e: usize| -> Option<(u64, f64, f64)> {
        let count: u64 = x[s..=e].iter().map(|&v| u64::from(v)).sum();
        let expected = base * (e - s + 1) as f64;
        let lnp = ln_poisson_sf(count, expected);
        let ok =
            count >= p.min_count && count as f64 >= p.min_ratio * expected && lnp < p.alpha.ln();
        ok.then_some((count, expected, lnp))
    };
    // Test each segment (trimmed to its first and last error), then merge neighbours.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for (s, e, _) in segs {
        let Some(s) = (s..e).find(|&t| x[t] > 0) else { continue };
        let Some(e) = (s..e).rev().find(|&t| x[t] > 0) else { continue };
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
            baseline_count: (base * x.len() as f64).round() as u64,
            baseline_seconds: x.len() as u64,
        });
    }
    Scan { bursts, windows_scanned: 0 }
}

/// Finds sustained shifts of upstream failures in every series of `agg` by segmentation.
///
/// `params` gives the class breakdown's baseline window and the echo folding; `seg` the
/// segmentation's settings.
pub fn detect(agg: &Aggregator, params: &Params, seg: &SegmentParams) -> Vec<Spike> {
    detect_with(agg, params, Class::is_upstream_failure, true, |x, _| segments(x, seg))
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
