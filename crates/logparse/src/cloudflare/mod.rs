//! Cloudflare HTTP request logs: the `http_requests` dataset as Logpush and Logpull write it,
//! one JSON object per line.
//!
//! # Layout
//!
//! Fields are chosen per job, so any subset of the documented fields can arrive, in any order
//! (spec `iis-and-cloudflare.md` §3.1–§3.3); unknown keys, nested objects and arrays are
//! skipped. A leading `[` and a trailing `,` or `]` (the JSON-array output option) are
//! tolerated. `EdgeStartTimestamp` / `EdgeEndTimestamp` may be RFC 3339 strings or Unix
//! times as integers or strings of digits, whose unit is told by magnitude (≥ 1e17
//! nanoseconds, ≥ 1e14 microseconds, ≥ 1e11 milliseconds, else seconds; §3.2). An absent
//! field is absent, never 0.
//!
//! # Classification (§3.5, first match wins; E = `EdgeResponseStatus`, O = `OriginResponseStatus`)
//!
//! | rule | condition | class |
//! |---|---|---|
//! | C1 | `ClientRequestSource` `earlyHintsCache` or `edgeWorkerCacheAPI`, E 503/504, O 0 or absent | `info` |
//! | C2 | `ClientRequestSource` `healthcheck`, E ≥ 500 | `health_check_failed` |
//! | C3 | E = 499 | `client_abort` |
//! | C4 | E a Cloudflare code (520–527, 530), or E ≥ 500 and O one (Worker subrequests) | 521 `connect_refused`; 522 `connect_timeout`, `response_timeout` when `OriginTCPHandshakeDurationMs` > 0; 523 `connect_unreachable`; 524 `response_timeout`; 525 `tls_handshake`; 526 `tls_certificate`; 520 `prematurely_closed`; 527 `gateway_error`; 530 `dns_failure` |
//! | C5 | E = 409, `EdgePathingOp` `errHost` | `dns_failure` for `EdgePathingStatus` `dnsErr`, else `proxy_error` |
//! | C6 | 4xx, O 0 or absent, a ban (`EdgePathingOp` `ban`) or terminating security action | `client_error` |
//! | C7 | E ≥ 500, O ≥ 500 | `upstream_5xx` |
//! | C8 | E ≥ 500, 0 < O < 500 | 502 `invalid_body`, else `proxy_error` |
//! | C9 | E ≥ 500, O = 0 | a failed Worker: `proxy_error`; 502/504 `gateway_error`; else `proxy_error` |
//! | C10 | E ≥ 500, O absent | 502/504 `gateway_error`; else `upstream_5xx` |
//! | C11 | other 4xx | O = E or a cache hit: `ok`; O = 0: `client_error`; O absent: 403/429 `client_error`, else `ok` |
//! | C12 | anything else | `ok` |
//!
//! # Event fields
//!
//! `upstream` is `OriginIP` (the origin server Cloudflare connected to; `""` is none),
//! `upstream_group` is `ClientRequestHost` (the zone's host name), `client` is `ClientIP`,
//! `host` is `ClientRequestHost`, `request` is `ClientRequestURI`, `status` is E.

