//! Envoy access logs, and Istio's (whose sidecars and gateways are Envoy).
//!
//! # Layouts
//!
//! [`parse`] reads, line by line and in any mix:
//!
//! - **Envoy's default text format** (Envoy docs, "Access logging", default format string):
//!
//!   ```text
//!   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//!   %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//!   %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
//!   "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
//!   ```
//!
//! - **Istio's default text format** (istio.io, "Envoy Access Logs"): the same, with
//!   `%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"`
//!   after the flags and `%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
//!   %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%` after the upstream host;
//!   its older forms: Istio up to 1.7 wrote `"%DYNAMIC_METADATA(istio.mixer:status)%"
//!   "%UPSTREAM_TRANSPORT_FAILURE_REASON%"` in place of the details fields (layout `istio-1.5`),
//!   and Istio 1.0-1.4 the quoted Mixer status alone (layout `istio-mixer`). The layout is told
//!   by the fields between the flags and `%BYTES_RECEIVED%` (the first bare number): bare
//!   words are the details fields, quoted ones the Mixer status and the failure reason.
//! - **TCP-proxy lines** of the same layouts: the request is `"- - -"` and the response code
//!   `0` (Envoy's docs say `-`; real Istio lines write `0`: istio#31555, #29109, #56356).
//! - **JSON lines** (`json_format`, `typed_json_format`, Istio `accessLogEncoding: JSON`): one
//!   object per line, recognized by its key names, not by their order: Envoy's operators in
//!   snake_case (`response_flags`, `upstream_host`) or camelCase (`responseFlags`), a few
//!   common aliases (`status`, `remote_addr`, `fullPath`) and one level of nested objects
//!   (`"upstream": {"host": ...}` reads as `upstream_host`). Unknown keys are skipped, typed
//!   `null` and `"-"` are "no value", and a known key holding the wrong type (an object for
//!   `response_code`, text for `bytes_sent`) makes the line unparsed with
//!   [`ParseErrorKind::InvalidField`] naming the key. Values are kept as written, escapes
//!   included: the scanner never unescapes, so nothing is allocated, ever (see [`json`]).
//! - **key=value lines** (envoy#9242): an optional `[time]`, then `key=value` pairs with the
//!   same key names and aliases (`response_flag=UT status=200 upstream=127.0.0.1:7000`).
//! - **Custom format strings**, with [`LogFormat`] (`--envoy-log-format`).
//!
//! A text or JSON line may carry the time `kubectl logs --timestamps` puts before it
//! (`2020-11-22T20:04:32.765123456Z [2020-11-22T20:04:32.765Z] "GET ...`); it is skipped.
//!
//! # Event fields
//!
//! - `time`: `%START_TIME%` (ISO 8601 with `Z` or an offset; a bracket that holds a Unix
//!   time in seconds among other words is read by it).
//! - `status`: `%RESPONSE_CODE%`; `None` for `0` (no response was sent, kept in
//!   [`Fields::response_code`]).
//! - `upstream`: `%UPSTREAM_HOST%`, without the `tcp://` older Envoy put before it.
//! - `upstream_group`: `%UPSTREAM_CLUSTER%`; an Istio cluster name
//!   `outbound|8080||cart.shop.svc.cluster.local` gives the service and namespace,
//!   `cart.shop` (its port is [`Fields::upstream_cluster_port`]); a cluster without a service
//!   (`inbound|8000||`, `PassthroughCluster`) is taken whole.
//! - `client`: `%DOWNSTREAM_REMOTE_ADDRESS%`, else the first `X-Forwarded-For` entry; only a
//!   value with the shape of an IP address (with or without a port) is taken.
//! - `host`: `%REQ(:AUTHORITY)%`. `request`: the request line (`None` for `- - -`).
//! - `message`: empty, as for other access logs. One event is one response.
//!
//! # Classification
//!
//! The first rule that gives a class decides; its name is [`Fields::rule`].
//!
//! 1. `details`: `%RESPONSE_CODE_DETAILS%`, when present and known, wins over the flags:
//!    `via_upstream` is `upstream_5xx` for a 5xx and `ok` otherwise;
//!    `upstream_reset_before_response_started{X}` and `upstream_reset_after_response_started{X}`
//!    take the class of their cause `X` (below); `upstream_response_timeout`,
//!    `upstream_per_try_timeout`, `upstream_max_stream_duration_reached` and `duration_timeout`
//!    are `response_timeout`; `stream_idle_timeout` is `response_timeout` when an upstream
//!    host was chosen and `client_error` otherwise; `no_healthy_upstream` is
//!    `no_live_upstreams`; `route_not_found`, `filter_chain_not_found`, `cluster_not_found`,
//!    `overload_manager` and `ext_authz_*` are `proxy_error`; `downstream_remote_disconnect`
//!    is `client_abort`; `request_rate_limited`, `local_rate_limited`, `rbac_access_denied*`,
//!    `http1.*`/`http2.*` codec errors and `request_payload_too_large` are `client_error`;
//!    `direct_response` and `fault_filter_abort` are `ok`.
//! 2. `flags`: `%RESPONSE_FLAGS%` (short or long names; with several, the strongest wins in
//!    this order; the long names are Envoy's `ResponseFlagUtils` names, `NoHealthyUpstream`
//!    and so on): `UH` and `LH` `no_live_upstreams`; `UF` connect failure (below); `UO`
//!    overflow, `DO` and `UDO` drop-overload `upstream_busy`; `NR`, `NC`, `NFCF`, `OM`, `UAEX`,
//!    `RLSE` `proxy_error`; `UT` (also with status 200: gRPC answers a timeout in a 200,
//!    envoy#9242), `DT`, `UMSDR` `response_timeout`; `UC`, `UR`, `LR` `prematurely_closed`;
//!    `UPE` `invalid_header`; `DF` `dns_failure`; `SI` as `stream_idle_timeout`; `RL`, `IH`,
//!    `DPE` `client_error`; `DC`, `DR` `client_abort`; `DI`, `FI`, `RFCF` `ok`. `URX` (retries exhausted)
//!    keeps the class of its co-flag (`UF,URX` is a connect failure); alone, it is
//!    `upstream_5xx` for a 5xx (the last try's answer) and `ok` otherwise.
//! 3. `status`: no flag, no details: a 5xx is `upstream_5xx` (Envoy flags every failure of
//!    its own); `0` on an HTTP request is `client_abort` (no response was started: the client
//!    left); anything else is `ok` (TCP lines included).
//!
//! A connect failure (`UF`, or the reset causes `connection_failure`,
//! `remote_connection_failure`, `local_connection_failure`) is refined by the details and
//! `%UPSTREAM_TRANSPORT_FAILURE_REASON%`: errno 111 or "refused" is `connect_refused`, 110 or
//! "timed out" `connect_timeout`, 113/101 or "unreachable" `connect_unreachable`, a TLS error
//! `tls_certificate` (certificate verification) or `tls_handshake` (anything else); without
//! such detail it stays `connect_error`. The other reset causes: `connection_termination`,
//! `remote_reset`, `local_reset` (also written `local reset`) are `prematurely_closed`,
//! `overflow` `upstream_busy`, `protocol_error` `invalid_header`, a TLS error as above.
//!
//! Where the project's spec (`alb-and-more.md` §3.2) and its class list (`taxonomy.md`)
//! differ, the class list decides: `UO` (a circuit breaker overflowing) is `upstream_busy`, as
//! `taxonomy.md` names it, not `no_live_upstreams`; `DF` is `dns_failure`, not a connect
//! error. `UR` follows §3.2 (`prematurely_closed`, like `UC`).
//!
//! The spec (`alb-and-more.md` §3) maps a connect failure whose duration is near the connect
//! timeout to a connect timeout; the line does not say what the timeout was, so that is left
//! to the reader: such a line stays `connect_error`.

