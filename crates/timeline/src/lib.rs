//! Aggregation of classified proxy-log events.
//!
//! # Overview
//!
//! `timeline` turns the stream of [`Event`]s and [`ParseError`]s that
//! [`logparse`] produces into the numbers a report shows. It owns no threads and does no I/O
//! but reading a file of deploy markers it is handed ([`markers::read_deploys_file`]): a single
//! loop, a thread pool or a test drives it by pushing lines into a [`Summary`] and, when the
//! input was split into parts, merging the parts with [`Summary::merge`].
//!
//! Two aggregates can be built from the same events:
//!
//! - [`Summary`]: counts per upstream and class, unparsed lines with samples (this page);
//! - [`Aggregator`]: per-second counts by upstream, peer and class ([`aggregate`]), viewed in
//!   buckets of any size as a [`Timeline`] ([`bucket`]).
//!
//! From an [`Aggregator`]:
//!
//! - [`spikes`] finds bursts of upstream failures with a multi-window count scan against a
//!   trailing baseline, and explains each [`Spike`] by class and peer;
//! - [`segments`] finds sustained shifts with PELT segmentation;
//! - [`deploy`] matches deploy markers to upstreams, attributes spikes to them, and compares
//!   the minutes before, during and after each marker (the deploy report);
//! - [`restarts`] infers restarts from the logs when no marker explains a spike;
//! - [`analysis`] computes all of these at once, and [`live`] computes them while a stream is
//!   read, in memory bounded by the detection window (see [its docs](live#what-a-stream-keeps)
//!   for what is kept, for how long, and what it costs per series).
//!
//! Memory and time grow with the seconds that have counts and with the series, never with the
//! calendar span: the scan skips empty stretches ([`spikes`]), timelines hold only non-empty
//! buckets ([`bucket`]).
//!
//! [`messages`] keeps the most frequent messages of each class for reports, and [`stats`] has
//! the tail probabilities the detectors share, in log space.
//!
//! [`markers`] reads the deploy markers that [`deploy`] works with, from `--deploy` values and
//! from the files that deploy tools export.
//!
//! # Example: spikes in events pushed by hand
//!
//! ```
//! use logparse::{Class, Event, Format, Timestamp};
//! use timeline::Aggregator;
//! use timeline::analysis::{Settings, analyze};
//!
//! let mut agg = Aggregator::new();
//! let mut push = |second: i64, class: Class| {
//!     let mut ev = Event::new(Format::NginxError, b"");
//!     ev.time = Some(Timestamp::from_unix_seconds(1_700_000_000 + second));
//!     ev.upstream = Some(b"10.0.4.21:8080");
//!     ev.class = class;
//!     agg.push(&ev);
//! };
//! // An hour with a timeout every five minutes, then half a minute of refused connects.
//! for s in (0..3600).step_by(300) {
//!     push(s, Class::ResponseTimeout);
//! }
//! for s in 3600..3630 {
//!     push(s, Class::ConnectRefused);
//!     push(s, Class::ConnectRefused);
//! }
//! let found = analyze(&agg, &Settings::default());
//! let spike = &found.spikes[0];
//! assert_eq!(found.spikes.len(), 1);
//! assert_eq!(spike.series.as_deref(), Some(&b"10.0.4.21:8080"[..]));
//! assert_eq!((spike.start, spike.count), (1_700_003_600, 60));
//! assert_eq!(spike.top_class().map(|(class, _)| class), Some(Class::ConnectRefused));
//! ```
//!
//! # Example: a summary of parsed lines
//!
//! ```
//! use logparse::{Class, Format, Parser};
//! use timeline::{Sample, Summary, Unit};
//!
//! let log = b"2023/10/27 11:37:33 [error] 1109#0: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.255.1.242, server: kong, request: \"POST /api HTTP/2.0\", upstream: \"http://10.1.186.173:8000/api\", host: \"devops.example\"
//! not a log line
//! ";
//! let mut parser = Parser::new(Some(Format::NginxError), Default::default());
//! let mut summary = Summary::new();
//! for (i, line) in logparse::lines::Lines::new(log).enumerate() {
//!     match parser.parse(line) {
//!         Ok(ev) => summary.push_event(&ev),
//!         Err(e) => summary.push_error(&e, Sample { source: 0, name: "-", line: i as u64 + 1, text: line }),
//!     }
//! }
//! assert_eq!(summary.lines(), 2);
//! assert_eq!(summary.unparsed(), 1);
//! let row = summary.upstreams().find(|r| r.name() == Some(&b"10.1.186.173:8000"[..])).unwrap();
//! assert_eq!(row.count(Unit::Attempts, Class::ConnectRefused), 1);
//! ```
//!
//! # Accounting
//!
//! Every line of input is pushed exactly once, as one of: an event that passed the caller's
//! filters ([`Summary::push_event`]), an event the filters excluded
//! ([`Summary::push_excluded`]), a continuation of an earlier entry
//! ([`Summary::push_continuation`]) or a line that is not an event ([`Summary::push_unparsed`]).
//! So `lines() == events() + excluded() + continuation() + unparsed()` holds by construction,
//! and without filters `lines() == events() + continuation() + unparsed()`.
//!
//! # Attempts and responses
//!
//! An event of a format whose [`Format::counts_attempts`] is true (the nginx error log) is one
//! attempt to reach an upstream; an event of an access-log format is one response to a client.
//! One request can produce several attempts and one response, so the two are never added:
//! every per-upstream count is kept per [`Unit`]. A health or admin message of HAProxy
//! (`Server web/app1 is DOWN`) is neither: it counts in [`Unit::Notices`], so one client 503
//! stays one response however many state changes surround it. The second copy of such a
//! message (HAProxy writes them to stderr and to syslog) is an event but is not counted again
//! ([`Summary::copies`]).
//!
//! A Traefik debug line with a cause and a Caddy error-log or reverse-proxy line count as
//! attempts ([`Unit::of_event`]); the access line of the same request is the response. A
//! Traefik or Caddy 502/504 response whose line does not say why takes the class of such a
//! line of the same second, status and upstream ([`logparse::pair`]; [`Summary::paired`]),
//! whichever comes first and in whichever part of the input: [`Summary::merge`] and
//! [`Aggregator::merge`] pair what their two sides left unpaired.
//!
//! # Memory
//!
//! Pushing an event allocates only the first time an upstream name is seen (names are
//! interned); pushing an unparsed line allocates only when its sample is kept (at most
//! [`MAX_SAMPLES`] per reason), and pushing a Traefik or Caddy 502/504 copies its upstream
//! name while it waits for its pair (at most [`logparse::pair::Pairs::DEFAULT_CAPACITY`]
//! wait). Everything else is fixed-size counters.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use logparse::{Class, Event, Format, ParseError, ParseErrorKind, Timestamp};

