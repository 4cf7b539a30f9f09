//! Traefik: the access log (`common` and `json` formats) and the debug lines that carry the
//! cause of a 502/504.
//!
//! # Layouts
//!
//! The `common` access format (Traefik docs, "Access Logs"; spec `alb-and-more.md` §4.1):
//!
//! ```text
//! CLIENT - USER [TIME] "REQUEST" STATUS SIZE "REFERER" "UA" COUNT "ROUTER" "SERVER_URL" DURATIONms
//! ```
//!
//! Referer, user agent, router and server URL may be written without quotes (`-`, and v2.1.6
//! wrote the server URL unquoted, traefik#6481). The status is the status the client got
//! (`DownstreamStatus`); `-` means no router matched (traefik#9648), `%!d(<nil>)` is v1.4's
//! rendering of a request without backend (traefik#2112), `0` means no status was written
//! (traefik#9842).
//!
//! The `json` access format: one object per request with `ClientAddr`, `DownstreamStatus`,
//! `OriginStatus`, `Duration` (ns), `RouterName`, `ServiceName`, `ServiceURL`, `ServiceAddr`,
//! `StartUTC`, `RequestMethod`, `RequestPath`, ... (§4.1). Unknown keys are ignored; a known
//! key of the wrong type makes the line unparsed with that key as reason.
//!
//! Debug lines (§4.2): v1 and v2 log through logrus,
//! `time="2019-07-11T14:13:53Z" level=debug msg="'504 Gateway Timeout' caused by: dial tcp
//! 10.255.2.192:8080: i/o timeout"`, v1 also writes oxy's `Round trip: URL, code: 502, ...`
//! line; logrus's JSON formatter writes the same keys as an object. v3 logs through zerolog:
//! `2024-05-01T10:00:00Z DBG proxy.go:113 > 502 Bad Gateway error="dial tcp ..."` on the
//! console, `{"level":"debug","error":"...","message":"502 Bad Gateway",...}` as JSON. (No v3
//! line was captured from a real log: that shape follows zerolog's documented console and
//! JSON writers.)
//!
//! # Classification
//!
//! | line | class |
//! |---|---|
//! | status `-`, `%!d(<nil>)`, or a 404 without router | `proxy_error` (no route) |
//! | status `0` or `499` | `client_abort` |
//! | JSON `OriginStatus` 0 (never proxied) and status >= 500 | `proxy_error`; `no_live_upstreams` for a 503 without `ServiceURL` |
//! | `common` 503 without server URL | `no_live_upstreams` |
//! | 502 / 504 from the server (JSON `OriginStatus`, `common` status with a server URL) | `gateway_error`: the access log has no cause (traefik#12011) |
//! | other 5xx with a server | `upstream_5xx` |
//! | anything else | `ok` |
//! | debug `'NNN ...' caused by: ERR`, zerolog `error=ERR` | the class of the Go error ([`crate::goerr`]); `gateway_error` when unknown |
//! | oxy `Round trip: URL, code: NNN` | 502/504: `gateway_error`; other 5xx: `upstream_5xx`; else `ok` |
//! | other debug and info lines | `info` |
//!
//! A 502 access line names its server; the debug line of the same failure names the peer in
//! its Go error: [`Event::upstream`] holds the same `host:port` in both, so a consumer can
//! pair them by (second, upstream) ([`crate::pair`]).
//!
//! # Event fields
//!
//! `upstream` is the server (`ServiceAddr`, or the host and port of the server URL, or the
//! peer of the Go error); `upstream_group` is `ServiceName` (JSON only); `server` is the
//! router; `client`, `host` (JSON `RequestHost`) and `request` (`common`) as written.