pub(crate) mod fields;
pub mod json;
mod kv;
pub mod log_format;
mod rec;
mod text;

pub use fields::Fields;
pub use log_format::LogFormat;
pub use rec::start_time;

use crate::bytes::{finder, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields};
use crate::format::Format;
use rec::{FORMAT, Rec, Slot, offset_in};

/// A line parser for Envoy lines: the built-in layouts, and a custom format when given.
#[derive(Clone, Debug, Default)]
pub struct Parser {
    // Shared: parsers are cloned per chunk of input, and kept small.
    format: Option<std::sync::Arc<LogFormat>>,
}

impl Parser {
    /// A parser for the built-in layouts.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// A parser that reads lines with `format` first, and the built-in layouts (JSON and
    /// key=value lines, the default text formats) when a line does not fit it.
    pub fn with_format(format: LogFormat) -> Parser {
        Parser { format: Some(std::sync::Arc::new(format)) }
    }

    /// The custom format, when one was given.
    pub fn format(&self) -> Option<&LogFormat> {
        self.format.as_deref()
    }

    /// Parses one line; see the [module docs](self).
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        let Some(f) = &self.format else {
            return parse(line);
        };
        let stripped = strip_line(line)?;
        match f.read(stripped) {
            Ok(rec) => build(stripped, rec, "custom"),
            Err(e) => parse(line).map_err(|_| e),
        }
    }
}

