//! The nginx error log (`error_log`), HTTP and stream modules.
//!
//! # Layout
//!
//! The layout is the one `ngx_log_error_core` writes (`src/core/ngx_log.c`):
//!
//! ```text
//! YYYY/MM/DD HH:MM:SS [LEVEL] PID#TID: *CID MESSAGE[ (ERRNO: STRERROR)][ while ACTION][, CONTEXT]
//! ```
//!
//! A real line:
//!
//! ```text
//! 2023/10/27 11:37:33 [error] 1109#0: *14969476 connect() failed (111: Connection refused) while connecting to upstream, client: 10.255.1.242, server: kong, request: "POST /api/v1/k8s/hpa HTTP/2.0", upstream: "http://10.1.186.173:8000/api/v1/k8s/hpa", host: "devops.5eplaycdn.com"
//! ```
//!
//! The HTTP context keys come in a fixed order: `client`, `server`, `request`, `subrequest`,
//! `upstream`, `host`, `referrer`. Stream (TCP/UDP) lines have `client`, `server`, `upstream`
//! (without a schema) and `bytes from/to` counters.
//!
//! # Classification
//!
//! The class comes from the message's fixed text and errno *number* (never the level or the
//! strerror wording, which differ between libcs, systems and versions), and from the action
//! after the **last** ` while ` before the context: `upstream timed out` while connecting is a
//! `connect_timeout`, while reading a `response_timeout`. Lines about the client (aborts,
//! client TLS handshakes, client timeouts) are client classes even when they carry an
//! `upstream:`.
//!
//! The messages, calls, errno numbers and actions nginx writes, and the class each means, are
//! one table, the message catalog (`nginx/error/catalog.rs`); the code that applies it to a
//! message is apart (`nginx/error/classify.rs`), and this module reads the rest of the line
//! into an event and its [`Fields`] (`nginx/error/fields.rs`).
//!
//! # Quirks handled
//!
//! - The timestamp is local time without a zone: [`Options::tz`](crate::Options) converts it.
//! - Anything before the timestamp is ignored: `docker-compose` (`nginx.1 | `), Docker and
//!   `kubectl logs --prefix` RFC 3339 prefixes, s6 stamps, syslog headers, quoting (`> `).
//! - nginx's console form, `nginx: [emerg] message` (what it writes to standard error before
//!   an error log is open, and `nginx -t`'s verdicts, `nginx: configuration file ... test
//!   failed`), alone or after the syslog header journald and syslog put before a unit's
//!   output (`Jul  3 09:12:44 web1 nginx[812]: nginx: ...`): the header's time applies, with
//!   the year of [`Options::year`](crate::Options) (none: the time is unknown).
//! - Lines whose start was cut off (no timestamp, no level, only `*CID` or only the message)
//!   are still classified, with `time` `None`.
//! - Lines cut at nginx's 2048-byte limit or by an editor (unclosed quotes) keep every field
//!   that is complete.
//! - `FastCGI sent in stderr` entries span several physical lines; the lines after the first
//!   are reported as [`ParseErrorKind::Continuation`]. The entry's last line carries its
//!   context (`...line 9" while reading response header from upstream, client: ...,
//!   upstream: "fastcgi://unix:/run/php/fpm.sock:"`); read without the lines before it (cut
//!   by `tail`, `grep` or a rotation) it is an `app_stderr` event with that context and no
//!   time, its message the application's text without the closing quote. A reader that has
//!   the whole entry gives it one event, its first line's with its last line's context
//!   ([`entry_event`]; the engine's readers do this).
//! - Upstreams are `IP:port`, `[IPv6]:port`, `unix:/path` (with or without nginx's trailing
//!   `:`), or the upstream group's name for `no live upstreams`.
//! - A message the catalog does not know is a failure of unknown cause (`gateway_error`) when
//!   it is logged at `error` or worse with an `upstream:` field or an upstream-side action
//!   (a new module's `foo() failed ... while connecting to upstream`), else `info`; either way
//!   (from level `warn` up) the event carries it as [`Event::unrecognized`], so a summary can
//!   list what gatelog does not understand yet.
//! - Nothing in the error log is escaped: request lines and Host headers are raw bytes, and a
//!   crafted request line can imitate a context key. The first occurrence of each key wins.

use crate::bytes::{digit_run, find, finder, parse_u64, trim};
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields, Level};
use crate::format::Format;
use crate::options::Options;
use crate::time::{Timestamp, civil_to_unix, digits2, digits4};
mod catalog;
mod classify;
pub(crate) mod fields;

use classify::{Verdict, classify, classify_common, errno_of, match_action};
pub use fields::Fields;

const FORMAT: Option<Format> = Some(Format::NginxError);

/// How far into a line the header (timestamp, level) is looked for.
const HEADER_SEARCH: usize = 320;

