//! Caddy: the v2 JSON logs (access, error and reverse-proxy loggers), the v2 `common_log`
//! and the v0/v1 text error line.
//!
//! # Layouts
//!
//! Caddy v2 logs through zap, one JSON object per line with `level`, `ts` (Unix seconds as a
//! float, or a string when `time_format` is set), `logger` and `msg` (spec `alb-and-more.md`
//! §5.1):
//!
//! - `http.log.access[.NAME]`: one line per request, `msg` `handled request`, with `status`,
//!   `size`, `duration` (seconds) and `request{remote_ip,client_ip,proto,method,host,uri}`.
//! - `http.log.error[.NAME]`: one line per handler error, `msg` the Go error
//!   (`dial tcp 127.0.0.1:8080: connect: connection refused`), with `status`, `err_id` and
//!   `err_trace`.
//! - `http.handlers.reverse_proxy` (debug): `selected upstream`, `upstream roundtrip` (with
//!   `upstream`, `duration`, the upstream's `status`, or an `error`).
//!
//! 2020-era builds also wrote a `common_log` string; configured as a `single_field` or
//! `common` encoder it is CLF without referer and user agent:
//! `172.17.0.1 - - [23/Jun/2020:11:31:11 +0000] "GET /api/events/stream HTTP/2.0" 0 0`.
//! Caddy v0/v1 wrote text error lines:
//! `29/Jan/2016:15:18:59 +0100 [ERROR 502 /index.php] dial tcp 127.0.0.1:9000: connection refused`.
//!
//! Unknown keys are ignored; a known key of the wrong type makes the line unparsed with that
//! key as reason.
//!
//! # Classification
//!
//! By the Go error, not by the status: dial timeouts were logged as 502 for years (§5.2).
//!
//! | line | class |
//! |---|---|
//! | error log, reverse-proxy `error`, v1 error line | the class of the Go error ([`crate::goerr`]); unknown: `gateway_error` for 502/504, `client_error` below 500, `proxy_error` otherwise |
//! | access or `common` status `0` or `499` | `client_abort` |
//! | access or `common` 502/504 | `gateway_error` (the access line has no cause) |
//! | access or `common` other 5xx, reverse-proxy `upstream roundtrip` 5xx | `upstream_5xx` |
//! | other access, `common` and round-trip lines | `ok` |
//! | other loggers and messages | `info` |
//!
//! # Event fields
//!
//! `upstream` is the reverse-proxy line's `upstream` or the peer of the Go error;
//! `upstream_group` is never set (Caddy's logs do not name the upstream pool); `client` is
//! `request.remote_ip` (with `remote_port`, when written, in [`Fields`]), `host` and `request`
//! (`common` and v1 only) as written.

use crate::bytes::{finder, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::json::{self, Raw};
use crate::time::Timestamp;

pub(crate) mod fields;
pub use fields::{Fields, Shape};

const FORMAT: Format = Format::Caddy;

fn err(kind: ParseErrorKind, offset: usize) -> ParseError {
    ParseError::new(Some(FORMAT), kind, offset)
}

fn s<'a>(key: &'static str, v: Raw<'a>) -> Result<Option<&'a [u8]>, ParseError> {
    json::string_set(FORMAT, key, v)
}

/// Parses one Caddy line.
///
/// ```
/// use logparse::{caddy, Class};
/// let line = br#"{"level":"error","ts":1740659996.97,"logger":"http.log.error","msg":"dial tcp 10.10.79.117:8080: i/o timeout","request":{"remote_ip":"192.168.52.4","method":"GET","host":"a","uri":"/"},"duration":3.0,"status":502}"#;
/// let ev = caddy::parse(line).unwrap();
/// assert_eq!(ev.class, Class::ConnectTimeout);
/// assert_eq!(ev.upstream, Some(&b"10.10.79.117:8080"[..]));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = crate::lines::strip_cr(line);
    let line = line.trim_ascii_end();
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
    if let Some(ev) = parse_common(line) {
        return Ok(ev);
    }
    if let Some(ev) = parse_v1(line) {
        return Ok(ev);
    }
    Err(err(ParseErrorKind::NotRecognized, 0))
}

