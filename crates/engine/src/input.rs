//! Opening inputs: files and streams, decompression, and cutting bytes into lines.
//!
//! An input is read one of two ways, chosen in [`open`]:
//!
//! - [`Source::Chunks`]: a plain regular file of at least 64 KiB. The driver reads it in
//!   newline-aligned chunks of about [`CHUNK`] bytes ([`Blocks::aligned`]) into buffers it
//!   reuses, and worker threads parse the chunks in parallel.
//! - [`Source::Stream`]: standard input, pipes, compressed files, small plain files, and plain
//!   files the caller wants parsed in order. A [`Blocks`] reader hands the stream over in
//!   newline-aligned blocks of at most [`BLOCK`] bytes (plus one line), reusing its buffers.
//!
//! Either way memory stays bounded whatever the input's size.
//!
//! Compression is recognized by the first bytes of the content, never by the file name:
//! gzip (`1f 8b`, every member of a multi-member file), zstd (`28 b5 2f fd`, every frame) and
//! bzip2 (`BZh1`..`BZh9`, every stream). A zero-byte file is an empty plain file.
//!
//! Lines are bytes: nothing here requires UTF-8. A line ends at `\n`; a last line without one
//! is still a line. A line longer than [`MAX_LINE`] bytes is cut there (the rest of it, up to
//! its `\n`, is dropped) and still counts as one line; then one trailing `\r` (CRLF files) is
//! removed. Both ways of reading give the same lines.
//!
//! # A file is read up to its size at open
//!
//! A regular file is read from its start up to the size it had when [`open`] opened it, and
//! no further: a log that is still written to is read as it stood then. Following a growing
//! log is done on a stream (`tail -F error.log | gatelog summary --follow`). A file that ends
//! before that size was truncated in place while it was read (logrotate's `copytruncate`, the
//! rotation of container logs): reading stops with an error, the [`Truncation`] is recorded
//! in [`Stream::truncation`] with both sizes, and the complete lines read before it are kept.
//! Compressed files are bounded the same way, before decompression. Pipes, FIFOs, character
//! devices and standard input have no size: they are read to their end.
//!
//! A truncation is only seen as a read that comes up short. A file truncated and then written
//! past the point already read, between two reads, hands over the new bytes as if they were
//! the old ones; no reader can tell the difference.
//!
//! # Why files are not mapped in memory
//!
//! A memory map would hand the parser the file's bytes without a copy, but reading a page of
//! a map past the end of a file that shrank raises SIGBUS, which kills the process without a
//! message. Nothing asked of the kernel when mapping prevents it: a truncation removes the
//! file's pages past the new end from every map of it (a private map keeps only the pages it
//! wrote to), and a lease that would hold the truncation back cannot be taken on a file
//! another process has open for writing. Short of a signal handler, a map of a file that
//! others write cannot be made safe. So every file is read with `read(2)`, into buffers that
//! are reused from chunk to chunk: the copy out of the page cache costs little next to the
//! parsing (measured in `benches/README.md`), and the worst a truncation can do is end that
//! file's reading early, with a message.
//!
//! # Testing hook
//!
//! With `GATELOG_TEST_PAUSE=BYTES:DIR` in the environment, the reading of every regular file
//! stops once its first BYTES bytes were read, creates `DIR/paused`, and goes on once
//! `DIR/resume` exists (or after a minute): a test can then truncate or extend the file at a
//! known point of its reading instead of racing the reader.

use crate::logparse;
pub mod follow;
pub mod paths;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::Problem;

/// One input: a file, or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The file, `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name shown in output and messages: the path as given (bytes that are not UTF-8 as
    /// `\xNN`), or `-` for standard input.
    pub name: String,
}

impl Input {
    /// The file at `path`, named as given.
    pub fn path(path: impl Into<PathBuf>) -> Input {
        let path = path.into();
        let name = logparse::text(path.as_os_str().as_encoded_bytes()).to_string();
        Input { path: Some(path), name }
    }

    /// Standard input, named `-`.
    pub fn stdin() -> Input {
        Input { path: None, name: "-".into() }
    }

    /// The input a command-line argument names: `-` is standard input, anything else a path.
    pub fn from_arg(arg: impl Into<std::ffi::OsString>) -> Input {
        let arg = arg.into();
        if arg == "-" { Input::stdin() } else { Input::path(arg) }
    }
}

