//! Spikes while a stream is still being read: each incident is announced once as
//! [`State::Provisional`] when it is found still open, and once as [`State::Final`] when it has
//! closed (its last error more than the scan's quiet gap before the stream's latest second).
//!
//! Incidents are matched from one update to the next by series and overlap, since their
//! boundaries can move as more of the stream arrives.
//!
//! Two ways to follow a stream:
//!
//! - [`Detector`] takes the per-second counts of the lines read since its last call (an
//!   [`Aggregator`] of them, a *batch*), scans only the seconds that became final, and keeps
//!   only what later seconds can still need. At the end, [`Detector::finish`] gives the same
//!   [`Analysis`](crate::analysis::Analysis) as [`analyze`](crate::analysis::analyze) on every
//!   line read as a whole (a property test checks this on random streams cut into random
//!   batches). It has no clock and no thread: it runs when it is handed a batch, so a caller
//!   can feed it from another thread, and a test can drive it step by step.
//! - [`LiveSpikes`] re-scans an aggregate the caller keeps whole: simple, but each update costs
//!   the whole history.
//!
//! # What a stream keeps
//!
//! Time is the stream's own: the newest second read. A second becomes *final* once a line
//! [`LAG`] seconds newer has been read (lines up to the lag out of order count as if in order;
//! older ones are left out of the scan and counted, [`Finished::late`]), and is scanned then;
//! meanwhile the seconds not final yet are announced from a provisional scan that is thrown
//! away. What is kept, per series (one upstream in one unit):
//!
//! - its count cells (second, peer, class) from `guard + baseline` seconds before the earliest
//!   second a burst found later can start at: about the last `930 + 120 + 60 = 1110` seconds at
//!   the defaults, or from 15 minutes before a run of flagged seconds still open (an overload
//!   keeps its cells while it lasts). About 50 bytes a cell, in an ordered map;
//! - its scan ([`Scanner`](crate::spikes::Scanner)): 184 bytes, plus 24 bytes per second with
//!   errors and 16 per flagged second over the same window, and 16 per second visited near
//!   errors (the longest window plus the merge gap behind each hot second) until no run can
//!   reach it;
//! - for restart inference, per peer and unit: 384 bytes, its own restart-class scan (as
//!   above), about 50 bytes per second with counts over the window plus the five minutes of
//!   successful responses an episode looks back on, and 8 bytes per health-check down or up
//!   mark (all of them: they pair up to ten minutes apart and are rare);
//! - every spike, episode and outage found, and every name seen.
//!
//! A series whose first errors fall in the first minutes of the stream keeps its first
//! `baseline + 2 × guard + longest window` (1,080) seconds until its slice is known to be that
//! long, since the warm-up's baseline looks ahead. Cells within five minutes of a deploy marker
//! are kept for the deploy report. So a stream's memory is that of its last quarter of an hour,
//! its open incidents and what it found, whatever its length: an idle series costs a few
//! hundred bytes, a series with errors every second some 150 KB (its cells, its scan, and the
//! restart counts of its peer).
//!
//! ```
//! use logparse::{Class, Event, Format, Timestamp};
//! use timeline::Aggregator;
//! use timeline::live::{LiveSpikes, State};
//! use timeline::spikes::Params;
//!
//! fn push(agg: &mut Aggregator, t: i64, class: Class) {
//!     let mut ev = Event::new(Format::NginxError, b"");
//!     ev.time = Some(Timestamp::from_unix_seconds(t));
//!     ev.upstream = Some(b"10.0.0.1:8080");
//!     ev.class = class;
//!     agg.push(&ev);
//! }
//! let mut agg = Aggregator::new();
//! for t in (0..3600).step_by(300) {
//!     push(&mut agg, t, Class::ResponseTimeout);
//! }
//! for t in 3600..3620 {
//!     for _ in 0..5 {
//!         push(&mut agg, t, Class::ConnectRefused);
//!     }
//! }
//! let mut live = LiveSpikes::new(Params::default());
//! let first = live.update(&agg);
//! assert_eq!(first.len(), 1);
//! assert_eq!(first[0].0, State::Provisional);
//! assert!(live.update(&agg).is_empty(), "nothing new");
//! // Ten quiet minutes later (one error elsewhere moves the stream's clock), it has closed.
//! push(&mut agg, 4300, Class::ResponseTimeout);
//! let later = live.update(&agg);
//! assert_eq!(later.iter().map(|c| c.0).collect::<Vec<_>>(), [State::Final]);
//! ```

use std::time::{Duration, Instant};

use crate::Aggregator;
use crate::spikes::{self, Params, Spike};

mod announce;
mod stream;

pub use announce::State;
use announce::{Announced, announce};
pub use stream::{Detector, Finished, LAG};

/// Tracks the spikes of a stream between updates.
#[derive(Clone, Debug)]
pub struct LiveSpikes {
    params: Params,
    announced: Vec<Announced>,
}

impl LiveSpikes {
    /// A tracker that detects with `params`.
    pub fn new(params: Params) -> LiveSpikes {
        LiveSpikes { params, announced: Vec::new() }
    }

    /// Scans the stream read so far (`agg`) and returns the spikes that are new or have just
    /// closed, by start, each with the state it is announced in.
    ///
    /// Every call scans all of `agg`: for an aggregate held anyway. A stream read as it grows
    /// is better served by [`Detector`], which scans only the new seconds.
    pub fn update(&mut self, agg: &Aggregator) -> Vec<(State, Spike)> {
        let Some((_, latest)) = agg.span() else { return Vec::new() };
        let found = spikes::detect(agg, &self.params);
        announce(&mut self.announced, found, latest, self.params.split_quiet as i64)
    }
}

/// When a follower of a stream announces ([`Detector::announce`]): not before `every` after the
/// stream started, then each time it has caught up with the batches handed to it, and at least
/// every `every` while it is behind (so that a stream read faster than it is scanned still shows
/// its spikes as it goes). An input read within `every` (a file piped in) announces nothing: its
/// report says it all. The time is given, never read, so a test can drive it with any clock.
///
/// ```
/// use std::time::{Duration, Instant};
/// use timeline::live::Pace;
///
/// let t0 = Instant::now();
/// let at = |ms: u64| t0 + Duration::from_millis(ms);
/// let mut pace = Pace::new(Duration::from_secs(2), t0);
/// assert!(!pace.due(at(100), true), "too early");
/// assert!(pace.due(at(2100), false), "two seconds in");
/// assert!(!pace.due(at(2500), false), "behind, and too soon");
/// assert!(pace.due(at(2600), true), "caught up");
/// assert!(pace.due(at(4600), false), "behind for two seconds");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    every: Duration,
    start: Instant,
    last: Option<Instant>,
}

impl Pace {
    /// Announcements from `every` after `start` on, and at least every `every` while behind.
    pub fn new(every: Duration, start: Instant) -> Pace {
        Pace { every, start, last: None }
    }

    /// Whether to announce at `now`, when `caught_up` says no batch is waiting; a yes counts
    /// as the announcement made.
    pub fn due(&mut self, now: Instant, caught_up: bool) -> bool {
        let since = |t: Instant| now.saturating_duration_since(t);
        let due = since(self.start) >= self.every
            && (caught_up || self.last.is_none_or(|t| since(t) >= self.every));
        if due {
            self.last = Some(now);
        }
        due
    }
}
