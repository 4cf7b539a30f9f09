//! HAProxy logs: traffic lines, health checks and admin messages.
//!
//! # Layout
//!
//! A line is up to three framing layers and a message. The framing is what HAProxy's
//! `log ... format` writes (`build_log_header()` in `src/log.c`) and what a syslog daemon or
//! container runtime adds around it:
//!
//! ```text
//! [compose prefix | ][<PRI>][header] MESSAGE
//!
//! <134>Nov  3 22:22:18 haproxy[44]: MESSAGE                          format local (default)
//! <134>Nov  3 22:22:18 host haproxy[44]: MESSAGE                     format rfc3164
//! <134>1 2024-06-12T10:09:11.823400+02:00 host haproxy 44 - - MESSAGE  format rfc5424
//! Feb 19 04:03:03 debian11 haproxy[4418]: MESSAGE                    rsyslog file, journald
//! 2024-11-18T12:48:56.327006+01:00 hermes haproxy[2275324] MESSAGE   rsyslog ISO template
//! haproxy_1          | MESSAGE                                       docker-compose, raw
//! haproxy[44]: MESSAGE                                              journalctl -o cat, pastes
//! haproxy MESSAGE                     (a known admin message only)   pastes
//! ```
//!
//! The message is a traffic line in one of the built-in formats (`src/log.c`), a health or
//! admin message, or an admin message with its stderr label (`src/errors.c`):
//!
//! ```text
//! 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
//! 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0
//! [WARNING]  (8) : Server web/app1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
//! ```
//!
//! # Classification
//!
//! Traffic lines are classified by their **termination state**, never by the status: HAProxy
//! answers 503 both for a refused connect (`SC`) and a connect timeout (`sC`), and logged 503
//! for client aborts (`CC`, `CQ`) up to 2.4. See [`classify_state`] for the table. Server state
//! changes are `upstream_down` / `upstream_up`, with the check's cause in
//! [`Fields::cause`]; `Health check ... failed` is `health_check_failed`; `backend X has no
//! server available!` is `no_live_upstreams`; `Connect() failed for backend X: no free ports.`
//! is `proxy_error` (the proxy's own resource), and so are the startup alerts that stop the
//! proxy from serving (`Starting frontend x: cannot bind socket`, `Proxy 'x': unable to find
//! required default_backend`, fatal configuration errors). Other admin messages are `info`.
//!
//! # Event fields
//!
//! `upstream` is the server name (`None` for `<NOSRV>`; applets such as `<STATS>` are kept),
//! `upstream_group` the backend, `server` the frontend (with its `~` SSL suffix), `client` the
//! client `ip:port` as written, `status` the HTTP status (`None` for `-1`), `request` the
//! request line, `host` the host of an absolute request URI or an obvious host name among the
//! captured request headers. Everything else is in [`Fields`].
//!
//! # Time and year
//!
//! The event time is the accept date (`[06/Feb/2009:12:14:14.655]`) when the line has one,
//! else the header's time, else the old stderr label's day-of-year time. Times without an
//! offset are local: [`Options::tz`] converts them. When the header carries an offset (an ISO
//! time) and the accept date reads closer to it with that offset than with `tz`, the header's
//! offset is used for the accept date too (both were written on the same host).
//!
//! Syslog headers (`Mmm dd HH:MM:SS`) carry no year. The stateless [`parse_with`] takes it from
//! the accept date in the same line, else from [`Options::year`], else gives no time. The
//! stateful [`Parser`] follows the input:
//!
//! - with [`Options::year`] set, that is the year of the first year-less timestamp;
//! - otherwise the year comes from the last line that carried one (an ISO header or an accept
//!   date); before any such line it is the current year, or the previous one when the date
//!   would be more than a month in the future (what syslog readers usually assume);
//! - when the month goes backwards by more than six months (December to January), the year
//!   advances by one.
//!
//! A caller that reads an input in several parts (parallel chunks) can fix the year of all of
//! them up front with [`crate::Parser::infer_year`], from the start of the input and its
//! modification time; it applies the same turn-of-the-year rule.
//!
//! # Quirks handled
//!
//! - IPv6 clients without brackets (`::ffff:1.2.3.4:54241`): split on the last `:`; `unix:N`
//!   and redacted clients are kept whole; a client missing entirely (a relay dropped it).
//! - Frontend names with a `~` suffix, or with stray spaces; backend and server names with `:`
//!   and `.`; a backend without `/server`.
//! - 0, 1 or 2 capture blocks `{...}`, which may contain spaces and quotes; `-1` timers; `+`
//!   prefixes (logasap, redispatch); status `-1`; `<BADREQ>`; requests cut at the log length
//!   limit without their closing quote ([`Fields::truncated`]); fields after the request (the
//!   HTTPS tail, custom `bc_err=...`), kept in [`Fields::extra`].
//! - Custom formats read by two anchors, so that a token added or dropped cannot shift a
//!   field: `backend/server` is the first token after the frontend holding a `/` (a Host header
//!   or unique id between it and the timers is skipped; a host name there is the event's
//!   `host`), and the termination state is the token before the `ac/fc/bc/sc/rc` tuple,
//!   wherever it is after the timers (extra tokens after the bytes, no captured cookies).
//!   Timers other than 3 (TCP) or 5 (HTTP) are not named ([`LogKind::Custom`]). A status or
//!   byte count that is not a number is [`ParseErrorKind::InvalidField`]: such a line needs
//!   its `log-format`. Other custom formats (JSON, reordered fields) are read only for their
//!   termination state ([`LogKind::Custom`]).
//! - The old TCP lines with three timers and a two-letter state.
//! - Admin messages in both wordings (`backend 'web' has no ...` on stderr, `backend web has
//!   no ...` in syslog), and lines cut by `systemctl status` (`reason: Layer7 wron>`).
//! - Unknown messages under a syslog header or stderr label are `info` events; a line with no
//!   framing and no known message is [`ParseErrorKind::NotRecognized`].

