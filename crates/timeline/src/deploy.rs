//! Deploy markers: matching them to upstreams, attributing spikes to them, and the deploy
//! report.
//!
//! # Matching a marker to an upstream
//!
//! A marker matches a series at one of four levels ([`Match`]):
//!
//! - **exact**: the marker lists the series (or one of the spike's peers) in its `upstreams`,
//!   or a [`ServiceMap`] entry for its service does;
//! - **fuzzy**: without a mapping for the service, a word of the service name (split on
//!   anything but letters and digits, case-insensitively, generic words such as `svc`,
//!   `backend` or `default` ignored) is a word of the upstream name: `api` matches
//!   `api_backend` and `api.default.svc`;
//! - **unknown**: the marker names no service, or the upstream's name has no words (an IP
//!   address and port), so nothing can be said;
//! - **mismatch**: otherwise. A mismatching marker is never attributed; it is context only.
//!
//! # Attribution
//!
//! A spike whose onset `o` falls in `[start − skew, (end or start) + 120 s + skew]` of a marker
//! that matches (exact, fuzzy or unknown) is attributed to it. When several qualify, exact and
//! fuzzy matches come before unknown ones, then the smallest `|Δ|`, where `Δ = o − anchor` and
//! the anchor is the marker's end when it has one, else its start.
//!
//! The chance of coincidence is `1 − exp(−N · (|Δ| + skew + 1 s) / T)`: the probability that
//! one of `N` markers matching the series falls that close to the onset by chance, if onsets and
//! markers were independent over the analysed span `T`.

use std::collections::BTreeMap;

use logparse::Class;

use crate::Unit;
use crate::aggregate::{Aggregator, SeriesKey};
use crate::spikes::Spike;
use crate::stats::{PValue, ln_binomial_lower, ln_binomial_upper};

/// What kind of change a marker records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Kind {
    /// A deploy (the default).
    #[default]
    Deploy,
    /// A rollback.
    Rollback,
    /// A restart without a new version.
    Restart,
    /// A configuration change.
    Config,
    /// A commit: only an upper bound of when code existed, not a deploy time.
    Commit,
}

impl Kind {
    /// The lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
            Kind::Restart => "restart",
            Kind::Config => "config",
            Kind::Commit => "commit",
        }
    }

    /// The kind named `s` (case-insensitive), if it is one.
    pub fn from_name(s: &str) -> Option<Kind> {
        [Kind::Deploy, Kind::Rollback, Kind::Restart, Kind::Config, Kind::Commit]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// A deploy marker.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Deploy {
    /// When it started, Unix seconds UTC.
    pub start: i64,
    /// When it finished, when known.
    pub end: Option<i64>,
    /// The version (tag, release, commit hash).
    pub version: Option<String>,
    /// The service deployed.
    pub service: Option<String>,
    /// Upstream names the marker explicitly covers.
    pub upstreams: Vec<String>,
    /// The environment (`prod`, ...).
    pub env: Option<String>,
    /// What kind of change.
    pub kind: Kind,
    /// Where the marker came from (`--deploy`, a file and line, a tool's name).
    pub source: Option<String>,
}

impl Deploy {
    /// The instant attribution measures from: the end when known, else the start.
    pub fn anchor(&self) -> i64 {
        self.end.unwrap_or(self.start)
    }

    /// `version@service`, `version`, `@service` or `deploy`, for display.
    pub fn label(&self) -> String {
        match (&self.version, &self.service) {
            (Some(v), Some(s)) => format!("{v}@{s}"),
            (Some(v), None) => v.clone(),
            (None, Some(s)) => format!("@{s}"),
            (None, None) => self.kind.as_str().to_owned(),
        }
    }
}

/// `--service-map`: the upstream names of each service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceMap {
    map: BTreeMap<String, Vec<Vec<u8>>>,
}

impl ServiceMap {
    /// An empty map.
    pub fn new() -> ServiceMap {
        ServiceMap::default()
    }

    /// Adds upstream names for `service` (case-insensitive service names).
    pub fn insert(&mut self, service: &str, upstreams: impl IntoIterator<Item = Vec<u8>>) {
        self.map.entry(service.to_ascii_lowercase()).or_default().extend(upstreams);
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn get(&self, service: &str) -> Option<&[Vec<u8>]> {
        self.map.get(&service.to_ascii_lowercase()).map(|v| &v[..])
    }
}

/// How well a marker's service matches an upstream; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Match {
    /// Named by the marker or the service map.
    Exact,
    /// A word of the service name is a word of the upstream name.
    Fuzzy,
    /// Nothing to compare.
    Unknown,
    /// A different service.
    Mismatch,
}

