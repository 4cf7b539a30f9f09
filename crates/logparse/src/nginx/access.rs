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
//! dispatcher.
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

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use memchr::memmem::Finder;

use crate::Options;
use crate::bytes::parse_u64;
use crate::class::{Class, Phase};
use crate::error::{ParseError, ParseErrorKind};
use crate::event::Emit;
use crate::event::{Event, Fields as EventFields, Format, Value};
use crate::time::{Timestamp, civil_to_unix, digits2, digits4, month_from_abbrev};

const FORMAT: Option<Format> = Some(Format::NginxAccess);

// ---------------------------------------------------------------------------------------------
// Variables

/// The variables this module knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    RemoteAddr,
    RemoteUser,
    TimeLocal,
    TimeIso8601,
    Msec,
    Request,
    Status,
    BodyBytesSent,
    BytesSent,
    HttpReferer,
    HttpUserAgent,
    HttpXForwardedFor,
    Host,
    ServerName,
    RequestTime,
    UpstreamAddr,
    UpstreamStatus,
    UpstreamResponseTime,
    UpstreamConnectTime,
    UpstreamHeaderTime,
    RequestMethod,
    RequestUri,
    Uri,
    Scheme,
    ServerPort,
    ProxyUpstreamName,
    /// Another `$http_*` header.
    OtherHttp,
    /// Another `$upstream_*` variable (one entry per attempt).
    OtherUpstream,
    /// Any other variable.
    Other,
}

const KNOWN: &[(&str, Var)] = &[
    ("$remote_addr", Var::RemoteAddr),
    ("$remote_user", Var::RemoteUser),
    ("$time_local", Var::TimeLocal),
    ("$time_iso8601", Var::TimeIso8601),
    ("$msec", Var::Msec),
    ("$request", Var::Request),
    ("$status", Var::Status),
    ("$body_bytes_sent", Var::BodyBytesSent),
    ("$bytes_sent", Var::BytesSent),
    ("$http_referer", Var::HttpReferer),
    ("$http_user_agent", Var::HttpUserAgent),
    ("$http_x_forwarded_for", Var::HttpXForwardedFor),
    ("$host", Var::Host),
    ("$server_name", Var::ServerName),
    ("$request_time", Var::RequestTime),
    ("$upstream_addr", Var::UpstreamAddr),
    ("$upstream_status", Var::UpstreamStatus),
    ("$upstream_response_time", Var::UpstreamResponseTime),
    ("$upstream_connect_time", Var::UpstreamConnectTime),
    ("$upstream_header_time", Var::UpstreamHeaderTime),
    ("$request_method", Var::RequestMethod),
    ("$request_uri", Var::RequestUri),
    ("$uri", Var::Uri),
    ("$scheme", Var::Scheme),
    ("$server_port", Var::ServerPort),
    ("$proxy_upstream_name", Var::ProxyUpstreamName),
];

impl Var {
    fn from_name(name: &str) -> Var {
        // Variable names are case-sensitive in nginx; `$http_*` header names are lower case.
        for &(n, v) in KNOWN {
            if &n[1..] == name {
                return v;
            }
        }
        if name.starts_with("http_") {
            Var::OtherHttp
        } else if name.starts_with("upstream_") {
            Var::OtherUpstream
        } else {
            Var::Other
        }
    }

    /// The name used in parse errors.
    fn label(self) -> &'static str {
        match self {
            Var::OtherHttp => "$http_*",
            Var::OtherUpstream => "$upstream_*",
            Var::Other => "$variable",
            v => KNOWN.iter().find(|(_, k)| *k == v).map_or("$variable", |(n, _)| n),
        }
    }

    /// Whether the value is a list whose separators (`, `, ` : `) may contain a space.
    fn is_list(self) -> bool {
        matches!(
            self,
            Var::UpstreamAddr
                | Var::UpstreamStatus
                | Var::UpstreamResponseTime
                | Var::UpstreamConnectTime
                | Var::UpstreamHeaderTime
                | Var::OtherUpstream
                | Var::HttpXForwardedFor
        )
    }

    fn is_upstream(self) -> bool {
        matches!(self, Var::UpstreamAddr | Var::UpstreamStatus)
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling a log_format

/// How the format escapes variable values (the `escape=` parameter of `log_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Escape {
    /// `escape=default`: `"`, `\` and control and non-ASCII bytes are written as `\xNN`.
    #[default]
    Default,
    /// `escape=json`: JSON string escapes (`\"`, `\\`, `\u00NN`).
    Json,
    /// `escape=none`: nothing is escaped.
    None,
}

