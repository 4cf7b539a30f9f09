//! `gatelog summary`: counts per upstream and class, unparsed lines and hints.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result};
use engine::timeline::Summary;

use crate::config::{Config, Output};
use crate::report::{self, style::Style};

/// Writes the summary of the inputs; with `--follow` on a terminal, re-prints the summary of
/// a stream read so far every few seconds.
pub fn run(config: &Config, output: Output) -> Result<()> {
    let style = Style::for_stdout(config.color);
    let follow = config.follow && io::stdout().is_terminal();
    let live = |s: &Summary| {
        let mut o = io::stdout().lock();
        // Clear the screen, then the summary so far; a failed write is retried at the next
        // tick, and reported by the final write.
        let _ = o.write_all(b"\x1b[2J\x1b[H");
        let _ = write_summary(&mut o, s, Output::Table, style);
        let _ = o.flush();
    };
    let tick: Option<&(dyn Fn(&Summary) + Sync)> = if follow { Some(&live) } else { None };
    let summary = crate::reading::collect(config, &Summary::new, tick);
    // Locked only now: `--follow` prints from the threads that read.
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    if follow {
        out.write_all(b"\x1b[2J\x1b[H").context("writing to standard output")?;
    }
    write_summary(&mut out, &summary, output, style).context("writing the summary")?;
    out.flush().context("writing to standard output")
}

/// Writes the summary in the chosen format; `style` applies to the table.
pub fn write_summary(
    w: &mut impl Write,
    s: &Summary,
    output: Output,
    style: Style,
) -> io::Result<()> {
    let hints = report::style::hints(s);
    match output {
        Output::Table => report::table::write(w, s, &hints, style),
        Output::Json => report::json::write_summary(w, s, &hints),
        Output::Csv => report::csv::write(w, s),
    }
}
