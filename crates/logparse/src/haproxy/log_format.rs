//! The `log-format` compiler: an HAProxy `log-format` string (or one of the built-in formats by
//! its option name) in, a [`LogFormat`] out, and the reader that applies it to a message.
//!
//! The syntax is HAProxy's (`doc/configuration.txt`, section 8.2.6 "Custom log format"):
//! `%var` or `%{flags}var` for a variable, `%[sample]` or `%{flags}[sample]` for a sample
//! expression, `%%` for a `%`, `\` before a space or a quote to keep it literal, and literal text
//! between. A run of spaces is a separator: HAProxy writes it once, and not after a variable
//! that wrote nothing (`%hr` without `capture request header`), so the reader skips any number
//! of spaces there. The flag `+Q` quotes a value; `%{+Q}o` quotes every value after it.
//!
//! The built-in formats are the strings of HAProxy's `src/log.c` (`default_http_log_format`,
//! `default_https_log_format`, `default_tcp_log_format` and the CLF ones), available through
//! [`LogFormat::new`] by the name of their option: `option httplog`, `option httpslog`,
//! `option tcplog`, `option httplog clf`, `option tcplog clf` (the word `option` may be left
//! out).
//!
//! # Variables
//!
//! | variable | field |
//! |---|---|
//! | `%ci`, `%cp` | `client` (`ip:port` when they are written `%ci:%cp`), `client_ip`, `client_port` |
//! | `%t`, `%tr`, `%trg`, `%trl`, `%T`, `%Tl` | the event time (`dd/Mmm/yyyy:HH:MM:SS[.mmm][ +zzzz]`) |
//! | `%ft`, `%f` | `server` (the frontend) |
//! | `%b` | `upstream_group` |
//! | `%s` | `upstream`, `server_name` |
//! | `%TR`, `%Tq` | `request_ms` |
//! | `%Tw`, `%Tc`, `%Tr` | `queue_ms`, `connect_ms`, `response_ms` |
//! | `%Ta`, `%Tt` | `total_ms` (`%Ta` when both are written) |
//! | `%ST` | `status`, `status_raw` |
//! | `%B` | `bytes` |
//! | `%CC`, `%CS` | `request_cookie`, `response_cookie` |
//! | `%tsc`, `%ts` | `termination_state` (4 and 2 characters) |
//! | `%ac`, `%fc`, `%bc`, `%sc`, `%rc` | `actconn`, `feconn`, `beconn`, `srv_conn`, `retries` |
//! | `%sq`, `%bq` | `srv_queue`, `backend_queue` |
//! | `%hr`, `%hs`, `%hrl`, `%hsl` | `request_captures`, `response_captures` |
//! | `%r` | `request` |
//! | `%sslv`, `%sslc` | `ssl_version`, `ssl_cipher` |
//! | `%[ssl_fc_sni]`, `%[req.hdr(host)]`, `%[bc_err]` and the like | `ssl_sni`, `host`, `bc_err` |
//!
//! The other variables HAProxy documents (`%Th`, `%Ti`, `%Td`, `%Tu`, `%Ts`, `%ms`, `%U`,
//! `%ID`, `%pid`, `%H`, `%HM`, `%HU`, `%HP`, `%HPO`, `%HQ`, `%HV`, `%bi`, `%bp`, `%fi`, `%fp`,
//! `%si`, `%sp`, `%lc`, `%rt`, `%o`) and other sample expressions are read and skipped; a
//! variable HAProxy does not have is a [`FormatError`].
//!
//! Each field is checked against its kind as it is read (an address, a port, a number, a
//! termination state): a value that does not fit is [`ParseErrorKind::InvalidField`] naming the
//! field, never a value in the wrong field.
//!
//! Compiling allocates (the text and the items) once per format; reading a line does not.

use std::fmt;
use std::str::FromStr;

use super::fields::{Fields, LogKind};
use super::frame::Civil;
use super::traffic::{
    absolute_uri_host, capture_host, count, date_value, host_name, int, state_token,
};
use crate::error::ParseErrorKind;
use crate::event::Event;