/// Whether the line looks like one of Caddy's: a zap JSON object (`"logger":` and `"ts":`
/// keys), a v1 error line, or a `common_log` line (`CLF "REQUEST" STATUS SIZE` and nothing
/// after) with status `0`, which nginx never writes: other bare CLF lines are taken for
/// nginx's (give `--format caddy` for them).
pub fn looks_like(line: &[u8]) -> bool {
    let line = json::after_stamp(crate::lines::strip_cr(line).trim_ascii_end());
    if let Some(obj) = json::object(line) {
        return looks_like_json(obj);
    }
    v1_header(line).is_some() || common_tail(line).is_some_and(|(_, status, _)| status == b"0")
}

// ---------------------------------------------------------------------------------------------
// JSON

/// zap's `logger` and `ts` keys near the start of the object.
fn looks_like_json(obj: &[u8]) -> bool {
    let head = &obj[..obj.len().min(512)];
    finder!(b"\"logger\":\"").find(head).is_some() && finder!(b"\"ts\":").find(head).is_some()
}

/// The keys read from `request`, each as written.
#[derive(Default)]
struct Request<'a> {
    remote_ip: Raw<'a>,
    remote_addr: Raw<'a>,
    client_ip: Raw<'a>,
    proto: Raw<'a>,
    method: Raw<'a>,
    host: Raw<'a>,
    uri: Raw<'a>,
}

impl<'a> Request<'a> {
    fn read(mut m: json::Members<'a>) -> Result<Request<'a>, json::SyntaxError> {
        let mut j = Request::default();
        while let Some((k, v)) = m.next_member()? {
            let slot = match k {
                b"remote_ip" => &mut j.remote_ip,
                b"remote_addr" => &mut j.remote_addr,
                b"client_ip" => &mut j.client_ip,
                b"proto" => &mut j.proto,
                b"method" => &mut j.method,
                b"host" => &mut j.host,
                b"uri" => &mut j.uri,
                _ => continue,
            };
            *slot = Some(v);
        }
        Ok(j)
    }
}

/// The keys read from a Caddy JSON line, each as written; the last of a repeated key wins.
#[derive(Default)]
struct Json<'a> {
    level: Raw<'a>,
    ts: Raw<'a>,
    logger: Raw<'a>,
    msg: Raw<'a>,
    request: Raw<'a>,
    duration: Raw<'a>,
    size: Raw<'a>,
    status: Raw<'a>,
    upstream: Raw<'a>,
    error: Raw<'a>,
    err_id: Raw<'a>,
    err_trace: Raw<'a>,
}