mod admin;
pub mod conf;
pub(crate) mod fields;
pub(crate) mod frame;
pub mod log_format;
mod traffic;

use crate::bytes::trim;
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::{Event, Fields as EventFields};
use crate::format::Format;
use crate::options::Options;
use crate::time::{Timestamp, civil_from_days, civil_to_unix, days_from_civil, is_new_year};
pub use fields::{Fields, LogKind};
use frame::{Civil, HeaderTime, names_haproxy};
pub use log_format::{FormatError, LogFormat};

const FORMAT: Option<Format> = Some(Format::Haproxy);

/// The class and phase of a termination state (2 or 4 characters), given the status and
/// whether no server was selected (`<NOSRV>`).
///
/// | state | class |
/// |---|---|
/// | `--` | `ok`, or `upstream_5xx` when the status is 5xx (the server answered it) |
/// | `SC` | `connect_refused`; `no_live_upstreams` with `<NOSRV>` |
/// | `sC` | `connect_timeout` |
/// | `sQ`, `SQ` | `upstream_busy` |
/// | `SH`, `SR` | `prematurely_closed` |
/// | `SD`, `SL`, other `S?` | `connection_reset` |
/// | `s?` except `sC`/`sQ` | `response_timeout` |
/// | `PH` | `invalid_header`; `proxy_error` with status 500 (rewrite failure) |
/// | `PD`, `PL` | `invalid_body` |
/// | `PR`, `PT`, `CT` | `client_error` (denied, invalid request, tarpit) |
/// | `PC`, other `P?`, `R?`, `I?`, `K?`, `D?`, `U?` | `proxy_error` |
/// | `C?` | `client_abort` (even when logged as 503) |
/// | `c?` | `client_error` (client timeout) |
/// | `L?` | `ok` (handled locally) |
///
/// The phase is the second letter's: `C` connect, `Q` queue, `H` header, `D`/`L` body, others
/// none.
pub fn classify_state(state: &[u8], status: Option<u16>, nosrv: bool) -> (Class, Phase) {
    let cause = state.first().copied().unwrap_or(b'-');
    let fin = state.get(1).copied().unwrap_or(b'-');
    let phase = match fin {
        b'C' => Phase::Connect,
        b'Q' => Phase::Queue,
        b'H' => Phase::Header,
        b'D' | b'L' => Phase::Body,
        _ => Phase::None,
    };
    let class = match (cause, fin) {
        (b'-', _) => {
            if status.is_some_and(|s| (500..600).contains(&s)) {
                Class::Upstream5xx
            } else {
                Class::Ok
            }
        }
        (b'S', b'C') if nosrv => Class::NoLiveUpstreams,
        (b'S', b'C') => Class::ConnectRefused,
        (b's', b'C') => Class::ConnectTimeout,
        (b'S' | b's', b'Q') => Class::UpstreamBusy,
        (b'S', b'H' | b'R') => Class::PrematurelyClosed,
        (b'S', _) => Class::ConnectionReset,
        (b's', _) => Class::ResponseTimeout,
        (b'P', b'H') if status == Some(500) => Class::ProxyError,
        (b'P', b'H') => Class::InvalidHeader,
        (b'P', b'D' | b'L') => Class::InvalidBody,
        (b'P', b'R' | b'T') | (b'C', b'T') => Class::ClientError,
        (b'C', _) => Class::ClientAbort,
        (b'c', _) => Class::ClientError,
        (b'L', _) => Class::Ok,
        _ => Class::ProxyError,
    };
    (class, if matches!(class, Class::Ok) { Phase::None } else { phase })
}

