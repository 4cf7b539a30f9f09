//! The join of nginx's error and access logs (`logparse::join`) against generated pairs of logs
//! whose truth is known: retries that succeeded, failures on every peer, timeouts without
//! retry, an incident (one peer refusing everything for a minute), clients repeating one request
//! in one second, and lines missing from either log. The counts must equal the truth for any
//! order of the two logs and any cut of the input into parts.

use std::collections::BTreeMap;

use gatelog_gen::join as joingen;
use logparse::join::{Join, Report};
use logparse::nginx::access::LogFormat;
use logparse::{Format, Options, Parser};

/// Class names and counts, to compare with the generator's truth.
fn named(m: &BTreeMap<logparse::Class, u64>) -> BTreeMap<&'static str, u64> {
    m.iter().map(|(c, n)| (c.as_str(), *n)).collect()
}

fn access_format(text: &str) -> LogFormat {
    LogFormat::new(text).expect("the generator's log_format")
}

fn parsers() -> (Parser, Parser) {
    let error = Parser::new(Some(Format::NginxError), Options::default());
    let access = Parser::new(Some(Format::NginxAccess), Options::default())
        .with_access_format(access_format(joingen::ACCESS_FORMAT));
    (error, access)
}

/// The join of `lines` (each tagged: error log or not), cut into parts at `cuts`, each part
/// joined alone, then merged in reverse order when `reverse`.
fn join_parts(lines: &[(bool, String)], cuts: &[usize], reverse: bool) -> Report {
    let (mut error, mut access) = parsers();
    let mut parts = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([lines.len()].iter()) {
        let mut j = Join::default();
        for (is_error, line) in &lines[start..end] {
            let p = if *is_error { &mut error } else { &mut access };
            let ev = p.parse(line.as_bytes()).expect("generated lines parse");
            j.push(&ev);
        }
        parts.push(j);
        start = end;
    }
    if reverse {
        parts.reverse();
    }
    let mut all = Join::default();
    for p in parts {
        all.merge(p);
    }
    all.report()
}

#[test]
fn the_join_equals_the_truth_in_any_order_and_cut() {
    // The generator writes the preset gatelog reads without configuration.
    assert_eq!(access_format(joingen::ACCESS_FORMAT).as_str(), LogFormat::main_upstream().as_str());
    for seed in 1..=4u64 {
        let g = joingen::generate(seed, 400);
        let want = g.truth();
        assert!(want.responses() > 20 && want.hidden() > 20, "seed {seed}: {want:?}");
        let errors: Vec<_> = g.error.iter().map(|l| (true, l.clone())).collect();
        let accesses: Vec<_> = g.access.iter().map(|l| (false, l.clone())).collect();
        // The error log then the access log, and the other way round.
        let ea: Vec<_> = errors.iter().chain(&accesses).cloned().collect();
        let ae: Vec<_> = accesses.iter().chain(&errors).cloned().collect();
        for lines in [&ea, &ae] {
            let n = lines.len();
            for cuts in [vec![], vec![n / 2], vec![n / 7, n / 3, n / 2 + 5, n - 3]] {
                for reverse in [false, true] {
                    let got = join_parts(lines, &cuts, reverse);
                    assert_eq!(
                        named(&got.responses_by_class),
                        want.responses_by_class,
                        "seed {seed}"
                    );
                    assert_eq!(named(&got.hidden_attempts), want.hidden_attempts, "seed {seed}");
                    assert_eq!(got.unmatched_attempts, want.unmatched_attempts, "seed {seed}");
                    assert_eq!(got.unmatched_responses, want.unmatched_responses, "seed {seed}");
                }
            }
        }
    }
}

#[test]
fn an_interleaved_stream_keeps_memory_flat() {
    // Both logs interleaved by time, as `tail -F error.log access.log` gives them, for many
    // times the soft capacity: the kept lines stay bounded and the counts stay exact.
    let g = joingen::generate(9, 30_000);
    let (mut error, mut access) = parsers();
    let mut j = Join::default();
    let mut most = 0;
    for (is_error, line) in g.interleaved() {
        let p = if is_error { &mut error } else { &mut access };
        j.push(&p.parse(line.as_bytes()).unwrap());
        most = most.max(j.kept());
    }
    let total = g.error.len() + g.access.len();
    assert!(total > 8 * Join::SOFT_CAPACITY, "{total} lines");
    assert!(most <= 2 * Join::SOFT_CAPACITY, "kept up to {most} of {total} lines");
    let got = j.report();
    let want = g.truth();
    assert_eq!(named(&got.responses_by_class), want.responses_by_class);
    assert_eq!(named(&got.hidden_attempts), want.hidden_attempts);
    assert_eq!(got.settled_early, 0);
}

#[test]
fn with_connection_identical_requests_are_told_apart() {
    let error = || Parser::new(Some(Format::NginxError), Options::default());
    for seed in 1..=4u64 {
        let g = joingen::generate_with(seed, 400, true);
        let want = g.truth();
        for (format, exact) in [
            (access_format(&joingen::connection_format()), true),
            (LogFormat::main_upstream(), false),
        ] {
            let mut access = Parser::new(Some(Format::NginxAccess), Options::default())
                .with_access_format(format);
            let mut e = error();
            // The access log first this time: the order does not matter.
            let mut j = Join::default();
            for line in &g.access {
                j.push(&access.parse(line.as_bytes()).unwrap());
            }
            for line in &g.error {
                j.push(&e.parse(line.as_bytes()).unwrap());
            }
            let got = j.report();
            if exact {
                assert_eq!(named(&got.responses_by_class), want.responses_by_class, "seed {seed}");
                assert_eq!(named(&got.hidden_attempts), want.hidden_attempts, "seed {seed}");
            }
            // Without the connection number, the classes of identical requests may be swapped
            // between them; the totals stay exact.
            assert_eq!(
                (got.responses(), got.hidden()),
                (want.responses(), want.hidden()),
                "seed {seed}"
            );
        }
    }
}