use crate::bytes::{finder, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::json::{self, Raw};
use crate::time::Timestamp;

pub(crate) mod fields;
pub use fields::{Fields, Shape};

const FORMAT: Format = Format::Traefik;

fn err(kind: ParseErrorKind, offset: usize) -> ParseError {
    ParseError::new(Some(FORMAT), kind, offset)
}

/// Parses one Traefik line: an access-log line (`common` or `json`) or a log line.
///
/// ```
/// use logparse::{traefik, Class};
/// let line = br#"level=debug msg="'502 Bad Gateway' caused by: dial tcp 10.244.0.146:5000: connect: connection refused""#;
/// let ev = traefik::parse(line).unwrap();
/// assert_eq!(ev.class, Class::ConnectRefused);
/// assert_eq!(ev.upstream, Some(&b"10.244.0.146:5000"[..]));
/// assert_eq!(ev.status, Some(502));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = crate::lines::strip_cr(line);
    let line = trim_end(line);
    let body = json::after_stamp(line);
    let skipped = line.len() - body.len();
    let mut ev = parse_body(body).map_err(|mut e| {
        e.offset += skipped;
        e
    })?;
    ev.raw = line;
    Ok(ev)
}

/// Parses a line without its collector's time.
fn parse_body(line: &[u8]) -> Result<Event<'_>, ParseError> {
    if line.trim_ascii().is_empty() {
        return Err(err(ParseErrorKind::Empty, 0));
    }
    if let Some(obj) = json::object(line) {
        // Another program's JSON is not read at all (and costs no `serde_json` error).
        if !looks_like_json(obj) {
            return Err(err(ParseErrorKind::NotRecognized, 0));
        }
        return parse_json(line, obj);
    }
    if let Some(ev) = parse_clf(line)? {
        return Ok(ev);
    }
    if let Some(ev) = parse_logrus(line) {
        return Ok(ev);
    }
    if let Some(ev) = parse_zerolog(line) {
        return Ok(ev);
    }
    Err(err(ParseErrorKind::NotRecognized, 0))
}

fn trim_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &line[..end]
}

/// Whether the line looks like one of Traefik's: a `common` access line (CLF followed by
/// request count, router, server URL and `<N>ms`), a JSON access line (`DownstreamStatus`,
/// `OriginStatus` or `RouterName` keys), or a debug line with a cause (`caused by: `, oxy's
/// `Round trip: `, a zerolog line whose message is a status).
pub fn looks_like(line: &[u8]) -> bool {
    let line = json::after_stamp(trim_end(crate::lines::strip_cr(line)));
    if let Some(obj) = json::object(line) {
        return looks_like_json(obj);
    }
    if let Some(t) = clf_tail(line) {
        return crate::nginx::access::parse_time_local(t.time).is_some();
    }
    if line.starts_with(b"time=\"") || line.starts_with(b"level=") {
        return logrus_msg(line).is_some_and(|m| {
            finder!(b"' caused by: ").find(m).is_some() || m.starts_with(b"vulcand/oxy/")
        });
    }
    zerolog_header(line).is_some_and(|(_, _, msg)| status_prefix(msg).is_some())
}

fn looks_like_json(obj: &[u8]) -> bool {
    let head = &obj[..obj.len().min(4096)];
    if finder!(b"\"DownstreamStatus\":").find(obj).is_some()
        || finder!(b"\"OriginStatus\":").find(obj).is_some()
        || finder!(b"\"RouterName\":").find(head).is_some()
    {
        return true;
    }
    finder!(b"\"level\":").find(head).is_some()
        && finder!(b"\"logger\":").find(head).is_none()
        && (finder!(b"' caused by: ").find(obj).is_some()
            || finder!(b"\"message\":\"").find(obj).is_some_and(|i| {
                status_prefix(&obj[i + 11..]).is_some()
                    && finder!(b"\"error\":").find(obj).is_some()
            }))
}