pub mod aggregate;
pub mod analysis;
pub mod bucket;
mod copies;
pub mod deploy;
pub mod episodes;
pub mod live;
pub mod markers;
pub mod messages;
pub mod restarts;
pub mod segments;
pub mod spikes;
pub mod stats;

pub use crate::aggregate::Aggregator;
pub use crate::bucket::Timeline;
pub use crate::spikes::Spike;
/// The parser library whose events this crate counts, so that a program (and `engine`) reaching
/// `timeline` needs no second dependency to name an [`Event`] or a [`Class`].
pub use logparse;

/// How many sample lines are kept per unparsed reason.
pub const MAX_SAMPLES: usize = 3;

/// How many bytes of a sample line are kept (longer lines are clipped).
pub const SAMPLE_BYTES: usize = 300;

const NCLASS: usize = Class::ALL.len();
const NFORMAT: usize = Format::ALL.len();

/// The index of a class in [`Class::ALL`].
fn class_index(class: Class) -> usize {
    // Class::ALL lists every class; the fallback only guards against a class added to the
    // enum but not to the list, which a test in logparse rules out.
    Class::ALL.iter().position(|&c| c == class).unwrap_or(NCLASS - 1)
}

/// The index of a format in [`Format::ALL`].
fn format_index(format: Format) -> usize {
    Format::ALL.iter().position(|&f| f == format).unwrap_or(0)
}

