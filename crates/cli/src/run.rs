//! Runs the configured command: builds the [`engine::Engine`] from the configuration and hands
//! it to the command's module ([`crate::cmd`]).

use std::io::IsTerminal as _;

use anyhow::Result;

use crate::config::{Config, Mode};
use crate::exit::Exit;
use crate::{cmd, interrupt, messages};

/// Runs the configured command. Problems with single inputs are reported as they happen and
/// make the exit code 2; errors writing the output end the run.
pub fn run(config: &Config) -> Result<Exit> {
    interrupt::install();
    if config.stdin_by_default && std::io::stdin().is_terminal() {
        // Otherwise a run without a PATH just waits, and looks hung.
        messages::say("reading standard input; pass files or pipe a log");
    }
    let exit = match &config.mode {
        Mode::Events { raw, unparsed, csv } => {
            cmd::events::run(config, *raw, *unparsed, *csv).map(|()| Exit::Success)
        }
        Mode::Summary { output } => cmd::summary::run(config, *output).map(|()| Exit::Success),
        Mode::Timeline(t) => cmd::timeline::run(config, t).map(|()| Exit::Success),
        Mode::Spikes(s) => cmd::spikes::run(config, s),
        Mode::Report(r) => cmd::report::run(config, r).map(|()| Exit::Success),
        Mode::Watch(w) => cmd::watch::run(config, w),
        Mode::Signals { unparsed, episodes } => {
            cmd::signals::run(config, *unparsed, *episodes).map(|()| Exit::Success)
        }
    }?;
    Ok(if messages::errored() { Exit::Error } else { exit })
}
