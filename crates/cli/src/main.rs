//! `gatelog`: which upstream failed, how, since when.
//!
//! The binary is glue: [`args`] reads the command line, [`config`] validates it, [`run`] hands
//! the inputs to the `engine` library (which reads and parses them through `logparse` into
//! `timeline` aggregates on every core), [`interrupt`] turns Ctrl-C into an early report, and
//! [`report`] writes the results.

use std::process::ExitCode;

use clap::Parser as _;

mod args;
mod config;
mod exit;
mod interrupt;
mod messages;
mod report;
mod run;
mod spikes;

fn main() -> ExitCode {
    let args = args::Args::parse();
    let result = args.into_config().and_then(|config| run::run(&config));
    match result {
        Ok(code) => code.into(),
        Err(err) if is_broken_pipe(&err) => exit::Exit::Success.into(),
        Err(err) => {
            eprintln!("gatelog: {err:#}");
            exit::Exit::Error.into()
        }
    }
}

/// Whether the error is a closed stdout (`gatelog events | head`): not a failure.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
