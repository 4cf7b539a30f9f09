//! Spikes while a stream is still being read: each incident is announced once as
//! [`State::Provisional`] when it is found still open, and once as [`State::Final`] when it has
//! closed (its last error more than the scan's quiet gap before the stream's latest second).
//!
//! Incidents are matched from one update to the next by series and overlap, since their
//! boundaries can move as more of the stream arrives.
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

use crate::Aggregator;
use crate::spikes::{self, Params, Spike};

/// The state a spike is announced in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Found while still open: its numbers can still change.
    Provisional,
    /// Closed: no error of it within the quiet gap before the stream's latest second.
    Final,
}

impl State {
    /// `provisional` or `final`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Provisional => "provisional",
            State::Final => "final",
        }
    }
}

/// An incident already announced.
#[derive(Clone, Debug)]
struct Announced {
    series: Option<Box<[u8]>>,
    start: i64,
    end: i64,
    closed: bool,
}

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
    pub fn update(&mut self, agg: &Aggregator) -> Vec<(State, Spike)> {
        let Some((_, latest)) = agg.span() else { return Vec::new() };
        let mut out = Vec::new();
        for s in spikes::detect(agg, &self.params) {
            let closed = latest - s.end > self.params.split_quiet as i64;
            let seen = self
                .announced
                .iter_mut()
                .find(|p| p.series == s.series && p.start <= s.end && s.start <= p.end);
            let state = match seen {
                Some(p) if p.closed || !closed => continue,
                Some(p) => {
                    p.closed = true;
                    State::Final
                }
                None => {
                    let series = s.series.clone();
                    self.announced.push(Announced { series, start: s.start, end: s.end, closed });
                    if closed { State::Final } else { State::Provisional }
                }
            };
            out.push((state, s));
        }
        out
    }
}
