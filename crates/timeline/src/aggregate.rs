//! Per-second counts by series, peer and class: the input of timelines and spike detection.
//!
//! # Series and peers
//!
//! A *series* is one upstream as the line names it: the upstream group when the line has one
//! (HAProxy backend, ALB target group, nginx `$proxy_upstream_name`, the group of `no live
//! upstreams`), else the peer (nginx `upstream:` address, ELB back end). When a line names
//! both, the peer is kept beside the series, so a spike can say which peers it hit. Events
//! without either form the series without a name.
//!
//! Events of formats that count attempts (the nginx error log) and of formats that count
//! responses (access logs) are kept apart, by [`Unit`], as in [`Summary`](crate::Summary):
//! one failed request can produce several attempts and one response.
//!
//! # Memory
//!
//! Counts are sparse: one cell per (series, unit, second, peer, class) that occurred, in an
//! ordered map. A week-long input with a few errors a day costs a few cells, not a dense array
//! per upstream; a busy access log costs about one cell per upstream, second and class seen.
//! Names are interned: pushing an event allocates only when a name is new or a cell is new.

use std::collections::{BTreeMap, HashMap};

use logparse::{Class, Event};

use crate::copies::{self, Change, Copies};
use crate::{NCLASS, Unit, class_index};

/// The id of an interned name (a series or a peer) within one [`Aggregator`].
pub(crate) type NameId = u32;

/// The id of "no name": the series of events without an upstream, or "no peer".
pub(crate) const NONE: NameId = u32::MAX;

/// One cell's key. Field order is the iteration order: by series, then unit, then second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Cell {
    series: NameId,
    unit: u8,
    second: i64,
    peer: NameId,
    class: u8,
}

/// Per-second counts of events by series, peer and class.
///
/// Push events with [`push`](Aggregator::push); combine aggregators of parts of the input with
/// [`merge`](Aggregator::merge), which is associative and commutative in its results (equality
/// compares contents, whatever the order names were first seen in). Events without a time are
/// only counted ([`untimed`](Aggregator::untimed)).
#[derive(Clone, Debug, Default)]
pub struct Aggregator {
    names: Vec<Box<[u8]>>,
    index: HashMap<Box<[u8]>, NameId>,
    cells: BTreeMap<Cell, u64>,
    first: Option<i64>,
    last: Option<i64>,
    events: u64,
    untimed: u64,
    /// Unexplained 502/504 responses and their causes waiting for each other
    /// ([`logparse::pair`]), with the series, peer and second of each response.
    pairs: logparse::pair::Pairs<Recount>,
    /// Health and admin messages seen, to count their copies once (see `copies`): the series,
    /// peer and class of each.
    copies: Copies<CopyOf>,
}

/// The series name, peer name and class of a health or admin message.
pub(crate) type CopyOf = (Option<Box<[u8]>>, Option<Box<[u8]>>, Class);

/// A change of the counts of a health or admin message, as [`Aggregator::see_copy`] made it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moved {
    /// The series of the message here.
    pub(crate) series: NameId,
    /// The change.
    pub(crate) change: Change,
}

/// Where a response waiting for its cause was counted: series and peer names, second.
type Recount = (Option<Box<[u8]>>, Option<Box<[u8]>>, i64);

/// A series of an [`Aggregator`], as [`Aggregator::series`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub(crate) id: NameId,
    pub(crate) unit: Unit,
}

impl SeriesKey {
    /// The unit of the series' counts.
    pub fn unit(self) -> Unit {
        self.unit
    }
}

/// One count: `n` events of `class` on `peer` at `second`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count<'a> {
    /// Seconds since the Unix epoch, UTC.
    pub second: i64,
    /// The peer, when the line named one besides the series.
    pub peer: Option<&'a [u8]>,
    /// The class.
    pub class: Class,
    /// How many events.
    pub n: u64,
}

fn unit_byte(unit: Unit) -> u8 {
    match unit {
        Unit::Attempts => 0,
        Unit::Responses => 1,
        Unit::Notices => 2,
        Unit::ControllerMessages => 3,
    }
}

