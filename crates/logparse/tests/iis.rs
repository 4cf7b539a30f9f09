//! The IIS and HTTP.sys rows of the shared corpus (`testdata/corpus/iis-cloudflare.tsv`), fed
//! in file order (rows labelled `header` are the file's directives, not events), read as
//! `iis` and detected line by line; and the synthetic fixtures of `testdata/iis/`, one per
//! row of the spec's mapping tables.

use logparse::{Class, Format, Options, ParseErrorKind, Parser};

const CORPUS: &str = include_str!("../../../testdata/corpus/iis-cloudflare.tsv");

/// `(row number, label, line)` of every row labelled `label`, in file order.
fn rows(label: &str) -> Vec<(usize, &'static str, &'static str)> {
    CORPUS
        .lines()
        .enumerate()
        .skip(1)
        .filter_map(|(i, l)| {
            let mut c = l.splitn(4, '\t');
            let (f, want, _, line) = (c.next()?, c.next()?, c.next()?, c.next()?);
            (f == label).then_some((i + 1, want, line))
        })
        .collect()
}

/// Feeds `lines` (`(where, expected label, line)`) to one parser; returns every miss.
fn misses(lines: &[(String, &str, &str)], format: Option<Format>) -> Vec<String> {
    let mut p = Parser::new(format, Options::default());
    let mut wrong = Vec::new();
    for (at, want, line) in lines {
        let got = p.parse(line.as_bytes());
        match (*want, got) {
            ("header", Err(e)) if matches!(e.kind, ParseErrorKind::Skipped(_)) => {}
            (want, Ok(ev)) if want != "header" => {
                let want: Class = want.parse().unwrap_or_else(|e| panic!("{at}: {e}"));
                if ev.class != want || ev.format != Format::Iis {
                    wrong.push(format!("{at}: want {want}, got {} ({})", ev.class, ev.format));
                }
                assert_eq!(ev.check_borrows(line.as_bytes()), Ok(()), "{at}");
            }
            (want, got) => wrong.push(format!("{at}: want {want}, got {got:?}")),
        }
    }
    wrong
}

#[test]
fn corpus_iis_rows_all_classified_explicit_and_detected() {
    let lines: Vec<(String, &str, &str)> =
        rows("iis").into_iter().map(|(n, w, l)| (format!("row {n}"), w, l)).collect();
    assert!(lines.len() > 50, "only {} iis rows", lines.len());
    for format in [Some(Format::Iis), None] {
        let wrong = misses(&lines, format);
        assert!(wrong.is_empty(), "{format:?}: {} misses:\n{}", wrong.len(), wrong.join("\n"));
    }
    println!("iis: {} rows (headers included) as expected, explicit and detected", lines.len());
}

#[test]
fn corpus_cloudflare_rows_all_classified_explicit_and_detected() {
    let lines = rows("cloudflare");
    assert!(lines.len() > 20, "only {} cloudflare rows", lines.len());
    for format in [Some(Format::Cloudflare), None] {
        let mut p = Parser::new(format, Options::default());
        let mut wrong = Vec::new();
        for (n, want, line) in &lines {
            let want: Class = want.parse().unwrap();
            match p.parse(line.as_bytes()) {
                Ok(ev) if ev.class == want && ev.format == Format::Cloudflare => {
                    assert_eq!(ev.check_borrows(line.as_bytes()), Ok(()), "row {n}");
                }
                got => wrong.push(format!("row {n}: want {want}, got {got:?}")),
            }
        }
        assert!(wrong.is_empty(), "{format:?}: {} misses:\n{}", wrong.len(), wrong.join("\n"));
    }
    println!("cloudflare: {} rows as expected, explicit and detected", lines.len());
}

/// `testdata/iis/httperr1.log`: one HTTP.sys error record per reason of the spec's table, read
/// in order with its directive block, as `iis` and detected.
#[test]
fn httperr_reasons_all_classified() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/iis/");
    let log = std::fs::read_to_string(format!("{dir}httperr1.log")).unwrap();
    let want = std::fs::read_to_string(format!("{dir}httperr1.classes")).unwrap();
    let lines: Vec<(String, &str, &str)> = log
        .lines()
        .zip(want.lines())
        .enumerate()
        .map(|(i, (l, w))| (format!("httperr1.log:{}", i + 1), w, l))
        .collect();
    assert_eq!(lines.len(), log.lines().count(), "a class per line");
    assert!(lines.len() > 40);
    for format in [Some(Format::Iis), None] {
        let wrong = misses(&lines, format);
        assert!(wrong.is_empty(), "{format:?}: {} misses:\n{}", wrong.len(), wrong.join("\n"));
    }
}
