//! `gatelog`: which upstream failed, how, since when.
//!
//! The binary is glue: [`args`] reads the command line, [`config`] validates it (nothing after
//! it sees a clap type), [`run`] builds the `engine` for it and starts the command's module in
//! [`cmd`] (the engine reads and parses the inputs through `logparse` into `timeline`
//! aggregates on every core, `timeline` analyses them), [`interrupt`] turns Ctrl-C into an
//! early report, and the writers in [`report`] only format the results.

// `eprintln!` panics when stderr is closed or full: messages go through `messages::say`.
#![deny(clippy::print_stderr)]

use std::io::Write as _;
use std::process::ExitCode;

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
    let args = match args::Args::try_parse_env() {
        Ok(args) => args,
        Err(e) => return clap_exit(&e).into(),
    };
    let result = args.into_config().and_then(|config| run::run(&config));
    match result {
        Ok(code) => code.into(),
        Err(err) if is_broken_pipe(&err) => exit::Exit::Success.into(),
        Err(err) => {
            messages::say(format_args!("{err:#}"));
            exit::Exit::Error.into()
        }
    }
}

/// Prints clap's message: the help or the version on stdout (exit 0, or 2 when stdout cannot
/// be written, a closed pipe aside), an error on stderr (exit 2, whether or not stderr could
/// be written).
fn clap_exit(e: &clap::Error) -> exit::Exit {
    let printed = e.print().and_then(|()| std::io::stdout().flush());
    if e.use_stderr() {
        return exit::Exit::Error;
    }
    match printed {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            messages::say(format_args!("writing to standard output: {err}"));
            exit::Exit::Error
        }
        _ => exit::Exit::Success,
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
