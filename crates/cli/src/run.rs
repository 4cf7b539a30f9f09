//! The driver: read the inputs, parse each line, and hand the outcome to the `events` writer or
//! to an [`Aggregate`] such as the summary.
//!
//! # Two drivers
//!
//! - `events` output is one record per line in input order, so [`for_each_line`] reads the
//!   inputs one after another on one thread and streams the records out. Writing JSON costs
//!   about as much as parsing, and the output is usually piped into another program: keeping
//!   it sequential keeps the order for free and memory flat.
//! - Aggregates ([`aggregate`]) use every worker thread (`-j`): inputs are read in parallel;
//!   a mapped file is cut into newline-aligned chunks ([`input::chunks`]), each parsed by a
//!   worker with its own parser and its own aggregate; a stream (standard input, compressed
//!   files) is decompressed on a thread of its own while a worker parses the blocks it
//!   produces. The parts are merged in input order, so the result is the one a single pass
//!   gives, whatever the number of threads or the chunk sizes (a property test below checks
//!   this on random cuts).
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
//! # The year of syslog timestamps
//!
//! HAProxy syslog headers (`Mmm dd HH:MM:SS`) carry no year. The parser takes it from
//! [`logparse::Options::year`] when set, and then only advances it when the month goes back
//! from December to January. Every chunk of a file gets the same year, chosen before reading:
//! `--year`, else the year of the first line in the file's first 64 KiB that carries one (an
//! accept date, an nginx or ISO timestamp; the year before when year-less lines before it are
//! from months before a new year), else the year the file's modification time gives
//! (the year before when the first year-less date would lie more than a month after it), the
//! rule the parser itself applies with the current date. Standard input has no such first
//! look: without `--year`, the parser follows the stream's own dated lines.
//!
//! With the year fixed this way, the HAProxy parser (`logparse::haproxy::Parser`) no longer
//! takes the year from the accept dates of traffic lines; those lines' own times come from
//! their accept dates in any case. The fixed year goes to the lines that carry no year at all
//! (health checks and admin messages under a syslog header, the old stderr label's day of the
//! year), advanced by one at each rollover, so a file covering New Year's Eve reads right.
//!
//! # Adding a command
//!
//! A command that reports at the end implements [`Aggregate`] for its aggregate (push a line,
//! merge the next part, shift line numbers) and calls [`collect`]: it then reads every kind of
//! input, on every core, with the same guarantees as the summary.
//!
//! Line numbers are counted per chunk and shifted into place when the chunks are merged
//! ([`Aggregate::shift_lines`]).

use std::convert::Infallible;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use logparse::{Event, Options, ParseError, ParseErrorKind, Parser, Timestamp};
use rayon::prelude::*;
use timeline::{Sample, Summary};

use crate::config::{Config, Filter, Input, Mode, Output};
use crate::exit::Exit;
use crate::input::{self, Blocks, Compression, Source, Stream};
use crate::{interrupt, messages, report};

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
    /// The input's position among the inputs.
    pub index: u32,
    /// The input.
    pub input: &'a Input,
    /// The 1-based line number within the input.
    pub line: u64,
    /// The line's bytes.
    pub text: &'a [u8],
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

/// The per-second counts behind `timeline` and `spikes`: events only, no line numbers.
impl Aggregate for timeline::Aggregator {
    fn push(&mut self, _: &At<'_>, outcome: Outcome<'_, '_>) {
        if let Outcome::Event(ev) = outcome {
            timeline::Aggregator::push(self, ev);
        }
    }

    fn merge(self, next: timeline::Aggregator) -> timeline::Aggregator {
        timeline::Aggregator::merge(self, next)
    }

    fn shift_lines(&mut self, _: u32, _: u64) {}
}

impl Aggregate for Summary {
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>) {
        match outcome {
            Outcome::Event(ev) => self.push_event(ev),
            Outcome::Excluded => self.push_excluded(),
            Outcome::Continuation => self.push_continuation(),
            Outcome::Unparsed(err) => self.push_unparsed(
                err,
                Sample { source: at.index, name: &at.input.name, line: at.line, text: at.text },
            ),
        }
    }

    fn merge(self, next: Summary) -> Summary {
        Summary::merge(self, next)
    }

    fn shift_lines(&mut self, source: u32, by: u64) {
        Summary::shift_lines(self, source, by);
    }
}

