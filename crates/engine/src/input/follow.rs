//! Following files as they grow, the way `tail -F` does, for a process that runs for days.
//!
//! A [`Follow`] is given files, directories and glob patterns ([`Input`]s with a path) and is
//! polled ([`Follow::poll`]): each call looks at every watched name once with `stat(2)`, reads
//! what was appended since the last call, and hands each complete line, parsed, to a callback,
//! as [`Engine::for_each_line`](crate::Engine::for_each_line) does. It runs on the caller's
//! thread and has no clock of its own: the caller says how often to poll (a quarter of a
//! second is what `gatelog watch` uses) and passes the time in, so tests drive it step by step.
//!
//! Polling is used rather than change notifications (inotify): notifications are missing on
//! network and FUSE file systems and for files written from another mount namespace, and are
//! lost when their queue overflows, so a follower needs a polling fallback anyway (GNU tail
//! falls back to one for the same reasons). One `stat` per watched name per poll costs little.
//!
//! # What is followed
//!
//! - A file named as such, under that name. Files present at the first poll are followed from
//!   their end (a last line without its `\n` there is the tail of a line already written: it is
//!   skipped up to its `\n`), or from their start with [`FollowOptions::from_start`]. A file
//!   that appears under a watched name later (after a rotation, or for the first time) is read
//!   from its start.
//! - Each file of a directory (recursively) or a glob pattern, re-listed at every poll, with
//!   [`FollowOptions::filter`] applied to names as in [`paths::expand`](super::paths::expand).
//!   Names of rotated copies (`error.log.1`, `error.log-20240314`) and of compressed files are
//!   never picked up: their lines were read under the live name, or were never appended.
//!
//! Files are told apart by device and inode, not by name, so that:
//!
//! - **rename rotation** (logrotate's default: `error.log` renamed to `error.log.1`, a new
//!   `error.log` created): the renamed file is read to its end and kept open for
//!   [`FollowOptions::linger`] after its last growth, since the process writing it goes on
//!   doing so until it reopens its log (nginx on `USR1`); the new file under the name is read
//!   from its start. No line is read twice or skipped: the old file is read by its open handle.
//! - **copytruncate** (the file copied, then cut to zero in place): the file is seen shorter
//!   than the offset read, and read again from its start. Lines written between the copy and
//!   the cut are in neither (a limit of copytruncate itself); a file truncated and written past
//!   the old offset between two polls cannot be told from one that only grew.
//! - a file **moved within** the watched names is followed on under its new name.
//!
//! A line is handed over when its `\n` is read; the bytes after the last `\n` wait for it. A
//! file that is left (rotated away and idle for the linger time, deleted, or unreadable) hands
//! over its last unterminated line then, so nothing is lost. Lines longer than
//! [`MAX_LINE`] are cut there, the rest of them up to their `\n` dropped, as
//! everywhere in the engine.
//!
//! # Notices
//!
//! What happens to the watched names is told through the `notice` callback of
//! [`Follow::poll`], once per change: a file that vanished is reported once and watched for
//! again (then reported once when it is back), a file that cannot be read once, until it can.
//! [`Follow::unhealthy`] lists the named inputs that are missing or unreadable now.
//!
//! # Memory
//!
//! Per followed file: its open handle, its parser, and at most one unterminated line. A
//! rotated-away file is closed after the linger time. Nothing grows with time.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::driver::{At, Options, Outcome, parser};
use crate::input::paths::{NameFilter, expand, is_live_name};
use crate::input::{Compression, Input, MAX_LINE, clean};
use crate::logparse::{ParseErrorKind, Parser};

/// How files are followed.
#[derive(Clone, Debug)]
pub struct FollowOptions {
    /// Read the files present at the first poll from their start instead of their end.
    pub from_start: bool,
    /// In directories and patterns, follow only the files whose name matches.
    pub filter: Option<NameFilter>,
    /// How long a file no watched name reaches any more (rotated away) is still read after it
    /// last grew, for the lines its writer appends before reopening its log.
    pub linger: Duration,
    /// At most this many bytes are read from one file in one poll, so that one busy file does
    /// not hold the others back; the rest is read at the next poll.
    pub read_budget: usize,
}

