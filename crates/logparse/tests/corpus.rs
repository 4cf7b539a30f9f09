//! Every real line of the shared corpus (`testdata/corpus/real_lines.tsv`) is classified as a
//! careful reader classified it, through the checker the fixture cases use (`common`). The file
//! is compiled in, so the test needs no files at run time.

mod common;

use common::load::{self, corpus_rows};
use logparse::Format;

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