/// `option httplog` (`default_http_log_format`, HAProxy `src/log.c`).
const HTTPLOG: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r";
/// `option httpslog` (`default_https_log_format`, HAProxy 2.5+).
const HTTPSLOG: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc";
/// `option tcplog` (`default_tcp_log_format`).
const TCPLOG: &str = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";
/// `option httplog clf` (`clf_http_log_format`).
const HTTPLOG_CLF: &str = "%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";
/// `option tcplog clf` (`clf_tcp_log_format`).
const TCPLOG_CLF: &str = "%{+Q}o %{-Q}ci - - [%T] \"TCP \" 000 %B \"\" \"\" %cp %ms %ft %b %s %Th %Tw %Tc %Tt %U %ts-- %ac %fc %bc %sc %rc %sq %bq \"\" \"\" ";

/// The built-in formats: option name, format string, kind of line.
const ALIASES: &[(&str, &str, LogKind)] = &[
    ("httplog", HTTPLOG, LogKind::Http),
    ("httpslog", HTTPSLOG, LogKind::Https),
    ("tcplog", TCPLOG, LogKind::Tcp),
    ("httplog clf", HTTPLOG_CLF, LogKind::HttpClf),
    ("tcplog clf", TCPLOG_CLF, LogKind::TcpClf),
];

/// What a variable fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    ClientIp,
    ClientPort,
    Date,
    Frontend,
    Backend,
    Server,
    RequestMs,
    /// `%Tq` (HAProxy before 1.7: `Th + Ti + TR`): the request time when `%TR` is not written.
    LegacyRequestMs,
    QueueMs,
    ConnectMs,
    ResponseMs,
    ActiveMs,
    TotalMs,
    Status,
    Bytes,
    RequestCookie,
    ResponseCookie,
    State4,
    State2,
    Actconn,
    Feconn,
    Beconn,
    SrvConn,
    Retries,
    SrvQueue,
    BackendQueue,
    RequestCaptures,
    ResponseCaptures,
    Request,
    SslVersion,
    SslCipher,
    /// `%[...]` naming the Host header.
    HostSample,
    /// `%[ssl_fc_sni]`.
    SniSample,
    /// `%[bc_err]`, `%[bc_err_name]`.
    BcErrSample,
    /// A number that fills no field (`%Th`, `%U`, `%ms`...).
    OtherNumber,
    /// `%o`: writes nothing, sets flags for what follows.
    Flags,
    /// Anything else: read and skipped.
    Other,
}

impl Var {
    /// The field name errors give.
    fn field(self) -> &'static str {
        match self {
            Var::ClientIp => "client_ip",
            Var::ClientPort => "client_port",
            Var::Date => "date",
            Var::Frontend => "frontend",
            Var::Backend => "backend",
            Var::Server => "server_name",
            Var::RequestMs | Var::LegacyRequestMs => "request_ms",
            Var::QueueMs => "queue_ms",
            Var::ConnectMs => "connect_ms",
            Var::ResponseMs => "response_ms",
            Var::ActiveMs | Var::TotalMs => "total_ms",
            Var::Status => "status",
            Var::Bytes => "bytes",
            Var::RequestCookie => "request_cookie",
            Var::ResponseCookie => "response_cookie",
            Var::State4 | Var::State2 => "termination_state",
            Var::Actconn => "actconn",
            Var::Feconn => "feconn",
            Var::Beconn => "beconn",
            Var::SrvConn => "srv_conn",
            Var::Retries => "retries",
            Var::SrvQueue => "srv_queue",
            Var::BackendQueue => "backend_queue",
            Var::RequestCaptures => "request_captures",
            Var::ResponseCaptures => "response_captures",
            Var::Request => "request",
            Var::SslVersion => "ssl_version",
            Var::SslCipher => "ssl_cipher",
            Var::HostSample => "host",
            Var::SniSample => "ssl_sni",
            Var::BcErrSample => "bc_err",
            Var::OtherNumber | Var::Flags | Var::Other => "log-format variable",
        }
    }
}

