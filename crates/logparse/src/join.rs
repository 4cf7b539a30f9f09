//! Joining nginx's error log (one line per failed *attempt*) to its access log (one line per
//! *response*): which responses users saw as errors, and why; which failures were retried away.
//!
//! nginx writes a failed attempt to the error log with its cause (`connect() failed (111:
//! Connection refused) while connecting to upstream, client: C, ..., request: "R", upstream:
//! "http://P/..."`) and each response to the access log with the status the client got and, per
//! attempt, `$upstream_addr` and `$upstream_status` (`10.0.0.5:80, 10.0.0.6:80` and `502,
//! 200`). A response whose `$upstream_status` list holds a failure (`502`-`504`, or `-` for an
//! attempt that got no status) is matched to attempts of the same group (client address and
//! request line, byte for byte) by this rule:
//!
//! - the attempt's upstream is the peer at a failed position of the response's list;
//! - the attempt's second is within `[t - ceil($request_time) - 1, t]`, `t` the response's
//!   second (the access line is written when the response ends; the attempt came before it);
//! - each attempt explains one position of one response.
//!
//! A `5xx` response takes the class of the attempt matched to its **last** failed position
//! (the one that produced the status); one with no such attempt stays `gateway_error` and is
//! an unmatched response. Attempts matched to a response that ended well (a retry on another
//! peer succeeded) are **hidden**: counted per class and per upstream. Attempts matched to no
//! response are unmatched (the access log is missing, filtered, or cut).
//!
//! **Ambiguity.** Two identical requests (same client, request line and peers) in one second
//! cannot be told apart by these keys. The matching is the same whatever the order of the lines
//! and however the input is cut: within a group, responses are taken in order of (second,
//! `$request_time`, status, peers) and each failed position takes the earliest free attempt
//! of its peer in its window (then by class). When the identical requests failed the same way
//! the counts are exact; when they failed differently on the same peer in the same second, the
//! classes may be swapped between them (the totals of responses and hidden attempts stay exact).
//! When the access log carries `$connection` (the error log's `*N`), an attempt must also have
//! the response's connection number: identical requests on different connections are then
//! told apart, and the join is exact. (A keep-alive connection carries requests one after the
//! other, so connection, request line, peer and window together name one response.)
//! `$request_id` is read ([`crate::nginx::access::Fields::request_id`]) but nginx does not write
//! it to the error log, so it does not take part.
//!
//! **Bounds.** [`Join`] keeps the lines of each group until [`Join::report`] (batch: the whole
//! input, so that an attempt and its response may be in different parts, threads or files;
//! [`Join::merge`] unites parts exactly). Memory is bounded: past [`Join::SOFT_CAPACITY`] kept
//! lines, groups whose newest line is older than both logs' newest second minus the
//! request-time limit ([`Join::with_limit`], default 10 minutes) minus one second are settled
//! (their counts are final; on a stream of both logs this keeps memory flat); past
//! [`Join::HARD_CAPACITY`] the oldest groups are settled whatever their age, and counted in
//! [`Report::settled_early`].

use std::collections::{BTreeMap, HashMap};

use crate::class::Class;
use crate::event::{Event, Fields};

/// A failed attempt, from an nginx error-log line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Attempt {
    /// Unix second.
    second: i64,
    /// The peer (`host:port` or `unix:/path`).
    upstream: Box<[u8]>,
    class: Class,
    /// The `*N` connection number.
    connection: Option<u64>,
}

/// A response with a failed attempt, from an nginx access-log line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Response {
    /// Unix second.
    second: i64,
    /// `$request_time`, whole seconds rounded up.
    request_time: i64,
    /// The status the client got.
    status: u16,
    /// Each attempt: its peer and whether it failed.
    attempts: Vec<(Box<[u8]>, bool)>,
    /// `$connection`, when the access log has it.
    connection: Option<u64>,
}

/// The lines of one group (client, request line).
#[derive(Clone, Debug, Default)]
struct Group {
    attempts: Vec<Attempt>,
    responses: Vec<Response>,
    /// The newest second of the group's lines.
    newest: i64,
}

/// What [`Join::report`] says: the counts after the join.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// 5xx responses per class after the join (`gateway_error` for those left unexplained).
    pub responses_by_class: BTreeMap<Class, u64>,
    /// Failed attempts whose response ended well (retried on another peer), per class.
    pub hidden_attempts: BTreeMap<Class, u64>,
    /// Hidden attempts per upstream peer and class.
    pub hidden_by_upstream: BTreeMap<(Box<[u8]>, Class), u64>,
    /// Attempts of the 5xx responses before the last one (listed with their response).
    pub earlier_attempts: u64,
    /// Failed attempts matched to no response.
    pub unmatched_attempts: u64,
    /// 5xx responses whose last failed attempt was not found in the error log.
    pub unmatched_responses: u64,
    /// Lines settled before the end of the input because more than
    /// [`Join::HARD_CAPACITY`] were kept (their partners, if read later, did not match them).
    pub settled_early: u64,
}