/// What one event counts: an attempt to reach an upstream, a client response, or a health or
/// admin message of the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// One attempt to reach an upstream (error logs; a request may make several).
    Attempts,
    /// One response to a client (access logs, HAProxy traffic lines).
    Responses,
    /// One health-check or admin message of the proxy (HAProxy `Server x/y is DOWN`,
    /// `Health check for ... failed`, `Proxy x started`): no client request behind it.
    Notices,
    /// One line of the ingress-nginx controller's own log (klog: `W0412 10:02:11.120533 7
    /// controller.go:1112] Service "shop/cart" does not have any active Endpoint.`): the
    /// controller's view of its services, not a request.
    ControllerMessages,
}

impl Unit {
    /// Every unit: attempts, responses, notices, controller messages.
    pub const ALL: [Unit; 4] =
        [Unit::Attempts, Unit::Responses, Unit::Notices, Unit::ControllerMessages];

    /// The unit that the request events of `format` count (its health and admin messages
    /// count [`Unit::Notices`]; see [`Unit::of_event`]). The events of the ingress-nginx
    /// controller's log count [`Unit::ControllerMessages`].
    pub const fn of(format: Format) -> Unit {
        if format.counts_attempts() {
            Unit::Attempts
        } else if matches!(format, Format::IngressController) {
            Unit::ControllerMessages
        } else {
            Unit::Responses
        }
    }

    /// The unit `ev` counts: [`Unit::Notices`] for an HAProxy health or admin message,
    /// [`Unit::Attempts`] for a Traefik debug line with a cause and a Caddy error-log or
    /// reverse-proxy line, else the unit of its format.
    pub fn of_event(ev: &Event<'_>) -> Unit {
        match &ev.fields {
            logparse::Fields::Haproxy(f)
                if matches!(
                    f.kind,
                    logparse::haproxy::LogKind::Health | logparse::haproxy::LogKind::Admin
                ) =>
            {
                Unit::Notices
            }
            // A Traefik debug line with a cause, a Caddy error-log or reverse-proxy line: one
            // failed try to reach the upstream, beside the access line of the response.
            logparse::Fields::Traefik(f) if f.cause.is_some() => Unit::Attempts,
            logparse::Fields::Caddy(f)
                if matches!(
                    f.shape,
                    logparse::caddy::Shape::Error | logparse::caddy::Shape::ReverseProxy
                ) =>
            {
                Unit::Attempts
            }
            _ => Unit::of(ev.format),
        }
    }

    /// The stable lower-case plural name: `attempts`, `responses`, `notices` or
    /// `controller_messages`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Attempts => "attempts",
            Unit::Responses => "responses",
            Unit::Notices => "notices",
            Unit::ControllerMessages => "controller_messages",
        }
    }

    const fn index(self) -> usize {
        match self {
            Unit::Attempts => 0,
            Unit::Responses => 1,
            Unit::Notices => 2,
            Unit::ControllerMessages => 3,
        }
    }
}

/// Where an unparsed line came from, given to [`Summary::push_unparsed`].
///
/// Only borrowed: the summary copies it when (and only when) it keeps the sample.
#[derive(Clone, Copy, Debug)]
pub struct Sample<'a> {
    /// The position of the input among all inputs (0 for the first). Samples are ordered by
    /// `(source, line)`, so give inputs numbers in the order the user named them.
    pub source: u32,
    /// The input's name as shown to the user (a path, or `-` for standard input).
    pub name: &'a str,
    /// The 1-based line number within the input.
    pub line: u64,
    /// The line's bytes, without its terminator.
    pub text: &'a [u8],
}