/// Whether a line looks like an Envoy access-log line of a built-in layout: a `[ISO time]
/// "request"` text line, a JSON object with Envoy's key names, or a key=value line with a
/// `response_flag(s)` key. Cheap: a few byte comparisons and at most a few `memmem` scans.
pub fn looks_like(line: &[u8]) -> bool {
    let line = line.trim_ascii_start();
    let line = &line[prefix_len(line)..];
    match line.first() {
        Some(b'{') => json::looks_like(line),
        Some(b'[') => text::looks_like(line) || kv::looks_like(line),
        Some(_) => kv::looks_like(line),
        None => false,
    }
}

/// Whether a line is an Envoy text line (`[ISO time] "request" code`) or an Envoy JSON line:
/// the shapes no other format has, checked before the other formats' (cheap: a few byte
/// comparisons, and for `{` lines a few `memmem` scans). key=value lines are left to
/// [`looks_like`], after the others.
pub(crate) fn looks_like_text_or_json(line: &[u8]) -> bool {
    let line = &line[prefix_len(line)..];
    match line.first() {
        Some(b'[') => text::looks_like(line),
        Some(b'{') => json::looks_like(line),
        _ => false,
    }
}

/// The length of the time `kubectl logs --timestamps` writes before each line
/// (`2020-11-22T20:04:32.765123456Z `), when it is followed by an Envoy text or JSON line
/// (`[` or `{`); 0 otherwise. The event's time is Envoy's own `%START_TIME%`.
fn prefix_len(line: &[u8]) -> usize {
    if !line.first().is_some_and(u8::is_ascii_digit) || !crate::aws::looks_like_time(line) {
        return 0;
    }
    let head = &line[..line.len().min(40)];
    match memchr::memchr(b' ', head) {
        Some(sp) if matches!(line.get(sp + 1), Some(b'[' | b'{')) => sp + 1,
        _ => 0,
    }
}

/// Parses one Envoy access-log line of a built-in layout; see the [module docs](self).
///
/// ```
/// use logparse::{Class, envoy};
/// let line = br#"[2024-06-18T10:19:42.614Z] "POST /topup HTTP/1.1" 503 UC upstream_reset_before_response_started{connection_termination} - "-" 138 95 120001 - "-" "-" "ed37e325" "internal-api:8080" "10.34.127.167:8080" outbound|8080||internal-api.default.svc.cluster.local 127.0.0.6:58719 10.34.127.167:8080 10.34.126.119:57080 - default"#;
/// let ev = envoy::parse(line).unwrap();
/// assert_eq!(ev.class, Class::PrematurelyClosed);
/// assert_eq!(ev.upstream, Some(&b"10.34.127.167:8080"[..]));
/// assert_eq!(ev.upstream_group, Some(&b"internal-api.default"[..]));
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = strip_line(line)?;
    let start = line.len() - line.trim_ascii_start().len();
    let start = start + prefix_len(&line[start..]);
    let (rec, layout) = match line[start] {
        b'{' => (json::read(line, start)?, "json"),
        b'[' if text::looks_like(&line[start..]) => text::read(line, start)?,
        _ if kv::looks_like(&line[start..]) => (kv::read(line, start)?, "key-value"),
        _ => return Err(ParseError::new(FORMAT, ParseErrorKind::NotRecognized, 0)),
    };
    build(line, rec, layout)
}

