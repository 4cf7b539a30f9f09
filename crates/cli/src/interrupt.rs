//! Ctrl-C: the first one stops reading, the second one ends the process.
//!
//! On the first SIGINT, reading stops at the next block or chunk and the report of the lines
//! read so far is written as usual: `tail -F error.log | gatelog summary` ends this way, and
//! its summary is complete for the lines that arrived, so the exit code is 0. When a file was
//! cut short, the report covers only part of the inputs: that file is named on stderr and the
//! exit code is 2. A second SIGINT, while the report is still being prepared, ends the process
//! at once with exit code 130 and prints nothing more.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The flag the engine watches ([`engine::Engine::stop_when`]).
pub fn flag() -> Arc<AtomicBool> {
    static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    STOP.get_or_init(|| Arc::new(AtomicBool::new(false))).clone()
}

/// Installs the handler. Failing to install it (another handler is in place) is not an error:
/// Ctrl-C then ends the process the default way.
pub fn install() {
    let stop = flag();
    let _ = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}
