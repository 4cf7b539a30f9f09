//! `key=value` access-log lines written by a custom Envoy format (envoy#9242):
//!
//! ```text
//! [05/12/2019T16:14:53+0000 1575562493] method=POST authority=localhost:443 request=/StudentService/get response_flag=UT status=200 status_details=upstream_response_timeout total_time_ms=15001 upstream=127.0.0.1:7000
//! ```
//!
//! An optional `[...]` holds the start time. A field is a word `key=` (letters, digits, `_`,
//! `-`, `.`, `:`, `@`) and its value runs to the next such word; a value may be wrapped in
//! double quotes. Keys are matched like JSON keys (see `Slot::of_key` in `rec.rs`); others are
//! skipped.

use super::rec::{FORMAT, Rec, Slot, normalize};
use crate::bytes::finder;
use crate::error::{ParseError, ParseErrorKind};

/// A line with a `response_flag(s)=` (or `responseFlags=`) key.
pub(crate) fn looks_like(line: &[u8]) -> bool {
    let line = line.trim_ascii_start();
    line.first() != Some(&b'{')
        && (finder!(b"response_flag=").find(line).is_some()
            || finder!(b"response_flags=").find(line).is_some()
            || finder!(b"responseFlags=").find(line).is_some())
}

/// The length of the `key` of a `key=` word at the start of `w`, if it is one.
fn key_len(w: &[u8]) -> Option<usize> {
    let n = w
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':' | b'@'))
        .count();
    (n > 0 && w.get(n) == Some(&b'=')).then_some(n)
}

/// Reads a key=value line from `start`.
pub(crate) fn read<'a>(line: &'a [u8], start: usize) -> Result<Rec<'a>, ParseError> {
    let mut rec = Rec::default();
    let mut pos = start;
    if line[pos] == b'[' {
        let close = memchr::memchr(b']', &line[pos..]).ok_or(ParseError::new(
            FORMAT,
            ParseErrorKind::MissingField("start_time"),
            line.len(),
        ))?;
        rec.set(Slot::StartTime, &line[pos + 1..pos + close]);
        pos += close + 1;
    }
    // (key slot, value start) of the field being read.
    let mut open: Option<(Option<Slot>, usize)> = None;
    let mut buf = [0u8; 48];
    let mut known = 0usize;
    let finish = |rec: &mut Rec<'a>, open: Option<(Option<Slot>, usize)>, end: usize| {
        if let Some((Some(slot), from)) = open {
            let mut v = line[from..end].trim_ascii();
            if let [b'"', inner @ .., b'"'] = v {
                v = inner;
            }
            rec.set(slot, v);
        }
    };
    while pos < line.len() {
        if line[pos] == b' ' {
            pos += 1;
            continue;
        }
        let word_end = memchr::memchr(b' ', &line[pos..]).map_or(line.len(), |i| pos + i);
        if let Some(n) = key_len(&line[pos..word_end]) {
            finish(&mut rec, open, pos);
            let slot = normalize(&line[pos..pos + n], &mut buf).and_then(Slot::of_key);
            known += usize::from(slot.is_some());
            let from = pos + n + 1;
            // A quoted value may hold spaces: it runs to its closing quote.
            if line.get(from) == Some(&b'"') {
                if let Some(q) = finder!(b"\" ").find(&line[from + 1..]) {
                    let end = from + 1 + q + 1;
                    finish(&mut rec, Some((slot, from)), end);
                    open = None;
                    pos = end;
                    continue;
                }
            }
            open = Some((slot, from));
        }
        pos = word_end;
    }
    finish(&mut rec, open, line.len());
    // A `request=` value with spaces is a request line.
    if rec.path.is_some_and(|p| memchr::memchr(b' ', p).is_some()) {
        rec.request = rec.path.take();
    }
    if known == 0 {
        return Err(ParseError::new(FORMAT, ParseErrorKind::NotRecognized, 0));
    }
    Ok(rec)
}