/// Why a `log_format` string could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The format has no text.
    Empty,
    /// The format has no variable.
    NoVariables,
    /// Two variables follow each other with no text between them, so a line cannot say where
    /// the first ends.
    AdjacentVariables(String, String),
    /// A quoted string of the `nginx.conf` form is not closed.
    UnclosedQuote,
    /// A `${name}` is not closed.
    UnclosedBrace,
    /// The `escape=` parameter has an unknown value.
    UnknownEscape(String),
    /// Text follows the `;` that ends the directive.
    TextAfterDirective,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Empty => f.write_str("log_format is empty"),
            FormatError::NoVariables => f.write_str("log_format has no variable"),
            FormatError::AdjacentVariables(a, b) => {
                write!(f, "log_format variables ${a} and ${b} have no text between them")
            }
            FormatError::UnclosedQuote => f.write_str("log_format has an unclosed quote"),
            FormatError::UnclosedBrace => f.write_str("log_format has an unclosed `${`"),
            FormatError::UnknownEscape(e) => {
                write!(f, "unknown log_format escape={e:?} (expected default, json or none)")
            }
            FormatError::TextAfterDirective => f.write_str("text after the `;` of log_format"),
        }
    }
}

impl std::error::Error for FormatError {}

/// One variable and the literal text that follows it.
#[derive(Clone)]
struct Slot {
    var: Var,
    name: String,
    /// The text up to the next variable; empty for the last variable of the format.
    literal: Vec<u8>,
    finder: Finder<'static>,
}

struct Compiled {
    name: Option<String>,
    text: String,
    escape: Escape,
    prefix: Vec<u8>,
    slots: Vec<Slot>,
    has_upstream: bool,
    has_header_time: bool,
}

/// A compiled nginx `log_format`: literal separators and variable slots.
///
/// Compile it once and share it: cloning is cheap.
///
/// ```
/// use logparse::nginx::access::{self, LogFormat};
/// use logparse::{Class, Options};
///
/// let fmt = LogFormat::new(
///     "log_format timed '$remote_addr [$time_local] \"$request\" $status '\n\
///      '$request_time $upstream_addr $upstream_status $upstream_header_time';",
/// )
/// .unwrap();
/// let line = b"10.0.0.5 [27/Oct/2023:11:37:33 +0000] \"GET /api HTTP/1.1\" 502 \
///     0.004 10.0.0.9:8080, 10.0.0.10:8080 502, 502 -, 0.003";
/// let ev = access::parse_with(line, &fmt, &Options::default()).unwrap();
/// assert_eq!(ev.status, Some(502));
/// assert_eq!(ev.upstream, Some(&b"10.0.0.10:8080"[..]));
/// // The second upstream answered 502 itself: its header arrived.
/// assert_eq!(ev.class, Class::Upstream5xx);
/// ```
#[derive(Clone)]
pub struct LogFormat {
    inner: Arc<Compiled>,
}

impl fmt::Debug for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogFormat")
            .field("name", &self.inner.name)
            .field("format", &self.inner.text)
            .field("escape", &self.inner.escape)
            .finish()
    }
}

impl PartialEq for LogFormat {
    fn eq(&self, other: &LogFormat) -> bool {
        self.inner.text == other.inner.text && self.inner.escape == other.inner.escape
    }
}

impl Eq for LogFormat {}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.text)
    }
}

impl FromStr for LogFormat {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<LogFormat, FormatError> {
        LogFormat::new(s)
    }
}

const COMBINED: &str = "$remote_addr - $remote_user [$time_local] \"$request\" $status \
                        $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
const MAIN_TAIL: &str = " \"$http_x_forwarded_for\"";
const MAIN_UPSTREAM_TAIL: &str = " \"$http_x_forwarded_for\" rt=$request_time \
     ua=\"$upstream_addr\" us=\"$upstream_status\" ut=\"$upstream_response_time\" \
     uct=\"$upstream_connect_time\" uht=\"$upstream_header_time\"";
const UPSTREAMINFO_TAIL: &str = " $request_length $request_time [$proxy_upstream_name] \
     [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length \
     $upstream_response_time $upstream_status $req_id";

