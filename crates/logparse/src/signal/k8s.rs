//! Kubernetes events and kubelet lines (spec §2.10; reasons and messages from kubernetes
//! `pkg/kubelet/events/event.go`, `pkg/kubelet/prober`, `kuberuntime_manager.go`).
//!
//! Event tables (`kubectl get events`: `AGE TYPE REASON OBJECT MESSAGE`; `kubectl describe`:
//! `TYPE REASON AGE FROM MESSAGE`) have columns separated by two or more spaces and give only
//! an age: such signals have [`TimeQuality::Relative`] and no time; `kubectl get events -o json`
//! is the input with exact times. kubelet klog lines (`I0509 08:18:50.485093  941881
//! kubelet.go:2668] msg`) are local time without a year.

use super::envelope::set_time;
use super::record::{Envelope, Kind, Signal, SignalOptions, Source, TimeQuality, Unparsed};
use super::scan::{self, after, has, num, until};
use crate::time::Timestamp;

/// Reads a `kubectl get events` or `kubectl describe` row; `None` when `line` is not one.
pub(crate) fn table<'a>(line: &'a [u8], sig: &mut Signal<'a>) -> Option<Result<(), Unparsed>> {
    let mut cols = Columns(line);
    let first = cols.next()?;
    if first == b"LAST SEEN" || (first == b"TYPE" && cols.clone().next() == Some(b"REASON")) {
        return Some(Err(Unparsed::KubectlHeader));
    }
    let (reason, age, from, message) = if first == b"Normal" || first == b"Warning" {
        let reason = cols.next()?;
        let age = cols.next()?;
        let from = cols.next()?;
        (reason, age, Some(from), cols.rest())
    } else {
        let ty = cols.next()?;
        if ty != b"Normal" && ty != b"Warning" {
            return None;
        }
        let reason = cols.next()?;
        let _object = cols.next()?;
        (reason, first, None, cols.rest())
    };
    let (age_s, count) = age_of(age)?;
    sig.envelope = Envelope::KubectlTable;
    sig.time = None;
    sig.time_quality = TimeQuality::Relative;
    sig.precision_us = 60_000_000;
    sig.detail.age_s = Some(age_s);
    sig.detail.restart_count = count;
    sig.message = message;
    if let Some(node) = from.and_then(|f| f.strip_prefix(b"kubelet, ")) {
        sig.identity.node = Some(node);
    }
    Some(event(sig, reason, message))
}

/// Classifies an event by its reason and message.
fn event<'a>(sig: &mut Signal<'a>, reason: &[u8], message: &'a [u8]) -> Result<(), Unparsed> {
    let kind = match reason {
        b"Unhealthy" if has(message, b" probe failed") => {
            sig.detail.probe = Some(message);
            if let Some(url) = after(message, b"http://").or_else(|| after(message, b"https://")) {
                sig.identity.listen = Some(until(until(url, b'/'), b' '));
            }
            Kind::ProbeFailed
        }
        b"Killing" if has(message, b"will be restarted") => Kind::Restart,
        b"Killing" => Kind::Stop,
        b"BackOff" if has(message, b"Back-off restarting failed container") => Kind::Crash,
        b"Started" => Kind::Restart,
        b"OOMKilling" | b"SystemOOM" => Kind::OomKill,
        _ => return Err(Unparsed::NotASignal),
    };
    sig.kind = Some(kind);
    sig.source = Source::K8sEvent;
    Ok(())
}

/// `14m`, `5m30s`, `2d3h`, `1s (x2 over 2s)`: seconds, and the repeat count.
fn age_of(b: &[u8]) -> Option<(u64, Option<u64>)> {
    let (age, rest) = scan::word(b);
    let mut total = 0u64;
    let mut r = age;
    if r.is_empty() {
        return None;
    }
    while !r.is_empty() {
        let (n, tail) = num(r)?;
        let unit = match tail.first()? {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        r = &tail[1..];
    }
    let count = rest.strip_prefix(b"(x").and_then(num).map(|(n, _)| n);
    if !rest.is_empty() && count.is_none() {
        return None;
    }
    Some((total, count))
}

/// Columns separated by runs of two or more spaces.
#[derive(Clone)]
struct Columns<'a>(&'a [u8]);

impl<'a> Columns<'a> {
    /// Everything after the columns read so far.
    fn rest(&self) -> &'a [u8] {
        self.0
    }
}

impl<'a> Iterator for Columns<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.0.iter().position(|&c| c != b' ')?;
        let b = &self.0[start..];
        let end = crate::bytes::find(b, b"  ").unwrap_or(b.len());
        self.0 = &b[end..];
        let s = self.0.iter().position(|&c| c != b' ').unwrap_or(self.0.len());
        self.0 = &self.0[s..];
        Some(&b[..end])
    }
}

/// Reads a kubelet klog probe line (`"SyncLoop (probe)" ... status="not ready"`, `Probe
/// failed`); `Ok(false)` when it is not one.
pub(crate) fn kubelet(sig: &mut Signal<'_>, opts: &SignalOptions) -> Result<bool, Unparsed> {
    let m = sig.message;
    let probe = (has(m, b"\"SyncLoop (probe)\"") && has(m, b"status=\"not ready\""))
        || has(m, b"\"Probe failed\"");
    if !probe {
        return Ok(false);
    }
    sig.kind = Some(Kind::ProbeFailed);
    sig.source = Source::Kubelet;
    sig.detail.probe = after(m, b"probe=\"").map(|p| until(p, b'"'));
    if let Some(pod) = after(m, b"pod=\"").map(|p| until(p, b'"')) {
        match memchr::memchr(b'/', pod) {
            Some(i) => {
                sig.identity.namespace = Some(&pod[..i]);
                sig.identity.pod = Some(&pod[i + 1..]);
            }
            None => sig.identity.pod = Some(pod),
        }
    }
    if sig.time.is_none()
        && let Some(st) = klog_stamp(m, opts.year)
    {
        set_time(sig, &st);
    }
    Ok(true)
}

/// `I0509 08:18:50.485093`: level letter, MMDD, clock; local time in `year`.
fn klog_stamp(m: &[u8], year: i32) -> Option<scan::Stamp> {
    if !matches!(m.first()?, b'I' | b'W' | b'E' | b'F') || m.get(5) != Some(&b' ') {
        return None;
    }
    let (md, rest) = num(&m[1..5])?;
    if !rest.is_empty() {
        return None;
    }
    let (h, mi, s, us, prec, used) = scan::clock(&m[6..])?;
    let time = Timestamp::from_civil_utc(year, (md / 100) as u32, (md % 100) as u32, h, mi, s, us)?;
    Some(scan::Stamp { time, offset: false, precision_us: prec, len: 6 + used })
}