/// How often `--follow` re-prints the summary.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Runs the configured command. Problems with single inputs are reported as they happen and
/// make the exit code 2; errors writing the output end the run.
pub fn run(config: &Config) -> Result<Exit> {
    let mut exit = Exit::Success;
    interrupt::install();
    if let Some(n) = config.reading.threads {
        // Fails only when the pool already exists (never in the binary).
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    let stdout_tty = io::stdout().is_terminal();
    match config.mode {
        Mode::Events { raw, unparsed, csv } => {
            // Records written to the terminal would tear the progress bar.
            let ctx = Ctx::new(config, !stdout_tty);
            let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            let mut source = Vec::new();
            let mut last_index = u32::MAX;
            if csv {
                report::csv::write_event_header(&mut out, raw)
                    .context("writing to standard output")?;
            }
            for_each_line(&ctx, &mut |step| {
                let (at, outcome) = match step {
                    Step::Line(at, outcome) => (at, outcome),
                    // Records of a live stream go out as they come, not a buffer at a time.
                    Step::Idle => return out.flush(),
                };
                if at.index != last_index {
                    source = if csv {
                        report::csv::field(&at.input.name).into_owned().into_bytes()
                    } else {
                        report::json::quoted(&at.input.name)
                    };
                    last_index = at.index;
                }
                if csv {
                    let record = match outcome {
                        Outcome::Event(ev) => report::csv::Record::Event(ev),
                        Outcome::Continuation if unparsed => report::csv::Record::Continuation,
                        Outcome::Unparsed(err) if unparsed => report::csv::Record::Unparsed(err),
                        _ => return Ok(()),
                    };
                    return report::csv::write_event_row(&mut out, &source, at.line, &record, raw);
                }
                match outcome {
                    Outcome::Event(ev) => {
                        report::json::write_event(&mut out, &source, at.line, ev, raw)
                    }
                    Outcome::Excluded => Ok(()),
                    Outcome::Continuation if unparsed => {
                        report::json::write_continuation(&mut out, &source, at.line)
                    }
                    Outcome::Unparsed(err) if unparsed => {
                        report::json::write_unparsed(&mut out, &source, at.line, err)
                    }
                    Outcome::Continuation | Outcome::Unparsed(_) => Ok(()),
                }
            })
            .context("writing to standard output")?;
            ctx.bar.finish_and_clear();
            out.flush().context("writing to standard output")?;
        }
        Mode::Summary { output } => {
            let style = report::Style::for_stdout(config.color);
            let follow = config.reading.follow && stdout_tty;
            let live = |s: &Summary| {
                let mut o = io::stdout().lock();
                // Clear the screen, then the summary so far; a failed write is retried at
                // the next tick, and reported by the final write.
                let _ = o.write_all(b"\x1b[2J\x1b[H");
                let _ = report::write_summary(&mut o, s, Output::Table, style);
                let _ = o.flush();
            };
            let tick: Option<&(dyn Fn(&Summary) + Sync)> = if follow { Some(&live) } else { None };
            let summary = collect(config, &Summary::new, tick);
            // Locked only now: `--follow` prints from the threads that read.
            let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            if follow {
                out.write_all(b"\x1b[2J\x1b[H").context("writing to standard output")?;
            }
            report::write_summary(&mut out, &summary, output, style)
                .context("writing the summary")?;
            out.flush().context("writing to standard output")?;
        }
        Mode::Timeline(ref t) => {
            let agg = collect(config, &timeline::Aggregator::new, None);
            let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            crate::spikes::write_timeline(
                &mut out,
                &agg,
                t,
                report::Style::for_stdout(config.color),
            )
            .context("writing the timeline")?;
            out.flush().context("writing to standard output")?;
        }
        Mode::Spikes(ref s) => {
            // On a stream, spikes are printed as they are found (provisional while open, final
            // once closed); the JSON report is one object, written at the end only.
            let live = crate::spikes::Live::new(s);
            let print = |agg: &timeline::Aggregator| {
                // A failed write shows again in the final report's write.
                let _ = live.tick(agg, &mut io::stdout().lock());
            };
            let tick: Option<&(dyn Fn(&timeline::Aggregator) + Sync)> =
                (s.output == crate::spikes::SpikesOutput::Table).then_some(&print as _);
            let agg = collect(config, &timeline::Aggregator::new, tick);
            let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            let found = crate::spikes::write_spikes(
                &mut out,
                &agg,
                s,
                report::Style::for_stdout(config.color),
            )
            .context("writing spikes")?;
            out.flush().context("writing to standard output")?;
            if found > 0 && s.fail_on_spike {
                exit = Exit::SpikesFound;
            }
        }
        Mode::Report(ref r) => {
            let data = collect(config, &report::html::ReportData::default, None);
            let analysis = crate::spikes::analyze(&data.agg, &r.spikes);
            let file = std::fs::File::create(&r.out)
                .with_context(|| format!("creating {}", r.out.display()))?;
            let mut out = BufWriter::new(file);
            report::html::write(&mut out, &data, r, &analysis)
                .and_then(|()| out.flush())
                .with_context(|| format!("writing {}", r.out.display()))?;
        }
    }
    Ok(if messages::errored() { Exit::Error } else { exit })
}

/// The aggregate of every input of the run, built with `new`, merged in input order, with the
/// progress bar shown as configured. `tick`, when given, is called every few seconds with the
/// aggregate of a stream read so far (`--follow`), from the thread reading it.
///
/// This is the driver of every command that reports at the end: give it the command's
/// aggregate type (see [`Aggregate`]).
pub fn collect<A: Aggregate>(
    config: &Config,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    let ctx = Ctx::new(config, true);
    let agg = aggregate(&ctx, new, tick);
    ctx.bar.finish_and_clear();
    agg
}

/// What every input of a run shares.
struct Ctx<'c> {
    config: &'c Config,
    /// The files to read, after expanding directories and patterns.
    inputs: Vec<Input>,
    bar: indicatif::ProgressBar,
    /// The size of the chunks mapped files are cut into ([`input::CHUNK`]).
    chunk: usize,
}