impl LogFormat {
    /// Compiles a `log_format` as written in `nginx.conf` or as a plain string.
    ///
    /// Three spellings are accepted:
    ///
    /// - the whole directive: `log_format main [escape=json] '...' '...';`
    /// - its strings: `'$remote_addr - $remote_user ' '[$time_local] ...'`, quoted with `'`
    ///   (or with `"` when the text ends with the directive's `;`), separated by spaces or
    ///   newlines and joined, with `nginx.conf` escapes (`\"`, `\'`, `\\`, `\n`, `\t`, `\r`)
    ///   and `#` comments between them;
    /// - a plain string, taken as is (a trailing newline excepted): `$remote_addr - ...`.
    ///
    /// Variables are `$name` or `${name}`; a `$` not followed by a name is literal text.
    ///
    /// ```
    /// use logparse::nginx::access::LogFormat;
    /// let conf = "log_format combined '$remote_addr - $remote_user [$time_local] '\n\
    ///             '\"$request\" $status $body_bytes_sent '\n\
    ///             '\"$http_referer\" \"$http_user_agent\"';";
    /// let a = LogFormat::new(conf).unwrap();
    /// assert_eq!(a.name(), Some("combined"));
    /// assert_eq!(a, LogFormat::combined());
    /// let b = LogFormat::new("${remote_addr} [$time_local] $status").unwrap();
    /// assert_eq!(b.variables().collect::<Vec<_>>(), ["remote_addr", "time_local", "status"]);
    /// ```
    pub fn new(text: &str) -> Result<LogFormat, FormatError> {
        let t = text.trim();
        let directive = t
            .strip_prefix("log_format")
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_whitespace()));
        let (name, escape, body) = if let Some(rest) = directive {
            conf_directive(rest)?
        } else if t.starts_with('\'') || (t.starts_with('"') && t.ends_with(';')) {
            (None, Escape::Default, conf_strings(t)?)
        } else {
            (None, Escape::Default, text.trim_end_matches(['\n', '\r']).to_string())
        };
        compile(name, escape, body)
    }

    /// The predefined `combined` format:
    /// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
    /// "$http_referer" "$http_user_agent"`.
    pub fn combined() -> LogFormat {
        named("combined", COMBINED)
    }

    /// The `main` format of nginx's sample `nginx.conf`: `combined` plus
    /// ` "$http_x_forwarded_for"`.
    pub fn main() -> LogFormat {
        named("main", &format!("{COMBINED}{MAIN_TAIL}"))
    }

    /// `main` plus the upstream fields gatelog needs, as `key=value` pairs:
    ///
    /// ```text
    /// log_format main_upstream '$remote_addr - $remote_user [$time_local] "$request" '
    ///     '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
    ///     '"$http_x_forwarded_for" rt=$request_time ua="$upstream_addr" '
    ///     'us="$upstream_status" ut="$upstream_response_time" '
    ///     'uct="$upstream_connect_time" uht="$upstream_header_time"';
    /// ```
    ///
    /// A good format to configure when nginx's logs are to be read by gatelog.
    pub fn main_upstream() -> LogFormat {
        named("main_upstream", &format!("{COMBINED}{MAIN_UPSTREAM_TAIL}"))
    }

    /// The ingress-nginx controller's default `upstreaminfo` format:
    ///
    /// ```text
    /// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
    /// "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
    /// [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length
    /// $upstream_response_time $upstream_status $req_id
    /// ```
    pub fn upstreaminfo() -> LogFormat {
        named("upstreaminfo", &format!("{COMBINED}{UPSTREAMINFO_TAIL}"))
    }

    /// The name given in a `log_format` directive, or of a preset.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// The format string, after `nginx.conf` quoting was removed.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// The `escape=` mode.
    pub fn escape(&self) -> Escape {
        self.inner.escape
    }

    /// The names of the variables, in order, without `$`.
    pub fn variables(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.slots.iter().map(|s| s.name.as_str())
    }

    /// Whether the format has `$upstream_addr` or `$upstream_status`, which classification
    /// needs to tell upstream answers from nginx's own.
    pub fn has_upstream(&self) -> bool {
        self.inner.has_upstream
    }

    /// Reads `line[pos..]` into `rec`; returns where the format's text ended.
    fn read<'a>(
        &self,
        line: &'a [u8],
        pos: usize,
        rec: &mut Record<'a>,
    ) -> Result<usize, ParseError> {
        let c = &*self.inner;
        let rest = line.get(pos..).unwrap_or_default();
        if !rest.starts_with(&c.prefix) {
            let kind = match c.slots.first() {
                Some(s) if rest.len() < c.prefix.len() => {
                    ParseErrorKind::MissingField(s.var.label())
                }
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
                    ParseError::new(FORMAT, ParseErrorKind::MissingField(slot.var.label()), at)
                })?
            };
            let value = &line[at..end];
            rec.assign(slot.var, value).map_err(|kind| ParseError::new(FORMAT, kind, at))?;
            at = end + slot.literal.len();
        }
        Ok(at)
    }
}

