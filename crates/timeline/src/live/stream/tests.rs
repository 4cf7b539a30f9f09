//! A stream handed over in batches ends with the analysis of the same lines read as a whole,
//! and holds memory for its detection window only.

use logparse::{Event, Format, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::analysis::analyze;
use crate::deploy::Deploy;

/// SplitMix64, for streams drawn from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const PEERS: [&[u8]; 4] = [b"10.0.0.1:80", b"10.0.0.2:80", b"10.0.0.3:80", b"cart.internal:80"];
const GROUPS: [&[u8]; 2] = [b"api", b"cart"];

/// One line: (second, format, class, group, peer).
type Line = (i64, Format, Class, Option<&'static [u8]>, Option<&'static [u8]>);

fn event(l: &Line) -> Event<'static> {
    let mut ev = Event::new(l.1, b"");
    ev.time = Some(Timestamp::from_unix_seconds(l.0));
    ev.class = l.2;
    ev.upstream_group = l.3;
    ev.upstream = l.4;
    ev
}

/// A stream of stretches in time order: quiet ones with a few failures and successful
/// responses, empty gaps (some longer than a baseline), restart bursts of one peer (refused,
/// then a recovery), `no live upstreams`, health marks, and busy overloads.
fn stream(seed: u64, start: i64, length: i64) -> Vec<Line> {
    let mut rng = Rng(seed);
    let mut out: Vec<Line> = Vec::new();
    let mut t = start;
    let end = start + length;
    while t < end {
        let kind = rng.below(7);
        let n = match kind {
            0 => 300 + rng.below(2500) as i64,
            1 | 2 => 60 + rng.below(900) as i64,
            _ => 2 + rng.below(60) as i64,
        };
        let peer = rng.below(PEERS.len() as u64) as usize;
        let group = GROUPS[peer % 2];
        for s in t..(t + n).min(end) {
            let lines = match kind {
                0 => 0,
                1 => u64::from(rng.below(40) == 0),
                2 => rng.below(3),
                3 | 4 => 2 + rng.below(8),
                5 => u64::from(rng.below(4) == 0) * 3,
                _ => 1 + rng.below(20),
            };
            for _ in 0..lines {
                let p = if kind == 3 || kind == 4 {
                    peer
                } else {
                    rng.below(PEERS.len() as u64) as usize
                };
                let (format, class, g, pe) = match (kind, rng.below(10)) {
                    (3, _) => (Format::NginxError, Class::ConnectRefused, None, Some(PEERS[p])),
                    (4, 0..=6) => {
                        (Format::NginxAccess, Class::Upstream5xx, Some(group), Some(PEERS[p]))
                    }
                    (4, _) => (Format::NginxAccess, Class::Ok, Some(group), Some(PEERS[p])),
                    (5, 0) => (Format::Haproxy, Class::UpstreamDown, Some(group), Some(PEERS[p])),
                    (5, 1) => (Format::Haproxy, Class::UpstreamUp, Some(group), Some(PEERS[p])),
                    (5, _) => {
                        (Format::NginxError, Class::NoLiveUpstreams, Some(group), Some(group))
                    }
                    (_, 0..=4) => {
                        (Format::NginxAccess, Class::Ok, Some(GROUPS[p % 2]), Some(PEERS[p]))
                    }
                    (_, 5) => (Format::NginxError, Class::ResponseTimeout, None, Some(PEERS[p])),
                    (_, 6) => (Format::NginxError, Class::PrematurelyClosed, None, Some(PEERS[p])),
                    (_, 7) => (
                        Format::NginxAccess,
                        Class::Upstream5xx,
                        Some(GROUPS[p % 2]),
                        Some(PEERS[p]),
                    ),
                    (_, 8) => (Format::NginxError, Class::Info, None, None),
                    _ => (Format::NginxError, Class::ConnectionReset, None, Some(PEERS[p])),
                };
                out.push((s, format, class, g, pe));
            }
        }
        t += n;
    }
    out
}

