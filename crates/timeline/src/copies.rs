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
//! Two [`Unit::Notices`](crate::Unit::Notices) events are copies of one message when they
//! have the same class, the same upstream key and the same message once `'` is left out, and
//! times at most one second apart (the two copies are stamped by different clocks, and often
//! fall on either side of a second). Events without a time are never copies. Traffic lines
//! are never compared: two identical requests are two requests.
//!
//! # Counting the same whatever the parts
//!
//! A message is counted once per *run*: a set of its seconds each at most one second from the
//! next. The count of a message is the number of runs among the distinct seconds it was seen
//! at, which depends only on that set, not on the order of the events or on how the input
//! was split into parts: parts merge into exactly what one pass gives. The count of a run
//! sits at its first second (timelines and spikes count it there).
//!
//! Memory grows with the distinct seconds of the health and admin messages seen (a few per
//! state change), not with traffic.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use logparse::Event;

/// The seconds at which each message was seen, by the message's key; `T` is what the owner
/// needs to find the message's counts again when two sets meet in a merge.
#[derive(Clone, Debug)]
pub(crate) struct Copies<T> {
    seen: HashMap<u64, (T, BTreeSet<i64>)>,
    /// The copies found: events seen but not counted (events - runs).
    pub(crate) found: u64,
}

impl<T> Default for Copies<T> {
    fn default() -> Copies<T> {
        Copies { seen: HashMap::new(), found: 0 }
    }
}

/// What one more second of a message changes in its counts: a count added at one second,
/// taken back at another (each run counts once, at its first second).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Change {
    /// A run starts at this second (count one more there).
    pub(crate) add: Option<i64>,
    /// A run no longer starts at this second (count one less there).
    pub(crate) remove: Option<i64>,
}

impl Change {
    /// The change in the message's count: 1, 0 or -1.
    pub(crate) fn net(self) -> i64 {
        i64::from(self.add.is_some()) - i64::from(self.remove.is_some())
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

/// Adds `second` to `set`, saying how the runs' first seconds move.
fn insert(set: &mut BTreeSet<i64>, second: i64) -> Change {
    if !set.insert(second) {
        return Change::default();
    }
    let before = set.contains(&(second - 1));
    let after = set.contains(&(second + 1));
    Change { add: (!before).then_some(second), remove: after.then_some(second + 1) }
}

/// The first seconds of the runs of `set`.
fn starts(set: &BTreeSet<i64>) -> impl Iterator<Item = i64> + '_ {
    set.iter().copied().filter(|s| !set.contains(&(s - 1)))
}

impl<T: Clone> Copies<T> {
    /// Records the message `key` seen at `second` (with `what`, the first time), and says how
    /// its counts change.
    pub(crate) fn see(&mut self, key: u64, second: i64, what: impl FnOnce() -> T) -> Change {
        let (_, set) = self.seen.entry(key).or_insert_with(|| (what(), BTreeSet::new()));
        let change = insert(set, second);
        self.found = (self.found + 1).saturating_sub(change.net().max(0) as u64)
            + change.net().min(0).unsigned_abs();
        change
    }

    /// Takes in the messages of `other`, whose events its owner counted already. For each
    /// message of `other` also seen here: what the owner knows it by, the first seconds of
    /// `other`'s runs (counts to take back) and the changes of adding its seconds here (to
    /// apply after that).
    pub(crate) fn merge(&mut self, other: Copies<T>) -> Vec<(T, Vec<i64>, Vec<Change>)> {
        let mut fixes = Vec::new();
        let mut found = self.found + other.found;
        for (key, (what, theirs)) in other.seen {
            let Some((_, mine)) = self.seen.get_mut(&key) else {
                self.seen.insert(key, (what, theirs));
                continue;
            };
            let back: Vec<i64> = starts(&theirs).collect();
            found += back.len() as u64;
            let mut changes = Vec::new();
            for s in theirs {
                let c = insert(mine, s);
                found = found.saturating_sub(c.net().max(0) as u64) + c.net().min(0).unsigned_abs();
                if c != Change::default() {
                    changes.push(c);
                }
            }
            fixes.push((what, back, changes));
        }
        self.found = found;
        fixes
    }

    /// Every message seen: its key, what its owner knows it by, and its seconds.
    pub(crate) fn seen(&self) -> impl Iterator<Item = (u64, &T, &BTreeSet<i64>)> + '_ {
        self.seen.iter().map(|(&key, (what, set))| (key, what, set))
    }

    /// Forgets the seconds for which `keep(what, second)` is false (a live window moved on).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T, i64) -> bool) {
        self.seen.retain(|_, (what, set)| {
            set.retain(|&s| keep(what, s));
            !set.is_empty()
        });
    }
}