fn unit_of_byte(b: u8) -> Unit {
    match b {
        0 => Unit::Attempts,
        1 => Unit::Responses,
        2 => Unit::Notices,
        _ => Unit::ControllerMessages,
    }
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Aggregator {
        Aggregator::default()
    }

    /// The series and peer names of an event: the group (else the peer) and the peer when the
    /// line names both and they differ.
    pub fn names_of<'a>(ev: &Event<'a>) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
        match (ev.upstream_group, ev.upstream) {
            (Some(g), Some(p)) if g != p => (Some(g), Some(p)),
            (Some(g), _) => (Some(g), None),
            (None, p) => (p, None),
        }
    }

    /// Counts one event at its second.
    pub fn push(&mut self, ev: &Event<'_>) {
        self.events += 1;
        let Some(time) = ev.time else {
            self.untimed += 1;
            return;
        };
        let (series_name, peer_name) = Aggregator::names_of(ev);
        let mut class = ev.class;
        if let Some((key, role)) = logparse::pair::role_of(ev) {
            let what = match role {
                logparse::pair::Role::Unexplained => {
                    (series_name.map(Box::from), peer_name.map(Box::from), time.unix_seconds())
                }
                logparse::pair::Role::Cause(_) => (None, None, 0),
            };
            match self.pairs.push(key, role, what) {
                Err(cause) => class = cause.class,
                Ok(Some((what, cause))) => self.recount(what, cause.class),
                Ok(None) => {}
            }
        }
        let series = series_name.map_or(NONE, |s| self.intern(s));
        let peer = peer_name.map_or(NONE, |p| self.intern(p));
        let unit = Unit::of_event(ev);
        let second = time.unix_seconds();
        let Some((key, _)) = copies::key_of(ev, unit == Unit::Notices) else {
            self.add(series, unit, second, peer, class, 1);
            return;
        };
        // A health or admin message counts once per run of seconds, at the run's first
        // second (see `copies`); its copies still widen the span.
        self.widen(second);
        let what = || (series_name.map(Box::from), peer_name.map(Box::from), ev.class);
        let change = self.copies.see(key, second, what);
        self.apply(series, peer, ev.class, change);
    }

    /// Moves one response from `gateway_error` to `class`: its cause was read.
    fn recount(&mut self, (series, peer, second): Recount, class: Class) {
        let series = series.map_or(NONE, |s| self.intern(&s));
        let peer = peer.map_or(NONE, |p| self.intern(&p));
        let unit = unit_byte(Unit::Responses);
        let gw = class_index(Class::GatewayError) as u8;
        let cell = Cell { series, unit, second, peer, class: gw };
        let Some(n) = self.cells.get_mut(&cell) else { return };
        *n -= 1;
        if *n == 0 {
            self.cells.remove(&cell);
        }
        self.add(series, Unit::Responses, second, peer, class, 1);
    }

    /// The health and admin messages seen: key, series, peer and class, seconds.
    pub(crate) fn copies_seen(
        &self,
    ) -> impl Iterator<Item = (u64, &CopyOf, &std::collections::BTreeSet<i64>)> + '_ {
        self.copies.seen()
    }

    /// Counts the health or admin message `key` of `what` seen at `second`, as
    /// [`push`](Aggregator::push) does, and says what changed in the counts.
    pub(crate) fn see_copy(&mut self, key: u64, second: i64, what: &CopyOf) -> Moved {
        let series = what.0.as_deref().map_or(NONE, |s| self.intern(s));
        let peer = what.1.as_deref().map_or(NONE, |p| self.intern(p));
        self.widen(second);
        let change = self.copies.see(key, second, || what.clone());
        self.apply(series, peer, what.2, change);
        Moved { series, change }
    }

    /// Extends the span to `second`.
    fn widen(&mut self, second: i64) {
        self.first = Some(self.first.map_or(second, |f| f.min(second)));
        self.last = Some(self.last.map_or(second, |l| l.max(second)));
    }

    /// Applies a change of the counts of a health or admin message.
    fn apply(&mut self, series: NameId, peer: NameId, class: Class, change: Change) {
        if let Some(s) = change.add {
            self.add(series, Unit::Notices, s, peer, class, 1);
        }
        if let Some(s) = change.remove {
            self.take_back(series, peer, class, s);
        }
    }

    /// Counts one health or admin message less at `second`.
    fn take_back(&mut self, series: NameId, peer: NameId, class: Class, second: i64) {
        let cell = Cell {
            series,
            unit: unit_byte(Unit::Notices),
            second,
            peer,
            class: class_index(class) as u8,
        };
        if let Some(n) = self.cells.get_mut(&cell) {
            *n -= 1;
            if *n == 0 {
                self.cells.remove(&cell);
            }
        }
    }

    pub(crate) fn add(
        &mut self,
        series: NameId,
        unit: Unit,
        second: i64,
        peer: NameId,
        class: Class,
        n: u64,
    ) {
        self.first = Some(self.first.map_or(second, |f| f.min(second)));
        self.last = Some(self.last.map_or(second, |l| l.max(second)));
        let cell =
            Cell { series, unit: unit_byte(unit), second, peer, class: class_index(class) as u8 };
        *self.cells.entry(cell).or_insert(0) += n;
    }

    pub(crate) fn intern(&mut self, name: &[u8]) -> NameId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as NameId;
        let owned: Box<[u8]> = name.into();
        self.names.push(owned.clone());
        self.index.insert(owned, id);
        id
    }

    /// Adds `other` into `self`.
    pub fn merge(mut self, other: Aggregator) -> Aggregator {
        self.events += other.events;
        self.untimed += other.untimed;
        // The span covers every timed event, the copies not counted too.
        for second in [other.first, other.last].into_iter().flatten() {
            self.widen(second);
        }
        let remap: Vec<NameId> = other.names.iter().map(|n| self.intern(n)).collect();
        let map = |id: NameId| if id == NONE { NONE } else { remap[id as usize] };
        for (c, n) in other.cells {
            let class = Class::ALL[usize::from(c.class).min(NCLASS - 1)];
            self.add(map(c.series), unit_of_byte(c.unit), c.second, map(c.peer), class, n);
        }
        for (what, cause) in self.pairs.merge(other.pairs) {
            self.recount(what, cause.class);
        }
        // Messages seen in both: count each run of the union once.
        for ((series, peer, class), back, changes) in self.copies.merge(other.copies) {
            let series = series.map_or(NONE, |s| self.intern(&s));
            let peer = peer.map_or(NONE, |p| self.intern(&p));
            for s in back {
                self.take_back(series, peer, class, s);
            }
            for c in changes {
                self.apply(series, peer, class, c);
            }
        }
        self
    }

    /// Health and admin messages not counted because they are copies of one counted already
    /// (see [`Summary::copies`](crate::Summary::copies)).
    pub fn copies(&self) -> u64 {
        self.copies.found
    }

    /// Events pushed, with or without a time.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Events pushed without a time (not in any series).
    pub fn untimed(&self) -> u64 {
        self.untimed
    }

    /// The first and last second with an event, when there is one.
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((self.first?, self.last?))
    }

    /// The name of a series (`None` for events without an upstream).
    pub fn name(&self, key: SeriesKey) -> Option<&[u8]> {
        self.name_of(key.id)
    }

    pub(crate) fn name_of(&self, id: NameId) -> Option<&[u8]> {
        self.names.get(id as usize).map(|n| &**n)
    }

    /// Every series, sorted by name (the unnamed one first), then unit.
    pub fn series(&self) -> Vec<SeriesKey> {
        let mut keys: Vec<SeriesKey> = Vec::new();
        let mut cursor: Option<(NameId, u8)> = None;
        for c in self.cells.keys() {
            if cursor != Some((c.series, c.unit)) {
                cursor = Some((c.series, c.unit));
                keys.push(SeriesKey { id: c.series, unit: unit_of_byte(c.unit) });
            }
        }
        keys.sort_by(|a, b| self.name(*a).cmp(&self.name(*b)).then(a.unit.cmp(&b.unit)));
        keys
    }

    /// The series named `name` in `unit`, if it has events.
    pub fn find(&self, name: Option<&[u8]>, unit: Unit) -> Option<SeriesKey> {
        let id = match name {
            Some(n) => *self.index.get(n)?,
            None => NONE,
        };
        let key = SeriesKey { id, unit };
        self.counts(key, i64::MIN, i64::MAX).next().map(|_| key)
    }

    /// The counts of a series with `from <= second <= to`, by second.
    pub fn counts(&self, key: SeriesKey, from: i64, to: i64) -> impl Iterator<Item = Count<'_>> {
        let u = unit_byte(key.unit);
        let lo = Cell { series: key.id, unit: u, second: from, peer: 0, class: 0 };
        let hi = Cell { series: key.id, unit: u, second: to, peer: NONE, class: u8::MAX };
        let range = if from <= to { Some(self.cells.range(lo..=hi)) } else { None };
        range.into_iter().flatten().map(move |(c, &n)| Count {
            second: c.second,
            peer: if c.peer == NONE { None } else { self.name_of(c.peer) },
            class: Class::ALL[usize::from(c.class).min(NCLASS - 1)],
            n,
        })
    }

    /// The first and last second of a series with an event whose class passes `keep`.
    pub fn series_span(&self, key: SeriesKey, keep: impl Fn(Class) -> bool) -> Option<(i64, i64)> {
        let mut span: Option<(i64, i64)> = None;
        for c in self.counts(key, i64::MIN, i64::MAX).filter(|c| keep(c.class)) {
            span = Some(span.map_or((c.second, c.second), |(a, _)| (a, c.second)));
        }
        span
    }

    /// Dense per-second totals of the classes that pass `keep`, for `from..=to` (index 0 is
    /// `from`). It allocates one slot per second of the range, whatever the counts:
    /// [`nonzero`](Aggregator::nonzero) gives the same totals in the size of the counts.
    pub fn dense(
        &self,
        key: SeriesKey,
        from: i64,
        to: i64,
        keep: impl Fn(Class) -> bool,
    ) -> Vec<u32> {
        let len = usize::try_from(to.saturating_sub(from).saturating_add(1)).unwrap_or(0);
        let mut x = vec![0u32; len];
        for c in self.counts(key, from, to).filter(|c| keep(c.class)) {
            if let Some(slot) = x.get_mut((c.second - from) as usize) {
                *slot = slot.saturating_add(u32::try_from(c.n).unwrap_or(u32::MAX));
            }
        }
        x
    }

    /// The per-second totals of the classes that pass `keep`, for the seconds of `from..=to`
    /// that have one: `(second, total)` by second, the non-zero entries of
    /// [`dense`](Aggregator::dense). Its size is that of the series' cells in the range, however
    /// long the range.
    pub fn nonzero(
        &self,
        key: SeriesKey,
        from: i64,
        to: i64,
        keep: impl Fn(Class) -> bool,
    ) -> Vec<(i64, u32)> {
        let mut x: Vec<(i64, u32)> = Vec::new();
        for c in self.counts(key, from, to).filter(|c| keep(c.class)) {
            let n = u32::try_from(c.n).unwrap_or(u32::MAX);
            match x.last_mut() {
                Some(last) if last.0 == c.second => last.1 = last.1.saturating_add(n),
                _ => x.push((c.second, n)),
            }
        }
        x
    }

    /// Every cell with its ids: (series, unit, second, peer, class, count), in key order.
    pub(crate) fn raw(&self) -> impl Iterator<Item = Raw> + '_ {
        self.cells.iter().map(|(c, &n)| Raw {
            series: c.series,
            unit: unit_of_byte(c.unit),
            second: c.second,
            peer: c.peer,
            class: Class::ALL[usize::from(c.class).min(NCLASS - 1)],
            n,
        })
    }

    /// The cells of `key` with `from <= second < to`, with their ids, by second.
    pub(crate) fn raw_range(
        &self,
        key: SeriesKey,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = Raw> + '_ {
        let u = unit_byte(key.unit);
        let lo = Cell { series: key.id, unit: u, second: from, peer: 0, class: 0 };
        let hi = Cell { series: key.id, unit: u, second: to, peer: 0, class: 0 };
        let range = if from < to { Some(self.cells.range(lo..hi)) } else { None };
        range.into_iter().flatten().map(|(c, &n)| Raw {
            series: c.series,
            unit: unit_of_byte(c.unit),
            second: c.second,
            peer: c.peer,
            class: Class::ALL[usize::from(c.class).min(NCLASS - 1)],
            n,
        })
    }

    /// Keeps only the cells for which `keep(series, second)` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(SeriesKey, i64) -> bool) {
        self.cells
            .retain(|c, _| keep(SeriesKey { id: c.series, unit: unit_of_byte(c.unit) }, c.second));
        let index = &self.index;
        self.copies.retain(|(series, _, _), second| {
            let id = series.as_deref().map_or(Some(NONE), |s| index.get(s).copied());
            id.is_some_and(|id| keep(SeriesKey { id, unit: Unit::Notices }, second))
        });
    }

    /// The interned names, by id.
    pub(crate) fn names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.names.iter().map(|n| &**n)
    }

    /// Approximate heap bytes of the interned names (each kept twice: list and index).
    pub(crate) fn names_bytes(&self) -> usize {
        self.names.iter().map(|n| 2 * n.len() + 48).sum()
    }

    /// How many cells are held.
    pub(crate) fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Every cell, resolved to names, sorted: the contents, for comparisons.
    fn contents(&self) -> Vec<Resolved<'_>> {
        let mut v: Vec<_> = self
            .cells
            .iter()
            .map(|(c, &n)| {
                (self.name_of(c.series), c.unit, c.second, self.name_of(c.peer), c.class, n)
            })
            .collect();
        v.sort_unstable();
        v
    }
}