use crate::bytes::{contains, finder, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::json::{self, Raw};
use crate::time::Timestamp;

pub(crate) mod fields;
pub use fields::Fields;
mod hints;
pub use hints::hint;

#[cfg(test)]
mod tests;

const FORMAT: Format = Format::Cloudflare;

fn err(kind: ParseErrorKind, offset: usize) -> ParseError {
    ParseError::new(Some(FORMAT), kind, offset)
}

/// The object of a line, without the JSON-array output's `[`, `,` and `]` around it.
fn body(line: &[u8]) -> &[u8] {
    let mut t = crate::lines::strip_cr(line).trim_ascii();
    if let Some(r) = t.strip_prefix(b"[") {
        t = r.trim_ascii_start();
    }
    while let Some(r) = t.strip_suffix(b",").or_else(|| t.strip_suffix(b"]")) {
        t = r.trim_ascii_end();
    }
    t
}

/// Whether the line looks like a Cloudflare `http_requests` record: a JSON object with an
/// `EdgeResponseStatus` key and one of `RayID`, `ClientRequestHost`, `EdgeStartTimestamp`.
pub fn looks_like(line: &[u8]) -> bool {
    let t = body(line);
    t.first() == Some(&b'{')
        && finder!(b"\"EdgeResponseStatus\"").find(t).is_some()
        && (finder!(b"\"RayID\"").find(t).is_some()
            || finder!(b"\"ClientRequestHost\"").find(t).is_some()
            || finder!(b"\"EdgeStartTimestamp\"").find(t).is_some())
}

/// The keys read, each as written.
#[derive(Default)]
struct Json<'a> {
    edge_status: Raw<'a>,
    origin_status: Raw<'a>,
    source: Raw<'a>,
    tcp_ms: Raw<'a>,
    pathing_op: Raw<'a>,
    pathing_status: Raw<'a>,
    security: Raw<'a>,
    security_actions: Raw<'a>,
    firewall: Raw<'a>,
    waf: Raw<'a>,
    worker_status: Raw<'a>,
    worker_subrequest: Raw<'a>,
    cache_status: Raw<'a>,
    origin_ip: Raw<'a>,
    host: Raw<'a>,
    client_ip: Raw<'a>,
    method: Raw<'a>,
    uri: Raw<'a>,
    start: Raw<'a>,
    end: Raw<'a>,
    ray_id: Raw<'a>,
}

/// Parses one Cloudflare `http_requests` line.
///
/// ```
/// use logparse::{cloudflare, Class};
/// let line = br#"{"ClientRequestHost":"www.example.com","EdgeResponseStatus":521,"OriginIP":"198.51.100.20","OriginResponseStatus":0,"RayID":"8a1b2c3d4e5f6a70"}"#;
/// let ev = cloudflare::parse(line).unwrap();
/// assert_eq!(ev.class, Class::ConnectRefused);
/// assert_eq!(ev.upstream, Some(&b"198.51.100.20"[..]));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let raw = crate::lines::strip_cr(line).trim_ascii_end();
    let t = body(line);
    if t.is_empty() {
        return Err(err(ParseErrorKind::Empty, 0));
    }
    let Some(obj) = json::object(t) else {
        return Err(err(ParseErrorKind::NotRecognized, 0));
    };
    if finder!(b"\"EdgeResponseStatus\"").find(obj).is_none() {
        return Err(err(ParseErrorKind::MissingField("EdgeResponseStatus"), 0));
    }
    let at = obj.as_ptr() as usize - raw.as_ptr() as usize;
    let mut j = Json::default();
    let mut m = json::Members::new(obj);
    loop {
        let (k, v) = match m.next_member() {
            Ok(Some(kv)) => kv,
            Ok(None) => break,
            Err(e) => return Err(json::syntax(FORMAT, at + e.0)),
        };
        let slot = match k {
            b"EdgeResponseStatus" => &mut j.edge_status,
            b"OriginResponseStatus" => &mut j.origin_status,
            b"ClientRequestSource" => &mut j.source,
            b"OriginTCPHandshakeDurationMs" => &mut j.tcp_ms,
            b"EdgePathingOp" => &mut j.pathing_op,
            b"EdgePathingStatus" => &mut j.pathing_status,
            b"SecurityAction" => &mut j.security,
            b"SecurityActions" => &mut j.security_actions,
            b"FirewallMatchesActions" => &mut j.firewall,
            b"WAFAction" => &mut j.waf,
            b"WorkerStatus" => &mut j.worker_status,
            b"WorkerSubrequest" => &mut j.worker_subrequest,
            b"CacheCacheStatus" => &mut j.cache_status,
            b"OriginIP" => &mut j.origin_ip,
            b"ClientRequestHost" => &mut j.host,
            b"ClientIP" => &mut j.client_ip,
            b"ClientRequestMethod" => &mut j.method,
            b"ClientRequestURI" => &mut j.uri,
            b"EdgeStartTimestamp" => &mut j.start,
            b"EdgeEndTimestamp" => &mut j.end,
            b"RayID" => &mut j.ray_id,
            _ => continue,
        };
        *slot = Some(v);
    }
    let s = |key, v| json::string_set(FORMAT, key, v);
    let edge = status(j.edge_status, "EdgeResponseStatus")?
        .ok_or(err(ParseErrorKind::MissingField("EdgeResponseStatus"), 0))?;
    let origin = status(j.origin_status, "OriginResponseStatus")?;
    let tcp_ms = number(j.tcp_ms, "OriginTCPHandshakeDurationMs")?;
    let source = s("ClientRequestSource", j.source)?;
    let start = time(j.start, "EdgeStartTimestamp")?;
    let end = time(j.end, "EdgeEndTimestamp")?;
    let f = Fields {
        origin_status: origin,
        client_request_source: source,
        origin_tcp_handshake_ms: tcp_ms,
        edge_pathing_op: s("EdgePathingOp", j.pathing_op)?,
        edge_pathing_status: s("EdgePathingStatus", j.pathing_status)?,
        cache_cache_status: s("CacheCacheStatus", j.cache_status)?,
        worker_status: s("WorkerStatus", j.worker_status)?,
        worker_subrequest: j.worker_subrequest == Some(b"true"),
        ray_id: s("RayID", j.ray_id)?,
        method: s("ClientRequestMethod", j.method)?,
        duration_us: match (start, end) {
            (Some(a), Some(b)) if b >= a => Some((b.unix_micros() - a.unix_micros()) as u64),
            _ => None,
        },
    };
    let blocked = f.edge_pathing_op == Some(b"ban")
        || [j.security, j.security_actions, j.firewall, j.waf]
            .into_iter()
            .flatten()
            .any(terminating);
    let (class, phase) = classify(edge, origin, &f, tcp_ms, blocked);
    let mut ev = Event::new(FORMAT, raw);
    ev.time = start.or(end);
    ev.status = Some(edge);
    ev.class = class;
    ev.phase = phase;
    ev.level = match class {
        Class::Ok | Class::Info => None,
        _ => Some(Level::Error),
    };
    ev.upstream = s("OriginIP", j.origin_ip)?;
    ev.host = s("ClientRequestHost", j.host)?;
    ev.upstream_group = ev.host;
    ev.client = s("ClientIP", j.client_ip)?;
    ev.request = s("ClientRequestURI", j.uri)?;
    ev.fields = EventFields::Cloudflare(f);
    Ok(ev)
}

