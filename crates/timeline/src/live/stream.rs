//! [`Detector`]: the analysis of a stream, computed as its lines arrive, in bounded memory.

use std::collections::{BTreeMap, HashMap};

use logparse::Class;

use super::announce::{Announced, State, announce};
use crate::Unit;
use crate::aggregate::{Aggregator, NONE, NameId, SeriesKey};
use crate::analysis::{self, Analysis, Settings};
use crate::deploy;
use crate::restarts::{self, Episode, Evidence, PeerData};
use crate::spikes::{self, Burst, Len, Params, Scanner, Spike};

/// How many seconds a line may be older than the newest line read before it and still count
/// in the scan (see [`Detector::with_lag`]).
pub const LAG: i64 = 60;

/// One signal of one series (its errors, its restart-class errors, or its `no live upstreams`
/// lines) per second, scanned as its seconds become final.
#[derive(Clone, Debug)]
struct Signal {
    /// The last second with a count, among the final ones.
    last: i64,
    /// How far after its last count the signal's slice reaches: the longest window (spikes)
    /// or two minutes (restarts), as in the analysis of a whole input.
    ext: i64,
    /// The second of index 0: a baseline's length before the first count, or the input's
    /// start.
    from: i64,
    scan: Scanner,
}

impl Signal {
    fn new(first_count: i64, input_first: i64, ext: i64, p: &Params) -> Signal {
        let from = input_first.max(first_count - (p.guard + p.baseline) as i64);
        let scan = Scanner::new((from - input_first) as usize);
        Signal { last: first_count, ext, from, scan }
    }

    fn push(&mut self, t: i64, n: u64) {
        self.last = self.last.max(t);
        self.scan.push((t - self.from) as usize, n);
    }

    /// Scans the seconds before `horizon`, when the newest second read is `latest`.
    fn advance(&mut self, horizon: i64, latest: i64, p: &Params) {
        let upto = (horizon - self.from).max(0) as usize;
        // The slice ends at the input's last second or `ext` after the signal's last count,
        // whichever is first: at least this, whatever comes later.
        let len = (latest.min(self.last + self.ext) - self.from + 1).max(0) as usize;
        self.scan.advance(upto, Len::AtLeast(len), p);
    }

    /// The slice's length once the input's last second is `input_last`.
    fn len(&self, input_last: i64) -> usize {
        (input_last.min(self.last + self.ext) - self.from + 1).max(0) as usize
    }

    fn finish(&mut self, input_last: i64, p: &Params) {
        let len = self.len(input_last);
        self.scan.finish(len, p);
    }

    /// Bursts found since the last call, with absolute seconds.
    fn take(&mut self) -> Vec<Burst> {
        self.scan.take_bursts()
    }

    /// The earliest second a burst found later can start at.
    fn bursts_from(&self, p: &Params) -> i64 {
        self.from + self.scan.bursts_from(p) as i64
    }

    /// The seconds a later step reads counts of, given `pad` seconds read before a burst's
    /// start: from the returned second on, plus the band of the warm-up while the scan is
    /// still in it (its baseline looks ahead, so it may wait for later seconds).
    fn needs(&self, horizon: i64, pad: i64, p: &Params) -> (i64, Option<(i64, i64)>) {
        if self.scan.warming(p) {
            let max_w = p.windows.iter().copied().max().unwrap_or(1) as i64;
            let lookahead = (p.baseline + 2 * p.guard) as i64 + max_w;
            let band = (self.from - pad, self.from + lookahead + 2 * self.ext + max_w);
            return (horizon - pad - max_w, Some(band));
        }
        (self.from + self.scan.bursts_from(p) as i64 - pad, None)
    }
}

/// Whether `second` is needed: from `from` on, or within `band`.
fn needed(second: i64, (from, band): (i64, Option<(i64, i64)>)) -> bool {
    second >= from || band.is_some_and(|(a, b)| second >= a && second <= b)
}