impl Default for FollowOptions {
    fn default() -> FollowOptions {
        FollowOptions {
            from_start: false,
            filter: None,
            linger: Duration::from_secs(30),
            read_budget: 16 << 20,
        }
    }
}

/// What happened to a watched name (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A file appeared under a watched directory or pattern after the first poll; it is read
    /// from its start.
    Found,
    /// The name now reaches another file (rename rotation); the old one is read to its end.
    Rotated,
    /// The file is shorter than what was read of it (copytruncate): it is read again from its
    /// start.
    Truncated {
        /// Bytes read of it before, from its start.
        read: u64,
        /// Its size now.
        size: u64,
    },
    /// The named file is gone; it is watched for.
    Vanished,
    /// The named file that had vanished is back, and is read from its start.
    Returned,
    /// The file or directory cannot be read (the error's text); it is tried again at each poll.
    Unreadable(String),
    /// The file is compressed: only plain text grows by lines.
    Compressed(Compression),
}

/// A change to one watched name, for the `notice` callback of [`Follow::poll`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The file's or directory's name, as the input names it (paths found in a directory or
    /// pattern as found).
    pub input: String,
    /// What happened.
    pub change: Change,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = &self.input;
        match &self.change {
            Change::Found => write!(f, "{input}: new file, followed from its start"),
            Change::Rotated => write!(
                f,
                "{input}: rotated; the old file is read to its end, the new one from its start"
            ),
            Change::Truncated { read, size } => write!(
                f,
                "{input}: truncated ({read} bytes read, {size} now); read again from its start"
            ),
            Change::Vanished => write!(f, "{input}: gone; watching for it to appear again"),
            Change::Returned => write!(f, "{input}: back; followed from its start"),
            Change::Unreadable(e) => write!(f, "{input}: cannot be read: {e}; trying again"),
            Change::Compressed(c) => {
                write!(f, "{input}: {} content is not followed; only plain logs grow", c.name())
            }
        }
    }
}

/// What the poll found of one watched input: a file named as such, or a directory or pattern.
#[derive(Debug)]
struct Target {
    input: Input,
    /// Whether it is a directory or pattern (re-listed at each poll) rather than a file.
    listed: bool,
    /// Reported missing or unreadable (a named file), not reported again until it is back.
    missing: bool,
    /// Why it cannot be read now, for [`Follow::unhealthy`].
    trouble: Option<String>,
}

/// A file and its identity: device and inode.
type Id = (u64, u64);

/// One followed file.
struct Tracked {
    /// The input lines are reported from: the name it was first followed under.
    input: Input,
    /// The target it belongs to.
    target: u32,
    /// The name it is reached by now; `None` once no watched name reaches it.
    path: Option<PathBuf>,
    id: Id,
    file: File,
    /// Bytes read from the file's start.
    offset: u64,
    /// Bytes after the last `\n` read, waiting for it.
    partial: Vec<u8>,
    /// Drop bytes up to the next `\n` (the tail of a line too long, or the line under way when
    /// following started at a file's end).
    skipping: bool,
    parser: Parser,
    /// The last line number handed over.
    line: u64,
    /// When it last grew, or when no name reached it any more.
    active: Instant,
    /// Reported unreadable.
    failed: bool,
}

/// Follows files, directories and patterns; see the [module docs](self).
pub struct Follow {
    options: Options,
    follow: FollowOptions,
    targets: Vec<Target>,
    tracked: Vec<Tracked>,
    /// Compressed or otherwise skipped files seen at the last poll, not reported again.
    skipped: HashSet<Id>,
    polls: u64,
    buf: Vec<u8>,
}

