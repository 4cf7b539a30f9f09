//! The nginx access log (`access_log`), read through the `log_format` that wrote it.
//!
//! # Layout
//!
//! An access-log line is whatever its `log_format` says (`ngx_http_log_module`, documented at
//! <https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format>): literal text with
//! variables in between. Without a `log_format`, nginx writes the predefined `combined` format:
//!
//! ```text
//! log_format combined '$remote_addr - $remote_user [$time_local] '
//!                     '"$request" $status $body_bytes_sent '
//!                     '"$http_referer" "$http_user_agent"';
//! ```
//!
//! A line in that format:
//!
//! ```text
//! 203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"
//! ```
//!
//! A [`LogFormat`] is compiled once from the `log_format` string as written in `nginx.conf`
//! (see [`LogFormat::new`]) into literal separators and variable slots. Reading a line walks
//! them: each variable's value ends where the next literal is found (one `memchr`/`memmem`
//! search per literal, no backtracking, no allocation).
//!
//! # Formats read without configuration
//!
//! [`parse`] and the default [`Parser`] read `combined`, and also the three common formats that
//! extend it: nginx's sample `main` format (`combined` plus `"$http_x_forwarded_for"`),
//! [`LogFormat::main_upstream`] (`main` plus upstream timings) and the ingress-nginx
//! `upstreaminfo` format ([`LogFormat::upstreaminfo`]). The `combined` part is read once; the
//! text after it is tried against each extension in that order, and text that matches none is
//! kept in [`Fields::trailing`]. Any other layout needs its `log_format`:
//! [`Parser::with_format`], [`parse_with`], or `Parser::with_access_format` on the crate's
//! dispatcher. [`conf`] reads the `log_format` directives of a whole configuration file
//! (an `nginx.conf`) and picks one by name.
//!
//! # Variables
//!
//! The variables below fill the [`Event`] or [`Fields`]; every other variable (`$request_length`,
//! `$req_id`, `$sent_http_*`, ...) is read as a field and skipped. `-` (nginx's spelling of an
//! empty value) reads as `None`.
//!
//! | variable | goes to |
//! |---|---|
//! | `$remote_addr` | [`Event::client`] |
//! | `$time_local`, `$time_iso8601`, `$msec` | [`Event::time`] (UTC; the first one in the format) |
//! | `$request` | [`Event::request`] |
//! | `$status` | [`Event::status`] |
//! | `$host`, else `$server_name` | [`Event::host`]; `$server_name` also goes to [`Event::server`] |
//! | `$proxy_upstream_name` (ingress-nginx) | [`Event::upstream_group`] |
//! | `$upstream_addr` | [`Event::upstream`] (the final attempt's address) and [`Upstreams::addr`] |
//! | `$upstream_status`, `$upstream_response_time`, `$upstream_connect_time`, `$upstream_header_time` | [`Upstreams`] |
//! | `$remote_user`, `$body_bytes_sent`, `$bytes_sent`, `$request_time`, `$http_referer`, `$http_user_agent`, `$http_x_forwarded_for`, `$request_method`, `$request_uri`, `$uri`, `$scheme`, `$server_port` | [`Fields`] |
//!
//! # Shapes: a format that does not describe the lines reads none of them
//!
//! A value is taken up to the literal that follows its variable, so a format that is not the
//! one that wrote the lines could still find its literals and fill fields with the wrong text
//! (a format ending in `$upstream_addr`, applied to `combined` lines, would take the user
//! agent for the upstream). Every value is therefore checked against the shape of its
//! variable, without allocating; one that does not fit makes the line unparsed, with
//! [`ParseErrorKind::InvalidField`] naming the variable (`$upstream_addr`, `$request_length`,
//! `$http_x_custom`) and the offset where its value starts:
//!
//! | variables | shape |
//! |---|---|
//! | every variable, with `escape=default` | no raw `"` and no control byte (nginx writes them as `\xNN`) |
//! | every variable, with `escape=json` | no unescaped `"` and no control byte |
//! | `$remote_addr`, `$realip_remote_addr`, `$server_addr` | an IPv4 or IPv6 address (a `%zone` allowed), `unix:`, or `-` |
//! | `$upstream_addr` | entries separated by `, ` or ` : `, each `IP:port`, `[IPv6]:port`, `unix:/path`, an upstream group's name, or `-` |
//! | `$status`; `$upstream_status` | a status of one to three digits; one (or `-`) per attempt |
//! | `$request_time`, `$msec`; `$upstream_response_time`, `$upstream_connect_time`, `$upstream_header_time`, `$upstream_queue_time` | seconds with up to six decimals; one (or `-`) per attempt |
//! | `$time_local`, `$time_iso8601` | their layouts, a valid date and offset |
//! | `$body_bytes_sent`, `$bytes_sent`, `$request_length`, `$connection`, `$connection_requests`, `$pid`, `$server_port`, `$remote_port`, `$realip_remote_port` | a decimal integer or `-` |
//! | `$upstream_response_length`, `$upstream_bytes_received`, `$upstream_bytes_sent` | an integer (or `-`) per attempt |
//! | `$request` and the others | text (the escape rule only): garbage request lines stay readable |
//!
//! An empty value fits every shape (`escape=json` writes nothing for a missing value).
//!
//! One repair is made, where the shape leaves no doubt: a `$remote_addr` (or
//! `$realip_remote_addr`, `$server_addr`) value of several words whose last word is an IPv4 or
//! IPv6 address and whose other words are addresses or host names gives that last address.
//! It reads the lines of `$host $remote_addr - ...` layouts (`shop.example.com 192.0.2.10 - -
//! [...]`) and of forwarded-for lists logged where the address goes (`192.0.2.1, 198.51.100.7
//! - - [...]`, also in quotes) without their `log_format`. The **last** address is the peer:
//! nginx's `$proxy_add_x_forwarded_for` is the request's `X-Forwarded-For` with `$remote_addr`
//! appended, so its last entry is the address of the connection nginx accepted, and the earlier
//! ones are claims of earlier hops or of the client. Any other value that is not an address
//! (`192.0.2.10 shop.example.com`, free text) stays an [`ParseErrorKind::InvalidField`]: the
//! engine counts such lines as unparsed and warns once per input, naming the variable, with a
//! hint to pass the `log_format`.
//! `escape=none` leaves only the shapes. The variable names are those of nginx's variable
//! index (<https://nginx.org/en/docs/varindex.html>); the escaping is `ngx_http_log_escape`
//! of `ngx_http_log_module.c`.
//!
//! # Classification
//!
//! One access-log line is one response to a client; [`Event::status`] is `$status`. The class
//! comes from it and, when the format has them, from the upstream fields of the **final**
//! attempt:
//!
//! | `$status` | upstream fields | class |
//! |---|---|---|
//! | 499 | any | `client_abort` |
//! | 009 | any | `invalid_header` (nginx passed an upstream answer without a valid HTTP/1.0 header on as HTTP/0.9) |
//! | 5xx | the format has no `$upstream_addr` nor `$upstream_status` | `gateway_error` (the line cannot tell who produced it) |
//! | 5xx | final `$upstream_addr` and `$upstream_status` both `-` | `proxy_error` (no upstream was involved: nginx answered itself, e.g. `limit_req`, configuration) |
//! | 502, 504 | final `$upstream_status` equal to `$status` **and** final `$upstream_header_time` a number | `upstream_5xx` |
//! | 502, 504 | otherwise | `gateway_error` |
//! | other 5xx | final `$upstream_status` equal to `$status` | `upstream_5xx` |
//! | other 5xx | otherwise | `gateway_error` |
//! | 400, 408, 413, 414, 444, 494, 495, 496, 497 | any | `client_error` |
//! | other 1xx-4xx | any | `ok` |
//! | 000, or outside 100-599 | any | `info` |
//! | the format has no `$status` | | `info` |
//!
//! Why 502 and 504 need the header time: nginx writes `502` to `$upstream_status` both when
//! the upstream *answered* 502 and when nginx gave up on it (refused or reset connect, invalid
//! header, premature close), and `504` both for an upstream's 504 and for its own timeout. It
//! sets `$upstream_header_time` only after it has read a valid response header from the
//! upstream, so a number there proves the status came from the upstream; `-` (or a format
//! without the variable) leaves the cause unknown. Other 5xx statuses in `$upstream_status` are
//! always the upstream's own answer. The nginx error log gives the causes that
//! `gateway_error` lines lack.
//!
//! The `client_error` statuses are the ones nginx itself sends when the request or the client
//! was the problem (bad request, request timeout, body or URI too large, `return 444`, header
//! too large, client certificate errors, plain HTTP to an HTTPS port). An upstream's own 4xx
//! answers are `ok`, like every other status below 500 but 499.
//!
//! # Quirks handled
//!
//! - **Escapes.** nginx writes `"` as `\x22`, `\` as `\x5C` and control and non-ASCII bytes as
//!   `\xNN` inside variable values (`escape=default`), so a double quote in a line is always a
//!   delimiter. Fields are returned as written, escapes included. With `escape=json` values use
//!   `\"`; a quote preceded by an odd number of backslashes is then not a delimiter.
//! - **Several upstream attempts.** `$upstream_*` variables hold one entry per attempt:
//!   `a, b` when nginx moved to the next server, `a : b` after an internal redirect (`error_page`,
//!   `X-Accel-Redirect`), `-` for an entry with no value. Unquoted, they still read as one field:
//!   a separator (`, `, ` : `) is not taken for the literal that ends the field. The same holds
//!   for `$http_x_forwarded_for` (`a, b`). [`Upstreams::attempts`] walks the entries without
//!   allocating.
//! - **Unquoted `$time_local`** contains a space; it is read as one field.
//! - **Garbage request lines** (TLS handshakes and scanners on a plain HTTP port) are kept as
//!   written, with their `\xNN` escapes; an empty or `-` request line reads as `None`.
//! - **Text after the format** (a format that extends the one given) is accepted and kept in
//!   [`Fields::trailing`].
//! - A value containing the literal that follows it (an unquoted `$remote_user` with a space,
//!   an unquoted `$request`) cannot be told apart from the separator: the first occurrence ends
//!   the field.

