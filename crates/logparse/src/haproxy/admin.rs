//! Health-check, server-state and other admin messages.

use super::fields::{Fields, LogKind};
use crate::bytes::{contains, digit_run, find, finder, parse_u64, trim};
use crate::class::{Class, Phase};
use crate::event::{Event, Level};
use crate::format::Format;

/// Classifies an admin message (the text after any stderr label). Returns `false` when the
/// message is not one HAProxy is known to write.
pub(super) fn parse<'a>(msg: &'a [u8], ev: &mut Event<'a>, f: &mut Fields<'a>) -> bool {
    let body = msg.strip_prefix(b"Backup ").unwrap_or(msg);
    if let Some(rest) = body.strip_prefix(b"Server ") {
        return server_state(rest, ev, f);
    }
    for prefix in [&b"Health check for "[..], b"Agent check for "] {
        if let Some(rest) = body.strip_prefix(prefix) {
            return check(rest, ev, f);
        }
    }
    if let Some(rest) = msg.strip_prefix(b"Connect() failed for backend ") {
        set_group(rest, b':', ev);
        set(ev, f, LogKind::Admin, Class::ProxyError, Phase::Connect);
        return true;
    }
    // Every message not taken above reaches these searches: they use prebuilt searchers, not
    // one built per call.
    if msg.starts_with(b"Cannot bind to ")
        && let Some(i) = finder!(b"before connect() for backend ").find(msg)
    {
        set_group(&msg[i + 29..], b'.', ev);
        set(ev, f, LogKind::Admin, Class::ProxyError, Phase::Connect);
        return true;
    }
    if let Some(at) = finder!(b" has no server available!").find(msg) {
        // `backend web has no server available!` (syslog) or `backend 'web' ...` (stderr).
        let head = &msg[..at];
        if let Some(sp) = memchr::memchr(b' ', head)
            && matches!(&head[..sp], b"backend" | b"listen" | b"frontend" | b"proxy")
        {
            let name = trim(&head[sp + 1..]);
            let name = name.strip_prefix(b"'").and_then(|n| n.strip_suffix(b"'")).unwrap_or(name);
            ev.upstream_group = Some(name);
            set(ev, f, LogKind::Health, Class::NoLiveUpstreams, Phase::Health);
            return true;
        }
    }
    if let Some(rest) = msg.strip_prefix(b"Proxy ") {
        let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        let after = &rest[end..];
        if after.starts_with(b" started")
            || after.starts_with(b" stopped")
            || after.starts_with(b" hard-stopped")
        {
            f.proxy = Some(&rest[..end]);
            set(ev, f, LogKind::Admin, Class::Info, Phase::None);
            return true;
        }
    }
    if startup_failure(msg, ev, f) {
        set(ev, f, LogKind::Admin, Class::ProxyError, Phase::None);
        return true;
    }
    const OTHERS: [&[u8]; 12] = [
        b"Stopping ",
        b"Pausing ",
        b"Enabling ",
        b"Scheduling a soft-stop",
        b"Grace period expired",
        b"soft-stop running for too long",
        b"Port ",
        b"New worker ",
        b"Loading success",
        b"Former worker ",
        b"Current worker ",
        b"SIGHUP: ",
    ];
    if OTHERS.iter().any(|p| msg.starts_with(p)) {
        set(ev, f, LogKind::Admin, Class::Info, Phase::None);
        return true;
    }
    false
}

