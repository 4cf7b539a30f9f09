//! The driver: read the inputs, parse each line, and hand the outcome to a sink that sees every
//! line in order, or to an [`Aggregate`] such as [`timeline::Summary`].
//!
//! # Two drivers
//!
//! - [`Engine::for_each_line`] reads the inputs one after another on the calling thread and
//!   hands every line over in input order: for writers of one record per line (`gatelog
//!   events`), where the order matters and memory must stay flat.
//! - [`Engine::collect`] uses every worker thread of the engine's pool: inputs are read in parallel;
//!   a plain file is read in newline-aligned chunks ([`input::Blocks::aligned`]) into buffers
//!   that are reused, and each chunk is parsed by a worker with its own parser and its own
//!   aggregate (the workers take turns reading the next chunk, and stay at most a few chunks
//!   per thread ahead of the merge, so memory stays bounded); a stream (standard input,
//!   compressed files) is decompressed on a thread of its own while a worker parses the
//!   blocks it produces. The parts are merged in input order, so the result is the one a
//!   single pass gives, whatever the number of threads or the chunk sizes (a property test
//!   below checks this on random cuts).
//!
//! Either way a file is read up to its size when opened, and a file that turns out shorter
//! (truncated while read) is reported as a problem naming both sizes, with the lines read
//! before the cut kept in the result (see [`input`]).
//!
//! # Parser state at chunk cuts
//!
//! The parser remembers a little of the lines before: an open multi-line nginx FastCGI entry,
//! the format last detected (auto mode), and the year of year-less syslog timestamps
//! (HAProxy). A worker starts its chunk with a fresh parser; chunks start at a line with a
//! header of its own, which resets the first two in the common case. The driver then checks
//! every cut: it parses the chunk's first lines both from the state the previous chunk ended
//! with and from a fresh parser, until the two states are equal (usually after one line).
//! When a result differs on the way (an entry left open across an access-log line, a
//! December-to-January rollover in an earlier chunk), the chunk is parsed again from the
//! previous chunk's state. So the result never depends on where the cuts fell; only the work
//! does.
//!
//! # Multi-line entries
//!
//! The first line of a multi-line nginx FastCGI entry and the lines after it are held until
//! the entry's closing line, whose context completes the first line's event, and then handed
//! on in order (`driver/held.rs`): the entry is one event and one continuation per further line,
//! whatever the chunks. An entry held at the end of a chunk goes on into the next, which is
//! then parsed from that state; an entry still open at the end of an input ends there (the
//! inputs are read with parsers of their own), and so does one still open while a live
//! stream pauses (about 200 ms without data).
//!
//! # The year of syslog timestamps
//!
//! HAProxy syslog headers (`Mmm dd HH:MM:SS`) carry no year. The parser takes it from
//! [`logparse::Options::year`] when set, and then only advances it when the month goes back
//! from December to January. Every chunk of a file gets the same year, chosen before reading
//! by [`logparse::Parser::infer_year`]: [`Options::year`], else the year of the first line in the file's first 64 KiB that carries one (an
//! accept date, an nginx or ISO timestamp; the year before when year-less lines before it are
//! from months before a new year), else the year the file's modification time gives
//! (the year before when the first year-less date would lie more than a month after it), the
//! rule the parser itself applies with the current date. Standard input has no such first
//! look: without [`Options::year`], the parser follows the stream's own dated lines.
//!
//! With the year fixed this way, the HAProxy parser (`logparse::haproxy::Parser`) no longer
//! takes the year from the accept dates of traffic lines; those lines' own times come from
//! their accept dates in any case. The fixed year goes to the lines that carry no year at all
//! (health checks and admin messages under a syslog header, the old stderr label's day of the
//! year), advanced by one at each rollover, so a file covering New Year's Eve reads right.
//!
//! # Adding an aggregate
//!
//! An analysis that reports at the end implements [`Aggregate`] for its aggregate (push a line,
//! merge the next part, shift line numbers) and calls [`Engine::collect`]: it then reads every
//! kind of input, on every core, with the same guarantees as the summary.
//!
//! Line numbers are counted per chunk and shifted into place when the chunks are merged
//! ([`Aggregate::shift_lines`]).

use crate::logparse;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, mpsc};
use std::time::{Duration, Instant};

use crate::logparse::nginx::access::LogFormat;
use crate::logparse::{Event, Format, ParseError, ParseErrorKind, Parser, Timestamp, Tz};
use rayon::prelude::*;