use std::sync::OnceLock;

use crate::bytes::parse_u64;
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields};
use crate::format::Format;
use crate::options::Options;
use crate::time::{Timestamp, civil_to_unix, digits2, digits4, month_from_abbrev};

pub mod conf;
pub(crate) mod fields;
mod log_format;

pub use fields::{Attempt, Attempts, Fields, Upstreams};
use fields::{dash_or_empty, parse_decimal_micros, parse_seconds, parse_status, valid_list};
pub use log_format::{Escape, FormatError, LogFormat};
use log_format::{
    MAIN_TAIL, MAIN_UPSTREAM_TAIL, Shape, Slot, UPSTREAMINFO_TAIL, Var, fits, named, peer_address,
};

const FORMAT: Option<Format> = Some(Format::NginxAccess);

// ---------------------------------------------------------------------------------------------
// Reading a line with a compiled format

impl LogFormat {
    /// Reads `line[pos..]` into `rec`; returns where the format's text ended.
    fn read<'a>(
        &self,
        line: &'a [u8],
        pos: usize,
        rec: &mut Record<'a>,
    ) -> Result<usize, ParseError> {
        let c = self.compiled();
        let rest = line.get(pos..).unwrap_or_default();
        if !rest.starts_with(&c.prefix) {
            let kind = match c.slots.first() {
                Some(s) if rest.len() < c.prefix.len() => ParseErrorKind::MissingField(s.label),
                _ => ParseErrorKind::NotRecognized,
            };
            return Err(ParseError::new(FORMAT, kind, pos));
        }
        let mut at = pos + c.prefix.len();
        for slot in &c.slots {
            let end = if slot.literal.is_empty() {
                line.len()
            } else {
                find_end(line, at, slot, c.escape).ok_or_else(|| {
                    ParseError::new(FORMAT, ParseErrorKind::MissingField(slot.label), at)
                })?
            };
            let mut value = &line[at..end];
            let invalid = || ParseError::new(FORMAT, ParseErrorKind::InvalidField(slot.label), at);
            if !fits(slot.shape, value, c.escape) {
                // A client address with a host name or a forwarded-for list around it.
                match peer_address(value).filter(|_| slot.shape == Shape::Address) {
                    Some(peer) => value = peer,
                    None => return Err(invalid()),
                }
            }
            rec.assign(slot.var, value).map_err(|()| invalid())?;
            at = end + slot.literal.len();
        }
        Ok(at)
    }
}