/// Whether `msg` is an alert that stops HAProxy from starting or serving (taxonomy: the proxy's
/// own configuration error is `proxy_error`); sets [`Fields::proxy`] when the message names one.
///
/// Always fatal by their wording: `Fatal errors found in configuration.` and `Error(s) found in
/// configuration file : F` (haproxy.c), `[haproxy.main()] Some protocols failed to start their
/// listeners! Exiting.` (haproxy.c), `Proxy 'X': unable to find required default_backend|
/// use_backend: 'Y'.` and `Proxy 'X': loop detected for ...` (proxy.c). Fatal only at `alert`
/// or `emerg` level, since HAProxy writes the same template as a warning when it goes on:
/// `Starting frontend X: cannot bind socket ...` (proxy.c up to 2.3, protocol.c 2.4 on),
/// `Binding [file:line] for frontend X: protocol P: ...` (protocol.c), `parsing [file:line] :
/// ...` (cfgparse.c) and other `Proxy 'X': ...` alerts.
fn startup_failure<'a>(msg: &'a [u8], ev: &Event<'a>, f: &mut Fields<'a>) -> bool {
    let alert = matches!(ev.level, Some(Level::Alert | Level::Emerg));
    if msg.starts_with(b"Fatal errors found in configuration")
        || msg.starts_with(b"Error(s) found in configuration file")
        || (msg.starts_with(b"[") && contains(msg, b"] Some protocols failed to start"))
    {
        return true;
    }
    if let Some(rest) = msg.strip_prefix(b"Proxy '")
        && let Some(q) = memchr::memchr(b'\'', rest)
        && rest.get(q + 1) == Some(&b':')
    {
        let what = rest[q + 2..].trim_ascii_start();
        if alert
            || what.starts_with(b"unable to find required ")
            || what.starts_with(b"loop detected for ")
        {
            f.proxy = Some(&rest[..q]);
            return true;
        }
        return false;
    }
    if !alert {
        return false;
    }
    if let Some(rest) = msg.strip_prefix(b"Starting ").or_else(|| {
        let rest = msg.strip_prefix(b"Binding [")?;
        let close = memchr::memchr(b']', rest)?;
        rest[close + 1..].strip_prefix(b" for ")
    }) {
        // `<type> <name>: ...`.
        let Some(sp) = memchr::memchr(b' ', rest) else { return false };
        if !matches!(&rest[..sp], b"frontend" | b"backend" | b"listen" | b"proxy" | b"peers") {
            return false;
        }
        let name = &rest[sp + 1..];
        let Some(colon) = memchr::memchr(b':', name) else { return false };
        f.proxy = Some(&name[..colon]);
        return true;
    }
    msg.starts_with(b"parsing [")
}

/// Whether `msg` is an admin message HAProxy is known to write (one that [`parse`] reads).
pub(super) fn is_known(msg: &[u8]) -> bool {
    let mut ev = Event::new(Format::Haproxy, msg);
    let mut f = Fields::default();
    parse(msg, &mut ev, &mut f)
}

fn set(ev: &mut Event<'_>, f: &mut Fields<'_>, kind: LogKind, class: Class, phase: Phase) {
    f.kind = kind;
    ev.class = class;
    ev.phase = phase;
}

/// The backend name up to `end` (`:` or `.`).
fn set_group<'a>(rest: &'a [u8], end: u8, ev: &mut Event<'a>) {
    let stop = rest.iter().position(|&c| c == end || c == b' ').unwrap_or(rest.len());
    if stop > 0 {
        ev.upstream_group = Some(&rest[..stop]);
    }
}

/// `backend/server` at the start of `rest`: the index after it.
fn backend_server<'a>(rest: &'a [u8], ev: &mut Event<'a>, f: &mut Fields<'a>) -> Option<usize> {
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let bs = &rest[..end];
    let slash = memchr::memchr(b'/', bs)?;
    ev.upstream_group = Some(&bs[..slash]);
    f.server_name = Some(&bs[slash + 1..]);
    ev.upstream = f.server_name;
    Some(end)
}

/// `Server b/s is DOWN|UP|stopping|going DOWN for maintenance|...`.
fn server_state<'a>(rest: &'a [u8], ev: &mut Event<'a>, f: &mut Fields<'a>) -> bool {
    let Some(end) = backend_server(rest, ev, f) else { return false };
    let what = rest[end..].trim_ascii_start();
    const DOWN: [&[u8]; 5] = [
        b"is DOWN",
        b"is going DOWN",
        b"was DOWN and now enters maintenance",
        b"was UP and now enters maintenance",
        b"is stopping",
    ];
    const UP: [&[u8]; 3] = [b"is UP", b"is READY", b"administratively READY"];
    let class = if DOWN.iter().any(|p| what.starts_with(p)) {
        Class::UpstreamDown
    } else if UP.iter().any(|p| what.starts_with(p)) {
        Class::UpstreamUp
    } else if what.starts_with(b"is ") || what.starts_with(b"remains ") {
        Class::Info
    } else {
        return false;
    };
    set(ev, f, LogKind::Health, class, Phase::Health);
    check_details(what, f);
    true
}