impl Ctx<'_> {
    /// Expands the inputs and sets up the progress bar, shown when `bar` and the
    /// configuration allow it and every input is a file.
    fn new(config: &Config, bar: bool) -> Ctx<'_> {
        let inputs = input::paths::expand(&config.inputs, config.reading.glob.as_ref(), &mut |m| {
            messages::error(m)
        });
        let total: u64 = inputs
            .iter()
            .filter_map(|i| i.path.as_ref())
            .filter_map(|p| std::fs::metadata(p).ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        let show = bar && config.reading.progress && inputs.iter().all(|i| i.path.is_some());
        Ctx { config, inputs, bar: report::progress::bar(total, show), chunk: input::CHUNK }
    }

    /// A parser for one input, with `year` for year-less timestamps.
    fn parser(&self, year: Option<i32>) -> Parser {
        let mut opts = Options::with_tz(self.config.tz.clone());
        opts.year = year;
        let parser = Parser::new(self.config.format, opts);
        match &self.config.access_format {
            Some(f) => parser.with_access_format(f.clone()),
            None => parser,
        }
    }

    /// The year of year-less timestamps in `input` (see the module docs), from `head`, the
    /// first bytes of its content, and its modification time.
    fn year_of(&self, input: &Input, head: &[u8], mtime: Option<i64>) -> Option<i32> {
        if self.config.year.is_some() || input.path.is_none() {
            return self.config.year;
        }
        self.parser(None).infer_year(head, mtime.map(Timestamp::from_unix_seconds))
    }
}

/// Parses the lines of `data` (whole lines, the last one perhaps without its `\n`), numbering
/// them from `first`, and hands each outcome to `push`. Returns the number of lines.
#[allow(clippy::too_many_arguments)]
fn scan<E>(
    parser: &mut Parser,
    filter: &Filter,
    index: u32,
    input: &Input,
    data: &[u8],
    first: u64,
    push: &mut impl FnMut(&At<'_>, Outcome<'_, '_>) -> Result<(), E>,
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
        let parsed = parser.parse(text);
        let outcome = match &parsed {
            Ok(ev) if unfiltered || filter.matches(ev) => Outcome::Event(ev),
            Ok(_) => Outcome::Excluded,
            Err(e) if e.kind == ParseErrorKind::Continuation => Outcome::Continuation,
            Err(e) => Outcome::Unparsed(e),
        };
        push(&At { index, input, line, text }, outcome)?;
        line += 1;
    }
    Ok(line - first)
}