impl Follow {
    /// A follower of `inputs` (standard input among them is left out: it is read as a stream),
    /// parsing with `options` ([`Options::filter`] applies as in
    /// [`Engine::for_each_line`](crate::Engine::for_each_line)). Nothing is read before the
    /// first [`Follow::poll`].
    pub fn new(inputs: &[Input], options: Options, follow: FollowOptions) -> Follow {
        let targets = inputs
            .iter()
            .filter(|i| i.path.is_some())
            .map(|i| {
                let path = i.path.as_deref().unwrap_or(Path::new(""));
                let listed = path.is_dir() || (!path.exists() && has_glob_chars(path));
                Target { input: i.clone(), listed, missing: false, trouble: None }
            })
            .collect();
        Follow {
            options,
            follow,
            targets,
            tracked: Vec::new(),
            skipped: HashSet::new(),
            polls: 0,
            buf: vec![0; 64 * 1024],
        }
    }

    /// The inputs watched that are missing or cannot be read now, each with the reason.
    pub fn unhealthy(&self) -> Vec<(String, String)> {
        self.targets
            .iter()
            .filter_map(|t| t.trouble.as_ref().map(|why| (t.input.name.clone(), why.clone())))
            .chain(
                self.tracked
                    .iter()
                    .filter(|t| t.failed)
                    .map(|t| (t.input.name.clone(), "cannot be read".to_owned())),
            )
            .collect()
    }

    /// How many files are open: followed under a name, or rotated away and still read.
    pub fn open_files(&self) -> usize {
        self.tracked.len()
    }

    /// Looks at every watched name once and reads what was appended since the last poll,
    /// handing each complete line to `line` (with its input and line number, as
    /// [`Engine::for_each_line`](crate::Engine::for_each_line) numbers them: from 1, per
    /// followed file) and each change to `notice`. `now` is the time of the poll, for the
    /// linger time of rotated files. Returns how many bytes were read.
    pub fn poll(
        &mut self,
        now: Instant,
        line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>),
        notice: &mut dyn FnMut(Notice),
    ) -> u64 {
        let first = self.polls == 0;
        self.polls += 1;
        let mut reached: Vec<(u32, PathBuf)> = Vec::new();
        let mut returned: Vec<u32> = Vec::new();
        for (ti, t) in self.targets.iter_mut().enumerate() {
            let ti = ti as u32;
            if t.listed {
                let mut trouble = None;
                let files =
                    expand(std::slice::from_ref(&t.input), self.follow.filter.as_ref(), &mut |p| {
                        if p.message.starts_with("cannot read") {
                            trouble = Some(p.message)
                        }
                    });
                report_trouble(t, trouble, notice);
                for f in files {
                    if let Some(p) = f.path.filter(|p| is_live_name(p)) {
                        reached.push((ti, p));
                    }
                }
            } else if let Some(p) = &t.input.path {
                reached.push((ti, p.clone()));
            }
        }
        // Which file each reached name is now.
        let mut seen: Vec<(u32, PathBuf, Id, File)> = Vec::new();
        let mut skipped_now = HashSet::new();
        for (ti, path) in reached {
            let target = &mut self.targets[ti as usize];
            let opened = File::open(&path).and_then(|f| {
                let m = f.metadata()?;
                if m.is_dir() {
                    return Err(io::Error::other("is a directory"));
                }
                Ok((f, id_of(&m)))
            });
            match opened {
                Ok((file, id)) => {
                    if !target.listed {
                        if target.missing {
                            target.missing = false;
                            returned.push(ti);
                            notice(Notice {
                                input: target.input.name.clone(),
                                change: Change::Returned,
                            });
                        }
                        target.trouble = None;
                    }
                    seen.push((ti, path, id, file));
                }
                Err(e) if !target.listed => {
                    let gone = e.kind() == io::ErrorKind::NotFound;
                    let why = if gone { "missing".to_owned() } else { e.to_string() };
                    if !target.missing {
                        target.missing = true;
                        let change =
                            if gone { Change::Vanished } else { Change::Unreadable(why.clone()) };
                        notice(Notice { input: target.input.name.clone(), change });
                    }
                    target.trouble = Some(why);
                }
                // A file of a listing that went away between the listing and the open.
                Err(_) => {}
            }
        }
        // Names that no longer reach their file: the file is rotated away (or deleted).
        for t in &mut self.tracked {
            let Some(p) = &t.path else { continue };
            let still = seen.iter().any(|s| s.2 == t.id && s.1 == *p);
            let moved = seen.iter().find(|s| s.2 == t.id).map(|s| s.1.clone());
            if !still {
                t.path = moved;
                if t.path.is_none() {
                    t.active = now;
                }
            }
        }
        for (ti, path, id, mut file) in seen {
            if self.tracked.iter().any(|t| t.id == id) {
                continue;
            }
            let target = &self.targets[ti as usize];
            if self.skipped.contains(&id) {
                skipped_now.insert(id);
                continue;
            }
            if let Some(c) = compression(&mut file) {
                skipped_now.insert(id);
                notice(Notice { input: name_of(target, &path), change: Change::Compressed(c) });
                continue;
            }
            // A name that reached another file at the last poll was rotated.
            let rotated = self.tracked.iter().any(|t| {
                t.path.is_none() && t.target == ti && t.input.path.as_deref() == Some(&*path)
            });
            let rotated = rotated && !returned.contains(&ti);
            let at_end = first && !self.follow.from_start;
            let input = Input::path(&path);
            if rotated {
                notice(Notice { input: input.name.clone(), change: Change::Rotated });
            } else if target.listed && !first {
                notice(Notice { input: input.name.clone(), change: Change::Found });
            }
            let mut t = Tracked {
                input,
                target: ti,
                path: Some(path),
                id,
                file,
                offset: 0,
                partial: Vec::new(),
                skipping: false,
                parser: parser(&self.options, self.options.year),
                line: 0,
                active: now,
                failed: false,
            };
            if at_end {
                t.start_at_end();
            }
            self.tracked.push(t);
        }
        self.skipped = skipped_now;
        let mut read = 0;
        let options = &self.options;
        let budget = self.follow.read_budget;
        for t in &mut self.tracked {
            read += t.read(options, budget, &mut self.buf, now, line, notice);
        }
        // Files no name reaches, idle for the linger time (or unreadable), are left.
        let linger = self.follow.linger;
        let mut i = 0;
        while i < self.tracked.len() {
            let t = &self.tracked[i];
            let idle = now.saturating_duration_since(t.active) >= linger;
            if t.path.is_none() && (idle || t.failed) {
                let mut t = self.tracked.swap_remove(i);
                t.flush(options, line);
            } else {
                i += 1;
            }
        }
        read
    }

    /// Hands over the unterminated last line of every file (at the end of a run that wants
    /// them; a run that ends at once, on SIGTERM, skips this).
    pub fn finish(mut self, line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>)) {
        for t in &mut self.tracked {
            t.flush(&self.options, line);
        }
    }
}

