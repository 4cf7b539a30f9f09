//! `gatelog`: which upstream failed, how, since when.
//!
//! The binary is glue: [`args`] reads the command line, [`config`] validates it (nothing after
//! it sees a clap type), [`run`] builds the `engine` for it and starts the command's module in
//! [`cmd`] (the engine reads and parses the inputs through `logparse` into `timeline`
//! aggregates on every core, `timeline` analyses them), [`interrupt`] turns Ctrl-C into an
//! early report, and the writers in [`report`] only format the results.

use std::process::ExitCode;

use clap::Parser as _;

mod args;
mod cmd;
mod config;
mod exit;
mod format_file;
mod interrupt;
mod messages;
mod reading;
mod report;
mod run;

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
