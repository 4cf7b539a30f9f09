//! The AWS Application Load Balancer (ALB) access log.
//!
//! # Layout
//!
//! Space-separated fields, some quoted, in the order of the AWS ELB User Guide ("Access logs
//! for your Application Load Balancer"); AWS only ever appends fields:
//!
//! ```text
//! type time elb client:port target:port request_processing_time target_processing_time
//! response_processing_time elb_status_code target_status_code received_bytes sent_bytes
//! "request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//! "chosen_cert_arn" matched_rule_priority request_creation_time "actions_executed"
//! "redirect_url" "error_reason" "target:port_list" "target_status_code_list"
//! "classification" "classification_reason" conn_trace_id "transformed_host"
//! "transformed_uri" "request_transform_status" [fields added later...]
//! ```
//!
//! The AWS documentation's example HTTPS entry:
//!
//! ```text
//! https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" 10.0.0.1:80 200 "-" "-"
//! ```
//!
//! # Event fields
//!
//! - `time`: the `time` field, when the load balancer produced the response (UTC, µs).
//! - `status`: `elb_status_code` (`000` is 0).
//! - `upstream`: `target:port` as written; `None` for `-` (Lambda, redirects, requests that
//!   never reached a target).
//! - `upstream_group`: the target group's **name**, taken from the ARN
//!   (`…:targetgroup/<name>/<id>` gives `<name>`). A name is unique within an account and
//!   region, which is what one load balancer's logs cover; the full ARN is in
//!   [`Fields::target_group_arn`].
//! - `server`: the `elb` field as written (`app/<name>/<id>`).
//! - `client`: `client:port` as written; [`Fields::client_ip`] and [`Fields::client_port`] have
//!   the parts.
//! - `request`: the request line, `None` for `"- - -"` (no request was read).
//! - `host`: `domain_name` (the TLS SNI) when present, else the host of the absolute request
//!   URI (without its port).
//!
//! # Classification
//!
//! The row is read top to bottom and the first rule that matches decides (the rule's name is
//! kept in [`Fields::rule`]). `dur` is `time − request_creation_time`; `rpt`/`tpt`/`rsp` are
//! the three processing times; "no response" means `target_status_code` is `-` (or `0`).
//!
//! | rule | condition | class | phase |
//! |---|---|---|---|
//! | A1 | actions have `redirect` or `fixed-response` and no `forward` | `ok` (even a fixed 503) | none |
//! | A2 | `error_reason` starts with `Auth` or `WAF`; or elb 500 with `authenticate`/`waf` actions and no response; or elb 561 | `proxy_error` | none |
//! | A3 | elb 403 and the last action is `waf` | `ok` (blocked by policy) | none |
//! | A4 | elb 460 | `client_abort` | none |
//! | A5 | elb 4xx or `000` and no response | `client_error` | none |
//! | B1 | elb == target status >= 500 | `upstream_5xx` | none |
//! | B2 | target status present, elb < 500 | `ok` | none |
//! | B3 | target status present, elb >= 500 and different | `invalid_header` (low confidence) | body |
//! | C1 | no target, `error_reason` `LambdaInvalidResponse`/`LambdaResponseTooLarge` | `invalid_header` | header |
//! | C2 | `error_reason` `LambdaUnhandled` | `upstream_5xx` | none |
//! | C3 | `error_reason` `LambdaConnectionTimeout` | `response_timeout` | header |
//! | C4 | `error_reason` `LambdaThrottling`, `LambdaEC2ThrottledException`, `LambdaENILimitReachedException`, `LambdaSubnetIPAddressLimitReachedException` | `upstream_busy` | connect |
//! | C5 | any other `error_reason` (`Lambda*` configuration errors, weighted target groups, codes AWS adds later) | `proxy_error` | none |
//! | D1 | elb 503, no target, actions contain `forward` (or the line predates `actions_executed`) | `no_live_upstreams` | connect |
//! | D2 | elb 502, target, rpt >= 0, tpt >= 0, rsp = -1 | `prematurely_closed` | header |
//! | D4 | elb 502, target, all three -1, dur ≈ 10 s | `tls_handshake` (handshake timeout to the target) | connect |
//! | D3 | elb 502, target, all three -1, otherwise | `connect_error` | connect |
//! | E1 | elb 504, target, all three -1, dur ≈ 10 s | `connect_timeout` | connect |
//! | E3 | elb 504, otherwise | `response_timeout` | header |
//! | F1 | elb 5xx, no target | `connect_error` (low confidence) | connect |
//! | G1 | elb 5xx, otherwise | `gateway_error` | none |
//! | G2 | anything else | `ok` | none |
//!
//! "≈ 10 s" is 9.9 s to 11 s: ALB's connect timeout (and TLS handshake timeout) to targets is
//! a fixed 10 s, and `request_creation_time` has millisecond precision. A 504 after an idle
//! timeout also has all three times at -1; only its duration (default 60 s) tells it apart, so
//! an idle timeout configured near 10 s reads as a connect timeout. A line too old to carry
//! `request_creation_time` has no duration: its 502 is `connect_error` and its 504
//! `response_timeout`.
//!
//! # Quirks handled
//!
//! - Any field may be quoted (some pipelines quote every field), a quoted field may contain
//!   spaces (`"GET http://h/a b HTTP/1.1"` with `SpaceInUri`), and `"` inside a value is
//!   written `\x22`; values are kept raw, nothing is unescaped.
//! - Lines of every generation parse: 18 fields (2016, ending at `trace_id`) up to 33 (2025,
//!   request transforms); missing fields at the end are `None`. Only the first nine fields,
//!   through `elb_status_code`, are required. Fields after the 33rd are kept, unread, in
//!   [`Fields::trailing`].
//! - `-` is "no value" in every field; the processing times use `-1` for "did not get that
//!   far" ([`Timing::Failed`]): the classification reads it, and [`Fields::visit`] leaves
//!   such a time out (it is no duration, not -1 s). A `request_creation_time` after `time`
//!   gives no `duration`.
//! - IPv6 `client:port` values are split on the last colon.
//! - A line cut inside a quoted field keeps what it has ([`Fields::truncated`]).
//! - Sibling lines written next to access logs are [`ParseErrorKind::Skipped`], never
//!   misread: connection-log lines (`alb connection log`), health-check-log lines (`alb health
//!   check log`) and Network Load Balancer lines (`nlb access log`).
//!
//! The health-check-log layout was not available to this project; such lines are recognized
//! when they fail the access-log layout and carry a health state word (`healthy`,
//! `unhealthy`) or a reason code (`Target.*`, `Elb.*`).

