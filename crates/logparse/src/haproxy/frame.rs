//! The layers in front of the HAProxy message: a collector prefix, the syslog (or ISO) header,
//! and the stderr label of admin messages.

use super::admin;
use crate::bytes::digit_run;
use crate::event::Level;
use crate::time::{digits2, digits4, month_from_abbrev};

/// A calendar time read from the line, before the year and zone are settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) micros: u32,
    /// The UTC offset written in the line, in seconds east.
    pub(crate) offset: Option<i32>,
}

/// The time in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HeaderTime {
    /// `Mmm dd HH:MM:SS`: no year, local time; `year` is a placeholder.
    NoYear(Civil),
    /// A time with a year (ISO 8601 or `YYYY/MM/DD HH:MM:SS`).
    Full(Civil),
}

/// What the framing layers said.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Frame<'a> {
    pub level: Option<Level>,
    pub time: Option<HeaderTime>,
    pub host: Option<&'a [u8]>,
    pub tag: Option<&'a [u8]>,
    pub pid: Option<u32>,
    /// Where the HAProxy message starts.
    pub msg_start: usize,
    /// Whether a syslog, ISO or RFC 5424 header was found.
    pub framed: bool,
}

/// The stderr label of an admin message: `[WARNING]  (8) : ` or `[WARNING] 049/161822 (30088) : `.
#[derive(Clone, Copy, Debug)]
pub(super) struct Label {
    pub level: Level,
    pub pid: Option<u32>,
    /// Day of the year (0-based) and seconds of the day, in the old (<= 2.3) form.
    pub yday_time: Option<(u32, u32)>,
    /// The length of the label up to the message.
    pub len: usize,
}

fn skip_spaces(b: &[u8], at: usize) -> usize {
    at + b.get(at..).map_or(0, |r| r.iter().take_while(|&&c| c == b' ').count())
}

/// The token at `at` (up to the next space) and the index after it.
fn token(b: &[u8], at: usize) -> (&[u8], usize) {
    let rest = b.get(at..).unwrap_or_default();
    let n = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    (&rest[..n], at + n)
}

/// `HH:MM:SS` at the start of `b`.
fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    let t = b.get(..8)?;
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    Some((digits2(t)?, digits2(&t[3..])?, digits2(&t[6..])?))
}

/// `.ffffff` (1 to 9 digits) at the start of `b`: microseconds and length.
fn fraction(b: &[u8]) -> (u32, usize) {
    if b.first() != Some(&b'.') {
        return (0, 0);
    }
    let n = digit_run(&b[1..]).min(9);
    if n == 0 {
        return (0, 0);
    }
    let mut us = 0u32;
    for i in 0..6 {
        us = us * 10 + b.get(1 + i).filter(|_| i < n).map_or(0, |c| u32::from(c - b'0'));
    }
    (us, 1 + n)
}

/// `Z`, `+HH:MM` or `+HHMM` at the start of `b`: offset in seconds and length.
fn offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' => Some((0, 1)),
        c @ (b'+' | b'-') => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits2(b.get(1..)?)?;
            let (m, len) = if b.get(3) == Some(&b':') {
                (digits2(b.get(4..)?)?, 6)
            } else {
                (digits2(b.get(3..)?)?, 5)
            };
            if h > 23 || m > 59 {
                return None;
            }
            Some((sign * (h * 3600 + m * 60) as i32, len))
        }
        _ => None,
    }
}