/// Parses one HAProxy line with default options (local times read as UTC, no year assumed).
///
/// ```
/// use logparse::{haproxy, Class};
/// let line = b"Feb 19 04:03:05 debian11 haproxy[4418]: 10.2.0.1:56932 \
///     [19/Feb/2023:04:03:02.911] web_proxy web_servers/debian11-3 0/0/-1/-1/3009 503 221 - - \
///     SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"";
/// let ev = haproxy::parse(line).unwrap();
/// assert_eq!(ev.class, Class::ConnectRefused);
/// assert_eq!(ev.upstream, Some(&b"debian11-3"[..]));
/// assert_eq!(ev.upstream_group, Some(&b"web_servers"[..]));
/// assert_eq!(ev.status, Some(503));
/// assert_eq!(ev.time.unwrap().to_string(), "2023-02-19T04:03:02.911000Z");
/// ```
pub fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    parse_with(line, &Options::default())
}

/// Parses one HAProxy line without state: a year-less syslog time takes its year from the
/// accept date in the same line or from [`Options::year`], and has no time otherwise.
pub fn parse_with<'a>(line: &'a [u8], opts: &Options) -> Result<Event<'a>, ParseError> {
    let (mut ev, t) = parse_inner(line, None)?;
    let year = match t.header {
        Some(HeaderTime::NoYear(h)) => t.line_year(h.month).or(opts.year),
        _ => opts.year.or(t.accept.map(|a| a.year)),
    };
    ev.time = t.resolve(opts, year);
    Ok(ev)
}

/// A stateful HAProxy parser that infers the year of syslog timestamps across lines (see the
/// module docs).
#[derive(Clone, Debug)]
pub struct Parser {
    opts: Options,
    // Shared: a parser is cloned per chunk of input, the compiled format is not.
    format: Option<std::sync::Arc<LogFormat>>,
    year: Option<i32>,
    last_month: u32,
    now_year: i32,
    now_month: u32,
}

impl Default for Parser {
    fn default() -> Parser {
        Parser::new(Options::default())
    }
}

impl Parser {
    /// A parser with the given options; the current year, for inputs that never say which
    /// year it is, is read from the system clock.
    pub fn new(opts: Options) -> Parser {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Parser::with_now(opts, Timestamp::from_unix_seconds(now))
    }

    /// A parser that takes `now` as the current time (for reproducible results).
    pub fn with_now(opts: Options, now: Timestamp) -> Parser {
        let (now_year, now_month, ..) = now.to_civil_utc();
        let mut p = Parser { opts, format: None, year: None, last_month: 0, now_year, now_month };
        p.reset();
        p
    }

    /// Reads traffic lines with `format` (a `log-format`, see [`LogFormat`]) instead of
    /// recognizing the built-in formats; health and admin messages are read as before.
    pub fn with_format(mut self, format: LogFormat) -> Parser {
        self.format = Some(std::sync::Arc::new(format));
        self
    }

