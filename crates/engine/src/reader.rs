//! Events from any [`io::Read`]: a socket, a pipe, an object-store download, a byte slice.
//!
//! An [`EventReader`] owns its buffer: it reads the source in newline-aligned blocks (at most
//! [`input::BLOCK`] bytes plus one line, the buffer reused from block to block), cuts them into
//! lines as the engine does (a line longer than [`input::MAX_LINE`] is cut there; one trailing
//! `\r` is dropped), and parses each line with the format, zone and year of its
//! [`Options`]. Memory stays bounded whatever the size of the source.
//!
//! [`EventReader::next_line`] lends each line and its parse result without copying anything;
//! as an [`Iterator`], the reader yields owned events ([`OwnedEvent`]) for callers that keep
//! them. [`EventReader::decompressing`] recognizes gzip, zstd and bzip2 by the first bytes of
//! the source and decompresses them.
//!
//! ```
//! use engine::reader::EventReader;
//! use engine::Options;
//! use engine::logparse::Class;
//!
//! let log: &[u8] = b"2024/03/14 09:26:40 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.9.1, server: shop, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.4.21:8080/\", host: \"shop\"\nnot a log line\n";
//! let mut reader = EventReader::new(log, &Options::default());
//! let line = reader.next_line().unwrap().unwrap();
//! assert_eq!(line.number, 1);
//! assert_eq!(line.parsed.as_ref().unwrap().class, Class::ConnectRefused);
//! assert!(reader.next_line().unwrap().unwrap().parsed.is_err());
//! assert!(reader.next_line().is_none());
//!
//! // The same lines, gzip-compressed, as owned events.
//! let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
//! std::io::Write::write_all(&mut gz, log).unwrap();
//! let bytes = gz.finish().unwrap();
//! let events: Vec<_> = EventReader::decompressing(std::io::Cursor::new(bytes), &Options::default())
//!     .unwrap()
//!     .collect::<Result<Vec<_>, _>>()
//!     .unwrap();
//! assert_eq!(events.len(), 2);
//! assert_eq!(events[0].1.as_ref().unwrap().upstream.as_deref(), Some(&b"10.0.4.21:8080"[..]));
//! ```
//!
//! The [`Options::filter`] is not applied here: every line comes out, and
//! [`crate::Filter::matches`] tells which events it keeps. [`Options::chunked`] and
//! [`Options::threads`] do not apply to a reader either. Without [`Options::year`],
//! year-less syslog dates take their year from the source's own dated lines, as standard input
//! does.

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use crate::logparse::{Event, OwnedEvent, ParseError, Parser};

use crate::Options;
use crate::input::{self, Blocks, Compression};

/// One line of the source and what the parser made of it.
#[derive(Debug)]
pub struct Line<'a> {
    /// The 1-based line number.
    pub number: u64,
    /// The line's bytes, without its `\n` (and one `\r` before it), cut to
    /// [`input::MAX_LINE`] bytes.
    pub text: &'a [u8],
    /// The event, or why the line is not one (a continuation of an earlier entry is an error
    /// of kind [`ParseErrorKind::Continuation`](crate::logparse::ParseErrorKind::Continuation)).
    pub parsed: Result<Event<'a>, ParseError>,
}

/// Reads and parses the lines of a source; see the [module docs](self).
pub struct EventReader {
    blocks: Blocks<Box<dyn Read + Send>>,
    compression: Compression,
    buf: Vec<u8>,
    pos: usize,
    parser: Parser,
    line: u64,
    /// A read error met after the lines handed over last.
    error: Option<io::Error>,
    done: bool,
}

impl EventReader {
    /// A reader of plain text from `source`.
    pub fn new(source: impl Read + Send + 'static, options: &Options) -> EventReader {
        EventReader::with(Box::new(source), Compression::None, false, options)
    }

    /// A reader of `source` that decompresses it when its first bytes are those of gzip, zstd
    /// or bzip2 (every member, frame or stream of it).
    ///
    /// # Errors
    ///
    /// An error reading the first bytes, or starting the zstd decoder.
    pub fn decompressing(
        source: impl Read + Send + 'static,
        options: &Options,
    ) -> io::Result<EventReader> {
        EventReader::sniffing(source, false, options)
    }