/// Calls `sink` with every line of every input, in order, on this thread, and with
/// [`Step::Idle`] when a stream pauses or a block of it was read (a moment to flush the output).
/// An input that cannot be opened or read is reported (and the lines read before the error are
/// kept); an error from `sink` (writing the output) ends the run.
fn for_each_line(
    ctx: &Ctx<'_>,
    sink: &mut impl FnMut(Step<'_, '_, '_>) -> io::Result<()>,
) -> io::Result<()> {
    let filter = &ctx.config.filter;
    for (index, input) in ctx.inputs.iter().enumerate() {
        if interrupt::stopped() {
            break;
        }
        let index = index as u32;
        let opened = match input::open(input, ctx.config.reading.mmap, &ctx.bar) {
            Ok(o) => o,
            Err(e) => {
                messages::error(format_args!("{e:#}"));
                continue;
            }
        };
        match opened.source {
            Source::Mapped(map) => {
                let mut parser = ctx.parser(ctx.year_of(input, &map, opened.mtime));
                let mut line = 1;
                for r in input::chunks(&map, ctx.chunk) {
                    if interrupt::stopped() {
                        report_interrupted(input, line - 1);
                        break;
                    }
                    let len = r.len() as u64;
                    let push = &mut |at: &At<'_>, o: Outcome<'_, '_>| sink(Step::Line(at, o));
                    line += scan(&mut parser, filter, index, input, &map[r], line, push)?;
                    ctx.bar.inc(len);
                }
            }
            Source::Stream(stream) => {
                stream_lines(ctx, index, input, stream, opened.size, opened.mtime, sink)?;
            }
        }
    }
    Ok(())
}

/// The aggregate of every input, built with `new` and merged in input order. `tick`, when
/// given, is called every [`FOLLOW_EVERY`] with the aggregate of a stream read so far.
fn aggregate<A: Aggregate>(
    ctx: &Ctx<'_>,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    let parts: Vec<A> = ctx
        .inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| aggregate_input(ctx, index as u32, input, new, tick))
        .collect();
    parts.into_iter().fold(new(), A::merge)
}