/// A kept sample of an unparsed line; see [`Sample`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedSample {
    /// The position of the input among all inputs.
    pub source: u32,
    /// The input's name.
    pub name: Box<str>,
    /// The 1-based line number within the input.
    pub line: u64,
    /// The line, clipped to at most [`SAMPLE_BYTES`] bytes.
    pub text: Box<[u8]>,
    /// Whether the line was longer than [`SAMPLE_BYTES`] and was clipped.
    pub clipped: bool,
}

impl OwnedSample {
    fn from_sample(s: &Sample<'_>) -> OwnedSample {
        let clipped = s.text.len() > SAMPLE_BYTES;
        let text = s.text.get(..SAMPLE_BYTES).unwrap_or(s.text);
        OwnedSample {
            source: s.source,
            name: s.name.into(),
            line: s.line,
            text: text.into(),
            clipped,
        }
    }

    fn key(&self) -> (u32, u64) {
        (self.source, self.line)
    }
}

/// The unparsed lines of one reason: a count and the earliest samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// The format the parser tried, `None` when no format was recognized.
    pub format: Option<Format>,
    /// The reason, as [`ParseError::reason`] names it.
    pub reason: &'static str,
    /// How many lines failed for this reason.
    pub count: u64,
    /// The earliest lines (by input position, then line number) that failed for this reason,
    /// at most [`MAX_SAMPLES`], in that order.
    pub samples: Vec<OwnedSample>,
}

impl Reason {
    /// Whether a sample at `key` would be kept (before copying it).
    fn wants(&self, key: (u32, u64)) -> bool {
        self.samples.len() < MAX_SAMPLES || self.samples.last().is_some_and(|s| key < s.key())
    }

    fn keep(&mut self, sample: OwnedSample) {
        let at = self.samples.partition_point(|s| s.key() <= sample.key());
        self.samples.insert(at, sample);
        self.samples.truncate(MAX_SAMPLES);
    }
}

/// Counts of events per class, for one upstream and one [`Unit`].
type Counts = [u64; NCLASS];

/// One upstream's counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    name: Option<Box<[u8]>>,
    counts: [Counts; Unit::ALL.len()],
}

impl Upstream {
    fn new(name: Option<Box<[u8]>>) -> Upstream {
        Upstream { name, counts: [[0; NCLASS]; Unit::ALL.len()] }
    }

    /// The upstream key ([`Event::upstream_key`]); `None` for events that name no upstream.
    pub fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }

    /// How many events of `class` counted in `unit` this upstream has.
    pub fn count(&self, unit: Unit, class: Class) -> u64 {
        self.counts[unit.index()][class_index(class)]
    }

    /// The classes with a non-zero count in `unit`, with their counts, in [`Class::ALL`] order.
    pub fn classes(&self, unit: Unit) -> impl Iterator<Item = (Class, u64)> + '_ {
        Class::ALL
            .iter()
            .zip(self.counts[unit.index()])
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (*c, n))
    }

    /// The number of events in `unit` whose class is an upstream failure
    /// ([`Class::is_upstream_failure`]).
    pub fn failures(&self, unit: Unit) -> u64 {
        self.classes(unit).filter(|(c, _)| c.is_upstream_failure()).map(|(_, n)| n).sum()
    }

    /// The number of events in `unit`, of any class.
    pub fn total(&self, unit: Unit) -> u64 {
        self.counts[unit.index()].iter().sum()
    }

    fn add(&mut self, other: &Upstream) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }
}

/// The class columns of a summary table that fits a page: the most important classes one
/// column each, the others summed in one. Made by [`Summary::columns`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// The classes shown one column each: the upstream failures first, then the other
    /// classes, each part by count descending (ties in [`Class::ALL`] order).
    pub top: Vec<Class>,
    /// The classes summed in one column, in the same order; empty when every class has a
    /// column of its own.
    pub rest: Vec<Class>,
}