impl Match {
    /// The lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Fuzzy => "fuzzy",
            Match::Unknown => "unknown",
            Match::Mismatch => "mismatch",
        }
    }

    /// Whether a spike may be attributed at this level.
    pub const fn attributable(self) -> bool {
        !matches!(self, Match::Mismatch)
    }
}

/// Words that say nothing about which service an upstream is.
const GENERIC: &[&str] = &[
    "svc",
    "cluster",
    "local",
    "default",
    "internal",
    "backend",
    "backends",
    "upstream",
    "service",
    "srv",
    "http",
    "https",
    "tcp",
    "grpc",
    "www",
    "prod",
    "production",
    "staging",
    "com",
    "net",
    "org",
    "io",
];

fn words(s: &[u8]) -> Vec<String> {
    s.split(|b| !b.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && w.iter().any(u8::is_ascii_alphabetic))
        .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase())
        .filter(|w| !GENERIC.contains(&w.as_str()))
        .collect()
}

/// How `deploy` matches the series `series` (whose events name `peers`).
pub fn match_level(
    deploy: &Deploy,
    series: Option<&[u8]>,
    peers: &[&[u8]],
    map: &ServiceMap,
) -> Match {
    let names: Vec<&[u8]> = series.into_iter().chain(peers.iter().copied()).collect();
    if deploy.upstreams.iter().any(|u| names.contains(&u.as_bytes())) {
        return Match::Exact;
    }
    let Some(service) = &deploy.service else {
        return if deploy.upstreams.is_empty() { Match::Unknown } else { Match::Mismatch };
    };
    if let Some(mapped) = map.get(service) {
        return if mapped.iter().any(|m| names.contains(&&m[..])) {
            Match::Exact
        } else {
            Match::Mismatch
        };
    }
    if !deploy.upstreams.is_empty() {
        return Match::Mismatch;
    }
    let service_words = words(service.as_bytes());
    let mut any_words = false;
    for name in &names {
        let w = words(name);
        any_words |= !w.is_empty();
        if w.iter().any(|w| service_words.contains(w)) {
            return Match::Fuzzy;
        }
    }
    if any_words { Match::Mismatch } else { Match::Unknown }
}

/// Settings of attribution.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionParams {
    /// Clock skew allowed on both sides of a marker, seconds (default 5).
    pub skew: i64,
    /// How long after a marker's end a spike may start and still be attributed (default 120).
    pub post: i64,
    /// The analysed span in seconds (for the chance of coincidence).
    pub span: i64,
}

impl Default for AttributionParams {
    fn default() -> AttributionParams {
        AttributionParams { skew: 5, post: 120, span: 3600 }
    }
}

/// What a spike looks like next to its deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signature {
    /// At least 80 % restart-class errors (refused, reset, closed, no live upstreams) and over
    /// within 120 s: the old process stopped and the new one was not ready yet.
    RestartBlip,
    /// Longer than 120 s: an elevation that outlasted the rollout (see the deploy report).
    Regression,
    /// Short, but mostly other classes (timeouts, protocol errors): related, not a restart.
    Burst,
}

impl Signature {
    /// The phrase used in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Signature::RestartBlip => "restart blip",
            Signature::Regression => "post-deploy regression",
            Signature::Burst => "error burst, not a restart signature",
        }
    }
}

/// How sure an attribution is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Chance of coincidence below 1 %, service matched, restart signature.
    High,
    /// Chance below 5 %, or one of the three missing.
    Medium,
    /// Otherwise: "possibly related".
    Low,
}

impl Confidence {
    /// The lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// A spike tied to a deploy marker.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    /// The index of the marker in the list given.
    pub deploy: usize,
    /// Onset minus the marker's anchor, seconds.
    pub delta: i64,
    /// How the marker's service matched the upstream.
    pub level: Match,
    /// The chance of coincidence.
    pub p_coinc: f64,
    /// The spike's signature.
    pub signature: Signature,
    /// The overall confidence.
    pub confidence: Confidence,
    /// Other markers that also qualified.
    pub others: Vec<usize>,
}

/// The classes that a stopped or starting process produces.
pub fn is_restart_class(c: Class) -> bool {
    matches!(
        c,
        Class::ConnectRefused
            | Class::ConnectionReset
            | Class::PrematurelyClosed
            | Class::NoLiveUpstreams
            | Class::UpstreamDown
    )
}

