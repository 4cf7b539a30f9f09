//! Tail probabilities of the count models, in log space.
//!
//! Spike p-values routinely fall below the smallest `f64` (300 errors where 0.0005 were
//! expected), so every function here returns the natural logarithm of the probability and
//! never underflows to `-inf` for a finite answer. The special functions are the classical
//! ones: the Lanczos approximation of `ln Γ`, the series and continued fraction of the
//! regularised incomplete gamma function, and the continued fraction of the regularised
//! incomplete beta function (modified Lentz). Relative accuracy is about 1e-10, far finer than
//! the thresholds (1e-3 to 1e-9) the detectors compare against.

use std::f64::consts::PI;
use std::fmt;

const EPS: f64 = 1e-14;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 100_000;

/// `ln Γ(x)` for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln B(a, b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `ln(1 - e^x)` for `x <= 0`, accurate near both ends.
fn ln_one_minus_exp(x: f64) -> f64 {
    if x > -std::f64::consts::LN_2 { (-x.exp_m1()).ln() } else { (-x.exp()).ln_1p() }
}

/// `ln P(a, x)`, the log of the regularised lower incomplete gamma function, `a > 0`.
pub fn ln_gamma_lower_reg(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series: P = e^-x x^a / Γ(a) · Σ x^n / (a (a+1) ... (a+n)).
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut n = 1.0;
        for _ in 0..MAX_ITER {
            term *= x / (a + n);
            sum += term;
            if term < sum * EPS {
                break;
            }
            n += 1.0;
        }
        front + sum.ln()
    } else {
        // Continued fraction for Q = 1 - P (Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        ln_one_minus_exp((front + h.ln()).min(0.0))
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln I_x(a, b)`, the log of the regularised incomplete beta function, `a, b > 0`.
pub fn ln_beta_reg(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let front = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        front + beta_cf(a, b, x).ln() - a.ln()
    } else {
        let ln_other = front + beta_cf(b, a, 1.0 - x).ln() - b.ln();
        ln_one_minus_exp(ln_other.min(0.0))
    }
}

/// The smallest mean used in a test: a zero expectation would make any count infinitely
/// surprising, and the rate prior keeps real baselines well above this.
pub const MIN_MEAN: f64 = 1e-12;

/// Shapes above this are treated as Poisson: the negative binomial is then indistinguishable
/// from it and its continued fraction converges slowly.
const MAX_SHAPE: f64 = 1e7;

/// `ln P(K >= k)` for `K ~ Poisson(mean)`.
pub fn ln_poisson_sf(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let mean = mean.max(MIN_MEAN);
    let v = ln_gamma_lower_reg(k as f64, mean);
    if v.is_finite() { v } else { chernoff(k, mean) }
}

/// `ln P(K >= k)` for a negative binomial `K` with the given mean and shape `r` (variance
/// `mean + mean²/r`); `None` or a very large shape is the Poisson limit.
pub fn ln_nb_sf(k: u64, mean: f64, shape: Option<f64>) -> f64 {
    let Some(r) = shape.filter(|r| *r < MAX_SHAPE && *r > 0.0) else {
        return ln_poisson_sf(k, mean);
    };
    if k == 0 {
        return 0.0;
    }
    let mean = mean.max(MIN_MEAN);
    let v = ln_beta_reg(k as f64, r, mean / (r + mean));
    if v.is_finite() { v } else { chernoff(k, mean) }
}

/// The Chernoff bound on the Poisson upper tail, used only if the exact value is not finite.
fn chernoff(k: u64, mean: f64) -> f64 {
    let k = k as f64;
    if k <= mean { 0.0 } else { -(k * (k / mean).ln() - k + mean) }
}

/// `ln P(X >= k)` for `X ~ Binomial(n, q)`.
pub fn ln_binomial_upper(k: u64, n: u64, q: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    if k > n {
        return f64::NEG_INFINITY;
    }
    ln_beta_reg(k as f64, (n - k + 1) as f64, q)
}

/// `ln P(X <= k)` for `X ~ Binomial(n, q)`.
pub fn ln_binomial_lower(k: u64, n: u64, q: f64) -> f64 {
    if k >= n {
        return 0.0;
    }
    ln_one_minus_exp(ln_binomial_upper(k + 1, n, q).min(0.0))
}

/// The smallest `q` with `P(K <= q) >= level` for `K ~ Poisson(mean)`.
pub fn poisson_quantile(mean: f64, level: f64) -> u64 {
    let mean = mean.max(0.0);
    if mean > 500.0 {
        // Normal approximation, with a margin; only used for very busy series.
        return (mean + 2.6 * mean.sqrt() + 1.0).ceil() as u64;
    }
    let mut pmf = (-mean).exp();
    let mut cdf = pmf;
    let mut q = 0u64;
    while cdf < level && q < 10_000 {
        q += 1;
        pmf *= mean / q as f64;
        cdf += pmf;
    }
    q
}

/// A p-value kept as its natural logarithm, so that values below `f64`'s range stay exact.
///
/// Displays as `p<1e-N` with `N = floor(-log10 p)`, capped at 300, which is how spikes are
/// reported: the exponent is what matters, and more digits would be false precision (the
/// value is nominal, conditional on the window the scan picked).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct PValue {
    ln: f64,
}

impl PValue {
    /// The p-value whose natural logarithm is `ln` (clamped to `<= 0`).
    pub fn from_ln(ln: f64) -> PValue {
        PValue { ln: if ln.is_nan() { 0.0 } else { ln.min(0.0) } }
    }

    /// The natural logarithm.
    pub fn ln(self) -> f64 {
        self.ln
    }

    /// The base-10 logarithm (`-12.3` for `5e-13`).
    pub fn log10(self) -> f64 {
        self.ln / std::f64::consts::LN_10
    }

    /// The value as an `f64`; `0.0` when it is below the smallest positive `f64`.
    pub fn value(self) -> f64 {
        self.ln.exp()
    }

    /// `N` of `p<1e-N`: `floor(-log10 p)`, at most 300.
    pub fn exponent(self) -> u32 {
        (-self.log10()).floor().clamp(0.0, 300.0) as u32
    }
}

impl fmt::Display for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exponent() {
            0 | 1 => write!(f, "p={:.2}", self.value()),
            n => write!(f, "p<1e-{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs() || (a - b).abs() < 1e-15
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for n in 1..30u32 {
            assert!(close(ln_gamma(f64::from(n)), fact.ln(), 1e-12), "{n}");
            fact *= f64::from(n);
        }
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-12));
    }

    #[test]
    fn poisson_tail_against_direct_sums() {
        for &(k, mean) in &[(1u64, 0.5f64), (3, 0.2), (10, 3.0), (5, 7.5), (40, 20.0), (2, 30.0)] {
            let mut pmf = (-mean).exp();
            let mut below = 0.0;
            for i in 0..k {
                below += pmf;
                pmf *= mean / (i + 1) as f64;
            }
            let want = 1.0 - below;
            let got = ln_poisson_sf(k, mean).exp();
            assert!(close(got, want, 1e-9), "k={k} mean={mean}: {got} vs {want}");
        }
    }

    #[test]
    fn poisson_tail_far_below_f64_stays_finite() {
        // 300 errors where 0.0005 were expected: log10 p is about -1,400.
        let ln = ln_poisson_sf(300, 0.0005);
        assert!(ln.is_finite());
        let log10 = ln / std::f64::consts::LN_10;
        // P(K >= k) ~ P(K = k) = e^-μ μ^k / k!
        let want = (300.0 * 0.0005f64.ln() - ln_gamma(301.0)) / std::f64::consts::LN_10;
        assert!((log10 - want).abs() < 0.01, "{log10} vs {want}");
    }

    #[test]
    fn negative_binomial_tail_against_direct_sums() {
        // pmf(i) = Γ(i+r)/(Γ(r) i!) p^r (1-p)^i with p = r/(r+μ).
        for &(k, mean, r) in &[(5u64, 2.0, 1.5), (20, 4.0, 4.0), (3, 0.1, 0.7), (50, 30.0, 16.0)] {
            let p: f64 = r / (r + mean);
            let mut below = 0.0;
            for i in 0..k {
                let i = i as f64;
                let ln_pmf = ln_gamma(i + r) - ln_gamma(r) - ln_gamma(i + 1.0)
                    + r * p.ln()
                    + i * (1.0 - p).ln();
                below += ln_pmf.exp();
            }
            let want = 1.0 - below;
            let got = ln_nb_sf(k, mean, Some(r)).exp();
            assert!(close(got, want, 1e-8), "k={k} mean={mean} r={r}: {got} vs {want}");
        }
    }

    #[test]
    fn negative_binomial_is_heavier_than_poisson_and_tends_to_it() {
        let pois = ln_poisson_sf(30, 10.0);
        assert!(ln_nb_sf(30, 10.0, Some(4.0)) > pois);
        assert!(close(ln_nb_sf(30, 10.0, Some(1e6)), pois, 1e-3));
        assert_eq!(ln_nb_sf(30, 10.0, None), pois);
    }

    #[test]
    fn binomial_tails_against_direct_sums() {
        let n = 20u64;
        let q: f64 = 0.3;
        let ln_choose = |k: u64| {
            ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
        };
        let pmf =
            |k: u64| (ln_choose(k) + k as f64 * q.ln() + (n - k) as f64 * (1.0 - q).ln()).exp();
        for k in [0u64, 1, 6, 12, 20] {
            let upper: f64 = (k..=n).map(pmf).sum();
            let lower: f64 = (0..=k).map(pmf).sum();
            assert!(close(ln_binomial_upper(k, n, q).exp(), upper, 1e-9), "upper {k}");
            assert!(close(ln_binomial_lower(k, n, q).exp(), lower, 1e-9), "lower {k}");
        }
    }

    #[test]
    fn poisson_quantiles() {
        assert_eq!(poisson_quantile(0.0, 0.99), 0);
        assert_eq!(poisson_quantile(0.001, 0.99), 0);
        assert_eq!(poisson_quantile(0.3, 0.99), 2);
        assert_eq!(poisson_quantile(3.0, 0.99), 8);
    }

    #[test]
    fn p_values_print_their_exponent() {
        assert_eq!(PValue::from_ln(5e-13f64.ln()).to_string(), "p<1e-12");
        assert_eq!(PValue::from_ln(-5000.0).to_string(), "p<1e-300");
        assert_eq!(PValue::from_ln(0.2f64.ln()).to_string(), "p=0.20");
        assert_eq!(PValue::from_ln(1e-7f64.ln() * 1.000001).exponent(), 7);
    }
}
