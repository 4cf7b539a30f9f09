use std::io::{Cursor, Write};

use super::*;

#[test]
fn compression_is_told_by_magic_bytes() {
    assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Some(Compression::Gzip));
    assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Some(Compression::Zstd));
    assert_eq!(Compression::sniff(b"BZh9"), Some(Compression::Bzip2));
    assert_eq!(Compression::sniff(b"BZhX"), Some(Compression::None));
    assert_eq!(Compression::sniff(b"2024/"), Some(Compression::None));
    // Too short to tell: could still become a magic number.
    assert_eq!(Compression::sniff(&[0x28, 0xb5]), None);
    assert_eq!(Compression::sniff(b""), None);
}

fn blocks(data: &[u8], live: bool) -> Vec<Vec<u8>> {
    let mut b = Blocks::new(Cursor::new(data.to_vec()), live);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while b.next_into(&mut buf).unwrap() {
        out.push(buf.clone());
    }
    out
}

/// The lines of blocks, as the driver cuts them.
fn lines_of(blocks: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for b in blocks {
        let mut rest = &b[..];
        while !rest.is_empty() {
            let (raw, next) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &b""[..]),
            };
            lines.push(clean(raw).to_vec());
            rest = next;
        }
    }
    lines
}

#[test]
fn blocks_hold_whole_lines_and_cut_overlong_ones() {
    let mut data = Vec::new();
    for i in 0..200_000 {
        data.extend_from_slice(format!("line {i}\r\n").as_bytes());
    }
    data.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
    data.extend_from_slice(b"\r\nnext\n\nlast");
    let got = blocks(&data, false);
    assert!(got.len() >= 2, "{} blocks", got.len());
    for b in &got[..got.len() - 1] {
        assert!(b.ends_with(b"\n") && b.len() <= BLOCK + MAX_LINE + 1);
    }
    let lines = lines_of(&got);
    assert_eq!(lines.len(), 200_000 + 4);
    assert_eq!(lines[7], b"line 7");
    assert_eq!(lines[200_000].len(), MAX_LINE);
    assert_eq!(&lines[200_001..], [&b"next"[..], b"", b"last"]);
    // The same lines as the mapped path, which cuts the whole buffer.
    assert_eq!(lines, lines_of(&[data]));
}

/// Hands over its data a few bytes at a time, like a pipe whose writer pauses.
struct Trickle(Vec<u8>, usize);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().saturating_sub(self.1).min(7).min(buf.len());
        buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
        self.1 += n;
        Ok(n)
    }
}

#[test]
fn a_live_stream_hands_lines_over_as_they_arrive() {
    let data = b"first line\nsecond line\nthird".to_vec();
    let mut b = Blocks::new(Trickle(data.clone(), 0), true);
    let mut buf = Vec::new();
    assert!(b.next_into(&mut buf).unwrap());
    assert_eq!(buf, b"first line\n", "without waiting for a full block");
    let mut rest = Vec::new();
    while b.next_into(&mut buf).unwrap() {
        rest.extend_from_slice(&buf);
    }
    assert_eq!(rest, b"second line\nthird");
    // A file is handed over in full blocks.
    assert_eq!(blocks(&data, false), [data]);
}

/// Fails after its data, like a truncated archive.
struct Failing(Cursor<Vec<u8>>);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut short")),
            n => Ok(n),
        }
    }
}

#[test]
fn after_a_read_error_the_complete_lines_come_first() {
    let mut b = Blocks::new(Failing(Cursor::new(b"one\ntwo\nthr".to_vec())), false);
    let mut buf = Vec::new();
    assert!(b.next_into(&mut buf).unwrap());
    assert_eq!(buf, b"one\ntwo\n");
    let err = b.next_into(&mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(b.bytes_read(), 11);
    let mut b = Blocks::new(Failing(Cursor::new(b"partial".to_vec())), false);
    assert!(b.next_into(&mut buf).is_err());
}

#[test]
fn chunks_cover_the_data_and_start_at_recognized_lines() {
    let header =
        b"2024/01/01 00:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream\n";
    let mut data = Vec::new();
    for i in 0..3000 {
        if i % 10 == 0 {
            data.extend_from_slice(header);
        } else {
            data.extend_from_slice(b"a line that no format recognizes\n");
        }
    }
    let ranges = chunks(&data, 4096);
    assert!(ranges.len() > 10);
    assert_eq!(ranges.first().unwrap().start, 0);
    assert_eq!(ranges.last().unwrap().end, data.len());
    for w in ranges.windows(2) {
        assert_eq!(w[0].end, w[1].start);
        assert!(data[w[1].start..].starts_with(header));
    }
    // Without recognized lines, cuts fall at line starts.
    let plain = b"x\n".repeat(10_000);
    for w in chunks(&plain, 1000).windows(2) {
        assert_eq!(plain[w[0].end - 1], b'\n');
    }
    assert!(chunks(b"", 10).is_empty());
    assert_eq!(chunks(b"no newline at all", 3), vec![(0..17)]);
}

#[test]
fn missing_file_and_directory_errors_name_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.log");
    let input =
        |p: &std::path::Path| Input { path: Some(p.to_path_buf()), name: p.display().to_string() };
    let bar: Progress = Arc::new(|_| {});
    let err = format!("{:#}", open(&input(&missing), true, &bar).err().unwrap());
    assert!(err.starts_with(&missing.display().to_string()) && err.contains("check the path"));
    let err = format!("{:#}", open(&input(dir.path()), true, &bar).err().unwrap());
    assert!(err.contains("is a directory"), "{err}");
}

