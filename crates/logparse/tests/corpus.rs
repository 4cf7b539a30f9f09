//! Every real line of the shared corpus (`testdata/corpus/real_lines.tsv`) is classified as a
//! careful reader classified it, through the checker the fixture cases use (`common`). The file
//! is compiled in, so the test needs no files at run time. Rows of formats not read yet are
//! counted and reported as skipped, not checked (see `testdata/corpus/README.md`, which also
//! says which corpus files are not here yet).

mod common;

use common::load::{self, corpus_rows};
use logparse::pair::{self, Pairs};
use logparse::{Class, Format, Options, Parser};

/// Checks every row labelled `label`, read as `format`; fails listing every miss.
fn check(label: &str, format: Format) {
    let cases = load::corpus_cases(label, format);
    assert!(!cases.is_empty(), "no rows labelled {label}");
    let report = common::check(&cases);
    println!("{label}: {} rows classified as expected", report.cases);
}

#[test]
fn nginx_error_rows_all_classified() {
    check("nginx-error", Format::NginxError);
}

#[test]
fn corpus_rows_are_well_formed() {
    for row in corpus_rows() {
        assert!(
            load::corpus_classes(row.expected).is_ok(),
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

#[test]
fn envoy_rows_all_classified() {
    check("envoy", Format::Envoy);
}

/// The same rows with the format detected per line: each must be taken for an Envoy line.
#[test]
fn envoy_rows_all_classified_when_detected() {
    let mut cases = load::corpus_cases("envoy", Format::Envoy);
    for c in &mut cases {
        c.setup.format = None;
        c.expect.parsed_as = Some(Format::Envoy);
        c.expect.detect = Some(Some(Format::Envoy));
    }
    let report = common::check(&cases);
    assert_eq!(report.events, cases.len());
}

/// The classes of the rows labelled `label`, read as one input with `format` (`None`: detected
/// per line), after pairing each unexplained 502/504 response with the line that explains it
/// (`logparse::pair`): a Traefik oxy round-trip 502 and the `caused by: EOF` line of the same
/// second are one failure.
fn paired_classes(label: &str, format: Option<Format>) -> Vec<(usize, Class, &'static str)> {
    let rows: Vec<_> = corpus_rows().into_iter().filter(|r| r.format == label).collect();
    assert!(!rows.is_empty(), "no rows labelled {label}");
    let mut parser = Parser::new(format, Options::default());
    let mut pairs: Pairs<usize> = Pairs::default();
    let mut classes = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let ev = parser
            .parse(r.line.as_bytes())
            .unwrap_or_else(|e| panic!("row {} ({:?}): {e}", r.number, format));
        let own = if label == "traefik" { Format::Traefik } else { Format::Caddy };
        assert_eq!(ev.format, own, "row {}", r.number);
        let mut class = ev.class;
        if let Some((key, role)) = pair::role_of(&ev) {
            match pairs.push(key, role, i) {
                Err(c) => class = c.class,
                Ok(Some((j, c))) => classes[j] = (rows[j].number, c.class, rows[j].expected),
                Ok(None) => {}
            }
        }
        classes.push((r.number, class, r.expected));
    }
    classes
}

fn check_paired(label: &str, format: Format) {
    for f in [Some(format), None] {
        let got = paired_classes(label, f);
        let wrong: Vec<_> = got
            .iter()
            .filter(|(_, c, want)| !load::corpus_classes(want).unwrap().contains(c))
            .collect();
        assert!(wrong.is_empty(), "{label} ({f:?}): rows with another class: {wrong:?}");
        println!("{label} ({f:?}): {} rows classified as expected", got.len());
    }
}

/// Every Traefik row, read as one input (explicitly and detected), has its class; all but
/// the oxy round-trip line have it on their own line (`common::check`).
#[test]
fn traefik_rows_all_classified() {
    check_paired("traefik", Format::Traefik);
    let mut cases = load::corpus_cases("traefik", Format::Traefik);
    cases.retain(|c| !String::from_utf8_lossy(&c.line).contains("Round trip: "));
    check_cases_both_ways(cases, Format::Traefik);
}

#[test]
fn caddy_rows_all_classified() {
    check_paired("caddy", Format::Caddy);
    check_cases_both_ways(load::corpus_cases("caddy", Format::Caddy), Format::Caddy);
}

/// The cases as given, then with detection per line (each detected as `format`).
fn check_cases_both_ways(mut cases: Vec<common::Case>, format: Format) {
    common::check(&cases);
    for c in &mut cases {
        c.setup.format = None;
        c.expect.parsed_as = Some(format);
        c.expect.detect = Some(Some(format));
    }
    common::check(&cases);
}

/// The formats of corpus rows that gatelog does not read yet: their rows are kept for that
/// work and not checked.
const NOT_READ_YET: [&str; 0] = [];

/// Every row is checked by one of the tests above, or belongs to a format listed as not read
/// yet; the test says how many rows that leaves unchecked, so that "every row passes" is
/// never read as more than it is.
#[test]
fn every_row_is_checked_or_of_a_format_not_read_yet() {
    let rows = corpus_rows();
    let mut skipped = std::collections::BTreeMap::<&str, usize>::new();
    let mut checked = 0;
    for row in &rows {
        if Format::ALL.iter().any(|f| f.as_str() == row.format) {
            checked += 1;
        } else {
            assert!(
                NOT_READ_YET.contains(&row.format),
                "row {}: format {:?}",
                row.number,
                row.format
            );
            *skipped.entry(row.format).or_default() += 1;
        }
    }
    let by_label: usize = ["nginx-error", "alb", "elb", "haproxy", "envoy", "traefik", "caddy"]
        .iter()
        .zip([
            Format::NginxError,
            Format::Alb,
            Format::Elb,
            Format::Haproxy,
            Format::Envoy,
            Format::Traefik,
            Format::Caddy,
        ])
        .map(|(label, format)| load::corpus_cases(label, format).len())
        .sum();
    assert_eq!(by_label, checked, "every row of a format read is checked above");
    let list: Vec<String> = skipped.iter().map(|(f, n)| format!("{f} {n}")).collect();
    println!(
        "real_lines.tsv: {checked} of {} rows checked; SKIPPED {} rows of formats gatelog does \
         not read yet ({})",
        rows.len(),
        rows.len() - checked,
        list.join(", ")
    );
}
