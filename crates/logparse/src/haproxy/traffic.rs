//! Traffic lines: the HTTP, HTTPS, CLF, TCP and connection-error formats, and the termination
//! state of custom formats.

use super::fields::{Fields, LogKind};
use super::frame::Civil;
use crate::bytes::{digit_run, find, parse_u64, trim};
use crate::event::Event;
use crate::time::{digits2, digits4, month_from_abbrev};

/// The most tokens read after the accept date before the captures and the request.
const MAX_TOKENS: usize = 24;

/// `[dd/Mmm/yyyy:HH:MM:SS[.mmm]]` or `[... +zzzz]` (CLF) at the start of `b`: the date and the
/// length up to and including `]`.
pub(super) fn accept_date(b: &[u8]) -> Option<(Civil, usize)> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let (c, len) = date_value(&b[1..])?;
    (b.get(1 + len) == Some(&b']')).then_some((c, len + 2))
}

/// `dd/Mmm/yyyy:HH:MM:SS[.mmm][ +zzzz]` at the start of `b` (what `%t`, `%tr`, `%trg`, `%trl`,
/// `%T` and `%Tl` write): the date and its length.
pub(super) fn date_value(b: &[u8]) -> Option<(Civil, usize)> {
    let h = b.get(..20)?;
    if h[2] != b'/' || h[6] != b'/' || h[11] != b':' || h[14] != b':' || h[17] != b':' {
        return None;
    }
    let day = digits2(h)?;
    let month = month_from_abbrev(&h[3..])?;
    let year = digits4(&h[7..])? as i32;
    let hour = digits2(&h[12..])?;
    let minute = digits2(&h[15..])?;
    let second = digits2(&h[18..])?;
    let mut p = 20;
    let mut micros = 0;
    if b.get(p) == Some(&b'.') {
        let d = digit_run(&b[p + 1..]).min(9);
        if d == 0 {
            return None;
        }
        for i in 0..6 {
            let digit = if i < d { u32::from(b[p + 1 + i] - b'0') } else { 0 };
            micros = micros * 10 + digit;
        }
        p += 1 + d;
    }
    let mut offset = None;
    if b.get(p) == Some(&b' ') {
        let z = b.get(p + 1..p + 6)?;
        let sign = match z[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (oh, om) = (digits2(&z[1..])?, digits2(&z[3..])?);
        if oh > 23 || om > 59 {
            return None;
        }
        offset = Some(sign * (oh * 3600 + om * 60) as i32);
        p += 6;
    }
    Some((Civil { year, month, day, hour, minute, second, micros, offset }, p))
}

/// The first accept date in `msg`: its start, the date and its end.
fn find_accept(msg: &[u8]) -> Option<(usize, Civil, usize)> {
    memchr::memchr_iter(b'[', msg)
        .find_map(|i| accept_date(&msg[i..]).map(|(c, len)| (i, c, i + len)))
}

/// A signed integer with an optional `+` (logasap, redispatch): value and whether `+` was there.
pub(super) fn int(t: &[u8]) -> Option<(i64, bool)> {
    let (plus, t) = match t.strip_prefix(b"+") {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (neg, t) = match t.strip_prefix(b"-") {
        Some(r) => (true, r),
        None => (false, t),
    };
    if t.len() > 18 {
        return None;
    }
    let v = parse_u64(t)? as i64;
    Some((if neg { -v } else { v }, plus))
}

/// An unsigned count with an optional `+`.
pub(super) fn count(t: &[u8]) -> Option<(u64, bool)> {
    match t.strip_prefix(b"+") {
        Some(r) => parse_u64(r).map(|v| (v, true)),
        None => parse_u64(t).map(|v| (v, false)),
    }
}

/// `/`-separated integers: up to 5 values, their number, and whether the last had a `+`.
fn slashed(t: &[u8]) -> Option<([i64; 5], usize, bool)> {
    let mut v = [0i64; 5];
    let mut n = 0;
    let mut plus_last = false;
    for part in t.split(|&c| c == b'/') {
        if n == 5 {
            return None;
        }
        let (x, plus) = int(part)?;
        v[n] = x;
        plus_last = plus;
        n += 1;
    }
    Some((v, n, plus_last))
}

/// Timers: 3 (TCP), 5 (HTTP) or, in custom formats, up to 10 `/`-separated integers; only
/// the first 5 values are kept.
fn any_timers(t: &[u8]) -> Option<([i64; 5], usize, bool)> {
    let mut v = [0i64; 5];
    let mut n = 0;
    let mut plus_last = false;
    for part in t.split(|&c| c == b'/') {
        if n == 10 {
            return None;
        }
        let (x, plus) = int(part)?;
        if n < 5 {
            v[n] = x;
        }
        plus_last = plus;
        n += 1;
    }
    (n >= 3).then_some((v, n, plus_last))
}

/// `ac/fc/bc/sc/rc`: five counts, the last possibly `+N`.
pub(super) fn conns(t: &[u8]) -> Option<([u64; 5], bool)> {
    let mut v = [0u64; 5];
    let mut n = 0;
    let mut plus = false;
    for part in t.split(|&c| c == b'/') {
        if n == 5 {
            return None;
        }
        let (x, p) = count(part)?;
        if p && n < 4 {
            return None;
        }
        v[n] = x;
        plus = p;
        n += 1;
    }
    (n == 5).then_some((v, plus))
}

/// A termination state: 2 (TCP) or 4 (HTTP) characters of `[A-Za-z-]`.
/// Each character must be one HAProxy writes in that position (`sess_term_cond`,
/// `sess_fin_state`, `sess_cookie`, `sess_set_cookie`).
pub(super) fn state_token(t: &[u8]) -> bool {
    const SETS: [&[u8]; 4] = [b"-LcCsSPRIDKU", b"-RCHDLQT", b"-NIDVEOU7", b"-NPDIRU67"];
    (t.len() == 2 || t.len() == 4) && t.iter().zip(SETS).all(|(c, set)| set.contains(c))
}

/// Space-separated tokens from `from`, at most `MAX_TOKENS`.
struct Tokens {
    at: [(usize, usize); MAX_TOKENS],
    n: usize,
}

impl Tokens {
    fn new(msg: &[u8], from: usize) -> Tokens {
        let mut t = Tokens { at: [(0, 0); MAX_TOKENS], n: 0 };
        let mut p = from;
        while t.n < MAX_TOKENS && p < msg.len() {
            while msg.get(p) == Some(&b' ') {
                p += 1;
            }
            if p >= msg.len() {
                break;
            }
            let end = p + memchr::memchr(b' ', &msg[p..]).unwrap_or(msg.len() - p);
            t.at[t.n] = (p, end);
            t.n += 1;
            p = end;
        }
        t
    }

    fn get<'a>(&self, msg: &'a [u8], i: usize) -> Option<&'a [u8]> {
        (i < self.n).then(|| &msg[self.at[i].0..self.at[i].1])
    }
}

