//! Any bytes through `logparse::envoy`: the built-in layouts, and an Envoy format string
//! taken from the input.
//!
//! The whole input is parsed as one line with `envoy::parse`. When it has a newline and the
//! part before it is UTF-8 and compiles as a format string (`envoy::LogFormat`), the rest is
//! parsed with a parser for that format as well. No panic; an event borrows only from its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logparse::envoy::{LogFormat, Parser};

fuzz_target!(|data: &[u8]| {
    if let Ok(ev) = logparse::envoy::parse(data) {
        assert_eq!(ev.check_borrows(data), Ok(()));
    }
    let _ = logparse::envoy::looks_like(data);
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
    if let Ok(ev) = Parser::with_format(format).parse(line) {
        assert_eq!(ev.check_borrows(line), Ok(()));
    }
});