/// `NNN Reason` at the start of a message: the status.
fn status_prefix(msg: &[u8]) -> Option<u16> {
    let d = msg.get(..4)?;
    if d[..3].iter().all(u8::is_ascii_digit) && d[3] == b' ' && (b'1'..=b'5').contains(&d[0]) {
        parse_u64(&d[..3]).map(|n| n as u16)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// common (CLF)

/// One token of the `common` tail: a quoted string (without its quotes) or a bare word.
fn token<'a>(b: &'a [u8], p: &mut usize) -> Option<&'a [u8]> {
    while b.get(*p) == Some(&b' ') {
        *p += 1;
    }
    let start = *p;
    if start >= b.len() {
        return None;
    }
    if b[start] == b'"' {
        let mut i = start + 1;
        loop {
            let q = i + memchr::memchr(b'"', b.get(i..)?)?;
            let backslashes = b[start + 1..q].iter().rev().take_while(|&&c| c == b'\\').count();
            if backslashes % 2 == 0 {
                *p = q + 1;
                if *p < b.len() && b[*p] != b' ' {
                    return None;
                }
                return Some(&b[start + 1..q]);
            }
            i = q + 1;
        }
    }
    let end = memchr::memchr(b' ', &b[start..]).map_or(b.len(), |i| start + i);
    *p = end;
    Some(&b[start..end])
}

/// The parts of a `common` line after the CLF head.
struct ClfTail<'a> {
    client: &'a [u8],
    user: &'a [u8],
    time: &'a [u8],
    request: &'a [u8],
    status: &'a [u8],
    size: &'a [u8],
    referer: &'a [u8],
    user_agent: &'a [u8],
    count: &'a [u8],
    router: &'a [u8],
    url: &'a [u8],
    duration_ms: &'a [u8],
}

/// Splits a `common` line; `None` unless it has all twelve parts and ends in `<N>ms`.
fn clf_tail(line: &[u8]) -> Option<ClfTail<'_>> {
    // `CLIENT - USER [`: the client may be redacted with spaces (`{IP address hidden}`).
    let open = memchr::memchr(b'[', &line[..line.len().min(400)])?;
    let head = line[..open].strip_suffix(b" ")?;
    let dash_at =
        finder!(b" - ").find(head).or_else(|| head.ends_with(b" -").then(|| head.len() - 2))?;
    let client = &head[..dash_at];
    let user = head.get(dash_at + 3..).unwrap_or(b"-");
    if client.is_empty() || !line.get(open + 27..)?.starts_with(b"] \"") {
        return None;
    }
    let time = line.get(open + 1..open + 27)?;
    let mut p = open + 28;
    let request = token(line, &mut p)?;
    let status = token(line, &mut p)?;
    let size = token(line, &mut p)?;
    let referer = token(line, &mut p)?;
    let user_agent = token(line, &mut p)?;
    let count = token(line, &mut p)?;
    let router = token(line, &mut p)?;
    let url = token(line, &mut p)?;
    let duration = token(line, &mut p)?;
    if p != line.len() {
        return None;
    }
    let duration_ms = duration.strip_suffix(b"ms")?;
    if parse_u64(duration_ms).is_none() || parse_u64(count).is_none() {
        return None;
    }
    Some(ClfTail {
        client,
        user,
        time,
        request,
        status,
        size,
        referer,
        user_agent,
        count,
        router,
        url,
        duration_ms,
    })
}

fn dash(v: &[u8]) -> Option<&[u8]> {
    (!v.is_empty() && v != b"-").then_some(v)
}