/// Fills the connection counters and queues.
pub(super) fn set_conns(f: &mut Fields<'_>, c: [u64; 5], plus: bool) {
    f.actconn = Some(c[0]);
    f.feconn = Some(c[1]);
    f.beconn = Some(c[2]);
    f.srv_conn = Some(c[3]);
    f.retries = Some(c[4]);
    f.redispatched = plus;
}

fn set_queues(f: &mut Fields<'_>, t: Option<&[u8]>) -> bool {
    let Some((q, 2, _)) = t.and_then(slashed) else { return false };
    if q[0] < 0 || q[1] < 0 {
        return false;
    }
    f.srv_queue = Some(q[0] as u64);
    f.backend_queue = Some(q[1] as u64);
    true
}

/// Splits `backend/server` on the first `/`.
fn set_backend_server<'a>(ev: &mut Event<'a>, f: &mut Fields<'a>, bs: &'a [u8]) {
    match memchr::memchr(b'/', bs) {
        Some(i) => {
            ev.upstream_group = Some(&bs[..i]);
            f.server_name = Some(&bs[i + 1..]);
        }
        None => ev.upstream_group = Some(bs),
    }
    ev.upstream = f.server_name.filter(|s| *s != b"<NOSRV>" && !s.is_empty());
}

/// `ip:port` split on the last `:`; `unix:N` and redacted forms are kept whole.
pub(super) fn set_client<'a>(ev: &mut Event<'a>, f: &mut Fields<'a>, c: &'a [u8]) {
    // `%ci:%cp` is an address (IPv4, IPv6, `unix:N`), or one redacted with `x` or `*`; a host
    // name or other text there is not taken for the client.
    let address = c.starts_with(b"unix:")
        || c.iter().all(|&b| {
            b.is_ascii_hexdigit()
                || matches!(b, b'.' | b':' | b'[' | b']' | b'%' | b'x' | b'X' | b'*')
        });
    if !address {
        return;
    }
    ev.client = Some(c);
    if let Some(i) = memchr::memrchr(b':', c)
        && i + 1 < c.len()
        && c[i + 1..].iter().all(u8::is_ascii_digit)
        && !c.starts_with(b"unix:")
    {
        f.client_ip = Some(&c[..i]);
        f.client_port = Some(&c[i + 1..]);
    }
}