impl Report {
    fn add(&mut self, other: &Report) {
        for (c, n) in &other.responses_by_class {
            *self.responses_by_class.entry(*c).or_default() += n;
        }
        for (c, n) in &other.hidden_attempts {
            *self.hidden_attempts.entry(*c).or_default() += n;
        }
        for (k, n) in &other.hidden_by_upstream {
            *self.hidden_by_upstream.entry(k.clone()).or_default() += n;
        }
        self.earlier_attempts += other.earlier_attempts;
        self.unmatched_attempts += other.unmatched_attempts;
        self.unmatched_responses += other.unmatched_responses;
        self.settled_early += other.settled_early;
    }

    /// The number of 5xx responses joined (all classes).
    pub fn responses(&self) -> u64 {
        self.responses_by_class.values().sum()
    }

    /// The number of hidden attempts (all classes).
    pub fn hidden(&self) -> u64 {
        self.hidden_attempts.values().sum()
    }
}

/// The key of a group of lines: the client address (`$remote_addr`, the error log's
/// `client:`) and the request line (`$request`, the error log's `request:`), as written.
pub type GroupKey<'a> = (&'a [u8], &'a [u8]);

/// A [`GroupKey`] kept.
type OwnedKey = (Box<[u8]>, Box<[u8]>);

/// Which side of the join an event is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side<'a> {
    /// A failed attempt (nginx error log): the peer and the class.
    Attempt {
        /// The peer, as [`Event::upstream`].
        upstream: &'a [u8],
        /// The attempt's class.
        class: Class,
        /// The client connection number (`*N`).
        connection: Option<u64>,
    },
    /// A response with a failed attempt (nginx access log).
    Response,
}

/// The group key (client address, request line) and side of `ev`, when it takes part in the
/// join: an nginx error-log line with a time, client, request and upstream whose
/// [`implied_status`](crate::nginx::error::Fields::implied_status) is 502, 503 or 504; an nginx access-log line with a time, client, request and a failed entry in
/// `$upstream_status` (`502`, `503`, `504` or `-`). `None` for every other event.
pub fn side_of<'a>(ev: &Event<'a>) -> Option<(GroupKey<'a>, Side<'a>)> {
    ev.time?;
    let key = (ev.client?, ev.request?);
    match &ev.fields {
        Fields::NginxError(f) if !f.stream => {
            // A failed attempt is one that gives the client a gateway status if it is the last
            // (nginx's error log writes other lines about an attempt: `upstream server
            // temporarily disabled`, FastCGI stderr, a reset after the header was sent).
            let failure = matches!(f.implied_status, Some(502..=504));
            let upstream = ev.upstream?;
            let connection = f.connection;
            failure.then_some((key, Side::Attempt { upstream, class: ev.class, connection }))
        }
        Fields::NginxAccess(f) => f
            .upstreams
            .attempts()
            .any(|a| a.addr.is_some() && failed(a.status))
            .then_some((key, Side::Response)),
        _ => None,
    }
}

/// Whether an attempt's `$upstream_status` entry is a failure of the gateway (`502`, `503`, `504`, or `-`: no status).
fn failed(status: Option<u16>) -> bool {
    status.is_none_or(|s| matches!(s, 502..=504))
}

/// The kept lines of both logs, by group, and the counts of the groups settled.
#[derive(Clone, Debug)]
pub struct Join {
    groups: HashMap<OwnedKey, Group>,
    kept: usize,
    /// The newest second of each log (error, access).
    newest: (Option<i64>, Option<i64>),
    limit: i64,
    settled: Report,
}

impl Default for Join {
    fn default() -> Join {
        Join::with_limit(Join::DEFAULT_LIMIT)
    }
}

impl Join {
    /// The longest `$request_time` expected by default, in seconds (10 minutes).
    pub const DEFAULT_LIMIT: i64 = 600;
    /// Kept lines past which old groups are settled.
    pub const SOFT_CAPACITY: usize = 1 << 12;
    /// Kept lines past which the oldest groups are settled whatever their age.
    pub const HARD_CAPACITY: usize = 1 << 18;

    /// A join whose attempts wait at most `limit` seconds (at least 1) for their response.
    pub fn with_limit(limit: i64) -> Join {
        Join {
            groups: HashMap::new(),
            kept: 0,
            newest: (None, None),
            limit: limit.max(1),
            settled: Report::default(),
        }
    }

