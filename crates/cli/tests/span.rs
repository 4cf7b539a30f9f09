//! Memory follows the counts, not the calendar: three errors six years apart (one line with a
//! wrong year is enough to make such a span) are read by every command under an address-space
//! limit far below what one slot per second of the span would need (six years of seconds are
//! about 190 million; four bytes each would be 760 MB for one series).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

/// The address space the runs may use, in KiB: room for the program, a few threads and their
/// allocators, and nothing near a dense array over the span.
const LIMIT_KIB: u64 = 400 * 1024;

fn line(year: u32, n: u32) -> String {
    format!(
        "{year}/03/14 10:00:00 [error] 7#7: *{n} connect() failed (111: Connection refused) while connecting to upstream, client: 10.9.0.1, server: shop, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.1.10:3000/\", host: \"shop\"\n"
    )
}

/// Runs gatelog with `args` under the limit, on one worker thread with at most two malloc
/// arenas (each arena reserves address space of its own).
fn limited(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .args(["-j", "1"])
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("run gatelog under sh")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn three_errors_six_years_apart_need_no_memory_for_the_years_between() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    std::fs::write(&log, [line(2020, 1), line(2023, 2), line(2026, 3)].concat()).unwrap();
    let html = dir.path().join("report.html");

    let spikes = ok(&limited(&["spikes", s(&log)]));
    assert!(spikes.contains("no spikes of upstream failures"), "{spikes}");
    let segments = ok(&limited(&["spikes", "--method", "segments", s(&log)]));
    assert!(segments.contains("no spikes of upstream failures"), "{segments}");

    // One-minute buckets over six years: millions of buckets, three of them non-empty.
    let table = ok(&limited(&["timeline", s(&log)]));
    assert!(table.starts_with("3155041 buckets of 60 s from 2020-03-14T10:00:00Z"), "{table}");
    let json = ok(&limited(&["timeline", "-o", "json", s(&log)]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["buckets"], 3155041);
    assert_eq!(v["series"][0]["buckets"].as_array().unwrap().len(), 3);
    let csv = ok(&limited(&["timeline", "-o", "csv", s(&log)]));
    assert_eq!(csv.lines().count(), 4, "{csv}");

    ok(&limited(&["report", s(&log), "-o", s(&html)]));
    ok(&limited(&["report", "--bucket", "1m", s(&log), "-o", s(&html)]));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("3 failures"), "the chart of the upstream is missing");
    // One bar per non-empty bucket of the chart.
    assert_eq!(page.matches("connect_refused: 1</title></rect>").count(), 3);
}