/// Every variable HAProxy documents, by name (without `%`).
const VARS: &[(&str, Var)] = &[
    ("ci", Var::ClientIp),
    ("cp", Var::ClientPort),
    ("t", Var::Date),
    ("tr", Var::Date),
    ("trg", Var::Date),
    ("trl", Var::Date),
    ("T", Var::Date),
    ("Tl", Var::Date),
    ("ft", Var::Frontend),
    ("f", Var::Frontend),
    ("b", Var::Backend),
    ("s", Var::Server),
    ("TR", Var::RequestMs),
    ("Tq", Var::LegacyRequestMs),
    ("Tw", Var::QueueMs),
    ("Tc", Var::ConnectMs),
    ("Tr", Var::ResponseMs),
    ("Ta", Var::ActiveMs),
    ("Tt", Var::TotalMs),
    ("ST", Var::Status),
    ("B", Var::Bytes),
    ("CC", Var::RequestCookie),
    ("CS", Var::ResponseCookie),
    ("tsc", Var::State4),
    ("ts", Var::State2),
    ("ac", Var::Actconn),
    ("fc", Var::Feconn),
    ("bc", Var::Beconn),
    ("sc", Var::SrvConn),
    ("rc", Var::Retries),
    ("sq", Var::SrvQueue),
    ("bq", Var::BackendQueue),
    ("hr", Var::RequestCaptures),
    ("hrl", Var::RequestCaptures),
    ("hs", Var::ResponseCaptures),
    ("hsl", Var::ResponseCaptures),
    ("r", Var::Request),
    ("sslv", Var::SslVersion),
    ("sslc", Var::SslCipher),
    ("Th", Var::OtherNumber),
    ("Ti", Var::OtherNumber),
    ("Td", Var::OtherNumber),
    ("Tu", Var::OtherNumber),
    ("Ts", Var::OtherNumber),
    ("ms", Var::OtherNumber),
    ("U", Var::OtherNumber),
    ("pid", Var::OtherNumber),
    ("lc", Var::OtherNumber),
    ("rt", Var::OtherNumber),
    ("bp", Var::Other),
    ("fp", Var::Other),
    ("sp", Var::Other),
    ("bi", Var::Other),
    ("fi", Var::Other),
    ("si", Var::Other),
    ("ID", Var::Other),
    ("H", Var::Other),
    ("HM", Var::Other),
    ("HU", Var::Other),
    ("HP", Var::Other),
    ("HPO", Var::Other),
    ("HQ", Var::Other),
    ("HV", Var::Other),
    ("o", Var::Flags),
];

/// One piece of a compiled format.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// Text written as is; never holds a space.
    Lit(Vec<u8>),
    /// One or more spaces.
    Space,
    /// A variable, and whether its value is quoted (`+Q`).
    Var(Var, bool),
}

