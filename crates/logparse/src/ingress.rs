//! The ingress-nginx controller's own log lines (klog), read from the same `kubectl logs`
//! stream as the nginx access and error logs of its pod.
//!
//! # Layout
//!
//! The controller logs through klog (`k8s.io/klog/v2`), whose header is
//!
//! ```text
//! Lmmdd hh:mm:ss.uuuuuu THREADID FILE:LINE] MESSAGE
//! ```
//!
//! `L` is the severity (`I`nfo, `W`arning, `E`rror, `F`atal), the time is local and has no
//! year, and the thread id is padded to seven columns. A real line's shape:
//!
//! ```text
//! W0412 10:02:11.120533       7 controller.go:1112] Service "shop/cart" does not have any active Endpoint.
//! ```
//!
//! # Classification
//!
//! The controller warns when a Service behind an Ingress has no ready endpoint
//! (`internal/ingress/controller/controller.go` in github:kubernetes/ingress-nginx: `Service
//! %q does not have any active Endpoint`, with `for TCP port N` for TCP/UDP services, and
//! `Upstream %q has no active Endpoint, so using custom default backend ...`): nginx then has
//! no live upstream for that service, so the line is `no_live_upstreams` with the service (or
//! the upstream's name) as [`Event::upstream_group`] and [`Event::upstream`]. Every other
//! controller line (reloads, leader election, configuration notes, its own errors) is `info`.
//!
//! # Quirks handled
//!
//! - The year comes from [`Options::year`](crate::Options); without it the time is unknown.
//!   The time is read in [`Options::tz`](crate::Options) (klog writes the pod's local time,
//!   usually UTC).
//! - A `kubectl logs --timestamps` prefix (an RFC 3339 time and a space) before the header is
//!   skipped.
//! - Structured klog messages (`"Configuration changes detected" key="value"`) are kept as
//!   written.
//! - Any program that logs through klog has this header: in this format's reading, all of
//!   them are controller lines.

use crate::bytes::{digit_run, finder, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::options::Options;
use crate::time::{Timestamp, civil_to_unix, digits2};

pub(crate) mod fields;
pub use fields::Fields;

const FORMAT: Option<Format> = Some(Format::IngressController);

/// Where the klog header was found, and what it says.
struct Header {
    level: Level,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
    thread: Option<u64>,
    /// `file.go:line`.
    source_start: usize,
    source_end: usize,
    /// Where the message starts.
    msg_start: usize,
}

/// The klog header starting at `at`, when there is one.
fn header_at(line: &[u8], at: usize) -> Option<Header> {
    let b = line.get(at..)?;
    let level = match b.first()? {
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        // klog's fatal ends the process.
        b'F' => Level::Emerg,
        _ => return None,
    };
    // `mmdd hh:mm:ss.uuuuuu`
    let t = b.get(1..21)?;
    if t[4] != b' ' || t[7] != b':' || t[10] != b':' || t[13] != b'.' || digit_run(&t[14..]) != 6 {
        return None;
    }
    let month = digits2(t)?;
    let day = digits2(&t[2..])?;
    let hour = digits2(&t[5..])?;
    let minute = digits2(&t[8..])?;
    let second = digits2(&t[11..])?;
    let micros = parse_u64(&t[14..20])? as u32;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Spaces, the thread id, a space, `file:line]`.
    let mut p = 21;
    let spaces = b[p..].iter().take_while(|&&c| c == b' ').count();
    if spaces == 0 {
        return None;
    }
    p += spaces;
    let d = digit_run(&b[p..]);
    if d == 0 || b.get(p + d) != Some(&b' ') {
        return None;
    }
    let thread = parse_u64(&b[p..p + d]);
    p += d + 1;
    let close = memchr::memchr(b']', &b[p..b.len().min(p + 120)])?;
    let source = &b[p..p + close];
    let colon = memchr::memrchr(b':', source)?;
    if colon == 0
        || digit_run(&source[colon + 1..]) != source.len() - colon - 1
        || colon + 1 == source.len()
    {
        return None;
    }
    let msg_start = at + p + close + 1 + usize::from(b.get(p + close + 1) == Some(&b' '));
    Some(Header {
        level,
        month,
        day,
        hour,
        minute,
        second,
        micros,
        thread,
        source_start: at + p,
        source_end: at + p + close,
        msg_start,
    })
}

/// The klog header of `line`: at its start, or after a `kubectl logs --timestamps` time.
fn locate_header(line: &[u8]) -> Option<Header> {
    if let Some(h) = header_at(line, 0) {
        return Some(h);
    }
    // `2024-10-21T10:41:45.462803094Z ` (RFC 3339, at most 40 bytes).
    let sp = memchr::memchr(b' ', &line[..line.len().min(40)])?;
    let first = &line[..sp];
    let rfc3339 = first.len() >= 20 && first[4] == b'-' && first[7] == b'-' && first[10] == b'T';
    if rfc3339 { header_at(line, sp + 1) } else { None }
}

/// Whether the line has a klog header (at its start or after a `kubectl logs --timestamps`
/// time).
pub fn looks_like(line: &[u8]) -> bool {
    locate_header(line).is_some()
}

/// Parses one controller line with default options (no year: the time is unknown).
///
/// ```
/// use logparse::{ingress, Class};
/// let line = b"W0412 10:02:11.120533       7 controller.go:1112] Service \"shop/cart\" does not have any active Endpoint.";
/// let ev = ingress::parse(line).unwrap();
/// assert_eq!(ev.class, Class::NoLiveUpstreams);
/// assert_eq!(ev.upstream_group, Some(&b"shop/cart"[..]));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    parse_with(line, &Options::default())
}

