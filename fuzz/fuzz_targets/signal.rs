//! Any bytes through `logparse::signal::parse`: no panic, and a signal borrows only from its
//! line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logparse::signal::{self, SignalOptions};

fuzz_target!(|line: &[u8]| {
    let boot = logparse::Timestamp::from_unix_seconds(1_700_000_000);
    for opts in [SignalOptions::default(), SignalOptions { year: 2024, boot_time: Some(boot) }] {
        if let Ok(s) = signal::parse(line, &opts) {
            assert_eq!(s.check_borrows(line), Ok(()));
        }
    }
});