/// Where the value starting at `start` ends: the first occurrence of the slot's literal that is
/// not inside the value (a list separator, the space of `$time_local`, a JSON-escaped quote).
fn find_end(line: &[u8], start: usize, slot: &Slot, escape: Escape) -> Option<usize> {
    let mut from = start;
    if slot.var == Var::TimeLocal && line.get(start + 20) == Some(&b' ') {
        // `10/Oct/2000:13:55:36 -0700`: the only space is at offset 20.
        from = start + 21;
    }
    let lit = &slot.literal;
    loop {
        let p = from + slot.finder.find(line.get(from..)?)?;
        let before = &line[..p];
        let skip = (slot.var.is_list()
            && lit.first() == Some(&b' ')
            && (before.ends_with(b",")
                || before.ends_with(b" :")
                || line[p..].starts_with(b" : ")))
            || (escape == Escape::Json
                && lit.first() == Some(&b'"')
                && before[start..].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1);
        if !skip {
            return Some(p);
        }
        from = p + 1;
    }
}

// ---------------------------------------------------------------------------------------------
// Values

fn dash(v: &[u8]) -> Option<&[u8]> {
    (v != b"-").then_some(v)
}

/// Reads `10/Oct/2000:13:55:36 -0700` as UTC.
pub(crate) fn parse_time_local(b: &[u8]) -> Option<Timestamp> {
    let b = b.get(..26)?;
    if b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[14] != b':'
        || b[17] != b':'
        || b[20] != b' '
    {
        return None;
    }
    let day = digits2(b)?;
    let month = month_from_abbrev(&b[3..6])?;
    let year = digits4(&b[7..])?;
    let (h, m, s) = (digits2(&b[12..])?, digits2(&b[15..])?, digits2(&b[18..])?);
    let local = civil_to_unix(year as i32, month, day, h, m, s)?;
    let off = offset(b[21], digits2(&b[22..])?, digits2(&b[24..])?)?;
    Some(Timestamp::from_unix_seconds(local - off))
}

