//! Restarts inferred from the logs, for when no deploy markers are given (or a restart had
//! none).
//!
//! These are inferences, never deploys: reports show them apart, as "inferred".
//!
//! # Evidence
//!
//! 1. **Error episodes.** Each peer's restart-class errors ([`is_restart_class`]: refused,
//!    reset, prematurely closed, no live upstreams, server marked down) are scanned like any
//!    series (see [`spikes`](crate::spikes)). A burst is a *restart episode* when at least 80 %
//!    of the peer's upstream failures in it are of a restart class, it lasts at most 120 s, and
//!    the peer recovers: in the 60 s after it, its restart-class errors are back to the
//!    baseline (a next episode of the same peer aside: that is a crash loop), and, when the peer served successful responses in the five minutes before, it
//!    serves one again within two minutes. Confidence: medium.
//! 2. **Health checks.** A server marked down and then up again within ten minutes (HAProxy's
//!    `is DOWN` / `is UP`) brackets a restart. Confidence: high.
//! 3. **No live upstreams.** A burst of `no_live_upstreams` on a group is an outage of the
//!    whole group.
//!
//! # Patterns
//!
//! Episodes are grouped by upstream group (known when a line names the group and the peer:
//! access logs with `$proxy_upstream_name`, HAProxy, ALB). Within a group:
//!
//! - episodes of several peers that overlap in time, or a `no live upstreams` burst: an
//!   **outage** (a non-rolling restart, or the service crashed);
//! - the same peer at least three times with the gaps between starts each 1.5 to 3 times the
//!   previous one: a **crash loop** (back-off);
//! - episodes of different peers one after the other, 5 s to 10 min apart: a **rolling
//!   restart**, likely a deploy, reported as one marker from the first start to the last end;
//! - otherwise each episode is a **restart** of one instance (crash, OOM kill, manual).
//!
//! An episode whose first error is `prematurely_closed` (in-flight requests were cut) is marked
//! non-graceful. With the nginx error log alone, peers have no known group: each peer's
//! episodes are reported on their own.

use std::collections::BTreeMap;

use logparse::Class;

use crate::Unit;
use crate::aggregate::{Aggregator, SeriesKey};
use crate::deploy::is_restart_class;
use crate::spikes::{Burst, Params, scan_sparse};

/// The pattern of an inferred restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// One instance restarted (crash, OOM kill, manual restart).
    Restart,
    /// Several peers of one group, one after the other: likely a deploy.
    RollingRestart,
    /// Every peer at once, or no live upstream: the whole service was down.
    Outage,
    /// The same peer again and again with growing gaps.
    CrashLoop,
}

impl Pattern {
    /// The name used in reports (`restart`, `rolling-restart`, `outage`, `crashloop`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Pattern::Restart => "restart",
            Pattern::RollingRestart => "rolling-restart",
            Pattern::Outage => "outage",
            Pattern::CrashLoop => "crashloop",
        }
    }
}

/// How strong the evidence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// Health checks saw the server go down and come back.
    High,
    /// Errors only.
    Medium,
}

impl Evidence {
    /// `high` or `medium`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Evidence::High => "high",
            Evidence::Medium => "medium",
        }
    }
}

/// One peer's restart episode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    /// The peer (or the group, for a `no live upstreams` burst).
    pub peer: Box<[u8]>,
    /// First second.
    pub start: i64,
    /// Last second (inclusive).
    pub end: i64,
    /// Restart-class errors in it.
    pub count: u64,
    /// Whether the first error was a closed connection (in-flight requests cut).
    pub non_graceful: bool,
    /// The evidence.
    pub evidence: Evidence,
}

/// A restart inferred from the logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inferred {
    /// The pattern.
    pub pattern: Pattern,
    /// The upstream group, when known.
    pub group: Option<Box<[u8]>>,
    /// The peers involved, in order of their first episode.
    pub peers: Vec<Box<[u8]>>,
    /// First second.
    pub start: i64,
    /// Last second (inclusive).
    pub end: i64,
    /// The strongest evidence among its episodes.
    pub evidence: Evidence,
    /// Whether any episode was non-graceful.
    pub non_graceful: bool,
    /// The episodes.
    pub episodes: Vec<Episode>,
}

/// Per-peer counts gathered from the aggregate.
#[derive(Clone, Debug, Default)]
pub(crate) struct PeerData {
    /// second -> (restart-class errors, upstream failures, prematurely closed)
    pub seconds: BTreeMap<i64, (u64, u64, u64)>,
    /// Seconds of successful responses (one entry per count cell).
    pub ok: Vec<i64>,
    /// Seconds the peer was marked down, and up.
    pub down: Vec<i64>,
    pub up: Vec<i64>,
}