/// Parses one nginx error-log line with default options (times read as UTC).
///
/// ```
/// use logparse::{nginx, Class};
/// let line = b"2024/11/03 06:09:29 [error] 184#184: *94 upstream prematurely closed connection \
///     while reading response header from upstream, client: 192.168.58.11, server: dash, \
///     request: \"GET / HTTP/1.1\", upstream: \"http://10.244.3.84:5601/\", host: \"dash\"";
/// let ev = nginx::error::parse(line).unwrap();
/// assert_eq!(ev.class, Class::PrematurelyClosed);
/// assert_eq!(ev.upstream, Some(&b"10.244.3.84:5601"[..]));
/// assert_eq!(ev.time.unwrap().to_string(), "2024-11-03T06:09:29Z");
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    parse_with(line, &Options::default())
}

/// Parses one nginx error-log line.
///
/// Lines that continue a multi-line `FastCGI sent in stderr` entry return an error of kind
/// [`ParseErrorKind::Continuation`] when they can be recognized on their own (`PHP message:`,
/// `Stack trace:`, `#0 ...`, or text that ends in `" while <action>, client: ...`). The
/// stateful [`Parser`] also recognizes the other lines of such an entry.
pub fn parse_with<'a>(line: &'a [u8], opts: &Options) -> Result<Event<'a>, ParseError> {
    parse_inner(line, opts, &mut TimeCache::default()).map(|(ev, _)| ev)
}

/// The event of a whole multi-line `FastCGI sent in stderr` entry: the event of its first line
/// `first` (time, level, pid, connection, the start of the application's text) with the
/// context of its closing line `last` (class, phase and action, client, server, request,
/// upstream, host and what nginx implies for the client), as nginx wrote them after the text.
///
/// When `last` carries no context (the entry was cut at nginx's 2047-byte limit, or the line
/// is not the entry's end), the result is `first`'s event unchanged. [`Parser::entry_open`]
/// tells a reader when an entry starts and when it ends, so that it can hold the first line's
/// event until then.
///
/// ```
/// use logparse::{nginx, Class, Options, Phase};
/// let first = b"2024/03/14 09:26:50 [error] 7#7: *9 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: boom in /srv/app/x.php:9";
/// let last = b"  thrown in /srv/app/x.php on line 9\" while reading response header from upstream, client: 10.0.9.1, server: shop, request: \"GET /x.php HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/fpm.sock:\", host: \"shop\"";
/// let ev = nginx::error::entry_event(first, last, &Options::default()).unwrap();
/// assert_eq!(ev.class, Class::AppStderr);
/// assert_eq!(ev.phase, Phase::Header);
/// assert_eq!(ev.upstream, Some(&b"unix:/run/php/fpm.sock"[..]));
/// assert_eq!(ev.client, Some(&b"10.0.9.1"[..]));
/// assert_eq!(ev.time.unwrap().to_string(), "2024-03-14T09:26:50Z");
/// ```
///
/// # Errors
///
/// `first`'s parse error, when it is not an nginx error-log line.
pub fn entry_event<'a>(
    first: &'a [u8],
    last: &'a [u8],
    opts: &Options,
) -> Result<Event<'a>, ParseError> {
    let mut ev = parse_with(first, opts)?;
    let Ok(tail) = parse_with(last, opts) else { return Ok(ev) };
    let (EventFields::NginxError(f), EventFields::NginxError(t)) = (&mut ev.fields, &tail.fields)
    else {
        return Ok(ev);
    };
    if tail.time.is_some() || t.action.is_none() && tail.client.is_none() {
        // A line of its own (it has a header), or no context to take.
        return Ok(ev);
    }
    f.action = t.action;
    f.upstream_scheme = t.upstream_scheme;
    f.upstream_uri = t.upstream_uri;
    f.subrequest = t.subrequest;
    f.referrer = t.referrer;
    f.stream = t.stream;
    f.truncated = t.truncated;
    f.implied_status = t.implied_status;
    ev.class = tail.class;
    ev.phase = tail.phase;
    ev.client = tail.client;
    ev.server = tail.server;
    ev.request = tail.request;
    ev.host = tail.host;
    ev.upstream = tail.upstream;
    ev.upstream_group = tail.upstream_group;
    Ok(ev)
}

/// A stateful nginx error-log parser that follows multi-line FastCGI stderr entries.
///
/// After a `FastCGI sent in stderr: "...` line whose quote is not closed on the same line,
/// every following line without an nginx header is a continuation of that entry, until a line
/// that closes it. The event this parser returns for the entry is its first line's (time,
/// level, message); the context is on the closing line, and [`entry_event`] puts the two
/// together for a reader that holds the first line until [`Parser::entry_open`] turns false
/// (the engine's readers do).
///
/// nginx writes an entry in one piece of at most 2047 bytes (`NGX_MAX_ERROR_STR`,
/// `src/core/ngx_log.h`): the line that reaches that size is the entry's last, cut before its
/// context, and the lines after it are no longer inside the entry.
#[derive(Clone, Debug, Default)]
pub struct Parser {
    opts: Options,
    /// The bytes of the open multi-line entry so far, from its timestamp (newlines included).
    open: Option<usize>,
    times: TimeCache,
}

/// The largest entry nginx writes, without its final newline (`NGX_MAX_ERROR_STR` - 1).
const MAX_ENTRY: usize = 2047;

