//! Runs the configured command: builds the [`engine::Engine`] from the configuration, asks it
//! for the aggregate the command needs, and hands the result to the command's writer.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result};
use engine::{Engine, Input, Outcome, Step};
use timeline::Summary;

use crate::config::{Config, Mode, Output};
use crate::exit::Exit;
use crate::{interrupt, messages, report};

/// The engine for `config`, with its inputs expanded and the progress bar set up (shown when
/// `bar` and the configuration allow it and every input is a file).
fn engine(config: &Config, bar: bool) -> (Engine, Vec<Input>, indicatif::ProgressBar) {
    let engine = Engine::new(config.engine.clone())
        .on_problem(|p| messages::error(p))
        .stop_when(interrupt::flag());
    let inputs = engine.expand(&config.inputs, config.glob.as_ref());
    let (total, all_files) = engine::input::total_size(&inputs);
    let bar = report::progress::bar(total, bar && config.progress && all_files);
    let progress = bar.clone();
    (engine.on_progress(move |n| progress.inc(n)), inputs, bar)
}

/// The aggregate of every input of the run, built with `new`, with the progress bar shown as
/// configured. `tick`, when given, is called every few seconds with the aggregate of a stream
/// read so far (`--follow`), from the thread reading it.
pub fn collect<A: engine::Aggregate>(
    config: &Config,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    let (engine, inputs, bar) = engine(config, true);
    let agg = engine.collect(&inputs, new, tick);
    bar.finish_and_clear();
    agg
}

/// Runs the configured command. Problems with single inputs are reported as they happen and
/// make the exit code 2; errors writing the output end the run.
pub fn run(config: &Config) -> Result<Exit> {
    let mut exit = Exit::Success;
    interrupt::install();
    let stdout_tty = io::stdout().is_terminal();
    match config.mode {
        Mode::Events { raw, unparsed, csv } => {
            // Records written to the terminal would tear the progress bar.
            let (engine, inputs, bar) = engine(config, !stdout_tty);
            let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
            let mut source = Vec::new();
            let mut last_index = u32::MAX;
            if csv {
                report::csv::write_event_header(&mut out, raw)
                    .context("writing to standard output")?;
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
                            Outcome::Unparsed(err) if unparsed => {
                                report::csv::Record::Unparsed(err)
                            }
                            _ => return Ok(()),
                        };
                        return report::csv::write_event_row(
                            &mut out, &source, at.line, &record, raw,
                        );
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
            out.flush().context("writing to standard output")?;
        }
        Mode::Summary { output } => {
            let style = report::Style::for_stdout(config.color);
            let follow = config.follow && stdout_tty;
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