/// Seconds east of UTC of `+hh mm`.
fn offset(sign: u8, h: u32, m: u32) -> Option<i64> {
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i64::from(h * 3600 + m * 60);
    match sign {
        b'+' => Some(secs),
        b'-' => Some(-secs),
        _ => None,
    }
}

/// Reads `2000-10-10T13:55:36-07:00` (or `...Z`) as UTC.
fn parse_iso8601(b: &[u8]) -> Option<Timestamp> {
    let d = b.get(..19)?;
    if d[4] != b'-' || d[7] != b'-' || d[10] != b'T' || d[13] != b':' || d[16] != b':' {
        return None;
    }
    let local = civil_to_unix(
        digits4(d)? as i32,
        digits2(&d[5..])?,
        digits2(&d[8..])?,
        digits2(&d[11..])?,
        digits2(&d[14..])?,
        digits2(&d[17..])?,
    )?;
    let off = match &b[19..] {
        b"Z" => 0,
        [s, h1, h2, b':', m1, m2] => offset(*s, digits2(&[*h1, *h2])?, digits2(&[*m1, *m2])?)?,
        _ => return None,
    };
    Some(Timestamp::from_unix_seconds(local - off))
}

// ---------------------------------------------------------------------------------------------
// Records

/// Everything a line gives, before it becomes an event.
#[derive(Clone, Copy, Default)]
struct Record<'a> {
    client: Option<&'a [u8]>,
    time: Option<Timestamp>,
    request: Option<&'a [u8]>,
    status: Option<u16>,
    host: Option<&'a [u8]>,
    group: Option<&'a [u8]>,
    fields: Fields<'a>,
}