/// A peer's restart inference in progress: its restart-class signal and the counts its
/// episodes are checked against.
#[derive(Clone, Debug, Default)]
struct Peer {
    signal: Option<Signal>,
    /// Final seconds still needed, successful responses, and every down and up mark.
    data: PeerData,
    /// Bursts found, not yet checked: they wait for the two minutes after them.
    pending: Vec<Burst>,
    /// The seconds of the peer's bursts that a pending one may need (an episode's recovery
    /// leaves out the next episode's seconds).
    spans: Vec<(i64, i64)>,
    /// The restart episodes found, by start.
    episodes: Vec<Episode>,
    /// Whether any restart-class error was counted.
    any_restart: bool,
}

impl Peer {
    /// Checks the pending bursts that nothing later can change: two minutes have passed and
    /// no burst found later can start within the minute after them.
    fn check(&mut self, peer: &[u8], horizon: i64, all: bool, p: &Params) {
        let Some(sig) = &self.signal else { return };
        let later = sig.bursts_from(p);
        let from = sig.from;
        let ready = |b: &Burst| {
            let e = from + b.end as i64;
            all || (horizon > e + 120 && later > e + 60)
        };
        let n = self.pending.iter().take_while(|b| ready(b)).count();
        for b in self.pending.drain(..n) {
            if let Some(ep) = restarts::episode(peer, &self.data, from, &b, &self.spans) {
                self.episodes.push(ep);
            }
        }
    }

    fn prune(&mut self, horizon: i64, p: &Params) {
        // Episodes read their seconds from the burst's start and successful responses from
        // five minutes before.
        let (mut from, band) = match &self.signal {
            Some(sig) => {
                let start = self.pending.first().map(|b| sig.from + b.start as i64);
                let (from, band) = sig.needs(horizon, 0, p);
                (start.map_or(from, |s| s.min(from)).min(sig.bursts_from(p)), band)
            }
            None => (horizon, None),
        };
        from -= 300;
        let keep = (from, band.map(|(a, b)| (a - 300, b + 300)));
        self.data.seconds.retain(|t, _| needed(*t, keep));
        self.data.ok.retain(|t| needed(*t, keep));
        self.spans.retain(|s| needed(s.1, keep));
        if self.data.ok.capacity() > 4 * self.data.ok.len() + 64 {
            self.data.ok.shrink_to(2 * self.data.ok.len() + 16);
        }
        if let Some(sig) = &mut self.signal {
            sig.scan.prune(p);
        }
    }
}

/// What a stream's analysis ends with.
#[derive(Clone, Debug, PartialEq)]
pub struct Finished {
    /// The analysis: what [`crate::analysis::analyze`] gives on the same lines read as a
    /// whole, when no line arrived late.
    pub analysis: Analysis,
    /// Events left out of the scan because they arrived more than the lag after a later one
    /// (see [`Detector::with_lag`]).
    pub late: u64,
}

