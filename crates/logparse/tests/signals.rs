//! Every real backend line of `testdata/corpus/backend-signals.tsv` is read by
//! `logparse::signal::parse` with the source and kind a careful reader gave it, and every
//! field borrows from its line. The file is compiled in.

use logparse::signal::{self, Kind, SignalOptions, Source};

const CORPUS: &str = include_str!("../../../testdata/corpus/backend-signals.tsv");

/// `(row number, source_kind, signal_kind, line)` for every data row.
fn rows() -> Vec<(usize, &'static str, &'static str, &'static str)> {
    CORPUS
        .lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(f.len(), 4, "row {} has {} columns", i + 1, f.len());
            (i + 1, f[0], f[1], f[3])
        })
        .collect()
}

#[test]
fn every_row_gives_its_source_and_kind() {
    let opts = SignalOptions { year: 2024, boot_time: None };
    let rows = rows();
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    let mut misses = Vec::new();
    for &(n, source, kind, line) in &rows {
        let want = (Source::from_name(source), Kind::from_name(kind));
        assert!(want.0.is_some() && want.1.is_some(), "row {n}: unknown names {source} {kind}");
        match signal::parse(line.as_bytes(), &opts) {
            Ok(s) => {
                assert_eq!(s.check_borrows(line.as_bytes()), Ok(()), "row {n}");
                if (Some(s.source), s.kind) != want {
                    misses.push(format!(
                        "row {n}: got {} {:?}, want {source} {kind}: {line}",
                        s.source.as_str(),
                        s.kind.map(Kind::as_str)
                    ));
                }
            }
            Err(e) => misses.push(format!("row {n}: unparsed ({}): {line}", e.as_str())),
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} rows wrong:\n{}",
        misses.len(),
        rows.len(),
        misses.join("\n")
    );
    println!("{} rows: source and kind as expected", rows.len());
}
/// Identity and detail fields of a few rows, one per family, as written in the lines.
#[test]
fn identity_and_detail_from_real_rows() {
    let opts = SignalOptions { year: 2024, boot_time: None };
    let rows = rows();
    let get = |needle: &str| {
        let (_, _, _, line) = rows.iter().find(|r| r.3.contains(needle)).expect(needle);
        signal::parse(line.as_bytes(), &opts).unwrap()
    };
    let s = get("WORKER TIMEOUT (pid:7214)");
    assert_eq!((s.identity.pid, s.identity.master_pid), (Some(7214), Some(1637)));
    let s = get("child 24227 exited on signal 9");
    assert_eq!((s.identity.pool, s.identity.pid), (Some(&b"friendica"[..]), Some(24227)));
    assert_eq!((s.detail.signal, s.detail.suspect), (Some(9), Some(signal::Suspect::Oom)));
    let s = get("[pool rss-bridge] server reached");
    assert_eq!(s.detail.limit, Some(5));
    let s = get("DAMN ! worker 10");
    assert_eq!((s.identity.worker, s.identity.pid), (Some(10), Some(97702)));
    assert_eq!(s.identity.host, Some(&b"app1.example.com"[..]));
    let s = get("listen queue of socket \"127.0.0.1:5000\"");
    assert_eq!((s.identity.listen, s.detail.limit), (Some(&b"127.0.0.1:5000"[..]), Some(100)));
    let s = get("Killed process 63214 (uwsgi)");
    assert_eq!(s.detail.rss_kib, Some(164_992 + 52_176 + 92));
    assert_eq!(s.detail.uptime_us, Some(7_063_247_407));
    let s = get("task=pt_main_thread");
    assert_eq!(s.identity.pid, Some(461_754));
    assert_eq!(s.identity.pod_uid, Some(&b"eded8c65_6e8e_4c6e_a889_3e427565c740"[..]));
    let s = get("inkypi.service: Main process exited");
    assert_eq!((s.identity.unit, s.identity.pid), (Some(&b"inkypi.service"[..]), None));
    let s = get("Readiness probe failed");
    assert_eq!(s.identity.listen, Some(&b"198.51.100.92:8022"[..]));
    assert_eq!((s.detail.age_s, s.detail.restart_count), (Some(1), Some(2)));
    let s = get("container oom 29d7");
    assert_eq!(s.identity.pod, Some(&b"jupyter-******"[..]));
    assert_eq!(s.identity.namespace, Some(&b"jhub-prod"[..]));
    let s = get("worker=0 PID:4463 timeout");
    assert_eq!((s.detail.elapsed_s, s.detail.timeout_s), (Some(6.0), Some(5.0)));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Real rows with a few bytes changed, cut or repeated.
    fn mutated() -> impl Strategy<Value = Vec<u8>> {
        let lines: Vec<&'static str> = rows().into_iter().map(|r| r.3).collect();
        (0..lines.len(), proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..6))
            .prop_map(move |(i, edits)| {
                let mut l = lines[i].as_bytes().to_vec();
                for (at, b, op) in edits {
                    let at = at % (l.len() + 1);
                    match op {
                        0 if at < l.len() => l[at] = b,
                        1 => l.truncate(at),
                        _ => l.insert(at, b),
                    }
                }
                l
            })
    }

    fn holds(line: &[u8]) -> Result<(), TestCaseError> {
        let boot = logparse::Timestamp::from_unix_seconds(1_700_000_000);
        for opts in [SignalOptions::default(), SignalOptions { year: 2024, boot_time: Some(boot) }]
        {
            if let Ok(s) = signal::parse(line, &opts) {
                prop_assert_eq!(s.check_borrows(line), Ok(()));
                prop_assert!(s.time.is_some() || s.time_quality != signal::TimeQuality::Absolute);
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn any_bytes_no_panic_and_borrowed(line in proptest::collection::vec(any::<u8>(), 0..300)) {
            holds(&line)?;
        }

        #[test]
        fn mutated_rows_no_panic_and_borrowed(line in mutated()) {
            holds(&line)?;
        }
    }
}
