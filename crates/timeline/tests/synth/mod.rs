//! A seeded generator of labelled synthetic error timelines, for evaluating spike detection
//! and deploy attribution.
//!
//! Each timeline is one upstream ("api") over two hours at one-second bins. The parameters
//! follow the design note's generator: background level, seasonality, per-minute gamma
//! overdispersion, unlabelled micro-clusters, deploy markers (60 % of this service), restart
//! bursts at 70 % of this service's deploys, and Poisson(1.2) other events (OOM bursts,
//! overloads, slow degradations, weak bursts) per timeline. About 30 % of timelines are
//! spike-free: deploys still happen, but all are graceful and no other event is added.
//!
//! Poisson draws use Knuth's method below a mean of 30 and a rounded normal approximation
//! above it; that is enough for a test fixture and keeps the generator short.

#![allow(dead_code)]

use std::f64::consts::PI;

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    /// Uniform integer in `a..=b`.
    pub fn int(&mut self, a: i64, b: i64) -> i64 {
        a + (self.next() % (b - a + 1) as u64) as i64
    }

    pub fn log_uniform(&mut self, a: f64, b: f64) -> f64 {
        self.uniform(a.ln(), b.ln()).exp()
    }

    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-300);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }

    /// Gamma(shape, scale) for shape >= 1 (Marsaglia and Tsang).
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.unit();
            if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v * scale;
            }
        }
    }

    pub fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean >= 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit {
            k += 1;
            p *= self.unit();
        }
        k
    }

    fn pick<T: Copy>(&mut self, weighted: &[(T, f64)]) -> T {
        let total: f64 = weighted.iter().map(|w| w.1).sum();
        let mut r = self.uniform(0.0, total);
        for &(v, w) in weighted {
            if r < w {
                return v;
            }
            r -= w;
        }
        weighted[weighted.len() - 1].0
    }
}

/// The length of a timeline in seconds.
pub const T: usize = 7200;

/// The background levels, errors per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Zero,
    Trace,
    Low,
    Med,
    High,
}