fn aggregate(lines: &[Line]) -> Aggregator {
    let mut agg = Aggregator::new();
    for l in lines {
        agg.push(&event(l));
    }
    agg
}

/// Smaller windows and baselines than the defaults, so that warm-ups, long gaps and pruning all
/// occur in short streams.
fn small() -> Params {
    Params {
        windows: vec![1, 3, 10, 30],
        baseline: 240,
        guard: 10,
        warmup: 90,
        ..Params::default()
    }
}

fn settings(defaults: bool, deploys: Vec<i64>) -> Settings {
    let mut deploys: Vec<Deploy> = deploys
        .into_iter()
        .map(|t| Deploy { start: t, service: Some("api".into()), ..Deploy::default() })
        .collect();
    deploys.sort_by_key(|d| d.start);
    Settings {
        params: if defaults { Params::default() } else { small() },
        deploys,
        ..Settings::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn a_stream_in_batches_ends_with_the_analysis_of_the_whole(
        seed in any::<u64>(),
        length in 1i64..9000,
        cuts in prop::collection::vec(0usize..20_000, 0..12),
        lag in prop::sample::select(vec![0i64, 1, 5, 60, 400]),
        defaults in any::<bool>(),
        deploys in prop::collection::vec(0i64..9000, 0..3),
        jitter in 0i64..8,
    ) {
        let start = 1_700_000_000;
        let mut lines = stream(seed, start, length);
        // Lines arrive out of order by up to the lag, as from several writers.
        let jitter = jitter.min(lag);
        let mut rng = Rng(seed ^ 1);
        let mut keyed: Vec<(i64, Line)> =
            lines.drain(..).map(|l| (l.0 + rng.below(jitter as u64 + 1) as i64, l)).collect();
        keyed.sort_by_key(|k| k.0);
        let lines: Vec<Line> = keyed.into_iter().map(|k| k.1).collect();
        let settings = settings(defaults, deploys.into_iter().map(|d| start + d).collect());
        let whole = analyze(&aggregate(&lines), &settings);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(lines.len())).collect();
        cuts.extend([0, lines.len()]);
        cuts.sort_unstable();
        let mut d = Detector::new(settings.clone()).with_lag(lag);
        for w in cuts.windows(2) {
            d.push(&aggregate(&lines[w[0]..w[1]]));
            let _ = d.announce();
        }
        let done = d.finish();
        prop_assert_eq!(done.late, 0);
        prop_assert_eq!(done.analysis, whole);
    }
}

#[test]
fn a_line_older_than_the_lag_is_left_out_and_counted() {
    let at =
        |t: i64| aggregate(&[(t, Format::NginxError, Class::ConnectRefused, None, Some(PEERS[0]))]);
    let mut d = Detector::new(Settings::default()).with_lag(10);
    d.push(&at(1000));
    d.push(&at(1100));
    d.push(&at(1095)); // within the lag of 1100
    d.push(&at(1050)); // older than the lag
    assert_eq!(d.late(), 1);
    let done = d.finish();
    assert_eq!(done.late, 1);
    assert_eq!(done.analysis.span, Some((1000, 1100)));
}