/// How a traffic line ended up being read.
pub(super) enum Outcome {
    /// A traffic line of a known layout (or its state found by anchor).
    Read,
    /// An accept date was found but the line is cut before what is needed.
    Missing(&'static str, usize),
    /// A field is where the layout puts it but does not hold a value of its kind (a custom
    /// format that only `--haproxy-log-format` describes).
    Invalid(&'static str, usize),
    /// No accept date and no termination state: not a traffic line.
    NotTraffic,
}

/// Reads a traffic line. The accept date (if any) is stored in `accept`.
pub(super) fn parse<'a>(
    msg: &'a [u8],
    ev: &mut Event<'a>,
    f: &mut Fields<'a>,
    accept: &mut Option<Civil>,
) -> Outcome {
    let Some((ds, date, de)) = find_accept(msg) else {
        return if custom(msg, ev, f) { Outcome::Read } else { Outcome::NotTraffic };
    };
    *accept = Some(date);
    let prefix = trim(&msg[..ds]);
    if date.offset.is_some() || prefix.ends_with(b"- -") {
        if clf(msg, prefix, de, ev, f) {
            return Outcome::Read;
        }
        return if custom(msg, ev, f) { Outcome::Read } else { Outcome::Missing("timers", de) };
    }
    // The client is the token just before the date (absent when the syslog relay dropped it).
    if !prefix.is_empty() {
        let start = memchr::memrchr(b' ', prefix).map_or(0, |i| i + 1);
        set_client(ev, f, &prefix[start..]);
    }
    let tk = Tokens::new(msg, de);
    let tok = |i| tk.get(msg, i);
    // The connection-error format: `frontend/bind: message`.
    if let Some(first) = tok(0)
        && first.ends_with(b":")
        && let Some(slash) = memchr::memchr(b'/', first)
    {
        f.kind = LogKind::ConnectionError;
        ev.server = Some(&first[..slash]);
        f.bind = Some(&first[slash + 1..first.len() - 1]);
        ev.message = trim(&msg[tk.at[0].1..]);
        return Outcome::Read;
    }
    let Some(t) = (1..tk.n.min(10)).find(|&i| tok(i).and_then(any_timers).is_some()) else {
        return if custom(msg, ev, f) { Outcome::Read } else { Outcome::Missing("timers", de) };
    };
    // The termination state is the token before the `ac/fc/bc/sc/rc` tuple, wherever it is
    // after the timers: tokens a custom format adds or drops cannot move it.
    let Some(s) = (t + 1..tk.n)
        .find(|&i| tok(i).is_some_and(state_token) && tok(i + 1).and_then(conns).is_some())
    else {
        return Outcome::Missing("termination_state", tk.at[t].1);
    };
    let state = tok(s).unwrap_or_default();
    let (tv, nt, plus) = tok(t).and_then(any_timers).unwrap_or_default();
    // `backend/server` is the first token after the frontend that holds a `/`; tokens between
    // it and the timers were added by a custom format (a Host header, a unique id).
    let b = (1..t).find(|&i| tok(i).is_some_and(|x| x.contains(&b'/'))).unwrap_or(t - 1);
    set_backend_server(ev, f, tok(b).unwrap_or_default());
    if b >= 1 {
        let fe = trim(&msg[tk.at[0].0..tk.at[b - 1].1]);
        ev.server = (!fe.is_empty()).then_some(fe);
    }
    if b + 2 == t {
        ev.host = tok(b + 1).filter(|h| host_name(h));
    }
    let http = state.len() == 4;
    let mut j = t + 1;
    match (nt, http) {
        (5, true) => {
            f.kind = LogKind::Http;
            f.request_ms = Some(tv[0]);
            f.queue_ms = Some(tv[1]);
            f.connect_ms = Some(tv[2]);
            f.response_ms = Some(tv[3]);
            f.total_ms = Some(tv[4]);
        }
        (3, false) => {
            f.kind = LogKind::Tcp;
            f.queue_ms = Some(tv[0]);
            f.connect_ms = Some(tv[1]);
            f.total_ms = Some(tv[2]);
        }
        // Which timer is which depends on the format: none is named rather than one misnamed.
        _ => f.kind = LogKind::Custom,
    }
    if http {
        let Some(raw) = tok(j).filter(|_| j < s) else {
            return Outcome::Missing("status", tk.at[t].1);
        };
        match int(raw) {
            Some((v, false)) if (-1..1000).contains(&v) => {
                f.status_raw = Some(v);
                ev.status = u16::try_from(v).ok().filter(|v| (100..1000).contains(v));
                j += 1;
            }
            _ => return Outcome::Invalid("status", tk.at[j].0),
        }
    }
    f.logasap = plus;
    match tok(j).filter(|_| j < s).and_then(count) {
        Some((b, p)) => {
            f.bytes = Some(b);
            f.logasap |= p;
            j += 1;
        }
        None if j < s => return Outcome::Invalid("bytes", tk.at[j].0),
        None => return Outcome::Missing("bytes", tk.at[j - 1].1),
    }
    // The captured cookies (absent in some custom formats) come just before the state.
    if s == j + 2 {
        let dash = |t: &'a [u8]| (t != b"-").then_some(t);
        f.request_cookie = tok(j).and_then(dash);
        f.response_cookie = tok(j + 1).and_then(dash);
    }
    f.termination_state = Some(state);
    if let Some((c, p)) = tok(s + 1).and_then(conns) {
        set_conns(f, c, p);
    }
    let mut rest = tk.at[s + 1].1;
    if set_queues(f, tok(s + 2)) {
        rest = tk.at[s + 2].1;
    }
    tail(msg, rest, ev, f);
    Outcome::Read
}

/// Captures, the quoted request and whatever follows it.
fn tail<'a>(msg: &'a [u8], mut p: usize, ev: &mut Event<'a>, f: &mut Fields<'a>) {
    let skip =
        |p: usize| p + msg.get(p..).map_or(0, |r| r.iter().take_while(|&&c| c == b' ').count());
    for n in 0..2 {
        p = skip(p);
        if msg.get(p) != Some(&b'{') {
            break;
        }
        let (inner, next) = match memchr::memchr(b'}', &msg[p + 1..]) {
            Some(i) => (&msg[p + 1..p + 1 + i], p + 2 + i),
            None => {
                f.truncated = true;
                (&msg[p + 1..], msg.len())
            }
        };
        if n == 0 {
            f.request_captures = Some(inner);
        } else {
            f.response_captures = Some(inner);
        }
        p = next;
    }
    p = skip(p);
    if msg.get(p) == Some(&b'"') {
        match memchr::memchr(b'"', &msg[p + 1..]) {
            Some(i) => {
                ev.request = Some(&msg[p + 1..p + 1 + i]);
                p += 2 + i;
            }
            None => {
                ev.request = Some(&msg[p + 1..]);
                f.truncated = true;
                p = msg.len();
            }
        }
    }
    let extra = trim(msg.get(p..).unwrap_or_default());
    if !extra.is_empty() {
        f.extra = Some(extra);
        https_tail(extra, f);
        if let Some(i) = find(extra, b"bc_err=") {
            let v = &extra[i + 7..];
            let end = memchr::memchr(b' ', v).unwrap_or(v.len());
            f.bc_err = Some(&v[..end]).filter(|v| !v.is_empty() && *v != b"-");
        }
    }
    ev.host =
        absolute_uri_host(ev.request).or_else(|| capture_host(f.request_captures)).or(ev.host);
}

