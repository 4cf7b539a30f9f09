//! Any bytes through `logparse::traefik::parse`: no panic, and an event borrows only from its line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    if let Ok(ev) = logparse::traefik::parse(line) {
        assert_eq!(ev.check_borrows(line), Ok(()));
    }
});