fn named(name: &str, text: &str) -> LogFormat {
    // The presets are constants of this module; `compile` cannot fail on them.
    compile(Some(name.to_string()), Escape::Default, text.to_string())
        .unwrap_or_else(|e| unreachable!("preset log_format {name}: {e}"))
}

/// Reads `NAME [escape=...] strings... [;]` after the `log_format` keyword.
fn conf_directive(rest: &str) -> Result<(Option<String>, Escape, String), FormatError> {
    let rest = rest.trim_start();
    let name_end = rest.find(|c: char| c.is_ascii_whitespace() || c == ';').unwrap_or(rest.len());
    let name = &rest[..name_end];
    let mut rest = rest[name_end..].trim_start();
    let mut escape = Escape::Default;
    if let Some(e) = rest.strip_prefix("escape=") {
        let end = e.find(|c: char| c.is_ascii_whitespace() || c == ';').unwrap_or(e.len());
        escape = match &e[..end] {
            "default" => Escape::Default,
            "json" => Escape::Json,
            "none" => Escape::None,
            other => return Err(FormatError::UnknownEscape(other.to_string())),
        };
        rest = e[end..].trim_start();
    }
    let name = (!name.is_empty()).then(|| name.to_string());
    Ok((name, escape, conf_strings(rest)?))
}

/// Joins the tokens of a directive's arguments, `nginx.conf` style: quoted strings (with
/// backslash escapes) or bare words, separated by white space and comments, up to `;`.
fn conf_strings(text: &str) -> Result<String, FormatError> {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            ';' => {
                let after: String = chars.collect();
                let after =
                    after.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<String>();
                if !after.trim().is_empty() {
                    return Err(FormatError::TextAfterDirective);
                }
                break;
            }
            '\'' | '"' => {
                let quote = c;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == quote {
                        closed = true;
                        break;
                    }
                    if c == '\\' {
                        match chars.peek() {
                            Some(&n @ ('"' | '\'' | '\\')) => {
                                out.push(n);
                                chars.next();
                            }
                            Some('n') => {
                                out.push('\n');
                                chars.next();
                            }
                            Some('t') => {
                                out.push('\t');
                                chars.next();
                            }
                            Some('r') => {
                                out.push('\r');
                                chars.next();
                            }
                            _ => out.push('\\'),
                        }
                        continue;
                    }
                    out.push(c);
                }
                if !closed {
                    return Err(FormatError::UnclosedQuote);
                }
            }
            c => {
                // A bare word: up to white space or `;`.
                out.push(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || n == ';' {
                        break;
                    }
                    out.push(n);
                    chars.next();
                }
            }
        }
    }
    Ok(out)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn compile(name: Option<String>, escape: Escape, text: String) -> Result<LogFormat, FormatError> {
    if text.is_empty() {
        return Err(FormatError::Empty);
    }
    let b = text.as_bytes();
    let mut prefix = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let (var_name, next) = if b.get(i + 1) == Some(&b'{') {
                let close =
                    b[i + 2..].iter().position(|&c| c == b'}').ok_or(FormatError::UnclosedBrace)?;
                (&text[i + 2..i + 2 + close], i + 3 + close)
            } else {
                let n = b[i + 1..].iter().take_while(|&&c| is_name_byte(c)).count();
                (&text[i + 1..i + 1 + n], i + 1 + n)
            };
            if var_name.is_empty() || !var_name.bytes().all(is_name_byte) {
                lit.push(b'$');
                i += 1;
                continue;
            }
            match slots.last_mut() {
                None => prefix = std::mem::take(&mut lit),
                Some(prev) => {
                    if lit.is_empty() {
                        return Err(FormatError::AdjacentVariables(
                            prev.name.clone(),
                            var_name.to_string(),
                        ));
                    }
                    prev.finder = Finder::new(&lit).into_owned();
                    prev.literal = std::mem::take(&mut lit);
                }
            }
            slots.push(Slot {
                var: Var::from_name(var_name),
                name: var_name.to_string(),
                literal: Vec::new(),
                finder: Finder::new(b"").into_owned(),
            });
            i = next;
        } else {
            lit.push(b[i]);
            i += 1;
        }
    }
    let Some(last) = slots.last_mut() else {
        return Err(FormatError::NoVariables);
    };
    last.finder = Finder::new(&lit).into_owned();
    last.literal = lit;
    let has_upstream = slots.iter().any(|s| s.var.is_upstream());
    let has_header_time = slots.iter().any(|s| s.var == Var::UpstreamHeaderTime);
    Ok(LogFormat {
        inner: Arc::new(Compiled {
            name,
            text,
            escape,
            prefix,
            slots,
            has_upstream,
            has_header_time,
        }),
    })
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