impl<'a> Record<'a> {
    /// Keeps the value of `var`; `Err` when it is not a valid value of the variable.
    fn assign(&mut self, var: Var, v: &'a [u8]) -> Result<(), ()> {
        let f = &mut self.fields;
        match var {
            Var::RemoteAddr => self.client = dash_or_empty(v),
            Var::RemoteUser => f.remote_user = dash_or_empty(v),
            Var::TimeLocal | Var::TimeIso8601 | Var::Msec => {
                let t = match var {
                    Var::TimeLocal => (v.len() == 26).then(|| parse_time_local(v)).flatten(),
                    Var::TimeIso8601 => parse_iso8601(v),
                    _ => parse_decimal_micros(v)
                        .and_then(|us| i64::try_from(us).ok())
                        .map(Timestamp::from_unix_micros),
                };
                let t = t.ok_or(())?;
                self.time.get_or_insert(t);
            }
            Var::Request => self.request = dash_or_empty(v),
            Var::Status => self.status = Some(parse_status(v).ok_or(())?),
            Var::BodyBytesSent | Var::BytesSent => {
                let n = match dash(v) {
                    None => None,
                    Some(v) => Some(parse_u64(v).ok_or(())?),
                };
                if var == Var::BodyBytesSent {
                    f.body_bytes_sent = n;
                } else {
                    f.bytes_sent = n;
                }
            }
            Var::HttpReferer => f.referer = dash_or_empty(v),
            Var::HttpUserAgent => f.user_agent = dash_or_empty(v),
            Var::HttpXForwardedFor => f.forwarded_for = dash_or_empty(v),
            Var::Host => self.host = dash_or_empty(v),
            Var::ServerName => f.server_name = dash_or_empty(v),
            Var::RequestTime => {
                f.request_time = match dash(v) {
                    None => None,
                    Some(v) => Some(parse_seconds(v).ok_or(())?),
                }
            }
            Var::UpstreamAddr => f.upstreams.addr = Some(v),
            Var::UpstreamStatus => {
                if !valid_list(v, |e| parse_status(e).is_some()) {
                    return Err(());
                }
                f.upstreams.status = Some(v);
            }
            Var::UpstreamResponseTime | Var::UpstreamConnectTime | Var::UpstreamHeaderTime => {
                if !valid_list(v, |e| parse_seconds(e).is_some()) {
                    return Err(());
                }
                let slot = match var {
                    Var::UpstreamResponseTime => &mut f.upstreams.response_time,
                    Var::UpstreamConnectTime => &mut f.upstreams.connect_time,
                    _ => &mut f.upstreams.header_time,
                };
                *slot = Some(v);
            }
            Var::RequestMethod => f.request_method = dash_or_empty(v),
            Var::RequestUri => f.request_uri = dash_or_empty(v),
            Var::Uri => f.uri = dash_or_empty(v),
            Var::Scheme => f.scheme = dash_or_empty(v),
            Var::ServerPort => f.server_port = dash_or_empty(v),
            Var::ProxyUpstreamName => self.group = dash_or_empty(v),
            Var::Connection => f.connection = crate::bytes::parse_u64(v),
            Var::RequestId => f.request_id = dash_or_empty(v),
            Var::OtherHttp | Var::OtherUpstream | Var::Other => {}
        }
        Ok(())
    }

