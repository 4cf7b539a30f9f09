//! The progress bar of batch runs: bytes read of the total, rate and time left, on stderr.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar for `total` bytes, drawn on stderr when `show` is true and stderr is a
/// terminal; hidden otherwise (a hidden bar costs an atomic add per update).
pub fn bar(total: u64, show: bool) -> ProgressBar {
    if !show || total == 0 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    let style = ProgressStyle::with_template(
        "{bytes:>10} of {total_bytes} {wide_bar} {binary_bytes_per_sec:>12}, ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