fn dash_or_empty(v: &[u8]) -> Option<&[u8]> {
    (!v.is_empty() && v != b"-").then_some(v)
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

/// Reads `secs[.fraction]` (at most six fraction digits) as microseconds.
fn parse_decimal_micros(b: &[u8]) -> Option<u64> {
    let (int, frac) = match memchr::memchr(b'.', b) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b""[..]),
    };
    if frac.len() > 6 || (frac.is_empty() && b.len() != int.len()) {
        return None;
    }
    let whole = parse_u64(int)?;
    let mut micros = 0u64;
    for i in 0..6 {
        micros *= 10;
        if let Some(&c) = frac.get(i) {
            if !c.is_ascii_digit() {
                return None;
            }
            micros += u64::from(c - b'0');
        }
    }
    whole.checked_mul(1_000_000)?.checked_add(micros)
}

/// Reads nginx seconds with milliseconds (`0.004`) as a duration.
fn parse_seconds(b: &[u8]) -> Option<Duration> {
    parse_decimal_micros(b).map(Duration::from_micros)
}

fn parse_status(b: &[u8]) -> Option<u16> {
    if b.is_empty() || b.len() > 3 {
        return None;
    }
    parse_u64(b).map(|n| n as u16)
}

// ---------------------------------------------------------------------------------------------
// Upstream attempts

/// The per-attempt upstream variables of a line, as written (`None` when the format lacks the
/// variable).
///
/// Each holds one entry per attempt: `10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80`. Use
/// [`Upstreams::attempts`] to walk them side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Upstreams<'a> {
    /// `$upstream_addr`.
    pub addr: Option<&'a [u8]>,
    /// `$upstream_status`.
    pub status: Option<&'a [u8]>,
    /// `$upstream_response_time`.
    pub response_time: Option<&'a [u8]>,
    /// `$upstream_connect_time`.
    pub connect_time: Option<&'a [u8]>,
    /// `$upstream_header_time`.
    pub header_time: Option<&'a [u8]>,
}

/// One upstream attempt, from the entries at the same position of every upstream variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The peer (`IP:port`, `unix:/path`, or the upstream group's name when no server was
    /// live); `None` for `-`.
    pub addr: Option<&'a [u8]>,
    /// The status nginx recorded for the attempt (`502` also when it got no answer); `None`
    /// for `-`.
    pub status: Option<u16>,
    /// Time spent on the attempt.
    pub response_time: Option<Duration>,
    /// Time to connect; `None` when no connection was made.
    pub connect_time: Option<Duration>,
    /// Time until the response header was read; `None` when no valid header arrived.
    pub header_time: Option<Duration>,
    /// Whether this attempt follows an internal redirect (` : ` before it) rather than a retry
    /// of the same request (`, `).
    pub after_redirect: bool,
}

impl<'a> Upstreams<'a> {
    /// Whether the format has no upstream variable at all.
    pub fn is_empty(&self) -> bool {
        self.addr.is_none()
            && self.status.is_none()
            && self.response_time.is_none()
            && self.connect_time.is_none()
            && self.header_time.is_none()
    }