/// The analysis of a stream as its lines arrive: spikes, deploy report and inferred restarts,
/// from per-second counts handed over in batches, in memory bounded by the detection window
/// (see the [module docs](super)).
///
/// ```
/// use logparse::{Class, Event, Format, Timestamp};
/// use timeline::Aggregator;
/// use timeline::analysis::{Settings, analyze};
/// use timeline::live::{Detector, State};
///
/// fn batch(seconds: impl Iterator<Item = i64>, class: Class, per_second: usize) -> Aggregator {
///     let mut agg = Aggregator::new();
///     for t in seconds {
///         for _ in 0..per_second {
///             let mut ev = Event::new(Format::NginxError, b"");
///             ev.time = Some(Timestamp::from_unix_seconds(t));
///             ev.upstream = Some(b"10.0.0.1:8080");
///             ev.class = class;
///             agg.push(&ev);
///         }
///     }
///     agg
/// }
/// let quiet = batch((0..3600).step_by(300), Class::ResponseTimeout, 1);
/// let burst = batch(3600..3620, Class::ConnectRefused, 5);
/// let later = batch(4300..4301, Class::ResponseTimeout, 1);
///
/// let mut d = Detector::new(Settings::default());
/// d.push(&quiet);
/// assert!(d.announce().is_empty());
/// d.push(&burst);
/// let open = d.announce();
/// assert_eq!(open.iter().map(|a| a.0).collect::<Vec<_>>(), [State::Provisional]);
/// d.push(&later);
/// let closed = d.announce();
/// assert_eq!(closed.iter().map(|a| a.0).collect::<Vec<_>>(), [State::Final]);
/// let done = d.finish();
///
/// // The same lines read as a whole.
/// let whole = quiet.merge(burst).merge(later);
/// assert_eq!(done.analysis, analyze(&whole, &Settings::default()));
/// assert_eq!(done.late, 0);
/// ```
#[derive(Clone, Debug)]
pub struct Detector {
    settings: Settings,
    lag: i64,
    /// The cells still needed; its names are the detector's names.
    cells: Aggregator,
    /// The first and last second of the stream's events.
    span: Option<(i64, i64)>,
    /// Seconds before this are final: scanned, and closed to later lines.
    horizon: i64,
    late: u64,
    /// Series with cells at or after the horizon, and their earliest such second.
    dirty: BTreeMap<SeriesKey, i64>,
    /// The spike scan of each series with upstream failures.
    spikes: BTreeMap<SeriesKey, Signal>,
    /// The `no live upstreams` scan of each named series with such lines, and its bursts.
    nolive: BTreeMap<SeriesKey, (Signal, Vec<Episode>)>,
    /// Restart inference per peer (or series) and unit.
    peers: BTreeMap<(NameId, Unit), Peer>,
    /// Each peer's group: the first, by name, of the series naming it.
    group_of: HashMap<NameId, NameId>,
    /// Spikes found, with their series; `windows_scanned` is set at the end.
    found: Vec<(SeriesKey, Spike)>,
    /// How many of `found` were announced.
    told: usize,
    announced: Vec<Announced>,
    /// The horizon at the last pruning.
    pruned_at: i64,
    /// The seconds around deploy markers, whose cells the deploy report reads.
    protected: Vec<(i64, i64)>,
}