    /// Like [`EventReader::decompressing`], for a live source (a pipe, a socket): lines are
    /// handed over as soon as they arrive instead of a block at a time.
    ///
    /// # Errors
    ///
    /// As [`EventReader::decompressing`].
    pub fn live(source: impl Read + Send + 'static, options: &Options) -> io::Result<EventReader> {
        EventReader::sniffing(source, true, options)
    }

    fn sniffing(
        source: impl Read + Send + 'static,
        live: bool,
        options: &Options,
    ) -> io::Result<EventReader> {
        let mut buffered = BufReader::with_capacity(64 * 1024, source);
        let (compression, taken) = input::sniff_stream(&mut buffered)?;
        let source: Box<dyn Read + Send> = Box::new(io::Cursor::new(taken).chain(buffered));
        Ok(EventReader::with(source, compression, live, options))
    }

    fn with(
        source: Box<dyn Read + Send>,
        compression: Compression,
        live: bool,
        options: &Options,
    ) -> EventReader {
        // Decoding starts lazily for gzip and bzip2; only zstd reads its header here, and a
        // failure there shows as the first read's error.
        let reader: Box<dyn Read + Send> =
            match input::decoder(source, compression, live, Arc::default(), Arc::default()) {
                Ok(stream) => stream.reader,
                Err(e) => Box::new(Failing(Some(e))),
            };
        EventReader {
            blocks: Blocks::new(reader, live),
            compression,
            buf: Vec::new(),
            pos: 0,
            parser: crate::driver::parser(options, options.year),
            line: 0,
            error: None,
            done: false,
        }
    }

    /// How the source is encoded.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The next line and its parse result; `None` at the end of the source.
    ///
    /// # Errors
    ///
    /// A read or decompression error, once, after the complete lines read before it (the
    /// line it cut is dropped); then `None`.
    pub fn next_line(&mut self) -> Option<io::Result<Line<'_>>> {
        if self.pos >= self.buf.len() {
            if self.done {
                return self.error.take().map(Err);
            }
            match self.blocks.next_into(&mut self.buf) {
                Ok(true) => self.pos = 0,
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        let rest = &self.buf[self.pos..];
        let (raw, used) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += used;
        self.line += 1;
        let text = input::clean(raw);
        Some(Ok(Line { number: self.line, text, parsed: self.parser.parse(text) }))
    }
}

/// Yields every line as its number and an owned event (or why it is not one); a read error
/// ends the iteration after it is yielded.
impl Iterator for EventReader {
    type Item = io::Result<(u64, Result<OwnedEvent, ParseError>)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_line().map(|r| r.map(|l| (l.number, l.parsed.map(|ev| ev.to_owned()))))
    }
}

/// A reader whose first read returns the error a decoder could not start with.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| io::Error::other("the decoder could not start")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = include_bytes!("../../../testdata/nginx-error/sample.log");

    #[test]
    fn every_line_comes_out_once_in_order_whatever_the_encoding() {
        let plain: Vec<_> =
            EventReader::new(SAMPLE, &Options::default()).collect::<io::Result<_>>().unwrap();
        assert_eq!(plain.len(), SAMPLE.iter().filter(|&&b| b == b'\n').count());
        assert!(plain.iter().enumerate().all(|(i, (n, _))| *n == i as u64 + 1));
        let zst = zstd::encode_all(SAMPLE, 3).unwrap();
        let r = EventReader::decompressing(io::Cursor::new(zst), &Options::default()).unwrap();
        assert_eq!(r.compression(), Compression::Zstd);
        let unzipped: Vec<_> = r.collect::<io::Result<_>>().unwrap();
        assert_eq!(unzipped, plain);
        let r = EventReader::live(SAMPLE, &Options::default()).unwrap();
        assert_eq!(r.compression(), Compression::None);
        assert_eq!(r.collect::<io::Result<Vec<_>>>().unwrap(), plain);
    }

    #[test]
    fn a_truncated_gzip_gives_its_complete_lines_then_one_error() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, SAMPLE).unwrap();
        let bytes = gz.finish().unwrap();
        let cut = bytes[..bytes.len() / 2].to_vec();
        let mut r = EventReader::decompressing(io::Cursor::new(cut), &Options::default()).unwrap();
        let mut lines = 0;
        let mut errors = 0;
        while let Some(item) = r.next_line() {
            match item {
                Ok(l) => {
                    assert_eq!(l.number, lines + 1);
                    lines += 1;
                }
                Err(_) => errors += 1,
            }
        }
        assert_eq!(errors, 1);
        assert!(lines < 65, "{lines} lines of a cut file");
    }
}