/// Why a `log-format` string does not compile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The string is empty.
    Empty,
    /// `%name` names no HAProxy variable.
    UnknownVariable(String),
    /// A `%{` or `%[` is not closed.
    Unclosed(usize),
    /// A `%` at the end of the string, or before something that is no variable.
    StrayPercent(usize),
    /// The format has neither `%tsc` nor `%ts`, so no line could be classified.
    NoTerminationState,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Empty => f.write_str("the log-format is empty"),
            FormatError::UnknownVariable(v) => write!(f, "unknown log-format variable `%{v}`"),
            FormatError::Unclosed(at) => write!(f, "unclosed `%{{` or `%[` at byte {at}"),
            FormatError::StrayPercent(at) => {
                write!(f, "`%` without a variable at byte {at} (write `%%` for a `%`)")
            }
            FormatError::NoTerminationState => f.write_str(
                "the log-format has no `%tsc` or `%ts`: gatelog classifies HAProxy lines by their termination state",
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// A compiled HAProxy `log-format`.
#[derive(Clone, PartialEq, Eq)]
pub struct LogFormat {
    text: String,
    name: Option<&'static str>,
    kind: LogKind,
    items: Vec<Item>,
    /// Whether `%TR` is written (then `%Tq` fills no field).
    has_tr: bool,
}

impl fmt::Debug for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogFormat").field("name", &self.name).field("text", &self.text).finish()
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for LogFormat {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<LogFormat, FormatError> {
        LogFormat::new(s)
    }
}

impl LogFormat {
    /// Compiles `text`: a `log-format` string as written after `log-format` in haproxy.cfg
    /// (quoted or not; a leading `log-format` keyword is allowed), or a built-in format by its
    /// option: `option httplog`, `option httpslog`, `option tcplog`, `option httplog clf`,
    /// `option tcplog clf`, with or without the word `option`.
    ///
    /// ```
    /// use logparse::haproxy::LogFormat;
    /// let f = LogFormat::new("%ci:%cp [%tr] %ft %b/%s %[capture.req.hdr(0)] %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %{+Q}r").unwrap();
    /// assert_eq!(f.name(), None);
    /// assert_eq!(LogFormat::new("option httplog").unwrap().name(), Some("httplog"));
    /// assert!(LogFormat::new("%ci %nope %tsc").is_err());
    /// ```
    pub fn new(text: &str) -> Result<LogFormat, FormatError> {
        let t = text.trim();
        let alias = t.strip_prefix("option").map_or(t, str::trim_start);
        let alias = alias.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(&(name, fmt, kind)) = ALIASES.iter().find(|a| a.0 == alias) {
            let items = compile(fmt)?;
            let has_tr = items.iter().any(|i| matches!(i, Item::Var(Var::RequestMs, _)));
            return Ok(LogFormat { text: fmt.to_owned(), name: Some(name), kind, items, has_tr });
        }
        let body = t.strip_prefix("log-format").map_or(t, str::trim_start);
        let body = unquote(body);
        let items = compile(&body)?;
        let has_tr = items.iter().any(|i| matches!(i, Item::Var(Var::RequestMs, _)));
        Ok(LogFormat { text: body, name: None, kind: LogKind::Custom, items, has_tr })
    }

    /// `option httplog`.
    pub fn httplog() -> LogFormat {
        LogFormat::new("httplog").expect("built-in format")
    }

    /// The option name of a built-in format (`httplog`, `httpslog`, `tcplog`, `httplog clf`,
    /// `tcplog clf`), `None` for a custom one.
    pub fn name(&self) -> Option<&str> {
        self.name
    }

    /// The format string (for a built-in format, HAProxy's own).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Reads `msg` (the message after the syslog framing) by this format.
    pub(super) fn read<'a>(
        &self,
        msg: &'a [u8],
        ev: &mut Event<'a>,
        f: &mut Fields<'a>,
        accept: &mut Option<Civil>,
    ) -> Result<(), (ParseErrorKind, usize)> {
        f.kind = self.kind;
        let mut p = 0;
        let mut quote_all = false;
        let mut last: Option<Var> = None;
        let mut client: Option<(usize, usize)> = None;
        let mut port_end: Option<usize> = None;
        for (k, item) in self.items.iter().enumerate() {
            match item {
                Item::Space => p += msg[p..].iter().take_while(|&&c| c == b' ').count(),
                Item::Lit(l) => {
                    if !msg[p..].starts_with(l) {
                        let name = last.map_or("log-format", Var::field);
                        let kind = if p >= msg.len() {
                            ParseErrorKind::MissingField(name)
                        } else {
                            ParseErrorKind::InvalidField(name)
                        };
                        return Err((kind, p));
                    }
                    p += l.len();
                }
                Item::Var(Var::Flags, quoted) => quote_all = *quoted,
                &Item::Var(var, quoted) => {
                    let next = self.items.get(k + 1);
                    let (start, end, after) = extent(msg, p, var, quoted || quote_all, next)
                        .ok_or((ParseErrorKind::MissingField(var.field()), p))?;
                    let v = &msg[start..end];
                    store(var, self.has_tr, v, ev, f, accept).map_err(|kind| (kind, start))?;
                    match var {
                        Var::ClientIp => client = Some((start, end)),
                        Var::ClientPort if client.is_some_and(|c| c.1 + 1 == start) => {
                            port_end = Some(end)
                        }
                        _ => {}
                    }
                    last = Some(var);
                    p = after;
                }
            }
        }
        if let (Some((s, _)), Some(e)) = (client, port_end) {
            ev.client = Some(&msg[s..e]);
        }
        if f.termination_state.is_none() {
            return Err((ParseErrorKind::MissingField("termination_state"), p));
        }
        ev.host =
            absolute_uri_host(ev.request).or_else(|| capture_host(f.request_captures)).or(ev.host);
        Ok(())
    }
}