    fn into_event(self, line: &'a [u8], has_upstream: bool, has_header_time: bool) -> Event<'a> {
        let last = self.fields.upstreams.last();
        let class = classify(self.status, last, has_upstream, has_header_time);
        let mut ev = Event::new(Format::NginxAccess, line);
        ev.time = self.time;
        ev.class = class;
        ev.phase = if class == Class::InvalidHeader { Phase::Header } else { Phase::None };
        ev.status = self.status;
        ev.client = self.client;
        ev.request = self.request;
        ev.server = self.fields.server_name;
        ev.host = self.host.or(self.fields.server_name);
        ev.upstream = last.and_then(|a| a.addr);
        ev.upstream_group = self.group;
        ev.fields = EventFields::NginxAccess(self.fields);
        ev
    }
}

/// The class of a response; see the module docs for the table.
fn classify(
    status: Option<u16>,
    last: Option<Attempt<'_>>,
    has_upstream: bool,
    has_header_time: bool,
) -> Class {
    let Some(status) = status else { return Class::Info };
    match status {
        499 => Class::ClientAbort,
        9 => Class::InvalidHeader,
        500..=599 => {
            if !has_upstream {
                return Class::GatewayError;
            }
            let last = last.unwrap_or_default();
            if last.addr.is_none() && last.status.is_none() {
                return Class::ProxyError;
            }
            let answered = last.status == Some(status)
                && (!matches!(status, 502 | 504)
                    || (has_header_time && last.header_time.is_some()));
            if answered { Class::Upstream5xx } else { Class::GatewayError }
        }
        400 | 408 | 413 | 414 | 444 | 494..=497 => Class::ClientError,
        100..=498 => Class::Ok,
        _ => Class::Info,
    }
}

// ---------------------------------------------------------------------------------------------
// Entry points

/// The formats read without configuration: `combined` and the tails of its extensions.
struct Defaults {
    combined: LogFormat,
    tails: [LogFormat; 3],
}

fn defaults() -> &'static Defaults {
    static DEFAULTS: OnceLock<Defaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| Defaults {
        combined: LogFormat::combined(),
        tails: [
            named("upstreaminfo", UPSTREAMINFO_TAIL),
            named("main_upstream", MAIN_UPSTREAM_TAIL),
            named("main", MAIN_TAIL),
        ],
    })
}

fn parse_default(line: &[u8]) -> Result<Event<'_>, ParseError> {
    let line = start(line)?;
    let d = defaults();
    let mut rec = Record::default();
    let end = d.combined.read(line, 0, &mut rec)?;
    let (mut has_upstream, mut has_header_time) = (false, false);
    if end < line.len() {
        let mut found = false;
        for tail in &d.tails {
            let mut r = rec;
            if let Ok(e) = tail.read(line, end, &mut r) {
                r.fields.trailing = &line[e..];
                rec = r;
                has_upstream = tail.compiled().has_upstream;
                has_header_time = tail.compiled().has_header_time;
                found = true;
                break;
            }
        }
        if !found {
            rec.fields.trailing = &line[end..];
        }
    }
    Ok(rec.into_event(line, has_upstream, has_header_time))
}

/// The name of the format read without configuration (`combined`, `main`, `main_upstream`,
/// `upstreaminfo`; see the module docs) that reads `line` whole, with no text left after it.
///
/// Meant for saying what lines look like when a configured format does not read them; it
/// parses the line, so it costs about as much as [`parse`].
///
/// ```
/// use logparse::nginx::access::preset_of;
/// let line = b"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326 \"-\" \"curl/8.5.0\"";
/// assert_eq!(preset_of(line), Some("combined"));
/// assert_eq!(preset_of(b"2024/03/14 09:26:40 [error] 1#1: *1 boom"), None);
/// ```
pub fn preset_of(line: &[u8]) -> Option<&'static str> {
    let line = start(line).ok()?;
    let d = defaults();
    let mut rec = Record::default();
    let end = d.combined.read(line, 0, &mut rec).ok()?;
    if end == line.len() {
        return Some("combined");
    }
    // The order and names of `Defaults::tails`.
    for (tail, name) in d.tails.iter().zip(["upstreaminfo", "main_upstream", "main"]) {
        let mut r = rec;
        if tail.read(line, end, &mut r).ok() == Some(line.len()) {
            return Some(name);
        }
    }
    None
}