/// The `host:port` of a server URL (`http://10.46.0.57:80/` gives `10.46.0.57:80`).
fn url_authority(url: &[u8]) -> Option<&[u8]> {
    let rest = match finder!(b"://").find(url) {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let end = rest.iter().position(|c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    dash(&rest[..end])
}

fn parse_clf(line: &[u8]) -> Result<Option<Event<'_>>, ParseError> {
    let Some(t) = clf_tail(line) else {
        return Ok(None);
    };
    let mut ev = Event::new(FORMAT, line);
    ev.time = crate::nginx::access::parse_time_local(t.time);
    if ev.time.is_none() {
        return Err(err(ParseErrorKind::InvalidField("time"), 0));
    }
    // Traefik writes the peer's IP (`ClientHost`); other text is no client.
    ev.client = dash(t.client).and_then(crate::bytes::ip_shaped);
    let remote_user = dash(t.user);
    ev.request = dash(t.request);
    ev.host = crate::aws::request_host(t.request);
    let router = dash(t.router);
    let url = dash(t.url);
    ev.server = router;
    ev.upstream = url.and_then(url_authority);
    let nil_status = t.status == b"%!d(<nil>)";
    let status = match t.status {
        b"-" => None,
        s if nil_status || s.is_empty() => None,
        s => Some(
            crate::aws::parse_status(s)
                .ok_or_else(|| err(ParseErrorKind::InvalidField("status"), 0))?,
        ),
    };
    ev.status = status;
    let duration_ns = parse_u64(t.duration_ms).and_then(|ms| ms.checked_mul(1_000_000));
    let (class, phase) = access_class(status, router.is_some(), url.is_some(), None);
    ev.class = class;
    ev.phase = phase;
    ev.fields = EventFields::Traefik(Fields {
        shape: Shape::Clf,
        router_name: router,
        service_url: url,
        downstream_status: status,
        duration_ns,
        request_count: parse_u64(t.count),
        downstream_content_size: parse_u64(t.size),
        remote_user,
        referer: dash(t.referer),
        user_agent: dash(t.user_agent),
        nil_status,
        ..Fields::default()
    });
    Ok(Some(ev))
}

/// The class of an access line. `origin` is the JSON `OriginStatus` (`Some(0)` when the
/// request was never proxied); the `common` format has none.
fn access_class(
    status: Option<u16>,
    router: bool,
    server: bool,
    origin: Option<u16>,
) -> (Class, Phase) {
    let Some(s) = status else { return (Class::ProxyError, Phase::None) };
    if s == 0 || s == 499 {
        return (Class::ClientAbort, Phase::None);
    }
    if s == 404 && !router {
        return (Class::ProxyError, Phase::None);
    }
    let proxied = match origin {
        Some(o) => o != 0,
        None => server,
    };
    let from_server = origin.filter(|&o| o != 0).unwrap_or(s);
    match from_server {
        _ if !proxied && s == 503 && !server => (Class::NoLiveUpstreams, Phase::Connect),
        _ if !proxied && s >= 500 => (Class::ProxyError, Phase::None),
        502 | 504 => (Class::GatewayError, Phase::None),
        s if s >= 500 => (Class::Upstream5xx, Phase::None),
        _ => (Class::Ok, Phase::None),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The keys read from a Traefik JSON line (access log, logrus or zerolog JSON), each as
/// written; the last of a repeated key wins, as in Go's decoder.
#[derive(Default)]
struct Json<'a> {
    /// `ClientAddr`.
    client_addr: Raw<'a>,
    /// `DownstreamStatus`.
    downstream_status: Raw<'a>,
    /// `DownstreamContentSize`.
    downstream_content_size: Raw<'a>,
    /// `OriginStatus`.
    origin_status: Raw<'a>,
    /// `Duration`.
    duration: Raw<'a>,
    /// `OriginDuration`.
    origin_duration: Raw<'a>,
    /// `RequestCount`.
    request_count: Raw<'a>,
    /// `RetryAttempts`.
    retry_attempts: Raw<'a>,
    /// `RequestHost`.
    request_host: Raw<'a>,
    /// `RequestMethod`.
    request_method: Raw<'a>,
    /// `RequestPath`.
    request_path: Raw<'a>,
    /// `RequestProtocol`.
    request_protocol: Raw<'a>,
    /// `RouterName`.
    router_name: Raw<'a>,
    /// `ServiceName`.
    service_name: Raw<'a>,
    /// `ServiceURL`.
    service_url: Raw<'a>,
    /// `ServiceAddr`.
    service_addr: Raw<'a>,
    /// `StartUTC`.
    start_utc: Raw<'a>,
    /// `entryPointName`.
    entry_point_name: Raw<'a>,
    /// `request_User-Agent`.
    user_agent: Raw<'a>,
    /// `ClientUsername`.
    client_username: Raw<'a>,
    /// `level`.
    level: Raw<'a>,
    /// `msg`.
    msg: Raw<'a>,
    /// `message`.
    message: Raw<'a>,
    /// `error`.
    error: Raw<'a>,
    /// `time`.
    time: Raw<'a>,
}

impl<'a> Json<'a> {
    fn read(obj: &'a [u8]) -> Result<Json<'a>, json::SyntaxError> {
        let mut j = Json::default();
        let mut m = json::Members::new(obj);
        while let Some((k, v)) = m.next_member()? {
            let slot = match k {
                b"ClientAddr" => &mut j.client_addr,
                b"DownstreamStatus" => &mut j.downstream_status,
                b"DownstreamContentSize" => &mut j.downstream_content_size,
                b"OriginStatus" => &mut j.origin_status,
                b"Duration" => &mut j.duration,
                b"OriginDuration" => &mut j.origin_duration,
                b"RequestCount" => &mut j.request_count,
                b"RetryAttempts" => &mut j.retry_attempts,
                b"RequestHost" => &mut j.request_host,
                b"RequestMethod" => &mut j.request_method,
                b"RequestPath" => &mut j.request_path,
                b"RequestProtocol" => &mut j.request_protocol,
                b"RouterName" => &mut j.router_name,
                b"ServiceName" => &mut j.service_name,
                b"ServiceURL" => &mut j.service_url,
                b"ServiceAddr" => &mut j.service_addr,
                b"StartUTC" => &mut j.start_utc,
                b"entryPointName" => &mut j.entry_point_name,
                b"request_User-Agent" => &mut j.user_agent,
                b"ClientUsername" => &mut j.client_username,
                b"level" => &mut j.level,
                b"msg" => &mut j.msg,
                b"message" => &mut j.message,
                b"error" => &mut j.error,
                b"time" => &mut j.time,
                _ => continue,
            };
            *slot = Some(v);
        }
        Ok(j)
    }
}

fn parse_json<'a>(line: &'a [u8], obj: &'a [u8]) -> Result<Event<'a>, ParseError> {
    let base = obj.as_ptr() as usize - line.as_ptr() as usize;
    let j = Json::read(obj).map_err(|e| json::syntax(FORMAT, base + e.0))?;
    let s = |k, v| json::string_set(FORMAT, k, v);
    let time = s("time", j.time)?;
    let level = s("level", j.level)?;
    let mut ev = Event::new(FORMAT, line);
    ev.level = level.and_then(Level::from_name);
    let access = j.downstream_status.is_some()
        || j.origin_status.is_some()
        || j.router_name.is_some()
        || j.service_url.is_some();
    if !access {
        let msg = s("msg", j.msg)?.or(s("message", j.message)?);
        let error = s("error", j.error)?;
        ev.time = time.and_then(json::rfc3339);
        ev.message = msg.unwrap_or_default();
        let (shape, cause, status) = match (msg, error) {
            (Some(m), Some(e)) => (Shape::Zerolog, Some(e), status_prefix(m)),
            (Some(m), None) => match caused_by(m) {
                Some((status, cause)) => (Shape::Logrus, Some(cause), Some(status)),
                None => (Shape::Logrus, None, None),
            },
            _ => return Err(err(ParseErrorKind::MissingField("msg"), 0)),
        };
        let mut fields = Fields { shape, ..Fields::default() };
        if let Some(cause) = cause {
            apply_cause(&mut ev, &mut fields, status, cause);
        } else if let Some(r) = round_trip(ev.message) {
            apply_round_trip(&mut ev, &mut fields, r);
        }
        ev.fields = EventFields::Traefik(fields);
        return Ok(ev);
    }
    let downstream = json::status(FORMAT, "DownstreamStatus", j.downstream_status)?;
    let origin = json::status(FORMAT, "OriginStatus", j.origin_status)?;
    let router = s("RouterName", j.router_name)?;
    let url = match j.service_url {
        // v2.3 wrote the URL as an object (traefik#7681): keep none rather than fail.
        Some(v) if v.starts_with(b"{") => None,
        v => s("ServiceURL", v)?,
    };
    let addr = s("ServiceAddr", j.service_addr)?;
    let start = s("StartUTC", j.start_utc)?;
    ev.time = start.or(time).and_then(json::rfc3339);
    ev.status = downstream;
    ev.client = s("ClientAddr", j.client_addr)?.and_then(crate::bytes::ip_shaped);
    let remote_user = s("ClientUsername", j.client_username)?;
    ev.host = s("RequestHost", j.request_host)?;
    ev.server = router;
    ev.upstream = addr.or(url.and_then(url_authority));
    ev.upstream_group = s("ServiceName", j.service_name)?;
    let (class, phase) =
        access_class(downstream, router.is_some(), url.is_some(), origin.or(Some(0)));
    ev.class = class;
    ev.phase = phase;
    let u = |k, v| json::uint(FORMAT, k, v);
    ev.fields = EventFields::Traefik(Fields {
        shape: Shape::Json,
        router_name: router,
        service_name: ev.upstream_group,
        service_url: url,
        origin_status: origin,
        downstream_status: downstream,
        duration_ns: u("Duration", j.duration)?,
        origin_duration_ns: u("OriginDuration", j.origin_duration)?,
        request_count: u("RequestCount", j.request_count)?,
        retry_attempts: u("RetryAttempts", j.retry_attempts)?,
        downstream_content_size: u("DownstreamContentSize", j.downstream_content_size)?,
        entry_point_name: s("entryPointName", j.entry_point_name)?,
        request_method: s("RequestMethod", j.request_method)?,
        request_path: s("RequestPath", j.request_path)?,
        request_protocol: s("RequestProtocol", j.request_protocol)?,
        user_agent: s("request_User-Agent", j.user_agent)?,
        remote_user,
        ..Fields::default()
    });
    Ok(ev)
}

// ---------------------------------------------------------------------------------------------
// Debug lines

/// `'502 Bad Gateway' caused by: ERR`: the status and the error.
fn caused_by(msg: &[u8]) -> Option<(u16, &[u8])> {
    let at = finder!(b"' caused by: ").find(msg)?;
    let quoted = msg[..at].strip_prefix(b"'")?;
    let status = status_prefix(quoted)?;
    Some((status, &msg[at + 13..]))
}

/// What oxy's `Round trip: URL, code: NNN, ...` line says.
struct RoundTrip<'a> {
    url: &'a [u8],
    code: u16,
}

fn round_trip(msg: &[u8]) -> Option<RoundTrip<'_>> {
    let at = finder!(b"Round trip: ").find(msg)?;
    let rest = &msg[at + 12..];
    let comma = finder!(b", code: ").find(rest)?;
    let url = &rest[..comma];
    let code = &rest[comma + 8..];
    let n = crate::bytes::digit_run(code);
    let code = parse_u64(&code[..n]).filter(|&c| c <= 999)? as u16;
    Some(RoundTrip { url, code })
}

fn apply_round_trip<'a>(ev: &mut Event<'a>, fields: &mut Fields<'a>, r: RoundTrip<'a>) {
    ev.status = Some(r.code);
    ev.upstream = url_authority(r.url);
    fields.service_url = dash(r.url);
    fields.downstream_status = Some(r.code);
    (ev.class, ev.phase) = match r.code {
        502 | 504 => (Class::GatewayError, Phase::None),
        c if c >= 500 => (Class::Upstream5xx, Phase::None),
        _ => (Class::Ok, Phase::None),
    };
}