/// The line without its terminator; `Err(Empty)` for a blank line.
fn strip_line(line: &[u8]) -> Result<&[u8], ParseError> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let line = &line[..end];
    if line.trim_ascii().is_empty() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Empty, 0));
    }
    Ok(line)
}

/// A number of a numeric field: digits; for the durations also digits with a fraction (the
/// fraction dropped: they are milliseconds).
fn number(line: &[u8], v: Option<&[u8]>, slot: Slot) -> Result<Option<u64>, ParseError> {
    let Some(v) = v else { return Ok(None) };
    let int = match memchr::memchr(b'.', v) {
        Some(dot)
            if matches!(slot, Slot::Duration | Slot::UpstreamServiceTime)
                && dot > 0
                && v[dot + 1..].iter().all(u8::is_ascii_digit) =>
        {
            &v[..dot]
        }
        _ => v,
    };
    parse_u64(int).map(Some).ok_or_else(|| {
        ParseError::new(FORMAT, ParseErrorKind::InvalidField(slot.name()), offset_in(line, v))
    })
}

/// Turns the values of a line into its event.
pub(crate) fn build<'a>(
    line: &'a [u8],
    rec: Rec<'a>,
    layout: &'static str,
) -> Result<Event<'a>, ParseError> {
    let code = number(line, rec.response_code, Slot::ResponseCode)?;
    let response_code = match code {
        Some(c) if c > 999 => {
            let at = rec.response_code.map_or(0, |v| offset_in(line, v));
            return Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField("response_code"), at));
        }
        c => c.map(|c| c as u16),
    };
    let request = rec.request.filter(|r| !r.iter().all(|&c| c == b'-' || c == b' '));
    // A TCP-proxy line: the request `- - -`, or no request at all and no response code.
    let tcp = rec.request.is_some_and(|r| r.iter().all(|&c| c == b'-' || c == b' '))
        || (rec.request.is_none()
            && rec.method.is_none()
            && rec.path.is_none()
            && matches!(response_code, None | Some(0)));
    let upstream = rec.upstream_host.map(|h| h.strip_prefix(b"tcp://").unwrap_or(h));
    let (group, cluster_port) = match rec.cluster {
        Some(c) => {
            let (g, p) = cluster_group(c);
            (Some(g), p)
        }
        None => (None, None),
    };
    let (class, phase, rule) = classify(&Inputs {
        status: response_code,
        flags: rec.flags,
        details: rec.details,
        utfr: rec.utfr,
        engaged: upstream.is_some(),
        tcp,
    });
    // Only an address is a client: a custom format may put anything in these fields.
    let client = rec.downstream_remote.filter(|a| is_address(a)).or_else(|| {
        let x = rec.xff?;
        let first = memchr::memchr(b',', x).map_or(x, |i| &x[..i]).trim_ascii();
        is_address(first).then_some(first)
    });
    let mut ev = Event::new(Format::Envoy, line);
    ev.time = rec.start_time.and_then(start_time);
    ev.class = class;
    ev.phase = phase;
    ev.status = response_code.filter(|&c| c != 0);
    ev.upstream = upstream;
    ev.upstream_group = group;
    ev.client = client.filter(|c| !c.is_empty());
    ev.host = rec.authority;
    ev.request = request;
    ev.fields = EventFields::Envoy(Fields {
        layout,
        tcp,
        method: rec.method,
        path: rec.path,
        protocol: rec.protocol,
        response_code,
        response_flags: rec.flags,
        response_code_details: rec.details,
        connection_termination_details: rec.termination,
        upstream_transport_failure_reason: rec.utfr,
        mixer_status: rec.mixer,
        bytes_received: number(line, rec.bytes_received, Slot::BytesReceived)?,
        bytes_sent: number(line, rec.bytes_sent, Slot::BytesSent)?,
        duration_ms: number(line, rec.duration, Slot::Duration)?,
        upstream_service_time_ms: number(
            line,
            rec.upstream_service_time,
            Slot::UpstreamServiceTime,
        )?,
        x_forwarded_for: rec.xff,
        user_agent: rec.user_agent,
        request_id: rec.request_id,
        upstream_host: rec.upstream_host,
        upstream_cluster: rec.cluster,
        upstream_cluster_port: cluster_port,
        upstream_local_address: rec.upstream_local,
        downstream_local_address: rec.downstream_local,
        downstream_remote_address: rec.downstream_remote,
        requested_server_name: rec.sni,
        route_name: rec.route,
        grpc_status: rec.grpc_status,
        truncated: rec.truncated,
        trailing: rec.trailing,
        rule,
    });
    Ok(ev)
}

