//! IIS: the W3C extended log (`u_ex*.log`) of plain sites and of Application Request Routing
//! (ARR) front ends, and the HTTP.sys error log (`httperr*.log`).
//!
//! # Layout
//!
//! Both files are W3C extended logs (spec `iis-and-cloudflare.md` §1.2, §2): lines starting
//! with `#` are directives (`#Software`, `#Version`, `#Date`, `#Fields`, and the draft's
//! `#Remark`, `#Start-Date`, `#End-Date`); every other line is one record, its values
//! separated by single spaces and named by the most recent `#Fields` directive, `-` for an
//! empty value, `+` for a space inside a value, times in UTC. The field list may change
//! whenever a new directive block appears (IIS writes one each time it reopens the file), so
//! the [`Parser`] keeps the last `#Fields` and every record is read with it.
//!
//! A directive is not an event: [`Parser::parse`] returns a
//! [`ParseErrorKind::Skipped`] error for it. A record whose value count differs from the
//! `#Fields` count is unparsed (`InvalidField("#Fields")`). Before any `#Fields` (a tail
//! started mid-file) a record of 14, 15 or 17 values is read with the IIS default list of
//! that length (IIS 7.5, IIS 8+, IIS 8+ with `sc-bytes cs-bytes`; §1.2), and the event says
//! so ([`Fields::schema_guessed`]).
//!
//! # Which line is which
//!
//! - An HTTP.sys error record has an `s-reason` field; it is classified by the reason
//!   (§2 table; unknown reasons: `client_error` for a 4xx status, `info` otherwise). Its
//!   upstream is `s-queuename` (the application pool HTTP.sys hands requests to), its group
//!   `s-siteid`.
//! - A W3C record is an ARR front end's when `cs-uri-query` holds `X-ARR-CACHE-HIT=`
//!   (§1.4); ARR appends `SERVER-STATUS=<backend status>` when a backend answered.
//!
//! # Classification of W3C records (§1.5–§1.7, first match wins)
//!
//! `w` is `sc-win32-status`, an HRESULT `0x8007xxxx` reduced to its low 16 bits; `tt` is
//! `time-taken` in milliseconds.
//!
//! | rule | condition | class |
//! |---|---|---|
//! | W1 | `w` ∈ {64, 995, 1236, 10053, 10054} | `client_abort` |
//! | W2 | `w` = 121 | `client_error` |
//! | W3 | `SERVER-STATUS=N` and N = `sc-status` | `upstream_5xx` for N ≥ 500, else `ok` |
//! | W4 | 502.4 | `no_live_upstreams` |
//! | W5 | 502.x with a WinHTTP `w` (12000–12199) | the WinHTTP code ([`winhttp_class`]) |
//! | W6 | 502.3, other `w` | `gateway_error` |
//! | W7 | 502.2 | ARR: `proxy_error`; else `prematurely_closed` |
//! | W8 | 502.1 | `response_timeout` |
//! | W9 | 502.5 | ARR: `gateway_error`; else `connect_refused` (ASP.NET Core Module) |
//! | W10 | 502.6, 502.7 | `gateway_error` |
//! | W11 | 503.2, 503.3, 503.4 | `upstream_busy` |
//! | W12 | 500.11, 500.12, 500.30–39 → `no_live_upstreams`; 500.13 → `upstream_busy`; 500.19, 500.21–24, 500.50–53 → `proxy_error` | |
//! | W13 | 400.604 → `client_abort`; 400.605 → `proxy_error`; other 400.60x → `client_error` | |
//! | W14 | other 5xx: substatus 0 → `upstream_5xx`; 502/504 → `gateway_error`; else `upstream_5xx` | |
//! | W15 | 4xx: substatus 0 or 401.x → `ok`; else `client_error` | |
//! | W16 | anything else | `ok` |
//!
//! # Event fields
//!
//! **A stock ARR log does not name the backend server** (ARR writes the chosen farm member
//! only to Failed Request Tracing, §1.4). `upstream` is therefore the *route*: the first
//! segment of `cs-uri-stem` (`/na`), with `upstream_group` the host (`cs-host`, else
//! `s-sitename`, else `s-ip`); only a `SERVER-ROUTED=<address>` key in the query (Azure
//! Application Gateway v1) names a server, and then it is the upstream. `client` is `c-ip`,
//! `server` is `s-computername`, `host` is `cs-host`, `request` is `cs-uri-stem` (HTTPERR:
//! `cs-uri`).

