//! Inputs the fuzz targets (`fuzz/fuzz_targets/`) once failed on, replayed as plain tests.
//!
//! `tests/fuzz/<target>/` holds the inputs of the target of that name, each file one input,
//! fed through the same calls and checks as the target: no panic, and every field of an
//! event borrows from its line ([`logparse::Event::check_borrows`]).

use std::path::Path;

use logparse::lines::Lines;
use logparse::nginx::access::{LogFormat, Parser as AccessParser};
use logparse::{Event, Options, ParseError, Parser, detect};

fn check(line: &[u8], res: Result<Event<'_>, ParseError>) {
    if let Ok(ev) = res {
        assert_eq!(ev.check_borrows(line), Ok(()));
    }
}

/// Runs one input the way the target `target` does.
fn replay(target: &str, data: &[u8]) {
    match target {
        "nginx_error" => check(data, logparse::nginx::error::parse(data)),
        "nginx_access" => check(data, logparse::nginx::access::parse(data)),
        "haproxy" => check(data, logparse::haproxy::parse(data)),
        "alb" => check(data, logparse::aws::alb::parse(data)),
        "elb" => check(data, logparse::aws::elb::parse(data)),
        "envoy" => {
            check(data, logparse::envoy::parse(data));
            let _ = logparse::envoy::looks_like(data);
            let Some(nl) = data.iter().position(|&b| b == b'\n') else { return };
            let (head, line) = (&data[..nl], &data[nl + 1..]);
            let Ok(text) = std::str::from_utf8(head) else { return };
            let Ok(format) = logparse::envoy::LogFormat::new(text) else { return };
            check(line, logparse::envoy::Parser::with_format(format).parse(line));
        }
        "traefik" => check(data, logparse::traefik::parse(data)),
        "caddy" => check(data, logparse::caddy::parse(data)),
        "nginx_access_format" => {
            let Some(nl) = data.iter().position(|&b| b == b'\n') else { return };
            let (head, line) = (&data[..nl], &data[nl + 1..]);
            let Ok(text) = std::str::from_utf8(head) else { return };
            let Ok(format) = LogFormat::new(text) else { return };
            check(line, AccessParser::with_format(format, Options::default()).parse(line));
        }
        "detect" => {
            let _ = detect::detect_lines(Lines::new(data));
            let mut parser = Parser::new(None, Options::default());
            for line in Lines::new(data) {
                let _ = detect::detect_line(line);
                check(line, parser.parse(line));
            }
        }
        other => panic!("tests/fuzz/{other}: no fuzz target of that name"),
    }
}

#[test]
fn every_saved_fuzz_input_parses_without_panic_and_borrows_from_its_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut replayed = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| replay(&target, &data));
            assert!(outcome.is_ok(), "{} fails", file.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no inputs under {}", root.display());
}
