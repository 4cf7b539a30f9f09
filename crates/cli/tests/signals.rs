//! `gatelog signals` over the real backend lines of `testdata/corpus/backend-signals.tsv`:
//! one record per row, in order, each with the row's `source` and `kind`; `--unparsed` adds
//! a record with a reason for every other line, and non-UTF-8 input does not stop it.

use std::io::Write as _;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");
const CORPUS: &str = include_str!("../../../testdata/corpus/backend-signals.tsv");

fn run(args: &[&str], input: &[u8]) -> (Output, Vec<Value>) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(input).unwrap();
    let path = f.path().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = vec!["signals"];
    all.extend_from_slice(args);
    all.push(&path);
    let out = Command::new(BIN).args(&all).output().unwrap();
    let records = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out, records)
}

/// `(source_kind, signal_kind, line)` of every row.
fn rows() -> Vec<(&'static str, &'static str, &'static str)> {
    CORPUS
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            (f[0], f[1], f[3])
        })
        .collect()
}

#[test]
fn every_corpus_row_gives_its_source_and_kind() {
    let rows = rows();
    let text: String = rows.iter().map(|r| format!("{}\n", r.2)).collect();
    let (out, records) = run(&[], text.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(records.len(), rows.len());
    for (i, (r, (source, kind, line))) in records.iter().zip(&rows).enumerate() {
        assert_eq!(r["line"], i as u64 + 1);
        assert_eq!(
            (r["source"].as_str(), r["kind"].as_str()),
            (Some(*source), Some(*kind)),
            "{line}"
        );
    }
}

#[test]
fn unparsed_lines_have_a_reason() {
    let input = b"[2024-01-09 13:24:39 +0000] [1637] [CRITICAL] WORKER TIMEOUT (pid:7214)\nnot a backend line \xff\xfe\n\n";
    let (out, records) = run(&["--unparsed"], input);
    assert!(out.status.success());
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["kind"], "worker_timeout");
    assert_eq!(records[0]["time"], "2024-01-09T13:24:39Z");
    assert_eq!(records[1]["unparsed"], true);
    assert_eq!(records[1]["reason"], "no known backend message");
    assert_eq!(records[2]["reason"], "empty line");
    let (_, records) = run(&[], input);
    assert_eq!(records.len(), 1);
}

#[test]
fn episodes_merge_the_kernel_kill_and_the_gunicorn_line() {
    let input = b"2024-01-09T13:25:03+00:00 web1 kernel: Out of memory: Killed process 4242 (gunicorn) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB
2024-01-09T13:25:03+00:00 web1 gunicorn[4200]: [2024-01-09 13:25:03 +0000] [4200] [ERROR] Worker (pid:4242) was sent SIGKILL! Perhaps out of memory?
2024-01-09T13:25:04+00:00 web1 gunicorn[4300]: [2024-01-09 13:25:04 +0000] [4300] [INFO] Booting worker with pid: 4300
";
    let (out, records) = run(&["--episodes"], input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["kind"], "oom_kill");
    assert_eq!(records[0]["time"], "2024-01-09T13:25:03Z");
    assert_eq!(records[0]["members"].as_array().unwrap().len(), 2);
    assert_eq!(records[1]["kind"], "restart");
}