    /// The attempts, in order. Nothing is allocated: the fields are re-split on each call.
    ///
    /// ```
    /// use logparse::nginx::access::Upstreams;
    /// let mut u = Upstreams::default();
    /// u.addr = Some(b"10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80");
    /// u.status = Some(b"502, 200 : 404");
    /// let v: Vec<_> = u.attempts().map(|a| (a.addr.unwrap(), a.status, a.after_redirect)).collect();
    /// assert_eq!(v, [
    ///     (&b"10.0.0.1:80"[..], Some(502), false),
    ///     (&b"10.0.0.2:80"[..], Some(200), false),
    ///     (&b"10.0.0.3:80"[..], Some(404), true),
    /// ]);
    /// ```
    pub fn attempts(&self) -> Attempts<'a> {
        Attempts {
            addr: self.addr,
            status: self.status,
            response_time: self.response_time,
            connect_time: self.connect_time,
            header_time: self.header_time,
            redirect: false,
        }
    }

    /// The final attempt, if the line has any upstream entry.
    pub fn last(&self) -> Option<Attempt<'a>> {
        self.attempts().last()
    }

    /// The number of attempts.
    pub fn len(&self) -> usize {
        self.attempts().count()
    }
}

/// An iterator over the [`Attempt`]s of a line; see [`Upstreams::attempts`].
#[derive(Clone, Debug)]
pub struct Attempts<'a> {
    addr: Option<&'a [u8]>,
    status: Option<&'a [u8]>,
    response_time: Option<&'a [u8]>,
    connect_time: Option<&'a [u8]>,
    header_time: Option<&'a [u8]>,
    /// Whether the next attempt follows a ` : `.
    redirect: bool,
}

/// The separator that ends an entry: `(index, length, is a redirect)`.
fn next_separator(b: &[u8]) -> Option<(usize, usize, bool)> {
    for (i, &c) in b.iter().enumerate() {
        if c == b',' {
            return Some((i, 1, false));
        }
        if c == b':' && i > 0 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ') {
            return Some((i - 1, 3, true));
        }
    }
    None
}

/// Takes the next entry off `field`: the entry (trimmed), and whether a redirect separator
/// preceded it. `None` once the field is used up.
fn take_entry<'a>(field: &mut Option<&'a [u8]>, redirect_before: &mut bool) -> Option<&'a [u8]> {
    let b = (*field)?;
    match next_separator(b) {
        Some((i, len, redirect)) => {
            *field = Some(&b[i + len..]);
            *redirect_before = redirect;
            Some(b[..i].trim_ascii())
        }
        None => {
            *field = None;
            Some(b.trim_ascii())
        }
    }
}

impl<'a> Iterator for Attempts<'a> {
    type Item = Attempt<'a>;

    fn next(&mut self) -> Option<Attempt<'a>> {
        let fields =
            [self.addr, self.status, self.response_time, self.connect_time, self.header_time];
        if fields.iter().all(Option::is_none) {
            return None;
        }
        let mut redirect = [false; 5];
        let addr = take_entry(&mut self.addr, &mut redirect[0]);
        let status = take_entry(&mut self.status, &mut redirect[1]);
        let rt = take_entry(&mut self.response_time, &mut redirect[2]);
        let ct = take_entry(&mut self.connect_time, &mut redirect[3]);
        let ht = take_entry(&mut self.header_time, &mut redirect[4]);
        let attempt = Attempt {
            addr: addr.and_then(dash_or_empty),
            status: status.and_then(parse_status),
            response_time: rt.and_then(parse_seconds),
            connect_time: ct.and_then(parse_seconds),
            header_time: ht.and_then(parse_seconds),
            after_redirect: self.redirect,
        };
        // nginx writes the same separators in every upstream variable; any one of them says
        // that the next attempt follows a redirect.
        self.redirect = redirect.contains(&true);
        Some(attempt)
    }
}

