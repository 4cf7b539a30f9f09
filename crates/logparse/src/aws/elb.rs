//! The AWS Classic Load Balancer (ELB) access log.
//!
//! # Layout
//!
//! Fifteen space-separated fields, in the order of the Classic Load Balancer guide ("Access
//! logs for your Classic Load Balancer"); nothing has been appended since:
//!
//! ```text
//! timestamp elb client:port backend:port request_processing_time backend_processing_time
//! response_processing_time elb_status_code backend_status_code received_bytes sent_bytes
//! "request" "user_agent" ssl_cipher ssl_protocol
//! ```
//!
//! The documentation's example HTTPS entry:
//!
//! ```text
//! 2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2
//! ```
//!
//! Unlike ALB lines there is no leading `type`, `elb` is the load balancer's name, and the
//! timestamp is when the load balancer **received** the request; no field says when it
//! answered, so durations cannot be derived.
//!
//! # Event fields
//!
//! `time` = `timestamp`; `status` = `elb_status_code` (`None` on TCP/SSL listeners);
//! `upstream` = `backend:port` (`None` for `-`); `server` = the load balancer's name; `client`
//! = `client:port`; `request` = the request line (`None` for the TCP listener's `"- - - "`);
//! `host` = the host of the absolute request URI, without its port. There is no target group.
//!
//! # Classification
//!
//! First match wins; the rule's name is kept in [`Fields::rule`]. "No response" means
//! `backend_status_code` is `-` or `0` (the load balancer writes `0` on its own errors).
//!
//! | rule | condition | class | phase |
//! |---|---|---|---|
//! | L1 | `elb_status_code` is `-` (TCP/SSL listener, no HTTP) | `ok` | none |
//! | L2 | backend status == elb status >= 500 | `upstream_5xx` | none |
//! | L3 | backend status present, elb < 500 | `ok` | none |
//! | L4 | elb 408, no response (the client cancelled or sent an incomplete request) | `client_abort` | none |
//! | L5 | elb 4xx, no response | `client_error` | none |
//! | L6 | elb 503, no backend | `no_live_upstreams` | connect |
//! | L7 | elb 504, no backend | `prematurely_closed` | none |
//! | L8 | elb 504, backend | `response_timeout` | header |
//! | L9 | elb 502, backend | `invalid_header` (the load balancer could not parse the response) | header |
//! | L10 | elb 5xx otherwise | `gateway_error` | none |
//! | L11 | anything else | `ok` | none |
//!
//! L7 is the ambiguous one. Classic ELB answers 504 both when the idle timeout expires and
//! when a registered instance closes its connection to the load balancer, which is how the
//! keep-alive race (an instance keep-alive timeout shorter than the load balancer's idle
//! timeout) shows up here, where an ALB answers 502. With no backend and `-1 -1 -1`, the
//! request was never handed to an instance on a live connection, and the published
//! investigations of such lines found the closing instance, served almost immediately; a 504
//! that names its backend is read as the idle timeout. Without an end time the line alone
//! cannot prove either: the phase is left `none`.
//!
//! # Quirks handled
//!
//! - TCP and SSL listeners write `-` statuses and the request `"- - - "` (with a trailing
//!   space inside the quotes); [`Fields::tcp`] is set.
//! - `backend_status_code` `0` on load-balancer errors is kept as `Some(0)` and counts as no
//!   response.
//! - Any field may be quoted; values are kept raw. Fields after the fifteenth are kept in
//!   [`Fields::trailing`]; only the first eight fields, through `elb_status_code`, are
//!   required.
//! - ALB connection-log lines (which also start with a time) are
//!   [`ParseErrorKind::Skipped`]; ALB access lines are [`ParseErrorKind::NotRecognized`].

use crate::aws::{
    Row, Timing, is_addr, is_dash_request, looks_like_time, parse_status, parse_time, request_host,
    split_host_port, strip_line,
};
use crate::bytes::parse_u64;
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields};
use crate::format::Format;

pub(crate) mod fields;

pub use fields::Fields;

/// How many fields this parser knows.
const KNOWN: usize = 15;

/// The field names, by position (for errors).
const NAMES: [&str; KNOWN] = [
    "timestamp",
    "elb",
    "client:port",
    "backend:port",
    "request_processing_time",
    "backend_processing_time",
    "response_processing_time",
    "elb_status_code",
    "backend_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
];

const FORMAT: Option<Format> = Some(Format::Elb);

/// Whether a line looks like a Classic ELB access-log line: an ISO-8601 UTC time, a name, two
/// `ip:port` (or `-`) fields and a processing time. Cheap: five fields at most.
pub fn looks_like(line: &[u8]) -> bool {
    let mut it = crate::aws::Tokens::new(line);
    let mut next = || it.next().map(|t| t.value).unwrap_or_default();
    let (ts, name, client, backend, rpt) = (next(), next(), next(), next(), next());
    let addr = |a: &[u8]| a == b"-" || a.contains(&b':');
    looks_like_time(ts)
        && ts.ends_with(b"Z")
        && !name.is_empty()
        && !name.contains(&b':')
        && addr(client)
        && addr(backend)
        && Timing::parse(rpt).is_some()
}