use memchr::memchr;

use crate::bytes::{find, parse_u64};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::time::Timestamp;

pub(crate) mod fields;
pub use fields::Fields;
mod hints;
pub use hints::hint;

#[cfg(test)]
mod tests;

const FORMAT: Format = Format::Iis;

fn err(kind: ParseErrorKind, offset: usize) -> ParseError {
    ParseError::new(Some(FORMAT), kind, offset)
}

/// A W3C field this parser reads; every other name is kept only as a column to skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Date,
    Time,
    SiteName,
    ComputerName,
    SIp,
    SPort,
    Method,
    UriStem,
    UriQuery,
    CIp,
    CPort,
    Version,
    UserAgent,
    Host,
    Status,
    Substatus,
    Win32,
    ScBytes,
    TimeTaken,
    Uri,
    SiteId,
    Reason,
    QueueName,
    Other,
}

impl Col {
    fn named(name: &[u8]) -> Col {
        match name {
            b"date" => Col::Date,
            b"time" => Col::Time,
            b"s-sitename" => Col::SiteName,
            b"s-computername" => Col::ComputerName,
            b"s-ip" => Col::SIp,
            b"s-port" => Col::SPort,
            b"cs-method" => Col::Method,
            b"cs-uri-stem" => Col::UriStem,
            b"cs-uri-query" => Col::UriQuery,
            b"c-ip" => Col::CIp,
            b"c-port" => Col::CPort,
            b"cs-version" => Col::Version,
            b"cs(User-Agent)" => Col::UserAgent,
            b"cs-host" => Col::Host,
            b"sc-status" => Col::Status,
            b"sc-substatus" => Col::Substatus,
            b"sc-win32-status" => Col::Win32,
            b"sc-bytes" => Col::ScBytes,
            b"time-taken" => Col::TimeTaken,
            b"cs-uri" => Col::Uri,
            b"s-siteid" => Col::SiteId,
            b"s-reason" => Col::Reason,
            b"s-queuename" => Col::QueueName,
            _ => Col::Other,
        }
    }
}

/// IIS 7.5's default `#Fields` (14 values), IIS 8+'s (15, with `cs(Referer)`), and IIS 8+'s
/// with `sc-bytes cs-bytes` (17), used before any `#Fields` directive (§1.2): `date time s-ip
/// cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) [cs(Referer)]
/// sc-status sc-substatus sc-win32-status [sc-bytes cs-bytes] time-taken`.
const DEFAULTS: [&[Col]; 3] = {
    use Col::*;
    [
        &[
            Date, Time, SIp, Method, UriStem, UriQuery, SPort, Other, CIp, UserAgent, Status,
            Substatus, Win32, TimeTaken,
        ],
        &[
            Date, Time, SIp, Method, UriStem, UriQuery, SPort, Other, CIp, UserAgent, Other,
            Status, Substatus, Win32, TimeTaken,
        ],
        &[
            Date, Time, SIp, Method, UriStem, UriQuery, SPort, Other, CIp, UserAgent, Other,
            Status, Substatus, Win32, ScBytes, Other, TimeTaken,
        ],
    ]
};

fn columns(list: &[u8]) -> impl Iterator<Item = Col> + '_ {
    list.split(|&b| b == b' ').filter(|n| !n.is_empty()).map(Col::named)
}

/// The reader of one IIS input: it keeps the last `#Fields` directive.
#[derive(Clone, Debug, Default)]
pub struct Parser {
    cols: Vec<Col>,
    has_fields: bool,
}

impl Parser {
    /// A parser that has seen no `#Fields` directive yet.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Whether a `#Fields` directive has been read (records are then read with it; before,
    /// with a default list chosen by the value count).
    pub fn has_fields(&self) -> bool {
        self.has_fields
    }

    /// Forgets the `#Fields` directive (a new input starts).
    pub fn reset(&mut self) {
        self.cols.clear();
        self.has_fields = false;
    }

