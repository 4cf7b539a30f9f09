//! The fields of an nginx access-log line that the event does not carry, with the upstream
//! lists they hold and the readers of their values.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use std::time::Duration;

use crate::bytes::parse_u64;
use crate::value::{Emit, Value};

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
    /// `$connection`: the client connection's serial number, the `*N` of the error log's lines
    /// about the same request (nginx `ngx_http_core_module` variables).
    pub connection: Option<u64>,
    /// `$request_id`: 32 hex digits unique per request (nginx 1.11.0+).
    pub request_id: Option<&'a [u8]>,
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
        e.uint("connection", self.connection);
        e.text("request_id", self.request_id);
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
pub(super) fn valid_list(b: &[u8], ok: fn(&[u8]) -> bool) -> bool {
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
// Values

/// The value, `None` when it is empty or `-`.
pub(super) fn dash_or_empty(v: &[u8]) -> Option<&[u8]> {
    (!v.is_empty() && v != b"-").then_some(v)
}

/// Reads `secs[.fraction]` (at most six fraction digits) as microseconds.
pub(super) fn parse_decimal_micros(b: &[u8]) -> Option<u64> {
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
pub(super) fn parse_seconds(b: &[u8]) -> Option<Duration> {
    parse_decimal_micros(b).map(Duration::from_micros)
}

/// Reads an HTTP status (one to three digits; `000` is 0).
pub(super) fn parse_status(b: &[u8]) -> Option<u16> {
    if b.is_empty() || b.len() > 3 {
        return None;
    }
    parse_u64(b).map(|n| n as u16)
}