use crate::aws::{
    Row, Timing, is_addr, is_dash_request, looks_like_time, parse_status, parse_time, request_host,
    split_host_port, strip_line,
};
use crate::bytes::{find, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields};
use crate::format::Format;

pub(crate) mod fields;

pub use fields::Fields;

/// The `type` values the documentation lists.
const TYPES: [&[u8]; 6] = [b"http", b"https", b"h2", b"grpcs", b"ws", b"wss"];

/// How many fields this parser knows.
const KNOWN: usize = 33;

/// The field names, by position (for errors).
const NAMES: [&str; KNOWN] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
    "transformed_host",
    "transformed_uri",
    "request_transform_status",
];

const FORMAT: Option<Format> = Some(Format::Alb);

/// Whether a line looks like it comes from an ALB log bucket: an access-log line (a documented
/// `type` then an ISO-8601 time), a connection-log line, or a Network Load Balancer line. The
/// last two are recognized so that [`parse`] can skip them.
///
/// Cheap: it looks at the first four fields at most.
pub fn looks_like(line: &[u8]) -> bool {
    let mut it = crate::aws::Tokens::new(line);
    let (Some(a), Some(b), Some(c)) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    if TYPES.contains(&a.value) && looks_like_time(b.value) {
        return true;
    }
    if is_nlb(a.value, b.value, c.value) {
        return true;
    }
    looks_like_time(a.value) && is_conn_log(b.value, c.value, it.next().map(|t| t.value))
}