    /// Reads one line: a directive updates the field list and gives a
    /// [`ParseErrorKind::Skipped`] error; a record gives its event.
    ///
    /// ```
    /// use logparse::{iis, Class};
    /// let mut p = iis::Parser::new();
    /// assert!(p.parse(b"#Fields: date time cs-uri-stem sc-status sc-substatus sc-win32-status time-taken").is_err());
    /// let ev = p.parse(b"2026-05-20 23:31:02 /na/api 502 3 12029 1032").unwrap();
    /// assert_eq!(ev.class, Class::ConnectRefused);
    /// assert_eq!(ev.upstream, Some(&b"/na"[..]));
    /// ```
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        let line = crate::lines::strip_cr(line).trim_ascii_end();
        if line.trim_ascii().is_empty() {
            return Err(err(ParseErrorKind::Empty, 0));
        }
        if line[0] == b'#' {
            if let Some(list) = line.strip_prefix(b"#Fields:") {
                // Reuses the list's buffer: a repeated directive block allocates nothing.
                self.cols.clear();
                self.cols.extend(columns(list));
                self.has_fields = true;
            }
            return Err(err(ParseErrorKind::Skipped("W3C directive"), 0));
        }
        let n = line.split(|&b| b == b' ').count();
        if self.has_fields {
            if n != self.cols.len() {
                return Err(err(ParseErrorKind::InvalidField("#Fields"), 0));
            }
            read_record(line, &self.cols, false)
        } else {
            let Some(cols) = DEFAULTS.iter().find(|d| d.len() == n) else {
                return Err(err(ParseErrorKind::NotRecognized, 0));
            };
            let ev = read_record(line, cols, true)?;
            // A guessed layout must still look like IIS: a date and a status.
            if ev.time.is_none() || ev.status.is_none() {
                return Err(err(ParseErrorKind::NotRecognized, 0));
            }
            Ok(ev)
        }
    }
}

/// Whether `line` is a W3C directive of an IIS or HTTP.sys log (`#Software: Microsoft ...`,
/// `#Fields: ...`, `#Version: ...`, `#Date: ...`): detection switches the input to IIS there.
pub fn is_directive(line: &[u8]) -> bool {
    [&b"#Software: Microsoft"[..], b"#Fields: ", b"#Version: ", b"#Date: "]
        .iter()
        .any(|p| line.starts_with(p))
}

/// The values of one record, each `None` when absent or `-`.
#[derive(Default)]
struct Row<'a> {
    date: Option<&'a [u8]>,
    time: Option<&'a [u8]>,
    site_name: Option<&'a [u8]>,
    computer: Option<&'a [u8]>,
    s_ip: Option<&'a [u8]>,
    s_port: Option<&'a [u8]>,
    method: Option<&'a [u8]>,
    stem: Option<&'a [u8]>,
    query: Option<&'a [u8]>,
    c_ip: Option<&'a [u8]>,
    c_port: Option<&'a [u8]>,
    version: Option<&'a [u8]>,
    user_agent: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    status: Option<&'a [u8]>,
    substatus: Option<&'a [u8]>,
    win32: Option<&'a [u8]>,
    sc_bytes: Option<&'a [u8]>,
    time_taken: Option<&'a [u8]>,
    uri: Option<&'a [u8]>,
    site_id: Option<&'a [u8]>,
    reason: Option<&'a [u8]>,
    queue: Option<&'a [u8]>,
    has_reason: bool,
}

fn number(v: Option<&[u8]>, name: &'static str, at: usize) -> Result<Option<u64>, ParseError> {
    match v {
        None => Ok(None),
        Some(v) => parse_u64(v).map(Some).ok_or(err(ParseErrorKind::InvalidField(name), at)),
    }
}

