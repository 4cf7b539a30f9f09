//! Non-fatal error messages.
//!
//! A problem with one input (a file that cannot be opened or read) is reported on stderr and
//! the run goes on with the other inputs; the [`errored`] flag then turns into exit code 2 at
//! the end. A [`warning`] says that something looks wrong without making the run fail.

use std::sync::atomic::{AtomicBool, Ordering};

static ERRORED: AtomicBool = AtomicBool::new(false);

/// Prints `gatelog: {msg}` on stderr and remembers that the run had an error.
pub fn error(msg: impl std::fmt::Display) {
    ERRORED.store(true, Ordering::Relaxed);
    eprintln!("gatelog: {msg}");
}

/// Whether [`error`] was called during this run.
pub fn errored() -> bool {
    ERRORED.load(Ordering::Relaxed)
}

/// Prints `gatelog: warning: {msg}` on stderr; the exit code is not changed.
pub fn warning(msg: impl std::fmt::Display) {
    eprintln!("gatelog: warning: {msg}");
}
