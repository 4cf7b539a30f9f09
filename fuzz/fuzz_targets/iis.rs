//! Any bytes, split into lines, through one `logparse::iis::Parser` (so `#Fields` directives
//! in the input change how later lines are read): no panic, and an event borrows only from its
//! line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut p = logparse::iis::Parser::new();
    for line in input.split(|&b| b == b'\n') {
        if let Ok(ev) = p.parse(line) {
            assert_eq!(ev.check_borrows(line), Ok(()));
        }
    }
});