fn read_record<'a>(line: &'a [u8], cols: &[Col], guessed: bool) -> Result<Event<'a>, ParseError> {
    let mut r = Row::default();
    let mut rest = line;
    for &col in cols {
        let end = memchr(b' ', rest).unwrap_or(rest.len());
        let v = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or(&[]);
        let v = (v != b"-" && !v.is_empty()).then_some(v);
        let slot = match col {
            Col::Date => &mut r.date,
            Col::Time => &mut r.time,
            Col::SiteName => &mut r.site_name,
            Col::ComputerName => &mut r.computer,
            Col::SIp => &mut r.s_ip,
            Col::SPort => &mut r.s_port,
            Col::Method => &mut r.method,
            Col::UriStem => &mut r.stem,
            Col::UriQuery => &mut r.query,
            Col::CIp => &mut r.c_ip,
            Col::CPort => &mut r.c_port,
            Col::Version => &mut r.version,
            Col::UserAgent => &mut r.user_agent,
            Col::Host => &mut r.host,
            Col::Status => &mut r.status,
            Col::Substatus => &mut r.substatus,
            Col::Win32 => &mut r.win32,
            Col::ScBytes => &mut r.sc_bytes,
            Col::TimeTaken => &mut r.time_taken,
            Col::Uri => &mut r.uri,
            Col::SiteId => &mut r.site_id,
            Col::Reason => {
                r.has_reason = true;
                &mut r.reason
            }
            Col::QueueName => &mut r.queue,
            Col::Other => continue,
        };
        *slot = v;
    }
    let mut ev = Event::new(FORMAT, line);
    ev.time = match (r.date, r.time) {
        (Some(d), Some(t)) => {
            Some(stamp(d, t).ok_or(err(ParseErrorKind::InvalidField("date time"), 0))?)
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(err(ParseErrorKind::InvalidField("date time"), 0));
        }
        (None, None) => None,
    };
    let status = number(r.status, "sc-status", 0)?;
    ev.status = match status {
        Some(s) if !(100..=999).contains(&s) => {
            return Err(err(ParseErrorKind::InvalidField("sc-status"), 0));
        }
        s => s.map(|s| s as u16),
    };
    let substatus = number(r.substatus, "sc-substatus", 0)?;
    let win32 = number(r.win32, "sc-win32-status", 0)?.map(normalise_win32);
    let time_taken = number(r.time_taken, "time-taken", 0)?;
    number(r.sc_bytes, "sc-bytes", 0)?;
    ev.client = r.c_ip;
    ev.server = r.computer;
    ev.host = r.host;
    let mut f = Fields {
        site_name: r.site_name,
        s_ip: r.s_ip,
        s_port: r.s_port,
        method: r.method,
        uri_query: r.query,
        c_port: r.c_port,
        version: r.version,
        user_agent: r.user_agent,
        substatus,
        win32_status: win32,
        time_taken_ms: time_taken,
        site_id: r.site_id,
        reason: r.reason,
        queue_name: r.queue,
        arr_log_id: None,
        server_status: None,
        schema_guessed: guessed,
        httperr: r.has_reason,
    };
    if r.has_reason {
        ev.request = r.uri;
        ev.upstream = r.queue;
        ev.upstream_group = r.site_id;
        ev.message = r.reason.unwrap_or_default();
        let (class, phase) = reason_class(r.reason.unwrap_or_default(), ev.status);
        ev.class = class;
        ev.phase = phase;
    } else {
        ev.request = r.stem;
        let q = r.query.unwrap_or_default();
        let arr = find(q, b"X-ARR-CACHE-HIT=").is_some();
        f.arr_log_id = query_value(q, b"X-ARR-LOG-ID=");
        let server_status = match query_value(q, b"SERVER-STATUS=") {
            Some(v) => {
                Some(parse_u64(v).ok_or(err(ParseErrorKind::InvalidField("SERVER-STATUS"), 0))?)
            }
            None => None,
        };
        f.server_status = server_status;
        ev.upstream = query_value(q, b"SERVER-ROUTED=").or_else(|| r.stem.map(route));
        ev.upstream_group = r.host.or(r.site_name).or(r.s_ip);
        let (class, phase) = w3c_class(ev.status, substatus, win32, time_taken, arr, server_status);
        ev.class = class;
        ev.phase = phase;
    }
    ev.level = match ev.class {
        Class::Ok | Class::Info => None,
        _ => Some(Level::Error),
    };
    ev.fields = EventFields::Iis(f);
    Ok(ev)
}

