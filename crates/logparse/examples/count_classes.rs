//! Counts the events of a log file per class, with the library alone.
//!
//! `cargo run --release -p logparse --example count_classes -- FILE`

use std::collections::BTreeMap;

use logparse::{Options, ParseErrorKind, Parser, lines::Lines};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).expect("usage: count_classes FILE");
    let data = std::fs::read(&path)?;
    let mut parser = Parser::new(None, Options::default());
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for line in Lines::new(&data) {
        let key = match parser.parse(line) {
            Ok(event) => event.class.as_str(),
            Err(e) if e.kind == ParseErrorKind::Continuation => "continuation",
            Err(e) => e.reason(),
        };
        *counts.entry(key).or_default() += 1;
    }
    for (key, n) in counts {
        println!("{key},{n}");
    }
    Ok(())
}
