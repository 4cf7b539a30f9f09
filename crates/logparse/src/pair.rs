//! Pairing a 502/504 response that its line does not explain with the line that does.
//!
//! Traefik's access log says a request got a 502 or 504 but not why (traefik#12011); its debug
//! log says why (`'502 Bad Gateway' caused by: dial tcp 10.0.0.5:80: connect: connection
//! refused`) but is not a response. Caddy's access log has the status, its error log the Go
//! error. Read together, the response takes the class of its cause: a response and a cause
//! pair when they have the same second, the same status, and the same upstream (a cause that
//! names no peer, such as `EOF`, pairs with any response of that second and status; a
//! response that names no upstream, like Caddy's, pairs with any cause). Each cause explains
//! one response.
//!
//! [`role_of`] says what an event brings; [`Pairs`] keeps the unpaired ones and pairs them as
//! they come, in any order, and across the parts of an input read in parallel
//! ([`Pairs::merge`]): the pairs found do not depend on how the input was cut. Memory is
//! bounded: at most [`Pairs::with_capacity`] unpaired entries are kept; beyond it the oldest
//! second is dropped and counted ([`Pairs::dropped`]).

use std::collections::BTreeMap;

use crate::class::{Class, Phase};
use crate::event::{Event, Fields};

/// What a cause line says failed: the class and phase an unexplained response takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The cause's class.
    pub class: Class,
    /// Where the cause's failure happened.
    pub phase: Phase,
}

/// What an event brings to pairing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A line that explains a failure: its class and phase are the cause's.
    Cause(Cause),
    /// A 502/504 response the line does not explain (`gateway_error`).
    Unexplained,
}

/// The key of a pairable event: its second (Unix), its status and its upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key<'a> {
    /// The Unix second of the event.
    pub second: i64,
    /// The status (502 or 504).
    pub status: u16,
    /// The upstream peer (`host:port`), when the line names it.
    pub upstream: Option<&'a [u8]>,
}

/// The pairing role and key of `ev`: Traefik debug lines with a known cause and Caddy
/// error-log lines are causes; Traefik access and oxy round-trip lines and Caddy access lines
/// of class `gateway_error` are unexplained responses. `None` for every other event and for
/// events without a time.
pub fn role_of<'a>(ev: &Event<'a>) -> Option<(Key<'a>, Role)> {
    let second = ev.time?.unix_seconds();
    let status = ev.status.filter(|s| matches!(s, 502 | 504))?;
    let key = Key { second, status, upstream: ev.upstream };
    let explains = !matches!(ev.class, Class::GatewayError | Class::Info | Class::Ok);
    let cause = Role::Cause(Cause { class: ev.class, phase: ev.phase });
    match &ev.fields {
        Fields::Traefik(f) if f.cause.is_some() => explains.then_some((key, cause)),
        Fields::Traefik(_) => (ev.class == Class::GatewayError).then_some((key, Role::Unexplained)),
        Fields::Caddy(f) => match f.shape {
            crate::caddy::Shape::Error if explains => Some((key, cause)),
            crate::caddy::Shape::Access | crate::caddy::Shape::Common
                if ev.class == Class::GatewayError =>
            {
                Some((key, Role::Unexplained))
            }
            _ => None,
        },
        _ => None,
    }
}

/// An unpaired entry.
#[derive(Clone, Debug)]
struct Entry<T> {
    upstream: Option<Box<[u8]>>,
    /// The cause; `None` for an unexplained response.
    cause: Option<Cause>,
    /// What the owner keeps of a response (to recount it once explained).
    what: Option<T>,
}