impl PeerData {
    /// Counts `n` events of `class` at `second`, as [`infer`] gathers them.
    pub(crate) fn add(&mut self, second: i64, class: Class, n: u64) {
        match class {
            Class::Ok => self.ok.push(second),
            Class::UpstreamDown => self.down.push(second),
            Class::UpstreamUp => self.up.push(second),
            _ => {}
        }
        let slot = self.seconds.entry(second).or_default();
        if is_restart_class(class) && class != Class::UpstreamDown {
            slot.0 += n;
        }
        if class.is_upstream_failure() {
            slot.1 += n;
        }
        if class == Class::PrematurelyClosed {
            slot.2 += n;
        }
    }
}

/// Infers restarts from `agg`; `params` are the scan's settings.
pub fn infer(agg: &Aggregator, params: &Params) -> Vec<Inferred> {
    let Some((first, last)) = agg.span() else { return Vec::new() };
    // peer -> group, from lines naming both.
    let mut group_of: BTreeMap<Box<[u8]>, Box<[u8]>> = BTreeMap::new();
    let mut peers: BTreeMap<(Box<[u8]>, Unit), PeerData> = BTreeMap::new();
    let mut nolive: Vec<SeriesKey> = Vec::new();
    for key in agg.series() {
        let Some(name) = agg.name(key) else { continue };
        let mut any_nolive = false;
        for c in agg.counts(key, i64::MIN, i64::MAX) {
            let peer: &[u8] = c.peer.unwrap_or(name);
            if let Some(p) = c.peer {
                group_of.entry(p.into()).or_insert_with(|| name.into());
            }
            if c.class == Class::NoLiveUpstreams {
                any_nolive = true;
                continue;
            }
            peers.entry((peer.into(), key.unit())).or_default().add(c.second, c.class, c.n);
        }
        if any_nolive {
            nolive.push(key);
        }
    }
    // One unit per peer: attempts when the error log names it.
    let has_attempts: Vec<Box<[u8]>> = peers
        .iter()
        .filter(|(k, d)| k.1 == Unit::Attempts && d.seconds.values().any(|s| s.0 > 0))
        .map(|(k, _)| k.0.clone())
        .collect();
    let mut episodes: Vec<(Option<Box<[u8]>>, Episode)> = Vec::new();
    for ((peer, unit), d) in &peers {
        if *unit == Unit::Responses && has_attempts.contains(peer) {
            // Health-check pairs still count.
            episodes.extend(
                health_pairs(peer, d).into_iter().map(|e| (group_of.get(peer).cloned(), e)),
            );
            continue;
        }
        let mut eps = error_episodes(peer, d, first, last, params);
        for h in health_pairs(peer, d) {
            match eps.iter_mut().find(|e| e.start <= h.end && h.start <= e.end) {
                Some(e) => {
                    e.start = e.start.min(h.start);
                    e.end = e.end.max(h.end);
                    e.evidence = Evidence::High;
                }
                None => eps.push(h),
            }
        }
        episodes.extend(eps.into_iter().map(|e| (group_of.get(peer).cloned(), e)));
    }
    // `no live upstreams` bursts: outages of the group.
    let mut outages: Vec<(Box<[u8]>, Episode)> = Vec::new();
    for key in nolive {
        let Some(name) = agg.name(key) else { continue };
        let Some((fs, ls)) = agg.series_span(key, |c| c == Class::NoLiveUpstreams) else {
            continue;
        };
        let reach = (params.guard + params.baseline) as i64;
        let from = first.max(fs - reach);
        let to = last.min(ls + 120);
        let x: Vec<(usize, u32)> = agg
            .nonzero(key, from, to, |c| c == Class::NoLiveUpstreams)
            .into_iter()
            .map(|(t, n)| ((t - from) as usize, n))
            .collect();
        let len = (to - from + 1) as usize;
        for b in scan_sparse(&x, len, (from - first) as usize, params).bursts {
            outages.push((
                name.into(),
                Episode {
                    peer: name.into(),
                    start: from + b.start as i64,
                    end: from + b.end as i64,
                    count: b.count,
                    non_graceful: false,
                    evidence: Evidence::Medium,
                },
            ));
        }
    }
    classify(episodes, outages)
}