/// What attribution needs to know of a spike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Onset<'a> {
    /// The series name.
    pub series: Option<&'a [u8]>,
    /// The peers the spike's errors were on.
    pub peers: &'a [&'a [u8]],
    /// The first second of the spike.
    pub start: i64,
    /// Its length in seconds.
    pub seconds: i64,
    /// The share (0 to 1) of its errors of a restart class ([`is_restart_class`]).
    pub restart_share: f64,
}

/// The marker a spike is attributed to, if any.
pub fn attribute_onset(
    spike: &Onset<'_>,
    deploys: &[Deploy],
    map: &ServiceMap,
    p: &AttributionParams,
) -> Option<Attribution> {
    let Onset { series, peers, start: onset, seconds, restart_share } = *spike;
    let levels: Vec<Match> = deploys.iter().map(|d| match_level(d, series, peers, map)).collect();
    let mut cands: Vec<(usize, i64)> = deploys
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            levels[*i].attributable()
                && onset >= d.start - p.skew
                && onset <= d.anchor() + p.post + p.skew
        })
        .map(|(i, d)| (i, onset - d.anchor()))
        .collect();
    cands.sort_by_key(|&(i, delta)| (levels[i] == Match::Unknown, delta.abs(), i));
    let &(best, delta) = cands.first()?;
    let n = levels.iter().filter(|l| l.attributable()).count().max(1) as f64;
    let span = p.span.max(1) as f64;
    let p_coinc = 1.0 - (-n * (delta.abs() + p.skew + 1) as f64 / span).exp();
    let restart = restart_share >= 0.8;
    let signature = if seconds > 120 {
        Signature::Regression
    } else if restart {
        Signature::RestartBlip
    } else {
        Signature::Burst
    };
    let level = levels[best];
    let missing = [p_coinc < 0.01, matches!(level, Match::Exact | Match::Fuzzy), restart]
        .iter()
        .filter(|ok| !**ok)
        .count();
    let confidence = if missing == 0 {
        Confidence::High
    } else if missing == 1 || p_coinc < 0.05 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Attribution {
        deploy: best,
        delta,
        level,
        p_coinc,
        signature,
        confidence,
        others: cands.iter().skip(1).map(|c| c.0).collect(),
    })
}

/// The attribution of each spike (in order), `None` for spikes no marker explains.
pub fn attribute(
    spikes: &[Spike],
    deploys: &[Deploy],
    map: &ServiceMap,
    p: &AttributionParams,
) -> Vec<Option<Attribution>> {
    spikes
        .iter()
        .map(|s| {
            // The groups of folded access-log spikes name the upstream too.
            let peers: Vec<&[u8]> = s
                .spike_peers()
                .map(|p| &*p.key)
                .chain(s.echoes.iter().filter_map(|e| e.series.as_deref()))
                .collect();
            let onset = Onset {
                series: s.series.as_deref(),
                peers: &peers,
                start: s.start,
                seconds: s.seconds(),
                restart_share: s.share_of(is_restart_class),
            };
            attribute_onset(&onset, deploys, map, p)
        })
        .collect()
}

/// The verdict of the deploy report for one marker, upstream or class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Errors rose in the minute after the marker and were back to normal after it.
    RestartBlip,
    /// Errors after the blip are significantly (p < 1e-3) and at least twice above before.
    Regression,
    /// Errors after the blip are significantly below before.
    Improvement,
    /// None of these.
    Clean,
}

impl Verdict {
    /// The phrase used in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::RestartBlip => "restart blip",
            Verdict::Regression => "regression",
            Verdict::Improvement => "improvement",
            Verdict::Clean => "clean",
        }
    }

    /// Which of two verdicts a marker reports: regression, then restart blip, improvement,
    /// clean.
    fn worst(self, other: Verdict) -> Verdict {
        let rank = |v: Verdict| match v {
            Verdict::Regression => 0,
            Verdict::RestartBlip => 1,
            Verdict::Improvement => 2,
            Verdict::Clean => 3,
        };
        if rank(other) < rank(self) { other } else { self }
    }
}

/// Counts in the three windows of the deploy report, with their tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    /// Errors before the marker.
    pub before: u64,
    /// Errors in the blip window.
    pub blip: u64,
    /// Errors after the blip.
    pub after: u64,
    /// Upper-tail p of the blip rate against before.
    pub blip_p: PValue,
    /// Upper-tail p of the after rate against before.
    pub after_p: PValue,
    /// Lower-tail p of the after rate against before.
    pub after_lower_p: PValue,
    /// The after rate over the before rate (before floored at half an error).
    pub after_ratio: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// The three windows of a marker, in seconds: `[from, to)` each, clipped to the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    /// Before: `[t0 − 5 min, t0)`.
    pub before: (i64, i64),
    /// Blip: `[t0, t1 + 60 s)`.
    pub blip: (i64, i64),
    /// After: `[t1 + 60 s, t1 + 5 min]`, as a half-open range.
    pub after: (i64, i64),
}