impl Columns {
    /// `row`'s count in `unit` of the classes of [`rest`](Columns::rest).
    pub fn rest_count(&self, row: &Upstream, unit: Unit) -> u64 {
        self.rest.iter().map(|&c| row.count(unit, c)).sum()
    }

    /// The count in `unit` of the classes of [`rest`](Columns::rest) over all of `summary`'s
    /// upstreams.
    pub fn rest_total(&self, summary: &Summary, unit: Unit) -> u64 {
        self.rest.iter().map(|&c| summary.class_total(unit, c)).sum()
    }
}

/// The aggregate of a stream of parsed lines: counts, time range, unparsed reasons and
/// per-upstream counts by class.
///
/// See the crate docs for the accounting rules. Two summaries of two parts of an input
/// [`merge`](Summary::merge) into the summary of the whole, in either order: equality
/// (`==`) compares contents, not the order in which upstreams or reasons were first seen.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    events: u64,
    excluded: u64,
    continuation: u64,
    unparsed: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    formats: [u64; NFORMAT],
    reasons: Vec<Reason>,
    /// Interned upstream names: name -> index into `upstreams`.
    index: HashMap<Box<[u8]>, usize, BuildHasherDefault<NameHasher>>,
    /// The row of events without an upstream, when there is one.
    no_upstream: Option<usize>,
    upstreams: Vec<Upstream>,
    /// The index of the upstream of the previous event: consecutive lines often name the
    /// same upstream, and comparing bytes is cheaper than hashing them.
    recent: Option<usize>,
    /// The messages the parsers did not recognize.
    unrecognized: messages::Unrecognized,
    /// Health and admin messages counted, to find their second copies: the upstream key and
    /// class of each, to take a count back in a merge.
    copies: copies::Copies<(Option<Box<[u8]>>, Class)>,
    /// Unexplained 502/504 responses and their causes waiting for each other (Traefik access
    /// and debug lines, Caddy access and error lines; [`logparse::pair`]), with the upstream
    /// key of each response, to recount it once explained.
    pairs: logparse::pair::Pairs<Option<Box<[u8]>>>,
    /// nginx error-log attempts and access-log responses waiting to be joined
    /// ([`logparse::join`]).
    join: logparse::join::Join,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts one event (a line that passed the caller's filters).
    pub fn push_event(&mut self, ev: &Event<'_>) {
        self.events += 1;
        if let Some(t) = ev.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.formats[format_index(ev.format)] += 1;
        let unit = Unit::of_event(ev);
        let mut class = ev.class;
        if let Some((key, role)) = logparse::pair::role_of(ev) {
            let what = match role {
                logparse::pair::Role::Unexplained => ev.upstream_key().map(Box::from),
                logparse::pair::Role::Cause(_) => None,
            };
            match self.pairs.push(key, role, what) {
                Err(cause) => class = cause.class,
                Ok(Some((name, cause))) => self.recount(name.as_deref(), cause.class),
                Ok(None) => {}
            }
        }
        self.join.push(ev);
        let row = self.row(ev.upstream_key());
        let n = &mut self.upstreams[row].counts[unit.index()][class_index(class)];
        match copies::key_of(ev, unit == Unit::Notices) {
            // A message counts once per run of seconds (see `copies`).
            Some((key, second)) => {
                let what = || (ev.upstream_key().map(Box::from), ev.class);
                let net = self.copies.see(key, second, what).net();
                *n = n.saturating_add_signed(net);
            }
            None => *n += 1,
        }
    }

    /// Moves one response of `name` from `gateway_error` to `class`: its cause was read.
    fn recount(&mut self, name: Option<&[u8]>, class: Class) {
        let row = self.row(name);
        let counts = &mut self.upstreams[row].counts[Unit::Responses.index()];
        let gw = &mut counts[class_index(Class::GatewayError)];
        if *gw > 0 {
            *gw -= 1;
            counts[class_index(class)] += 1;
        }
    }

    /// Responses that took the class of a cause read on another line (a Traefik 502 and the
    /// debug line of the same second and server; see [`logparse::pair`]).
    pub fn paired(&self) -> u64 {
        self.pairs.paired()
    }

    /// The join of nginx's error log to its access log ([`logparse::join`]): the 5xx
    /// responses per class of the attempt that produced them, the failed attempts users never
    /// saw (retried well), and what either log lacked. Empty counts unless the input holds
    /// both an nginx access line with a failed upstream attempt and an nginx error line about
    /// a failed attempt ([`has_join`](Summary::has_join)).
    /// The counts do not depend on how the input was cut or the order of the files; computing
    /// them walks the lines kept (see [`logparse::join::Join::report`]).
    pub fn join(&self) -> logparse::join::Report {
        if self.has_join() { self.join.report() } else { Default::default() }
    }

    /// Whether lines of both nginx logs took part in the join ([`join`](Summary::join)).
    pub fn has_join(&self) -> bool {
        self.join.has_both()
    }

    /// Events not counted per upstream because they are a second copy of a health or admin
    /// message counted already: HAProxy writes these both to stderr and to syslog, and a
    /// reader of both sees each twice (same class, upstream and text, at most a second apart;
    /// see [`Unit::Notices`]). A message seen at seconds each at most one from the next counts
    /// once, however the input is split into parts. They are part of
    /// [`events`](Summary::events).
    pub fn copies(&self) -> u64 {
        self.copies.found
    }

    /// Counts one event (already counted with [`push_event`](Summary::push_event)) whose
    /// message the parser did not recognize ([`Event::unrecognized`]), `sample` being its
    /// line; does nothing for a recognized event.
    pub fn push_unrecognized(&mut self, ev: &Event<'_>, sample: Sample<'_>) {
        if let Some(message) = ev.unrecognized {
            let at = (sample.source, sample.name);
            self.unrecognized.push(ev.format, message, at, sample.line, sample.text);
        }
    }

    /// The messages the parsers did not recognize, with counts and a sample line each.
    pub fn unrecognized(&self) -> &messages::Unrecognized {
        &self.unrecognized
    }

    /// Counts one event that the caller's filters excluded: it is a line read, nothing more.
    pub fn push_excluded(&mut self) {
        self.excluded += 1;
    }

    /// Counts one line that continues an earlier entry
    /// ([`ParseErrorKind::Continuation`]).
    pub fn push_continuation(&mut self) {
        self.continuation += 1;
    }

    /// Counts one line that is not an event, under its reason, keeping it as a sample when it
    /// is among the earliest [`MAX_SAMPLES`] of that reason.
    pub fn push_unparsed(&mut self, err: &ParseError, sample: Sample<'_>) {
        self.unparsed += 1;
        let reason = self.reason(err.format, err.reason());
        reason.count += 1;
        let key = (sample.source, sample.line);
        if reason.wants(key) {
            reason.keep(OwnedSample::from_sample(&sample));
        }
    }

    /// Counts a parse error: a continuation when its kind is
    /// [`ParseErrorKind::Continuation`], an unparsed line otherwise.
    pub fn push_error(&mut self, err: &ParseError, sample: Sample<'_>) {
        if err.kind == ParseErrorKind::Continuation {
            self.push_continuation();
        } else {
            self.push_unparsed(err, sample);
        }
    }

    /// Adds `other` into `self`. Associative and, in its results, commutative.
    pub fn merge(mut self, other: Summary) -> Summary {
        self.events += other.events;
        self.excluded += other.excluded;
        self.continuation += other.continuation;
        self.unparsed += other.unparsed;
        self.first = min_opt(self.first, other.first);
        self.last = max_opt(self.last, other.last);
        for (a, b) in self.formats.iter_mut().zip(other.formats) {
            *a += b;
        }
        for r in other.reasons {
            let mine = self.reason(r.format, r.reason);
            mine.count += r.count;
            for s in r.samples {
                if mine.wants(s.key()) {
                    mine.keep(s);
                }
            }
        }
        for u in &other.upstreams {
            let row = self.row(u.name());
            self.upstreams[row].add(u);
        }
        for (name, cause) in self.pairs.merge(other.pairs) {
            self.recount(name.as_deref(), cause.class);
        }
        self.join.merge(other.join);
        for ((name, class), back, changes) in self.copies.merge(other.copies) {
            let row = self.row(name.as_deref());
            let n = &mut self.upstreams[row].counts[Unit::Notices.index()][class_index(class)];
            *n = n.saturating_sub(back.len() as u64);
            for c in changes {
                *n = n.saturating_add_signed(c.net());
            }
        }
        self.unrecognized = std::mem::take(&mut self.unrecognized).merge(other.unrecognized);
        self
    }

    /// Adds `by` to the line number of every kept sample of input `source`.
    ///
    /// A summary of a part of an input whose lines were numbered from the start of that part
    /// becomes, once shifted by the number of lines before the part, the summary of the same
    /// lines numbered in the whole input, ready to [`merge`](Summary::merge).
    pub fn shift_lines(&mut self, source: u32, by: u64) {
        for r in &mut self.reasons {
            for s in r.samples.iter_mut().filter(|s| s.source == source) {
                s.line += by;
            }
        }
        self.unrecognized.shift_lines(source, by);
    }

    /// Lines read: events + excluded + continuation + unparsed.
    pub fn lines(&self) -> u64 {
        self.events + self.excluded + self.continuation + self.unparsed
    }

    /// Events counted (that passed the filters).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Events that the filters excluded.
    pub fn excluded(&self) -> u64 {
        self.excluded
    }

    /// Lines that continue an earlier entry.
    pub fn continuation(&self) -> u64 {
        self.continuation
    }

    /// Lines that are not events.
    pub fn unparsed(&self) -> u64 {
        self.unparsed
    }

    /// The earliest and latest event times, when at least one counted event has a time.
    pub fn time_range(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.first?, self.last?))
    }

    /// The formats of the counted events, with their counts, in [`Format::ALL`] order.
    pub fn formats(&self) -> impl Iterator<Item = (Format, u64)> + '_ {
        Format::ALL.iter().zip(self.formats).filter(|(_, n)| *n > 0).map(|(f, n)| (*f, n))
    }

    /// The units that occur among the counted events.
    pub fn units(&self) -> impl Iterator<Item = Unit> + '_ {
        Unit::ALL.into_iter().filter(|&u| self.upstreams.iter().any(|r| r.total(u) > 0))
    }

    /// The unparsed reasons, most frequent first (ties by format, then reason).
    pub fn reasons(&self) -> Vec<&Reason> {
        let mut v: Vec<&Reason> = self.reasons.iter().collect();
        v.sort_by(|a, b| {
            b.count.cmp(&a.count).then(a.format.cmp(&b.format)).then(a.reason.cmp(b.reason))
        });
        v
    }

    /// The upstream rows, in no particular order.
    pub fn upstreams(&self) -> impl Iterator<Item = &Upstream> + '_ {
        self.upstreams.iter()
    }

    /// The upstream rows with events in `unit`, by failures descending, then total
    /// descending, then name (the `None` row after named ones on ties).
    pub fn rows(&self, unit: Unit) -> Vec<&Upstream> {
        let mut v: Vec<&Upstream> = self.upstreams.iter().filter(|u| u.total(unit) > 0).collect();
        v.sort_by(|a, b| {
            b.failures(unit)
                .cmp(&a.failures(unit))
                .then(b.total(unit).cmp(&a.total(unit)))
                .then_with(|| match (a.name(), b.name()) {
                    (Some(x), Some(y)) => x.cmp(y),
                    (x, y) => y.is_some().cmp(&x.is_some()),
                })
        });
        v
    }

    /// The total count of `class` in `unit` over all upstreams.
    pub fn class_total(&self, unit: Unit, class: Class) -> u64 {
        self.upstreams.iter().map(|u| u.count(unit, class)).sum()
    }

    /// The count of every class in `unit` over all upstreams.
    pub fn unit_total(&self, unit: Unit) -> u64 {
        self.upstreams.iter().map(|u| u.total(unit)).sum()
    }

    /// The count of upstream failures ([`Class::is_upstream_failure`]) in `unit` over all
    /// upstreams.
    pub fn unit_failures(&self, unit: Unit) -> u64 {
        self.upstreams.iter().map(|u| u.failures(unit)).sum()
    }

    /// The classes of `unit` that a table narrower than all of them shows as columns: at
    /// most `n` of them, and the rest summed in one column (see [`Columns`]).
    pub fn columns(&self, unit: Unit, n: usize) -> Columns {
        let mut seen: Vec<(Class, u64)> = Class::ALL
            .into_iter()
            .map(|c| (c, self.class_total(unit, c)))
            .filter(|c| c.1 > 0)
            .collect();
        // Upstream failures first, then the most frequent; ties in taxonomy order.
        seen.sort_by_key(|&(c, total)| (!c.is_upstream_failure(), std::cmp::Reverse(total)));
        // A rest of a single class is shown as that class: a column either way.
        let keep = if seen.len() <= n + 1 { seen.len() } else { n };
        let rest = seen.split_off(keep).into_iter().map(|c| c.0).collect();
        Columns { top: seen.into_iter().map(|c| c.0).collect(), rest }
    }

    /// The index of the row for `name`, creating it (the only allocation) on first sight.
    fn row(&mut self, name: Option<&[u8]>) -> usize {
        let Some(name) = name else {
            return *self.no_upstream.get_or_insert_with(|| {
                self.upstreams.push(Upstream::new(None));
                self.upstreams.len() - 1
            });
        };
        if let Some(i) = self.recent {
            if self.upstreams.get(i).and_then(|u| u.name()) == Some(name) {
                return i;
            }
        }
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                let owned: Box<[u8]> = name.into();
                self.upstreams.push(Upstream::new(Some(owned.clone())));
                let i = self.upstreams.len() - 1;
                self.index.insert(owned, i);
                i
            }
        };
        self.recent = Some(i);
        i
    }

    fn reason(&mut self, format: Option<Format>, reason: &'static str) -> &mut Reason {
        let i = match self.reasons.iter().position(|r| r.format == format && r.reason == reason) {
            Some(i) => i,
            None => {
                self.reasons.push(Reason { format, reason, count: 0, samples: Vec::new() });
                self.reasons.len() - 1
            }
        };
        &mut self.reasons[i]
    }
}

/// The hasher of interned upstream names: names are short and come from logs, and the map is
/// private to one summary, so a multiply-rotate hash (the `FxHash` idea) does the job at a
/// fraction of SipHash's cost. A crafted log could make names collide, which only slows the
/// lookups of that run down.
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(26) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(26) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(26) ^ n as u64).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Compares contents: counts, time range, formats, reasons with their samples, and upstream
/// rows by name, regardless of the order they were first seen in.
impl PartialEq for Summary {
    fn eq(&self, other: &Summary) -> bool {
        self.events == other.events
            && self.excluded == other.excluded
            && self.continuation == other.continuation
            && self.unparsed == other.unparsed
            && self.first == other.first
            && self.last == other.last
            && self.formats == other.formats
            && self.copies.found == other.copies.found
            && self.reasons() == other.reasons()
            && sorted_rows(self) == sorted_rows(other)
            && self.join() == other.join()
    }
}

impl Eq for Summary {}

fn sorted_rows(s: &Summary) -> Vec<&Upstream> {
    let mut v: Vec<&Upstream> = s.upstreams.iter().collect();
    v.sort_by(|a, b| a.name().cmp(&b.name()));
    v
}

#[cfg(test)]
mod tests;
