//! The metrics of `gatelog watch`, their labels, and the bound on their number.
//!
//! Each reading thread counts through a [`Counter`] of its own ([`Counter::line`]): it keeps
//! the handles of the series it has seen, so that counting a line is a lookup by borrowed
//! bytes and an atomic add, with no allocation and no lock once the series exists. The
//! registry's own locks are taken only to create a series and, by a scrape, for as long as
//! the registry is encoded into a buffer; the buffer is written to the client afterwards, so a
//! client that reads slowly holds no lock.
//!
//! # Bounds
//!
//! At most `max_series` distinct values of each of `upstream`, `group` and `source`
//! ([`Folder`]); events of the others are counted under `"other"`, and each such event in
//! `gatelog_folded_events_total`. The series of `gatelog_upstream_events_total` are then at
//! most the label values' product actually seen, which is what one proxy logs: its upstreams,
//! each in its group, with the few classes it fails with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use engine::logparse::{Class, Event, Format, text};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter as PCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The label value events past the bound are counted under.
pub const OTHER: &str = "other";

/// `gatelog_upstream_events_total`'s labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// The format's name (`nginx-error`, `haproxy`, ...).
    pub format: String,
    /// The upstream peer, `""` for events without one.
    pub upstream: String,
    /// The upstream group (nginx upstream block, HAProxy backend, ALB target group), `""`
    /// for events without one.
    pub group: String,
    /// The class.
    pub class: String,
}

/// `gatelog_lines_total`'s labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LineLabels {
    /// The input the line was read from.
    pub source: String,
    /// `event`, `continuation` or `unparsed`.
    pub outcome: &'static str,
}

/// A label set of one `source`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// The input.
    pub source: String,
}

/// `gatelog_spike_active`'s labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct SpikeLabels {
    /// The spike's series: the upstream group, or the upstream for lines without one.
    pub upstream: String,
    /// A class with errors in the spike.
    pub class: String,
}

/// A label set of one `upstream`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UpstreamLabels {
    /// The spike's series, as in [`SpikeLabels`].
    pub upstream: String,
}

/// Every metric, registered.
pub struct Metrics {
    /// The registry encoded on each scrape.
    pub registry: Registry,
    events: Family<EventLabels, PCounter>,
    lines: Family<LineLabels, PCounter>,
    last_event: Family<SourceLabels, Gauge>,
    /// 1 for each class of each spike open now.
    pub spike_active: Family<SpikeLabels, Gauge>,
    /// Spikes found, per series.
    pub spikes: Family<UpstreamLabels, PCounter>,
    folded: PCounter,
    /// Events the detector left out for arriving too late.
    pub late: PCounter,
    /// Files open: followed, or rotated away and still read.
    pub open_files: Gauge,
    /// Inputs missing or unreadable now.
    pub unhealthy: Gauge,
    /// The spike detector's estimate of the memory it holds, in bytes.
    pub detector_bytes: Gauge,
    upstreams: Folder,
    groups: Folder,
    sources: Folder,
}