/// The HTTPS tail: `fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/resumed sni/version/cipher`.
fn https_tail<'a>(extra: &'a [u8], f: &mut Fields<'a>) {
    let mut it = extra.split(|&c| c == b' ').filter(|t| !t.is_empty());
    let (Some(errs), Some(ssl), None) = (it.next(), it.next(), it.next()) else { return };
    if errs.split(|&c| c == b'/').count() != 5 {
        return;
    }
    let mut parts = ssl.split(|&c| c == b'/');
    let (Some(sni), Some(ver), Some(cipher), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    f.kind = LogKind::Https;
    let dash = |t: &'a [u8]| (t != b"-" && !t.is_empty()).then_some(t);
    f.ssl_sni = dash(sni);
    f.ssl_version = dash(ver);
    f.ssl_cipher = dash(cipher);
}

/// The host of an absolute request URI (`GET https://host/path HTTP/2.0`).
pub(super) fn absolute_uri_host(req: Option<&[u8]>) -> Option<&[u8]> {
    let req = req?;
    let sp = memchr::memchr(b' ', req)?;
    let uri = &req[sp + 1..];
    let after = uri.strip_prefix(b"https://").or_else(|| uri.strip_prefix(b"http://"))?;
    let end = after.iter().position(|&c| matches!(c, b'/' | b' ' | b'?')).unwrap_or(after.len());
    let host = &after[..end];
    (!host.is_empty()).then_some(host)
}