impl<'a> Json<'a> {
    fn read(mut m: json::Members<'a>) -> Result<Json<'a>, json::SyntaxError> {
        let mut j = Json::default();
        while let Some((k, v)) = m.next_member()? {
            let slot = match k {
                b"level" => &mut j.level,
                b"ts" => &mut j.ts,
                b"logger" => &mut j.logger,
                b"msg" => &mut j.msg,
                b"request" => &mut j.request,
                b"duration" => &mut j.duration,
                b"size" => &mut j.size,
                b"status" => &mut j.status,
                b"upstream" => &mut j.upstream,
                b"error" => &mut j.error,
                b"err_id" => &mut j.err_id,
                b"err_trace" => &mut j.err_trace,
                _ => continue,
            };
            *slot = Some(v);
        }
        Ok(j)
    }
}

fn ts_of(v: Raw<'_>) -> Result<Option<Timestamp>, ParseError> {
    match v {
        Some(raw) if raw.starts_with(b"\"") => Ok(s("ts", v)?.and_then(json::rfc3339)),
        _ => Ok(json::float(FORMAT, "ts", v)?
            .filter(|t| t.is_finite() && t.abs() < 1e12)
            .map(|t| Timestamp::from_unix_micros((t * 1e6).round() as i64))),
    }
}

fn parse_json<'a>(line: &'a [u8], obj: &'a [u8]) -> Result<Event<'a>, ParseError> {
    let base = obj.as_ptr() as usize - line.as_ptr() as usize;
    let j = Json::read(json::Members::new(obj)).map_err(|e| json::syntax(FORMAT, base + e.0))?;
    let request = match j.request {
        None | Some(b"null") => None,
        Some(v) => {
            let m = json::nested(v).ok_or_else(|| json::wrong(FORMAT, "request"))?;
            let at = base + (v.as_ptr() as usize - obj.as_ptr() as usize);
            Some(Request::read(m).map_err(|e| json::syntax(FORMAT, at + e.0))?)
        }
    };
    let mut ev = Event::new(FORMAT, line);
    ev.time = ts_of(j.ts)?;
    ev.level = s("level", j.level)?.and_then(Level::from_name);
    let logger = s("logger", j.logger)?;
    ev.message = s("msg", j.msg)?.unwrap_or_default();
    let status = json::status(FORMAT, "status", j.status)?;
    ev.status = status;
    let duration_us = json::float(FORMAT, "duration", j.duration)?
        .filter(|d| d.is_finite() && *d >= 0.0 && *d < 1e12)
        .map(|d| (d * 1e6).round() as u64);
    let mut fields = Fields {
        logger,
        duration_us,
        size: json::uint(FORMAT, "size", j.size)?,
        error: s("error", j.error)?,
        err_id: s("err_id", j.err_id)?,
        err_trace: s("err_trace", j.err_trace)?,
        ..Fields::default()
    };
    if let Some(r) = &request {
        fields.remote_ip =
            s("request.remote_ip", r.remote_ip)?.or(s("request.remote_addr", r.remote_addr)?);
        fields.client_ip = s("request.client_ip", r.client_ip)?;
        fields.proto = s("request.proto", r.proto)?;
        fields.method = s("request.method", r.method)?;
        fields.uri = s("request.uri", r.uri)?;
        ev.host = s("request.host", r.host)?;
        ev.client = fields.remote_ip.and_then(crate::bytes::ip_shaped);
    }
    let logger_name = logger.unwrap_or_default();
    let upstream = s("upstream", j.upstream)?;
    if logger_name.starts_with(b"http.log.error") {
        fields.shape = Shape::Error;
        let msg = ev.message;
        classify_error(&mut ev, msg, status);
    } else if logger_name.starts_with(b"http.log.access") {
        fields.shape = Shape::Access;
        (ev.class, ev.phase) = access_class(status);
    } else if logger_name.starts_with(b"http.handlers.reverse_proxy") {
        fields.shape = Shape::ReverseProxy;
        if let Some(e) = fields.error {
            classify_error(&mut ev, e, status.or(Some(502)));
            ev.status = status;
        } else if ev.message == b"upstream roundtrip" {
            (ev.class, ev.phase) = match status {
                Some(s) if s >= 500 => (Class::Upstream5xx, Phase::None),
                Some(_) => (Class::Ok, Phase::None),
                None => (Class::Info, Phase::None),
            };
        }
        if upstream.is_some() {
            ev.upstream = upstream;
        }
    } else {
        fields.shape = Shape::Other;
    }
    ev.fields = EventFields::Caddy(fields);
    Ok(ev)
}

fn access_class(status: Option<u16>) -> (Class, Phase) {
    match status {
        None => (Class::Info, Phase::None),
        Some(0 | 499) => (Class::ClientAbort, Phase::None),
        Some(502 | 504) => (Class::GatewayError, Phase::None),
        Some(s) if s >= 500 => (Class::Upstream5xx, Phase::None),
        Some(_) => (Class::Ok, Phase::None),
    }
}

/// The class of an error message, by the Go error first and the status when it is unknown.
fn classify_error<'a>(ev: &mut Event<'a>, msg: &'a [u8], status: Option<u16>) {
    match crate::goerr::classify(msg) {
        Some(c) => {
            ev.class = c.class;
            ev.phase = c.phase;
            ev.upstream = c.peer;
        }
        None => {
            ev.unrecognized = Some(msg);
            ev.class = match status {
                Some(502 | 504) => Class::GatewayError,
                Some(s) if s < 500 => Class::ClientError,
                _ => Class::ProxyError,
            };
        }
    }
}

// ---------------------------------------------------------------------------------------------
// common_log and v1