/// HAProxy-style DOWN -> UP pairs within ten minutes.
pub(crate) fn health_pairs(peer: &[u8], d: &PeerData) -> Vec<Episode> {
    let mut out = Vec::new();
    let mut ups = d.up.clone();
    ups.sort_unstable();
    let mut downs = d.down.clone();
    downs.sort_unstable();
    let mut last_end = i64::MIN;
    for &td in &downs {
        if td <= last_end {
            continue;
        }
        if let Some(&tu) = ups.iter().find(|&&u| u > td && u <= td + 600) {
            out.push(Episode {
                peer: peer.into(),
                start: td,
                end: tu,
                count: 0,
                non_graceful: false,
                evidence: Evidence::High,
            });
            last_end = tu;
        }
    }
    out
}

fn error_episodes(peer: &[u8], d: &PeerData, first: i64, last: i64, p: &Params) -> Vec<Episode> {
    let Some((&fs, _)) = d.seconds.iter().find(|(_, v)| v.0 > 0) else { return Vec::new() };
    let Some((&ls, _)) = d.seconds.iter().rev().find(|(_, v)| v.0 > 0) else { return Vec::new() };
    let reach = (p.guard + p.baseline) as i64;
    let from = first.max(fs - reach);
    let to = last.min(ls + 120);
    let len = (to - from + 1) as usize;
    let x: Vec<(usize, u32)> = d
        .seconds
        .range(from..=to)
        .filter(|(_, v)| v.0 > 0)
        .map(|(&t, v)| ((t - from) as usize, u32::try_from(v.0).unwrap_or(u32::MAX)))
        .collect();
    let bursts = scan_sparse(&x, len, (from - first) as usize, p).bursts;
    let spans: Vec<(i64, i64)> =
        bursts.iter().map(|b| (from + b.start as i64, from + b.end as i64)).collect();
    bursts.iter().filter_map(|b| episode(peer, d, from, b, &spans)).collect()
}

/// The restart episode that burst `b` of a peer's restart-class series (index 0 at second
/// `from`) is, if it is one: mostly restart classes, short, and followed by a recovery (see
/// the module docs). `spans` are the peer's bursts that may start within a minute after it;
/// `d` must hold the peer's seconds from the burst's start to two minutes after its end, and
/// its successful responses from five minutes before.
pub(crate) fn episode(
    peer: &[u8],
    d: &PeerData,
    from: i64,
    b: &Burst,
    spans: &[(i64, i64)],
) -> Option<Episode> {
    let sum = |a: i64, b: i64, f: fn(&(u64, u64, u64)) -> u64| -> u64 {
        d.seconds.range(a..=b).map(|(_, v)| f(v)).sum()
    };
    let (s, e) = (from + b.start as i64, from + b.end as i64);
    let restart = sum(s, e, |v| v.0);
    let failures = sum(s, e, |v| v.1).max(restart);
    if e - s + 1 > 120 || (restart as f64) < 0.8 * failures as f64 {
        return None;
    }
    let rate = b.baseline_count as f64 / b.baseline_seconds.max(1) as f64;
    // Errors of the peer's next episode (a crash loop) are not a failure to recover.
    let after: u64 = d
        .seconds
        .range(e + 1..=e + 60)
        .filter(|(t, _)| !spans.iter().any(|(a, b)| (*a..=*b).contains(*t)))
        .map(|(_, v)| v.0)
        .sum();
    if after as f64 > 3.0 * rate * 60.0 + 2.0 {
        return None;
    }
    let served_before = d.ok.iter().any(|&t| t >= s - 300 && t < s);
    let served_after = d.ok.iter().any(|&t| t > e && t <= e + 120);
    if served_before && !served_after {
        return None;
    }
    let non_graceful = d.seconds.range(s..=e).find(|(_, v)| v.0 > 0).is_some_and(|(_, v)| v.2 > 0);
    Some(Episode {
        peer: peer.into(),
        start: s,
        end: e,
        count: restart,
        non_graceful,
        evidence: Evidence::Medium,
    })
}

fn inferred(pattern: Pattern, group: Option<Box<[u8]>>, eps: Vec<Episode>) -> Inferred {
    let mut peers: Vec<Box<[u8]>> = Vec::new();
    for e in &eps {
        if !peers.contains(&e.peer) {
            peers.push(e.peer.clone());
        }
    }
    Inferred {
        pattern,
        group,
        peers,
        start: eps.iter().map(|e| e.start).min().unwrap_or(0),
        end: eps.iter().map(|e| e.end).max().unwrap_or(0),
        evidence: eps.iter().map(|e| e.evidence).min().unwrap_or(Evidence::Medium),
        non_graceful: eps.iter().any(|e| e.non_graceful),
        episodes: eps,
    }
}

