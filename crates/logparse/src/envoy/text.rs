//! Envoy's and Istio's default text formats (and their TCP-proxy lines).

use super::rec::{FORMAT, Rec, Slot};
use crate::bytes::finder;
use crate::error::{ParseError, ParseErrorKind};

/// One space-separated field: its value (inside the quotes when quoted) and how it was written.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tok<'a> {
    pub(crate) v: &'a [u8],
    pub(crate) quoted: bool,
    pub(crate) unclosed: bool,
}

/// Splits text into fields separated by runs of spaces; a field may be wrapped in double
/// quotes and then hold spaces. A quote closes a quoted field only when a space or the end
/// follows it (Envoy does not escape quotes inside values), so a stray `"` does not end it.
pub(crate) struct Toks<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Toks<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Toks<'a> {
        Toks { b, pos: 0 }
    }

    /// `first` (a bare field with a `{` and no `}`: a details value such as
    /// `upstream_reset_before_response_started{local reset}`) extended over the spaces to its
    /// `}`; `first` itself when there is none.
    pub(crate) fn extend_braces(&mut self, first: &'a [u8]) -> &'a [u8] {
        let start = (first.as_ptr() as usize).wrapping_sub(self.b.as_ptr() as usize);
        if start > self.b.len() {
            return first;
        }
        match memchr::memchr(b'}', &self.b[start..]) {
            Some(i) if matches!(self.b.get(start + i + 1), None | Some(b' ')) => {
                self.pos = start + i + 1;
                &self.b[start..start + i + 1]
            }
            _ => first,
        }
    }

    /// The text from the next field on, without trailing spaces (`None` when empty).
    pub(crate) fn rest(&mut self) -> Option<&'a [u8]> {
        while self.b.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
        let r = self.b[self.pos..].trim_ascii_end();
        (!r.is_empty()).then_some(r)
    }
}

impl<'a> Iterator for Toks<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        let b = self.b;
        while b.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        if b[start] != b'"' {
            let end = memchr::memchr(b' ', &b[start..]).map_or(b.len(), |i| start + i);
            self.pos = end;
            return Some(Tok { v: &b[start..end], quoted: false, unclosed: false });
        }
        let mut from = start + 1;
        while let Some(i) = memchr::memchr(b'"', &b[from..]) {
            let q = from + i;
            if matches!(b.get(q + 1), None | Some(b' ')) {
                self.pos = q + 1;
                return Some(Tok { v: &b[start + 1..q], quoted: true, unclosed: false });
            }
            from = q + 1;
        }
        self.pos = b.len();
        Some(Tok { v: &b[start + 1..], quoted: true, unclosed: true })
    }
}

/// `[YYYY-MM-DDTHH:MM:SS...] "`: the start of a default-format line.
pub(crate) fn looks_like(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"[") else { return false };
    if !crate::aws::looks_like_time(rest) {
        return false;
    }
    let head = &rest[..rest.len().min(48)];
    let Some(close) = memchr::memchr(b']', head) else { return false };
    let after = &rest[close + 1..];
    if !after.starts_with(b" \"") {
        return false;
    }
    // The request, then the response code (digits or `-`).
    let Some(q) = finder!(b"\" ").find(&after[2..]) else { return false };
    let next = &after[2 + q + 2..];
    let code_end = memchr::memchr(b' ', next).unwrap_or(next.len());
    let code = &next[..code_end];
    !code.is_empty() && (code == b"-" || code.iter().all(u8::is_ascii_digit))
}

fn missing(name: &'static str, line: &[u8]) -> ParseError {
    ParseError::new(FORMAT, ParseErrorKind::MissingField(name), line.len())
}

/// Reads a default-format line from `start` (its `[`); gives the values and the layout name.
pub(crate) fn read(line: &[u8], start: usize) -> Result<(Rec<'_>, &'static str), ParseError> {
    let mut rec = Rec::default();
    let body = &line[start + 1..];
    let close = memchr::memchr(b']', body).ok_or_else(|| missing("start_time", line))?;
    rec.set(Slot::StartTime, &body[..close]);
    if rec.start_time.and_then(super::rec::start_time).is_none() {
        return Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField("start_time"), start));
    }
    let mut it = Toks::new(&body[close + 1..]);
    let req = it.next().ok_or_else(|| missing("request", line))?;
    rec.request = Some(req.v);
    if !req.quoted || req.unclosed {
        return Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField("request"), start));
    }
    let code = it.next().ok_or_else(|| missing("response_code", line))?;
    rec.set(Slot::ResponseCode, code.v);
    let flags = it.next().ok_or_else(|| missing("response_flags", line))?;
    rec.set(Slot::Flags, flags.v);
    // Between the flags and %BYTES_RECEIVED% (the first bare number): the details fields
    // (bare words) and the Mixer status / transport failure reason (quoted).
    let mut bare: [&[u8]; 2] = [b"-"; 2];
    let mut quoted: [&[u8]; 2] = [b"-"; 2];
    let (mut nb, mut nq) = (0, 0);
    let received = loop {
        let t = it.next().ok_or_else(|| missing("bytes_received", line))?;
        if !t.quoted && !t.v.is_empty() && t.v.iter().all(u8::is_ascii_digit) {
            break t;
        }
        if t.quoted {
            if nq == 2 {
                return Err(ParseError::new(
                    FORMAT,
                    ParseErrorKind::InvalidField("bytes_received"),
                    0,
                ));
            }
            quoted[nq] = t.v;
            nq += 1;
        } else {
            if nb == 2 {
                return Err(ParseError::new(
                    FORMAT,
                    ParseErrorKind::InvalidField("bytes_received"),
                    0,
                ));
            }
            let v = if t.v.contains(&b'{') && !t.v.contains(&b'}') {
                it.extend_braces(t.v)
            } else {
                t.v
            };
            bare[nb] = v;
            nb += 1;
        }
    };
    let layout = if nb > 0 {
        rec.set(Slot::Details, bare[0]);
        rec.set(Slot::Termination, bare[1]);
        rec.set(Slot::Utfr, quoted[0]);
        "istio"
    } else if nq == 2 {
        rec.set(Slot::Mixer, quoted[0]);
        rec.set(Slot::Utfr, quoted[1]);
        "istio-1.5"
    } else if nq == 1 {
        rec.set(Slot::Mixer, quoted[0]);
        "istio-mixer"
    } else {
        "envoy"
    };
    rec.set(Slot::BytesReceived, received.v);
    let order = [
        Slot::BytesSent,
        Slot::Duration,
        Slot::UpstreamServiceTime,
        Slot::Xff,
        Slot::UserAgent,
        Slot::RequestId,
        Slot::Authority,
        Slot::UpstreamHost,
        Slot::Cluster,
        Slot::UpstreamLocal,
        Slot::DownstreamLocal,
        Slot::DownstreamRemote,
        Slot::Sni,
        Slot::Route,
    ];
    for (n, slot) in order.into_iter().enumerate() {
        let Some(t) = it.next() else {
            // Only the numbers up to %DURATION% are required; a cut line keeps what it has.
            if n < 2 {
                return Err(missing(slot.name(), line));
            }
            break;
        };
        rec.set(slot, t.v);
        if t.unclosed {
            rec.truncated = true;
            break;
        }
    }
    rec.trailing = it.rest();
    Ok((rec, layout))
}