/// Whether `b` has the shape of an IP address, with or without a port (`10.0.0.1`,
/// `10.0.0.1:80`, `[2001:db8::1]:443`, `2001:db8::1`): hex digits, `.`, `:` and brackets,
/// with a `.` or a `:`.
fn is_address(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter().any(|&c| c == b'.' || c == b':')
        && b.iter().all(|&c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'[' | b']'))
}

/// The group and port of an upstream cluster name.
///
/// Istio names clusters `direction|port|subset|fqdn` (`outbound|8080||cart.shop.svc.cluster.local`):
/// the group is the fqdn up to `.svc` (`cart.shop`: service and namespace), the port is the
/// second part. Other names (and Istio names without a service) are the group as they are.
pub fn cluster_group(cluster: &[u8]) -> (&[u8], Option<u16>) {
    let mut parts = cluster.splitn(4, |&c| c == b'|');
    let (Some(dir), Some(port), Some(_subset), Some(fqdn)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return (cluster, None);
    };
    if !matches!(dir, b"outbound" | b"inbound" | b"inbound-vip" | b"outbound-vip") {
        return (cluster, None);
    }
    let port = parse_u64(port).and_then(|p| u16::try_from(p).ok());
    let service = match finder!(b".svc").find(fqdn) {
        Some(i) if matches!(fqdn.get(i + 4), None | Some(b'.')) => &fqdn[..i],
        _ => fqdn,
    };
    if service.is_empty() { (cluster, port) } else { (service, port) }
}

/// What classification looks at.
struct Inputs<'a> {
    status: Option<u16>,
    flags: Option<&'a [u8]>,
    details: Option<&'a [u8]>,
    utfr: Option<&'a [u8]>,
    /// Whether an upstream host was chosen.
    engaged: bool,
    tcp: bool,
}

fn classify(i: &Inputs<'_>) -> (Class, Phase, &'static str) {
    if let Some(d) = i.details {
        if let Some((c, p)) = by_details(d, i) {
            return (c, p, "details");
        }
    }
    if let Some(f) = i.flags {
        if let Some((c, p)) = by_flags(f, i) {
            return (c, p, "flags");
        }
    }
    let status = i.status.unwrap_or(0);
    let (c, p) = match status {
        500..=599 => (Class::Upstream5xx, Phase::None),
        0 if !i.tcp => (Class::ClientAbort, Phase::None),
        _ => (Class::Ok, Phase::None),
    };
    (c, p, "status")
}

