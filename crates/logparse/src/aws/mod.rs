//! AWS load-balancer access logs.
//!
//! - [`alb`]: the Application Load Balancer access log (`http`/`https`/`h2`/`grpcs`/`ws`/`wss`
//!   lines, 18 to 33 fields and more), with its sibling connection-log, health-check-log and
//!   Network Load Balancer lines recognized and skipped.
//! - [`elb`]: the Classic Load Balancer access log (15 fields, no `type`).
//!
//! Both are space-separated lines where any field may be wrapped in double quotes; the shared
//! pieces (the quote-aware tokenizer, ISO-8601 times, `-1` processing times, `ip:port`
//! splitting) live here.

pub mod alb;
pub mod elb;

use crate::Timestamp;
use crate::bytes::parse_u64;
use crate::error::{ParseError, ParseErrorKind};
use crate::format::Format;
use crate::time::{civil_to_unix, digits2, digits4};

/// A processing time as a load balancer writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// A measured time, in microseconds (ALB writes milliseconds, Classic ELB microseconds).
    Micros(u64),
    /// `-1`: the load balancer did not get that far (it could not dispatch the request, or the
    /// target closed the connection or did not answer in time).
    Failed,
}

impl Timing {
    /// Reads `-1` (also `-1.0`, `-1.000`) or a non-negative decimal number of seconds.
    fn parse(b: &[u8]) -> Option<Timing> {
        if let Some(rest) = b.strip_prefix(b"-1") {
            let frac_zero = match rest {
                [] => true,
                [b'.', zeros @ ..] => zeros.iter().all(|&c| c == b'0'),
                _ => false,
            };
            return frac_zero.then_some(Timing::Failed);
        }
        let (int, frac) = match memchr::memchr(b'.', b) {
            Some(dot) => (&b[..dot], &b[dot + 1..]),
            None => (b, &b""[..]),
        };
        let secs = parse_u64(int)?;
        if !frac.iter().all(u8::is_ascii_digit) || (frac.is_empty() && b.ends_with(b".")) {
            return None;
        }
        let mut micros = 0u64;
        for i in 0..6 {
            micros = micros * 10 + frac.get(i).map_or(0, |&c| u64::from(c - b'0'));
        }
        Some(Timing::Micros(secs.checked_mul(1_000_000)?.checked_add(micros)?))
    }

    /// The time in microseconds, `None` for `-1`.
    pub const fn micros(self) -> Option<u64> {
        match self {
            Timing::Micros(m) => Some(m),
            Timing::Failed => None,
        }
    }

    /// Whether the time was measured (not `-1`).
    pub const fn measured(self) -> bool {
        matches!(self, Timing::Micros(_))
    }
}

/// One field of a line: its value (inside the quotes, if it was quoted) and where it was.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Token<'a> {
    /// The value, without the surrounding quotes.
    value: &'a [u8],
    /// The byte offset of the field (its opening quote, if quoted) in the line.
    start: usize,
    /// Whether the field was quoted and the line ended before its closing quote.
    unclosed: bool,
}

/// Splits a line into fields: separated by spaces (a run of spaces counts as one: no field is
/// ever empty in these logs), a field may be wrapped in double quotes and then contain spaces.
///
/// A quote closes a quoted field only when a space or the end of the line follows it, so a
/// stray `"` inside a value does not end it early. Nothing is unescaped: the load balancers
/// write a `"` inside a value as `\x22`, and the raw slice is kept.
#[derive(Clone, Debug)]
pub(crate) struct Tokens<'a> {
    line: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(line: &'a [u8]) -> Tokens<'a> {
        Tokens { line, pos: 0 }
    }

    /// The rest of the line from the next field on (empty when there is none).
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        self.skip_spaces();
        &self.line[self.pos..]
    }

    fn skip_spaces(&mut self) {
        while self.line.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.skip_spaces();
        let line = self.line;
        let start = self.pos;
        if start >= line.len() {
            return None;
        }
        if line[start] != b'"' {
            let end = memchr::memchr(b' ', &line[start..]).map_or(line.len(), |i| start + i);
            self.pos = end;
            return Some(Token { value: &line[start..end], start, unclosed: false });
        }
        let mut from = start + 1;
        while let Some(i) = memchr::memchr(b'"', &line[from..]) {
            let q = from + i;
            if matches!(line.get(q + 1), None | Some(b' ')) {
                self.pos = q + 1;
                return Some(Token { value: &line[start + 1..q], start, unclosed: false });
            }
            from = q + 1;
        }
        self.pos = line.len();
        Some(Token { value: &line[start + 1..], start, unclosed: true })
    }
}