/// The last timestamp converted, to skip the conversion for the next lines of the same second.
#[derive(Clone, Debug, Default)]
struct TimeCache {
    text: [u8; 19],
    value: Option<Option<Timestamp>>,
}

impl TimeCache {
    /// The UTC time of the 19 timestamp bytes `b`, read in `opts.tz`.
    fn get(&mut self, b: &[u8], opts: &Options) -> Option<Timestamp> {
        if let Some(v) = self.value
            && self.text[..] == b[..19]
        {
            return v;
        }
        let v = timestamp_value(b)
            .map(|local| Timestamp::from_unix_seconds(opts.tz.local_to_utc(local)));
        self.text.copy_from_slice(&b[..19]);
        self.value = Some(v);
        v
    }
}

impl Parser {
    /// A parser with the given options.
    pub fn new(opts: Options) -> Parser {
        Parser { opts, open: None, times: TimeCache::default() }
    }

    /// Parses the next line of the input.
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        if let Some(bytes) = &mut self.open {
            let head = locate_header(line);
            if head.ts.is_none() && head.level.is_none() {
                // Still inside the entry; it ends with the line that carries the context, or
                // with the line that reaches nginx's size limit.
                *bytes += 1 + line.len();
                if finder!(b"\" while ").find(line).is_some()
                    || finder!(b", client: ").find(line).is_some()
                    || trim(line).ends_with(b"\"")
                    || *bytes >= MAX_ENTRY
                {
                    self.open = None;
                }
                return Err(ParseError::new(FORMAT, ParseErrorKind::Continuation, 0));
            }
        }
        // A line with a header ends any open entry, whether or not it parses.
        self.open = None;
        let (ev, opens) = parse_inner(line, &self.opts, &mut self.times)?;
        self.open = opens.map(|ts_at| ev.raw.len().saturating_sub(ts_at));
        Ok(ev)
    }

    /// Forgets any open multi-line entry (call it between inputs).
    pub fn reset(&mut self) {
        self.open = None;
    }

    /// Whether a multi-line FastCGI stderr entry is open: the line parsed last opened it or
    /// was inside it, and did not close it. The line that closes an entry (its context, or
    /// nginx's size limit) leaves it closed.
    pub fn entry_open(&self) -> bool {
        self.open.is_some()
    }
}

/// Whether the line has an nginx error-log header (`[level] PID#TID:`, with or without the
/// timestamp before it), possibly after a prefix.
pub fn has_header(line: &[u8]) -> bool {
    // The common case, checked by shape alone: `YYYY/MM/DD HH:MM:SS [level] PID#`.
    if let Some(b) = line.get(..32)
        && timestamp_shape(b)
        && b[19] == b' '
        && b[20] == b'['
        && let Some(close) = memchr::memchr(b']', &b[21..30])
        && Level::from_name(&b[21..21 + close]).is_some()
        && b[22 + close] == b' '
        && b[23 + close].is_ascii_digit()
    {
        return true;
    }
    let h = locate_header(line);
    h.level.is_some() && h.pid.is_some()
}

/// Where the header parts were found in a line.
#[derive(Default)]
struct Header {
    /// Where the 19-byte timestamp starts, if the line has one.
    ts: Option<usize>,
    level: Option<Level>,
    pid: Option<u32>,
    tid: Option<u64>,
    cid: Option<u64>,
    /// Where the message starts.
    msg_start: usize,
}

/// Whether `b` starts with the shape `DDDD/DD/DD DD:DD:DD` (digits not range-checked).
fn timestamp_shape(b: &[u8]) -> bool {
    const SHAPE: &[u8; 19] = b"0000/00/00 00:00:00";
    b.len() >= 19
        && SHAPE.iter().zip(b).all(|(&s, &c)| if s == b'0' { c.is_ascii_digit() } else { s == c })
}

/// Whether a timestamp starts at `at`.
fn timestamp_at(line: &[u8], at: usize) -> bool {
    line.get(at..).is_some_and(timestamp_shape)
}

/// The local seconds of a `YYYY/MM/DD HH:MM:SS` timestamp, `None` when a field is out of range.
fn timestamp_value(b: &[u8]) -> Option<i64> {
    let year = digits4(b)?;
    let month = digits2(&b[5..])?;
    let day = digits2(&b[8..])?;
    let hour = digits2(&b[11..])?;
    let min = digits2(&b[14..])?;
    let sec = digits2(&b[17..])?;
    civil_to_unix(year as i32, month, day, hour, min, sec)
}

/// Finds the `[level]` word ending at `close` (the index of `]`), returning the level and the
/// index where the word (or its `[`) starts.
fn level_before(line: &[u8], close: usize) -> Option<(Level, usize)> {
    let start = line[..close].iter().rposition(|c| !c.is_ascii_alphabetic()).map_or(0, |i| i + 1);
    if close - start < 3 || close - start > 6 {
        return None;
    }
    let level = Level::from_name(&line[start..close])?;
    let open = if start > 0 && line[start - 1] == b'[' { start - 1 } else { start };
    Some((level, open))
}