    /// The options this parser was made with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Parses the next line of the input.
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        let (mut ev, t) = parse_inner(line, self.format.as_deref())?;
        let month = match t.header {
            Some(HeaderTime::NoYear(h)) => Some(h.month),
            _ => None,
        };
        let mut year = None;
        if let Some(m) = month {
            let learned = if self.opts.year.is_none() { t.line_year(m) } else { None };
            let y = match (learned, self.year) {
                (Some(y), _) => y,
                (None, Some(y)) if is_new_year(self.last_month, m) => y + 1,
                (None, Some(y)) => y,
                (None, None) if m > self.now_month + 1 => self.now_year - 1,
                (None, None) => self.now_year,
            };
            self.year = Some(y);
            self.last_month = m;
            year = Some(y);
        } else if self.opts.year.is_none()
            && let Some((y, m)) = t.carried_year()
        {
            self.year = Some(y);
            self.last_month = m;
        }
        if year.is_none() && t.header.is_none() && t.accept.is_none() {
            // Only the old stderr label's day of the year (or nothing).
            year = self.year.or(self.opts.year).or(Some(self.now_year));
        }
        ev.time = t.resolve(&self.opts, year);
        Ok(ev)
    }

    /// Forgets the year learned from earlier lines (call it when a new input starts).
    pub fn reset(&mut self) {
        self.year = self.opts.year;
        self.last_month = 0;
    }
}

/// The times a line carries, before year and zone are settled.
#[derive(Clone, Copy, Debug, Default)]
struct Times {
    header: Option<HeaderTime>,
    accept: Option<Civil>,
    label_yday: Option<(u32, u32)>,
}

impl Times {
    /// The year of a year-less header of month `m`, from the accept date in the same line.
    fn line_year(&self, m: u32) -> Option<i32> {
        let a = self.accept?;
        Some(match (m, a.month) {
            (1, 12) => a.year + 1,
            (12, 1) => a.year - 1,
            _ => a.year,
        })
    }

    /// The year and month of a time in the line that has a year.
    fn carried_year(&self) -> Option<(i32, u32)> {
        match (self.header, self.accept) {
            (Some(HeaderTime::Full(c)), _) | (_, Some(c)) => Some((c.year, c.month)),
            _ => None,
        }
    }

    /// The event time: accept date, else header, else the label's day-of-year time.
    fn resolve(&self, opts: &Options, year: Option<i32>) -> Option<Timestamp> {
        let header = match self.header {
            Some(HeaderTime::Full(c)) => to_utc(c, c.offset, opts),
            Some(HeaderTime::NoYear(c)) => to_utc(Civil { year: year?, ..c }, None, opts),
            None => None,
        };
        if let Some(a) = self.accept {
            let by_tz = to_utc(a, a.offset, opts);
            if a.offset.is_none()
                && let (Some(HeaderTime::Full(h)), Some(ht)) = (self.header, header)
                && h.offset.is_some()
            {
                let by_header = to_utc(a, h.offset, opts);
                let dist =
                    |t: Option<Timestamp>| t.map(|t| (t.unix_micros() - ht.unix_micros()).abs());
                if let (Some(dh), Some(dt)) = (dist(by_header), dist(by_tz))
                    && dh < dt
                {
                    return by_header;
                }
            }
            if by_tz.is_some() {
                return by_tz;
            }
        }
        if header.is_some() {
            return header;
        }
        let (yday, secs) = self.label_yday?;
        let days = days_from_civil(year?, 1, 1) + i64::from(yday);
        let (y, m, d) = civil_from_days(days);
        let c = Civil {
            year: y,
            month: m,
            day: d,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            micros: 0,
            offset: None,
        };
        to_utc(c, None, opts)
    }
}

/// A civil time to UTC with its own offset, or through `tz` when it has none.
fn to_utc(c: Civil, offset: Option<i32>, opts: &Options) -> Option<Timestamp> {
    let local = civil_to_unix(c.year, c.month, c.day, c.hour, c.minute, c.second)?;
    let utc = match offset {
        Some(o) => local - i64::from(o),
        None => opts.tz.local_to_utc(local),
    };
    Some(Timestamp::from_unix_micros(utc * 1_000_000 + i64::from(c.micros)))
}

