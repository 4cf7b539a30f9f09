//! Why a line is not an event.

use std::fmt;

use crate::format::Format;

/// Why a line could not be read as an event: small, `Copy`, and without allocation.
///
/// `offset` is the byte offset in the line where the parser gave up (0 when the line as a whole
/// was not recognized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The format the parser tried, or `None` when no format was recognized at all.
    pub format: Option<Format>,
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// The byte offset in the line where the problem was found.
    pub offset: usize,
}

/// What was wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line is empty or only white space.
    Empty,
    /// The line has neither this format's header nor a message this format is known to write.
    NotRecognized,
    /// A required field is missing (the line ends too early).
    MissingField(&'static str),
    /// A field is present but its value is not valid.
    InvalidField(&'static str),
    /// A line of a related kind that is deliberately not read as an event (for example an ALB
    /// connection-log line among access-log lines); the text says which kind.
    Skipped(&'static str),
    /// The line continues the entry on an earlier line (a multi-line nginx `FastCGI sent in
    /// stderr` entry): it belongs to that entry and is not an event of its own.
    Continuation,
}

impl ParseError {
    /// A new error.
    pub const fn new(format: Option<Format>, kind: ParseErrorKind, offset: usize) -> ParseError {
        ParseError { format, kind, offset }
    }

    /// A short stable name of the error kind, for counting reasons in summaries.
    pub const fn reason(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Empty => "empty line",
            ParseErrorKind::NotRecognized => "not recognized",
            ParseErrorKind::MissingField(_) => "missing field",
            ParseErrorKind::InvalidField(_) => "invalid field",
            ParseErrorKind::Skipped(_) => "skipped",
            ParseErrorKind::Continuation => "continuation",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Empty => f.write_str("empty line"),
            ParseErrorKind::NotRecognized => {
                f.write_str("not a line of this format (no header and no known message)")
            }
            ParseErrorKind::MissingField(name) => write!(f, "missing field `{name}`"),
            ParseErrorKind::InvalidField(name) => write!(f, "invalid field `{name}`"),
            ParseErrorKind::Skipped(what) => write!(f, "skipped: {what}"),
            ParseErrorKind::Continuation => f.write_str("continuation of the previous entry"),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            Some(format) => write!(f, "{format}: {} at byte {}", self.kind, self.offset),
            None => write!(f, "no known format: {} at byte {}", self.kind, self.offset),
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_format_kind_and_offset() {
        let e =
            ParseError::new(Some(Format::NginxError), ParseErrorKind::InvalidField("timestamp"), 3);
        assert_eq!(e.to_string(), "nginx-error: invalid field `timestamp` at byte 3");
        let e = ParseError::new(None, ParseErrorKind::Empty, 0);
        assert_eq!(e.to_string(), "no known format: empty line at byte 0");
        assert_eq!(e.reason(), "empty line");
    }
}
