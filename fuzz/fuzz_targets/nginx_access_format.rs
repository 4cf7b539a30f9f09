//! A `log_format` taken from the input, then the rest of the input read with it.
//!
//! The input is `FORMAT \n LINE`: everything before the first newline is compiled as a
//! `log_format` string (when it is UTF-8 and compiles), the remainder is parsed as one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logparse::Options;
use logparse::nginx::access::{LogFormat, Parser};

fuzz_target!(|data: &[u8]| {
    let Some(nl) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (head, line) = (&data[..nl], &data[nl + 1..]);
    let Ok(text) = std::str::from_utf8(head) else {
        return;
    };
    let Ok(format) = LogFormat::new(text) else {
        return;
    };
    let parser = Parser::with_format(format, Options::default());
    if let Ok(ev) = parser.parse(line) {
        assert_eq!(ev.check_borrows(line), Ok(()));
    }
});
