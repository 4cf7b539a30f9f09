//! Ctrl-C: the first one stops reading, the second one ends the process.
//!
//! On the first SIGINT, reading stops at the next block or chunk and the report of the lines
//! read so far is written as usual: `tail -F error.log | gatelog summary` ends this way, and
//! its summary is complete for the lines that arrived, so the exit code is 0. When a file was
//! cut short, the report covers only part of the inputs: that file is named on stderr and the
//! exit code is 2. A second SIGINT, while the report is still being prepared, ends the process
//! at once with exit code 130 and prints nothing more.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the handler. Failing to install it (another handler is in place) is not an error:
/// Ctrl-C then ends the process the default way.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// Whether reading should stop.
pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}
