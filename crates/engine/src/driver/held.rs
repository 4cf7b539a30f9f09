//! The lines of an open multi-line nginx FastCGI entry, held until the entry closes.
//!
//! nginx writes what a FastCGI application sent to its standard error as one entry of up to
//! 2047 bytes (`NGX_MAX_ERROR_STR` - 1, `src/core/ngx_log.h`) that often spans several
//! physical lines: the first has the time and `FastCGI sent in stderr: "`, the last closes the
//! quote and carries the context (`" while reading response header from upstream, client:
//! ..., upstream: "fastcgi://..."`). The entry's event needs both: it is only complete when its
//! closing line has been read.
//!
//! So when a line gives an nginx error-log event and leaves an entry open
//! ([`Parser::entry_open`]), the reader copies it and the continuation lines that follow into a
//! [`Held`] instead of handing them on. The line that closes the entry completes the event
//! ([`Parser::entry_event`]); then the first line goes out as that event and every other line
//! as a continuation, each with its own number, in order. An entry that never closes (a line
//! that is not one of its continuations comes, the input ends, more than [`MAX_LINES`] lines)
//! goes out the same way with its first line's event unchanged. Either way the entry is one
//! event and one continuation per further line.
//!
//! What is held is bounded by nginx's entry size (the parser closes an entry at 2047 bytes)
//! and by [`MAX_LINES`]; its buffers are reused from one entry to the next.

use std::ops::Range;

use crate::logparse::Parser;

/// The most lines held for one entry; an entry longer than this goes out unchanged.
pub(crate) const MAX_LINES: usize = 512;

/// One held line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeldLine {
    /// Its line number: within the chunk being read, or within the input when `carried`.
    pub(crate) line: u64,
    /// Whether the line came from a chunk already merged (its number is then final).
    pub(crate) carried: bool,
    /// Where its bytes are in [`Held::text`].
    range: Range<usize>,
}

/// The lines of the open entry, the first one (whose event the entry's is) first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Held {
    text: Vec<u8>,
    lines: Vec<HeldLine>,
}

impl Held {
    /// Whether no entry is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Holds `text`, line `line` of the chunk.
    pub(crate) fn push(&mut self, line: u64, text: &[u8]) {
        let start = self.text.len();
        self.text.extend_from_slice(text);
        self.lines.push(HeldLine { line, carried: false, range: start..self.text.len() });
    }

    /// How many lines are held.
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// The `i`th held line and its bytes.
    pub(crate) fn line(&self, i: usize) -> (&HeldLine, &[u8]) {
        let l = &self.lines[i];
        (l, &self.text[l.range.clone()])
    }

    /// Whether the entry has reached [`MAX_LINES`] lines.
    pub(crate) fn is_full(&self) -> bool {
        self.lines.len() >= MAX_LINES
    }

    /// The held lines with their bytes, in order.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&HeldLine, &[u8])> + '_ {
        self.lines.iter().map(|l| (l, &self.text[l.range.clone()]))
    }

    /// The first line's bytes and the last line's (empty when only one is held).
    pub(crate) fn ends(&self) -> (&[u8], &[u8]) {
        let text = |l: Option<&HeldLine>| l.map_or(&b""[..], |l| &self.text[l.range.clone()]);
        let last = if self.lines.len() > 1 { self.lines.last() } else { None };
        (text(self.lines.first()), text(last))
    }

    /// Numbers the lines held from the current chunk within the input, the chunk starting
    /// after line `offset`: they are carried into the next chunk.
    pub(crate) fn carry(&mut self, offset: u64) {
        for l in self.lines.iter_mut().filter(|l| !l.carried) {
            l.line += offset;
            l.carried = true;
        }
    }

    /// Forgets the entry, keeping the buffers.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.lines.clear();
    }
}

/// A parser and the entry it holds: the state of a reading between two lines.
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    /// The parser.
    pub(crate) parser: Parser,
    /// The open entry whose lines are held.
    pub(crate) held: Held,
}

impl Reading {
    /// A reading that starts with `parser` and holds nothing.
    pub(crate) fn new(parser: Parser) -> Reading {
        Reading { parser, held: Held::default() }
    }
}