fn apply_cause<'a>(
    ev: &mut Event<'a>,
    fields: &mut Fields<'a>,
    status: Option<u16>,
    cause: &'a [u8],
) {
    ev.status = status;
    fields.cause = Some(cause);
    fields.downstream_status = status;
    match crate::goerr::classify(cause) {
        Some(c) => {
            ev.class = c.class;
            ev.phase = c.phase;
            ev.upstream = c.peer;
        }
        None if matches!(status, Some(502 | 504)) => {
            ev.class = Class::GatewayError;
            ev.unrecognized = Some(cause);
        }
        None => {
            ev.class =
                if status.is_some_and(|s| s >= 500) { Class::ProxyError } else { Class::Info };
            ev.unrecognized = Some(cause);
        }
    }
}

/// The message of a logrus text line: the value of `msg=`, quoted or bare.
fn logrus_msg(line: &[u8]) -> Option<&[u8]> {
    let at = finder!(b"msg=").find(line)?;
    if at > 0 && line[at - 1] != b' ' {
        return None;
    }
    let mut p = at + 4;
    logfmt_value(line, &mut p)
}

/// A logfmt value at `p` (quoted with Go's escapes, or bare up to a space).
fn logfmt_value<'a>(line: &'a [u8], p: &mut usize) -> Option<&'a [u8]> {
    if line.get(*p) == Some(&b'"') {
        let start = *p + 1;
        let mut i = start;
        loop {
            let q = i + memchr::memchr(b'"', line.get(i..)?)?;
            if line[start..q].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0 {
                *p = q + 1;
                return Some(&line[start..q]);
            }
            i = q + 1;
        }
    }
    let rest = line.get(*p..)?;
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    *p += end;
    Some(&rest[..end])
}