fn locate_header(line: &[u8]) -> Header {
    let mut h = Header::default();
    let window = &line[..line.len().min(HEADER_SEARCH)];
    // The timestamp: at the start in the common case, after a prefix otherwise.
    let mut pos = None;
    if timestamp_at(line, 0) {
        h.ts = Some(0);
        pos = Some(19);
    } else {
        for slash in memchr::memchr_iter(b'/', window) {
            if slash >= 4 && timestamp_at(line, slash - 4) {
                h.ts = Some(slash - 4);
                pos = Some(slash - 4 + 19);
                break;
            }
        }
    }
    // The level: right after the timestamp, or anywhere in the window when there is none
    // (`[error] 7#7: ...`, `error] 12#0: ...`, `12 [error] ...`).
    let level_at = match pos {
        Some(p) => {
            let rest = &line[p..];
            let sp = rest.iter().take_while(|&&c| c == b' ').count();
            if rest.get(sp) == Some(&b'[') {
                memchr::memchr(b']', &rest[sp..rest.len().min(sp + 9)])
                    .and_then(|i| level_before(line, p + sp + i).map(|(l, _)| (l, p + sp + i + 1)))
            } else {
                None
            }
        }
        None => memchr::memchr_iter(b']', window).find_map(|close| {
            let (l, _) = level_before(line, close)?;
            // Must be followed by ` PID#` to count as an nginx header.
            let after = &line[close + 1..];
            let after = &after[after.iter().take_while(|&&c| c == b' ').count()..];
            let d = digit_run(after);
            (d > 0 && after.get(d) == Some(&b'#')).then_some((l, close + 1))
        }),
    };
    let mut p = pos.unwrap_or(0);
    if let Some((level, end)) = level_at {
        h.level = Some(level);
        p = end;
    }
    // `PID#TID: `
    if h.level.is_some() {
        let rest = &line[p..];
        let sp = rest.iter().take_while(|&&c| c == b' ').count();
        let rest = &rest[sp..];
        let d = digit_run(rest);
        if d > 0 && rest.get(d) == Some(&b'#') {
            let t = digit_run(&rest[d + 1..]);
            if t > 0 && rest.get(d + 1 + t) == Some(&b':') {
                h.pid = parse_u64(&rest[..d]).and_then(|v| u32::try_from(v).ok());
                h.tid = parse_u64(&rest[d + 1..d + 1 + t]);
                p += sp + d + 1 + t + 1;
            }
        }
    }
    // Optional `*CID ` (Markdown sometimes turned the `*` into `_`).
    if h.level.is_some() || h.ts.is_none() {
        let rest = &line[p..];
        let sp = rest.iter().take_while(|&&c| c == b' ').count();
        let rest = &rest[sp..];
        if matches!(rest.first(), Some(b'*' | b'_')) {
            let d = digit_run(&rest[1..]);
            if d > 0 && rest.get(1 + d) == Some(&b' ') {
                h.cid = parse_u64(&rest[1..1 + d]);
                p += sp + 1 + d + 1;
            }
        }
    }
    if h.ts.is_some() && h.level.is_none() {
        // A timestamp without a level is not an nginx header (it may be a date inside text).
        h.ts = None;
        p = 0;
    }
    h.msg_start = p;
    h
}

/// A parsed `upstream:` value.
struct UpstreamValue<'a> {
    scheme: Option<&'a [u8]>,
    peer: &'a [u8],
    uri: Option<&'a [u8]>,
}

/// Splits `scheme://peer[sep]uri`; stream values have no scheme.
fn split_upstream(v: &[u8]) -> UpstreamValue<'_> {
    let (scheme, rest) = match finder!(b"://").find(v) {
        Some(i) if i > 0 && v[..i].iter().all(|c| c.is_ascii_alphanumeric()) => {
            (Some(&v[..i]), &v[i + 3..])
        }
        _ => (None, v),
    };
    let (peer, uri) = if let Some(path) = rest.strip_prefix(b"unix:") {
        // `unix:/path.sock:/uri` (nginx's separator) or `unix:/path.sock/uri` (the separator is
        // dropped in `upstream timed out` lines; cut after a `.sock` then).
        let end = match memchr::memchr(b':', path) {
            Some(i) => 5 + i,
            None => match finder!(b".sock").find(path) {
                Some(i) => 5 + i + 5,
                None => rest.len(),
            },
        };
        let uri_start = if rest.get(end) == Some(&b':') { end + 1 } else { end };
        (&rest[..end], &rest[uri_start.min(rest.len())..])
    } else if rest.first() == Some(&b'[') {
        // `[v6]:port/uri`
        let close = memchr::memchr(b']', rest).map_or(rest.len(), |i| i + 1);
        let end = close + memchr::memchr(b'/', &rest[close..]).unwrap_or(rest.len() - close);
        (&rest[..end], &rest[end..])
    } else {
        let end = memchr::memchr(b'/', rest).unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    UpstreamValue { scheme, peer, uri: (!uri.is_empty()).then_some(uri) }
}