/// Strips the quotes and backslash escapes of a haproxy.cfg argument.
fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', q) if q != Some('\'') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            _ => out.push(c),
        }
    }
    out
}

fn compile(text: &str) -> Result<Vec<Item>, FormatError> {
    let b = text.as_bytes();
    let mut items = Vec::new();
    let mut lit = Vec::new();
    let flush = |lit: &mut Vec<u8>, items: &mut Vec<Item>| {
        if !lit.is_empty() {
            items.push(Item::Lit(std::mem::take(lit)));
        }
    };
    let mut i = 0;
    let mut has_state = false;
    while i < b.len() {
        match b[i] {
            b' ' => {
                flush(&mut lit, &mut items);
                if items.last() != Some(&Item::Space) {
                    items.push(Item::Space);
                }
                i += 1;
            }
            b'%' if b.get(i + 1) == Some(&b'%') => {
                lit.push(b'%');
                i += 2;
            }
            b'%' => {
                flush(&mut lit, &mut items);
                let at = i;
                i += 1;
                let mut quoted = false;
                if b.get(i) == Some(&b'{') {
                    let close =
                        b[i..].iter().position(|&c| c == b'}').ok_or(FormatError::Unclosed(at))?;
                    let flags = &text[i + 1..i + close];
                    for flag in flags.split(',') {
                        match flag {
                            "+Q" => quoted = true,
                            "-Q" => quoted = false,
                            _ => {}
                        }
                    }
                    i += close + 1;
                }
                if b.get(i) == Some(&b'[') {
                    let close =
                        b[i..].iter().position(|&c| c == b']').ok_or(FormatError::Unclosed(at))?;
                    let expr = text[i + 1..i + close].to_ascii_lowercase();
                    let var = if expr.contains("hdr(host") {
                        Var::HostSample
                    } else if expr.starts_with("ssl_fc_sni") {
                        Var::SniSample
                    } else if expr.starts_with("bc_err") {
                        Var::BcErrSample
                    } else {
                        Var::Other
                    };
                    items.push(Item::Var(var, quoted));
                    i += close + 1;
                    continue;
                }
                let len = b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
                if len == 0 {
                    return Err(FormatError::StrayPercent(at));
                }
                // The longest name HAProxy knows that starts here (`%Ts.%ms`, `%tsc`).
                let name = &text[i..i + len];
                let var = VARS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|&(_, v)| v)
                    .ok_or_else(|| FormatError::UnknownVariable(name.to_owned()))?;
                has_state |= matches!(var, Var::State4 | Var::State2);
                items.push(Item::Var(var, quoted));
                i += len;
            }
            b'\\' if i + 1 < b.len() => {
                lit.push(b[i + 1]);
                i += 2;
            }
            c => {
                lit.push(c);
                i += 1;
            }
        }
    }
    flush(&mut lit, &mut items);
    if items.is_empty() {
        return Err(FormatError::Empty);
    }
    if !has_state {
        return Err(FormatError::NoTerminationState);
    }
    Ok(items)
}

