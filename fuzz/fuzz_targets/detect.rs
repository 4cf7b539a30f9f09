//! Format detection and the detecting `Parser` over a multi-line input.
//!
//! Every line goes through `detect_line` and one detecting parser that keeps its state across
//! lines (open multi-line entries, the last detected format), as the CLI uses it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logparse::lines::Lines;
use logparse::{Options, Parser, detect};

fuzz_target!(|data: &[u8]| {
    let _ = detect::detect_lines(Lines::new(data));
    let mut parser = Parser::new(None, Options::default());
    for line in Lines::new(data) {
        let _ = detect::detect_line(line);
        if let Ok(ev) = parser.parse(line) {
            assert_eq!(ev.check_borrows(line), Ok(()));
        }
    }
});