/// `Health check for [backup ]server b/s [conditionally ]succeeded|failed, ...`.
fn check<'a>(rest: &'a [u8], ev: &mut Event<'a>, f: &mut Fields<'a>) -> bool {
    let rest = rest.strip_prefix(b"backup ").unwrap_or(rest);
    let Some(rest) = rest.strip_prefix(b"server ") else { return false };
    let Some(end) = backend_server(rest, ev, f) else { return false };
    let what = rest[end..].trim_ascii_start();
    let class = if what.starts_with(b"failed") {
        Class::HealthCheckFailed
    } else if what.starts_with(b"succeeded") || what.starts_with(b"conditionally succeeded") {
        Class::Info
    } else {
        return false;
    };
    set(ev, f, LogKind::Health, class, Phase::Health);
    check_details(what, f);
    true
}

/// Reads `, reason: R[, code: N][, info: "I"][, check duration: Dms]` and the `N active and M
/// backup servers` tail.
fn check_details<'a>(what: &'a [u8], f: &mut Fields<'a>) {
    let mut after = 0;
    if let Some(i) = find(what, b", reason: ") {
        let v = &what[i + 10..];
        let end = [find(v, b", "), find(v, b". ")].into_iter().flatten().min().unwrap_or(v.len());
        let reason = v[..end].strip_suffix(b".").unwrap_or(&v[..end]);
        f.check_reason = Some(reason);
        after = i + 10 + end;
    }
    if let Some(i) = find(&what[after..], b", code: ") {
        let v = &what[after + i + 8..];
        f.check_code = parse_u64(&v[..digit_run(v)]);
    }
    if let Some(i) = find(&what[after..], b", info: \"") {
        let start = after + i + 9;
        let v = &what[start..];
        // The info text is free text; it ends at the quote before `, check duration` or `. `.
        let end = [find(v, b"\", check duration"), find(v, b"\". "), find(v, b"\", status")]
            .into_iter()
            .flatten()
            .min()
            .or_else(|| memchr::memrchr(b'"', v))
            .unwrap_or(v.len());
        f.check_info = Some(&v[..end]);
        after = start + end;
    }
    if let Some(i) = find(&what[after..], b"check duration: ") {
        let v = &what[after + i + 16..];
        f.check_duration_ms = parse_u64(&v[..digit_run(v)]);
    }
    if let Some(i) = find(&what[after..], b" active and ") {
        let head = &what[..after + i];
        let d = head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        f.active_servers = parse_u64(&head[head.len() - d..]);
        let v = &what[after + i + 12..];
        f.backup_servers = parse_u64(&v[..digit_run(v)]);
    }
    f.cause = check_cause(f.check_reason, f.check_info);
}

/// The failure a check reason (and its info text) points at.
fn check_cause(reason: Option<&[u8]>, info: Option<&[u8]>) -> Option<Class> {
    let reason = reason?;
    let info = info.unwrap_or_default();
    let has = |s: &[u8]| contains(info, s);
    Some(match reason {
        b"Layer4 connection problem" => {
            if has(b"refused") {
                Class::ConnectRefused
            } else if has(b"No route") || has(b"unreachable") {
                Class::ConnectUnreachable
            } else if has(b"reset") {
                Class::ConnectionReset
            } else if has(b"SSL handshake") {
                Class::TlsHandshake
            } else {
                Class::ConnectError
            }
        }
        b"Layer4 timeout" | b"Layer6 timeout" => Class::ConnectTimeout,
        b"Layer7 timeout" => Class::ResponseTimeout,
        b"Layer7 wrong status" => Class::Upstream5xx,
        b"Layer7 invalid response" | b"Layer6 invalid response" => Class::InvalidHeader,
        b"Socket error" => Class::ConnectionReset,
        b"Health analyze" => {
            let last = find(info, b"last one was: ").map_or(info, |i| &info[i + 14..]);
            let has = |s: &[u8]| contains(last, s);
            if has(b"L4 unsuccessful connection") {
                Class::ConnectError
            } else if has(b"timeout") {
                Class::ResponseTimeout
            } else if has(b"Invalid http response") {
                Class::InvalidHeader
            } else if has(b"Read error") {
                Class::ConnectionReset
            } else {
                return None;
            }
        }
        _ => return None,
    })
}