/// Up to `N` fields of a line, read once, with the rest of the line after them.
pub(crate) struct Row<'a, const N: usize> {
    toks: [Token<'a>; N],
    /// How many fields were read (at most `N`).
    pub(crate) len: usize,
    /// The line from the field after the `N`th on, without trailing spaces; empty when the
    /// line has no more fields.
    pub(crate) trailing: &'a [u8],
    /// Whether the last field read is a quoted value that the line cut off.
    pub(crate) truncated: bool,
}

impl<'a, const N: usize> Row<'a, N> {
    pub(crate) fn read(line: &'a [u8]) -> Row<'a, N> {
        let mut toks = [Token::default(); N];
        let mut it = Tokens::new(line);
        let mut len = 0;
        for (slot, tok) in toks.iter_mut().zip(it.by_ref()) {
            *slot = tok;
            len += 1;
        }
        let truncated = len > 0 && toks[len - 1].unclosed;
        let trailing = it.rest();
        let end = trailing.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
        Row { toks, len, trailing: &trailing[..end], truncated }
    }

    /// The raw value of field `i` (`-` included), `None` when the line has no such field.
    pub(crate) fn raw(&self, i: usize) -> Option<&'a [u8]> {
        (i < self.len).then(|| self.toks[i].value)
    }

    /// The value of field `i`, `None` when it is missing or `-`.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.raw(i).filter(|v| *v != b"-")
    }

    /// The byte offset of field `i` (the end of the line when it is missing).
    pub(crate) fn offset(&self, i: usize, line: &[u8]) -> usize {
        if i < self.len { self.toks[i].start } else { line.len() }
    }
}

/// The line without its terminator; `Err(Empty)` for a blank line.
pub(crate) fn strip_line(line: &[u8], format: Format) -> Result<&[u8], ParseError> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let line = &line[..end];
    if line.trim_ascii().is_empty() {
        return Err(ParseError::new(Some(format), ParseErrorKind::Empty, 0));
    }
    Ok(line)
}

/// Parses an ISO-8601 UTC time as the load balancers write it: `2018-07-02T22:23:00.186641Z`
/// (fraction of any length, read to microseconds; `Z` optional).
pub(crate) fn parse_time(b: &[u8]) -> Option<Timestamp> {
    let head = b.get(..19)?;
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let secs = civil_to_unix(
        digits4(head)? as i32,
        digits2(&head[5..])?,
        digits2(&head[8..])?,
        digits2(&head[11..])?,
        digits2(&head[14..])?,
        digits2(&head[17..])?,
    )?;
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for i in 0..6 {
            micros =
                micros * 10 + frac.get(i).filter(|_| i < n).map_or(0, |&c| i64::from(c - b'0'));
        }
        rest = &frac[n..];
    }
    if !(rest.is_empty() || rest == b"Z") {
        return None;
    }
    Some(Timestamp::from_unix_micros(secs * 1_000_000 + micros))
}

/// Whether `b` has the shape of an ISO-8601 time (`YYYY-MM-DDTHH:MM:SS`), without checking
/// the ranges: cheap enough for detection.
pub(crate) fn looks_like_time(b: &[u8]) -> bool {
    looks_like_time_with(b, b'T')
}

