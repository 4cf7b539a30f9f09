//! Reading the members of one JSON log line without copying or allocating.
//!
//! The JSON formats (Traefik's access and debug logs, Caddy's zap logs) are objects with a
//! handful of wanted keys among many others (request headers, TLS details). [`Members`]
//! walks the members of an object with `memchr` scans: each key and value comes back as the
//! slice of the line that holds it, and a value it is not asked about (a nested object, an
//! array) is skipped by counting brackets outside strings, never built. The typed helpers
//! then check one value: a key holding the wrong type is reported under its own name.
//!
//! Why not `serde_json`: with borrowed `&RawValue` fields it keeps values as slices too, but
//! skipping a nested container inside another (Caddy's `request.headers` maps names to
//! arrays) pushes onto its scratch buffer, which allocates once per line; measured with the
//! counting allocator of `tests/no_alloc.rs`, one allocation per Caddy error line.
//!
//! The walk checks the structure it needs (quotes, colons, commas, balanced brackets, one
//! object per line) but not every rule of JSON (the digits of a skipped number, the escapes
//! of a skipped string): a line it accepts gives the values a strict parser would, and a
//! malformed line is reported as `JSON syntax` at the byte where the walk stopped.
//!
//! A string is kept as written between its quotes, escapes included (`\u0026` stays six
//! bytes): unescaping would need a copy, and the values classification looks at (addresses,
//! statuses, Go error texts) have no escapes in real logs.

use memchr::memchr2;

use crate::error::{ParseError, ParseErrorKind};
use crate::format::Format;
use crate::time::Timestamp;

/// The value of a key, as written (`"text"`, `502`, `null`, `{...}`); `None` when absent.
pub(crate) type Raw<'a> = Option<&'a [u8]>;

/// One member of an object: its key (between the quotes) and its value, as written.
pub(crate) type Member<'a> = (&'a [u8], &'a [u8]);

/// Walks the members of one JSON object: `(key, value)`, each as written in the line.
pub(crate) struct Members<'a> {
    b: &'a [u8],
    p: usize,
    done: bool,
    first: bool,
    bad_start: bool,
}

/// Where the structure of the object broke (a byte offset into it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError(pub(crate) usize);

fn ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && matches!(b[p], b' ' | b'\t' | b'\n' | b'\r') {
        p += 1;
    }
    p
}

/// The end (one past the closing quote) of the string whose opening quote is at `p`.
fn string_end(b: &[u8], p: usize) -> Result<usize, SyntaxError> {
    let mut i = p + 1;
    loop {
        let j = i + memchr2(b'"', b'\\', b.get(i..).unwrap_or_default()).ok_or(SyntaxError(p))?;
        if b[j] == b'"' {
            return Ok(j + 1);
        }
        // A backslash escapes the next byte.
        i = j + 2;
        if i > b.len() {
            return Err(SyntaxError(j));
        }
    }
}