/// Whether `v` can be the client address of an error line: IPv4 or IPv6 (with a `%zone`),
/// `unix:`, or an address anonymized with `x` or `*`.
fn is_client_address(v: &[u8]) -> bool {
    v.starts_with(b"unix:")
        || v.iter().any(|&c| c == b'.' || c == b':')
            && v.iter().all(|&c| {
                c.is_ascii_hexdigit()
                    || matches!(c, b'.' | b':' | b'[' | b']' | b'%' | b'x' | b'X' | b'*')
            })
}

/// The context keys after `client:`, in nginx's order.
const KEYS: [&[u8]; 7] = [
    b", server: ",
    b", request: \"",
    b", subrequest: \"",
    b", upstream: \"",
    b", host: \"",
    b", referrer: \"",
    b", bytes from/to client:",
];

/// Parsed context values.
#[derive(Default)]
struct Context<'a> {
    client: Option<&'a [u8]>,
    server: Option<&'a [u8]>,
    request: Option<&'a [u8]>,
    subrequest: Option<&'a [u8]>,
    upstream: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    referrer: Option<&'a [u8]>,
    stream: bool,
    truncated: bool,
}

/// Parses the context that starts right after `client: `.
fn parse_context(ctx: &[u8]) -> Context<'_> {
    let mut c = Context::default();
    // Find each key in order, each after the previous one.
    // Each key is taken at its first occurrence after the key before it (keys start with a
    // comma, so only commas are candidates). A request line that imitates a later key does not
    // hide the real one.
    let mut found: [Option<usize>; 7] = [None; 7];
    let mut from = 0;
    for (k, key) in KEYS.iter().enumerate() {
        let hit = memchr::memchr_iter(b',', &ctx[from..])
            .map(|i| from + i)
            .find(|&p| ctx[p..].starts_with(key));
        if let Some(p) = hit {
            found[k] = Some(p);
            from = p + key.len();
        }
    }
    let value_end = |start: usize| -> usize {
        found.iter().flatten().copied().filter(|&p| p >= start).min().unwrap_or(ctx.len())
    };
    let client_end = value_end(0);
    c.client = Some(trim(&ctx[..client_end])).filter(|v| !v.is_empty());
    for (k, key) in KEYS.iter().enumerate() {
        let Some(at) = found[k] else { continue };
        let start = at + key.len();
        let end = value_end(start);
        let mut v = &ctx[start..end];
        if key.ends_with(b"\"") {
            match v.strip_suffix(b"\"") {
                Some(inner) => v = inner,
                None => {
                    if end == ctx.len() {
                        c.truncated = true;
                    }
                }
            }
        }
        match k {
            0 => c.server = Some(v),
            1 => c.request = Some(v),
            2 => c.subrequest = Some(v),
            3 => c.upstream = Some(v),
            4 => c.host = Some(v),
            5 => c.referrer = Some(v),
            _ => c.stream = true,
        }
    }
    c
}

/// The phase when the line has no action: the class's usual phase.
fn default_phase(class: Class) -> Phase {
    match class {
        Class::ConnectRefused
        | Class::ConnectUnreachable
        | Class::ConnectLocal
        | Class::ConnectError
        | Class::ConnectTimeout
        | Class::NoLiveUpstreams
        | Class::DnsFailure
        | Class::TlsHandshake
        | Class::TlsCertificate => Phase::Connect,
        Class::InvalidHeader | Class::HeaderTooBig => Phase::Header,
        Class::InvalidBody => Phase::Body,
        Class::UpstreamDown | Class::UpstreamUp | Class::HealthCheckFailed => Phase::Health,
        _ => Phase::None,
    }
}

/// The status the client gets if this attempt is the last (spec: implied status per class and
/// phase).
fn implied_status(v: &Verdict, phase: Phase, stream: bool, msg: &[u8]) -> Option<u16> {
    use Class as C;
    let body = phase == Phase::Body;
    match v.class {
        C::ConnectRefused | C::ConnectUnreachable | C::ConnectLocal | C::ConnectError => Some(502),
        C::ConnectTimeout => Some(if v.nginx_timer && !stream { 504 } else { 502 }),
        C::ResponseTimeout if stream => Some(502),
        C::ResponseTimeout if !body => Some(504),
        C::PrematurelyClosed | C::ConnectionReset if stream => None,
        C::PrematurelyClosed | C::ConnectionReset if !body => Some(502),
        C::InvalidHeader if finder!(b"no valid HTTP/1.0 header").find(msg).is_some() => Some(9),
        C::InvalidHeader | C::HeaderTooBig => Some(502),
        C::NoLiveUpstreams | C::TlsHandshake | C::TlsCertificate => Some(502),
        C::DnsFailure => Some(if stream { 500 } else { 502 }),
        C::ProxyError if !body => Some(500),
        C::ClientAbort => Some(499),
        _ => None,
    }
}