fn start(line: &[u8]) -> Result<&[u8], ParseError> {
    let line = crate::lines::strip_cr(line);
    if line.trim_ascii().is_empty() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Empty, 0));
    }
    Ok(line)
}

/// Parses one access-log line written in `combined` or one of its common extensions (see the
/// module docs).
///
/// ```
/// use logparse::{nginx, Class};
/// let line = b"203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" \
///     200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"";
/// let ev = nginx::access::parse(line).unwrap();
/// assert_eq!(ev.class, Class::Ok);
/// assert_eq!(ev.status, Some(200));
/// assert_eq!(ev.client, Some(&b"203.0.113.7"[..]));
/// assert_eq!(ev.time.unwrap().to_string(), "2000-10-10T20:55:36Z");
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    parse_default(line)
}

/// Parses one access-log line written in `format`.
///
/// `opts` is accepted for symmetry with the other formats: access-log times carry their own
/// offset (`$time_local`, `$time_iso8601`) or are epoch seconds (`$msec`).
pub fn parse_with<'a>(
    line: &'a [u8],
    format: &LogFormat,
    opts: &Options,
) -> Result<Event<'a>, ParseError> {
    let _ = opts;
    let line = start(line)?;
    let mut rec = Record::default();
    let end = format.read(line, 0, &mut rec)?;
    rec.fields.trailing = &line[end..];
    Ok(rec.into_event(line, format.compiled().has_upstream, format.compiled().has_header_time))
}

/// An access-log parser: `combined` and its common extensions, or one given format.
#[derive(Clone, Debug, Default)]
pub struct Parser {
    format: Option<LogFormat>,
    opts: Options,
}

impl Parser {
    /// A parser for `combined` and its common extensions (see the module docs).
    pub fn new(opts: Options) -> Parser {
        Parser { format: None, opts }
    }

    /// A parser for lines written in `format`.
    pub fn with_format(format: LogFormat, opts: Options) -> Parser {
        Parser { format: Some(format), opts }
    }

    /// The options this parser was made with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The format given to [`Parser::with_format`], if any.
    pub fn format(&self) -> Option<&LogFormat> {
        self.format.as_ref()
    }

    /// Parses one line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        match &self.format {
            Some(f) => parse_with(line, f, &self.opts),
            None => parse_default(line),
        }
    }
}

/// Whether a line starts like `combined`: `ADDR - USER [dd/Mon/yyyy:hh:mm:ss +zzzz] "`.
///
/// Cheap (a few comparisons and one bounded search) and strict: the address must be one word
/// of address characters and the time must be a valid `$time_local`, so nginx error-log lines
/// never match.
pub fn looks_like_combined(line: &[u8]) -> bool {
    let head = &line[..line.len().min(160)];
    let Some(sp) = memchr::memchr(b' ', head) else { return false };
    let plain = sp > 0
        && head[..sp].iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'[' | b']' | b'%' | b'-' | b'_')
        })
        && line[sp..].starts_with(b" - ");
    // A host name or a forwarded-for list before the address (see `peer_address`).
    let sp = if plain {
        sp
    } else {
        match memchr::memmem::find(head, b" - ") {
            Some(i) if i > 0 && peer_address(&head[..i]).is_some() => i,
            _ => return false,
        }
    };
    let window = &line[sp + 3..line.len().min(sp + 3 + 256)];
    let Some(open) = memchr::memmem::find(window, b" [").map(|i| sp + 3 + i + 2).or_else(|| {
        // `$remote_user` of `-` puts the bracket right after ` - - `.
        (line.get(sp + 3) == Some(&b'[')).then_some(sp + 4)
    }) else {
        return false;
    };
    parse_time_local(line.get(open..).unwrap_or_default()).is_some()
        && line.get(open + 26..).is_some_and(|r| r.starts_with(b"] \""))
}

#[cfg(test)]
mod tests;