/// [`looks_like_time`] with `sep` between the date and the time (`T`, or a space).
pub(crate) fn looks_like_time_with(b: &[u8], sep: u8) -> bool {
    matches!(b.get(..19), Some(h) if h[4] == b'-' && h[7] == b'-' && h[10] == sep
        && h[13] == b':' && h[16] == b':' && digits4(h).is_some())
}

/// Splits `ip:port` on the **last** colon (IPv6 addresses contain colons); brackets around an
/// IPv6 address are removed. Without a numeric port the whole value is the address.
pub(crate) fn split_host_port(b: &[u8]) -> (&[u8], Option<u16>) {
    let (host, port) = match memchr::memrchr(b':', b) {
        Some(i) => match parse_u64(&b[i + 1..]).and_then(|p| u16::try_from(p).ok()) {
            Some(p) => (&b[..i], Some(p)),
            // A port that is not a number (or out of range) still ends the address.
            None if b[i + 1..].iter().all(u8::is_ascii_digit) && i + 1 < b.len() => (&b[..i], None),
            None => (b, None),
        },
        None => (b, None),
    };
    let host = match host {
        [b'[', inner @ .., b']'] => inner,
        h => h,
    };
    (host, port)
}

/// The host of an absolute request URI in a request line (`GET https://host:443/p HTTP/1.1`
/// gives `host`), without user info or port. `None` for origin-form requests (`GET /p`).
pub(crate) fn request_host(request: &[u8]) -> Option<&[u8]> {
    let sp = memchr::memchr(b' ', request)?;
    let uri = &request[sp + 1..];
    let scheme_end = crate::bytes::find(uri, b"://")?;
    if scheme_end == 0 || !uri[..scheme_end].iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let auth = &uri[scheme_end + 3..];
    let end =
        auth.iter().position(|c| matches!(c, b'/' | b'?' | b'#' | b' ')).unwrap_or(auth.len());
    let mut auth = &auth[..end];
    if let Some(at) = memchr::memrchr(b'@', auth) {
        auth = &auth[at + 1..];
    }
    let host = match auth {
        [b'[', ..] => match memchr::memchr(b']', auth) {
            Some(close) => &auth[..=close],
            None => auth,
        },
        _ => match memchr::memrchr(b':', auth) {
            Some(i) if auth[i + 1..].iter().all(u8::is_ascii_digit) => &auth[..i],
            _ => auth,
        },
    };
    let bracketed = host.first() == Some(&b'[');
    (!host.is_empty() && host != b"-" && (bracketed || !host.contains(&b':'))).then_some(host)
}

/// Whether an `ip:port` field has the shape of one: a colon before a port, and an address
/// made of the bytes of IPv4 and IPv6 addresses (hex digits, `.`, `:`, brackets, a `%zone`),
/// where real logs may also carry anonymized addresses (`xxx.xx.xx.xxx:8557`, `*`). A host
/// name is not an address: AWS writes the client's and the target's IP, never a name.
pub(crate) fn is_addr(b: &[u8]) -> bool {
    memchr::memrchr(b':', b).is_some_and(|i| {
        i > 0
            && i + 1 < b.len()
            && b[..i].iter().all(|&c| {
                c.is_ascii_hexdigit()
                    || matches!(c, b'.' | b':' | b'[' | b']' | b'%' | b'x' | b'X' | b'*')
            })
    })
}

/// A request line that is only dashes and spaces (`- - -`, `- - - `): no request was read.
pub(crate) fn is_dash_request(request: &[u8]) -> bool {
    request.iter().all(|&c| c == b'-' || c == b' ')
}

/// Parses an HTTP status code (one to three digits; `000` is 0).
pub(crate) fn parse_status(b: &[u8]) -> Option<u16> {
    if b.len() > 3 {
        return None;
    }
    parse_u64(b).map(|v| v as u16)
}

#[cfg(test)]
mod tests;