/// Whether a line without a header looks like a line inside a multi-line FastCGI stderr entry.
fn looks_like_continuation(text: &[u8]) -> bool {
    let t = text.trim_ascii_start();
    t.starts_with(b"PHP message:")
        || t.starts_with(b"Stack trace:")
        || t.starts_with(b"thrown in ")
        || (t.first() == Some(&b'#')
            && digit_run(&t[1..]) > 0
            && t.get(1 + digit_run(&t[1..])) == Some(&b' '))
}

/// Parses a line; the second value, when the line opens a multi-line FastCGI stderr entry, is
/// where its timestamp starts.
fn parse_inner<'a>(
    line: &'a [u8],
    opts: &Options,
    times: &mut TimeCache,
) -> Result<(Event<'a>, Option<usize>), ParseError> {
    let line = crate::lines::strip_cr(line);
    if trim(line).is_empty() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Empty, 0));
    }
    let mut head = locate_header(line);
    let mut time = head.ts.and_then(|at| times.get(&line[at..], opts));
    let console = if head.level.is_none() { console_form(line, opts) } else { None };
    if let Some(c) = &console {
        head.level = c.level;
        head.msg_start = c.msg_start;
        time = c.time;
    }
    let has_header = head.level.is_some() || console.is_some();
    let rest = &line[head.msg_start..];

    // The context starts at the first `client: ` preceded by `, ` or `, udp `; lines without a
    // client may carry `, resolver: ` or `, context: ` instead.
    let ctx_at = find_context(rest);
    let (msg_action, ctx) = match ctx_at {
        Some((at, value_start)) => (&rest[..at], Some(&rest[value_start..])),
        None => (rest, None),
    };
    // The action is after the last ` while ` (the message itself may contain one).
    let mut action = None;
    let mut msg = msg_action;
    if let Some(w) = rfind_while(msg_action) {
        if let Some(a) = match_action(&msg_action[w + 7..]) {
            action = Some(a);
            msg = &msg_action[..w];
        }
    }
    // Strip quoting and the bytes a lost header left behind.
    let quoted = trim(msg);
    let msg = if has_header { quoted } else { strip_lead_junk(quoted) };

    let context = ctx.map(parse_context).unwrap_or_default();
    let errno = errno_of(msg);
    let mut found = classify_common(msg, action).or_else(|| classify(msg, action, errno));
    if found.is_none() && msg.iter().any(|c| c.is_ascii_uppercase()) {
        // Hand-edited case (`Upstream sent too big header`): retry on a lower-cased copy.
        let mut buf = [0u8; 256];
        let n = msg.len().min(buf.len());
        buf[..n].copy_from_slice(&msg[..n]);
        buf[..n].make_ascii_lowercase();
        found = classify(&buf[..n], action, errno).filter(|v| v.class != Class::AppStderr);
    }

    let mut msg = msg;
    if !has_header {
        // Without a header, a line must be recognizably nginx's: a known message, or nginx
        // context. The last line of a multi-line FastCGI stderr entry, read without the lines
        // before it (cut by `tail`, `grep` or a rotation), closes the stderr quote before the
        // action and context: it is the entry's event, without a time. The other lines
        // inside such an entry are continuations.
        let closes_entry = action.is_some() && ctx.is_some() && quoted.ends_with(b"\"");
        let inside_entry = looks_like_continuation(msg) && !msg.starts_with(b"FastCGI");
        if closes_entry && (found.is_none() || inside_entry) {
            found = Some(Verdict { class: Class::AppStderr, nginx_timer: false, refused: None });
            msg = stderr_tail(quoted);
        } else if inside_entry {
            return Err(ParseError::new(FORMAT, ParseErrorKind::Continuation, 0));
        }
        if found.is_none() && ctx.is_none() && action.is_none() {
            return Err(ParseError::new(FORMAT, ParseErrorKind::NotRecognized, 0));
        }
    }

    let unknown = found.is_none();
    let verdict = found.unwrap_or_else(|| Verdict {
        class: unknown_class(head.level, action, context.upstream.is_some()),
        nginx_timer: false,
        refused: None,
    });
    let phase = action.map_or_else(|| default_phase(verdict.class), |(_, p, _)| p);
    let stream = context.stream || finder!(b", udp client: ").find(rest).is_some();

    let mut ev = Event::new(Format::NginxError, line);
    ev.time = time;
    ev.class = verdict.class;
    ev.phase = phase;
    ev.level = head.level;
    // nginx writes the connection's address here (`c->addr_text`); text of another shape (a
    // name, a list) is not one, and is not taken for the client.
    ev.client = context.client.filter(|c| is_client_address(c));
    ev.server = context.server;
    ev.request = context.request;
    ev.host = context.host;
    ev.message = msg;
    if unknown && head.level.is_some_and(|l| l <= Level::Warn) {
        ev.unrecognized = Some(msg);
    }

    let mut fields = Fields {
        pid: head.pid,
        tid: head.tid,
        connection: head.cid,
        errno,
        action: action.map(|(t, _, _)| t),
        subrequest: context.subrequest,
        referrer: context.referrer,
        stream,
        truncated: context.truncated,
        ..Fields::default()
    };
    if let Some(v) = context.upstream.filter(|v| !v.is_empty()) {
        let u = split_upstream(v);
        fields.upstream_scheme = u.scheme;
        fields.upstream_uri = u.uri;
        // nginx writes the peer's name (an address, `unix:` path or configured name): text
        // with spaces, quotes or commas is not one (an edited or damaged line).
        if !u.peer.is_empty() && !u.peer.iter().any(|&c| matches!(c, b' ' | b'"' | b',')) {
            ev.upstream = Some(u.peer);
        }
    }
    if ev.upstream.is_none() {
        ev.upstream = if verdict.class == Class::DnsFailure {
            name_in_dns_message(msg)
        } else {
            peer_in_message(msg)
        };
    }
    if verdict.class == Class::NoLiveUpstreams {
        // The peer name is the upstream{} block's name here.
        ev.upstream_group = ev.upstream;
    }
    // A console line is about the proxy itself (startup, `nginx -t`), never a request's.
    if console.is_none() {
        fields.implied_status = match verdict.refused {
            // Only an HTTP request gets a status: its lines name it (`request:`), stream lines
            // never do (a refused stream connection is closed).
            Some(status) => context.request.is_some().then_some(status),
            None => implied_status(&verdict, phase, stream, msg),
        };
    }
    ev.fields = EventFields::NginxError(fields);

    let opens = verdict.class == Class::AppStderr && ctx.is_none() && action.is_none() && {
        // The stderr text is still open when its quote is not closed on this line.
        let body = &msg[msg.len().min(b"FastCGI sent in stderr: ".len())..];
        !(body.len() >= 2 && body.ends_with(b"\""))
    };
    Ok((ev, opens.then(|| head.ts.unwrap_or(0))))
}