impl Level {
    pub fn rate(self) -> f64 {
        match self {
            Level::Zero => 0.0,
            Level::Trace => 1.0 / 900.0,
            Level::Low => 0.02,
            Level::Med => 0.3,
            Level::High => 3.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Restart,
    Oom,
    Overload,
    Degradation,
    Weak,
}

/// A labelled event: the first and last second with an added error.
#[derive(Clone, Debug)]
pub struct Label {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub count: u64,
    /// The deploy that caused it (index into `deploys`).
    pub deploy: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Marker {
    pub time: usize,
    /// "api" (this upstream's service) or another service's name.
    pub service: String,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    pub x: Vec<u32>,
    pub level: Level,
    pub spike_free: bool,
    pub deploys: Vec<Marker>,
    pub labels: Vec<Label>,
}

/// Adds `n` expected errors over `start..start + profile.len()` shaped by `profile`, and
/// returns the label bounds and count (None if no error landed).
fn add_burst(
    x: &mut [u32],
    rng: &mut Rng,
    start: usize,
    profile: &[f64],
    n: f64,
) -> Option<(usize, usize, u64)> {
    let sum: f64 = profile.iter().sum();
    let (mut first, mut last, mut count) = (None, 0, 0u64);
    for (i, w) in profile.iter().enumerate() {
        let t = start + i;
        if t >= x.len() {
            break;
        }
        let k = rng.poisson(w / sum * n);
        if k > 0 {
            x[t] += k;
            first.get_or_insert(t);
            last = t;
            count += u64::from(k);
        }
    }
    first.map(|f| (f, last, count))
}

/// Adds a time-varying extra rate and returns the label bounds and count.
fn add_rate(
    x: &mut [u32],
    rng: &mut Rng,
    start: usize,
    rates: &[f64],
) -> Option<(usize, usize, u64)> {
    let (mut first, mut last, mut count) = (None, 0, 0u64);
    for (i, r) in rates.iter().enumerate() {
        let t = start + i;
        if t >= x.len() {
            break;
        }
        let k = rng.poisson(*r);
        if k > 0 {
            x[t] += k;
            first.get_or_insert(t);
            last = t;
            count += u64::from(k);
        }
    }
    first.map(|f| (f, last, count))
}

pub fn generate(rng: &mut Rng) -> Timeline {
    let level = rng.pick(&[
        (Level::Zero, 0.20),
        (Level::Trace, 0.20),
        (Level::Low, 0.25),
        (Level::Med, 0.20),
        (Level::High, 0.15),
    ]);
    let lam0 = level.rate();
    let amp = rng.pick(&[(0.0, 1.0), (0.3, 1.0), (0.6, 1.0)]);
    let period = rng.uniform(30.0, 120.0) * 60.0;
    let phase = rng.uniform(0.0, 2.0 * PI);
    let shape = rng.pick(&[(f64::INFINITY, 1.0), (16.0, 1.0), (4.0, 1.0)]);
    let mult: Vec<f64> = (0..T / 60 + 1)
        .map(|_| if shape.is_finite() { rng.gamma(shape, 1.0 / shape) } else { 1.0 })
        .collect();
    let mut x: Vec<u32> = (0..T)
        .map(|t| {
            let season = 1.0 + amp * (2.0 * PI * t as f64 / period + phase).sin();
            rng.poisson(lam0 * season * mult[t / 60])
        })
        .collect();
    // Micro-clusters: retries to the next peer, one bad client.
    for hour in 0..T / 3600 {
        for _ in 0..rng.int(1, 6) {
            let t = hour * 3600 + rng.int(0, 3599) as usize;
            x[t] += rng.int(2, 4) as u32;
        }
    }
    let spike_free = rng.unit() < 0.3;
    // Deploys, at least 300 s apart.
    let n_deploys = 1 + rng.poisson(3.0) as usize;
    let mut deploys: Vec<Marker> = Vec::new();
    for _ in 0..200 {
        if deploys.len() == n_deploys {
            break;
        }
        let t = rng.int(60, T as i64 - 300) as usize;
        if deploys.iter().all(|d| d.time.abs_diff(t) >= 300) {
            let service =
                if rng.unit() < 0.6 { "api".to_owned() } else { format!("other{}", rng.int(1, 3)) };
            deploys.push(Marker { time: t, service });
        }
    }
    deploys.sort_by_key(|d| d.time);
    let mut labels: Vec<Label> = Vec::new();
    if !spike_free {
        for (i, d) in deploys.iter().enumerate() {
            if d.service != "api" || rng.unit() >= 0.7 {
                continue;
            }
            let start = d.time + rng.int(0, 3) as usize;
            let dur = rng.log_uniform(1.0, 60.0).round().max(1.0) as usize;
            let n = rng.log_uniform(8.0, 600.0);
            let profile: Vec<f64> = if rng.unit() < 0.5 {
                vec![1.0; dur]
            } else {
                (0..dur).map(|i| (-(i as f64) / (dur as f64 / 3.0)).exp()).collect()
            };
            if let Some((s, e, count)) = add_burst(&mut x, rng, start, &profile, n) {
                labels.push(Label {
                    kind: Kind::Restart,
                    start: s,
                    end: e,
                    count,
                    deploy: Some(i),
                });
            }
        }
        let n_other = rng.poisson(1.2);
        for _ in 0..n_other {
            let kind = rng.pick(&[
                (Kind::Oom, 1.0),
                (Kind::Overload, 1.0),
                (Kind::Degradation, 1.0),
                (Kind::Weak, 1.0),
            ]);
            // Room for the longest event, at least 120 s from every other event; OOM bursts
            // not at a deploy.
            let mut placed = None;
            for _ in 0..100 {
                let t = rng.int(60, T as i64 - 1600) as usize;
                let clear = labels.iter().all(|l| t + 1500 + 120 < l.start || t > l.end + 120);
                let off_deploy = kind != Kind::Oom
                    || deploys
                        .iter()
                        .all(|d| !(d.time.saturating_sub(5)..=d.time + 125).contains(&t));
                if clear && off_deploy {
                    placed = Some(t);
                    break;
                }
            }
            let Some(t) = placed else { continue };
            let added = match kind {
                Kind::Oom => {
                    let dur = rng.int(3, 30) as usize;
                    let n = rng.log_uniform(10.0, 300.0);
                    add_burst(&mut x, rng, t, &vec![1.0; dur], n)
                }
                Kind::Overload => {
                    let dur = rng.int(120, 900) as usize;
                    let extra = (5.0 * lam0).max(0.2) * rng.uniform(1.0, 4.0);
                    add_rate(&mut x, rng, t, &vec![extra; dur])
                }
                Kind::Degradation => {
                    let ramp = rng.int(300, 1200) as usize;
                    let plateau = rng.int(60, 300) as usize;
                    let peak = (10.0 * lam0).max(0.5);
                    let rates: Vec<f64> = (0..ramp + plateau)
                        .map(|i| if i < ramp { peak * i as f64 / ramp as f64 } else { peak })
                        .collect();
                    add_rate(&mut x, rng, t, &rates)
                }
                Kind::Weak => {
                    let dur = rng.int(1, 10) as usize;
                    let n = rng.int(5, 15);
                    let mut profile = vec![0.0; dur];
                    for _ in 0..n {
                        profile[rng.int(0, dur as i64 - 1) as usize] += 1.0;
                    }
                    let (mut first, mut last) = (None, 0);
                    for (i, k) in profile.iter().enumerate() {
                        if *k > 0.0 {
                            x[t + i] += *k as u32;
                            first.get_or_insert(t + i);
                            last = t + i;
                        }
                    }
                    first.map(|f| (f, last, n as u64))
                }
                Kind::Restart => None,
            };
            if let Some((s, e, count)) = added {
                labels.push(Label { kind, start: s, end: e, count, deploy: None });
            }
        }
    }
    labels.sort_by_key(|l| l.start);
    Timeline { x, level, spike_free, deploys, labels }
}