/// An NLB line: `tls 2.0 <time> net/<name>/<id> ...`.
fn is_nlb(a: &[u8], b: &[u8], c: &[u8]) -> bool {
    a == b"tls" && looks_like_time(c) && b.len() <= 4 && b.contains(&b'.')
}

/// A connection-log line after its time: `client_ip client_port listener_port ...`.
fn is_conn_log(ip: &[u8], client_port: &[u8], listener_port: Option<&[u8]>) -> bool {
    let port = |p: &[u8]| parse_u64(p).is_some_and(|v| v <= 65_535);
    !ip.is_empty()
        && ip.iter().all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':'))
        && port(client_port)
        && listener_port.is_some_and(port)
}

/// Whether a line that is not a valid access-log line carries health-check-log words.
fn has_health_words(line: &[u8]) -> bool {
    crate::aws::Tokens::new(line).any(|t| {
        let v = t.value;
        v == b"healthy" || v == b"unhealthy" || v.starts_with(b"Target.") || v.starts_with(b"Elb.")
    })
}

/// Parses one ALB access-log line.
///
/// ```
/// use logparse::{aws::alb, Class};
/// let line = b"h2 2023-03-08T12:05:52.352228Z app/web/0123 203.0.113.9:12653 10.0.8.248:31130 -1 -1 -1 504 - 49 202 \"GET https://web.example:443/ HTTP/2.0\" \"curl/7.86.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/k8s-web/f138b1630cf46114 \"Root=1-64087a16-1b7f18347fcdb5bd1573907d\" \"web.example\" \"-\" 2 2023-03-08T12:05:42.351000Z \"forward\" \"-\" \"-\" \"10.0.8.248:31130\" \"-\" \"-\" \"-\"";
/// let ev = alb::parse(line).unwrap();
/// assert_eq!(ev.class, Class::ConnectTimeout); // 504 after 10 s with nothing measured
/// assert_eq!(ev.upstream, Some(&b"10.0.8.248:31130"[..]));
/// assert_eq!(ev.upstream_group, Some(&b"k8s-web"[..]));
/// assert_eq!(ev.status, Some(504));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = strip_line(line, Format::Alb)?;
    match parse_access(line) {
        Err(e)
            if matches!(
                e.kind,
                ParseErrorKind::InvalidField(_) | ParseErrorKind::MissingField(_)
            ) && has_health_words(line) =>
        {
            Err(ParseError::new(FORMAT, ParseErrorKind::Skipped("alb health check log"), 0))
        }
        other => other,
    }
}

