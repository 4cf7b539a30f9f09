//! `gatelog events`: one record per event (or per line, with `--unparsed`), in input order.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result};
use engine::{Outcome, Step};

use crate::config::Config;
use crate::report;

/// Streams the records of every line of the inputs to standard output.
pub fn run(config: &Config, raw: bool, unparsed: bool, csv: bool) -> Result<()> {
    // Records written to the terminal would tear the progress bar.
    let (engine, inputs, bar) = crate::reading::engine(config, !io::stdout().is_terminal());
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut source = Vec::new();
    let mut last_index = u32::MAX;
    if csv {
        report::csv::write_event_header(&mut out, raw).context("writing to standard output")?;
    }
    engine
        .for_each_line(&inputs, &mut |step| {
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
    bar.finish_and_clear();
    out.flush().context("writing to standard output")
}