use crate::input::{self, Blocks, Compression, Input, Progress, Source, Stream, Truncation};
use crate::misread::{Misread, Sniff};
use crate::{Filter, Problem};
use held::Reading;

/// What became of one line.
pub enum Outcome<'a, 'e> {
    /// An event that passed the filters.
    Event(&'e Event<'a>),
    /// An event the filters left out.
    Excluded,
    /// A line that continues an earlier entry.
    Continuation,
    /// A line that is not an event.
    Unparsed(&'e ParseError),
}

/// Where one line came from.
pub struct At<'a> {
    /// The input's position among the inputs of the call.
    pub index: u32,
    /// The input.
    pub input: &'a Input,
    /// The 1-based line number within the input.
    pub line: u64,
    /// The line's bytes, without its `\n` (and without one `\r` before it), cut to
    /// [`input::MAX_LINE`] bytes.
    pub text: &'a [u8],
}

/// One step of [`Engine::for_each_line`].
pub enum Step<'x, 'a, 'e> {
    /// A line.
    Line(&'x At<'a>, Outcome<'a, 'e>),
    /// A pause: a block of a stream was parsed, or nothing arrived for a while (about 200 ms).
    /// A moment to flush output written so far.
    Idle,
}

/// What the parallel driver fills: each part of the input is pushed into an aggregate of its
/// own, in line order, and the parts are merged in input order.
pub trait Aggregate: Send + Sized {
    /// Counts one line.
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>);
    /// Adds `next`, the aggregate of the lines that follow, to `self`. Must be associative.
    fn merge(self, next: Self) -> Self;
    /// Adds `by` to every line number of input `source` kept by the aggregate: the part's
    /// lines were numbered from the part's start.
    fn shift_lines(&mut self, source: u32, by: u64);
}

/// How often [`Engine::collect`] calls its `tick` while a stream is read.
pub const TICK_EVERY: Duration = Duration::from_secs(2);

/// How lines are read and parsed.
#[derive(Clone, Debug)]
pub struct Options {
    /// The fixed format, `None` to detect it line by line.
    pub format: Option<Format>,
    /// The zone of timestamps that carry no offset (see [`crate::tz`]).
    pub tz: Tz,
    /// The nginx access log's `log_format`, when it is not one of the formats detected.
    pub access_format: Option<LogFormat>,
    /// The HAProxy `log-format` of traffic lines, when it is not one of the built-in formats.
    pub haproxy_format: Option<crate::logparse::haproxy::LogFormat>,
    /// The year of year-less syslog timestamps; `None` infers it per file (see the module
    /// docs).
    pub year: Option<i32>,
    /// Which events reach the aggregate as [`Outcome::Event`] (the others are
    /// [`Outcome::Excluded`]).
    pub filter: Filter,
    /// Cut plain files of 64 KiB or more into chunks parsed in parallel (`false` parses each
    /// file in order with one parser, as a stream is).
    pub chunked: bool,
    /// Worker threads; `None` for rayon's global pool (one per core).
    pub threads: Option<usize>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: None,
            tz: Tz::Utc,
            access_format: None,
            haproxy_format: None,
            year: None,
            filter: Filter::default(),
            chunked: true,
            threads: None,
        }
    }
}

/// Reads inputs through `logparse` into aggregates, on every core.
///
/// Problems with single inputs (a file that cannot be read, truncated compressed data) do not
/// stop a run: they go to the callback set with [`Engine::on_problem`] as they happen, are
/// counted ([`Engine::problems`]), and the other inputs are read.
pub struct Engine {
    options: Options,
    on_problem: Arc<dyn Fn(&Problem) + Send + Sync>,
    on_misread: Arc<dyn Fn(&Misread) + Send + Sync>,
    problems: AtomicU64,
    progress: Progress,
    stop: Arc<AtomicBool>,
    /// The size in bytes of the chunks plain files are cut into ([`input::CHUNK`]).
    chunk: usize,
    pool: Option<rayon::ThreadPool>,
}