fn status(v: Raw<'_>, key: &'static str) -> Result<Option<u16>, ParseError> {
    match number(v, key)? {
        Some(n) if n <= 999 => Ok(Some(n as u16)),
        Some(_) => Err(json::wrong(FORMAT, key)),
        None => Ok(None),
    }
}

/// An integer, written as a JSON number or a string of digits.
fn number(v: Raw<'_>, key: &'static str) -> Result<Option<u64>, ParseError> {
    match v {
        None | Some(b"null") => Ok(None),
        Some(t) => {
            let t = t.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")).unwrap_or(t);
            parse_u64(t).map(Some).ok_or(json::wrong(FORMAT, key))
        }
    }
}

/// An RFC 3339 string, or a Unix time whose unit its magnitude tells (§3.2).
fn time(v: Raw<'_>, key: &'static str) -> Result<Option<Timestamp>, ParseError> {
    let Some(t) = v.filter(|t| *t != b"null") else { return Ok(None) };
    let inner = t.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")).unwrap_or(t);
    if let Some(n) = parse_u64(inner) {
        let micros = match n {
            n if n >= 100_000_000_000_000_000 => n / 1000,
            n if n >= 100_000_000_000_000 => n,
            n if n >= 100_000_000_000 => n.saturating_mul(1000),
            n => n.saturating_mul(1_000_000),
        };
        return i64::try_from(micros)
            .map(|m| Some(Timestamp::from_unix_micros(m)))
            .map_err(|_| json::wrong(FORMAT, key));
    }
    json::rfc3339(inner).map(Some).ok_or(json::wrong(FORMAT, key))
}

