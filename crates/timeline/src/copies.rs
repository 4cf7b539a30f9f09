//! The second copy of one health or admin message.
//!
//! HAProxy writes each health and admin message through `send_log()` to its log targets and,
//! for the alerts and warnings of `ha_alert()`/`ha_warning()` (`src/errors.c`), to stderr as
//! well. Where both end up in what is read (journald keeps a service's stderr and its syslog
//! messages; a container's stdout and a syslog file read together), one server state change
//! gives two events: `Server web/app1 is DOWN, ...` under the syslog header and the same text
//! behind the `[WARNING]  (8) : ` label. The stderr copy also quotes proxy names (`backend
//! 'web' has no server available!`, the syslog copy has `backend web ...`).
//!
//! Two [`Unit::Notices`](crate::Unit::Notices) events are copies of one message when they have the same class, the
//! same upstream key and the same message once `'` is left out, and times at most one second
//! apart. Events without a time are never copies. Traffic lines are never compared: two
//! identical requests are two requests.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use logparse::Event;

/// The seconds at which each message was counted, by the message's key; `T` is what the owner
/// needs to take a count back when two sets meet in a merge.
#[derive(Clone, Debug)]
pub(crate) struct Copies<T> {
    seen: HashMap<u64, Vec<(i64, T)>>,
    /// The copies found: events not counted because an earlier copy was.
    pub(crate) found: u64,
}

impl<T> Default for Copies<T> {
    fn default() -> Copies<T> {
        Copies { seen: HashMap::new(), found: 0 }
    }
}

/// The key and second of an event that may have a copy: a timed event that is a `notice`
/// (one that counts in [`Unit::Notices`](crate::Unit::Notices)).
pub(crate) fn key_of(ev: &Event<'_>, notice: bool) -> Option<(u64, i64)> {
    if !notice {
        return None;
    }
    let second = ev.time?.unix_seconds();
    let mut h = DefaultHasher::new();
    ev.class.as_str().hash(&mut h);
    ev.upstream_key().hash(&mut h);
    for &b in ev.message.iter().filter(|&&b| b != b'\'') {
        h.write_u8(b);
    }
    Some((h.finish(), second))
}

fn near(list: &[(i64, impl Sized)], second: i64) -> bool {
    list.iter().any(|(s, _)| (s - second).abs() <= 1)
}

impl<T> Copies<T> {
    /// Whether the message `key` at `second` is a copy of one already counted; when it is not,
    /// it is recorded with `what`.
    pub(crate) fn is_copy(&mut self, key: u64, second: i64, what: impl FnOnce() -> T) -> bool {
        let list = self.seen.entry(key).or_default();
        if near(list, second) {
            self.found += 1;
            return true;
        }
        list.push((second, what()));
        false
    }

    /// Takes in the messages of `other` (whose events are already counted in its owner); returns
    /// those that are copies of messages of `self`, whose counts the owner takes back.
    pub(crate) fn merge(&mut self, other: Copies<T>) -> Vec<T> {
        self.found += other.found;
        let mut back = Vec::new();
        for (key, list) in other.seen {
            for (second, what) in list {
                let mine = self.seen.entry(key).or_default();
                if near(mine, second) {
                    self.found += 1;
                    back.push(what);
                } else {
                    mine.push((second, what));
                }
            }
        }
        back
    }
}