impl Windows {
    /// The windows of `d` within the input span `first..=last`.
    pub fn of(d: &Deploy, first: i64, last: i64) -> Windows {
        let t0 = d.start;
        let t1 = d.anchor().max(t0);
        let clip = |a: i64, b: i64| (a.max(first), b.min(last + 1).max(a.max(first)));
        Windows {
            before: clip(t0 - 300, t0),
            blip: clip(t0, t1 + 60),
            after: clip(t1 + 60, t1 + 301),
        }
    }

    fn len(w: (i64, i64)) -> u64 {
        (w.1 - w.0).max(0) as u64
    }

    /// The rates of `c`'s before, blip and after counts, in errors per minute of their windows
    /// (0 for an empty window).
    pub fn per_min(&self, c: &Compare) -> [f64; 3] {
        [per_min(c.before, self.before), per_min(c.blip, self.blip), per_min(c.after, self.after)]
    }
}

/// `k` errors over the half-open window `[from, to)` (seconds), per minute; 0 when the window
/// is empty.
pub fn per_min(k: u64, win: (i64, i64)) -> f64 {
    let len = (win.1 - win.0).max(0);
    if len == 0 { 0.0 } else { k as f64 * 60.0 / len as f64 }
}

/// The exact conditional test of two Poisson rates: `ln P(K2 >= k2)` and `ln P(K2 <= k2)`
/// given `k1 + k2`, with `K2 ~ Binomial(k1 + k2, t2 / (t1 + t2))`.
pub fn two_rates(k1: u64, t1: u64, k2: u64, t2: u64) -> (PValue, PValue) {
    if t1 == 0 || t2 == 0 {
        return (PValue::from_ln(0.0), PValue::from_ln(0.0));
    }
    let n = k1 + k2;
    let q = t2 as f64 / (t1 + t2) as f64;
    (PValue::from_ln(ln_binomial_upper(k2, n, q)), PValue::from_ln(ln_binomial_lower(k2, n, q)))
}

/// Compares the three windows; `alpha` is the verdicts' significance (1e-3 by default).
pub fn compare(before: u64, blip: u64, after: u64, w: &Windows, alpha: f64) -> Compare {
    let (tb, tl, ta) = (Windows::len(w.before), Windows::len(w.blip), Windows::len(w.after));
    let (blip_p, _) = two_rates(before, tb, blip, tl);
    let (after_p, after_lower_p) = two_rates(before, tb, after, ta);
    let rate = |k: f64, t: u64| if t == 0 { 0.0 } else { k / t as f64 };
    let after_ratio = rate(after as f64, ta) / rate((before as f64).max(0.5), tb).max(1e-12);
    let ln_alpha = alpha.ln();
    let verdict = if after_p.ln() < ln_alpha && after_ratio >= 2.0 {
        Verdict::Regression
    } else if blip_p.ln() < ln_alpha && after_p.ln() >= ln_alpha {
        Verdict::RestartBlip
    } else if after_lower_p.ln() < ln_alpha {
        Verdict::Improvement
    } else {
        Verdict::Clean
    };
    Compare { before, blip, after, blip_p, after_p, after_lower_p, after_ratio, verdict }
}

/// One upstream's rows in the report of one marker.
#[derive(Clone, Debug, PartialEq)]
pub struct UpstreamReport {
    /// The series name.
    pub series: Option<Box<[u8]>>,
    /// The unit of the counts.
    pub unit: Unit,
    /// How the marker matched it.
    pub level: Match,
    /// All upstream failures together.
    pub total: Compare,
    /// Per class with a non-zero count in a window.
    pub classes: Vec<(Class, Compare)>,
}

/// The report of one marker.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployReport {
    /// The index of the marker.
    pub deploy: usize,
    /// Its windows.
    pub windows: Windows,
    /// The upstreams compared: those the marker matches (exact or fuzzy) and the series of
    /// their peers, or, when it matches none, every upstream with failures around it.
    pub upstreams: Vec<UpstreamReport>,
    /// Whether the marker matched any upstream (exact or fuzzy).
    pub matched: bool,
    /// Markers whose windows overlap this one's (their effects cannot be told apart).
    pub overlaps: Vec<usize>,
    /// The marker's verdict: the most serious of its upstreams'.
    pub verdict: Verdict,
}