/// Parses one Classic ELB access-log line.
///
/// ```
/// use logparse::{aws::elb, Class};
/// let line = b"2017-06-26T08:38:27.991796Z web 172.27.19.150:43326 172.27.19.217:80 0.00008 0.000626 0.000057 503 503 566 326 \"POST http://internal-web.example:80/api HTTP/1.0\" \"App/1.0\" - -";
/// let ev = elb::parse(line).unwrap();
/// assert_eq!(ev.class, Class::Upstream5xx); // the instance itself answered 503
/// assert_eq!(ev.upstream, Some(&b"172.27.19.217:80"[..]));
/// assert_eq!(ev.host, Some(&b"internal-web.example"[..]));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = strip_line(line, Format::Elb)?;
    let row = Row::<KNOWN>::read(line);
    let err = |kind, i: usize| ParseError::new(FORMAT, kind, row.offset(i, line));
    let invalid = |i: usize| err(ParseErrorKind::InvalidField(NAMES[i]), i);

    let ts = row.raw(0).unwrap_or_default();
    if !looks_like_time(ts) {
        return Err(err(ParseErrorKind::NotRecognized, 0));
    }
    let time = parse_time(ts).ok_or_else(|| invalid(0))?;
    let (b, c, d) = (
        row.raw(1).unwrap_or_default(),
        row.raw(2).unwrap_or_default(),
        row.raw(3).unwrap_or_default(),
    );
    let port = |p: &[u8]| parse_u64(p).is_some_and(|v| v <= 65_535);
    if port(c) && port(d) && b.iter().all(|x| x.is_ascii_hexdigit() || matches!(x, b'.' | b':')) {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Skipped("alb connection log"), 0));
    }
    if let Some(i) = (1..=7).find(|&i| row.raw(i).is_none()) {
        return Err(err(ParseErrorKind::MissingField(NAMES[i]), i));
    }
    let timing = |i: usize| match row.get(i) {
        None => Ok(None),
        Some(v) => Timing::parse(v).map(Some).ok_or_else(|| invalid(i)),
    };
    let status = |i: usize| match row.get(i) {
        None => Ok(None),
        Some(v) => parse_status(v).map(Some).ok_or_else(|| invalid(i)),
    };
    let count = |i: usize| match row.get(i) {
        None => Ok(None),
        Some(v) => parse_u64(v).map(Some).ok_or_else(|| invalid(i)),
    };
    let client = row.get(2);
    for i in [2, 3] {
        if row.get(i).is_some_and(|a| !is_addr(a)) {
            return Err(invalid(i));
        }
    }
    let backend = row.get(3);
    let rpt = timing(4)?;
    let bpt = timing(5)?;
    let rsp = timing(6)?;
    let elb_status = status(7)?;
    let backend_status = status(8)?;
    let received_bytes = count(9)?;
    let sent_bytes = count(10)?;
    let raw_request = row.get(11);
    let request = raw_request.filter(|r| !is_dash_request(r));
    let (client_ip, client_port) = client.map(split_host_port).unzip();
    let (backend_ip, backend_port) = backend.map(split_host_port).unzip();

    let mut fields = Fields {
        client_ip,
        client_port: client_port.flatten(),
        backend_ip,
        backend_port: backend_port.flatten(),
        request_processing_time: rpt,
        backend_processing_time: bpt,
        response_processing_time: rsp,
        backend_status_code: backend_status,
        received_bytes,
        sent_bytes,
        user_agent: row.get(12),
        ssl_cipher: row.get(13),
        ssl_protocol: row.get(14),
        tcp: raw_request.is_some_and(is_dash_request) && elb_status.is_none(),
        trailing: row.trailing,
        field_count: row.len,
        truncated: row.truncated,
        rule: "",
    };
    let (class, phase, rule) = classify(elb_status, backend_status, backend.is_some());
    fields.rule = rule;

    let mut ev = Event::new(Format::Elb, line);
    ev.time = Some(time);
    ev.class = class;
    ev.phase = phase;
    ev.status = elb_status;
    ev.upstream = backend;
    ev.client = client;
    ev.server = row.get(1);
    ev.request = request;
    ev.host = request.and_then(request_host);
    ev.message = &line[..0];
    ev.fields = EventFields::Elb(fields);
    Ok(ev)
}

/// Classifies a row by the table in the module docs: `(class, phase, rule)`.
fn classify(
    elb: Option<u16>,
    backend_status: Option<u16>,
    has_backend: bool,
) -> (Class, Phase, &'static str) {
    use Class as C;
    use Phase as P;
    let Some(elb) = elb else {
        return (C::Ok, P::None, "L1");
    };
    let server_error = (500..600).contains(&elb);
    if let Some(bs) = backend_status.filter(|&s| s != 0) {
        if bs == elb && server_error {
            return (C::Upstream5xx, P::None, "L2");
        }
        if elb < 500 {
            return (C::Ok, P::None, "L3");
        }
    }
    if elb == 408 {
        return (C::ClientAbort, P::None, "L4");
    }
    if (400..500).contains(&elb) {
        return (C::ClientError, P::None, "L5");
    }
    match (elb, has_backend) {
        (503, false) => (C::NoLiveUpstreams, P::Connect, "L6"),
        (504, false) => (C::PrematurelyClosed, P::None, "L7"),
        (504, true) => (C::ResponseTimeout, P::Header, "L8"),
        (502, true) => (C::InvalidHeader, P::Header, "L9"),
        _ if server_error => (C::GatewayError, P::None, "L10"),
        _ => (C::Ok, P::None, "L11"),
    }
}

#[cfg(test)]
mod tests;