/// `Mmm dd HH:MM:SS` (day space-padded or not): the time and its length.
pub(crate) fn legacy_time(b: &[u8]) -> Option<(Civil, usize)> {
    let month = month_from_abbrev(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut p = skip_spaces(b, 3);
    let d = digit_run(b.get(p..)?);
    if d == 0 || d > 2 || p - 3 > 2 {
        return None;
    }
    let day = crate::bytes::parse_u64(&b[p..p + d])? as u32;
    p += d;
    if b.get(p) != Some(&b' ') {
        return None;
    }
    let (hour, minute, second) = hms(b.get(p + 1..)?)?;
    let (micros, flen) = fraction(b.get(p + 9..).unwrap_or_default());
    let c = Civil { year: 0, month, day, hour, minute, second, micros, offset: None };
    Some((c, p + 9 + flen))
}

/// `YYYY-MM-DDTHH:MM:SS[.f][zone]` (also with a space for `T`), or `YYYY/MM/DD HH:MM:SS`.
pub(super) fn iso_time(b: &[u8]) -> Option<(Civil, usize)> {
    let head = b.get(..19)?;
    let sep = head[4];
    let dash = sep == b'-' && head[7] == b'-' && matches!(head[10], b'T' | b' ');
    let slash = sep == b'/' && head[7] == b'/' && head[10] == b' ';
    if !(dash || slash) {
        return None;
    }
    let year = digits4(head)? as i32;
    let month = digits2(&head[5..])?;
    let day = digits2(&head[8..])?;
    let (hour, minute, second) = hms(&head[11..])?;
    let (micros, flen) = fraction(&b[19..]);
    let mut len = 19 + flen;
    let mut off = None;
    if dash && let Some((o, olen)) = offset(&b[len..]) {
        off = Some(o);
        len += olen;
    }
    Some((Civil { year, month, day, hour, minute, second, micros, offset: off }, len))
}

/// A docker-compose prefix, `name<spaces>| `: the index after it.
fn compose_prefix(line: &[u8]) -> Option<usize> {
    let (name, end) = token(line, 0);
    if name.is_empty() || name.len() > 80 {
        return None;
    }
    let p = skip_spaces(line, end);
    (p > end && line.get(p) == Some(&b'|') && line.get(p + 1) == Some(&b' ')).then_some(p + 2)
}

/// `<PRI>` at `at`: the severity and the index after it.
fn pri(line: &[u8], at: usize) -> Option<(u8, usize)> {
    if line.get(at) != Some(&b'<') {
        return None;
    }
    let d = digit_run(line.get(at + 1..)?);
    if d == 0 || d > 3 || line.get(at + 1 + d) != Some(&b'>') {
        return None;
    }
    let v = crate::bytes::parse_u64(&line[at + 1..at + 1 + d])?;
    (v <= 191).then_some(((v % 8) as u8, at + 2 + d))
}

/// A syslog tag token: `name[pid]:`, `name[pid]` or `name:`. Returns the name and pid.
pub(crate) fn tag_token(t: &[u8]) -> Option<(&[u8], Option<u32>)> {
    let (body, colon) = match t.strip_suffix(b":") {
        Some(b) => (b, true),
        None => (t, false),
    };
    if let Some(inner) = body.strip_suffix(b"]") {
        let open = memchr::memrchr(b'[', inner)?;
        let digits = &inner[open + 1..];
        let name = &inner[..open];
        let pid = crate::bytes::parse_u64(digits).and_then(|v| u32::try_from(v).ok());
        if pid.is_some() && !name.is_empty() {
            return Some((name, pid));
        }
        return None;
    }
    let plain = !body.is_empty()
        && body.iter().any(|c| c.is_ascii_alphabetic())
        && body.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    (colon && plain).then_some((body, None))
}

/// Whether a syslog tag names HAProxy (`haproxy`, `haproxy-ingress`, `[HAPROXY]`, ...).
pub(super) fn names_haproxy(tag: &[u8]) -> bool {
    tag.windows(7).any(|w| w.eq_ignore_ascii_case(b"haproxy"))
}

/// A bare word that can be a tag without pid or colon (`haproxy-ingress`).
fn bare_word(t: &[u8]) -> bool {
    t.first().is_some_and(|c| c.is_ascii_alphabetic())
        && t.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A `facility.level` token of some rsyslog templates (`local2.info`).
fn facility_level(t: &[u8]) -> Option<Level> {
    let dot = memchr::memchr(b'.', t)?;
    let fac = &t[..dot];
    let ok = !fac.is_empty() && fac.iter().all(|c| c.is_ascii_alphanumeric());
    if ok { Level::from_name(&t[dot + 1..]) } else { None }
}

/// Reads the RFC 5424 fields after the timestamp: `HOST APP PROCID MSGID SD MSG`.
///
/// `strict` requires PROCID to be digits or `-` and SD to be `-` or `[...]` (used where the
/// header is only guessed to be RFC 5424-like).
fn rfc5424_body<'a>(line: &'a [u8], at: usize, strict: bool, f: &mut Frame<'a>) -> bool {
    let p = skip_spaces(line, at);
    let (host, p) = token(line, p);
    let (app, p) = token(line, p + 1);
    let (procid, p) = token(line, p + 1);
    let (msgid, p) = token(line, p + 1);
    if host.is_empty() || app.is_empty() || procid.is_empty() || msgid.is_empty() {
        return false;
    }
    let pid = crate::bytes::parse_u64(procid).and_then(|v| u32::try_from(v).ok());
    if strict && pid.is_none() && procid != b"-" {
        return false;
    }
    let sd_at = p + 1;
    let sd_end = if line.get(sd_at) == Some(&b'[') {
        structured_data_end(line, sd_at)
    } else {
        let (sd, end) = token(line, sd_at);
        if sd.is_empty() || (strict && sd != b"-") {
            return false;
        }
        end
    };
    let dash = |t: &'a [u8]| (t != b"-").then_some(t);
    f.host = dash(host);
    f.tag = dash(app);
    f.pid = pid;
    f.msg_start = skip_spaces(line, sd_end).min(line.len());
    true
}

/// The end of RFC 5424 structured data `[id k="v" ...][...]` starting at `at`, honoring quotes
/// and `\` escapes; the line's end when it is not closed.
fn structured_data_end(line: &[u8], at: usize) -> usize {
    let mut i = at;
    while line.get(i) == Some(&b'[') {
        let mut quoted = false;
        i += 1;
        loop {
            match line.get(i) {
                None => return line.len(),
                Some(b'\\') if quoted => i += 2,
                Some(b'"') => {
                    quoted = !quoted;
                    i += 1;
                }
                Some(b']') if !quoted => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    i.min(line.len())
}

/// Reads `HOST TAG` / `TAG` after a BSD-style or ISO timestamp.
fn host_and_tag<'a>(line: &'a [u8], at: usize, f: &mut Frame<'a>) {
    let p = skip_spaces(line, at);
    f.msg_start = p;
    if line.get(p) == Some(&b'[') && label(&line[p..]).is_some() {
        return;
    }
    let (t1, e1) = token(line, p);
    if let Some((name, pid)) = tag_token(t1) {
        f.tag = Some(name);
        f.pid = pid;
        f.msg_start = skip_spaces(line, e1);
    } else if !t1.is_empty() && !t1.ends_with(b":") {
        let p2 = skip_spaces(line, e1);
        let (t2, e2) = token(line, p2);
        if let Some((name, pid)) = tag_token(t2) {
            f.host = Some(t1);
            f.tag = Some(name);
            f.pid = pid;
            f.msg_start = skip_spaces(line, e2);
        } else if bare_word(t1)
            && bare_word(t2)
            && line.get(e2) == Some(&b' ')
            && !admin::is_known(&line[p..])
        {
            // `host haproxy-ingress MSG`: a tag without pid or colon.
            f.host = Some(t1);
            f.tag = Some(t2);
            f.msg_start = skip_spaces(line, e2);
        }
    }
    // A custom template's `[pid:N]level` token.
    let rest = line.get(f.msg_start..).unwrap_or_default();
    if let Some(after) = rest.strip_prefix(b"[pid:") {
        let d = digit_run(after);
        if d > 0 && after.get(d) == Some(&b']') {
            let (word, end) = token(line, f.msg_start + 5 + d + 1);
            if f.pid.is_none() {
                f.pid = crate::bytes::parse_u64(&after[..d]).and_then(|v| u32::try_from(v).ok());
            }
            if let Some(l) = Level::from_name(word) {
                f.level = Some(l);
            }
            f.msg_start = skip_spaces(line, end);
        }
    }
}

/// Strips every framing layer of `line`.
pub(super) fn frame(line: &[u8]) -> Frame<'_> {
    let mut f = Frame::default();
    let mut p = compose_prefix(line).unwrap_or(0);
    p = skip_spaces(line, p);
    if let Some((sev, after)) = pri(line, p) {
        f.level = Level::from_syslog(sev);
        p = after;
        if line.get(p) == Some(&b'1') && line.get(p + 1) == Some(&b' ') {
            // RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
            let ts_at = p + 2;
            let after_ts = match iso_time(&line[ts_at..]) {
                Some((c, len)) => {
                    f.time = Some(HeaderTime::Full(c));
                    ts_at + len
                }
                None => ts_at + token(line, ts_at).0.len(),
            };
            if rfc5424_body(line, after_ts, false, &mut f) {
                f.framed = true;
                return f;
            }
            f.time = None;
        }
        f.msg_start = p;
    }
    f.msg_start = p;
    let rest = &line[p..];
    if let Some((c, len)) = legacy_time(rest) {
        f.time = Some(HeaderTime::NoYear(c));
        f.framed = true;
        host_and_tag(line, p + len, &mut f);
    } else if let Some((c, len)) = iso_time(rest) {
        f.time = Some(HeaderTime::Full(c));
        f.framed = true;
        let mut q = skip_spaces(line, p + len);
        // rsyslog templates: `ISO facility.level [ISO] HOST APP PROCID MSGID SD MSG`.
        let (t, end) = token(line, q);
        if let Some(level) = facility_level(t) {
            f.level = Some(level);
            q = skip_spaces(line, end);
            if let Some((c2, len2)) = iso_time(&line[q.min(line.len())..]) {
                f.time = Some(HeaderTime::Full(c2));
                q += len2;
            }
            if rfc5424_body(line, q, true, &mut f) {
                return f;
            }
        }
        host_and_tag(line, q, &mut f);
    } else {
        bare_tag(line, p, &mut f);
    }
    f
}

/// A program tag with no date or host in front (`journalctl -o cat`, pasted terminal output):
/// `haproxy[3569]: MSG`, `haproxy: MSG`, or `haproxy MSG` when MSG is a stderr label or a known
/// admin message. Only tags naming HAProxy count, so other programs' lines stay unframed.
fn bare_tag<'a>(line: &'a [u8], at: usize, f: &mut Frame<'a>) {
    let (t, end) = token(line, at);
    let after = skip_spaces(line, end);
    if let Some((name, pid)) = tag_token(t) {
        if names_haproxy(name) {
            f.tag = Some(name);
            f.pid = pid;
            f.msg_start = after;
            f.framed = true;
        }
        return;
    }
    let rest = line.get(after..).unwrap_or_default();
    if after > end
        && bare_word(t)
        && names_haproxy(t)
        && (label(rest).is_some() || admin::is_known(rest))
    {
        f.tag = Some(t);
        f.msg_start = after;
    }
}

/// The stderr label at the start of `msg`.
pub(super) fn label(msg: &[u8]) -> Option<Label> {
    if msg.first() != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', &msg[1..msg.len().min(12)])? + 1;
    let level = match &msg[1..close] {
        b"ALERT" => Level::Alert,
        b"WARNING" => Level::Warn,
        b"NOTICE" => Level::Notice,
        b"DIAG" | b"INFO" => Level::Info,
        b"DEBUG" => Level::Debug,
        b"EMERG" => Level::Emerg,
        _ => return None,
    };
    let mut p = skip_spaces(msg, close + 1);
    let mut yday_time = None;
    // ≤ 2.3: `DDD/HHMMSS `.
    let d = digit_run(msg.get(p..).unwrap_or_default());
    if d == 3 && msg.get(p + 3) == Some(&b'/') {
        let t = msg.get(p + 4..p + 10)?;
        if digit_run(t) != 6 {
            return None;
        }
        let yday = crate::bytes::parse_u64(&msg[p..p + 3])? as u32;
        let secs = digits2(t)? * 3600 + digits2(&t[2..])? * 60 + digits2(&t[4..])?;
        yday_time = Some((yday, secs));
        p = skip_spaces(msg, p + 10);
    }
    if msg.get(p) != Some(&b'(') {
        return None;
    }
    let d = digit_run(msg.get(p + 1..).unwrap_or_default());
    if d == 0 || msg.get(p + 1 + d) != Some(&b')') {
        return None;
    }
    let pid = crate::bytes::parse_u64(&msg[p + 1..p + 1 + d]).and_then(|v| u32::try_from(v).ok());
    p = skip_spaces(msg, p + 2 + d);
    if msg.get(p) == Some(&b':') {
        p = skip_spaces(msg, p + 1);
    } else {
        return None;
    }
    Some(Label { level, pid, yday_time, len: p.min(msg.len()) })
}