/// Parses everything but the time.
fn parse_inner<'a>(
    line: &'a [u8],
    format: Option<&LogFormat>,
) -> Result<(Event<'a>, Times), ParseError> {
    let line = crate::lines::strip_cr(line);
    if trim(line).is_empty() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::Empty, 0));
    }
    let fr = frame::frame(line);
    let mut ev = Event::new(Format::Haproxy, line);
    let mut f =
        Fields { pid: fr.pid, syslog_host: fr.host, syslog_tag: fr.tag, ..Fields::default() };
    ev.level = fr.level;
    let mut times = Times { header: fr.time, ..Times::default() };
    let mut msg = line.get(fr.msg_start..).unwrap_or_default();
    let mut labelled = false;
    if let Some(l) = frame::label(msg) {
        labelled = true;
        ev.level = Some(l.level);
        f.pid = l.pid.or(f.pid);
        times.label_yday = l.yday_time;
        msg = &msg[l.len..];
    }
    let msg = trim(msg);
    let msg_offset = line.len() - msg.len();

    if admin::parse(msg, &mut ev, &mut f) {
        ev.message = msg;
        ev.fields = EventFields::Haproxy(f);
        return Ok((ev, times));
    }
    if labelled {
        // An admin message HAProxy writes with its stderr label, but not one we act on.
        f.kind = LogKind::Admin;
        ev.message = msg;
        ev.fields = EventFields::Haproxy(f);
        return Ok((ev, times));
    }
    if let Some(rest) = msg.strip_prefix(b"Connect from ") {
        f.kind = LogKind::Connect;
        let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        ev.client = Some(&rest[..end]);
        if let Some(open) = memchr::memrchr(b'(', rest) {
            let inner = &rest[open + 1..];
            let slash = memchr::memchr(b'/', inner).unwrap_or(inner.len());
            ev.server = Some(&inner[..slash]);
        }
        ev.message = msg;
        ev.fields = EventFields::Haproxy(f);
        return Ok((ev, times));
    }
    let mut accept = None;
    if let Some(format) = format {
        format
            .read(msg, &mut ev, &mut f, &mut accept)
            .map_err(|(kind, at)| ParseError::new(FORMAT, kind, msg_offset + at))?;
        times.accept = accept;
        let state = f.termination_state.unwrap_or_default();
        let nosrv = f.server_name == Some(b"<NOSRV>");
        (ev.class, ev.phase) = classify_state(state, ev.status, nosrv);
        ev.fields = EventFields::Haproxy(f);
        return Ok((ev, times));
    }
    match traffic::parse(msg, &mut ev, &mut f, &mut accept) {
        traffic::Outcome::Read => {
            times.accept = accept;
            if let Some(state) = f.termination_state {
                let nosrv = f.server_name == Some(b"<NOSRV>");
                let (class, phase) = classify_state(state, ev.status, nosrv);
                ev.class = class;
                ev.phase = phase;
            } else {
                // Connection-level errors are the client's (TLS handshakes, resets).
                ev.class = Class::ClientError;
            }
            ev.fields = EventFields::Haproxy(f);
            Ok((ev, times))
        }
        traffic::Outcome::Missing(name, at) => {
            Err(ParseError::new(FORMAT, ParseErrorKind::MissingField(name), msg_offset + at))
        }
        traffic::Outcome::Invalid(name, at) => {
            Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField(name), msg_offset + at))
        }
        // An unknown message is HAProxy's only when the syslog tag says so; other programs'
        // lines under a syslog header (sshd, systemd) are not events of this format.
        traffic::Outcome::NotTraffic if fr.framed && fr.tag.is_some_and(names_haproxy) => {
            f.kind = LogKind::Admin;
            ev.message = msg;
            ev.fields = EventFields::Haproxy(f);
            Ok((ev, times))
        }
        traffic::Outcome::NotTraffic => {
            Err(ParseError::new(FORMAT, ParseErrorKind::NotRecognized, 0))
        }
    }
}

/// Whether a line looks like HAProxy's: a syslog tag naming HAProxy, an admin stderr label, a
/// known health or admin message, or a traffic line with a termination state. Lines of other
/// programs under a syslog header are not HAProxy's.
pub fn looks_like(line: &[u8]) -> bool {
    let fr = frame::frame(line);
    if fr.tag.is_some_and(names_haproxy) {
        return true;
    }
    match parse_inner(line, None) {
        Ok((ev, _)) => match &ev.fields {
            EventFields::Haproxy(f) if f.kind != LogKind::Admin => true,
            // Admin events count only when the message is one HAProxy writes.
            EventFields::Haproxy(_) => {
                let msg = line.get(fr.msg_start..).unwrap_or_default();
                frame::label(msg).is_some() || admin::is_known(ev.message)
            }
            _ => false,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests;