fn aggregate_input<A: Aggregate>(
    ctx: &Ctx<'_>,
    index: u32,
    input: &Input,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    if interrupt::stopped() {
        return new();
    }
    let opened = match input::open(input, ctx.config.reading.mmap, &ctx.bar) {
        Ok(o) => o,
        Err(e) => {
            messages::error(format_args!("{e:#}"));
            return new();
        }
    };
    match opened.source {
        Source::Mapped(map) => {
            let template = ctx.parser(ctx.year_of(input, &map, opened.mtime));
            let ranges = input::chunks(&map, ctx.chunk);
            let job =
                Job { filter: &ctx.config.filter, index, input, data: &map, template: &template };
            let (agg, done) = job.run(&ranges, new, &|n| ctx.bar.inc(n));
            if let Some(lines) = done.interrupted {
                report_interrupted(input, lines);
            }
            agg
        }
        Source::Stream(stream) => {
            let mut agg = new();
            let mut last = Instant::now();
            let r =
                stream_lines(ctx, index, input, stream, opened.size, opened.mtime, &mut |step| {
                    match step {
                        Step::Line(at, outcome) => agg.push(at, outcome),
                        Step::Idle => {
                            if let Some(tick) = tick {
                                if last.elapsed() >= FOLLOW_EVERY {
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

fn report_interrupted(input: &Input, lines: u64) {
    if input.path.is_some() {
        messages::error(format_args!(
            "{}: interrupted after line {lines}; the report covers the lines read before it",
            input.name
        ));
    }
}

/// The chunked reading of one mapped file.
struct Job<'j> {
    filter: &'j Filter,
    index: u32,
    input: &'j Input,
    data: &'j [u8],
    /// The parser every chunk starts from.
    template: &'j Parser,
}

/// How a chunked reading ended.
#[derive(Debug, Default, PartialEq, Eq)]
struct Done {
    /// Chunks parsed again because the parser state at their start mattered.
    reparsed: usize,
    /// Set when Ctrl-C stopped the reading: the lines covered.
    interrupted: Option<u64>,
}

/// One chunk's results.
struct Part<A> {
    agg: A,
    lines: u64,
    /// The parser's state after the chunk's last line.
    end: Parser,
}

impl Job<'_> {
    /// Parses `ranges` of the data in parallel and merges them in order, parsing again any
    /// chunk whose start depended on the state the previous chunk left (see the module docs).
    fn run<A: Aggregate>(
        &self,
        ranges: &[std::ops::Range<usize>],
        new: &(dyn Fn() -> A + Sync),
        progress: &(dyn Fn(u64) + Sync),
    ) -> (A, Done) {
        let parts: Vec<Option<Part<A>>> = ranges
            .par_iter()
            .map(|r| {
                if interrupt::stopped() {
                    return None;
                }
                let part = self.part(self.template.clone(), r.clone(), new);
                progress(r.len() as u64);
                Some(part)
            })
            .collect();
        let mut total = new();
        let mut lines = 0;
        let mut done = Done::default();
        let mut state: Option<Parser> = None;
        for (part, r) in parts.into_iter().zip(ranges) {
            let Some(mut part) = part else {
                done.interrupted = Some(lines);
                break;
            };
            if let Some(prev) = state.take() {
                match self.check(prev.clone(), &self.data[r.clone()]) {
                    Check::Same => {}
                    Check::SameUntilEnd(end) => part.end = end,
                    Check::Differs => {
                        part = self.part(prev, r.clone(), new);
                        done.reparsed += 1;
                    }
                }
            }
            part.agg.shift_lines(self.index, lines);
            lines += part.lines;
            total = total.merge(part.agg);
            state = Some(part.end);
        }
        (total, done)
    }

    fn part<A: Aggregate>(
        &self,
        mut parser: Parser,
        r: std::ops::Range<usize>,
        new: &(dyn Fn() -> A + Sync),
    ) -> Part<A> {
        let mut agg = new();
        let data = &self.data[r];
        let push = &mut |at: &At<'_>, o: Outcome<'_, '_>| {
            agg.push(at, o);
            Ok::<(), Infallible>(())
        };
        let lines = match scan(&mut parser, self.filter, self.index, self.input, data, 1, push) {
            Ok(n) => n,
            Err(never) => match never {},
        };
        Part { agg, lines, end: parser }
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

/// One step of a stream's reading.
enum Step<'x, 'a, 'e> {
    /// A line.
    Line(&'x At<'a>, Outcome<'a, 'e>),
    /// A pause: a block was parsed, or nothing arrived for a while.
    Idle,
}

/// Reads a stream: a thread decompresses it into blocks (at most two waiting, so memory stays
/// bounded) while this thread parses them in order with one parser.
#[allow(clippy::too_many_arguments)]
fn stream_lines<E>(
    ctx: &Ctx<'_>,
    index: u32,
    input: &Input,
    stream: Stream,
    size: Option<u64>,
    mtime: Option<i64>,
    f: &mut impl FnMut(Step<'_, '_, '_>) -> Result<(), E>,
) -> Result<(), E> {
    let Stream { reader, compression, live, raw_read } = stream;
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
        messages::error(format_args!("{}: cannot start a reading thread: {e}", input.name));
        return Ok(());
    }
    let filter = &ctx.config.filter;
    let mut parser: Option<Parser> = None;
    let mut line = 1u64;
    loop {
        if interrupt::stopped() {
            report_interrupted(input, line - 1);
            break;
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(buf)) => {
                let p = parser.get_or_insert_with(|| ctx.parser(ctx.year_of(input, &buf, mtime)));
                let push = &mut |at: &At<'_>, o: Outcome<'_, '_>| f(Step::Line(at, o));
                line += scan(p, filter, index, input, &buf, line, push)?;
                let _ = back_tx.send(buf);
                f(Step::Idle)?;
            }
            Ok(Err(e)) => {
                let lines = line - 1;
                if compression == Compression::None {
                    messages::error(format_args!(
                        "{}: read error after line {lines}: {e} (the lines before it were read)",
                        input.name
                    ));
                } else {
                    let raw = raw_read.load(Ordering::Relaxed);
                    let of = size.map(|s| format!(" of {s}")).unwrap_or_default();
                    messages::error(format_args!(
                        "{}: {} data truncated or corrupt after {raw}{of} bytes of the file \
                         ({} bytes decompressed): {e}; its first {lines} complete lines were read",
                        input.name,
                        compression.name(),
                        decoded.load(Ordering::Relaxed),
                    ));
                }
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => f(Step::Idle)?,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