/// The end of the value starting at `p` (after white space).
fn value_end(b: &[u8], p: usize) -> Result<usize, SyntaxError> {
    match b.get(p) {
        None => Err(SyntaxError(p)),
        Some(b'"') => string_end(b, p),
        Some(b'{' | b'[') => {
            // Count brackets outside strings; each closer must match its opener.
            let mut stack: u64 = 0;
            let mut depth = 0u32;
            let mut i = p;
            loop {
                let c = *b.get(i).ok_or(SyntaxError(i))?;
                match c {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        if depth >= 64 {
                            return Err(SyntaxError(i));
                        }
                        stack = (stack << 1) | u64::from(c == b'{');
                        depth += 1;
                    }
                    b'}' | b']' => {
                        if depth == 0 || (stack & 1 == 1) != (c == b'}') {
                            return Err(SyntaxError(i));
                        }
                        stack >>= 1;
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        Some(_) => {
            let mut i = p;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                i += 1;
            }
            let v = &b[p..i];
            let ok = matches!(v, b"true" | b"false" | b"null")
                || (!v.is_empty()
                    && v.iter().all(|c| {
                        c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                    }));
            if ok { Ok(i) } else { Err(SyntaxError(p)) }
        }
    }
}

impl<'a> Members<'a> {
    /// The members of the object `b` (which starts with `{`).
    pub(crate) fn new(b: &'a [u8]) -> Members<'a> {
        let p = ws(b, 0);
        Members { b, p: p + 1, done: false, first: true, bad_start: b.get(p) != Some(&b'{') }
    }

    /// The next member, `Ok(None)` after the closing brace; after an error, `Ok(None)`.
    pub(crate) fn next_member(&mut self) -> Result<Option<Member<'a>>, SyntaxError> {
        if self.done {
            return Ok(None);
        }
        let r = if self.bad_start { Err(SyntaxError(0)) } else { self.step() };
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }

    fn step(&mut self) -> Result<Option<Member<'a>>, SyntaxError> {
        let b = self.b;
        let mut p = ws(b, self.p);
        if self.first {
            self.first = false;
            if b.get(p) == Some(&b'}') {
                return self.end(p + 1);
            }
        } else {
            match b.get(p) {
                Some(b',') => p = ws(b, p + 1),
                Some(b'}') => return self.end(p + 1),
                _ => return Err(SyntaxError(p)),
            }
        }
        if b.get(p) != Some(&b'"') {
            return Err(SyntaxError(p));
        }
        let key_end = string_end(b, p)?;
        let key = &b[p + 1..key_end - 1];
        let colon = ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            return Err(SyntaxError(colon));
        }
        let v = ws(b, colon + 1);
        let end = value_end(b, v)?;
        self.p = end;
        Ok(Some((key, &b[v..end])))
    }

    /// The object closed at `p`: only white space may follow at the top level.
    fn end(&mut self, p: usize) -> Result<Option<Member<'a>>, SyntaxError> {
        let rest = ws(self.b, p);
        if rest != self.b.len() {
            return Err(SyntaxError(rest));
        }
        Ok(None)
    }
}

/// The members of a nested object value (`{...}` as returned by [`Members`]).
pub(crate) fn nested(v: &[u8]) -> Option<Members<'_>> {
    (v.first() == Some(&b'{')).then(|| Members::new(v))
}

/// The error for a key of the wrong type.
pub(crate) fn wrong(format: Format, key: &'static str) -> ParseError {
    ParseError::new(Some(format), ParseErrorKind::InvalidField(key), 0)
}

/// The error for a line whose structure breaks at byte `at` of the line.
pub(crate) fn syntax(format: Format, at: usize) -> ParseError {
    ParseError::new(Some(format), ParseErrorKind::InvalidField("JSON syntax"), at)
}

/// The raw text of a value, `None` for `null`.
fn text(v: Raw<'_>) -> Option<&[u8]> {
    v.filter(|t| *t != b"null")
}

/// A string value, as written between its quotes.
pub(crate) fn string<'a>(
    format: Format,
    key: &'static str,
    v: Raw<'a>,
) -> Result<Option<&'a [u8]>, ParseError> {
    match text(v) {
        None => Ok(None),
        Some(t) if t.len() >= 2 && t[0] == b'"' => Ok(Some(&t[1..t.len() - 1])),
        Some(_) => Err(wrong(format, key)),
    }
}

/// A string value, `None` when empty or `-` (Traefik writes `-` for unknown values).
pub(crate) fn string_set<'a>(
    format: Format,
    key: &'static str,
    v: Raw<'a>,
) -> Result<Option<&'a [u8]>, ParseError> {
    Ok(string(format, key, v)?.filter(|s| !s.is_empty() && *s != b"-"))
}

/// A non-negative integer value (a number without sign, fraction or exponent).
pub(crate) fn uint(
    format: Format,
    key: &'static str,
    v: Raw<'_>,
) -> Result<Option<u64>, ParseError> {
    match text(v) {
        None => Ok(None),
        Some(t) => crate::bytes::parse_u64(t).map(Some).ok_or(wrong(format, key)),
    }
}