/// Whether a security action value (a string or an array of strings) holds a terminating
/// action: the edge answered instead of the origin.
fn terminating(v: &[u8]) -> bool {
    [
        &b"\"block\""[..],
        b"\"challenge\"",
        b"\"jschallenge\"",
        b"\"managedChallenge\"",
        b"\"drop\"",
        b"\"connectionClose\"",
    ]
    .iter()
    .any(|a| contains(v, a))
}

/// The class of Cloudflare's own 52x/530 code (C4).
pub fn cloudflare_code_class(code: u16, tcp_ms: Option<u64>) -> Option<(Class, Phase)> {
    Some(match code {
        521 => (Class::ConnectRefused, Phase::Connect),
        522 if tcp_ms.is_some_and(|t| t > 0) => (Class::ResponseTimeout, Phase::Send),
        522 => (Class::ConnectTimeout, Phase::Connect),
        523 => (Class::ConnectUnreachable, Phase::Connect),
        524 => (Class::ResponseTimeout, Phase::Header),
        525 => (Class::TlsHandshake, Phase::Connect),
        526 => (Class::TlsCertificate, Phase::Connect),
        520 => (Class::PrematurelyClosed, Phase::Header),
        527 => (Class::GatewayError, Phase::None),
        530 => (Class::DnsFailure, Phase::Connect),
        _ => return None,
    })
}

fn classify(
    e: u16,
    o: Option<u16>,
    f: &Fields<'_>,
    tcp_ms: Option<u64>,
    blocked: bool,
) -> (Class, Phase) {
    let src = f.client_request_source.unwrap_or_default();
    let no_origin = matches!(o, None | Some(0));
    if matches!(src, b"earlyHintsCache" | b"edgeWorkerCacheAPI")
        && matches!(e, 503 | 504)
        && no_origin
    {
        return (Class::Info, Phase::None);
    }
    if src == b"healthcheck" && e >= 500 {
        return (Class::HealthCheckFailed, Phase::Health);
    }
    if e == 499 {
        return (Class::ClientAbort, Phase::None);
    }
    if let Some(c) = cloudflare_code_class(e, tcp_ms) {
        return c;
    }
    if e >= 500 {
        if let Some(c) = o.and_then(|o| cloudflare_code_class(o, tcp_ms)) {
            return c;
        }
    }
    if e == 409 && f.edge_pathing_op == Some(b"errHost") {
        return match f.edge_pathing_status {
            Some(b"dnsErr" | b"dns_err") => (Class::DnsFailure, Phase::Connect),
            _ => (Class::ProxyError, Phase::None),
        };
    }
    if (400..500).contains(&e) && no_origin && blocked {
        return (Class::ClientError, Phase::None);
    }
    if e >= 500 {
        return match o {
            Some(o) if o >= 500 => (Class::Upstream5xx, Phase::Header),
            Some(o) if o > 0 && e == 502 => (Class::InvalidBody, Phase::Body),
            Some(o) if o > 0 => (Class::ProxyError, Phase::None),
            Some(_) if !matches!(f.worker_status, None | Some(b"unknown" | b"ok")) => {
                (Class::ProxyError, Phase::None)
            }
            Some(_) if matches!(e, 502 | 504) => (Class::GatewayError, Phase::None),
            Some(_) => (Class::ProxyError, Phase::None),
            None if matches!(e, 502 | 504) => (Class::GatewayError, Phase::None),
            None => (Class::Upstream5xx, Phase::Header),
        };
    }
    if (400..500).contains(&e) {
        let cached =
            matches!(f.cache_cache_status, Some(b"hit" | b"stale" | b"updating" | b"revalidated"));
        return match o {
            Some(o) if o == e => (Class::Ok, Phase::None),
            _ if cached => (Class::Ok, Phase::None),
            Some(0) => (Class::ClientError, Phase::None),
            None if matches!(e, 403 | 429) => (Class::ClientError, Phase::None),
            _ => (Class::Ok, Phase::None),
        };
    }
    (Class::Ok, Phase::None)
}
