use logparse::{Event, Format, Timestamp};

use super::*;

/// A small deterministic generator for test series (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Poisson draw for a small mean (Knuth).
    fn poisson(&mut self, mean: f64) -> u32 {
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit {
            k += 1;
            p *= self.unit();
        }
        k
    }
}

fn noise(len: usize, rate: f64, seed: u64) -> Vec<u32> {
    let mut rng = Rng(seed);
    (0..len).map(|_| rng.poisson(rate)).collect()
}

#[test]
fn a_burst_on_a_zero_baseline_has_exact_bounds_and_a_tiny_p() {
    let mut x = vec![0u32; 3600];
    x[1200..1205].fill(60);
    let s = scan(&x, &Params::default());
    assert_eq!(s.bursts.len(), 1, "{:?}", s.bursts);
    let b = &s.bursts[0];
    assert_eq!((b.start, b.end, b.count), (1200, 1204, 300));
    assert!(b.expected < 0.01, "{}", b.expected);
    assert_eq!(b.p.exponent(), 300);
    assert_eq!(b.p.to_string(), "p<1e-300");
}

#[test]
fn steady_poisson_noise_gives_no_spike() {
    for (rate, seed) in [(0.02, 1), (0.3, 2), (3.0, 3)] {
        let x = noise(7200, rate, seed);
        let s = scan(&x, &Params::default());
        assert!(s.bursts.is_empty(), "rate {rate}: {:?}", s.bursts);
    }
}

#[test]
fn a_burst_on_a_busy_baseline_is_found_with_its_onset() {
    let mut x = noise(3600, 3.0, 7);
    for v in &mut x[2000..2010] {
        *v += 30;
    }
    let s = scan(&x, &Params::default());
    assert_eq!(s.bursts.len(), 1, "{:?}", s.bursts);
    let b = &s.bursts[0];
    assert_eq!(b.start, 2000);
    assert!((2008..=2010).contains(&b.end), "{}", b.end);
    assert!(b.count >= 300 && b.expected > 25.0 && b.expected < 40.0, "{b:?}");
}

#[test]
fn two_restart_blips_five_minutes_apart_stay_two_spikes() {
    let mut x = vec![0u32; 3600];
    x[1000] = 200;
    x[1001] = 30;
    x[1300] = 150;
    let s = scan(&x, &Params::default());
    let bounds: Vec<(usize, usize)> = s.bursts.iter().map(|b| (b.start, b.end)).collect();
    assert_eq!(bounds, [(1000, 1001), (1300, 1300)]);
}

#[test]
fn a_burst_in_the_first_seconds_is_found_through_the_warm_up() {
    let mut x = noise(3600, 0.02, 11);
    for v in &mut x[20..26] {
        *v += 8;
    }
    let s = scan(&x, &Params::default());
    assert_eq!(s.bursts.len(), 1, "{:?}", s.bursts);
    assert_eq!(s.bursts[0].start, 20);
}

#[test]
fn fewer_errors_than_the_minimum_are_not_a_spike() {
    let mut x = vec![0u32; 3600];
    x[1500] = 7;
    assert!(scan(&x, &Params::default()).bursts.is_empty());
    x[1500] = 8;
    assert_eq!(scan(&x, &Params::default()).bursts.len(), 1);
}

#[test]
fn a_long_level_shift_ends_once_the_baseline_has_caught_up() {
    // 0.01/s, then 1/s from 1800 on: the scan reports the shift, and the level-shift guard
    // lets the baseline learn the new rate instead of flagging the rest of the file.
    let mut x = noise(1800, 0.01, 5);
    x.extend(noise(5400, 1.0, 6));
    let s = scan(&x, &Params::default());
    assert!(!s.bursts.is_empty());
    assert!((1795..=1805).contains(&s.bursts[0].start), "{:?}", s.bursts[0]);
    assert!(s.bursts.iter().all(|b| b.end < 1800 + 1800), "{:?}", s.bursts);
}

fn push(agg: &mut Aggregator, t: i64, group: &'static [u8], peer: &'static [u8], class: Class) {
    let mut ev = Event::new(Format::Haproxy, b"");
    ev.time = Some(Timestamp::from_unix_seconds(t));
    ev.upstream_group = Some(group);
    ev.upstream = Some(peer);
    ev.class = class;
    agg.push(&ev);
}