impl Engine {
    /// An engine that reads with `options`. Problems are counted but not shown until
    /// [`Engine::on_problem`] says where they go.
    ///
    /// # Panics
    ///
    /// When `options.threads` is set and the operating system refuses to start that many
    /// threads.
    pub fn new(options: Options) -> Engine {
        let pool = options.threads.map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("gatelog-worker-{i}"))
                .build()
                .expect("starting the worker threads")
        });
        Engine {
            options,
            on_problem: Arc::new(|_| {}),
            on_misread: Arc::new(|_| {}),
            problems: AtomicU64::new(0),
            progress: Arc::new(|_| {}),
            stop: Arc::new(AtomicBool::new(false)),
            chunk: input::CHUNK,
            pool,
        }
    }

    /// Sends every problem to `f` as it happens (from any thread).
    pub fn on_problem(mut self, f: impl Fn(&Problem) + Send + Sync + 'static) -> Engine {
        self.on_problem = Arc::new(f);
        self
    }

    /// Sends `f` a [`Misread`] for each input most of whose first lines were not read (see
    /// [`crate::misread`]), once per input, while the input is read (from any thread). It is
    /// not a problem: [`Engine::problems`] does not count it.
    pub fn on_misread(mut self, f: impl Fn(&Misread) + Send + Sync + 'static) -> Engine {
        self.on_misread = Arc::new(f);
        self
    }

    /// Calls `f` with the number of bytes read from files as they are read.
    pub fn on_progress(mut self, f: impl Fn(u64) + Send + Sync + 'static) -> Engine {
        self.progress = Arc::new(f);
        self
    }

    /// Reading stops at the next block or chunk once `stop` is set (a Ctrl-C handler sets
    /// it): the aggregate then covers the lines read so far, and each file cut short is
    /// reported as a problem.
    pub fn stop_when(mut self, stop: Arc<AtomicBool>) -> Engine {
        self.stop = stop;
        self
    }

    /// The options the engine reads with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// How many problems were reported so far.
    pub fn problems(&self) -> u64 {
        self.problems.load(Ordering::Relaxed)
    }

    /// Expands inputs as given (files, directories, glob patterns; see [`input::paths`]) into
    /// the files to read, in reading order; `glob` keeps only matching files inside
    /// directories. A directory that cannot be read or a pattern that matches nothing is a
    /// problem; the rest goes on.
    pub fn expand(&self, given: &[Input], glob: Option<&input::paths::NameFilter>) -> Vec<Input> {
        input::paths::expand(given, glob, &mut |p| self.problem(p))
    }

    /// The aggregate of every line of `inputs`, each part built with `new`, merged in input
    /// order: the result a single pass gives, whatever the number of threads. `tick`, when
    /// given, is called every [`TICK_EVERY`] with the aggregate of a stream read so far, from
    /// the thread reading it.
    pub fn collect<A: Aggregate>(
        &self,
        inputs: &[Input],
        new: &(dyn Fn() -> A + Sync),
        tick: Option<&(dyn Fn(&A) + Sync)>,
    ) -> A {
        match &self.pool {
            Some(pool) => pool.install(|| aggregate(self, inputs, new, tick)),
            None => aggregate(self, inputs, new, tick),
        }
    }

    /// Calls `sink` with every line of every input, in order, on this thread, and with
    /// [`Step::Idle`] when a stream pauses or a block of it was read (a moment to flush the
    /// output). An input that cannot be opened or read is a problem (the lines read before
    /// the error are kept).
    ///
    /// # Errors
    ///
    /// The first error `sink` returns (writing the output), which ends the reading.
    pub fn for_each_line(
        &self,
        inputs: &[Input],
        sink: &mut impl FnMut(Step<'_, '_, '_>) -> io::Result<()>,
    ) -> io::Result<()> {
        for_each_line(self, inputs, sink)
    }

    fn problem(&self, p: Problem) {
        self.problems.fetch_add(1, Ordering::Relaxed);
        (self.on_problem)(&p);
    }

    /// Reports `sniff`'s verdict on `input`, if it has one yet.
    fn misread(&self, sniff: &mut Sniff, input: &Input) {
        if let Some(m) = sniff.verdict(&input.name) {
            (self.on_misread)(&m);
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn report_interrupted(&self, input: &Input, lines: u64) {
        if input.path.is_some() {
            self.problem(Problem::new(
                &input.name,
                format!(
                    "interrupted after line {lines}; the report covers the lines read before it"
                ),
            ));
        }
    }

    /// A parser for one input, with `year` for year-less timestamps.
    fn parser(&self, year: Option<i32>) -> Parser {
        parser(&self.options, year)
    }

    /// The year of year-less timestamps in `input` (see the module docs), from `head`, the
    /// first bytes of its content, and its modification time.
    fn year_of(&self, input: &Input, head: &[u8], mtime: Option<i64>) -> Option<i32> {
        if self.options.year.is_some() || input.path.is_none() {
            return self.options.year;
        }
        self.parser(None).infer_year(head, mtime.map(Timestamp::from_unix_seconds))
    }
}

/// Parses the lines of `data` (whole lines, the last one perhaps without its `\n`), numbering
/// them from `first`, and hands each outcome to `push` with whether the line was carried from
/// an earlier chunk (see [`held`]). Returns the number of lines of `data`.
///
/// The lines of a multi-line nginx FastCGI entry are held until the entry closes and then
/// handed on in order; an entry still open at the end of `data` stays held in `reading`
/// (hand it on with [`release`] at the end of the input).
#[allow(clippy::too_many_arguments)]
fn scan<E>(
    reading: &mut Reading,
    filter: &Filter,
    index: u32,
    input: &Input,
    data: &[u8],
    first: u64,
    push: &mut impl FnMut(&At<'_>, Outcome<'_, '_>, bool) -> Result<(), E>,
) -> Result<u64, E> {
    let unfiltered = filter.is_empty();
    let mut line = first;
    let mut rest = data;
    while !rest.is_empty() {
        let (raw, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        rest = next;
        let text = input::clean(raw);
        let parsed = reading.parser.parse(text);
        if !reading.held.is_empty() {
            if matches!(&parsed, Err(e) if e.kind == ParseErrorKind::Continuation) {
                reading.held.push(line, text);
                let closed = !reading.parser.entry_open();
                if closed || reading.held.is_full() {
                    release(reading, closed, filter, index, input, push)?;
                }
                line += 1;
                continue;
            }
            // Not a line of the entry: the entry ends unclosed, before this line.
            release(reading, false, filter, index, input, push)?;
        }
        if let Ok(ev) = &parsed
            && ev.format == Format::NginxError
            && reading.parser.entry_open()
        {
            reading.held.push(line, text);
            line += 1;
            continue;
        }
        let outcome = match &parsed {
            Ok(ev) if unfiltered || filter.matches(ev) => Outcome::Event(ev),
            Ok(_) => Outcome::Excluded,
            Err(e) if e.kind == ParseErrorKind::Continuation => Outcome::Continuation,
            Err(e) => Outcome::Unparsed(e),
        };
        push(&At { index, input, line, text }, outcome, false)?;
        line += 1;
    }
    Ok(line - first)
}

/// Hands on the entry `reading` holds, if any, and forgets it: its first line as the entry's
/// event, completed with the context of its last line when `closed` (the last line closed
/// it), and each other line as a continuation.
fn release<E>(
    reading: &mut Reading,
    closed: bool,
    filter: &Filter,
    index: u32,
    input: &Input,
    push: &mut impl FnMut(&At<'_>, Outcome<'_, '_>, bool) -> Result<(), E>,
) -> Result<(), E> {
    if reading.held.is_empty() {
        return Ok(());
    }
    let (first, last) = reading.held.ends();
    let parsed = reading.parser.entry_event(first, if closed { last } else { b"" });
    for (i, (l, text)) in reading.held.lines().enumerate() {
        let outcome = match &parsed {
            _ if i > 0 => Outcome::Continuation,
            Ok(ev) if filter.is_empty() || filter.matches(ev) => Outcome::Event(ev),
            Ok(_) => Outcome::Excluded,
            Err(e) => Outcome::Unparsed(e),
        };
        push(&At { index, input, line: l.line, text }, outcome, l.carried)?;
    }
    reading.held.clear();
    Ok(())
}

/// A parser with the format, zone and access-log format of `options`, and `year` for
/// year-less timestamps.
pub(crate) fn parser(options: &Options, year: Option<i32>) -> Parser {
    let mut opts = logparse::Options::with_tz(options.tz.clone());
    opts.year = year;
    let mut parser = Parser::new(options.format, opts);
    if let Some(f) = &options.access_format {
        parser = parser.with_access_format(f.clone());
    }
    if let Some(f) = &options.haproxy_format {
        parser = parser.with_haproxy_format(f.clone());
    }
    parser
}

/// See [`Engine::for_each_line`].
fn for_each_line(
    eng: &Engine,
    inputs: &[Input],
    sink: &mut impl FnMut(Step<'_, '_, '_>) -> io::Result<()>,
) -> io::Result<()> {
    for (index, input) in inputs.iter().enumerate() {
        if eng.stopped() {
            break;
        }
        let index = index as u32;
        let opened = match input::open(input, eng.options.chunked, &eng.progress) {
            Ok(o) => o,
            Err(e) => {
                eng.problem(e);
                continue;
            }
        };
        // Lines go out in order from one parser: a file in chunks is read as a stream.
        let (Source::Chunks(stream) | Source::Stream(stream)) = opened.source;
        stream_lines(eng, index, input, stream, opened.size, opened.mtime, sink)?;
    }
    Ok(())
}

/// See [`Engine::collect`].
fn aggregate<A: Aggregate>(
    eng: &Engine,
    inputs: &[Input],
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    let parts: Vec<A> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| aggregate_input(eng, index as u32, input, new, tick))
        .collect();
    parts.into_iter().fold(new(), A::merge)
}

fn aggregate_input<A: Aggregate>(
    eng: &Engine,
    index: u32,
    input: &Input,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    if eng.stopped() {
        return new();
    }
    let opened = match input::open(input, eng.options.chunked, &eng.progress) {
        Ok(o) => o,
        Err(e) => {
            eng.problem(e);
            return new();
        }
    };
    aggregate_opened(eng, index, input, opened, new, tick)
}

/// [`aggregate_input`] once the input is open.
fn aggregate_opened<A: Aggregate>(
    eng: &Engine,
    index: u32,
    input: &Input,
    opened: input::Opened,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    match opened.source {
        Source::Chunks(stream) => {
            aggregate_chunks(eng, index, input, stream, opened.size, opened.mtime, new)
        }
        Source::Stream(stream) => {
            let mut agg = new();
            let mut last = Instant::now();
            let r =
                stream_lines(eng, index, input, stream, opened.size, opened.mtime, &mut |step| {
                    match step {
                        Step::Line(at, outcome) => agg.push(at, outcome),
                        Step::Idle => {
                            if let Some(tick) = tick {
                                if last.elapsed() >= TICK_EVERY {
                                    tick(&agg);
                                    last = Instant::now();
                                }
                            }
                        }
                    }
                    Ok::<(), Infallible>(())
                });
            match r {
                Ok(()) => agg,
                Err(never) => match never {},
            }
        }
    }
}

/// Reads a plain file in chunks ([`Blocks::aligned`]) into reused buffers, parses them on the
/// engine's threads, and reports a truncation, a read error or an interruption as a problem.
fn aggregate_chunks<A: Aggregate>(
    eng: &Engine,
    index: u32,
    input: &Input,
    stream: Stream,
    size: Option<u64>,
    mtime: Option<i64>,
    new: &(dyn Fn() -> A + Sync),
) -> A {
    let ending = Ending::of(&stream, size);
    let mut blocks = Blocks::aligned(stream.reader, eng.chunk);
    let mut error = None;
    let mut first = Vec::new();
    match blocks.next_into(&mut first) {
        Ok(true) => {}
        Ok(false) => {
            ending.report(eng, input, None, 0, 0);
            return new();
        }
        Err(e) => error = Some(e),
    }
    let template = eng.parser(eng.year_of(input, &first, mtime));
    sniff_chunk(eng, input, &template, &first);
    let free: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let (agg, done) = {
        let rest = std::iter::from_fn(|| {
            if error.is_some() {
                return None;
            }
            let mut buf = free.lock().ok().and_then(|mut f| f.pop()).unwrap_or_default();
            match blocks.next_into(&mut buf) {
                Ok(true) => Some(buf),
                Ok(false) => None,
                Err(e) => {
                    error = Some(e);
                    None
                }
            }
        });
        let chunks = std::iter::once(first).filter(|c| !c.is_empty()).chain(rest);
        let job =
            Job { filter: &eng.options.filter, index, input, template: &template, stop: &eng.stop };
        job.run(chunks, new, &|buf| {
            if let Ok(mut f) = free.lock() {
                f.push(buf);
            }
        })
    };
    ending.report(eng, input, error.as_ref(), done.lines, blocks.bytes_read());
    if let Some(lines) = done.interrupted {
        eng.report_interrupted(input, lines);
    }
    agg
}

/// Looks at the first lines of `data`, the first chunk of `input`, parsed from `template`, for
/// a [`Misread`] (chunks are parsed in parallel, so the first lines are read here once more).
fn sniff_chunk(eng: &Engine, input: &Input, template: &Parser, data: &[u8]) {
    let mut parser = template.clone();
    let mut sniff = Sniff::default();
    let mut rest = data;
    while !rest.is_empty() && !sniff.is_full() {
        let (raw, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        rest = next;
        let text = input::clean(raw);
        sniff.push(text, parser.parse(text).err().as_ref());
    }
    eng.misread(&mut sniff, input);
}

/// The chunked reading of one file.
struct Job<'j> {
    filter: &'j Filter,
    index: u32,
    input: &'j Input,
    /// The parser every chunk starts from.
    template: &'j Parser,
    /// Set when reading should stop.
    stop: &'j AtomicBool,
}

/// How a chunked reading ended.
#[derive(Debug, Default, PartialEq, Eq)]
struct Done {
    /// The lines read.
    lines: u64,
    /// Chunks parsed again because the parser state at their start mattered.
    reparsed: usize,
    /// Set when Ctrl-C stopped the reading: the lines covered.
    interrupted: Option<u64>,
}

/// One chunk's results.
struct Part<A> {
    /// The lines of an entry carried from the chunks before, numbered within the input.
    pre: Option<A>,
    agg: A,
    lines: u64,
    /// The state after the chunk's last line.
    end: Reading,
}

/// The chunks parsed so far, merged in order.
struct Merged<A, C> {
    /// The aggregate of the chunks before `next`.
    total: Option<A>,
    /// The number of the next chunk to merge.
    next: usize,
    /// Chunks parsed ahead of `next`, with their bytes (for the check at their cut).
    waiting: BTreeMap<usize, (Part<A>, C)>,
    lines: u64,
    /// The state after the last chunk merged.
    state: Option<Reading>,
    reparsed: usize,
}

impl Job<'_> {
    /// Parses `chunks` (whole lines each, in input order) on the threads of the current pool
    /// and merges them in order, parsing again any chunk whose start depended on the state
    /// the previous chunk left (see the module docs). Each chunk goes to `recycle` once it is
    /// merged; at most a few chunks per thread are taken from `chunks` ahead of the merge,
    /// so memory stays bounded when `chunks` reads a file. Stops taking chunks once `stop` is
    /// set.
    fn run<A: Aggregate, C: AsRef<[u8]> + Send>(
        &self,
        mut chunks: impl Iterator<Item = C> + Send,
        new: &(dyn Fn() -> A + Sync),
        recycle: &(dyn Fn(C) + Sync),
    ) -> (A, Done) {
        let ahead = 2 * rayon::current_num_threads() + 2;
        let merged = Mutex::new(Merged {
            total: Some(new()),
            next: 0,
            waiting: BTreeMap::new(),
            lines: 0,
            state: None,
            reparsed: 0,
        });
        let merging = Condvar::new();
        let mut taken = 0;
        let mut interrupted = false;
        let numbered = std::iter::from_fn(|| {
            // Wait while too many chunks are parsed or waiting: the thread that parses the
            // oldest one merges it and wakes this one. That thread is never this one, which
            // holds no chunk while it takes the next.
            let mut m = lock(&merged);
            while taken - m.next >= ahead {
                m = merging.wait(m).unwrap_or_else(|e| e.into_inner());
            }
            drop(m);
            if interrupted {
                return None;
            }
            let chunk = chunks.next()?;
            if self.stop.load(Ordering::Relaxed) {
                interrupted = true;
                return None;
            }
            taken += 1;
            Some((taken - 1, chunk))
        });
        numbered.par_bridge().for_each(|(n, chunk)| {
            let part = self.part(Reading::new(self.template.clone()), chunk.as_ref(), new);
            let mut m = lock(&merged);
            m.waiting.insert(n, (part, chunk));
            loop {
                let next = m.next;
                let Some((mut part, chunk)) = m.waiting.remove(&next) else { break };
                if let Some(prev) = m.state.take() {
                    // An entry held at the cut goes on in this chunk: parse it from there.
                    let check = if prev.held.is_empty() {
                        self.check(prev.parser.clone(), chunk.as_ref())
                    } else {
                        Check::Differs
                    };
                    match check {
                        Check::Same => {}
                        Check::SameUntilEnd(end) => part.end.parser = end,
                        Check::Differs => {
                            part = self.part(prev, chunk.as_ref(), new);
                            m.reparsed += 1;
                        }
                    }
                }
                if let Some(pre) = part.pre.take() {
                    m.total = m.total.take().map(|t| t.merge(pre));
                }
                part.agg.shift_lines(self.index, m.lines);
                part.end.held.carry(m.lines);
                m.lines += part.lines;
                m.total = m.total.take().map(|t| t.merge(part.agg));
                m.state = Some(part.end);
                m.next += 1;
                recycle(chunk);
            }
            drop(m);
            merging.notify_all();
        });
        let mut m = merged.into_inner().unwrap_or_else(|e| e.into_inner());
        // An entry still open at the end of the file ends there.
        if let Some(mut end) = m.state.take()
            && !end.held.is_empty()
        {
            let mut tail = new();
            let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, _carried: bool| {
                tail.push(at, o);
                Ok::<(), Infallible>(())
            };
            let Ok(()) = release(&mut end, false, self.filter, self.index, self.input, push);
            m.total = m.total.take().map(|t| t.merge(tail));
        }
        let done = Done {
            lines: m.lines,
            reparsed: m.reparsed,
            interrupted: interrupted.then_some(m.lines),
        };
        (m.total.unwrap_or_else(new), done)
    }

    fn part<A: Aggregate>(
        &self,
        mut reading: Reading,
        data: &[u8],
        new: &(dyn Fn() -> A + Sync),
    ) -> Part<A> {
        let mut agg = new();
        let mut pre = None;
        let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, carried: bool| {
            if carried {
                pre.get_or_insert_with(new).push(at, o);
            } else {
                agg.push(at, o);
            }
            Ok::<(), Infallible>(())
        };
        let lines = match scan(&mut reading, self.filter, self.index, self.input, data, 1, push) {
            Ok(n) => n,
            Err(never) => match never {},
        };
        Part { pre, agg, lines, end: reading }
    }

    /// Whether a chunk of `data` parsed from a fresh parser gives the results it would give
    /// from `prev`, the state the previous chunk ended with. Both parsers read the chunk's
    /// first lines side by side: the answer is yes when their results agree until their
    /// states become equal (from there on they agree on everything), within [`CONVERGE`]
    /// lines. The parsers' derived `Debug` output shows every field, which makes it a complete
    /// comparison of their states.
    fn check(&self, prev: Parser, data: &[u8]) -> Check {
        let mut a = prev;
        let mut b = self.template.clone();
        let mut rest = data;
        for n in 1..=CONVERGE {
            if rest.is_empty() {
                // The chunk ended first: its results stand, its end state is `a`.
                return Check::SameUntilEnd(a);
            }
            let (raw, next) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &b""[..]),
            };
            rest = next;
            let line = input::clean(raw);
            if a.parse(line) != b.parse(line) {
                return Check::Differs;
            }
            // Formatting a state costs more than a line (the zone table is part of it): compare
            // after lines 1, 2, 4, 8, ... only; equal states stay equal, so this finds them at
            // most twice as late.
            if n.is_power_of_two() && format!("{a:?}") == format!("{b:?}") {
                return Check::Same;
            }
        }
        Check::Differs
    }
}

/// Locks `m`, whether or not a thread panicked while holding it (the panic is raised again
/// when the pool joins that thread).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many lines [`Job::check`] follows two parser states to see them become equal.
const CONVERGE: usize = 64;

/// What [`Job::check`] found.
enum Check {
    /// The chunk's results are those of a single pass.
    Same,
    /// Its results are, and its end state is this one.
    SameUntilEnd(Parser),
    /// It must be parsed again from the previous state.
    Differs,
}

/// What is needed to report how the reading of a stream ended.
struct Ending {
    compression: Compression,
    raw_read: Arc<AtomicU64>,
    truncation: Arc<OnceLock<Truncation>>,
    /// The file's size when opened, in bytes.
    size: Option<u64>,
}

impl Ending {
    fn of(stream: &Stream, size: Option<u64>) -> Ending {
        Ending {
            compression: stream.compression,
            raw_read: stream.raw_read.clone(),
            truncation: stream.truncation.clone(),
            size,
        }
    }

    /// Reports a reading that ended after `lines` lines, with `error` if it failed, having
    /// decompressed `decoded` bytes: a problem when the file was truncated or the read
    /// failed, nothing when it ended well.
    fn report(
        &self,
        eng: &Engine,
        input: &Input,
        error: Option<&io::Error>,
        lines: u64,
        decoded: u64,
    ) {
        let compressed = self.compression != Compression::None;
        // A truncation comes first, whatever error a decoder made of it.
        let message = if let Some(t) = self.truncation.get() {
            let unpacked = if compressed {
                format!(" ({} data, {decoded} bytes decompressed)", self.compression.name())
            } else {
                String::new()
            };
            format!("{t}{unpacked}; the report covers its first {lines} lines")
        } else if let Some(e) = error {
            if compressed {
                let raw = self.raw_read.load(Ordering::Relaxed);
                let of = self.size.map(|s| format!(" of {s}")).unwrap_or_default();
                format!(
                    "{} data truncated or corrupt after {raw}{of} bytes of the file ({decoded} \
                     bytes decompressed): {e}; its first {lines} complete lines were read",
                    self.compression.name(),
                )
            } else {
                format!("read error after line {lines}: {e} (the lines before it were read)")
            }
        } else {
            return;
        };
        eng.problem(Problem::new(&input.name, message));
    }
}

/// Reads a stream: a thread decompresses it into blocks (at most two waiting, so memory stays
/// bounded) while this thread parses them in order with one parser.
fn stream_lines<E>(
    eng: &Engine,
    index: u32,
    input: &Input,
    stream: Stream,
    size: Option<u64>,
    mtime: Option<i64>,
    f: &mut impl FnMut(Step<'_, '_, '_>) -> Result<(), E>,
) -> Result<(), E> {
    let ending = Ending::of(&stream, size);
    let Stream { reader, live, .. } = stream;
    let live_stream = live;
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(2);
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let decoded = Arc::new(AtomicU64::new(0));
    let decoded_w = decoded.clone();
    let spawned = std::thread::Builder::new().name("gatelog-read".into()).spawn(move || {
        let mut blocks = Blocks::new(reader, live);
        loop {
            let mut buf = back_rx.try_recv().unwrap_or_default();
            let r = blocks.next_into(&mut buf);
            decoded_w.store(blocks.bytes_read(), Ordering::Relaxed);
            let msg = match r {
                Ok(true) => Ok(buf),
                Ok(false) => return,
                Err(e) => Err(e),
            };
            let last = msg.is_err();
            // The reader is gone when the run stopped early; so is the need to read.
            if tx.send(msg).is_err() || last {
                return;
            }
        }
    });
    if let Err(e) = spawned {
        eng.problem(Problem::new(&input.name, format!("cannot start a reading thread: {e}")));
        return Ok(());
    }
    let filter = &eng.options.filter;
    let mut reading: Option<Reading> = None;
    let mut line = 1u64;
    let mut sniff = Sniff::default();
    loop {
        if eng.stopped() {
            eng.report_interrupted(input, line - 1);
            break;
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(buf)) => {
                let r = reading.get_or_insert_with(|| {
                    Reading::new(eng.parser(eng.year_of(input, &buf, mtime)))
                });
                let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, _carried: bool| {
                    note(&mut sniff, at, &o);
                    f(Step::Line(at, o))
                };
                line += scan(r, filter, index, input, &buf, line, push)?;
                if sniff.is_full() {
                    eng.misread(&mut sniff, input);
                }
                let _ = back_tx.send(buf);
                f(Step::Idle)?;
            }
            Ok(Err(e)) => {
                ending.report(eng, input, Some(&e), line - 1, decoded.load(Ordering::Relaxed));
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // nginx writes an entry in one piece: one still open while a live stream
                // pauses was cut, and waits no longer.
                if live_stream && let Some(r) = reading.as_mut() {
                    let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, _carried: bool| {
                        note(&mut sniff, at, &o);
                        f(Step::Line(at, o))
                    };
                    release(r, false, filter, index, input, push)?;
                }
                f(Step::Idle)?
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                ending.report(eng, input, None, line - 1, decoded.load(Ordering::Relaxed));
                break;
            }
        }
    }
    // An entry still open at the end of the input ends there.
    if let Some(r) = reading.as_mut() {
        let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, _carried: bool| {
            note(&mut sniff, at, &o);
            f(Step::Line(at, o))
        };
        release(r, false, filter, index, input, push)?;
    }
    eng.misread(&mut sniff, input);
    Ok(())
}

/// Shows `sniff` one line's outcome while it still looks at the first lines.
fn note(sniff: &mut Sniff, at: &At<'_>, o: &Outcome<'_, '_>) {
    if !sniff.is_full() {
        match o {
            Outcome::Unparsed(e) => sniff.push(at.text, Some(e)),
            Outcome::Continuation => {}
            Outcome::Event(_) | Outcome::Excluded => sniff.push(at.text, None),
        }
    }
}

pub(crate) mod held;
#[cfg(test)]
mod tests;