    /// Lines kept now (waiting for the end of the input or their window).
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Takes one event; does nothing unless [`side_of`] says it takes part.
    pub fn push(&mut self, ev: &Event<'_>) {
        let (Some(t), Some(((client, request), side))) = (ev.time, side_of(ev)) else { return };
        let second = t.unix_seconds();
        let g = self.groups.entry((Box::from(client), Box::from(request))).or_default();
        g.newest = g.newest.max(second);
        match side {
            Side::Attempt { upstream, class, connection } => {
                let upstream = Box::from(upstream);
                g.attempts.push(Attempt { second, upstream, class, connection });
                self.newest.0 = Some(self.newest.0.map_or(second, |n| n.max(second)));
            }
            Side::Response => {
                let Fields::NginxAccess(f) = &ev.fields else { return };
                let request_time = f.request_time.map_or(0, |d| d.as_secs_f64().ceil() as i64);
                let attempts = f
                    .upstreams
                    .attempts()
                    .filter_map(|a| Some((Box::from(a.addr?), failed(a.status))))
                    .collect();
                let status = ev.status.unwrap_or(0);
                let connection = f.connection;
                g.responses.push(Response { second, request_time, status, attempts, connection });
                self.newest.1 = Some(self.newest.1.map_or(second, |n| n.max(second)));
            }
        }
        self.kept += 1;
        if self.kept > Join::SOFT_CAPACITY {
            self.settle_old();
        }
    }

    /// Settles the groups no later line can join; then, past the hard capacity, the oldest.
    fn settle_old(&mut self) {
        if let (Some(e), Some(a)) = self.newest {
            let before = e.min(a) - self.limit - 1;
            self.settle_where(|g| g.newest < before, false);
        }
        while self.kept > Join::HARD_CAPACITY {
            let Some(oldest) = self.groups.values().map(|g| g.newest).min() else { break };
            self.settle_where(|g| g.newest <= oldest, true);
        }
    }

    fn settle_where(&mut self, pick: impl Fn(&Group) -> bool, early: bool) {
        let keys: Vec<_> =
            self.groups.iter().filter(|(_, g)| pick(g)).map(|(k, _)| k.clone()).collect();
        for k in keys {
            if let Some(g) = self.groups.remove(&k) {
                let n = g.attempts.len() + g.responses.len();
                self.kept -= n;
                if early {
                    self.settled.settled_early += n as u64;
                }
                resolve(g, &mut self.settled);
            }
        }
    }

    /// Takes in the kept lines and settled counts of another part of the input. The report
    /// does not depend on how the input was cut nor on the order of the parts.
    pub fn merge(&mut self, other: Join) {
        for (k, g) in other.groups {
            let mine = self.groups.entry(k).or_default();
            mine.newest = mine.newest.max(g.newest);
            mine.attempts.extend(g.attempts);
            mine.responses.extend(g.responses);
        }
        self.kept += other.kept;
        let max = |a: Option<i64>, b: Option<i64>| a.max(b);
        self.newest = (max(self.newest.0, other.newest.0), max(self.newest.1, other.newest.1));
        self.settled.add(&other.settled);
        self.limit = self.limit.max(other.limit);
        if self.kept > Join::SOFT_CAPACITY {
            self.settle_old();
        }
    }

    /// The counts after joining everything read: settled groups and the kept ones.
    pub fn report(&self) -> Report {
        let mut r = self.settled.clone();
        for g in self.groups.values() {
            resolve(g.clone(), &mut r);
        }
        r
    }

    /// Whether neither log gave a line to the join.
    pub fn is_empty(&self) -> bool {
        self.newest == (None, None)
    }

    /// Whether both logs gave lines to the join (an attempt and a response): without one of
    /// them, every line of the other is unmatched and the report says nothing.
    pub fn has_both(&self) -> bool {
        self.newest.0.is_some() && self.newest.1.is_some()
    }
}

/// Matches the lines of one group (see the module docs for the rule) and adds the counts.
fn resolve(mut g: Group, r: &mut Report) {
    g.responses.sort_unstable();
    g.attempts.sort_unstable();
    let mut used = vec![false; g.attempts.len()];
    for resp in &g.responses {
        let from = resp.second - resp.request_time - 1;
        let mut matched: Vec<Option<usize>> = Vec::with_capacity(resp.attempts.len());
        for (peer, bad) in &resp.attempts {
            let found = bad.then(|| {
                (0..g.attempts.len()).find(|&i| {
                    let a = &g.attempts[i];
                    !used[i]
                        && a.upstream == *peer
                        && (from..=resp.second).contains(&a.second)
                        && resp.connection.is_none_or(|c| a.connection == Some(c))
                })
            });
            let found = found.flatten();
            if let Some(i) = found {
                used[i] = true;
            }
            matched.push(found);
        }
        let last_failed = resp.attempts.iter().rposition(|(_, bad)| *bad);
        if resp.status >= 500 {
            let class = match last_failed.and_then(|p| matched[p]) {
                Some(i) => g.attempts[i].class,
                None => {
                    r.unmatched_responses += 1;
                    Class::GatewayError
                }
            };
            *r.responses_by_class.entry(class).or_default() += 1;
            let last = last_failed.and_then(|p| matched[p]);
            r.earlier_attempts +=
                matched.iter().flatten().filter(|i| Some(**i) != last).count() as u64;
        } else {
            for i in matched.into_iter().flatten() {
                let a = &g.attempts[i];
                *r.hidden_attempts.entry(a.class).or_default() += 1;
                *r.hidden_by_upstream.entry((a.upstream.clone(), a.class)).or_default() += 1;
            }
        }
    }
    r.unmatched_attempts += used.iter().filter(|u| !**u).count() as u64;
}
