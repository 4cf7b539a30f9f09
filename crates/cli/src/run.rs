//! The driver: read every input in order, parse each line, and hand the outcome to the
//! `events` writer or the summary.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use logparse::{Event, Options, ParseError, ParseErrorKind, Parser};
use timeline::{Sample, Summary};

use crate::config::{Config, Input, Mode};
use crate::exit::Exit;
use crate::{input, messages, report};

/// What became of one line.
enum Outcome<'a, 'e> {
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
struct At<'a> {
    /// The input's position among the inputs.
    index: u32,
    /// The input.
    input: &'a Input,
    /// The 1-based line number.
    line: u64,
    /// The line's bytes.
    text: &'a [u8],
}

/// Runs the configured command. Problems with single inputs are reported as they happen and
/// make the exit code 2; errors writing the output end the run.
pub fn run(config: &Config) -> Result<Exit> {
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut exit = Exit::Success;
    match config.mode {
        Mode::Events { raw, unparsed } => {
            let mut source = Vec::new();
            let mut last_index = u32::MAX;
            for_each_line(config, |at, outcome| {
                if at.index != last_index {
                    source = report::json::quoted(&at.input.name);
                    last_index = at.index;
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
            })?;
        }
        Mode::Summary { output } => {
            let mut summary = Summary::new();
            for_each_line(config, |at, outcome| {
                match outcome {
                    Outcome::Event(ev) => summary.push_event(ev),
                    Outcome::Excluded => summary.push_excluded(),
                    Outcome::Continuation => summary.push_continuation(),
                    Outcome::Unparsed(err) => summary.push_unparsed(
                        err,
                        Sample {
                            source: at.index,
                            name: &at.input.name,
                            line: at.line,
                            text: at.text,
                        },
                    ),
                }
                Ok(())
            })?;
            report::write_summary(&mut out, &summary, output).context("writing the summary")?;
        }
        Mode::Timeline(ref t) => {
            let agg = aggregate(config)?;
            crate::spikes::write_timeline(&mut out, &agg, t).context("writing the timeline")?;
        }
        Mode::Spikes(ref s) => {
            let agg = aggregate(config)?;
            let found = crate::spikes::write_spikes(&mut out, &agg, s).context("writing spikes")?;
            if found > 0 && s.fail_on_spike {
                exit = Exit::SpikesFound;
            }
        }
    }
    out.flush().context("writing to standard output")?;
    Ok(if messages::errored() { Exit::Error } else { exit })
}

/// Pushes every kept event of every input into a per-second aggregate.
fn aggregate(config: &Config) -> Result<timeline::Aggregator> {
    let mut agg = timeline::Aggregator::new();
    for_each_line(config, |_, outcome| {
        if let Outcome::Event(ev) = outcome {
            agg.push(ev);
        }
        Ok(())
    })?;
    Ok(agg)
}

/// Calls `sink` with every line of every input, in order. An input that cannot be opened or
/// read is reported (and the lines read before the error are kept); an error from `sink`
/// (writing the output) ends the run.
fn for_each_line(
    config: &Config,
    mut sink: impl FnMut(&At<'_>, Outcome<'_, '_>) -> io::Result<()>,
) -> Result<()> {
    let mut opts = Options::with_tz(config.tz.clone());
    opts.year = config.year;
    let filter = &config.filter;
    let unfiltered = filter.is_empty();
    let mut parser = Parser::new(config.format, opts);
    if let Some(format) = &config.access_format {
        parser = parser.with_access_format(format.clone());
    }
    for (index, input) in config.inputs.iter().enumerate() {
        let mut reader = match input::open(input) {
            Ok(r) => r,
            Err(e) => {
                messages::error(format_args!("{e:#}"));
                continue;
            }
        };
        parser.reset();
        let mut line_no = 0u64;
        loop {
            let text = match reader.next_line() {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(e) => {
                    messages::error(format_args!(
                        "{}: read error after line {line_no}: {e} (the lines before it were read)",
                        input.name
                    ));
                    break;
                }
            };
            line_no += 1;
            let at = At { index: index as u32, input, line: line_no, text };
            let parsed = parser.parse(text);
            let outcome = match &parsed {
                Ok(ev) if unfiltered || filter.matches(ev) => Outcome::Event(ev),
                Ok(_) => Outcome::Excluded,
                Err(e) if e.kind == ParseErrorKind::Continuation => Outcome::Continuation,
                Err(e) => Outcome::Unparsed(e),
            };
            sink(&at, outcome).context("writing to standard output")?;
        }
    }
    Ok(())
}