/// Records why a listed target cannot be read, reporting it once until it can again.
fn report_trouble(t: &mut Target, trouble: Option<String>, notice: &mut dyn FnMut(Notice)) {
    match trouble {
        Some(why) => {
            if !t.missing {
                t.missing = true;
                notice(Notice {
                    input: t.input.name.clone(),
                    change: Change::Unreadable(why.clone()),
                });
            }
            t.trouble = Some(why);
        }
        None => {
            t.missing = false;
            t.trouble = None;
        }
    }
}

fn name_of(target: &Target, path: &Path) -> String {
    if target.listed { Input::path(path).name } else { target.input.name.clone() }
}

fn has_glob_chars(p: &Path) -> bool {
    p.as_os_str().as_encoded_bytes().iter().any(|b| matches!(b, b'*' | b'?' | b'[' | b'{'))
}

#[cfg(unix)]
fn id_of(m: &std::fs::Metadata) -> Id {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// Without inodes, a file is known by its creation time where there is one.
#[cfg(not(unix))]
fn id_of(m: &std::fs::Metadata) -> Id {
    let created = m.created().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    (0, created.map_or(0, |d| d.as_nanos() as u64))
}

/// The compression of a file by its first bytes (`None`: plain, or too short to tell yet).
fn compression(file: &mut File) -> Option<Compression> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let _ = file.seek(SeekFrom::Start(0));
    match Compression::sniff(&head[..n]) {
        Some(Compression::None) | None => None,
        Some(c) => Some(c),
    }
}

