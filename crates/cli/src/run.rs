//! Runs the configured command: builds the [`engine::Engine`] from the configuration and hands
//! it to the command's module ([`crate::cmd`]).

use anyhow::Result;
use engine::{Engine, Input};

use crate::config::{Config, Mode};
use crate::exit::Exit;
use crate::{cmd, interrupt, messages, report};

/// The engine for `config`, with its inputs expanded and the progress bar set up (shown when
/// `bar` and the configuration allow it and every input is a file).
pub fn engine(config: &Config, bar: bool) -> (Engine, Vec<Input>, indicatif::ProgressBar) {
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
    interrupt::install();
    let exit = match &config.mode {
        Mode::Events { raw, unparsed, csv } => {
            cmd::events::run(config, *raw, *unparsed, *csv).map(|()| Exit::Success)
        }
        Mode::Summary { output } => cmd::summary::run(config, *output).map(|()| Exit::Success),
        Mode::Timeline(t) => cmd::timeline::run(config, t).map(|()| Exit::Success),
        Mode::Spikes(s) => cmd::spikes::run(config, s),
        Mode::Report(r) => cmd::report::run(config, r).map(|()| Exit::Success),
    }?;
    Ok(if messages::errored() { Exit::Error } else { exit })
}
