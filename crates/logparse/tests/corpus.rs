//! Every real line of the shared corpus (`testdata/corpus/real_lines.tsv`) is classified as a
//! careful reader classified it. The file is compiled in, so the test needs no files at run
//! time.

use logparse::{Format, Options, Parser};

const CORPUS: &str = include_str!("../../../testdata/corpus/real_lines.tsv");

/// One row of the corpus.
struct Row<'a> {
    number: usize,
    format: &'a str,
    expected: &'a str,
    source: &'a str,
    line: &'a str,
}

fn rows() -> impl Iterator<Item = Row<'static>> {
    CORPUS.lines().enumerate().skip(1).filter(|(_, l)| !l.is_empty()).map(|(i, l)| {
        let mut cols = l.splitn(4, '\t');
        let mut next =
            || cols.next().unwrap_or_else(|| panic!("row {} has fewer than 4 columns", i + 1));
        Row { number: i + 1, format: next(), expected: next(), source: next(), line: next() }
    })
}

/// Whether a class name meets the expected label (`client` accepts both client classes).
fn meets(expected: &str, got: &str) -> bool {
    expected == got || (expected == "client" && matches!(got, "client_abort" | "client_error"))
}

/// Parses every row labelled `label` as `format` and fails listing every miss.
fn check(label: &str, format: Format) {
    let mut checked = 0;
    let mut misses = Vec::new();
    for row in rows().filter(|r| r.format == label) {
        checked += 1;
        let mut parser = Parser::new(Some(format), Options::default());
        match parser.parse(row.line.as_bytes()) {
            Ok(ev) if meets(row.expected, ev.class.as_str()) => {}
            Ok(ev) => misses.push(format!(
                "row {}: expected {}, got {} ({})\n    {}",
                row.number, row.expected, ev.class, row.source, row.line
            )),
            Err(e) => misses.push(format!(
                "row {}: expected {}, got error {e} ({})\n    {}",
                row.number, row.expected, row.source, row.line
            )),
        }
    }
    println!("{label}: {} of {checked} rows classified as expected", checked - misses.len());
    assert!(checked > 0, "no rows labelled {label}");
    assert!(
        misses.is_empty(),
        "{} of {checked} {label} rows missed:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn nginx_error_rows_all_classified() {
    check("nginx-error", Format::NginxError);
}

#[test]
fn corpus_rows_are_well_formed() {
    let names: Vec<&str> = logparse::Class::ALL.iter().map(|c| c.as_str()).collect();
    for row in rows() {
        assert!(
            names.contains(&row.expected) || row.expected == "client",
            "row {} has an unknown class {:?}",
            row.number,
            row.expected
        );
        assert!(!row.line.is_empty(), "row {} has no line", row.number);
    }
}

#[test]
fn alb_rows_all_classified() {
    check("alb", Format::Alb);
}

#[test]
fn elb_rows_all_classified() {
    check("elb", Format::Elb);
}

#[test]
fn haproxy_rows_all_classified() {
    check("haproxy", Format::Haproxy);
}