/// A number value, as a float.
pub(crate) fn float(
    format: Format,
    key: &'static str,
    v: Raw<'_>,
) -> Result<Option<f64>, ParseError> {
    match text(v) {
        None => Ok(None),
        Some(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or(wrong(format, key)),
    }
}

/// A status code: an integer of at most three digits.
pub(crate) fn status(
    format: Format,
    key: &'static str,
    v: Raw<'_>,
) -> Result<Option<u16>, ParseError> {
    match uint(format, key, v)? {
        Some(n) if n <= 999 => Ok(Some(n as u16)),
        Some(_) => Err(wrong(format, key)),
        None => Ok(None),
    }
}

/// Reads an RFC 3339 time (`2024-12-29T11:42:47.503803974Z`, `2020-04-05T00:29:20+02:00`) as
/// UTC, to the microsecond.
pub(crate) fn rfc3339(b: &[u8]) -> Option<Timestamp> {
    if b.ends_with(b"Z") || b.len() == 19 {
        return crate::aws::parse_time(b);
    }
    let n = b.len();
    let off = b.get(n.checked_sub(6)?..)?;
    if !matches!(off[0], b'+' | b'-') || off[3] != b':' {
        return None;
    }
    let h = crate::time::digits2(&off[1..])?;
    let m = crate::time::digits2(&off[4..])?;
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i64::from(h * 3600 + m * 60);
    let secs = if off[0] == b'+' { secs } else { -secs };
    let local = crate::aws::parse_time(&b[..n - 6])?;
    Some(Timestamp::from_unix_micros(local.unix_micros() - secs * 1_000_000))
}

/// The line after the time a log collector put before it, when what follows starts like a
/// JSON object or a logrus line: `kubectl logs --timestamps` writes an RFC 3339 time and a
/// space (`2024-10-04T15:42:56.123456789Z {...}`), Docker Desktop's log view a local
/// `2024-10-04 15:42:56 `. Otherwise the line itself.
pub(crate) fn after_stamp(line: &[u8]) -> &[u8] {
    let head = &line[..line.len().min(40)];
    let sp = if head.len() > 20 && head[10] == b' ' && crate::aws::looks_like_time_with(head, b' ')
    {
        memchr::memchr(b' ', &head[11..]).map(|i| i + 11)
    } else if crate::aws::looks_like_time(head) {
        memchr::memchr(b' ', head)
    } else {
        None
    };
    let Some(sp) = sp else { return line };
    let rest = &line[sp + 1..];
    if rest.starts_with(b"{") || rest.starts_with(b"time=\"") || rest.starts_with(b"level=") {
        rest
    } else {
        line
    }
}

/// The line without surrounding white space, when it is a JSON object.
pub(crate) fn object(line: &[u8]) -> Option<&[u8]> {
    let t = line.trim_ascii();
    (t.first() == Some(&b'{') && t.last() == Some(&b'}')).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(b: &[u8]) -> Result<Vec<(String, String)>, SyntaxError> {
        let mut m = Members::new(b);
        let mut out = Vec::new();
        while let Some((k, v)) = m.next_member()? {
            out.push((String::from_utf8_lossy(k).into(), String::from_utf8_lossy(v).into()));
        }
        Ok(out)
    }

    #[test]
    fn members_skip_nested_values_and_keep_escapes() {
        let got = members(br#"{"a":1,"b":{"c":["x",{"d":"}"}]},"e":"q\"z","f":null, "g" : true }"#)
            .unwrap();
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "e", "f", "g"]);
        assert_eq!(got[1].1, r#"{"c":["x",{"d":"}"}]}"#);
        assert_eq!(got[2].1, r#""q\"z""#);
        assert_eq!(members(b"{}").unwrap(), []);
    }

    #[test]
    fn broken_objects_are_syntax_errors() {
        for b in [
            &br#"{"a":1"#[..],
            br#"{"a" 1}"#,
            br#"{"a":{"b":1]}"#,
            br#"{"a":1,}"#,
            br#"{"a":1} x"#,
            br#"{"a":"x}"#,
            br#"{"a":nope}"#,
            br#"{a:1}"#,
        ] {
            assert!(members(b).is_err(), "{}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn rfc3339_with_offsets() {
        let t = rfc3339(b"2024-12-29T12:42:47+01:00").unwrap();
        assert_eq!(t.to_string(), "2024-12-29T11:42:47Z");
        let t = rfc3339(b"2024-12-29T11:42:47.503803974Z").unwrap();
        assert_eq!(t.unix_micros() % 1_000_000, 503_803);
        assert_eq!(rfc3339(b"2024-12-29T11:42:47+1:00"), None);
    }
}