impl Metrics {
    /// The metrics, with at most `max_series` values of each bounded label.
    pub fn new(max_series: usize) -> Metrics {
        let mut registry = Registry::default();
        let events = Family::<EventLabels, PCounter>::default();
        registry.register(
            "gatelog_upstream_events",
            "Events read, by format, upstream peer, upstream group and class",
            events.clone(),
        );
        let lines = Family::<LineLabels, PCounter>::default();
        registry.register(
            "gatelog_lines",
            "Lines read, by input and outcome (event, continuation of a multi-line entry, unparsed)",
            lines.clone(),
        );
        let spike_active = Family::<SpikeLabels, Gauge>::default();
        registry.register(
            "gatelog_spike_active",
            "1 while a spike of the upstream is open, for each class with errors in it",
            spike_active.clone(),
        );
        let spikes = Family::<UpstreamLabels, PCounter>::default();
        registry.register("gatelog_spikes", "Spikes found, by upstream", spikes.clone());
        let last_event = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "gatelog_last_event_timestamp_seconds",
            "Time of the newest event read from the input, in Unix seconds (the log's own time)",
            last_event.clone(),
        );
        let folded = PCounter::default();
        registry.register(
            "gatelog_folded_events",
            "Events counted under upstream, group or source \"other\" because --max-series distinct values were already seen",
            folded.clone(),
        );
        let late = PCounter::default();
        registry.register(
            "gatelog_late_events",
            "Events left out of spike detection for arriving more than 60 s after newer lines",
            late.clone(),
        );
        let open_files = Gauge::default();
        registry.register(
            "gatelog_open_files",
            "Files followed, including rotated ones still read",
            open_files.clone(),
        );
        let unhealthy = Gauge::default();
        registry.register(
            "gatelog_inputs_unreadable",
            "Inputs missing or unreadable now (/healthz answers 503 while it is not 0)",
            unhealthy.clone(),
        );
        let detector_bytes = Gauge::default();
        registry.register(
            "gatelog_detector_memory_bytes",
            "Heap the spike detector holds (its estimate): the per-second counts of its window, its scans, what it found",
            detector_bytes.clone(),
        );
        registry.register_collector(Box::new(super::process::Process::new()));
        Metrics {
            registry,
            events,
            lines,
            last_event,
            spike_active,
            spikes,
            folded,
            late,
            open_files,
            unhealthy,
            detector_bytes,
            upstreams: Folder::new(max_series),
            groups: Folder::new(max_series),
            sources: Folder::new(max_series),
        }
    }
}

/// The first `max` distinct names, each with its label value; the others are `"other"`. Only
/// the admitted names are kept, so its memory is bounded by `max`.
pub struct Folder {
    max: usize,
    admitted: Mutex<HashMap<Box<[u8]>, Arc<str>>>,
}

impl Folder {
    fn new(max: usize) -> Folder {
        Folder { max, admitted: Mutex::new(HashMap::new()) }
    }

    /// The label value of `name`, and whether it was folded into `"other"`.
    fn label(&self, name: &[u8]) -> (Arc<str>, bool) {
        let mut admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = admitted.get(name) {
            return (l.clone(), false);
        }
        if admitted.len() >= self.max {
            return (Arc::from(OTHER), true);
        }
        let label: Arc<str> = Arc::from(text(name).to_string());
        admitted.insert(name.into(), label.clone());
        (label, false)
    }
}

/// The counters of one source, as a reading thread holds them.
struct SourceSlot {
    lines: [PCounter; 3],
    last_event: Gauge,
    newest: i64,
}

/// One upstream's counters, as a reading thread holds them.
struct UpstreamSlot {
    label: Arc<str>,
    folded: bool,
    counters: Vec<(Format, Class, Arc<str>, PCounter)>,
}

/// What one reading thread counts with: the handles of the series it has seen.
pub struct Counter {
    metrics: Arc<Metrics>,
    sources: HashMap<Box<str>, SourceSlot>,
    upstreams: HashMap<Box<[u8]>, UpstreamSlot>,
    other: UpstreamSlot,
    none: UpstreamSlot,
    groups: HashMap<Box<[u8]>, Arc<str>>,
    other_group: Arc<str>,
    no_group: Arc<str>,
}

/// What became of a line, for [`Counter::line`].
pub enum Seen<'e, 'a> {
    /// An event (kept by the filters or not).
    Event(Option<&'e Event<'a>>),
    /// A continuation line.
    Continuation,
    /// An unparsed line.
    Unparsed,
}

/// The names an event is counted and scanned under, once folded.
pub struct Folded {
    /// The upstream was folded into `"other"`.
    pub upstream: bool,
    /// The group was.
    pub group: bool,
}