/// The first path segment of a `cs-uri-stem`: `/na/api/x` → `/na`, `/` → `/`.
fn route(stem: &[u8]) -> &[u8] {
    match stem.get(1..).and_then(|t| memchr(b'/', t)) {
        Some(i) => &stem[..i + 1],
        None => stem,
    }
}

/// The value of `key` (with its `=`) in a query string: at the start or after `&`.
fn query_value<'a>(q: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = find(&q[from..], key) {
        let at = from + i;
        if at == 0 || q[at - 1] == b'&' {
            let v = &q[at + key.len()..];
            return Some(&v[..memchr(b'&', v).unwrap_or(v.len())]);
        }
        from = at + 1;
    }
    None
}

/// `sc-win32-status` as a Win32/WinHTTP code: an HRESULT of the `FACILITY_WIN32` family
/// (`0x8007xxxx`, as Failed Request Tracing prints it) keeps its low 16 bits (§1.6).
pub fn normalise_win32(v: u64) -> u64 {
    if v >= 0x8000_0000 && (v >> 16) == 0x8007 { v & 0xffff } else { v }
}

/// `YYYY-MM-DD` and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (UTC).
fn stamp(d: &[u8], t: &[u8]) -> Option<Timestamp> {
    use crate::time::{digits2, digits4};
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' || t.len() < 5 || t[2] != b':' {
        return None;
    }
    let (y, mo, da) = (digits4(&d[..4])?, digits2(&d[5..7])?, digits2(&d[8..10])?);
    let (h, mi) = (digits2(&t[..2])?, digits2(&t[3..5])?);
    let mut s = 0;
    let mut micros = 0;
    if t.len() > 5 {
        if t.len() < 8 || t[5] != b':' {
            return None;
        }
        s = digits2(&t[6..8])?;
        if t.len() > 8 {
            let frac = &t[9..];
            if t[8] != b'.' || frac.is_empty() || frac.len() > 6 {
                return None;
            }
            let v = parse_u64(frac)? as u32;
            micros = v * 10u32.pow(6 - frac.len() as u32);
        }
    }
    Timestamp::from_civil_utc(y as i32, mo, da, h, mi, s, micros)
}

/// The class of a WinHTTP error code in `sc-win32-status` of a 502 (spec §1.6 table), with
/// `time_taken` (ms) telling a refused connect (Windows gives up after its SYN retries, about
/// 1 s) and a connect timeout (about 21 s) apart.
pub fn winhttp_class(code: u64, time_taken: Option<u64>) -> (Class, Phase) {
    let connect_timeout = time_taken.is_some_and(|t| (20_000..=22_500).contains(&t));
    match code {
        12002 if connect_timeout => (Class::ConnectTimeout, Phase::Connect),
        12002 => (Class::ResponseTimeout, Phase::Header),
        12007 => (Class::DnsFailure, Phase::Connect),
        12029 if connect_timeout => (Class::ConnectTimeout, Phase::Connect),
        12029 if time_taken.is_some_and(|t| t < 3_000) => (Class::ConnectRefused, Phase::Connect),
        12029 => (Class::ConnectError, Phase::Connect),
        12030 => (Class::PrematurelyClosed, Phase::Header),
        12031 => (Class::ConnectionReset, Phase::Header),
        12152 => (Class::InvalidHeader, Phase::Header),
        12181 | 12182 => (Class::HeaderTooBig, Phase::Header),
        12183 | 12184 => (Class::InvalidBody, Phase::Body),
        12157 | 12044 => (Class::TlsHandshake, Phase::Connect),
        12175 | 12037 | 12038 | 12045 | 12057 | 12169 | 12170 | 12179 => {
            (Class::TlsCertificate, Phase::Connect)
        }
        12017 => (Class::ClientAbort, Phase::None),
        12004 | 12005 | 12006 | 12156 => (Class::ProxyError, Phase::None),
        _ => (Class::GatewayError, Phase::None),
    }
}