/// Called with the number of bytes read from files, as they are read (for a progress bar).
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// The sum of the sizes of the regular files among `inputs`, in bytes, and whether every input
/// is a file (not standard input): what a progress bar needs to show a total.
pub fn total_size(inputs: &[Input]) -> (u64, bool) {
    let total = inputs
        .iter()
        .filter_map(|i| i.path.as_ref())
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    (total, inputs.iter().all(|i| i.path.is_some()))
}

/// The longest line kept, in bytes. Proxy log lines are a few kilobytes at most (nginx cuts
/// error-log lines at 2048 bytes); the cap keeps a file without newlines from filling memory.
pub const MAX_LINE: usize = 1 << 20;

/// The size of the blocks a stream is handed over in.
pub const BLOCK: usize = 1 << 20;

/// The size of the chunks a plain file is cut into for the worker threads, in bytes.
pub const CHUNK: usize = 2 << 20;

/// Plain files smaller than this, in bytes, are parsed in order as a stream: one chunk would
/// hold them whole.
const MIN_CHUNKED: u64 = 64 * 1024;

/// How far past the nominal end of a chunk a line with a header of its own is looked for, in
/// bytes (see [`chunks`]).
const LOOK: usize = 64 * 1024;

/// How the content of an input is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip, possibly several members.
    Gzip,
    /// zstd, possibly several frames.
    Zstd,
    /// bzip2, possibly several streams.
    Bzip2,
}

impl Compression {
    /// The compression that content starting with `head` is in. `head` needs 4 bytes to tell
    /// zstd apart; fewer bytes that could still start a magic number give `None`.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        const MAGIC: [(&[u8], Compression); 3] = [
            (&[0x1f, 0x8b], Compression::Gzip),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
            (b"BZh", Compression::Bzip2),
        ];
        for (magic, kind) in MAGIC {
            if head.starts_with(magic) {
                if kind == Compression::Bzip2 {
                    return match head.get(3) {
                        Some(b'1'..=b'9') => Some(kind),
                        Some(_) => Some(Compression::None),
                        None => None,
                    };
                }
                return Some(kind);
            }
            if magic.starts_with(head) {
                return None;
            }
        }
        Some(Compression::None)
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// An opened input.
pub enum Source {
    /// A plain regular file of at least 64 KiB, to be read in chunks ([`Blocks::aligned`])
    /// that threads parse in parallel.
    Chunks(Stream),
    /// Bytes to be parsed in order, with one parser.
    Stream(Stream),
}

/// A stream of (decompressed) bytes.
pub struct Stream {
    /// The decompressed content. For a regular file it ends at the file's size when opened.
    pub reader: Box<dyn Read + Send>,
    /// How the content was encoded.
    pub compression: Compression,
    /// Whether lines should be handed over as soon as they arrive (standard input, pipes).
    pub live: bool,
    /// The bytes read from the underlying file so far (before decompression).
    pub raw_read: Arc<AtomicU64>,
    /// Set when the file ended before its size at open: it was truncated while read. The
    /// reader then fails with that [`Truncation`] as its error (a decoder may wrap it).
    pub truncation: Arc<OnceLock<Truncation>>,
}

/// What is known about an opened input besides its content.
pub struct Opened {
    /// The content.
    pub source: Source,
    /// The size in bytes of a regular file when it was opened: where its reading stops.
    pub size: Option<u64>,
    /// The modification time (seconds since the epoch), for files.
    pub mtime: Option<i64>,
}

/// A regular file that ended before the size it had when it was opened: it was truncated in
/// place (or shrank otherwise) while it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// The file's size when it was opened, in bytes.
    pub size: u64,
    /// How many bytes, from its start, could be read before it ended.
    pub read: u64,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "truncated while it was read: {} bytes when opened, {} bytes read",
            self.size, self.read
        )
    }
}

impl std::error::Error for Truncation {}

/// Counts the bytes read through it, for progress and error messages.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
    progress: Progress,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// A file read up to its size when opened, no further; ending before it is a [`Truncation`].