/// A logfmt key's value anywhere in the line (`key=` at the start or after a space).
fn logfmt_get<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&line[from..], key) {
        let at = from + i;
        if (at == 0 || line[at - 1] == b' ') && line.get(at + key.len()) == Some(&b'=') {
            let mut p = at + key.len() + 1;
            return logfmt_value(line, &mut p);
        }
        from = at + 1;
    }
    None
}

fn parse_logrus(line: &[u8]) -> Option<Event<'_>> {
    if !(line.starts_with(b"time=\"") || line.starts_with(b"level=")) {
        return None;
    }
    let msg = logrus_msg(line)?;
    let mut ev = Event::new(FORMAT, line);
    ev.time = logfmt_get(line, b"time").and_then(json::rfc3339);
    ev.level = logfmt_get(line, b"level").and_then(Level::from_name);
    ev.message = msg;
    let mut fields = Fields { shape: Shape::Logrus, ..Fields::default() };
    if let Some((status, cause)) = caused_by(msg) {
        apply_cause(&mut ev, &mut fields, Some(status), cause);
    } else if let Some(r) = round_trip(msg) {
        apply_round_trip(&mut ev, &mut fields, r);
    }
    ev.fields = EventFields::Traefik(fields);
    Some(ev)
}

/// A zerolog console header: the time, the level, and the message after the optional
/// `caller >`.
fn zerolog_header(line: &[u8]) -> Option<(Option<Timestamp>, Level, &[u8])> {
    let sp = memchr::memchr(b' ', &line[..line.len().min(48)])?;
    let time = &line[..sp];
    if !crate::aws::looks_like_time(time) {
        return None;
    }
    let lvl = line.get(sp + 1..sp + 5)?;
    let level = match &lvl[..3] {
        b"TRC" | b"DBG" => Level::Debug,
        b"INF" => Level::Info,
        b"WRN" => Level::Warn,
        b"ERR" => Level::Error,
        b"FTL" | b"PNC" => Level::Emerg,
        _ => return None,
    };
    if lvl[3] != b' ' {
        return None;
    }
    let mut rest = &line[sp + 5..];
    // `caller > ` (a Go file and line) before the message.
    if let Some(gt) = finder!(b" > ").find(&rest[..rest.len().min(300)]) {
        if !rest[..gt].contains(&b' ') && rest[..gt].contains(&b':') {
            rest = &rest[gt + 3..];
        }
    }
    Some((json::rfc3339(time), level, rest))
}

fn parse_zerolog(line: &[u8]) -> Option<Event<'_>> {
    let (time, level, rest) = zerolog_header(line)?;
    let mut ev = Event::new(FORMAT, line);
    ev.time = time;
    ev.level = Some(level);
    let err_at = finder!(b" error=").find(rest);
    ev.message = err_at.map_or(rest, |i| &rest[..i]);
    let mut fields = Fields { shape: Shape::Zerolog, ..Fields::default() };
    let status = status_prefix(ev.message);
    if let Some(i) = err_at {
        let mut p = i + 7;
        if let Some(cause) = logfmt_value(rest, &mut p) {
            apply_cause(&mut ev, &mut fields, status, cause);
        }
    }
    ev.fields = EventFields::Traefik(fields);
    Some(ev)
}

#[cfg(test)]
mod tests;
