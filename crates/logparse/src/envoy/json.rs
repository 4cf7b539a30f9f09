//! Envoy and Istio JSON access-log lines, read by a borrowing scanner.
//!
//! # Why a scanner and not serde
//!
//! An [`Event`](crate::Event) holds sub-slices of the line, so a value with escapes cannot
//! be unescaped into it anyway; what the parser needs from a JSON object is, for each member,
//! the key and the raw bytes of the value. This module finds those with `memchr` over the line
//! (strings end at the first `"` not escaped by a `\`; nested objects and arrays are skipped
//! by counting brackets outside strings) and never allocates, escapes or not. With
//! `serde_json`, borrowed `&str` fields fail on any escape and `Cow` fields allocate for it,
//! and the crate would need `serde_json` outside its `serde` feature; the scanner keeps
//! `logparse` on `memchr` alone. Its speed, next to the nginx access-log parser, is in
//! `benches/README.md`.
//!
//! # What is checked
//!
//! The line must be one object: `{`, members `"key": value` separated by commas, `}`, then
//! nothing but white space. Strings, numbers, `true`, `false`, `null`, objects and arrays are
//! recognized by their first byte and their end; their inside is not validated (a number
//! `1e` is kept as text, and then fails as a number where one is needed). Members of one
//! nested object are read with the outer key as a prefix (`"upstream": {"host": ...}` as
//! `upstream_host`); deeper levels are skipped. A duplicate key: the last one wins.

use super::rec::{FORMAT, Rec, Slot, normalize};
use crate::error::{ParseError, ParseErrorKind};