/// A captured request header that is obviously a host name (`www.example.com[:port]`).
pub(super) fn capture_host(caps: Option<&[u8]>) -> Option<&[u8]> {
    caps?.split(|&c| c == b'|').map(trim).find(|v| host_name(v))
}

/// Whether `v` is obviously a host name (`www.example.com[:port]`).
pub(super) fn host_name(v: &[u8]) -> bool {
    let colons = v.iter().filter(|&&c| c == b':').count();
    let name = match memchr::memchr(b':', v) {
        Some(i) => &v[..i],
        None => v,
    };
    let last_label = name.rsplit(|&c| c == b'.').next().unwrap_or_default();
    colons <= 1
        && name.contains(&b'.')
        && name.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
        && last_label.first().is_some_and(u8::is_ascii_alphabetic)
}

/// CLF: `"ci" - - [date] "request" ST B "" "" cp ms "ft" "b" "s" TR Tw Tc Tr Ta tsc ac fc bc sc
/// rc sq bq ...` (HTTP) or `... [date] "TCP " 000 B "" "" cp ms ft b s Th Tw Tc Tt U ts-- ...`.
fn clf<'a>(
    msg: &'a [u8],
    prefix: &'a [u8],
    de: usize,
    ev: &mut Event<'a>,
    f: &mut Fields<'a>,
) -> bool {
    let client = trim(prefix.strip_suffix(b"- -").unwrap_or(prefix));
    let client = client.strip_prefix(b"\"").and_then(|c| c.strip_suffix(b"\"")).unwrap_or(client);
    let p = de + msg.get(de..).map_or(0, |r| r.iter().take_while(|&&c| c == b' ').count());
    if msg.get(p) != Some(&b'"') {
        return false;
    }
    let Some(q) = memchr::memchr(b'"', &msg[p + 1..]) else { return false };
    let request = &msg[p + 1..p + 1 + q];
    let tk = Tokens::new(msg, p + 2 + q);
    let unq = |i: usize| {
        tk.get(msg, i)
            .map(|t| t.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")).unwrap_or(t))
    };
    // status bytes "" "" cp ms ft b s n n n n n state ac fc bc sc rc sq bq
    let nums: Option<Vec5> = (9..14).map(|i| unq(i).and_then(int).map(|v| v.0)).collect();
    let Some(n) = nums else { return false };
    let Some(state) = unq(14).filter(|s| state_token(s)) else { return false };
    let (Some(status), Some(bytes)) = (unq(0).and_then(int), unq(1).and_then(count)) else {
        return false;
    };
    let tcp = request.starts_with(b"TCP") || unq(0) == Some(b"000");
    let mut c = [0u64; 7];
    for (k, slot) in c.iter_mut().enumerate() {
        match unq(15 + k).and_then(count) {
            Some((v, _)) => *slot = v,
            None => return false,
        }
    }
    if !client.is_empty() && client != b"-" {
        ev.client = Some(client);
        f.client_ip = Some(client);
    }
    f.client_port = unq(4);
    ev.server = unq(6);
    let (b, s) = (unq(7).unwrap_or_default(), unq(8).unwrap_or_default());
    ev.upstream_group = Some(b);
    f.server_name = Some(s);
    ev.upstream = Some(s).filter(|s| *s != b"<NOSRV>" && !s.is_empty() && *s != b"-");
    f.bytes = Some(bytes.0);
    if tcp {
        f.kind = LogKind::TcpClf;
        f.queue_ms = Some(n.0[1]);
        f.connect_ms = Some(n.0[2]);
        f.total_ms = Some(n.0[3]);
        f.termination_state = Some(&state[..2]);
    } else {
        f.kind = LogKind::HttpClf;
        ev.request = Some(request);
        f.status_raw = Some(status.0);
        ev.status = u16::try_from(status.0).ok().filter(|&s| s < 1000);
        f.request_ms = Some(n.0[0]);
        f.queue_ms = Some(n.0[1]);
        f.connect_ms = Some(n.0[2]);
        f.response_ms = Some(n.0[3]);
        f.total_ms = Some(n.0[4]);
        f.termination_state = Some(state);
        let dash = |t: &'a [u8]| (t != b"-" && !t.is_empty()).then_some(t);
        f.request_cookie = unq(22).and_then(dash);
        f.response_cookie = unq(23).and_then(dash);
    }
    set_conns(f, [c[0], c[1], c[2], c[3], c[4]], false);
    f.srv_queue = Some(c[5]);
    f.backend_queue = Some(c[6]);
    ev.host = absolute_uri_host(ev.request);
    true
}

/// Five integers collected without allocation.
struct Vec5([i64; 5]);

impl FromIterator<i64> for Vec5 {
    fn from_iter<I: IntoIterator<Item = i64>>(iter: I) -> Vec5 {
        let mut v = [0; 5];
        for (slot, x) in v.iter_mut().zip(iter) {
            *slot = x;
        }
        Vec5(v)
    }
}

/// Custom formats: a termination state before an `ac/fc/bc/sc/rc` tuple anywhere in the line,
/// or a JSON `"termination_state":"XX"` member.
fn custom<'a>(msg: &'a [u8], ev: &mut Event<'a>, f: &mut Fields<'a>) -> bool {
    if let Some(i) = find(msg, b"\"termination_state\":\"") {
        let v = &msg[i + 21..];
        let end = memchr::memchr(b'"', v).unwrap_or(v.len());
        let state = &v[..end];
        if state_token(state) {
            f.kind = LogKind::Custom;
            f.termination_state = Some(state);
            if let Some(j) = find(msg, b"\"status_code\":") {
                let s = &msg[j + 14..];
                let d = digit_run(s);
                ev.status = parse_u64(&s[..d]).and_then(|v| u16::try_from(v).ok());
            }
            return true;
        }
    }
    let mut prev: Option<&'a [u8]> = None;
    for tok in msg.split(|&c| c == b' ').filter(|t| !t.is_empty()) {
        if let Some(state) = prev
            && state_token(state)
            && let Some((c, p)) = conns(tok)
        {
            f.kind = LogKind::Custom;
            f.termination_state = Some(state);
            set_conns(f, c, p);
            return true;
        }
        prev = Some(tok);
    }
    false
}