fn parse_access(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let row = Row::<KNOWN>::read(line);
    let err = |kind, i: usize| ParseError::new(FORMAT, kind, row.offset(i, line));
    let missing = |i: usize| err(ParseErrorKind::MissingField(NAMES[i]), i);
    let invalid = |i: usize| err(ParseErrorKind::InvalidField(NAMES[i]), i);
    let skipped = |what| Err(ParseError::new(FORMAT, ParseErrorKind::Skipped(what), 0));

    let kind = row.raw(0).unwrap_or_default();
    let (b, c) = (row.raw(1).unwrap_or_default(), row.raw(2).unwrap_or_default());
    if looks_like_time(kind) {
        if is_conn_log(b, c, row.raw(3)) {
            return skipped("alb connection log");
        }
        // Probably a Classic ELB line, which has no `type`.
        return Err(err(ParseErrorKind::NotRecognized, 0));
    }
    if is_nlb(kind, b, c) || row.raw(3).is_some_and(|d| d.starts_with(b"net/")) {
        return skipped("nlb access log");
    }
    if kind.is_empty()
        || kind.len() > 8
        || !kind.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(err(ParseErrorKind::NotRecognized, 0));
    }

    // Required: everything through elb_status_code.
    if let Some(i) = (1..=8).find(|&i| row.raw(i).is_none()) {
        return Err(missing(i));
    }
    let time = parse_time(b).ok_or_else(|| invalid(1))?;
    let elb = row.get(2);
    if elb.is_some_and(|e| e.starts_with(b"net/")) {
        return skipped("nlb access log");
    }
    let client = row.get(3);
    for i in [3, 4] {
        if row.get(i).is_some_and(|a| !is_addr(a)) {
            return Err(invalid(i));
        }
    }
    let target = row.get(4);
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
    let rpt = timing(5)?;
    let tpt = timing(6)?;
    let rsp = timing(7)?;
    let elb_status = status(8)?;
    let target_status = status(9)?;
    let received_bytes = count(10)?;
    let sent_bytes = count(11)?;
    let matched_rule_priority = match row.get(20) {
        None => None,
        Some(v) => Some(parse_i64(v).ok_or_else(|| invalid(20))?),
    };
    let request_creation_time = match row.get(21) {
        None => None,
        Some(v) => Some(parse_time(v).ok_or_else(|| invalid(21))?),
    };
    let (client_ip, client_port) = client.map(split_host_port).unzip();
    let (target_ip, target_port) = target.map(split_host_port).unzip();

    let mut fields = Fields {
        kind,
        client_ip,
        client_port: client_port.flatten(),
        target_ip,
        target_port: target_port.flatten(),
        request_processing_time: rpt,
        target_processing_time: tpt,
        response_processing_time: rsp,
        target_status_code: target_status,
        received_bytes,
        sent_bytes,
        user_agent: row.get(13),
        ssl_cipher: row.get(14),
        ssl_protocol: row.get(15),
        target_group_arn: row.get(16),
        trace_id: row.get(17),
        domain_name: row.get(18),
        chosen_cert_arn: row.get(19),
        matched_rule_priority,
        request_creation_time,
        // A request created after its response (a damaged or edited line) has no duration.
        duration_micros: request_creation_time
            .map(|rct| time.unix_micros().saturating_sub(rct.unix_micros()))
            .filter(|&d| d >= 0),
        actions_executed: row.get(22),
        redirect_url: row.get(23),
        error_reason: row.get(24),
        target_port_list: row.get(25),
        target_status_code_list: row.get(26),
        classification: row.get(27),
        classification_reason: row.get(28),
        conn_trace_id: row.get(29),
        transformed_host: row.get(30),
        transformed_uri: row.get(31),
        request_transform_status: row.get(32),
        trailing: row.trailing,
        field_count: row.len,
        truncated: row.truncated,
        rule: "",
    };
    let (class, phase, rule) = classify(&fields, elb_status, target.is_some());
    fields.rule = rule;

    let request = row.get(12).filter(|r| !is_dash_request(r));
    let mut ev = Event::new(Format::Alb, line);
    ev.time = Some(time);
    ev.class = class;
    ev.phase = phase;
    ev.status = elb_status;
    ev.upstream = target;
    ev.upstream_group = fields.target_group_arn.and_then(target_group_name);
    ev.client = client;
    ev.server = elb;
    ev.request = request;
    ev.host = fields.domain_name.or_else(|| request.and_then(request_host));
    ev.message = &line[..0];
    ev.fields = EventFields::Alb(fields);
    Ok(ev)
}

/// Parses `-?digits`.
fn parse_i64(b: &[u8]) -> Option<i64> {
    match b.strip_prefix(b"-") {
        Some(d) => parse_u64(d).and_then(|v| i64::try_from(v).ok()).map(|v| -v),
        None => parse_u64(b).and_then(|v| i64::try_from(v).ok()),
    }
}

/// The name in a target-group ARN: `arn:...:targetgroup/<name>/<id>` gives `<name>`.
fn target_group_name(arn: &[u8]) -> Option<&[u8]> {
    let at = find(arn, b"targetgroup/")?;
    let rest = &arn[at + b"targetgroup/".len()..];
    let name = &rest[..memchr::memchr(b'/', rest).unwrap_or(rest.len())];
    (!name.is_empty()).then_some(name)
}

/// Whether a duration is the 10 s connect (or TLS handshake) timeout to a target.
fn about_ten_seconds(duration: Option<i64>) -> bool {
    duration.is_some_and(|d| (9_900_000..=11_000_000).contains(&d))
}

