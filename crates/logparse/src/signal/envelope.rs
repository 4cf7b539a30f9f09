//! Peeling the wrapper off a backend line (spec §2.1): syslog (RFC 3164 and RFC 3339),
//! `journalctl -o short-iso`, raw and `-T` dmesg, `docker logs -t`, compose / `pm2 logs`
//! prefixes. Whatever is left is the message a family module reads.

use super::record::{Envelope, Identity, Signal, SignalOptions, Source, TimeQuality};
use super::scan::{self, Stamp};
use crate::time::Timestamp;

/// A new signal for `raw` with the envelope peeled: time, host, tag, pid and message set,
/// source and kind still to be decided (`source` is a placeholder until then).
pub(crate) fn peel<'a>(raw: &'a [u8], opts: &SignalOptions) -> Signal<'a> {
    let mut sig = Signal {
        raw,
        message: raw,
        time: None,
        time_quality: TimeQuality::None,
        precision_us: 1_000_000,
        kind: None,
        source: Source::Kernel,
        envelope: Envelope::Plain,
        identity: Identity::default(),
        detail: Default::default(),
    };
    let mut msg = raw;
    if let Some((name, rest)) = compose(msg) {
        sig.envelope = Envelope::Compose;
        if name != b"PM2" {
            sig.identity.container_name = Some(name);
        }
        msg = rest;
    }
    if let Some(rest) = stamped(msg, &mut sig, opts) {
        msg = rest;
    }
    sig.message = msg;
    sig
}

/// Records `st` as the signal's time, with `absolute` or `local` quality.
pub(crate) fn set_time(sig: &mut Signal<'_>, st: &Stamp) {
    sig.time = Some(st.time);
    sig.precision_us = st.precision_us;
    sig.time_quality = if st.offset { TimeQuality::Absolute } else { TimeQuality::Local };
}

/// `name<spaces>| rest`: a compose service or the `PM2` tag of `pm2 logs`.
fn compose(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let bar = memchr::memchr(b'|', b.get(..64.min(b.len()))?)?;
    let name = &b[..bar];
    let n = name.iter().position(|&c| c == b' ').unwrap_or(name.len());
    if n == 0 || name[n..].iter().any(|&c| c != b' ') {
        return None;
    }
    let rest = &b[bar + 1..];
    Some((&name[..n], rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// Peels a stamped envelope, if any, and returns the message after it.
fn stamped<'a>(b: &'a [u8], sig: &mut Signal<'a>, opts: &SignalOptions) -> Option<&'a [u8]> {
    if b.first() == Some(&b'[') {
        return dmesg(b, sig, opts);
    }
    if let Some((st, colon)) = scan::iso(b)
        && st.offset
        && b.get(st.len) == Some(&b' ')
    {
        let rest = &b[st.len + 1..];
        set_time(sig, &st);
        if let Some(msg) = host_tag(rest, sig) {
            sig.envelope = if colon { Envelope::Syslog3339 } else { Envelope::JournalShort };
            return Some(msg);
        }
        if sig.envelope == Envelope::Plain {
            sig.envelope = Envelope::DockerTs;
        }
        return Some(rest);
    }
    let st = scan::bsd(b, opts.year)?;
    let rest = b.get(st.len + 1..)?;
    let msg = host_tag(rest, sig)?;
    set_time(sig, &st);
    sig.envelope = Envelope::Syslog3164;
    Some(msg)
}

/// `host tag[pid]: msg` or `host tag: msg`; sets host, program and pid. A kernel message may
/// carry its own printk stamp (`kernel: [159805.364253] msg`), which is dropped.
fn host_tag<'a>(b: &'a [u8], sig: &mut Signal<'a>) -> Option<&'a [u8]> {
    let (host, rest) = scan::word(b);
    let (tag, msg) = scan::word(rest);
    let tag = tag.strip_suffix(b":")?;
    if host.is_empty() || tag.is_empty() {
        return None;
    }
    let (prog, pid) = match memchr::memchr(b'[', tag) {
        Some(i) => {
            let pid = scan::num(&tag[i + 1..]).and_then(|(n, r)| (r == b"]").then_some(n))?;
            (&tag[..i], u32::try_from(pid).ok())
        }
        None => (tag, None),
    };
    sig.identity.host = Some(host);
    sig.identity.program = Some(prog);
    sig.identity.pid = pid;
    if prog == b"kernel"
        && msg.first() == Some(&b'[')
        && let Some(end) = memchr::memchr(b']', msg)
        && scan::seconds(scan::word(&msg[1..end]).0).is_some()
    {
        return Some(msg[end + 1..].strip_prefix(b" ").unwrap_or(&msg[end + 1..]));
    }
    Some(msg)
}

/// `[ 7063.247407] msg` (seconds since boot) or `[Tue Oct  5 16:38:47 2021] msg`.
fn dmesg<'a>(b: &'a [u8], sig: &mut Signal<'a>, opts: &SignalOptions) -> Option<&'a [u8]> {
    let end = memchr::memchr(b']', b)?;
    let inner = &b[1..end];
    let msg = b[end + 1..].strip_prefix(b" ").unwrap_or(&b[end + 1..]);
    if let Some(st) = scan::ctime(inner, 0)
        && st.len == inner.len()
    {
        set_time(sig, &st);
        sig.envelope = Envelope::DmesgCtime;
        return Some(msg);
    }
    let t = inner.iter().position(|&c| c != b' ')?;
    let num = &inner[t..];
    let dot = memchr::memchr(b'.', num)?;
    let (whole, _) = scan::num(num).filter(|(_, r)| r.len() == num.len() - dot)?;
    let frac = &num[dot + 1..];
    if frac.is_empty() || frac.len() > 9 || scan::num(frac)?.1 != b"" {
        return None;
    }
    let us = frac.iter().take(6).fold(0u64, |a, &c| a * 10 + u64::from(c - b'0'))
        * 10u64.pow(6u32.saturating_sub(frac.len() as u32));
    let uptime = whole.checked_mul(1_000_000)?.checked_add(us)?;
    sig.envelope = Envelope::Dmesg;
    sig.detail.uptime_us = Some(uptime);
    sig.precision_us = 1;
    match opts.boot_time {
        Some(boot) => {
            sig.time = i64::try_from(uptime)
                .ok()
                .and_then(|u| boot.unix_micros().checked_add(u))
                .map(Timestamp::from_unix_micros);
            sig.time_quality = TimeQuality::BootRelative;
        }
        None => sig.time_quality = TimeQuality::Uptime,
    }
    Some(msg)
}