impl Tracked {
    /// Starts at the file's end, skipping the line under way there.
    fn start_at_end(&mut self) {
        let Ok(size) = self.file.seek(SeekFrom::End(0)) else { return };
        self.offset = size;
        if size > 0 && self.file.seek(SeekFrom::Start(size - 1)).is_ok() {
            let mut last = [0u8; 1];
            let ends = matches!(self.file.read(&mut last), Ok(1) if last[0] == b'\n');
            self.skipping = !ends;
        }
        let _ = self.file.seek(SeekFrom::Start(size));
    }

    /// Reads what was appended (at most `budget` bytes) and hands over its complete lines.
    fn read(
        &mut self,
        options: &Options,
        budget: usize,
        buf: &mut [u8],
        now: Instant,
        line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>),
        notice: &mut dyn FnMut(Notice),
    ) -> u64 {
        let size = match self.file.metadata() {
            Ok(m) => m.len(),
            Err(e) => return self.fail(e, notice),
        };
        if size < self.offset {
            notice(Notice {
                input: self.input.name.clone(),
                change: Change::Truncated { read: self.offset, size },
            });
            // The line under way was cut with the rest: what was read of it is a line.
            self.flush(options, line);
            self.offset = 0;
            if let Err(e) = self.file.seek(SeekFrom::Start(0)) {
                return self.fail(e, notice);
            }
        }
        let mut total = 0u64;
        while (total as usize) < budget {
            let n = match self.file.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return total + self.fail(e, notice),
            };
            total += n as u64;
            self.offset += n as u64;
            self.take(&buf[..n], options, line);
        }
        if total > 0 {
            self.active = now;
            self.failed = false;
        }
        total
    }

    fn fail(&mut self, e: io::Error, notice: &mut dyn FnMut(Notice)) -> u64 {
        if !self.failed {
            self.failed = true;
            notice(Notice {
                input: self.input.name.clone(),
                change: Change::Unreadable(e.to_string()),
            });
        }
        0
    }

    /// Hands over the complete lines of `data` (after what waited in `partial`) and keeps the
    /// rest.
    fn take(
        &mut self,
        mut data: &[u8],
        options: &Options,
        line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>),
    ) {
        while !data.is_empty() {
            let Some(i) = memchr::memchr(b'\n', data) else {
                if !self.skipping {
                    let room = MAX_LINE.saturating_sub(self.partial.len());
                    self.partial.extend_from_slice(&data[..data.len().min(room)]);
                }
                return;
            };
            let (head, rest) = (&data[..i], &data[i + 1..]);
            data = rest;
            if self.skipping {
                self.skipping = false;
                continue;
            }
            if self.partial.is_empty() {
                self.emit(head, options, line);
            } else {
                let room = MAX_LINE.saturating_sub(self.partial.len());
                self.partial.extend_from_slice(&head[..head.len().min(room)]);
                let whole = std::mem::take(&mut self.partial);
                self.emit(&whole, options, line);
                self.partial = whole;
                self.partial.clear();
            }
        }
    }

    /// Hands over the unterminated line waiting, if any.
    fn flush(&mut self, options: &Options, line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>)) {
        if !self.partial.is_empty() {
            let whole = std::mem::take(&mut self.partial);
            self.emit(&whole, options, line);
        }
        self.skipping = false;
    }

    fn emit(
        &mut self,
        raw: &[u8],
        options: &Options,
        line: &mut dyn FnMut(&At<'_>, Outcome<'_, '_>),
    ) {
        self.line += 1;
        let text = clean(raw);
        let parsed = self.parser.parse(text);
        let filter = &options.filter;
        let outcome = match &parsed {
            Ok(ev) if filter.is_empty() || filter.matches(ev) => Outcome::Event(ev),
            Ok(_) => Outcome::Excluded,
            Err(e) if e.kind == ParseErrorKind::Continuation => Outcome::Continuation,
            Err(e) => Outcome::Unparsed(e),
        };
        line(&At { index: self.target, input: &self.input, line: self.line, text }, outcome);
    }
}

#[cfg(test)]
mod tests;