struct Bounded {
    file: File,
    /// The size when opened, in bytes; `None` for files without one (FIFOs, devices), which
    /// are read to their end.
    size: Option<u64>,
    /// Bytes read from the start of the file, including those read before this took over.
    read: u64,
    truncation: Arc<OnceLock<Truncation>>,
    pause: Option<Pause>,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut want = buf.len();
        if let Some(size) = self.size {
            let left = size.saturating_sub(self.read);
            want = want.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        if want == 0 {
            return Ok(0);
        }
        if let Some(pause) = &self.pause {
            if self.read >= pause.at {
                pause.wait();
                self.pause = None;
            } else {
                want = want.min(usize::try_from(pause.at - self.read).unwrap_or(usize::MAX));
            }
        }
        let n = self.file.read(&mut buf[..want])?;
        if n == 0 {
            if let Some(size) = self.size {
                let t = Truncation { size, read: self.read };
                let _ = self.truncation.set(t);
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, t));
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The testing hook of the module docs: reading pauses once `at` bytes of a file were read.
struct Pause {
    at: u64,
    dir: PathBuf,
}

impl Pause {
    /// The name of the environment variable that sets the hook.
    const VAR: &'static str = "GATELOG_TEST_PAUSE";

    /// The pause `GATELOG_TEST_PAUSE=BYTES:DIR` asks for, if it is set and well formed.
    fn from_env() -> Option<Pause> {
        let value = std::env::var_os(Pause::VAR)?;
        let (at, dir) = value.to_str()?.split_once(':')?;
        Some(Pause { at: at.parse().ok()?, dir: dir.into() })
    }

    /// Says it is paused, and waits for the word to go on (at most a minute).
    fn wait(&self) {
        let _ = File::create(self.dir.join("paused"));
        let resume = self.dir.join("resume");
        let start = Instant::now();
        while !resume.exists() && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Opens an input: standard input, or a file, decompressed when its content is compressed.
/// A plain regular file of at least 64 KiB is a [`Source::Chunks`] when `chunked` is set;
/// everything else is a [`Source::Stream`]. Bytes read from files are passed to `progress`.
///
/// A regular file is read up to the size it has now, when it is opened (see the module docs).
///
/// # Errors
///
/// A [`Problem`] naming the input and saying what to check: it does not exist, is a directory,
/// cannot be read, or its compressed data cannot be started.
pub fn open(input: &Input, chunked: bool, progress: &Progress) -> Result<Opened, Problem> {
    let raw_read = Arc::new(AtomicU64::new(0));
    let truncation = Arc::new(OnceLock::new());
    let Some(path) = &input.path else {
        let mut stdin = BufReader::with_capacity(64 * 1024, io::stdin());
        let (compression, taken) = sniff_stream(&mut stdin)
            .map_err(|e| Problem::new("-", format!("cannot read standard input: {e}")))?;
        let reader = Box::new(io::Cursor::new(taken).chain(stdin));
        let stream = decoder(reader, compression, true, raw_read, truncation)
            .map_err(|e| Problem::new("-", format!("cannot read standard input: {e}")))?;
        return Ok(Opened { source: Source::Stream(stream), size: None, mtime: None });
    };
    let name = &input.name;
    let advice = |e: &io::Error| match e.kind() {
        io::ErrorKind::NotFound => "check the path",
        io::ErrorKind::PermissionDenied => {
            "check its permissions, or run as a user who can read it"
        }
        _ => "check that it is a readable file",
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(Problem::new(name, "is a directory")),
        Ok(m) => m,
        Err(e) => return Err(Problem::new(name, format!("{e} ({})", advice(&e)))),
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Err(Problem::new(name, format!("{e} ({})", advice(&e)))),
    };
    // The size of the file now open, not of whatever the path named a moment before (a
    // rotation may have replaced it in between).
    let meta = file.metadata().unwrap_or(meta);
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    let regular = meta.is_file();
    let size = regular.then_some(meta.len());
    let mut head = [0u8; 4];
    let got = read_head(&mut file, &mut head)
        .map_err(|e| Problem::new(name, format!("{e} ({})", advice(&e))))?;
    // Bytes appended since the size was taken are not part of the reading.
    let got = size.map_or(got, |s| got.min(usize::try_from(s).unwrap_or(usize::MAX)));
    let head = &head[..got];
    let compression = Compression::sniff(head).unwrap_or(Compression::None);
    let bounded = Bounded {
        file,
        size,
        read: got as u64,
        truncation: truncation.clone(),
        pause: if regular { Pause::from_env() } else { None },
    };
    let counting = Counting { inner: bounded, count: raw_read.clone(), progress: progress.clone() };
    // The bytes already read go first; counted now, since they were read past the counter.
    raw_read.fetch_add(got as u64, Ordering::Relaxed);
    progress(got as u64);
    let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(head.to_vec()).chain(counting));
    let stream = decoder(reader, compression, !regular, raw_read, truncation).map_err(|e| {
        Problem::new(name, format!("cannot start reading {} data: {e}", compression.name()))
    })?;
    let plain_chunked = compression == Compression::None && chunked;
    let source = match size {
        Some(s) if plain_chunked && s >= MIN_CHUNKED => Source::Chunks(stream),
        _ => Source::Stream(stream),
    };
    Ok(Opened { source, size, mtime })
}

/// Reads up to `buf.len()` bytes, fewer only at the end of the file.
fn read_head(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The compression of a buffered stream, looking only at what has arrived unless the first
/// bytes could start a magic number. Returns the bytes it had to take out of the stream to
/// decide (at most four), which go first.
pub(crate) fn sniff_stream(r: &mut impl BufRead) -> io::Result<(Compression, Vec<u8>)> {
    let mut taken = Vec::new();
    loop {
        let available = r.fill_buf()?;
        if available.is_empty() {
            return Ok((Compression::None, taken));
        }
        if taken.is_empty() {
            if let Some(c) = Compression::sniff(available) {
                return Ok((c, taken));
            }
        }
        let n = available.len().min(4 - taken.len());
        taken.extend_from_slice(&available[..n]);
        r.consume(n);
        if let Some(c) = Compression::sniff(&taken) {
            return Ok((c, taken));
        }
    }
}

/// Wraps `reader` in the decoder for `compression`.
pub(crate) fn decoder(
    reader: Box<dyn Read + Send>,
    compression: Compression,
    live: bool,
    raw_read: Arc<AtomicU64>,
    truncation: Arc<OnceLock<Truncation>>,
) -> io::Result<Stream> {
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => reader,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            256 * 1024,
            reader,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(reader)?),
        Compression::Bzip2 => {
            Box::new(bzip2::read::MultiBzDecoder::new(BufReader::with_capacity(256 * 1024, reader)))
        }
    };
    Ok(Stream { reader, compression, live, raw_read, truncation })
}

/// Cuts `data` into ranges of whole lines of about `size` bytes, the way [`Blocks::aligned`]
/// cuts a file.
///
/// Each range after the first starts at a line that [`logparse::detect::detect_line`]
/// recognizes (a line with a header of its own), looked for up to 64 KiB after the nominal
/// cut, so that the parser's memory of earlier lines (an open multi-line entry, the last
/// format seen) rarely matters at a cut; the driver checks that it does not, and re-reads a
/// chunk when it does. Without such a line nearby, the cut is at the next line start.
pub fn chunks(data: &[u8], size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let mut cuts = vec![0];
    let mut at = size;
    while at < data.len() {
        let last = *cuts.last().unwrap_or(&0);
        let Some(cut) = next_cut(data, at) else { break };
        if cut > last {
            cuts.push(cut);
        }
        at = cut + size;
    }
    cuts.push(data.len());
    cuts.windows(2).filter(|w| w[0] < w[1]).map(|w| w[0]..w[1]).collect()
}

/// Where a chunk meant to end at `at` (at least 1) ends: the first line start at or after
/// `at` whose line has a header of its own, looked for over [`LOOK`] bytes from the first line
/// start at or after `at`; without one, that first line start. `None` when no line starts at
/// or after `at` within `data`.
fn next_cut(data: &[u8], at: usize) -> Option<usize> {
    let at = at.max(1);
    let nl = memchr::memchr(b'\n', data.get(at - 1..)?)?;
    let line_start = at + nl;
    if line_start >= data.len() {
        return None;
    }
    let mut pos = line_start;
    while pos < data.len() && pos < line_start + LOOK {
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
        if logparse::detect::detect_line(logparse::lines::strip_cr(&data[pos..end])).is_some() {
            return Some(pos);
        }
        pos = end + 1;
    }
    Some(line_start)
}

/// Reads a stream in newline-aligned blocks.
pub struct Blocks<R> {
    inner: R,
    carry: Vec<u8>,
    live: bool,
    /// The size a block is cut at, in bytes.
    block: usize,
    /// Cut as [`chunks`] does (at a line with a header of its own near `block`), rather
    /// than after the last line that fits.
    aligned: bool,
    done: bool,
    /// Inside a line longer than [`MAX_LINE`], dropping bytes up to its end.
    skipping: bool,
    /// An error met after the lines handed over last.
    error: Option<io::Error>,
    /// Decompressed bytes read so far.
    read: u64,
}

impl<R: Read> Blocks<R> {
    /// Blocks of `inner`; a `live` stream hands over what it has whenever a read returns less
    /// than asked (the writer paused), instead of waiting for a full block.
    pub fn new(inner: R, live: bool) -> Blocks<R> {
        Blocks {
            inner,
            carry: Vec::new(),
            live,
            block: BLOCK,
            aligned: false,
            done: false,
            skipping: false,
            error: None,
            read: 0,
        }
    }

    /// Blocks of `inner`, a file read to its end (not live), of about `size` bytes each, cut
    /// as [`chunks`] cuts data in memory: each block after the first starts at a line with a
    /// header of its own when one starts within 64 KiB of the nominal cut. A block is shorter
    /// only at the end of the input or before a line that does not fit; the buffers it fills
    /// hold up to about `size` + 64 KiB bytes (more when a line is longer than that, at most
    /// [`MAX_LINE`] of it).
    pub fn aligned(inner: R, size: usize) -> Blocks<R> {
        Blocks { block: size.max(1), aligned: true, ..Blocks::new(inner, false) }
    }

    /// The decompressed bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Fills `buf` (cleared first) with the next whole lines, each ending in `\n` except
    /// perhaps the last line of the input. Returns `false` at the end of the input. After a
    /// read error, the complete lines read before it are handed over first, then the error
    /// (the incomplete line it cut is dropped).
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        buf.append(&mut self.carry);
        loop {
            if self.done {
                if let Some(e) = self.error.take() {
                    if buf.is_empty() {
                        return Err(e);
                    }
                    // Keep the complete lines; drop the cut one.
                    match memchr::memrchr(b'\n', buf) {
                        Some(i) => buf.truncate(i + 1),
                        None => buf.clear(),
                    }
                    self.error = Some(e);
                    if buf.is_empty() {
                        return Err(self
                            .error
                            .take()
                            .unwrap_or_else(|| io::Error::other("read error")));
                    }
                    return Ok(true);
                }
                // What is left of a file read in aligned blocks is still cut into blocks.
                if self.aligned && buf.len() > self.block {
                    if let Some(cut) = next_cut(buf, self.block) {
                        self.carry.extend_from_slice(&buf[cut..]);
                        buf.truncate(cut);
                        return Ok(true);
                    }
                }
                return Ok(!buf.is_empty());
            }
            let len = buf.len();
            // A live stream is read once per call, so that lines are handed over as they
            // come; other streams are read until the block is full, through `read_to_end`,
            // which does not zero the buffer before each read. An aligned block also needs
            // the lines after its nominal end, to choose its cut among them.
            let target = if self.aligned { self.block + LOOK } else { self.block };
            let want =
                if self.live { 64 * 1024 } else { target.saturating_sub(len).max(64 * 1024) };
            let result = if self.live {
                buf.resize(len + want, 0);
                let r = self.inner.read(&mut buf[len..]);
                buf.truncate(len + *r.as_ref().unwrap_or(&0));
                r
            } else {
                (&mut self.inner).take(want as u64).read_to_end(buf)
            };
            let n = match result {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // What arrived before the error stays; its cut last line is dropped then.
                    self.read += (buf.len() - len) as u64;
                    self.error = Some(e);
                    self.done = true;
                    continue;
                }
            };
            if n == 0 {
                self.done = true;
                continue;
            }
            self.read += n as u64;
            if self.skipping {
                match memchr::memchr(b'\n', &buf[len..]) {
                    Some(i) => {
                        // The cut line was handed over with a `\n` of its own.
                        buf.drain(len..=len + i);
                        self.skipping = false;
                    }
                    None => {
                        buf.truncate(len);
                        continue;
                    }
                }
            }
            let short = n < want;
            if !self.live && short {
                // The end of the input: hand over what there is at the next turn.
                self.done = true;
            }
            if buf.len() >= target || (self.live && short) {
                let after_last = || memchr::memrchr(b'\n', buf).map(|i| i + 1);
                let cut = if self.aligned {
                    next_cut(buf, self.block).or_else(after_last)
                } else {
                    after_last()
                };
                if let Some(cut) = cut {
                    self.carry.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    return Ok(true);
                }
            }
            if buf.len() > MAX_LINE && memchr::memchr(b'\n', buf).is_none() {
                buf.truncate(MAX_LINE);
                buf.push(b'\n');
                self.skipping = true;
                return Ok(true);
            }
        }
    }
}

/// The line of `raw` (without its `\n`) as the parser sees it: cut to [`MAX_LINE`] bytes,
/// then without one trailing `\r`.
#[inline]
pub fn clean(raw: &[u8]) -> &[u8] {
    logparse::lines::strip_cr(raw.get(..MAX_LINE).unwrap_or(raw))
}

#[cfg(test)]
mod tests;