/// Parses one controller line.
pub fn parse_with<'a>(line: &'a [u8], opts: &Options) -> Result<Event<'a>, ParseError> {
    let line = crate::lines::strip_cr(line);
    if line.trim_ascii().is_empty() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Empty, 0));
    }
    let Some(h) = locate_header(line) else {
        return Err(ParseError::new(FORMAT, ParseErrorKind::NotRecognized, 0));
    };
    let msg = line[h.msg_start..].trim_ascii_end();
    let mut ev = Event::new(Format::IngressController, line);
    ev.level = Some(h.level);
    ev.message = msg;
    ev.time = opts.year.and_then(|year| {
        let local = civil_to_unix(year, h.month, h.day, h.hour, h.minute, h.second)?;
        let utc = opts.tz.local_to_utc(local);
        Some(Timestamp::from_unix_micros(utc * 1_000_000 + i64::from(h.micros)))
    });
    let mut fields = Fields {
        thread: h.thread,
        source: Some(&line[h.source_start..h.source_end]),
        service_port: None,
    };
    ev.class = Class::Info;
    ev.phase = Phase::None;
    if let Some((group, port)) = without_endpoints(msg) {
        ev.class = Class::NoLiveUpstreams;
        ev.phase = Phase::Connect;
        ev.upstream_group = Some(group);
        ev.upstream = Some(group);
        fields.service_port = port;
    }
    ev.fields = EventFields::IngressController(fields);
    Ok(ev)
}

/// The service (or upstream) a "no active Endpoint" warning names, and the `PROTO port N` of a
/// TCP/UDP service.
fn without_endpoints(msg: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (rest, name_end) = if let Some(rest) = msg.strip_prefix(b"Service ") {
        let at = finder!(b" does not have any active Endpoint").find(rest)?;
        (rest, at)
    } else if let Some(rest) = msg.strip_prefix(b"Upstream ") {
        let at = finder!(b" has no active Endpoint").find(rest)?;
        (rest, at)
    } else {
        return None;
    };
    let name = &rest[..name_end];
    let name = name.strip_prefix(b"\"").and_then(|n| n.strip_suffix(b"\"")).unwrap_or(name);
    if name.is_empty() || name.contains(&b' ') {
        return None;
    }
    let port = finder!(b"Endpoint for ")
        .find(&rest[name_end..])
        .map(|i| rest[name_end + i + 13..].trim_ascii_end())
        .map(|p| p.strip_suffix(b".").unwrap_or(p))
        .filter(|p| !p.is_empty());
    Some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_without_a_klog_header_is_not_recognized() {
        for line in [
            &b"W0412 10:02:11 7 controller.go:1112] x"[..],
            b"hello",
            b"I0412 10:02:11.120533 7 nofile] x",
        ] {
            assert_eq!(parse(line).unwrap_err().kind, ParseErrorKind::NotRecognized);
        }
    }

    #[test]
    fn microseconds_and_year_give_the_time() {
        let opts = Options { year: Some(2026), ..Options::default() };
        let ev = parse_with(b"E0412 10:02:11.120533      12 main.go:9] boom", &opts).unwrap();
        assert_eq!(ev.time.unwrap().to_string(), "2026-04-12T10:02:11.120533Z");
        assert_eq!(ev.level, Some(Level::Error));
        assert_eq!(ev.class, Class::Info);
        assert_eq!(ev.message, b"boom");
    }
}
