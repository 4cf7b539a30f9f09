//! End-to-end tests of `gatelog watch`: rotation by rename and by truncation, files that
//! appear later, vanished files, standard input, the label bound, stalled clients, SIGTERM.

mod watch_support;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use watch_support::{Watch, append, lines, sum};

const REFUSED: &str = "gatelog_upstream_events_total";

#[test]
fn existing_lines_are_skipped_and_appended_ones_counted_once_across_a_rename_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 7));
    let w = Watch::start(&[log.to_str().unwrap()]);
    w.settle();
    append(&log, &lines("connect_refused", "10.0.0.1:80", 7, 10));
    assert_eq!(w.wait_for(REFUSED, &[r#"class="connect_refused""#], 10.0), 10.0);
    // logrotate: rename, the writer still holds the old file for a while, a new file.
    let mut writer = fs::OpenOptions::new().append(true).open(&log).unwrap();
    fs::rename(&log, dir.path().join("error.log.1")).unwrap();
    writer.write_all(lines("connect_refused", "10.0.0.1:80", 17, 5).as_bytes()).unwrap();
    append(&log, &lines("response_timeout", "10.0.0.2:80", 0, 4));
    w.settle();
    writer.write_all(lines("connect_refused", "10.0.0.1:80", 22, 3).as_bytes()).unwrap();
    append(&log, &lines("response_timeout", "10.0.0.2:80", 4, 4));
    assert_eq!(w.wait_for(REFUSED, &[r#"class="connect_refused""#], 18.0), 18.0);
    assert_eq!(w.wait_for(REFUSED, &[r#"class="response_timeout""#], 8.0), 8.0);
    w.settle();
    assert_eq!(w.sum("gatelog_lines_total", &[]), 26.0);
    assert_eq!(w.sum("gatelog_lines_total", &[r#"outcome="unparsed""#]), 0.0);
    let (status, _) = w.get("/healthz");
    assert_eq!(status, 200);
}

#[test]
fn copytruncate_is_read_again_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let w = Watch::start(&[log.to_str().unwrap()]);
    w.settle();
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 12));
    assert_eq!(w.wait_for(REFUSED, &[], 12.0), 12.0);
    fs::copy(&log, dir.path().join("error.log.1")).unwrap();
    fs::OpenOptions::new().write(true).open(&log).unwrap().set_len(0).unwrap();
    w.settle();
    append(&log, &lines("connect_refused", "10.0.0.1:80", 12, 3));
    assert_eq!(w.wait_for(REFUSED, &[], 15.0), 15.0);
    w.settle();
    assert_eq!(w.sum(REFUSED, &[]), 15.0);
    assert!(w.stderr.lock().unwrap().contains("truncated"), "{}", w.stderr.lock().unwrap());
}

#[test]
fn a_file_created_after_start_in_a_watched_directory_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.log"), &lines("connect_refused", "10.0.0.1:80", 0, 3));
    let w = Watch::start(&[dir.path().to_str().unwrap()]);
    w.settle();
    append(&dir.path().join("b.log"), &lines("connect_refused", "10.0.0.7:80", 0, 6));
    // A rotated copy appearing is not a new log.
    append(&dir.path().join("a.log.1"), &lines("connect_refused", "10.0.0.1:80", 0, 3));
    assert_eq!(w.wait_for(REFUSED, &[r#"upstream="10.0.0.7:80""#], 6.0), 6.0);
    w.settle();
    assert_eq!(w.sum(REFUSED, &[]), 6.0);
    let b = dir.path().join("b.log");
    let source = format!(r#"source="{}""#, b.display());
    assert_eq!(w.sum("gatelog_lines_total", &[&source]), 6.0);
}

#[test]
fn a_vanished_file_is_reported_once_turns_healthz_to_503_and_is_followed_again() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let w = Watch::start(&[log.to_str().unwrap()]);
    w.settle();
    assert_eq!(w.get("/healthz").0, 200);
    fs::remove_file(&log).unwrap();
    w.settle();
    w.settle();
    let (status, body) = w.get("/healthz");
    assert_eq!(status, 503);
    assert!(body.contains("error.log: missing"), "{body}");
    assert_eq!(w.stderr.lock().unwrap().matches("gone; watching").count(), 1);
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 2));
    assert_eq!(w.wait_for(REFUSED, &[], 2.0), 2.0);
    assert_eq!(w.get("/healthz").0, 200);
}

#[test]
fn standard_input_is_read_as_it_comes() {
    let w = Watch::start_with(&["-"], Stdio::piped());
    let mut w = w;
    let mut stdin = w.child.stdin.take().unwrap();
    stdin.write_all(lines("connect_refused", "10.0.0.1:80", 0, 4).as_bytes()).unwrap();
    stdin.flush().unwrap();
    assert_eq!(w.wait_for("gatelog_lines_total", &[r#"source="-""#], 4.0), 4.0);
    drop(stdin);
    w.settle();
    // The metrics are still served after the stream ends.
    assert_eq!(w.sum(REFUSED, &[]), 4.0);
}

#[test]
fn upstreams_past_max_series_are_folded_into_other_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let w = Watch::start(&[log.to_str().unwrap(), "--max-series", "2"]);
    w.settle();
    let mut text = String::new();
    for u in 0..5 {
        text.push_str(&lines("connect_refused", &format!("10.0.0.{u}:80"), u * 10, 3));
    }
    append(&log, &text);
    assert_eq!(w.wait_for(REFUSED, &[], 15.0), 15.0);
    let metrics = w.get("/metrics").1;
    assert_eq!(sum(&metrics, REFUSED, &[r#"upstream="other""#]), 9.0);
    assert_eq!(sum(&metrics, "gatelog_folded_events_total", &[]), 9.0);
    let upstreams = metrics
        .lines()
        .filter(|l| l.starts_with(REFUSED))
        .filter(|l| !l.contains(r#"upstream="other""#))
        .count();
    assert_eq!(upstreams, 2, "{metrics}");
}

#[test]
fn metrics_speak_openmetrics_when_asked_and_spikes_is_the_spikes_schema() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let w = Watch::start(&[log.to_str().unwrap()]);
    w.settle();
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 40));
    assert_eq!(w.wait_for(REFUSED, &[], 40.0), 40.0);
    let (_, open) =
        w.get_with("/metrics", "Accept: application/openmetrics-text; version=1.0.0\r\n");
    assert!(open.trim_end().ends_with("# EOF"), "{open}");
    assert!(open.contains("# TYPE gatelog_upstream_events counter"));
    let (_, text) = w.get("/metrics");
    assert!(!text.contains("# EOF"));
    assert!(text.contains("# TYPE gatelog_upstream_events_total counter"));
    assert!(text.contains("process_resident_memory_bytes"));
    assert!(text.contains("gatelog_last_event_timestamp_seconds{"));
    // The forty errors in one second against nothing before are a spike, open now.
    let t0 = Instant::now();
    let spikes = loop {
        let (status, body) = w.get("/spikes");
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if v["spikes"].as_array().is_some_and(|a| !a.is_empty()) || t0.elapsed().as_secs() > 10 {
            break v;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(spikes["schema_version"], 1);
    assert_eq!(spikes["spikes"][0]["upstream"], "10.0.0.1:80");
    assert_eq!(spikes["spikes"][0]["count"], 40);
    let active = w.sum("gatelog_spike_active", &[r#"class="connect_refused""#]);
    assert_eq!(active, 1.0);
    assert_eq!(w.sum("gatelog_spikes_total", &[r#"upstream="10.0.0.1:80""#]), 1.0);
    assert_eq!(w.get("/nothing").0, 404);
}

/// Clients that send half a request, or ask for a large /metrics and never read it, hold only
/// their own threads: lines are still read and other scrapes answered.
#[test]
fn stalled_clients_stall_neither_reading_nor_other_scrapes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let w = Watch::start(&[log.to_str().unwrap(), "--max-series", "30000"]);
    w.settle();
    // Enough series for a body of megabytes: more than the socket buffers hold.
    let mut text = String::new();
    for u in 0..12_000 {
        text.push_str(&watch_support::line(
            "connect_refused",
            &format!("10.{}.{}.1:8080", u / 250, u % 250),
            u,
        ));
    }
    append(&log, &text);
    assert_eq!(w.wait_for(REFUSED, &[], 12_000.0), 12_000.0);
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(w.addr).unwrap();
        s.write_all(b"GET /metr").unwrap();
        stalled.push(s);
    }
    for _ in 0..4 {
        let mut s = TcpStream::connect(w.addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    append(&log, &lines("response_timeout", "10.0.0.1:80", 0, 5));
    let t0 = Instant::now();
    assert_eq!(w.wait_for(REFUSED, &[r#"class="response_timeout""#], 5.0), 5.0);
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(w.get("/healthz").0, 200);
    // The stalled readers had their answers under way: one of them reads a little now.
    let mut first = [0u8; 16];
    stalled[4].set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stalled[4].read_exact(&mut first).unwrap();
    assert_eq!(&first[..8], b"HTTP/1.1");
}

#[test]
fn sigterm_exits_at_once_with_code_0() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut w = Watch::start(&[log.to_str().unwrap()]);
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 3));
    w.settle();
    let t0 = Instant::now();
    let killed = Command::new("kill").args(["-TERM", &w.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(s) = w.child.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(2), "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_port_in_use_is_an_error_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(watch_support::BIN)
        .args(["watch", "-", "--listen", &addr])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

#[test]
fn from_start_reads_what_is_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, &lines("connect_refused", "10.0.0.1:80", 0, 6));
    let w = Watch::start(&[log.to_str().unwrap(), "--from-start"]);
    assert_eq!(w.wait_for(REFUSED, &[], 6.0), 6.0);
    append(&log, &lines("connect_refused", "10.0.0.1:80", 6, 2));
    assert_eq!(w.wait_for(REFUSED, &[], 8.0), 8.0);
}