/// One JSON value, as raw bytes of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string, without its quotes and not unescaped.
    Str(&'a [u8]),
    /// A number, as written.
    Num(&'a [u8]),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object, with its braces.
    Obj(&'a [u8]),
    /// An array, with its brackets.
    Arr(&'a [u8]),
}

/// The members of one JSON object, in order.
///
/// ```
/// use logparse::envoy::json::{Members, Value};
/// let line = br#"{"a": "x\"y", "b": 5, "c": {"d": null}}"#;
/// let got: Vec<_> = Members::new(line).unwrap().map(|m| m.unwrap()).collect();
/// assert_eq!(got[0], (&b"a"[..], Value::Str(br#"x\"y"#)));
/// assert_eq!(got[1], (&b"b"[..], Value::Num(b"5")));
/// assert_eq!(got[2], (&b"c"[..], Value::Obj(br#"{"d": null}"#)));
/// ```
#[derive(Clone, Debug)]
pub struct Members<'a> {
    b: &'a [u8],
    pos: usize,
    done: bool,
    first: bool,
}

/// Why a JSON line could not be read: the byte offset in the text given to [`Members::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed(pub usize);

impl<'a> Members<'a> {
    /// The members of the object that `b` holds (white space around it allowed).
    pub fn new(b: &'a [u8]) -> Result<Members<'a>, Malformed> {
        let mut pos = skip_ws(b, 0);
        if b.get(pos) != Some(&b'{') {
            return Err(Malformed(pos));
        }
        pos += 1;
        Ok(Members { b, pos, done: false, first: true })
    }

    fn member(&mut self) -> Result<Option<(&'a [u8], Value<'a>)>, Malformed> {
        let b = self.b;
        let mut pos = skip_ws(b, self.pos);
        match b.get(pos) {
            Some(b'}') => {
                self.done = true;
                let end = skip_ws(b, pos + 1);
                return if end == b.len() { Ok(None) } else { Err(Malformed(end)) };
            }
            Some(b',') if !self.first => pos = skip_ws(b, pos + 1),
            _ if self.first => {}
            _ => return Err(Malformed(pos)),
        }
        self.first = false;
        if b.get(pos) != Some(&b'"') {
            return Err(Malformed(pos));
        }
        let key_end = string_end(b, pos + 1).ok_or(Malformed(pos))?;
        let key = &b[pos + 1..key_end];
        pos = skip_ws(b, key_end + 1);
        if b.get(pos) != Some(&b':') {
            return Err(Malformed(pos));
        }
        pos = skip_ws(b, pos + 1);
        let (v, end) = value(b, pos)?;
        self.pos = end;
        Ok(Some((key, v)))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<(&'a [u8], Value<'a>), Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.member() {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while matches!(b.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        pos += 1;
    }
    pos
}

/// The position of the `"` that ends the string whose contents start at `from`.
fn string_end(b: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let i = memchr::memchr2(b'"', b'\\', b.get(from..)?)? + from;
        if b[i] == b'"' {
            return Some(i);
        }
        from = i + 2;
    }
}

/// The value starting at `pos` and the position after it.
fn value(b: &[u8], pos: usize) -> Result<(Value<'_>, usize), Malformed> {
    let bad = Malformed(pos);
    match b.get(pos) {
        Some(b'"') => {
            let end = string_end(b, pos + 1).ok_or(bad)?;
            Ok((Value::Str(&b[pos + 1..end]), end + 1))
        }
        Some(b'{' | b'[') => {
            let end = container_end(b, pos).ok_or(bad)?;
            let v = &b[pos..end];
            Ok((if b[pos] == b'{' { Value::Obj(v) } else { Value::Arr(v) }, end))
        }
        Some(b't') if b[pos..].starts_with(b"true") => Ok((Value::Bool(true), pos + 4)),
        Some(b'f') if b[pos..].starts_with(b"false") => Ok((Value::Bool(false), pos + 5)),
        Some(b'n') if b[pos..].starts_with(b"null") => Ok((Value::Null, pos + 4)),
        Some(c) if c.is_ascii_digit() || *c == b'-' => {
            let n = b[pos..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
                .count();
            Ok((Value::Num(&b[pos..pos + n]), pos + n))
        }
        _ => Err(bad),
    }
}

/// The position after the object or array that starts at `pos`: brackets counted outside
/// strings, without recursion.
fn container_end(b: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = pos;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i + 1)?,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A JSON object line with one of Envoy's key names.
pub(crate) fn looks_like(line: &[u8]) -> bool {
    line.first() == Some(&b'{') && super::rec::has_envoy_key(line)
}

fn invalid(name: &'static str, line: &[u8], v: &[u8]) -> ParseError {
    ParseError::new(FORMAT, ParseErrorKind::InvalidField(name), super::rec::offset_in(line, v))
}

/// Stores one member's value in its slot, checking its type.
fn store<'a>(
    rec: &mut Rec<'a>,
    line: &'a [u8],
    slot: Slot,
    v: Value<'a>,
) -> Result<(), ParseError> {
    let raw = match v {
        Value::Null => return Ok(()),
        Value::Str(s) if slot.numeric() => {
            let number = !s.is_empty() && s.iter().all(|c| c.is_ascii_digit() || *c == b'.');
            if !(number || s == b"-" || s.is_empty()) {
                return Err(invalid(slot.name(), line, s));
            }
            s
        }
        Value::Str(s) => s,
        Value::Num(n) => n,
        Value::Bool(_) | Value::Obj(_) | Value::Arr(_) => {
            return Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField(slot.name()), 0));
        }
    };
    // `"request": "GET / HTTP/1.1"` is a request line; `"request": "/p"` a path.
    let slot = if slot == Slot::Path && memchr::memchr(b' ', raw).is_some() {
        Slot::Request
    } else {
        slot
    };
    rec.set(slot, raw);
    Ok(())
}

/// Reads an Envoy JSON line (the object starts at `start`).
pub(crate) fn read(line: &[u8], start: usize) -> Result<Rec<'_>, ParseError> {
    let mut rec = Rec::default();
    let malformed =
        |Malformed(at)| ParseError::new(FORMAT, ParseErrorKind::InvalidField("json"), start + at);
    let body = &line[start..];
    let mut buf = [0u8; 48];
    let mut known = 0usize;
    for m in Members::new(body).map_err(malformed)? {
        let (key, v) = m.map_err(malformed)?;
        let Some(norm) = normalize(key, &mut buf) else { continue };
        let nests = matches!(norm, b"upstream" | b"downstream" | b"request" | b"response");
        if let (Value::Obj(_), Some(slot), false) = (v, Slot::of_key(norm), nests) {
            return Err(invalid(slot.name(), line, key));
        }
        if let Value::Obj(inner) = v {
            // One level of nesting: `"upstream": {"host": ...}` is `upstream_host`.
            let prefix_len = norm.len();
            let mut inner_buf = [0u8; 48];
            inner_buf[..prefix_len].copy_from_slice(norm);
            for m in Members::new(inner).map_err(|Malformed(at)| {
                ParseError::new(
                    FORMAT,
                    ParseErrorKind::InvalidField("json"),
                    super::rec::offset_in(line, inner) + at,
                )
            })? {
                let (k, v) = m.map_err(|Malformed(at)| {
                    ParseError::new(
                        FORMAT,
                        ParseErrorKind::InvalidField("json"),
                        super::rec::offset_in(line, inner) + at,
                    )
                })?;
                let mut kbuf = [0u8; 48];
                let Some(kn) = normalize(k, &mut kbuf) else { continue };
                if prefix_len + kn.len() > inner_buf.len() || matches!(v, Value::Obj(_)) {
                    continue;
                }
                inner_buf[prefix_len..prefix_len + kn.len()].copy_from_slice(kn);
                if let Some(slot) = Slot::of_key(&inner_buf[..prefix_len + kn.len()]) {
                    store(&mut rec, line, slot, v)?;
                    known += 1;
                }
            }
            continue;
        }
        if let Some(slot) = Slot::of_key(norm) {
            store(&mut rec, line, slot, v)?;
            known += 1;
        }
    }
    if known == 0 || (rec.response_code.is_none() && rec.flags.is_none() && rec.details.is_none()) {
        return Err(ParseError::new(FORMAT, ParseErrorKind::MissingField("response_code"), 0));
    }
    Ok(rec)
}