impl Counter {
    /// A counter for one reading thread.
    pub fn new(metrics: Arc<Metrics>) -> Counter {
        let slot = |label: &str| UpstreamSlot {
            label: Arc::from(label),
            folded: false,
            counters: Vec::new(),
        };
        Counter {
            metrics,
            sources: HashMap::new(),
            upstreams: HashMap::new(),
            other: UpstreamSlot { folded: true, ..slot(OTHER) },
            none: slot(""),
            groups: HashMap::new(),
            other_group: Arc::from(OTHER),
            no_group: Arc::from(""),
        }
    }

    /// Counts one line of `source`; for an event the filters kept, also its upstream event
    /// and time. Returns which of its names were folded.
    pub fn line(&mut self, source: &str, seen: Seen<'_, '_>) -> Folded {
        /// The key of the folded sources' slot: no path is empty.
        const OTHER_KEY: &str = "";
        let index = match seen {
            Seen::Event(_) => 0,
            Seen::Continuation => 1,
            Seen::Unparsed => 2,
        };
        let mut source_folded = false;
        let key = if self.sources.contains_key(source) {
            source
        } else {
            let (label, folded) = self.metrics.sources.label(source.as_bytes());
            source_folded = folded;
            let key = if folded { OTHER_KEY } else { source };
            if !self.sources.contains_key(key) {
                let m = &self.metrics;
                let lines = ["event", "continuation", "unparsed"].map(|outcome| {
                    m.lines.get_or_create_owned(&LineLabels { source: label.to_string(), outcome })
                });
                let last_event =
                    m.last_event.get_or_create_owned(&SourceLabels { source: label.to_string() });
                self.sources.insert(key.into(), SourceSlot { lines, last_event, newest: i64::MIN });
            }
            key
        };
        let Some(slot) = self.sources.get_mut(key) else {
            return Folded { upstream: false, group: false };
        };
        slot.lines[index].inc();
        let ev = match seen {
            Seen::Event(Some(ev)) => ev,
            _ => {
                if source_folded {
                    self.metrics.folded.inc();
                }
                return Folded { upstream: false, group: false };
            }
        };
        if let Some(t) = ev.time {
            let t = t.unix_seconds();
            if t > slot.newest {
                slot.newest = t;
                slot.last_event.set(t);
            }
        }
        self.event(ev, source_folded)
    }

    /// Counts one event under its (folded) upstream, group and class.
    fn event(&mut self, ev: &Event<'_>, source_folded: bool) -> Folded {
        let metrics = self.metrics.clone();
        let (group, group_folded) = match ev.upstream_group {
            None => (self.no_group.clone(), false),
            Some(g) => match self.groups.get(g) {
                Some(l) => (l.clone(), false),
                None => {
                    let (l, folded) = metrics.groups.label(g);
                    if folded {
                        (self.other_group.clone(), true)
                    } else {
                        self.groups.insert(g.into(), l.clone());
                        (l, false)
                    }
                }
            },
        };
        let slot = match ev.upstream {
            None => &mut self.none,
            Some(u) => {
                if !self.upstreams.contains_key(u) {
                    let (label, folded) = metrics.upstreams.label(u);
                    if !folded {
                        self.upstreams.insert(
                            u.into(),
                            UpstreamSlot { label, folded: false, counters: Vec::new() },
                        );
                    }
                }
                self.upstreams.get_mut(u).unwrap_or(&mut self.other)
            }
        };
        let upstream_folded = slot.folded;
        if upstream_folded || group_folded || source_folded {
            metrics.folded.inc();
        }
        let found = slot
            .counters
            .iter()
            .find(|c| c.0 == ev.format && c.1 == ev.class && Arc::ptr_eq(&c.2, &group));
        match found {
            Some(c) => {
                c.3.inc();
            }
            None => {
                let labels = EventLabels {
                    format: ev.format.to_string(),
                    upstream: slot.label.to_string(),
                    group: group.to_string(),
                    class: ev.class.as_str().to_owned(),
                };
                let c = metrics.events.get_or_create_owned(&labels);
                c.inc();
                slot.counters.push((ev.format, ev.class, group, c));
            }
        }
        Folded { upstream: upstream_folded, group: group_folded }
    }
}