/// Classifies a row by the table in the module docs: `(class, phase, rule)`.
fn classify(f: &Fields<'_>, elb: Option<u16>, has_target: bool) -> (Class, Phase, &'static str) {
    use Class as C;
    use Phase as P;
    let reason = f.error_reason.unwrap_or_default();
    // `0` is not a status a target can send: treat it as no response.
    let target_status = f.target_status_code.filter(|&s| s != 0);
    let elb_code = elb;
    let elb = elb.unwrap_or(0);
    let server_error = (500..600).contains(&elb);

    if !f.has_action(b"forward") && (f.has_action(b"redirect") || f.has_action(b"fixed-response")) {
        return (C::Ok, P::None, "A1");
    }
    let auth_or_waf =
        f.has_action(b"authenticate") || f.has_action(b"waf") || f.has_action(b"waf-failed");
    if reason.starts_with(b"Auth")
        || reason.starts_with(b"WAF")
        || (elb == 500 && auth_or_waf && target_status.is_none())
        || elb == 561
    {
        return (C::ProxyError, P::None, "A2");
    }
    let last_action = f.actions_executed.and_then(|a| a.rsplit(|&c| c == b',').next());
    if elb == 403 && last_action == Some(&b"waf"[..]) {
        return (C::Ok, P::None, "A3");
    }
    if elb == 460 {
        return (C::ClientAbort, P::None, "A4");
    }
    if matches!(elb_code, Some(0 | 400..=499)) && target_status.is_none() {
        return (C::ClientError, P::None, "A5");
    }
    if let Some(ts) = target_status {
        if ts == elb && server_error {
            return (C::Upstream5xx, P::None, "B1");
        }
        if elb < 500 {
            return (C::Ok, P::None, "B2");
        }
        if server_error {
            return (C::InvalidHeader, P::Body, "B3");
        }
    }
    if !has_target && (reason == b"LambdaInvalidResponse" || reason == b"LambdaResponseTooLarge") {
        return (C::InvalidHeader, P::Header, "C1");
    }
    if reason == b"LambdaUnhandled" {
        return (C::Upstream5xx, P::None, "C2");
    }
    if reason == b"LambdaConnectionTimeout" {
        return (C::ResponseTimeout, P::Header, "C3");
    }
    const THROTTLED: [&[u8]; 4] = [
        b"LambdaThrottling",
        b"LambdaEC2ThrottledException",
        b"LambdaENILimitReachedException",
        b"LambdaSubnetIPAddressLimitReachedException",
    ];
    if THROTTLED.contains(&reason) {
        return (C::UpstreamBusy, P::Connect, "C4");
    }
    if !reason.is_empty() {
        return (C::ProxyError, P::None, "C5");
    }
    if elb == 503 && !has_target && (f.actions_executed.is_none() || f.has_action(b"forward")) {
        return (C::NoLiveUpstreams, P::Connect, "D1");
    }
    let measured = |t: Option<Timing>| t.is_some_and(Timing::measured);
    let failed = |t: Option<Timing>| t == Some(Timing::Failed);
    let all_failed = failed(f.request_processing_time)
        && failed(f.target_processing_time)
        && failed(f.response_processing_time);
    if elb == 502 && has_target {
        if measured(f.request_processing_time)
            && measured(f.target_processing_time)
            && failed(f.response_processing_time)
        {
            return (C::PrematurelyClosed, P::Header, "D2");
        }
        if all_failed {
            if about_ten_seconds(f.duration_micros) {
                return (C::TlsHandshake, P::Connect, "D4");
            }
            return (C::ConnectError, P::Connect, "D3");
        }
    }
    if elb == 504 {
        if has_target && all_failed && about_ten_seconds(f.duration_micros) {
            return (C::ConnectTimeout, P::Connect, "E1");
        }
        return (C::ResponseTimeout, P::Header, "E3");
    }
    if server_error && !has_target {
        return (C::ConnectError, P::Connect, "F1");
    }
    if server_error {
        return (C::GatewayError, P::None, "G1");
    }
    (C::Ok, P::None, "G2")
}

#[cfg(test)]
mod tests;