fn by_details(d: &[u8], i: &Inputs<'_>) -> Option<(Class, Phase)> {
    let starts = |p: &[u8]| d.starts_with(p);
    if d == b"via_upstream" {
        return Some(if matches!(i.status, Some(500..=599)) {
            (Class::Upstream5xx, Phase::None)
        } else {
            (Class::Ok, Phase::None)
        });
    }
    if let Some(rest) = d.strip_prefix(b"upstream_reset_before_response_started") {
        return Some(reset_cause(rest, i.utfr, Phase::Header));
    }
    if let Some(rest) = d.strip_prefix(b"upstream_reset_after_response_started") {
        return Some(reset_cause(rest, i.utfr, Phase::Body));
    }
    Some(
        if starts(b"upstream_response_timeout")
            || starts(b"upstream_per_try_timeout")
            || starts(b"upstream_per_try_idle_timeout")
            || starts(b"upstream_max_stream_duration_reached")
            || starts(b"duration_timeout")
        {
            (Class::ResponseTimeout, Phase::Header)
        } else if starts(b"stream_idle_timeout") {
            idle(i)
        } else if starts(b"no_healthy_upstream") {
            (Class::NoLiveUpstreams, Phase::Connect)
        } else if starts(b"route_not_found")
            || starts(b"filter_chain_not_found")
            || starts(b"cluster_not_found")
            || starts(b"overload_manager")
            || starts(b"ext_authz")
        {
            (Class::ProxyError, Phase::None)
        } else if starts(b"downstream_remote_disconnect") {
            (Class::ClientAbort, Phase::None)
        } else if starts(b"request_rate_limited")
            || starts(b"local_rate_limited")
            || starts(b"rbac_access_denied")
            || starts(b"http1.")
            || starts(b"http2.")
            || starts(b"request_payload_too_large")
        {
            (Class::ClientError, Phase::None)
        } else if starts(b"direct_response") || starts(b"fault_filter_abort") {
            (Class::Ok, Phase::None)
        } else {
            return None;
        },
    )
}

/// `SI` / `stream_idle_timeout`: the upstream's when one was engaged, else the client's.
fn idle(i: &Inputs<'_>) -> (Class, Phase) {
    if i.engaged {
        (Class::ResponseTimeout, Phase::Header)
    } else {
        (Class::ClientError, Phase::None)
    }
}