/// Weeks of sparse failures over many upstreams, and a busy incident: the detector's memory
/// stays that of its window, however long the stream has run.
#[test]
fn memory_stays_that_of_the_window_over_weeks() {
    let peers: Vec<Vec<u8>> =
        (0..200).map(|i| format!("10.1.{}.{}:8080", i / 250, i % 250).into_bytes()).collect();
    let mut rng = Rng(7);
    let mut d = Detector::new(Settings::default());
    let start = 1_700_000_000i64;
    let days = 14;
    let mut peak_late = 0;
    let mut peak_early = 0;
    for hour in 0..days * 24 {
        let mut agg = Aggregator::new();
        for _ in 0..400 {
            let t = start + hour * 3600 + rng.below(3600) as i64;
            let peer = &peers[rng.below(peers.len() as u64) as usize];
            let mut ev = Event::new(Format::NginxError, b"");
            ev.time = Some(Timestamp::from_unix_seconds(t));
            ev.upstream = Some(peer);
            ev.class =
                if rng.below(3) == 0 { Class::ConnectRefused } else { Class::ResponseTimeout };
            agg.push(&ev);
        }
        // An incident every day: one peer refuses for a minute.
        if hour % 24 == 5 {
            for t in 0..60 {
                for _ in 0..20 {
                    let mut ev = Event::new(Format::NginxError, b"");
                    ev.time = Some(Timestamp::from_unix_seconds(start + hour * 3600 + 1800 + t));
                    ev.upstream = Some(&peers[0]);
                    ev.class = Class::ConnectRefused;
                    agg.push(&ev);
                }
            }
        }
        // Batches arrive sorted by time, like a log.
        let sorted = {
            let mut a = Aggregator::new();
            let mut cells: Vec<_> = agg.raw().collect();
            cells.sort_by_key(|c| c.second);
            for c in cells {
                let name = agg.name_of(c.series).unwrap_or_default();
                let id = a.intern(name);
                a.add(id, c.unit, c.second, NONE, c.class, c.n);
            }
            a
        };
        d.push(&sorted);
        let _ = d.announce();
        if hour < 48 {
            peak_early = peak_early.max(d.memory());
        } else {
            peak_late = peak_late.max(d.memory());
        }
    }
    let done = d.finish();
    assert!(done.analysis.spikes.len() >= days as usize, "{} spikes", done.analysis.spikes.len());
    // Twelve days later, no more than at the start (plus the found spikes).
    assert!(peak_late < peak_early * 3 / 2 + 64 * 1024, "{peak_early} then {peak_late} bytes");
    assert!(peak_late < 4 << 20, "{peak_late} bytes");
}

/// A follower that runs for months: one incident a day, and what closed more than an hour ago
/// forgotten now and then. What it holds stays that of a day, not of the months; what is
/// kept is still announced and reported.
#[test]
fn forgetting_what_closed_long_ago_keeps_a_long_stream_flat() {
    let start = 1_700_000_000i64;
    let mut d = Detector::new(Settings::default());
    let mut found = 0;
    let mut held = Vec::new();
    for day in 0..60i64 {
        let mut lines: Vec<Line> = Vec::new();
        // Background failures every ten minutes, and a minute of refusals at noon.
        for m in (0..1440).step_by(10) {
            lines.push((
                start + day * 86_400 + m * 60,
                Format::NginxError,
                Class::ResponseTimeout,
                None,
                Some(PEERS[1]),
            ));
        }
        for t in 0..60 {
            for _ in 0..10 {
                lines.push((
                    start + day * 86_400 + 43_200 + t,
                    Format::NginxError,
                    Class::ConnectRefused,
                    None,
                    Some(PEERS[0]),
                ));
            }
        }
        lines.sort_by_key(|l| l.0);
        d.push(&aggregate(&lines));
        found += d
            .announce()
            .iter()
            .filter(|a| a.0 == State::Final || a.0 == State::Provisional)
            .count();
        let latest = d.latest().unwrap();
        d.forget_before(latest - 3600);
        held.push((d.found.len(), d.memory()));
    }
    assert!(found >= 60, "{found} announcements for 60 incidents");
    // At most the last day's spikes are kept, and memory does not grow with the days.
    assert!(held.iter().all(|h| h.0 <= 2), "{held:?}");
    let (early, late) = (held[5].1, held[59].1);
    assert!(late <= early + early / 10, "memory {early} bytes on day 5, {late} on day 60");
    // The report at the end covers what was kept: the last incident closed over an hour
    // before the end, so it is gone too.
    assert!(d.finish().analysis.spikes.is_empty());
}