#[test]
fn a_line_longer_than_several_blocks_is_one_cut_line() {
    let mut data = b"first\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 3 * BLOCK + 7));
    data.extend_from_slice(b"\r\nnext\n");
    let lines = lines_of(&blocks(&data, false));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1].len(), MAX_LINE);
    assert_eq!(lines[2], b"next");
}

fn collect_blocks<R: Read>(mut b: Blocks<R>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while b.next_into(&mut buf).unwrap() {
        out.push(buf.clone());
    }
    out
}

#[test]
fn aligned_blocks_start_at_recognized_lines_and_hold_the_same_lines() {
    let header =
        b"2024/01/01 00:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream\n";
    let mut data = Vec::new();
    for i in 0..3000 {
        if i % 10 == 0 {
            data.extend_from_slice(header);
        } else {
            data.extend_from_slice(b"a line that no format recognizes\n");
        }
    }
    let got = collect_blocks(Blocks::aligned(Cursor::new(data.clone()), 4096));
    assert!(got.len() > 10, "{} blocks", got.len());
    assert_eq!(got.concat(), data);
    for b in &got[1..] {
        assert!(b.starts_with(header));
    }
    for b in &got[..got.len() - 1] {
        assert!(b.len() >= 4096 && b.len() < 4096 + LOOK, "{}", b.len());
    }
    // Overlong lines, CRLF and a last line without a newline: the lines of plain blocks.
    data.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
    data.extend_from_slice(b"\r\nnext\n");
    data.extend(std::iter::repeat_n(b'y', 3 * MAX_LINE));
    data.extend_from_slice(b"\nlast");
    let aligned = collect_blocks(Blocks::aligned(Cursor::new(data.clone()), 4096));
    assert_eq!(lines_of(&aligned), lines_of(&blocks(&data, false)));
}

fn opened_stream(input: &Input, chunked: bool) -> Stream {
    let bar: Progress = Arc::new(|_| {});
    match open(input, chunked, &bar).unwrap().source {
        Source::Chunks(s) | Source::Stream(s) => s,
    }
}

#[test]
fn a_file_is_read_up_to_its_size_at_open_and_ending_early_is_a_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log");
    let data = b"one\ntwo\nthree\n".repeat(10_000);
    std::fs::write(&p, &data).unwrap();
    let input = Input::path(&p);
    let bar: Progress = Arc::new(|_| {});
    assert!(matches!(open(&input, true, &bar).unwrap().source, Source::Chunks(_)));
    assert!(matches!(open(&input, false, &bar).unwrap().source, Source::Stream(_)));

    // Bytes appended after the open are not read.
    let mut s = opened_stream(&input, true);
    std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"late\n").unwrap();
    let mut got = Vec::new();
    s.reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, data);
    assert_eq!(s.truncation.get(), None);
    assert_eq!(s.raw_read.load(Ordering::Relaxed), data.len() as u64);

    // A file cut after the open ends early, with both sizes on record.
    let size = data.len() as u64 + 5;
    let mut s = opened_stream(&input, false);
    File::options().write(true).open(&p).unwrap().set_len(1000).unwrap();
    let mut got = Vec::new();
    let err = s.reader.read_to_end(&mut got).unwrap_err();
    assert_eq!(got, &data[..1000]);
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(s.truncation.get(), Some(&Truncation { size, read: 1000 }));
    assert_eq!(
        err.to_string(),
        format!("truncated while it was read: {size} bytes when opened, 1000 bytes read")
    );

    // Cut below the 4 bytes read to tell the compression: nothing more comes.
    let mut s = opened_stream(&input, false);
    File::options().write(true).open(&p).unwrap().set_len(0).unwrap();
    let mut got = Vec::new();
    assert!(s.reader.read_to_end(&mut got).is_err());
    assert_eq!(got, b"one\n");
    assert_eq!(s.truncation.get(), Some(&Truncation { size: 1000, read: 4 }));
}

#[test]
fn a_truncated_compressed_file_keeps_the_truncation_on_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log.gz");
    // Bytes that do not compress well, so that the file outgrows the decoder's buffer.
    let mut text = Vec::new();
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    while text.len() < 1 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.extend_from_slice(format!("{x:x}\n").as_bytes());
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(&p, &gz).unwrap();
    let mut s = opened_stream(&Input::path(&p), true);
    assert_eq!(s.compression, Compression::Gzip);
    File::options().write(true).open(&p).unwrap().set_len(gz.len() as u64 / 2).unwrap();
    let mut got = Vec::new();
    assert!(s.reader.read_to_end(&mut got).is_err());
    assert!(!got.is_empty() && text.starts_with(&got));
    let t = Truncation { size: gz.len() as u64, read: gz.len() as u64 / 2 };
    assert_eq!(s.truncation.get(), Some(&t));
}