/// A cell with its ids, as [`Aggregator::raw`] gives it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw {
    pub series: NameId,
    pub unit: Unit,
    pub second: i64,
    pub peer: NameId,
    pub class: Class,
    pub n: u64,
}

/// A cell with its names resolved: (series, unit, second, peer, class, count).
type Resolved<'a> = (Option<&'a [u8]>, u8, i64, Option<&'a [u8]>, u8, u64);

/// Compares contents: the same counts under the same names, whatever the interning order.
impl PartialEq for Aggregator {
    fn eq(&self, other: &Aggregator) -> bool {
        self.events == other.events
            && self.untimed == other.untimed
            && self.first == other.first
            && self.last == other.last
            && self.contents() == other.contents()
    }
}

impl Eq for Aggregator {}

#[cfg(test)]
mod tests {
    use logparse::{Format, Timestamp};
    use proptest::prelude::*;

    use super::*;

    const NAMES: [Option<&[u8]>; 4] =
        [None, Some(b"10.0.0.1:80"), Some(b"10.0.0.2:80"), Some(b"api")];

    fn event(
        format: Format,
        class: Class,
        group: usize,
        peer: usize,
        t: Option<i64>,
    ) -> Event<'static> {
        let mut ev = Event::new(format, b"");
        ev.class = class;
        ev.upstream_group = NAMES[group];
        ev.upstream = NAMES[peer];
        ev.time = t.map(Timestamp::from_unix_seconds);
        ev
    }

    fn item() -> impl Strategy<Value = (Format, Class, usize, usize, Option<i64>)> {
        (
            prop::sample::select(vec![Format::NginxError, Format::NginxAccess, Format::Haproxy]),
            prop::sample::select(Class::ALL.to_vec()),
            0..NAMES.len(),
            0..NAMES.len(),
            prop::option::weighted(0.95, 1_000i64..1_200),
        )
    }

    proptest! {
        #[test]
        fn merging_any_split_in_any_order_equals_one_pass(
            items in prop::collection::vec(item(), 0..80),
            cuts in prop::collection::vec(0usize..80, 0..5),
            reverse in any::<bool>(),
        ) {
            let mut whole = Aggregator::new();
            for &(f, c, g, p, t) in &items {
                whole.push(&event(f, c, g, p, t));
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(items.len())).collect();
            cuts.extend([0, items.len()]);
            cuts.sort_unstable();
            let mut parts: Vec<Aggregator> = cuts
                .windows(2)
                .map(|w| {
                    let mut a = Aggregator::new();
                    for &(f, c, g, p, t) in &items[w[0]..w[1]] {
                        a.push(&event(f, c, g, p, t));
                    }
                    a
                })
                .collect();
            if reverse {
                parts.reverse();
            }
            let merged = parts.into_iter().fold(Aggregator::new(), Aggregator::merge);
            prop_assert_eq!(&merged, &whole);
            prop_assert_eq!(merged.series(), whole.series().iter().map(|k| merged.find(whole.name(*k), k.unit()).unwrap()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn group_is_the_series_and_the_peer_is_kept_beside_it() {
        let mut a = Aggregator::new();
        a.push(&event(Format::Haproxy, Class::ConnectRefused, 3, 1, Some(10)));
        a.push(&event(Format::Haproxy, Class::ConnectRefused, 3, 2, Some(10)));
        a.push(&event(Format::Haproxy, Class::Ok, 3, 2, Some(11)));
        a.push(&event(Format::NginxError, Class::ConnectRefused, 0, 1, Some(12)));
        a.push(&event(Format::NginxError, Class::NoLiveUpstreams, 3, 3, Some(12)));
        a.push(&event(Format::NginxError, Class::ProxyError, 0, 0, None));
        let api = a.find(Some(b"api"), Unit::Responses).unwrap();
        let counts: Vec<_> =
            a.counts(api, 0, 100).map(|c| (c.second, c.peer, c.class, c.n)).collect();
        assert_eq!(
            counts,
            [
                (10, Some(&b"10.0.0.1:80"[..]), Class::ConnectRefused, 1),
                (10, Some(&b"10.0.0.2:80"[..]), Class::ConnectRefused, 1),
                (11, Some(&b"10.0.0.2:80"[..]), Class::Ok, 1),
            ]
        );
        // The error log's peer is its own series; `no live upstreams` names the group.
        assert!(a.find(Some(b"10.0.0.1:80"), Unit::Attempts).is_some());
        let group = a.find(Some(b"api"), Unit::Attempts).unwrap();
        assert_eq!(a.counts(group, 0, 100).next().unwrap().peer, None);
        assert_eq!((a.events(), a.untimed(), a.span()), (6, 1, Some((10, 12))));
        let names: Vec<_> = a.series().iter().map(|k| (a.name(*k), k.unit())).collect();
        assert_eq!(
            names,
            [
                (Some(&b"10.0.0.1:80"[..]), Unit::Attempts),
                (Some(b"api"), Unit::Attempts),
                (Some(b"api"), Unit::Responses)
            ]
        );
    }

    #[test]
    fn dense_totals_keep_only_the_chosen_classes() {
        let mut a = Aggregator::new();
        for (t, class) in [
            (5, Class::ConnectRefused),
            (5, Class::Ok),
            (7, Class::ResponseTimeout),
            (9, Class::ConnectRefused),
        ] {
            a.push(&event(Format::NginxAccess, class, 0, 1, Some(t)));
        }
        let k = a.find(Some(b"10.0.0.1:80"), Unit::Responses).unwrap();
        assert_eq!(a.dense(k, 4, 8, Class::is_upstream_failure), [0, 1, 0, 1, 0]);
        assert_eq!(a.series_span(k, Class::is_upstream_failure), Some((5, 9)));
        assert_eq!(a.series_span(k, |c| c == Class::Ok), Some((5, 5)));
    }
}
