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
//! The lines of a multi-line nginx FastCGI entry come out together, once the entry's closing
//! line is read: the first line with the entry's event (its time, the context of its last
//! line), the others as continuations, each with its own number (as the engine's drivers do;
//! an entry that never closes comes out with its first line's event when the next line that
//! is not part of it, or the end of the source, is read). So a line can come out a little
//! after it was read, never out of order.
//!
//! The [`Options::filter`] is not applied here: every line comes out, and
//! [`crate::Filter::matches`] tells which events it keeps. [`Options::chunked`] and
//! [`Options::threads`] do not apply to a reader either. Without [`Options::year`],
//! year-less syslog dates take their year from the source's own dated lines, as standard input
//! does.

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use crate::logparse::{Event, Format, OwnedEvent, ParseError, ParseErrorKind, Parser};

use crate::driver::held::Held;

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
    /// of kind [`ParseErrorKind::Continuation`]).
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
    /// The lines of an open multi-line entry, read but not handed over yet.
    held: Held,
    /// While the held entry is handed over: the next of its lines, and whether its last line
    /// closed it.
    releasing: Option<(usize, bool)>,
}

/// What [`EventReader::next_line`] hands over next.
enum Next {
    /// The held line of this index; the entry was closed by its last line.
    Held(usize, bool),
    /// The line at this range of the buffer.
    Line(usize, usize),
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
            held: Held::default(),
            releasing: None,
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
        let next = loop {
            if let Some((i, closed)) = self.releasing {
                if i < self.held.len() {
                    self.releasing = Some((i + 1, closed));
                    break Next::Held(i, closed);
                }
                self.held.clear();
                self.releasing = None;
            }
            if self.pos >= self.buf.len() {
                if self.done {
                    if !self.held.is_empty() {
                        // The source ended inside an entry: it ends there.
                        self.releasing = Some((0, false));
                        continue;
                    }
                    return self.error.take().map(Err);
                }
                match self.blocks.next_into(&mut self.buf) {
                    Ok(true) => self.pos = 0,
                    Ok(false) => {
                        self.done = true;
                        continue;
                    }
                    Err(e) => {
                        self.done = true;
                        if self.held.is_empty() {
                            return Some(Err(e));
                        }
                        self.error = Some(e);
                        continue;
                    }
                }
            }
            let start = self.pos;
            let rest = &self.buf[start..];
            let (raw, used) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            let text = input::clean(raw);
            self.pos += used;
            self.line += 1;
            if !self.held.is_empty() {
                let before = self.parser.clone();
                let parsed = self.parser.parse(text);
                if matches!(&parsed, Err(e) if e.kind == ParseErrorKind::Continuation) {
                    self.held.push(self.line, text);
                    let closed = !self.parser.entry_open();
                    if closed || self.held.is_full() {
                        self.releasing = Some((0, closed));
                    }
                    continue;
                }
                // Not a line of the entry: the entry ends before it, and it is read again
                // once the entry is handed over.
                self.parser = before;
                self.pos = start;
                self.line -= 1;
                self.releasing = Some((0, false));
                continue;
            }
            if memchr::memmem::find(text, b"FastCGI sent in stderr").is_some() {
                // Perhaps the first line of an entry: find out on a copy of the parser.
                let mut trial = self.parser.clone();
                if let Ok(ev) = trial.parse(text)
                    && ev.format == Format::NginxError
                    && trial.entry_open()
                {
                    self.parser = trial;
                    self.held.push(self.line, text);
                    continue;
                }
            }
            break Next::Line(start, start + text.len());
        };
        match next {
            Next::Held(i, closed) => {
                let (held, text) = self.held.line(i);
                let parsed = if i == 0 {
                    let (first, last) = self.held.ends();
                    self.parser.entry_event(first, if closed { last } else { b"" })
                } else {
                    Err(ParseError::new(Some(Format::NginxError), ParseErrorKind::Continuation, 0))
                };
                Some(Ok(Line { number: held.line, text, parsed }))
            }
            Next::Line(from, to) => {
                let text = &self.buf[from..to];
                Some(Ok(Line { number: self.line, text, parsed: self.parser.parse(text) }))
            }
        }
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

    /// Hands over at most one byte per read.
    struct Trickle(&'static [u8]);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_fastcgi_entry_comes_out_as_one_event_with_the_context_of_its_last_line() {
        const ENTRIES: &[u8] = include_bytes!("../../../testdata/driver/fastcgi-entries.log");
        let whole: Vec<_> =
            EventReader::new(ENTRIES, &Options::default()).collect::<io::Result<_>>().unwrap();
        let trickled: Vec<_> = EventReader::live(Trickle(ENTRIES), &Options::default())
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap();
        assert_eq!(trickled, whole, "a block per line or less");
        let numbers: Vec<u64> = whole.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, (1..=15).collect::<Vec<u64>>());
        let events: Vec<(u64, Option<&[u8]>)> = whole
            .iter()
            .filter_map(|(n, r)| r.as_ref().ok().map(|ev| (*n, ev.client.as_deref())))
            .collect();
        let client = |c: &'static str| Some(c.as_bytes());
        assert_eq!(
            events,
            [
                (1, client("203.0.113.7")),
                (6, client("203.0.113.8")),
                (7, None),
                (9, client("203.0.113.9")),
                (10, client("203.0.113.10")),
                (14, None)
            ]
        );
        let first = whole[0].1.as_ref().unwrap();
        assert_eq!(first.time.unwrap().to_string(), "2024-03-14T09:44:00Z");
        assert_eq!(first.upstream.as_deref(), Some(&b"unix:/run/php/php8.2-fpm.sock"[..]));
        let continuations = whole
            .iter()
            .filter(|(_, r)| r.as_ref().is_err_and(|e| e.kind == ParseErrorKind::Continuation))
            .count();
        assert_eq!(continuations, 9);
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