/// The report of every marker (in order).
pub fn report(
    agg: &Aggregator,
    deploys: &[Deploy],
    map: &ServiceMap,
    alpha: f64,
) -> Vec<DeployReport> {
    report_classes(agg, deploys, map, alpha, Class::is_upstream_failure)
}

/// Like [`report`], counting the classes that pass `keep` as errors.
pub fn report_classes(
    agg: &Aggregator,
    deploys: &[Deploy],
    map: &ServiceMap,
    alpha: f64,
    keep: impl Fn(Class) -> bool,
) -> Vec<DeployReport> {
    let Some(span) = agg.span() else {
        return Vec::new();
    };
    let series = crate::spikes::scanned_series(agg, &keep);
    report_over(agg, span, &series, deploys, map, alpha, keep)
}

/// The deploy report over the input span `first..=last`, comparing the `series` (those with
/// errors, in [`Aggregator::series`] order) from the counts of `agg`, which must hold every
/// cell of them within five minutes of each marker.
pub(crate) fn report_over(
    agg: &Aggregator,
    (first, last): (i64, i64),
    series: &[SeriesKey],
    deploys: &[Deploy],
    map: &ServiceMap,
    alpha: f64,
    keep: impl Fn(Class) -> bool,
) -> Vec<DeployReport> {
    let mut out = Vec::new();
    for (i, d) in deploys.iter().enumerate() {
        let w = Windows::of(d, first, last);
        let mut rows: Vec<(SeriesKey, Match)> = Vec::new();
        let mut matched_peers: Vec<(Box<[u8]>, Match)> = Vec::new();
        for &key in series {
            let peers = peers_of(agg, key, w.before.0, w.after.1);
            let peer_refs: Vec<&[u8]> = peers.iter().map(|p| &**p).collect();
            let level = match_level(d, agg.name(key), &peer_refs, map);
            if matches!(level, Match::Exact | Match::Fuzzy) {
                rows.push((key, level));
                matched_peers.extend(peers.into_iter().map(|p| (p, level)));
            }
        }
        // The error log's series of the peers of a matched group belong to the service too.
        for &key in series {
            let peer_level = agg
                .name(key)
                .and_then(|n| matched_peers.iter().find(|(p, _)| **p == *n))
                .map(|(_, l)| *l);
            if let Some(level) = peer_level {
                if !rows.iter().any(|(k, _)| *k == key) {
                    rows.push((key, level));
                }
            }
        }
        let matched = !rows.is_empty();
        if !matched {
            for &key in series {
                if agg.counts(key, w.before.0, w.after.1 - 1).any(|c| keep(c.class)) {
                    rows.push((key, match_level(d, agg.name(key), &[], map)));
                }
            }
        }
        let mut upstreams = Vec::new();
        let mut verdict = Verdict::Clean;
        for (key, level) in rows {
            let mut per: BTreeMap<Class, [u64; 3]> = BTreeMap::new();
            for c in agg.counts(key, w.before.0, w.after.1 - 1).filter(|c| keep(c.class)) {
                let slot = if c.second < w.before.1 {
                    0
                } else if c.second < w.blip.1 {
                    1
                } else {
                    2
                };
                per.entry(c.class).or_default()[slot] += c.n;
            }
            let mut tot = [0u64; 3];
            for v in per.values() {
                for (t, x) in tot.iter_mut().zip(v) {
                    *t += x;
                }
            }
            let total = compare(tot[0], tot[1], tot[2], &w, alpha);
            verdict = verdict.worst(total.verdict);
            let classes =
                per.into_iter().map(|(c, v)| (c, compare(v[0], v[1], v[2], &w, alpha))).collect();
            upstreams.push(UpstreamReport {
                series: agg.name(key).map(Into::into),
                unit: key.unit(),
                level,
                total,
                classes,
            });
        }
        let overlaps = deploys
            .iter()
            .enumerate()
            .filter(|(j, o)| {
                *j != i && {
                    let ow = Windows::of(o, first, last);
                    ow.blip.0 < w.after.1 && w.blip.0 < ow.after.1
                }
            })
            .map(|(j, _)| j)
            .collect();
        out.push(DeployReport { deploy: i, windows: w, upstreams, matched, overlaps, verdict });
    }
    out
}

fn peers_of(agg: &Aggregator, key: SeriesKey, from: i64, to: i64) -> Vec<Box<[u8]>> {
    let mut v: Vec<Box<[u8]>> = Vec::new();
    for c in agg.counts(key, from, to) {
        if let Some(p) = c.peer {
            if !v.iter().any(|x| **x == *p) {
                v.push(p.into());
            }
        }
    }
    v
}

#[cfg(test)]
mod tests;