/// The text of an entry's last line before its context: the end of the application's
/// output, without the closing quote and the indentation.
fn stderr_tail(msg: &[u8]) -> &[u8] {
    trim(msg.strip_suffix(b"\"").unwrap_or(msg))
}

/// What nginx wrote to its standard error (`nginx -t`, startup), as a service manager kept it.
struct Console {
    /// The time of the syslog header, when there is one and the year is known.
    time: Option<Timestamp>,
    /// The `[level]` after `nginx: `; `nginx -t`'s own verdicts have none.
    level: Option<Level>,
    /// Where the message starts.
    msg_start: usize,
}

/// Reads the console form, `nginx: [level] message` or `nginx: message`, alone or after a
/// syslog header (`Jul  3 09:12:44 web1 nginx[812]: nginx: [emerg] ...`, as journald and
/// syslog keep a unit's standard error).
///
/// nginx writes this form where no error log is open yet: `ngx_log_error_core` and
/// `ngx_log_stderr` (`src/core/ngx_log.c`) put `nginx: ` before the line, without nginx's
/// own timestamp, pid or connection number. The syslog header's time is read in `opts.tz`,
/// with `opts.year` (the header has no year; without one the time is unknown).
fn console_form(line: &[u8], opts: &Options) -> Option<Console> {
    let mut at = line.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let mut time = None;
    if let Some((civil, len)) = crate::haproxy::frame::legacy_time(&line[at..]) {
        // `HOST TAG[PID]: ` after the time.
        let after = &line[at + len..];
        let host_at = after.iter().take_while(|&&c| c == b' ').count();
        let host_len = memchr::memchr(b' ', &after[host_at..])?;
        let tag_at = host_at + host_len + 1;
        let tag_len = memchr::memchr(b' ', &after[tag_at..])?;
        crate::haproxy::frame::tag_token(&after[tag_at..tag_at + tag_len])?;
        time = opts.year.and_then(|year| {
            let c = civil;
            civil_to_unix(year, c.month, c.day, c.hour, c.minute, c.second)
                .map(|local| Timestamp::from_unix_seconds(opts.tz.local_to_utc(local)))
        });
        at += len + tag_at + tag_len + 1;
    }
    let rest = line.get(at..)?.strip_prefix(b"nginx: ")?;
    at += b"nginx: ".len();
    let mut level = None;
    if rest.first() == Some(&b'[')
        && let Some(close) = memchr::memchr(b']', &rest[..rest.len().min(9)])
        && let Some(l) = Level::from_name(&rest[1..close])
    {
        level = Some(l);
        at += close + 1 + rest[close + 1..].iter().take_while(|&&c| c == b' ').count();
    }
    Some(Console { time, level, msg_start: at })
}

/// The class of a message the catalog does not know: a failure of unknown cause
/// (`gateway_error`) when it is logged at level `error` or worse in an upstream context (an
/// `upstream:` field, or an upstream-side action such as `while connecting to upstream`),
/// `info` otherwise (notices, client-side lines, lines without a level).
fn unknown_class(
    level: Option<Level>,
    action: Option<(&[u8], Phase, bool)>,
    upstream: bool,
) -> Class {
    let client_side = action.is_some_and(|(_, _, client)| client);
    let upstream_action = action.is_some_and(|(a, _, client)| !client && a.ends_with(b"upstream"));
    let failure = level.is_some_and(|l| l <= Level::Error);
    if failure && !client_side && (upstream || upstream_action) {
        Class::GatewayError
    } else {
        Class::Info
    }
}