fn matches(a: &Option<Box<[u8]>>, b: &Option<Box<[u8]>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Unpaired causes and responses, by (second, status). `T` is what the owner needs to
/// recount a response once it is explained (its upstream row, its series).
#[derive(Clone, Debug)]
pub struct Pairs<T> {
    entries: BTreeMap<(i64, u16), Vec<Entry<T>>>,
    len: usize,
    cap: usize,
    dropped: u64,
    paired: u64,
}

impl<T> Default for Pairs<T> {
    fn default() -> Pairs<T> {
        Pairs::with_capacity(Pairs::<T>::DEFAULT_CAPACITY)
    }
}

impl<T> Pairs<T> {
    /// The number of unpaired entries kept by default.
    pub const DEFAULT_CAPACITY: usize = 1 << 16;

    /// Pairs that keep at most `cap` unpaired entries (at least 1).
    pub fn with_capacity(cap: usize) -> Pairs<T> {
        Pairs { entries: BTreeMap::new(), len: 0, cap: cap.max(1), dropped: 0, paired: 0 }
    }

    /// Unpaired entries dropped because more than the capacity were waiting.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Responses explained so far.
    pub fn paired(&self) -> u64 {
        self.paired
    }

    /// Unpaired entries kept now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no unpaired entry is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Takes one event's role. For a response: returns `Err(cause)` when a kept cause explains
    /// it at once (count it as the cause's class), else keeps `what` and returns `Ok(None)`.
    /// For a cause: returns `Ok(Some((what, cause)))` when it explains a kept response
    /// (recount that one from `gateway_error` to the cause's class), else keeps it and returns
    /// `Ok(None)`.
    pub fn push(&mut self, key: Key<'_>, role: Role, what: T) -> Result<Option<(T, Cause)>, Cause> {
        let upstream = key.upstream.map(Box::from);
        let entry = match role {
            Role::Cause(c) => Entry { upstream, cause: Some(c), what: None },
            Role::Unexplained => Entry { upstream, cause: None, what: Some(what) },
        };
        match self.take(key.second, key.status, &entry) {
            Some(other) => match (entry.cause, other.cause) {
                (None, Some(c)) => Err(c),
                (Some(c), None) => Ok(other.what.map(|w| (w, c))),
                _ => unreachable_pair(),
            },
            None => {
                self.keep(key.second, key.status, entry);
                Ok(None)
            }
        }
    }

    /// Removes and returns a kept entry that pairs with `e` (of the other role).
    fn take(&mut self, second: i64, status: u16, e: &Entry<T>) -> Option<Entry<T>> {
        let list = self.entries.get_mut(&(second, status))?;
        let i = list.iter().position(|k| {
            k.cause.is_some() != e.cause.is_some() && matches(&k.upstream, &e.upstream)
        })?;
        let found = list.swap_remove(i);
        if list.is_empty() {
            self.entries.remove(&(second, status));
        }
        self.len -= 1;
        self.paired += 1;
        Some(found)
    }

    fn keep(&mut self, second: i64, status: u16, e: Entry<T>) {
        self.entries.entry((second, status)).or_default().push(e);
        self.len += 1;
        while self.len > self.cap {
            let Some((_, list)) = self.entries.pop_first() else { break };
            self.len -= list.len();
            self.dropped += list.len() as u64;
        }
    }

    /// Takes in the unpaired entries of `other` (the pairs of another part of the input).
    /// Returns the responses, of either side, that a cause of the other side explains, with
    /// the cause: the owner has counted them as `gateway_error` and recounts them.
    pub fn merge(&mut self, other: Pairs<T>) -> Vec<(T, Cause)> {
        self.dropped += other.dropped;
        self.paired += other.paired;
        let mut recount = Vec::new();
        for ((second, status), list) in other.entries {
            for e in list {
                match self.take(second, status, &e) {
                    Some(mine) => {
                        let (what, class) = match (e.cause, mine.cause) {
                            (None, Some(c)) => (e.what, c),
                            (Some(c), None) => (mine.what, c),
                            _ => unreachable_pair(),
                        };
                        if let Some(w) = what {
                            recount.push((w, class));
                        }
                    }
                    None => self.keep(second, status, e),
                }
            }
        }
        recount
    }
}

/// `take` only returns an entry of the other role.
#[cold]
fn unreachable_pair() -> ! {
    unreachable!("an entry pairs only with one of the other role")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(second: i64, upstream: Option<&[u8]>) -> Key<'_> {
        Key { second, status: 502, upstream }
    }

    fn cause(class: Class) -> Cause {
        Cause { class, phase: Phase::Connect }
    }

    #[test]
    fn a_cause_explains_a_response_in_either_order() {
        let mut p: Pairs<u32> = Pairs::default();
        assert_eq!(p.push(key(1, Some(b"a:1")), Role::Unexplained, 7), Ok(None));
        let got = p.push(key(1, Some(b"a:1")), Role::Cause(cause(Class::ConnectRefused)), 0);
        assert_eq!(got, Ok(Some((7, cause(Class::ConnectRefused)))));
        assert_eq!(p.push(key(2, None), Role::Cause(cause(Class::PrematurelyClosed)), 0), Ok(None));
        assert_eq!(
            p.push(key(2, Some(b"b:1")), Role::Unexplained, 8),
            Err(cause(Class::PrematurelyClosed))
        );
        // Another upstream or second does not pair.
        assert_eq!(
            p.push(key(3, Some(b"a:1")), Role::Cause(cause(Class::ConnectRefused)), 0),
            Ok(None)
        );
        assert_eq!(p.push(key(3, Some(b"c:1")), Role::Unexplained, 9), Ok(None));
        assert_eq!(p.push(key(4, Some(b"a:1")), Role::Unexplained, 10), Ok(None));
        assert_eq!((p.len(), p.paired()), (3, 2));
    }

    #[test]
    fn capacity_drops_the_oldest_second() {
        let mut p: Pairs<u32> = Pairs::with_capacity(2);
        for s in 0..5 {
            p.push(key(s, None), Role::Unexplained, s as u32).unwrap();
        }
        assert_eq!((p.len(), p.dropped()), (2, 3));
    }
}
