//! Inputs that are mostly not read: a format that does not describe the lines.
//!
//! A wrong `--nginx-log-format`, or a fixed format that is not the input's, leaves most lines
//! unparsed; the counts show it, but not why. The engine looks at the first
//! [`MISREAD_LINES`] lines of each input (all of a shorter one) and, when more than half of
//! them were not read, reports once, through [`crate::Engine::on_misread`], a [`Misread`]: how
//! many lines, which variable or field the errors named most, and what the lines look like
//! instead (a format gatelog reads without configuration, or another format it detects).
//! Empty lines, continuation lines of multi-line entries and lines a format deliberately skips
//! do not count. Inputs whose unread lines give no hint (no error names a field, no line looks
//! like a known format: a text file among the logs) are not reported; their counts say enough.

use crate::logparse::{self, Format, ParseError, ParseErrorKind};

/// How many lines of an input are looked at.
pub const MISREAD_LINES: u64 = 1000;

/// What the lines of a misread input look like instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LooksLike {
    /// An nginx access-log format read without configuration (`combined`, `main`,
    /// `main_upstream`, `upstreaminfo`; see `logparse::nginx::access::preset_of`).
    NginxPreset(&'static str),
    /// A line of this format, by detection (`logparse::detect::detect_line`).
    Format(Format),
}

/// An input most of whose first lines were not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misread {
    /// The input's name.
    pub input: String,
    /// The lines looked at: at most [`MISREAD_LINES`], without empty, continuation and
    /// skipped lines.
    pub lines: u64,
    /// Of them, the lines that were not read.
    pub unparsed: u64,
    /// The format whose parser gave most of the errors.
    pub format: Option<Format>,
    /// The field or variable the errors named most (`$upstream_addr`), with how many errors
    /// named it.
    pub field: Option<(&'static str, u64)>,
    /// What most of the unread lines look like instead, with how many do.
    pub looks_like: Option<(LooksLike, u64)>,
}

/// Counts kept while an input's first lines are read.
#[derive(Debug, Default)]
pub(crate) struct Sniff {
    lines: u64,
    unparsed: u64,
    formats: Vec<(Option<Format>, u64)>,
    fields: Vec<(&'static str, u64)>,
    looks: Vec<(LooksLike, u64)>,
    reported: bool,
}

fn bump<K: PartialEq>(counts: &mut Vec<(K, u64)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key, 1)),
    }
}

/// The key counted most; the first one seen among equals.
fn most<K: Copy>(counts: &[(K, u64)]) -> Option<(K, u64)> {
    counts.iter().fold(None, |best, &(k, n)| match best {
        Some((_, m)) if m >= n => best,
        _ => Some((k, n)),
    })
}

impl Sniff {
    /// Whether enough lines were seen.
    pub(crate) fn is_full(&self) -> bool {
        self.lines >= MISREAD_LINES
    }

    /// Counts one line, `text`, read with `error` (`None` for an event).
    pub(crate) fn push(&mut self, text: &[u8], error: Option<&ParseError>) {
        if self.is_full() {
            return;
        }
        let Some(e) = error else {
            self.lines += 1;
            return;
        };
        let field = match e.kind {
            ParseErrorKind::Empty | ParseErrorKind::Continuation | ParseErrorKind::Skipped(_) => {
                return;
            }
            ParseErrorKind::MissingField(f) | ParseErrorKind::InvalidField(f) => Some(f),
            _ => None,
        };
        self.lines += 1;
        self.unparsed += 1;
        bump(&mut self.formats, e.format);
        if let Some(f) = field {
            bump(&mut self.fields, f);
        }
        let looks = logparse::nginx::access::preset_of(text)
            .map(LooksLike::NginxPreset)
            .or_else(|| logparse::detect::detect_line(text).map(LooksLike::Format));
        if let Some(l) = looks {
            bump(&mut self.looks, l);
        }
    }

    /// The report on `input`, once: `Some` the first time it is asked for when more than half
    /// of the lines seen were not read and something hints at why (an error named a field, or
    /// a line looks like a known format).
    pub(crate) fn verdict(&mut self, input: &str) -> Option<Misread> {
        let cause = !self.fields.is_empty() || !self.looks.is_empty();
        if self.reported || !cause || self.lines == 0 || self.unparsed * 2 <= self.lines {
            return None;
        }
        self.reported = true;
        Some(Misread {
            input: input.to_owned(),
            lines: self.lines,
            unparsed: self.unparsed,
            format: most(&self.formats).and_then(|(f, _)| f),
            field: most(&self.fields),
            looks_like: most(&self.looks),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ParseErrorKind) -> ParseError {
        ParseError::new(Some(Format::NginxAccess), kind, 0)
    }

    #[test]
    fn more_than_half_unread_is_reported_once() {
        let combined =
            b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"";
        let mut s = Sniff::default();
        s.push(b"x", None);
        s.push(combined, Some(&err(ParseErrorKind::InvalidField("$upstream_addr"))));
        s.push(b"", Some(&err(ParseErrorKind::Empty)));
        assert_eq!(s.verdict("a.log"), None, "one of two is not more than half");
        s.push(combined, Some(&err(ParseErrorKind::InvalidField("$upstream_addr"))));
        s.push(b"junk", Some(&err(ParseErrorKind::MissingField("$status"))));
        let m = s.verdict("a.log").unwrap();
        assert_eq!((m.lines, m.unparsed), (4, 3));
        assert_eq!(m.format, Some(Format::NginxAccess));
        assert_eq!(m.field, Some(("$upstream_addr", 2)));
        assert_eq!(m.looks_like, Some((LooksLike::NginxPreset("combined"), 2)));
        assert_eq!(s.verdict("a.log"), None, "once");
    }

    #[test]
    fn only_the_first_lines_count() {
        let mut s = Sniff::default();
        for _ in 0..MISREAD_LINES {
            s.push(b"x", None);
        }
        assert!(s.is_full());
        for _ in 0..5000 {
            s.push(b"x", Some(&err(ParseErrorKind::NotRecognized)));
        }
        assert_eq!(s.verdict("a.log"), None);
    }

    #[test]
    fn unread_lines_without_a_hint_are_not_reported() {
        let mut s = Sniff::default();
        s.push(b"not a log", Some(&ParseError::new(None, ParseErrorKind::NotRecognized, 0)));
        assert_eq!(s.verdict("notes.txt"), None);
    }
}