/// Whether `hay` contains `needle`, ASCII case-insensitively (needles are lowercase).
/// Only the first 512 bytes are looked at: the values searched are Envoy's own short words.
fn has(hay: &[u8], needle: &[u8]) -> bool {
    let hay = &hay[..hay.len().min(512)];
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The class of an upstream reset from its cause (`{connection_failure,...}`) and the
/// transport failure reason.
fn reset_cause(cause: &[u8], utfr: Option<&[u8]>, phase: Phase) -> (Class, Phase) {
    let any = |n: &[u8]| has(cause, n) || utfr.is_some_and(|u| has(u, n));
    if any(b"tls") || any(b"ssl") || any(b"certificate") {
        return (tls_class(cause, utfr), Phase::Connect);
    }
    if has(cause, b"connection_failure") || has(cause, b"connect_error") {
        return (connect_class(cause, utfr), Phase::Connect);
    }
    let c = if has(cause, b"overflow") {
        return (Class::UpstreamBusy, Phase::Queue);
    } else if has(cause, b"protocol_error") {
        Class::InvalidHeader
    } else if has(cause, b"connection_timeout") {
        return (Class::ConnectTimeout, Phase::Connect);
    } else {
        // connection_termination, remote_reset, local_reset / "local reset", and causes not
        // known: the upstream connection ended before a complete response.
        Class::PrematurelyClosed
    };
    (c, phase)
}

fn tls_class(cause: &[u8], utfr: Option<&[u8]>) -> Class {
    let any = |n: &[u8]| has(cause, n) || utfr.is_some_and(|u| has(u, n));
    if any(b"certificate_verify_failed")
        || any(b"certificate verify failed")
        || any(b"verify_failed")
        || any(b"certificate_expired")
    {
        Class::TlsCertificate
    } else {
        Class::TlsHandshake
    }
}

/// The class of a connect failure from what the details and the transport failure reason
/// say of it.
fn connect_class(cause: &[u8], utfr: Option<&[u8]>) -> Class {
    let any = |n: &[u8]| has(cause, n) || utfr.is_some_and(|u| has(u, n));
    if any(b"tls") || any(b"ssl") || any(b"certificate") {
        tls_class(cause, utfr)
    } else if any(b"error:_111") || any(b"error:111") || any(b"refused") {
        Class::ConnectRefused
    } else if any(b"error:_110") || any(b"error:110") || any(b"timed_out") || any(b"timed out") {
        Class::ConnectTimeout
    } else if any(b"error:_113")
        || any(b"error:_101")
        || any(b"unreachable")
        || any(b"no_route_to_host")
    {
        Class::ConnectUnreachable
    } else {
        Class::ConnectError
    }
}

/// The class of one response flag (short or long name) and its strength (lower wins).
fn flag(name: &[u8], i: &Inputs<'_>) -> Option<(u8, Class, Phase)> {
    Some(match name {
        b"UH" | b"NoHealthyUpstream" => (0, Class::NoLiveUpstreams, Phase::Connect),
        b"UF" | b"UpstreamConnectionFailure" => {
            (1, connect_class(i.details.unwrap_or_default(), i.utfr), Phase::Connect)
        }
        b"UO" | b"UpstreamOverflow" => (2, Class::UpstreamBusy, Phase::Queue),
        b"DO" | b"DropOverload" | b"UDO" | b"UnconditionalDropOverload" => {
            (2, Class::UpstreamBusy, Phase::Queue)
        }
        b"NR" | b"NoRouteFound" => (3, Class::ProxyError, Phase::None),
        b"NC" | b"NoClusterFound" => (3, Class::ProxyError, Phase::None),
        b"UT" | b"UpstreamRequestTimeout" => (4, Class::ResponseTimeout, Phase::Header),
        b"UC" | b"UpstreamConnectionTermination" => (5, Class::PrematurelyClosed, Phase::Header),
        b"UR" | b"UpstreamRemoteReset" => (5, Class::PrematurelyClosed, Phase::Header),
        b"LR" | b"LocalReset" => (5, Class::PrematurelyClosed, Phase::Header),
        b"UPE" | b"UpstreamProtocolError" => (6, Class::InvalidHeader, Phase::Header),
        b"UMSDR" | b"UpstreamMaxStreamDurationReached" => {
            (7, Class::ResponseTimeout, Phase::Header)
        }
        b"DT" | b"DurationTimeout" => (7, Class::ResponseTimeout, Phase::Header),
        b"DF" | b"DnsResolutionFailed" => (8, Class::DnsFailure, Phase::Connect),
        b"LH" | b"FailedLocalHealthCheck" => (8, Class::NoLiveUpstreams, Phase::Connect),
        b"SI" | b"StreamIdleTimeout" => {
            let (c, p) = idle(i);
            (9, c, p)
        }
        b"OM" | b"OverloadManagerTerminated" => (10, Class::ProxyError, Phase::None),
        b"NFCF" | b"NoFilterConfigFound" => (10, Class::ProxyError, Phase::None),
        b"UAEX" | b"UnauthorizedExternalService" => (10, Class::ProxyError, Phase::None),
        b"RLSE" | b"RateLimitServiceError" => (10, Class::ProxyError, Phase::None),
        b"RL" | b"RateLimited" => (11, Class::ClientError, Phase::None),
        b"IH" | b"InvalidEnvoyRequestHeaders" => (11, Class::ClientError, Phase::None),
        b"DPE" | b"DownstreamProtocolError" => (11, Class::ClientError, Phase::None),
        b"DC" | b"DownstreamConnectionTermination" => (12, Class::ClientAbort, Phase::None),
        b"DR" | b"DownstreamRemoteReset" => (12, Class::ClientAbort, Phase::None),
        b"DI" | b"DelayInjected" | b"FI" | b"FaultInjected" => (13, Class::Ok, Phase::None),
        b"RFCF" | b"ResponseFromCacheFilter" => (13, Class::Ok, Phase::None),
        _ => return None,
    })
}

fn by_flags(flags: &[u8], i: &Inputs<'_>) -> Option<(Class, Phase)> {
    let mut best: Option<(u8, Class, Phase)> = None;
    let mut retries = false;
    for name in flags.split(|&c| c == b',' || c == b'|') {
        let name = name.trim_ascii();
        if name == b"URX" || name == b"UpstreamRetryLimitExceeded" {
            retries = true;
            continue;
        }
        if let Some(f) = flag(name, i) {
            if best.is_none_or(|b| f.0 < b.0) {
                best = Some(f);
            }
        }
    }
    match best {
        Some((_, c, p)) => Some((c, p)),
        None if retries => Some(if matches!(i.status, Some(500..=599)) {
            (Class::Upstream5xx, Phase::None)
        } else {
            (Class::Ok, Phase::None)
        }),
        None => None,
    }
}

#[cfg(test)]
mod tests;