/// Where the value of `var` starting at `p` ends: its bounds, and where reading goes on.
/// `None` when the line ends before a value that must be there.
fn extent(
    msg: &[u8],
    p: usize,
    var: Var,
    quoted: bool,
    next: Option<&Item>,
) -> Option<(usize, usize, usize)> {
    let rest = &msg[p..];
    if quoted && rest.first() == Some(&b'"') {
        return Some(match memchr::memchr(b'"', &rest[1..]) {
            Some(i) => (p + 1, p + 1 + i, p + 2 + i),
            None => (p + 1, msg.len(), msg.len()),
        });
    }
    match var {
        Var::RequestCaptures | Var::ResponseCaptures => {
            if rest.first() != Some(&b'{') {
                // Not written when no capture is configured.
                return Some((p, p, p));
            }
            return Some(match memchr::memchr(b'}', rest) {
                Some(i) => (p + 1, p + i, p + i + 1),
                None => (p + 1, msg.len(), msg.len()),
            });
        }
        Var::Date => {
            let (_, len) = date_value(rest)?;
            return Some((p, p + len, p + len));
        }
        Var::Request if next.is_none() => return Some((p, msg.len(), msg.len())),
        Var::Request => {
            // Unquoted: method, URI and version, or what there is of them.
            let mut end = p;
            for _ in 0..3 {
                let s = end + msg[end..].iter().take_while(|&&c| c == b' ').count();
                if s >= msg.len() {
                    break;
                }
                end = s + memchr::memchr(b' ', &msg[s..]).unwrap_or(msg.len() - s);
            }
            return Some((p, end, end));
        }
        _ => {}
    }
    if rest.is_empty() {
        return None;
    }
    let token = &rest[..memchr::memchr(b' ', rest).unwrap_or(rest.len())];
    let end = match next {
        // A state has its length (`%ts--` writes `SC--`).
        _ if var == Var::State4 => token.len().min(4),
        _ if var == Var::State2 => token.len().min(2),
        Some(Item::Lit(l)) => {
            // The value ends where the literal after it starts, within the token; an IPv6
            // client holds `:`, so `%ci:` ends at the last one.
            let found = if var == Var::ClientIp {
                (0..token.len()).rev().find(|&i| rest[i..].starts_with(l))
            } else {
                (0..token.len()).find(|&i| rest[i..].starts_with(l))
            };
            found.unwrap_or(token.len())
        }
        _ => token.len(),
    };
    Some((p, p + end, p + end))
}