/// The position of the last ` while ` in `text`.
///
/// A backwards `memrchr` for the `w` finds it in a few steps: the action is near the end.
fn rfind_while(text: &[u8]) -> Option<usize> {
    memchr::memrchr_iter(b'w', text)
        .filter(|&i| i >= 1)
        .map(|i| i - 1)
        .find(|&at| text[at..].starts_with(b" while "))
}

/// Where the context starts: `(start of ", client: ", start of the client value)`.
fn find_context(rest: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = finder!(b"client: ").find(&rest[from..]) {
        let at = from + i;
        if at >= 2 && &rest[at - 2..at] == b", " {
            return Some((at - 2, at + 8));
        }
        if at >= 6 && &rest[at - 6..at] == b", udp " {
            return Some((at - 6, at + 8));
        }
        from = at + 8;
    }
    for key in [&b", resolver: "[..], b", context: "] {
        if let Some(i) = find(rest, key) {
            // No client value: the context is all after the key, parsed as nothing.
            return Some((i, rest.len()));
        }
    }
    // A line cut right after `, client:`.
    if let Some(stripped) = trim(rest).strip_suffix(b", client:") {
        return Some((stripped.len(), rest.len()));
    }
    None
}

/// Strips the bytes a lost or mangled header left before the message (`> `, `'**`).
fn strip_lead_junk(msg: &[u8]) -> &[u8] {
    let start = msg
        .iter()
        .position(|c| c.is_ascii_alphanumeric() || matches!(c, b'[' | b'#'))
        .unwrap_or(msg.len());
    &msg[start..]
}

/// The peer a message names, for lines without `upstream:`: `connect() to ADDR failed`, and
/// the health checks' `... peer: ADDR` (nginx_upstream_check_module, Tengine),
/// `healthcheck: peer ADDR is turned down` and `healthcheck: failed to connect to ADDR: ...`
/// (lua-resty-upstream-healthcheck).
fn peer_in_message(msg: &[u8]) -> Option<&[u8]> {
    if let Some(at) = finder!(b"() to ").find(msg) {
        let rest = &msg[at + 6..];
        let end = finder!(b" failed").find(rest)?;
        let peer = trim(&rest[..end]);
        return (!peer.is_empty() && !peer.contains(&b' ')).then_some(peer);
    }
    if let Some(at) = finder!(b"peer: ").find(msg) {
        return peer_token(&msg[at + 6..]);
    }
    let at = finder!(b"healthcheck: ").find(msg)?;
    let rest = &msg[at + 13..];
    let after = [&b"peer "[..], b"connect to ", b"handshake to ", b"request to ", b"from "]
        .iter()
        .find_map(|m| find(rest, m).map(|i| &rest[i + m.len()..]))?;
    peer_token(after)
}

/// The upstream name a DNS failure names: `host not found in upstream "NAME"` and `... in
/// upstream "NAME" in file:N` (startup), `NAME could not be resolved (N: ...)` (also
/// `'NAME'`, `"NAME"` and `service S of NAME`), `no resolver defined to resolve NAME`,
/// `unexpected DNS response for NAME`. `None` for the resolver's own socket errors
/// (`recv() failed ... while resolving, resolver: ADDR`), which name the resolver instead.
fn name_in_dns_message(msg: &[u8]) -> Option<&[u8]> {
    if let Some(at) = finder!(b"in upstream \"").find(msg) {
        let rest = &msg[at + 13..];
        let end = memchr::memchr(b'"', rest)?;
        return (end > 0).then(|| &rest[..end]);
    }
    if let Some(at) = finder!(b" could not be resolved").find(msg) {
        let head = &msg[..at];
        let start = head.iter().rposition(|&c| c == b' ').map_or(0, |i| i + 1);
        let name = head[start..].trim_ascii();
        let name = name.strip_prefix(b"'").and_then(|n| n.strip_suffix(b"'")).unwrap_or(name);
        let name = name.strip_prefix(b"\"").and_then(|n| n.strip_suffix(b"\"")).unwrap_or(name);
        return (!name.is_empty()).then_some(name);
    }
    for marker in [&b"no resolver defined to resolve "[..], b"DNS response for "] {
        if let Some(at) = find(msg, marker) {
            return peer_token(&msg[at + marker.len()..]);
        }
    }
    None
}

/// The address at the start of `text`: up to a space, a comma or a `: ` (an address holds
/// colons, `host:port`, `[v6]:port`, `unix:/path`); `None` when empty.
fn peer_token(text: &[u8]) -> Option<&[u8]> {
    let text = text.trim_ascii_start();
    let mut end = text.iter().position(|&c| c == b' ' || c == b',').unwrap_or(text.len());
    if let Some(i) = find(&text[..end], b": ") {
        end = i;
    }
    let peer = text[..end].strip_suffix(b":").unwrap_or(&text[..end]);
    (!peer.is_empty()).then_some(peer)
}

#[cfg(test)]
mod tests;