/// Groups episodes into patterns (see the module docs).
pub(crate) fn classify(
    episodes: Vec<(Option<Box<[u8]>>, Episode)>,
    outages: Vec<(Box<[u8]>, Episode)>,
) -> Vec<Inferred> {
    let mut by_group: BTreeMap<Option<Box<[u8]>>, Vec<Episode>> = BTreeMap::new();
    for (g, e) in episodes {
        by_group.entry(g).or_default().push(e);
    }
    let mut out = Vec::new();
    // Outages first: a `no live upstreams` burst takes the group's episodes around it.
    for (group, o) in outages {
        let mut eps = vec![o.clone()];
        if let Some(list) = by_group.get_mut(&Some(group.clone())) {
            let (near, rest): (Vec<Episode>, Vec<Episode>) =
                list.drain(..).partition(|e| e.start <= o.end + 30 && o.start <= e.end + 30);
            eps.extend(near);
            *list = rest;
        }
        eps.sort_by_key(|e| e.start);
        out.push(inferred(Pattern::Outage, Some(group), eps));
    }
    for (group, mut eps) in by_group {
        eps.sort_by_key(|e| e.start);
        if group.is_none() {
            // Without a group, peers cannot be related: each peer on its own.
            let mut by_peer: BTreeMap<Box<[u8]>, Vec<Episode>> = BTreeMap::new();
            for e in eps {
                by_peer.entry(e.peer.clone()).or_default().push(e);
            }
            for (_, list) in by_peer {
                out.extend(single_peer(None, list));
            }
            continue;
        }
        let mut i = 0;
        while i < eps.len() {
            // Overlapping episodes of different peers: an outage.
            let mut j = i + 1;
            let mut end = eps[i].end;
            while j < eps.len() && eps[j].start <= end {
                end = end.max(eps[j].end);
                j += 1;
            }
            let peers_in: std::collections::BTreeSet<&[u8]> =
                eps[i..j].iter().map(|e| &*e.peer).collect();
            if peers_in.len() > 1 {
                out.push(inferred(Pattern::Outage, group.clone(), eps[i..j].to_vec()));
                i = j;
                continue;
            }
            // A chain of different peers one after the other, 5 s to 10 min apart.
            let mut k = i + 1;
            while k < eps.len() {
                let gap = eps[k].start - eps[k - 1].end;
                let new_peer = !eps[i..k].iter().any(|e| e.peer == eps[k].peer);
                if (5..=600).contains(&gap) && new_peer {
                    k += 1;
                } else {
                    break;
                }
            }
            if k - i >= 2 {
                out.push(inferred(Pattern::RollingRestart, group.clone(), eps[i..k].to_vec()));
                i = k;
                continue;
            }
            out.extend(single_peer(group.clone(), vec![eps[i].clone()]));
            i += 1;
        }
        // Crash loops are found per peer among what is left as single restarts.
        let (singles, rest): (Vec<Inferred>, Vec<Inferred>) = std::mem::take(&mut out)
            .into_iter()
            .partition(|x| x.pattern == Pattern::Restart && x.group == group);
        out = rest;
        let mut by_peer: BTreeMap<Box<[u8]>, Vec<Episode>> = BTreeMap::new();
        for s in singles {
            for e in s.episodes {
                by_peer.entry(e.peer.clone()).or_default().push(e);
            }
        }
        for (_, list) in by_peer {
            out.extend(single_peer(group.clone(), list));
        }
    }
    out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.peers.cmp(&b.peers)));
    out
}

/// One peer's episodes: a crash loop when the gaps keep growing, else single restarts.
fn single_peer(group: Option<Box<[u8]>>, mut eps: Vec<Episode>) -> Vec<Inferred> {
    eps.sort_by_key(|e| e.start);
    if eps.len() >= 3 {
        let gaps: Vec<i64> = eps.windows(2).map(|w| w[1].start - w[0].start).collect();
        let growing = gaps.windows(2).all(|g| {
            let r = g[1] as f64 / g[0].max(1) as f64;
            (1.5..=3.0).contains(&r)
        });
        if growing && gaps[0] <= 600 {
            return vec![inferred(Pattern::CrashLoop, group, eps)];
        }
    }
    eps.into_iter().map(|e| inferred(Pattern::Restart, group.clone(), vec![e])).collect()
}

#[cfg(test)]
mod tests;
