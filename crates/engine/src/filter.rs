//! Which events a run keeps: by class, by upstream, by time.

use crate::logparse::{Class, Event, Timestamp};

/// Which events to keep. The default keeps every event; each setter narrows it.
///
/// ```
/// use engine::Filter;
/// use engine::logparse::Class;
///
/// let mut filter = Filter::default();
/// assert!(filter.is_empty());
/// filter.keep_class(Class::ConnectRefused);
/// filter.keep_upstream(b"10.0.0.1:8080");
/// assert!(!filter.is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Kept classes, indexed like [`Class::ALL`]; `None` keeps every class.
    classes: Option<Vec<bool>>,
    /// Kept upstream keys (exact bytes).
    upstreams: Vec<Box<[u8]>>,
    /// Whether events without an upstream key are kept.
    no_upstream: bool,
    /// Keep events at or after this time.
    since: Option<Timestamp>,
    /// Keep events before this time.
    until: Option<Timestamp>,
}

impl Filter {
    /// Keeps events of `class` (and of the other classes kept so far); once a class is kept,
    /// events of classes never named are left out.
    pub fn keep_class(&mut self, class: Class) {
        let keep = self.classes.get_or_insert_with(|| vec![false; Class::ALL.len()]);
        if let Some(i) = Class::ALL.iter().position(|&c| c == class) {
            keep[i] = true;
        }
    }

    /// Keeps events whose upstream key ([`Event::upstream_key`]) is exactly `key`, with the
    /// other keys kept so far.
    pub fn keep_upstream(&mut self, key: &[u8]) {
        self.upstreams.push(key.into());
    }

    /// Keeps events that have no upstream key, with the keys kept so far.
    pub fn keep_no_upstream(&mut self) {
        self.no_upstream = true;
    }

    /// Keeps events at or after `t`; events without a time are then left out.
    pub fn since(&mut self, t: Timestamp) {
        self.since = Some(t);
    }

    /// Keeps events before `t`; events without a time are then left out.
    pub fn until(&mut self, t: Timestamp) {
        self.until = Some(t);
    }

    /// Whether the filter keeps every event.
    pub fn is_empty(&self) -> bool {
        self.classes.is_none()
            && self.upstreams.is_empty()
            && !self.no_upstream
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Whether `ev` passes every filter. With a time filter, events without a time fail.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        if let Some(keep) = &self.classes {
            let i = Class::ALL.iter().position(|&c| c == ev.class);
            if !i.and_then(|i| keep.get(i).copied()).unwrap_or(false) {
                return false;
            }
        }
        if !self.upstreams.is_empty() || self.no_upstream {
            let ok = match ev.upstream_key() {
                Some(key) => self.upstreams.iter().any(|u| **u == *key),
                None => self.no_upstream,
            };
            if !ok {
                return false;
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = ev.time else { return false };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        true
    }
}
