//! Splitting a buffer into lines without copying.

/// An iterator over the lines of a byte buffer.
///
/// Lines end at `\n`; a `\r` before it (CRLF files) is not part of the line. A last line
/// without a terminator is still yielded; a buffer that ends with `\n` yields no empty line
/// after it.
///
/// ```
/// let mut lines = logparse::lines::Lines::new(b"one\r\ntwo\nthree");
/// assert_eq!(lines.next(), Some(&b"one"[..]));
/// assert_eq!(lines.next(), Some(&b"two"[..]));
/// assert_eq!(lines.next(), Some(&b"three"[..]));
/// assert_eq!(lines.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Lines<'a> {
    /// Lines of `buf`.
    pub fn new(buf: &'a [u8]) -> Lines<'a> {
        Lines { rest: buf }
    }

    /// The bytes not yet yielded.
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &b""[..]),
        };
        self.rest = rest;
        Some(strip_cr(line))
    }
}

/// `line` without one trailing `\r`.
#[inline]
pub fn strip_cr(line: &[u8]) -> &[u8] {
    match line {
        [head @ .., b'\r'] => head,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_newlines() {
        let buf = b"a\n\nb\r\n";
        let v: Vec<&[u8]> = Lines::new(buf).collect();
        assert_eq!(v, vec![&b"a"[..], b"", b"b"]);
        assert_eq!(Lines::new(b"").count(), 0);
        assert_eq!(Lines::new(b"\n").count(), 1);
        assert_eq!(Lines::new(b"x").count(), 1);
    }
}