/// `IP - USER [TIME] "REQUEST" STATUS SIZE` and nothing after: the request, status and size.
fn common_tail(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    if !crate::nginx::access::looks_like_combined(line) {
        return None;
    }
    let q = memchr::memchr(b'"', line)?;
    let close = q + 1 + memchr::memrchr(b'"', &line[q + 1..])?;
    let request = &line[q + 1..close];
    let rest = line.get(close + 1..)?.strip_prefix(b" ")?;
    let sp = memchr::memchr(b' ', rest)?;
    let (status, size) = (&rest[..sp], &rest[sp + 1..]);
    let num = |b: &[u8]| b == b"-" || parse_u64(b).is_some();
    (parse_u64(status).is_some() && status.len() <= 3 && num(size))
        .then_some((request, status, size))
}

fn parse_common(line: &[u8]) -> Option<Event<'_>> {
    let (request, status, size) = common_tail(line)?;
    let mut ev = Event::new(FORMAT, line);
    let open = memchr::memchr(b'[', line)?;
    ev.time = crate::nginx::access::parse_time_local(line.get(open + 1..)?);
    ev.client = line.get(..memchr::memchr(b' ', line)?).and_then(crate::bytes::ip_shaped);
    ev.request = Some(request);
    ev.host = crate::aws::request_host(request);
    ev.status = crate::aws::parse_status(status);
    (ev.class, ev.phase) = access_class(ev.status);
    ev.fields = EventFields::Caddy(Fields {
        shape: Shape::Common,
        size: parse_u64(size),
        ..Fields::default()
    });
    Some(ev)
}

/// What a v1 error line's header says: the time, level, status, path and where the message
/// starts.
type V1Header<'a> = (Timestamp, Level, Option<u16>, &'a [u8], usize);

/// `dd/Mon/yyyy:hh:mm:ss +zzzz [LEVEL STATUS PATH] `.
fn v1_header(line: &[u8]) -> Option<V1Header<'_>> {
    let time = crate::nginx::access::parse_time_local(line)?;
    let rest = line.get(26..)?.strip_prefix(b" [")?;
    let close = memchr::memchr(b']', rest)?;
    let inner = &rest[..close];
    let mut parts = inner.splitn(3, |&c| c == b' ');
    let level = Level::from_name(parts.next()?)?;
    let status = crate::aws::parse_status(parts.next()?);
    let path = parts.next().unwrap_or_default();
    let msg_start = 28 + close + 1 + usize::from(rest.get(close + 1) == Some(&b' '));
    Some((time, level, status, path, msg_start))
}

fn parse_v1(line: &[u8]) -> Option<Event<'_>> {
    let (time, level, status, path, msg_start) = v1_header(line)?;
    let mut ev = Event::new(FORMAT, line);
    ev.time = Some(time);
    ev.level = Some(level);
    ev.status = status;
    ev.message = line.get(msg_start..).unwrap_or_default();
    let msg = ev.message;
    classify_error(&mut ev, msg, status);
    ev.fields = EventFields::Caddy(Fields {
        shape: Shape::V1Error,
        uri: (!path.is_empty()).then_some(path),
        ..Fields::default()
    });
    Some(ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_name_their_key() {
        let e = parse(
            br#"{"level":"error","ts":1.5,"logger":"http.log.error","msg":"EOF","status":"502"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::InvalidField("status"));
        let e = parse(br#"{"level":"error","ts":1.5,"logger":"http.log.error","msg":"EOF","request":{"host":7}}"#)
            .unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::InvalidField("request.host"));
        let e = parse(br#"{"level":"error","ts":1.5,"logger":"#).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NotRecognized);
        let e = parse(br#"{"level":"error","ts":1.5,"logger":"x",}"#).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::InvalidField("JSON syntax"));
    }

    #[test]
    fn unknown_keys_are_ignored_and_no_upstreams_is_no_live_upstreams() {
        let ev = parse(br#"{"level":"error","ts":1.5,"logger":"http.log.error.x","new":{"a":[1,2]},"msg":"no upstreams available","status":503}"#)
            .unwrap();
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.time.unwrap().unix_micros(), 1_500_000);
    }
}
