//! The `log_format` compiler: an nginx `log_format` directive or string in, a [`LogFormat`] out.
//!
//! The directive is `ngx_http_log_module`'s
//! (<https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format>): a name, an optional
//! `escape=` parameter and one or more quoted strings that nginx joins, with variables (`$name`
//! or `${name}`) between literal text. Compiling splits the joined text into the literal prefix
//! and one slot per variable holding the literal that follows it, with a prebuilt `memmem`
//! searcher for that literal. The access-log reader in the parent module walks the slots; this
//! module never sees a log line.
//!
//! Compiling allocates (the text, the slots, their searchers) and is meant to happen once per
//! format, not per line.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use memchr::memmem::Finder;

use super::fields::{parse_seconds, valid_list};

// ---------------------------------------------------------------------------------------------
// Variables

/// The variables the access-log reader knows; the others are read as fields and skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Var {
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
    Connection,
    RequestId,
    /// Another `$http_*` header.
    OtherHttp,
    /// Another `$upstream_*` variable (one entry per attempt).
    OtherUpstream,
    /// Any other variable.
    Other,
}

/// Every variable with a [`Var`] of its own, by its name in a `log_format`.
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
    ("$connection", Var::Connection),
    ("$request_id", Var::RequestId),
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

    /// Whether the value is a list whose separators (`, `, ` : `) may contain a space.
    pub(super) fn is_list(self) -> bool {
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
// Shapes

/// What the value of a variable looks like; every value read is checked against its
/// variable's shape, so a format that does not describe the lines reads none of them.
///
/// Statuses, times and the byte counts that fill the event are checked where they are read;
/// the shapes below cover the variables the reader otherwise skips or keeps as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// Any text; only the escape rule of the format applies (see [`fits`]).
    Text,
    /// One address: IPv4, IPv6 (bare or in brackets, with a `%zone`), `unix:`, `-`.
    Address,
    /// One entry per upstream attempt (`, ` and ` : ` between them), each an address, a
    /// `unix:/path`, an upstream group's name, or `-`.
    AddressList,
    /// A decimal integer, or `-`.
    Integer,
    /// One integer (or `-`) per upstream attempt.
    IntegerList,
    /// One time in seconds with milliseconds (`0.004`, or `-`) per upstream attempt.
    SecondsList,
}

/// The shapes of the variables that have one, by name (the `ngx_http_core_module`,
/// `ngx_http_realip_module` and `ngx_http_upstream_module` variable lists,
/// <https://nginx.org/en/docs/varindex.html>).
const SHAPES: &[(&str, Shape)] = &[
    ("remote_addr", Shape::Address),
    ("realip_remote_addr", Shape::Address),
    ("server_addr", Shape::Address),
    ("upstream_addr", Shape::AddressList),
    ("request_length", Shape::Integer),
    ("connection", Shape::Integer),
    ("connection_requests", Shape::Integer),
    ("pid", Shape::Integer),
    ("server_port", Shape::Integer),
    ("remote_port", Shape::Integer),
    ("realip_remote_port", Shape::Integer),
    ("upstream_response_length", Shape::IntegerList),
    ("upstream_bytes_received", Shape::IntegerList),
    ("upstream_bytes_sent", Shape::IntegerList),
    ("upstream_queue_time", Shape::SecondsList),
];

fn shape_of(name: &str) -> Shape {
    SHAPES.iter().find(|(n, _)| *n == name).map_or(Shape::Text, |&(_, s)| s)
}

/// Whether a byte may appear in an address or an upstream group's name.
fn is_address_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'.' | b':' | b'%' | b'[' | b']' | b'_' | b'-' | b'/' | b'@')
}

/// An upstream attempt's peer: `IP:port`, `[IPv6]:port`, `unix:/path` or a group's name.
fn is_peer(v: &[u8]) -> bool {
    v.iter().all(|&b| is_address_byte(b))
}

/// A client or server address as nginx writes it: IPv4, IPv6 (with a `%zone`), or `unix:`.
fn is_address(v: &[u8]) -> bool {
    if v.starts_with(b"unix:") {
        return true;
    }
    let (ip, zone) = match memchr::memchr(b'%', v) {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    ip.iter().any(|&b| b == b'.' || b == b':')
        && ip.iter().all(|&b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'[' | b']'))
        && zone.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b']'))
}

