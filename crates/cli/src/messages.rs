//! Messages on stderr.
//!
//! A problem with one input (a file that cannot be opened or read) is reported on stderr and
//! the run goes on with the other inputs; the [`errored`] flag then turns into exit code 2 at
//! the end. A [`warning`] says that something looks wrong without making the run fail.
//!
//! Every message goes through [`say`], which never fails: a stderr that is closed or full
//! (`2>/dev/full`, `2>&-`, a pipe whose reader is gone) drops the message, and the exit code
//! still tells how the run went. (`eprintln!` would panic there, and exit 101.)

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

static ERRORED: AtomicBool = AtomicBool::new(false);

/// Prints `gatelog: {msg}` on stderr, or nothing when stderr cannot be written.
pub fn say(msg: impl std::fmt::Display) {
    // One buffer, one write: a message is never cut by another thread's.
    let line = format!("gatelog: {msg}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Prints `gatelog: {msg}` on stderr (see [`say`]) and remembers that the run had an error.
pub fn error(msg: impl std::fmt::Display) {
    ERRORED.store(true, Ordering::Relaxed);
    say(msg);
}

/// Whether [`error`] was called during this run.
pub fn errored() -> bool {
    ERRORED.load(Ordering::Relaxed)
}

/// Prints `gatelog: warning: {msg}` on stderr (see [`say`]); the exit code is not changed.
pub fn warning(msg: impl std::fmt::Display) {
    say(format_args!("warning: {msg}"));
}