fn w3c_class(
    status: Option<u16>,
    sub: Option<u64>,
    w: Option<u64>,
    tt: Option<u64>,
    arr: bool,
    server_status: Option<u64>,
) -> (Class, Phase) {
    let status = status.unwrap_or(0);
    let sub = sub.unwrap_or(0);
    let w = w.unwrap_or(0);
    if matches!(w, 64 | 995 | 1236 | 10053 | 10054) {
        return (Class::ClientAbort, Phase::None);
    }
    if w == 121 {
        return (Class::ClientError, Phase::None);
    }
    if let Some(n) = server_status.filter(|&n| n == u64::from(status)) {
        return if n >= 500 {
            (Class::Upstream5xx, Phase::Header)
        } else {
            (Class::Ok, Phase::None)
        };
    }
    match (status, sub) {
        (502, 4) => (Class::NoLiveUpstreams, Phase::Connect),
        (502, _) if (12000..=12199).contains(&w) => winhttp_class(w, tt),
        (502, 3) => (Class::GatewayError, Phase::None),
        (502, 2) if arr => (Class::ProxyError, Phase::None),
        (502, 2) => (Class::PrematurelyClosed, Phase::Header),
        (502, 1) => (Class::ResponseTimeout, Phase::Header),
        (502, 5) if arr => (Class::GatewayError, Phase::None),
        (502, 5) => (Class::ConnectRefused, Phase::Connect),
        (502, 6 | 7) => (Class::GatewayError, Phase::None),
        (503, 2..=4) => (Class::UpstreamBusy, Phase::Queue),
        (500, 11 | 12 | 30..=39) => (Class::NoLiveUpstreams, Phase::Connect),
        (500, 13) => (Class::UpstreamBusy, Phase::Queue),
        (500, 19 | 21..=24 | 50..=53) => (Class::ProxyError, Phase::None),
        (400, 604) => (Class::ClientAbort, Phase::None),
        (400, 605) => (Class::ProxyError, Phase::None),
        (400, 600..=609) => (Class::ClientError, Phase::None),
        (500..=599, 0) => (Class::Upstream5xx, Phase::Header),
        (502 | 504, _) => (Class::GatewayError, Phase::None),
        (500..=599, _) => (Class::Upstream5xx, Phase::Header),
        (400..=499, 0) | (401, _) => (Class::Ok, Phase::None),
        (400..=499, _) => (Class::ClientError, Phase::None),
        _ => (Class::Ok, Phase::None),
    }
}

/// The class of an HTTP.sys error record by its `s-reason` (spec §2, after KB 820729);
/// unknown reasons are `client_error` with a 4xx status and `info` otherwise.
pub fn reason_class(reason: &[u8], status: Option<u16>) -> (Class, Phase) {
    match reason {
        b"Timer_ConnectionIdle" | b"Connection_Dropped_List_Full" => (Class::Info, Phase::None),
        b"AppOffline" | b"AppShutdown" | b"Disabled" => (Class::NoLiveUpstreams, Phase::Queue),
        b"QueueFull" | b"Timer_AppPool" | b"Timer_ReqQueue" | b"AppPoolTimer" | b"ConnLimit" => {
            (Class::UpstreamBusy, Phase::Queue)
        }
        b"Connection_Abandoned_By_AppPool" | b"Connection_Abandoned_By_ReqQueue" => {
            (Class::PrematurelyClosed, Phase::Header)
        }
        b"Client_Reset" | b"Connection_Dropped" => (Class::ClientAbort, Phase::None),
        b"Connections_Refused" | b"N/A" | b"Internal" => (Class::ProxyError, Phase::None),
        b"BadRequest"
        | b"Verb"
        | b"URL"
        | b"URL_Length"
        | b"Header"
        | b"Hostname"
        | b"Invalid_CR/LF"
        | b"Number"
        | b"FieldLength"
        | b"RequestLength"
        | b"Forbidden"
        | b"LengthRequired"
        | b"Precondition"
        | b"EntityTooLarge"
        | b"Version_N/S"
        | b"N/I"
        | b"Timer_HeaderWait"
        | b"Timer_EntityBody"
        | b"Timer_MinBytesPerSecond"
        | b"Timer_SslRenegotiation"
        | b"Timer_Response"
        | b"NotFound"
        | b"Request_Too_Large" => (Class::ClientError, Phase::None),
        _ if status.is_some_and(|s| (400..500).contains(&s)) => (Class::ClientError, Phase::None),
        _ => (Class::Info, Phase::None),
    }
}