impl Detector {
    /// A detector that analyses with `settings` (the scan method; [`Settings::method`] is not
    /// consulted: segmentation needs the whole input) and the default lag, [`LAG`].
    pub fn new(settings: Settings) -> Detector {
        let mut protected: Vec<(i64, i64)> = settings
            .deploys
            .iter()
            .map(|d| (d.start - 300, d.anchor().max(d.start) + 301))
            .collect();
        protected.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (a, b) in protected {
            match merged.last_mut() {
                Some(m) if a <= m.1 + 1 => m.1 = m.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        Detector {
            settings,
            lag: LAG,
            cells: Aggregator::new(),
            span: None,
            horizon: i64::MIN,
            late: 0,
            dirty: BTreeMap::new(),
            spikes: BTreeMap::new(),
            nolive: BTreeMap::new(),
            peers: BTreeMap::new(),
            group_of: HashMap::new(),
            found: Vec::new(),
            told: 0,
            announced: Vec::new(),
            pruned_at: i64::MIN,
            protected: merged,
        }
    }

    /// Sets how many seconds a line may be older than the newest line read before it: lines
    /// within the lag are counted as if they had arrived in order, older ones are left out of
    /// the scan (and counted in [`Finished::late`]). Seconds within the lag of the newest line
    /// are scanned only when later lines (or the end) come, and announced meanwhile from a
    /// provisional scan.
    pub fn with_lag(mut self, lag: i64) -> Detector {
        self.lag = lag.max(0);
        self
    }

    /// The newest second read.
    pub fn latest(&self) -> Option<i64> {
        self.span.map(|s| s.1)
    }

    /// Events left out so far for arriving late.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Adds the counts of `batch` (the lines read since the last call) and scans the seconds
    /// that became final. The work is that of the new counts and of the seconds scanned, not of
    /// the stream's history. The copies of a health or admin message count once, as in one
    /// pass (see [`Summary::copies`](crate::Summary::copies)), whichever batches they come in;
    /// a copy of a second already final counts in [`Detector::late`].
    pub fn push(&mut self, batch: &Aggregator) {
        let remap: Vec<NameId> = batch.names().map(|n| self.cells.intern(n)).collect();
        let map = |id: NameId| if id == NONE { NONE } else { remap[id as usize] };
        for c in batch.raw() {
            if c.unit == Unit::Notices {
                // Counted from the batch's messages below, with those of earlier batches.
                continue;
            }
            if c.second < self.horizon {
                self.late += c.n;
                continue;
            }
            let key = SeriesKey { id: map(c.series), unit: c.unit };
            self.cells.add(key.id, c.unit, c.second, map(c.peer), c.class, c.n);
            let e = self.dirty.entry(key).or_insert(c.second);
            *e = (*e).min(c.second);
            self.span = Some(match self.span {
                Some((a, b)) => (a.min(c.second), b.max(c.second)),
                None => (c.second, c.second),
            });
        }
        // A health or admin message counts once per run of seconds, across batches too (see
        // `copies`): its counts move as its copies arrive.
        for (key, what, seconds) in batch.copies_seen() {
            for &second in seconds {
                if second < self.horizon {
                    self.late += 1;
                    continue;
                }
                let moved = self.cells.see_copy(key, second, what);
                let key = SeriesKey { id: moved.series, unit: Unit::Notices };
                let changed = [moved.change.add, moved.change.remove];
                for at in changed.into_iter().flatten().filter(|&t| t >= self.horizon) {
                    let e = self.dirty.entry(key).or_insert(at);
                    *e = (*e).min(at);
                }
                self.span = Some(match self.span {
                    Some((a, b)) => (a.min(second), b.max(second)),
                    None => (second, second),
                });
            }
        }
        if let Some((_, latest)) = self.span {
            let horizon = latest.saturating_sub(self.lag);
            if horizon > self.horizon {
                self.commit(horizon);
            }
        }
    }

    /// Makes the seconds before `horizon` final and scans them.
    fn commit(&mut self, horizon: i64) {
        let Some((first, latest)) = self.span else { return };
        let p = self.settings.params.clone();
        let dirty: Vec<(SeriesKey, i64)> =
            self.dirty.iter().filter(|(_, t)| **t < horizon).map(|(k, t)| (*k, *t)).collect();
        let mut touched: Vec<(NameId, Unit)> = Vec::new();
        for (key, since) in dirty {
            let mut failures: Vec<(i64, u32)> = Vec::new();
            let mut nolive: Vec<(i64, u32)> = Vec::new();
            let name = self.cells.name(key).map(<[u8]>::to_vec);
            for c in self.cells.raw_range(key, since, horizon) {
                if c.class.is_upstream_failure() {
                    add_total(&mut failures, c.second, c.n);
                }
                if name.is_none() {
                    continue;
                }
                let peer = if c.peer == NONE { key.id } else { c.peer };
                if c.peer != NONE {
                    let group = self.group_of.entry(c.peer).or_insert(key.id);
                    if self.cells.name_of(key.id) < self.cells.name_of(*group) {
                        *group = key.id;
                    }
                }
                if c.class == Class::NoLiveUpstreams {
                    add_total(&mut nolive, c.second, c.n);
                    continue;
                }
                let entry = self.peers.entry((peer, key.unit)).or_default();
                entry.data.add(c.second, c.class, c.n);
                touched.push((peer, key.unit));
            }
            if let Some(&(t0, _)) = failures.first() {
                let ext = p.windows.iter().copied().max().unwrap_or(1) as i64;
                let sig = self.spikes.entry(key).or_insert_with(|| Signal::new(t0, first, ext, &p));
                for (t, n) in failures {
                    sig.push(t, u64::from(n));
                }
            }
            if let Some(&(t0, _)) = nolive.first() {
                let (sig, _) = self
                    .nolive
                    .entry(key)
                    .or_insert_with(|| (Signal::new(t0, first, 120, &p), Vec::new()));
                for (t, n) in nolive {
                    sig.push(t, u64::from(n));
                }
            }
            match self.cells.raw_range(key, horizon, i64::MAX).next() {
                Some(c) => self.dirty.insert(key, c.second),
                None => self.dirty.remove(&key),
            };
        }
        touched.sort_unstable();
        touched.dedup();
        let old = self.horizon;
        for k in touched {
            let Some(peer) = self.peers.get_mut(&k) else { continue };
            let new: Vec<(i64, u64)> = peer
                .data
                .seconds
                .range(old.max(i64::MIN + 1)..horizon)
                .filter(|(_, v)| v.0 > 0)
                .map(|(t, v)| (*t, v.0))
                .collect();
            if let Some(&(t0, _)) = new.first() {
                peer.any_restart = true;
                let sig = peer.signal.get_or_insert_with(|| Signal::new(t0, first, 120, &p));
                for (t, n) in new {
                    sig.push(t, n);
                }
            }
        }
        self.horizon = horizon;
        self.scan(latest, false);
        if horizon >= self.pruned_at.saturating_add(60) {
            self.prune();
            self.pruned_at = horizon;
        }
    }

    /// Advances every scan to the horizon (or to the end, when `end` is the input's last
    /// second) and collects what they found.
    fn scan(&mut self, latest: i64, end: bool) {
        let p = self.settings.params.clone();
        let horizon = self.horizon;
        let step = |sig: &mut Signal| {
            if end { sig.finish(latest, &p) } else { sig.advance(horizon, latest, &p) }
        };
        for (key, sig) in &mut self.spikes {
            step(sig);
            for b in sig.take() {
                let start = sig.from + b.start as i64;
                let end = sig.from + b.end as i64;
                let reach = (p.guard + p.baseline) as i64;
                let counts = self.cells.counts(*key, start - reach, end);
                let breakdown =
                    spikes::breakdown(counts, start, end, &p, &Class::is_upstream_failure);
                let name = self.cells.name(*key).map(Into::into);
                let spike = spikes::spike_of(name, key.unit(), sig.from, &b, 0, breakdown);
                self.found.push((*key, spike));
            }
        }
        for (key, (sig, outages)) in &mut self.nolive {
            step(sig);
            let name: Box<[u8]> = self.cells.name(*key).unwrap_or_default().into();
            for b in sig.take() {
                outages.push(Episode {
                    peer: name.clone(),
                    start: sig.from + b.start as i64,
                    end: sig.from + b.end as i64,
                    count: b.count,
                    non_graceful: false,
                    evidence: Evidence::Medium,
                });
            }
        }
        for ((id, _), peer) in &mut self.peers {
            let Some(sig) = &mut peer.signal else { continue };
            step(sig);
            for b in sig.take() {
                peer.spans.push((sig.from + b.start as i64, sig.from + b.end as i64));
                peer.pending.push(b);
            }
            let name = self.cells.name_of(*id).unwrap_or_default();
            peer.check(name, horizon, end, &p);
        }
    }

    /// Forgets the cells and counts no later step reads.
    fn prune(&mut self) {
        let p = &self.settings.params;
        let reach = (p.guard + p.baseline) as i64;
        let horizon = self.horizon;
        let mut needs: HashMap<SeriesKey, (i64, Option<(i64, i64)>)> = HashMap::new();
        for (key, sig) in &mut self.spikes {
            sig.scan.prune(p);
            needs.insert(*key, sig.needs(horizon, reach, p));
        }
        for (sig, _) in self.nolive.values_mut() {
            sig.scan.prune(p);
        }
        for peer in self.peers.values_mut() {
            peer.prune(horizon, p);
        }
        let protected = &self.protected;
        // The first second stays: the windows of a marker before the stream are clipped to it.
        let first = self.span.map_or(i64::MIN, |s| s.0);
        let guarded = |t: i64| {
            let i = protected.partition_point(|w| w.1 < t);
            protected.get(i).is_some_and(|w| w.0 <= t)
        };
        self.cells.retain(|key, t| {
            let need = needs.get(&key).copied().unwrap_or((horizon - reach, None));
            needed(t, need) || t == first || guarded(t)
        });
        let keep_from = horizon.saturating_sub(2 * (reach + self.lag + 600));
        self.announced.retain(|a| !a.closed || a.end >= keep_from);
    }

    /// The spikes to announce since the last call: those found still open (announced
    /// [`State::Provisional`], from a provisional scan of the seconds not final yet) and those
    /// that have just closed ([`State::Final`]), by start. Cheap when nothing is open.
    pub fn announce(&mut self) -> Vec<(State, Spike)> {
        let Some((_, latest)) = self.span else { return Vec::new() };
        let mut now: Vec<(SeriesKey, Spike)> = self.found[self.told..].to_vec();
        self.told = self.found.len();
        now.extend(self.provisional(latest));
        now.sort_by(|a, b| {
            (self.cells.name(a.0), a.0.unit(), a.1.start).cmp(&(
                self.cells.name(b.0),
                b.0.unit(),
                b.1.start,
            ))
        });
        let spikes =
            spikes::finish_spikes(now.into_iter().map(|(_, s)| s).collect(), &self.settings.params);
        announce(&mut self.announced, spikes, latest, self.settings.params.split_quiet as i64)
    }

    /// The spikes a scan would find if the stream ended now, in the series whose scan is not
    /// settled: a run still open, or errors not final yet.
    fn provisional(&self, latest: i64) -> Vec<(SeriesKey, Spike)> {
        let Some((first, _)) = self.span else { return Vec::new() };
        let p = &self.settings.params;
        let reach = (p.guard + p.baseline) as i64;
        let ext = p.windows.iter().copied().max().unwrap_or(1) as i64;
        let mut keys: Vec<SeriesKey> = self.dirty.keys().copied().collect();
        keys.extend(self.spikes.iter().filter(|(_, s)| s.scan.open()).map(|(k, _)| *k));
        keys.sort_unstable();
        keys.dedup();
        let mut out = Vec::new();
        for key in keys {
            let mut failures: Vec<(i64, u32)> = Vec::new();
            for c in self.cells.raw_range(key, self.horizon, i64::MAX) {
                if c.class.is_upstream_failure() {
                    add_total(&mut failures, c.second, c.n);
                }
            }
            let mut sig = match self.spikes.get(&key) {
                Some(s) => s.clone(),
                None => match failures.first() {
                    Some(&(t0, _)) => Signal::new(t0, first, ext, p),
                    None => continue,
                },
            };
            if failures.is_empty() && !sig.scan.open() {
                continue;
            }
            for (t, n) in failures {
                sig.push(t, u64::from(n));
            }
            sig.finish(latest, p);
            for b in sig.take() {
                let start = sig.from + b.start as i64;
                let end = sig.from + b.end as i64;
                let counts = self.cells.counts(key, start - reach, end);
                let breakdown =
                    spikes::breakdown(counts, start, end, p, &Class::is_upstream_failure);
                let name = self.cells.name(key).map(Into::into);
                let windows = sig.scan.windows_scanned(sig.len(latest), p);
                out.push((
                    key,
                    spikes::spike_of(name, key.unit(), sig.from, &b, windows, breakdown),
                ));
            }
        }
        out
    }

    /// Ends the stream: scans what is left and returns the analysis.
    pub fn finish(mut self) -> Finished {
        let Some((first, last)) = self.span else {
            let analysis =
                analysis::complete(Vec::new(), Vec::new(), Vec::new(), None, &self.settings);
            return Finished { analysis, late: self.late };
        };
        // Everything is final now.
        let horizon = last + 1;
        if horizon > self.horizon {
            self.commit(horizon);
        }
        self.scan(last, true);
        let p = self.settings.params.clone();
        let names = &self.cells;
        // The series with errors, in the order of `Aggregator::series`.
        let mut series: Vec<SeriesKey> = self.spikes.keys().copied().collect();
        series.sort_by(|a, b| (names.name(*a), a.unit()).cmp(&(names.name(*b), b.unit())));
        let mut found = std::mem::take(&mut self.found);
        for (key, spike) in &mut found {
            if let Some(sig) = self.spikes.get(key) {
                spike.windows_scanned = sig.scan.windows_scanned(sig.len(last), &p);
            }
        }
        found.sort_by(|a, b| {
            (names.name(a.0), a.0.unit(), a.1.start).cmp(&(names.name(b.0), b.0.unit(), b.1.start))
        });
        let spikes = spikes::finish_spikes(found.into_iter().map(|(_, s)| s).collect(), &p);
        let reports = deploy::report_over(
            &self.cells,
            (first, last),
            &series,
            &self.settings.deploys,
            &self.settings.map,
            1e-3,
            Class::is_upstream_failure,
        );
        let inferred = self.inferred();
        let analysis =
            analysis::complete(spikes, reports, inferred, Some((first, last)), &self.settings);
        Finished { analysis, late: self.late }
    }

    /// The restarts inferred from the episodes found, as [`restarts::infer`] groups them.
    fn inferred(&self) -> Vec<restarts::Inferred> {
        let names = &self.cells;
        let name = |id: NameId| -> Box<[u8]> { names.name_of(id).unwrap_or_default().into() };
        let mut peers: Vec<(&(NameId, Unit), &Peer)> = self.peers.iter().collect();
        peers.sort_by(|a, b| (names.name_of(a.0.0), a.0.1).cmp(&(names.name_of(b.0.0), b.0.1)));
        let has_attempts: Vec<NameId> = peers
            .iter()
            .filter(|(k, p)| k.1 == Unit::Attempts && p.any_restart)
            .map(|(k, _)| k.0)
            .collect();
        let group = |id: NameId| self.group_of.get(&id).map(|g| name(*g));
        let mut episodes: Vec<(Option<Box<[u8]>>, Episode)> = Vec::new();
        for (&(id, unit), peer) in peers {
            let peer_name = name(id);
            let health = restarts::health_pairs(&peer_name, &peer.data);
            if unit == Unit::Responses && has_attempts.contains(&id) {
                episodes.extend(health.into_iter().map(|e| (group(id), e)));
                continue;
            }
            let mut eps = peer.episodes.clone();
            for h in health {
                match eps.iter_mut().find(|e| e.start <= h.end && h.start <= e.end) {
                    Some(e) => {
                        e.start = e.start.min(h.start);
                        e.end = e.end.max(h.end);
                        e.evidence = Evidence::High;
                    }
                    None => eps.push(h),
                }
            }
            episodes.extend(eps.into_iter().map(|e| (group(id), e)));
        }
        let mut nolive: Vec<(&SeriesKey, &(Signal, Vec<Episode>))> = self.nolive.iter().collect();
        nolive.sort_by(|a, b| (names.name(*a.0), a.0.unit()).cmp(&(names.name(*b.0), b.0.unit())));
        let outages = nolive
            .into_iter()
            .flat_map(|(k, (_, eps))| eps.iter().map(move |e| (name(k.id), e.clone())))
            .collect();
        restarts::classify(episodes, outages)
    }

    /// Approximate heap bytes held: cells, scans, and restart inference state.
    pub fn memory(&self) -> usize {
        // A cell's key and count, with the ordered map's share of node overhead.
        const CELL: usize = 56;
        let peers: usize = self
            .peers
            .values()
            .map(|p| {
                p.signal.as_ref().map_or(0, |s| s.scan.bytes())
                    + p.data.seconds.len() * 48
                    + (p.data.ok.capacity() + p.data.down.capacity() + p.data.up.capacity()) * 8
                    + p.pending.capacity() * std::mem::size_of::<Burst>()
                    + p.spans.capacity() * 16
                    + p.episodes.capacity() * std::mem::size_of::<Episode>()
                    + std::mem::size_of::<Peer>()
            })
            .sum();
        let signals: usize = self
            .spikes
            .values()
            .map(|s| s.scan.bytes() + std::mem::size_of::<Signal>())
            .sum::<usize>()
            + self
                .nolive
                .values()
                .map(|s| s.0.scan.bytes() + std::mem::size_of::<Signal>())
                .sum::<usize>();
        self.cells.cell_count() * CELL
            + self.cells.names_bytes()
            + signals
            + peers
            + self.found.capacity() * std::mem::size_of::<(SeriesKey, Spike)>()
    }
}

/// Adds `n` to the total of `second` (the last entry, or a new one), as the per-second totals
/// of [`Aggregator::nonzero`] add cells.
fn add_total(totals: &mut Vec<(i64, u32)>, second: i64, n: u64) {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    match totals.last_mut() {
        Some(last) if last.0 == second => last.1 = last.1.saturating_add(n),
        _ => totals.push((second, n)),
    }
}

#[cfg(test)]
mod tests;
