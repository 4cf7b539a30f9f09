//! Which spikes to announce, and in which state: shared by [`super::LiveSpikes`] and
//! [`super::Detector`] (a leaf module).

use crate::spikes::Spike;

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
pub(super) struct Announced {
    pub(super) series: Option<Box<[u8]>>,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) closed: bool,
}

/// The spikes of `found` to announce, given what was `announced` before and the stream's
/// latest second: new ones (final if already closed, that is more than `quiet` seconds before
/// `latest`), and those announced provisional that have closed since.
pub(super) fn announce(
    announced: &mut Vec<Announced>,
    found: Vec<Spike>,
    latest: i64,
    quiet: i64,
) -> Vec<(State, Spike)> {
    let mut out = Vec::new();
    for s in found {
        let closed = latest - s.end > quiet;
        let seen = announced
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
                announced.push(Announced { series, start: s.start, end: s.end, closed });
                if closed { State::Final } else { State::Provisional }
            }
        };
        out.push((state, s));
    }
    out
}