/// Checks that every entry of a list of statuses or times is `-`, empty (`escape=json` writes
/// nothing for a missing value) or a value.
fn valid_list(b: &[u8], ok: fn(&[u8]) -> bool) -> bool {
    let mut field = Some(b);
    let mut ignore = false;
    while let Some(e) = take_entry(&mut field, &mut ignore) {
        if !e.is_empty() && e != b"-" && !ok(e) {
            return false;
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Fields and records

/// Fields of an nginx access-log line that other formats do not have.
///
/// Text fields are as written in the line, with nginx's `\xNN` escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// `$remote_user`.
    pub remote_user: Option<&'a [u8]>,
    /// `$body_bytes_sent`.
    pub body_bytes_sent: Option<u64>,
    /// `$bytes_sent`.
    pub bytes_sent: Option<u64>,
    /// `$request_time`.
    pub request_time: Option<Duration>,
    /// `$http_referer`.
    pub referer: Option<&'a [u8]>,
    /// `$http_user_agent`.
    pub user_agent: Option<&'a [u8]>,
    /// `$http_x_forwarded_for`.
    pub forwarded_for: Option<&'a [u8]>,
    /// `$request_method`.
    pub request_method: Option<&'a [u8]>,
    /// `$request_uri`.
    pub request_uri: Option<&'a [u8]>,
    /// `$uri`.
    pub uri: Option<&'a [u8]>,
    /// `$scheme`.
    pub scheme: Option<&'a [u8]>,
    /// `$server_port`.
    pub server_port: Option<&'a [u8]>,
    /// `$server_name`.
    pub server_name: Option<&'a [u8]>,
    /// The upstream variables.
    pub upstreams: Upstreams<'a>,
    /// Text after the end of the format (the line was written by a longer format); empty when
    /// the line ends with the format.
    pub trailing: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    ///
    /// Upstream variables are given as [`Value::List`]s, one entry per attempt.
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        let secs = |d: Duration| Value::Float(d.as_secs_f64());
        e.text("remote_user", self.remote_user);
        e.uint("body_bytes_sent", self.body_bytes_sent);
        e.uint("bytes_sent", self.bytes_sent);
        if let Some(v) = self.request_time {
            e.value("request_time", secs(v));
        }
        e.text("referer", self.referer);
        e.text("user_agent", self.user_agent);
        e.text("forwarded_for", self.forwarded_for);
        e.text("request_method", self.request_method);
        e.text("request_uri", self.request_uri);
        e.text("uri", self.uri);
        e.text("scheme", self.scheme);
        e.text("server_port", self.server_port);
        e.text("server_name", self.server_name);
        let u = &self.upstreams;
        let list = |pick: &dyn Fn(&Attempt<'a>) -> Option<Value<'a>>| {
            Value::List(u.attempts().map(|a| pick(&a)).collect())
        };
        if u.addr.is_some() {
            e.value("upstream_addr", list(&|a| a.addr.map(Value::Text)));
        }
        if u.status.is_some() {
            e.value("upstream_status", list(&|a| a.status.map(|s| Value::Uint(s.into()))));
        }
        if u.response_time.is_some() {
            e.value("upstream_response_time", list(&|a| a.response_time.map(secs)));
        }
        if u.connect_time.is_some() {
            e.value("upstream_connect_time", list(&|a| a.connect_time.map(secs)));
        }
        if u.header_time.is_some() {
            e.value("upstream_header_time", list(&|a| a.header_time.map(secs)));
        }
        if !self.trailing.is_empty() {
            e.value("trailing", Value::Text(self.trailing));
        }
    }
}

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
    fn assign(&mut self, var: Var, v: &'a [u8]) -> Result<(), ParseErrorKind> {
        let invalid = ParseErrorKind::InvalidField(var.label());
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
                let t = t.ok_or(invalid)?;
                self.time.get_or_insert(t);
            }
            Var::Request => self.request = dash_or_empty(v),
            Var::Status => self.status = Some(parse_status(v).ok_or(invalid)?),
            Var::BodyBytesSent | Var::BytesSent => {
                let n = match dash(v) {
                    None => None,
                    Some(v) => Some(parse_u64(v).ok_or(invalid)?),
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
                    Some(v) => Some(parse_seconds(v).ok_or(invalid)?),
                }
            }
            Var::UpstreamAddr => f.upstreams.addr = Some(v),
            Var::UpstreamStatus => {
                if !valid_list(v, |e| parse_status(e).is_some()) {
                    return Err(invalid);
                }
                f.upstreams.status = Some(v);
            }
            Var::UpstreamResponseTime | Var::UpstreamConnectTime | Var::UpstreamHeaderTime => {
                if !valid_list(v, |e| parse_seconds(e).is_some()) {
                    return Err(invalid);
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
                has_upstream = tail.inner.has_upstream;
                has_header_time = tail.inner.has_header_time;
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
    Ok(rec.into_event(line, format.inner.has_upstream, format.inner.has_header_time))
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
    let head = &line[..line.len().min(64)];
    let Some(sp) = memchr::memchr(b' ', head) else { return false };
    if sp == 0
        || !head[..sp].iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'[' | b']' | b'%' | b'-' | b'_')
        })
        || !line[sp..].starts_with(b" - ")
    {
        return false;
    }
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