/// Checks `v` against the kind of `var` and stores it.
fn store<'a>(
    var: Var,
    requested_tr: bool,
    v: &'a [u8],
    ev: &mut Event<'a>,
    f: &mut Fields<'a>,
    accept: &mut Option<Civil>,
) -> Result<(), ParseErrorKind> {
    let bad = ParseErrorKind::InvalidField(var.field());
    let dash = |t: &'a [u8]| (t != b"-" && !t.is_empty()).then_some(t);
    let ms = |v: &[u8]| int(v).map(|(x, _)| x).ok_or(bad);
    let n = |v: &[u8]| count(v).map(|(x, _)| x).ok_or(bad);
    match var {
        Var::ClientIp => {
            if v != b"-" && !is_address(v) {
                return Err(bad);
            }
            ev.client = dash(v);
            f.client_ip = dash(v);
        }
        Var::ClientPort => {
            if !v.iter().all(u8::is_ascii_digit) && v != b"-" {
                return Err(bad);
            }
            f.client_port = dash(v);
        }
        Var::Date => *accept = date_value(v).map(|d| d.0),
        Var::Frontend => {
            if v.is_empty() {
                return Err(bad);
            }
            ev.server = Some(v);
        }
        Var::Backend => {
            if v.is_empty() || v.contains(&b'/') {
                return Err(bad);
            }
            ev.upstream_group = Some(v);
        }
        Var::Server => {
            if v.is_empty() || v.contains(&b'/') {
                return Err(bad);
            }
            f.server_name = Some(v);
            ev.upstream = Some(v).filter(|s| *s != b"<NOSRV>" && *s != b"-");
        }
        Var::RequestMs => f.request_ms = Some(ms(v)?),
        Var::LegacyRequestMs => {
            let x = ms(v)?;
            if !requested_tr {
                f.request_ms = Some(x);
            }
        }
        Var::QueueMs => f.queue_ms = Some(ms(v)?),
        Var::ConnectMs => f.connect_ms = Some(ms(v)?),
        Var::ResponseMs => f.response_ms = Some(ms(v)?),
        Var::ActiveMs | Var::TotalMs => {
            let (x, plus) = int(v).ok_or(bad)?;
            f.logasap |= plus;
            if var == Var::ActiveMs || f.total_ms.is_none() {
                f.total_ms = Some(x);
            }
        }
        Var::Status => match int(v) {
            Some((s, false)) if (-1..1000).contains(&s) => {
                f.status_raw = Some(s);
                ev.status = u16::try_from(s).ok().filter(|s| (100..1000).contains(s));
            }
            _ => return Err(bad),
        },
        Var::Bytes => {
            let (b, plus) = count(v).ok_or(bad)?;
            f.bytes = Some(b);
            f.logasap |= plus;
        }
        Var::RequestCookie => f.request_cookie = dash(v),
        Var::ResponseCookie => f.response_cookie = dash(v),
        Var::State4 | Var::State2 => {
            let want = if var == Var::State4 { 4 } else { 2 };
            if v.len() != want || !state_token(v) {
                return Err(bad);
            }
            f.termination_state = Some(v);
        }
        Var::Actconn => f.actconn = Some(n(v)?),
        Var::Feconn => f.feconn = Some(n(v)?),
        Var::Beconn => f.beconn = Some(n(v)?),
        Var::SrvConn => f.srv_conn = Some(n(v)?),
        Var::Retries => {
            let (r, plus) = count(v).ok_or(bad)?;
            f.retries = Some(r);
            f.redispatched = plus;
        }
        Var::SrvQueue => f.srv_queue = Some(n(v)?),
        Var::BackendQueue => f.backend_queue = Some(n(v)?),
        Var::RequestCaptures => f.request_captures = Some(v),
        Var::ResponseCaptures => f.response_captures = Some(v),
        Var::Request => ev.request = Some(v),
        Var::SslVersion => f.ssl_version = dash(v),
        Var::SslCipher => f.ssl_cipher = dash(v),
        Var::HostSample => ev.host = dash(v).filter(|h| host_name(h)),
        Var::SniSample => f.ssl_sni = dash(v),
        Var::BcErrSample => f.bc_err = dash(v).filter(|e| *e != b"0"),
        Var::OtherNumber => {
            if v != b"-" && int(v).is_none() && !v.iter().all(|c| c.is_ascii_digit() || *c == b'.')
            {
                return Err(bad);
            }
        }
        Var::Flags | Var::Other => {}
    }
    Ok(())
}

/// Whether `v` looks like what `%ci` writes: an IPv4 or IPv6 address, or `unix`.
fn is_address(v: &[u8]) -> bool {
    v == b"unix"
        || (v.iter().any(u8::is_ascii_digit)
            && v.iter().all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_formats_compile_by_their_option_names() {
        for name in [
            "option httplog",
            "httplog",
            "option  tcplog",
            "httpslog",
            "option httplog clf",
            "tcplog clf",
        ] {
            let f = LogFormat::new(name).unwrap();
            assert!(f.name().is_some(), "{name}");
        }
        assert_eq!(LogFormat::new("option tcplog").unwrap().as_str(), TCPLOG);
    }

    #[test]
    fn format_errors_name_the_problem() {
        assert_eq!(LogFormat::new("%ci %zz %tsc"), Err(FormatError::UnknownVariable("zz".into())));
        assert_eq!(LogFormat::new("%ci %ST"), Err(FormatError::NoTerminationState));
        assert_eq!(LogFormat::new("%{+Q %tsc"), Err(FormatError::Unclosed(0)));
        assert_eq!(LogFormat::new("100% %tsc"), Err(FormatError::StrayPercent(3)));
        assert_eq!(LogFormat::new("  "), Err(FormatError::Empty));
    }

    #[test]
    fn config_quoting_and_escapes_are_removed() {
        let quoted = LogFormat::new(r#"log-format "%ci:%cp [%tr] %tsc %{+Q}r""#).unwrap();
        let escaped = LogFormat::new(r"%ci:%cp\ [%tr]\ %tsc\ %{+Q}r").unwrap();
        assert_eq!(quoted.as_str(), "%ci:%cp [%tr] %tsc %{+Q}r");
        assert_eq!(escaped.items, quoted.items);
    }
}