/// The peer's address in a value that should be one address but holds a few words: a host
/// name before it (`$host $remote_addr` read as `$remote_addr`), or a forwarded-for list
/// (`192.0.2.1, 198.51.100.7`, bare or in quotes). `None` unless the shape is unambiguous:
/// the last word is an IPv4 or IPv6 address and every word before it is an address or a host
/// name.
///
/// The last address is taken because it is the one the nearest hop wrote: nginx's
/// `$proxy_add_x_forwarded_for` is the client's `X-Forwarded-For` with `$remote_addr` appended,
/// so its last entry is exactly the `$remote_addr` of the connection, and the entries before it
/// are what earlier hops (or the client itself) claimed. A host name comes before the address
/// in the layouts seen (`$host $remote_addr`, `$server_name $remote_addr`).
pub(super) fn peer_address(v: &[u8]) -> Option<&[u8]> {
    let v = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")).unwrap_or(v);
    let mut words = v.split(|&b| b == b',' || b == b' ').filter(|w| !w.is_empty());
    let last = words.next_back()?;
    let ip = |w: &[u8]| is_address(w) && w.iter().any(|&b| b == b'.' || b == b':');
    let host = |w: &[u8]| {
        w.iter().any(u8::is_ascii_alphabetic)
            && w.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    (ip(last) && words.all(|w| ip(w) || host(w))).then_some(last)
}

fn is_integer(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

/// Whether `v`, the value of a variable of `shape` in a format with `escape`, can be one nginx
/// wrote. Allocates nothing.
///
/// Two checks: the escape rule, then the shape. With `escape=default` nginx writes `"`, `\`
/// and bytes below 0x20 or above 0x7e as `\xNN` (`ngx_http_log_escape` in
/// `ngx_http_log_module.c`), so a raw `"` or control byte in a value means that the value took
/// in text of its neighbours; with `escape=json` every `"` is escaped as `\"` and control
/// bytes as `\u00NN`. `escape=none` leaves values as they are and only the shape is
/// checked. An empty value fits every shape (`escape=json` writes nothing for a missing value).
pub(super) fn fits(shape: Shape, v: &[u8], escape: Escape) -> bool {
    let escaped = match escape {
        Escape::Default => !v.iter().any(|&b| b == b'"' || b < 0x20 || b == 0x7f),
        Escape::Json => {
            !v.iter().any(|&b| b < 0x20)
                && memchr::memchr_iter(b'"', v)
                    .all(|i| v[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1)
        }
        Escape::None => true,
    };
    if !escaped || v.is_empty() || v == b"-" {
        return escaped;
    }
    match shape {
        Shape::Text => true,
        Shape::Address => is_address(v),
        Shape::AddressList => valid_list(v, is_peer),
        Shape::Integer => is_integer(v),
        Shape::IntegerList => valid_list(v, is_integer),
        Shape::SecondsList => valid_list(v, |e| parse_seconds(e).is_some()),
    }
}

/// The label of a variable in parse errors (`$name`), for the life of the program: taken from
/// the table of known variables, or made once per distinct name, so errors stay `Copy` and
/// reading a line allocates nothing.
fn label(name: &str) -> &'static str {
    if let Some((n, _)) = KNOWN.iter().find(|(n, _)| &n[1..] == name) {
        return n;
    }
    static LABELS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut labels = LABELS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(l) = labels.iter().find(|l| &l[1..] == name) {
        return l;
    }
    let l: &'static str = Box::leak(format!("${name}").into_boxed_str());
    labels.push(l);
    l
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
pub(super) struct Slot {
    pub(super) var: Var,
    /// What its values look like.
    pub(super) shape: Shape,
    /// `$name`, for parse errors.
    pub(super) label: &'static str,
    name: String,
    /// The text up to the next variable; empty for the last variable of the format.
    pub(super) literal: Vec<u8>,
    /// A searcher for `literal`, built once with the format.
    pub(super) finder: Finder<'static>,
}

/// What a [`LogFormat`] shares between its clones.
pub(super) struct Compiled {
    name: Option<String>,
    text: String,
    pub(super) escape: Escape,
    /// The literal text before the first variable.
    pub(super) prefix: Vec<u8>,
    /// The variables in order, each with the literal that follows it.
    pub(super) slots: Vec<Slot>,
    /// Whether a variable is `$upstream_addr` or `$upstream_status`.
    pub(super) has_upstream: bool,
    /// Whether a variable is `$upstream_header_time`.
    pub(super) has_header_time: bool,
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

pub(super) const COMBINED: &str = "$remote_addr - $remote_user [$time_local] \"$request\" $status \
                        $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
pub(super) const MAIN_TAIL: &str = " \"$http_x_forwarded_for\"";
pub(super) const MAIN_UPSTREAM_TAIL: &str = " \"$http_x_forwarded_for\" rt=$request_time \
     ua=\"$upstream_addr\" us=\"$upstream_status\" ut=\"$upstream_response_time\" \
     uct=\"$upstream_connect_time\" uht=\"$upstream_header_time\"";
pub(super) const UPSTREAMINFO_TAIL: &str = " $request_length $request_time [$proxy_upstream_name] \
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

    /// The compiled parts, for the reader.
    pub(super) fn compiled(&self) -> &Compiled {
        &self.inner
    }
}

/// A preset format, compiled.
pub(super) fn named(name: &str, text: &str) -> LogFormat {
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
        escape = parse_escape(&e[..end])?;
        rest = e[end..].trim_start();
    }
    let name = (!name.is_empty()).then(|| name.to_string());
    Ok((name, escape, conf_strings(rest)?))
}

/// The value of an `escape=` parameter.
pub(super) fn parse_escape(value: &str) -> Result<Escape, FormatError> {
    match value {
        "default" => Ok(Escape::Default),
        "json" => Ok(Escape::Json),
        "none" => Ok(Escape::None),
        other => Err(FormatError::UnknownEscape(other.to_string())),
    }
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

/// Compiles the joined text of a format.
pub(super) fn compile(
    name: Option<String>,
    escape: Escape,
    text: String,
) -> Result<LogFormat, FormatError> {
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
                shape: shape_of(var_name),
                label: label(var_name),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_forms_compile_to_the_same_format() {
        let plain = LogFormat::new(COMBINED).unwrap();
        let strings = LogFormat::new(
            "'$remote_addr - $remote_user [$time_local] '\n  '\"$request\" $status $body_bytes_sent '\n  '\"$http_referer\" \"$http_user_agent\"'",
        )
        .unwrap();
        let directive = LogFormat::new(
            "log_format  combined  '$remote_addr - $remote_user [$time_local] ' # comment\n\
             \"\\\"$request\\\" $status $body_bytes_sent \"\n\
             '\"$http_referer\" \"$http_user_agent\"';\n",
        )
        .unwrap();
        let double = LogFormat::new(
            "\"$remote_addr - $remote_user [$time_local] \" \"\\\"$request\\\" $status $body_bytes_sent \\\"$http_referer\\\" \\\"$http_user_agent\\\"\";",
        )
        .unwrap();
        assert_eq!(plain, LogFormat::combined());
        assert_eq!(strings, plain);
        assert_eq!(directive, plain);
        assert_eq!(double, plain);
        assert_eq!(directive.name(), Some("combined"));
        assert_eq!(plain.name(), None);
        assert_eq!(
            LogFormat::new("log_format j escape=json '{\"s\":$status}';").unwrap().escape(),
            Escape::Json
        );
    }

    #[test]
    fn plain_string_starting_with_a_quote_is_taken_as_is() {
        let f = LogFormat::new("\"$request\" $status").unwrap();
        assert_eq!(f.as_str(), "\"$request\" $status");
        assert_eq!(f.variables().collect::<Vec<_>>(), ["request", "status"]);
    }

    #[test]
    fn bad_formats_are_rejected() {
        assert_eq!(LogFormat::new(""), Err(FormatError::Empty));
        assert_eq!(LogFormat::new("no variables"), Err(FormatError::NoVariables));
        assert_eq!(
            LogFormat::new("$remote_addr$status"),
            Err(FormatError::AdjacentVariables("remote_addr".into(), "status".into()))
        );
        assert_eq!(LogFormat::new("'$status"), Err(FormatError::UnclosedQuote));
        assert_eq!(LogFormat::new("${status"), Err(FormatError::UnclosedBrace));
        assert_eq!(
            LogFormat::new("log_format x escape=xml '$status';"),
            Err(FormatError::UnknownEscape("xml".into()))
        );
        assert_eq!(LogFormat::new("'$status'; more"), Err(FormatError::TextAfterDirective));
        // A lone `$` is text.
        assert_eq!(LogFormat::new("$ $status").unwrap().variables().count(), 1);
    }

    #[test]
    fn presets_extend_combined() {
        for f in [LogFormat::main(), LogFormat::main_upstream(), LogFormat::upstreaminfo()] {
            assert!(f.as_str().starts_with(COMBINED), "{f:?}");
        }
        assert!(LogFormat::main_upstream().has_upstream());
        assert!(!LogFormat::combined().has_upstream());
    }
}
