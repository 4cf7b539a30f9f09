//! Any bytes through `logparse::cloudflare::parse` and `looks_like`: no panic, and an event
//! borrows only from its line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let _ = logparse::cloudflare::looks_like(line);
    if let Ok(ev) = logparse::cloudflare::parse(line) {
        assert_eq!(ev.check_borrows(line), Ok(()));
    }
});