#[test]
fn detect_breaks_a_spike_down_by_class_and_peer() {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    // A quiet hour with an occasional timeout on each of three peers.
    for i in 0..12 {
        let peer: &[u8] = [&b"10.0.0.5:3000"[..], b"10.0.0.6:3000", b"10.0.0.7:3000"][i % 3];
        push(&mut agg, t0 + 300 * i as i64, b"api", peer, Class::ResponseTimeout);
        push(&mut agg, t0 + 300 * i as i64 + 1, b"api", peer, Class::Ok);
    }
    // One peer restarts: 2 closed, then 48 refused over 4 s.
    let at = t0 + 2000;
    push(&mut agg, at, b"api", b"10.0.0.5:3000", Class::PrematurelyClosed);
    push(&mut agg, at, b"api", b"10.0.0.5:3000", Class::PrematurelyClosed);
    for i in 0..48 {
        push(&mut agg, at + 1 + i / 12, b"api", b"10.0.0.5:3000", Class::ConnectRefused);
    }
    let spikes = detect(&agg, &Params::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    let s = &spikes[0];
    assert_eq!((s.start, s.end, s.count), (at, at + 4, 50));
    assert_eq!(s.series.as_deref(), Some(&b"api"[..]));
    assert_eq!(s.unit, Unit::Responses);
    assert_eq!(
        s.classes,
        [
            Share { key: Class::ConnectRefused, count: 48, baseline: 0 },
            Share { key: Class::PrematurelyClosed, count: 2, baseline: 0 },
            // The baseline window [at − 930, at − 30) holds 3 of the quiet hour's timeouts.
            Share { key: Class::ResponseTimeout, count: 0, baseline: 3 },
        ]
    );
    assert_eq!(s.baseline_errors, 3);
    assert_eq!(s.peers.len(), 3);
    let hit: Vec<_> = s.spike_peers().map(|p| (&*p.key, p.count, p.baseline)).collect();
    assert_eq!(hit, [(&b"10.0.0.5:3000"[..], 50, 1)]);
    assert_eq!(s.peers_seen, 3);
    assert!(s.ratio() > 1000.0);
}

#[test]
fn an_access_log_spike_of_the_same_name_folds_into_the_error_log_spike() {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    for (format, n) in [(Format::NginxError, 30), (Format::NginxAccess, 10)] {
        for _ in 0..n {
            let mut ev = Event::new(format, b"");
            ev.time = Some(Timestamp::from_unix_seconds(t0 + 1000));
            ev.upstream = Some(b"10.0.0.1:80");
            ev.class = Class::ConnectRefused;
            agg.push(&ev);
        }
    }
    let mut ev = Event::new(Format::NginxAccess, b"");
    ev.time = Some(Timestamp::from_unix_seconds(t0));
    agg.push(&ev);
    let spikes = detect(&agg, &Params::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!((spikes[0].unit, spikes[0].count), (Unit::Attempts, 30));
    let echo = &spikes[0].echoes[0];
    assert_eq!((echo.series.as_deref(), echo.count), (Some(&b"10.0.0.1:80"[..]), 10));
}

#[test]
fn a_group_responses_spike_folds_into_its_peers_attempts_spikes() {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    let mut push = |format, t, group: Option<&'static [u8]>, peer: &'static [u8]| {
        let mut ev = Event::new(format, b"");
        ev.time = Some(Timestamp::from_unix_seconds(t));
        ev.upstream_group = group;
        ev.upstream = Some(peer);
        ev.class = Class::ConnectRefused;
        agg.push(&ev);
    };
    for i in 0..20 {
        push(Format::NginxError, t0 + 1000 + i / 5, None, b"10.0.0.1:80");
        push(Format::NginxAccess, t0 + 1000 + i / 5, Some(b"api"), b"10.0.0.1:80");
        // An unrelated access-log spike on another group stays a spike of its own.
        push(Format::NginxAccess, t0 + 2000 + i / 5, Some(b"search"), b"10.0.0.9:80");
    }
    push(Format::NginxError, t0, None, b"10.0.0.1:80");
    let spikes = detect(&agg, &Params::default());
    let got: Vec<_> =
        spikes.iter().map(|s| (s.series.as_deref(), s.unit, s.echoes.len())).collect();
    assert_eq!(
        got,
        [
            (Some(&b"10.0.0.1:80"[..]), Unit::Attempts, 1),
            (Some(&b"search"[..]), Unit::Responses, 0)
        ]
    );
    assert_eq!(spikes[0].echoes[0].series.as_deref(), Some(&b"api"[..]));
}

/// A baseline of 10 refused connects on one peer and 30 connect timeouts on another, then a
/// burst of 60 refused connects on the first peer.
fn refused_burst_after_mixed_baseline() -> Spike {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    for i in 0..40 {
        let (peer, class): (&'static [u8], Class) = if i % 4 == 0 {
            (b"10.0.0.5:3000", Class::ConnectRefused)
        } else {
            (b"10.0.0.6:3000", Class::ConnectTimeout)
        };
        push(&mut agg, t0 + 100 + 20 * i, b"api", peer, class);
    }
    let at = t0 + 1000;
    for i in 0..60 {
        push(&mut agg, at + i / 12, b"api", b"10.0.0.5:3000", Class::ConnectRefused);
    }
    let spikes = detect(&agg, &Params::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!((spikes[0].start, spikes[0].count), (at, 60));
    spikes.into_iter().next().unwrap()
}

#[test]
fn shares_before_a_spike_are_over_every_class_and_peer_of_the_baseline() {
    let s = refused_burst_after_mixed_baseline();
    let refused = s.classes.iter().find(|c| c.key == Class::ConnectRefused).unwrap();
    assert_eq!((refused.count, refused.baseline), (60, 10));
    assert_eq!(share(refused.count, s.count), 1.0);
    assert_eq!(share(refused.baseline, s.baseline_total()), 0.25);
    let before: f64 = s.classes.iter().map(|c| share(c.baseline, s.baseline_total())).sum();
    assert!((before - 1.0).abs() < 1e-9, "class shares before sum to {before}");
    let peer = s.peers.iter().find(|p| &*p.key == b"10.0.0.5:3000").unwrap();
    assert_eq!(share(peer.baseline, s.peers_baseline_total()), 0.25);
    let before: f64 = s.peers.iter().map(|p| share(p.baseline, s.peers_baseline_total())).sum();
    assert!((before - 1.0).abs() < 1e-9, "peer shares before sum to {before}");
}

#[test]
fn the_printed_class_and_peer_lines_sum_to_the_spike_and_its_baseline() {
    let s = refused_burst_after_mixed_baseline();
    let sums = |lines: &[(f64, f64)]| {
        (lines.iter().map(|l| l.0).sum::<f64>(), lines.iter().map(|l| l.1).sum::<f64>())
    };
    for n in [0, 1, 2, usize::MAX] {
        let classes: Vec<_> =
            s.class_lines(n).iter().map(|l| (l.share, l.baseline_share)).collect();
        let peers: Vec<_> = s.peer_lines(n).iter().map(|l| (l.share, l.baseline_share)).collect();
        for (what, lines) in [("classes", &classes), ("peers", &peers)] {
            let (during, before) = sums(lines);
            assert!((during - 1.0).abs() < 1e-9, "{what} top {n}: during sums to {during}");
            assert!((before - 1.0).abs() < 1e-9, "{what} top {n}: before sums to {before}");
        }
    }
    let all = s.class_lines(usize::MAX);
    let got: Vec<_> = all.iter().map(|l| (l.key.copied(), l.share, l.baseline_share)).collect();
    assert_eq!(
        got,
        [(Some(Class::ConnectRefused), 1.0, 0.25), (Some(Class::ConnectTimeout), 0.0, 0.75)]
    );
    let top = s.class_lines(1);
    assert_eq!((top[1].key, top[1].keys, top[1].count, top[1].baseline), (None, 1, 0, 30));
}

#[test]
fn peer_lines_count_the_errors_that_name_no_peer_in_the_rest() {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    for i in 0..20 {
        let mut ev = Event::new(Format::Haproxy, b"");
        ev.time = Some(Timestamp::from_unix_seconds(t0 + 100 + 40 * i));
        ev.upstream_group = Some(b"api");
        ev.class = Class::ConnectTimeout;
        agg.push(&ev);
    }
    for i in 0..60 {
        push(&mut agg, t0 + 1000 + i / 12, b"api", b"10.0.0.5:3000", Class::ConnectRefused);
    }
    let spikes = detect(&agg, &Params::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    let lines = spikes[0].peer_lines(3);
    let got: Vec<_> =
        lines.iter().map(|l| (l.key.map(|k| &**k), l.keys, l.count, l.baseline)).collect();
    assert_eq!(got, [(Some(&b"10.0.0.5:3000"[..]), 1, 60, 0), (None, 0, 0, 20)]);
    assert_eq!((lines[1].share, lines[1].baseline_share), (0.0, 1.0));
}
