//! The engine of a run: built from the configuration, with its inputs expanded, problems
//! reported as they happen ([`crate::messages`]), Ctrl-C as its stop flag
//! ([`crate::interrupt`]), and the progress bar.

use engine::{Engine, Input};

use crate::config::Config;
use crate::{interrupt, messages, report};

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
