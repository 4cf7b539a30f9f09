//! Opening inputs and reading them line by line.
//!
//! Lines are bytes: nothing here requires UTF-8. A line ends at `\n`; one `\r` before it (CRLF
//! files) is removed; a last line without a terminator is still a line. One buffer is reused
//! for every line, so memory stays bounded whatever the input's size, standard input included.
//! A line longer than [`MAX_LINE`] bytes is cut there (the rest of it, up to its `\n`, is read
//! and dropped): it still counts as one line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use anyhow::{Result, bail};

use crate::config::Input;

/// The longest line kept, in bytes. Proxy log lines are a few kilobytes at most (nginx cuts
/// error-log lines at 2048 bytes); the cap keeps a file without newlines from filling memory.
pub const MAX_LINE: usize = 1 << 20;

/// The read buffer size.
const BUFFER: usize = 64 * 1024;

/// Opens an input. The error names the input and says what to check.
pub fn open(input: &Input) -> Result<LineReader<Box<dyn BufRead>>> {
    let Some(path) = &input.path else {
        let stdin: Box<dyn BufRead> = Box::new(BufReader::with_capacity(BUFFER, io::stdin()));
        return Ok(LineReader::new(stdin));
    };
    let name = &input.name;
    let advice = |e: &io::Error| match e.kind() {
        io::ErrorKind::NotFound => "check the path",
        io::ErrorKind::PermissionDenied => {
            "check its permissions, or run as a user who can read it"
        }
        _ => "check that it is a readable file",
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => bail!(
            "{name}: is a directory; gatelog does not read directories (yet): \
             pass the log files inside it, e.g. {name}/*.log"
        ),
        Ok(_) => {}
        Err(e) => bail!("{name}: {e} ({})", advice(&e)),
    }
    match File::open(path) {
        Ok(f) => Ok(LineReader::new(Box::new(BufReader::with_capacity(BUFFER, f)))),
        Err(e) => bail!("{name}: {e} ({})", advice(&e)),
    }
}

/// Reads lines into one reusable buffer.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R) -> LineReader<R> {
        LineReader { inner, buf: Vec::with_capacity(4096) }
    }

    /// The next line without its terminator, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        self.buf.clear();
        let n = (&mut self.inner).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        } else if self.buf.len() > MAX_LINE {
            self.buf.truncate(MAX_LINE);
            self.skip_rest_of_line()?;
        }
        Ok(Some(&self.buf))
    }

    /// Drops input up to and including the next `\n`.
    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'\n', chunk) {
                Some(i) => {
                    self.inner.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = chunk.len();
                    self.inner.consume(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Vec<Vec<u8>> {
        let mut r = LineReader::new(BufReader::with_capacity(16, data));
        let mut v = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            v.push(l.to_vec());
        }
        v
    }

    #[test]
    fn crlf_empty_lines_and_missing_final_newline() {
        let got = lines(b"a\r\n\nb\r\r\n\xff\x00c");
        assert_eq!(got, [&b"a"[..], b"", b"b\r", b"\xff\x00c"]);
        assert_eq!(lines(b""), Vec::<Vec<u8>>::new());
        assert_eq!(lines(b"\n"), [b""]);
    }

    #[test]
    fn overlong_lines_are_cut_and_still_count_once() {
        let mut data = vec![b'x'; MAX_LINE + 10];
        data.extend_from_slice(b"\nnext\n");
        data.extend(vec![b'y'; MAX_LINE + 1]);
        let got = lines(&data);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1], b"next");
        assert_eq!(got[2].len(), MAX_LINE);
        // A line of exactly MAX_LINE bytes plus its newline is kept whole.
        let mut data = vec![b'z'; MAX_LINE];
        data.extend_from_slice(b"\nend");
        assert_eq!(lines(&data).iter().map(Vec::len).collect::<Vec<_>>(), [MAX_LINE, 3]);
    }

    #[test]
    fn missing_file_and_directory_errors_name_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.log");
        let input = |p: &std::path::Path| Input {
            path: Some(p.to_path_buf()),
            name: p.display().to_string(),
        };
        let err = format!("{:#}", open(&input(&missing)).err().unwrap());
        assert!(err.starts_with(&missing.display().to_string()) && err.contains("check the path"));
        let err = format!("{:#}", open(&input(dir.path())).err().unwrap());
        assert!(err.contains("is a directory"), "{err}");
    }
}
