//! End-to-end tests of the `gatelog` binary.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/driver").join(name)
}

fn gatelog(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run gatelog")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and asserts exit 0 with nothing on stderr.
fn ok(args: &[&str]) -> String {
    let out = gatelog(args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

fn small() -> String {
    fixture("small.log").to_str().unwrap().to_owned()
}

/// An event record, as documented in `report/json.rs`; unknown keys fail the test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EventRecord {
    source: String,
    line: u64,
    time: Option<String>,
    format: String,
    class: String,
    group: String,
    phase: String,
    level: Option<String>,
    status: Option<u16>,
    upstream: Option<String>,
    upstream_group: Option<String>,
    client: Option<String>,
    server: Option<String>,
    host: Option<String>,
    request: Option<String>,
    message: String,
    fields: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    raw: Option<String>,
}

/// Any record of `events --unparsed`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Record {
    Unparsed(UnparsedRecord),
    Continuation(ContinuationRecord),
    Event(Box<EventRecord>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnparsedRecord {
    source: String,
    line: u64,
    unparsed: bool,
    error: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContinuationRecord {
    source: String,
    line: u64,
    continuation: bool,
}

impl Record {
    fn at(&self) -> (&str, u64) {
        match self {
            Record::Unparsed(r) => (&r.source, r.line),
            Record::Continuation(r) => (&r.source, r.line),
            Record::Event(r) => (&r.source, r.line),
        }
    }
}

fn records(text: &str) -> Vec<Record> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn events(text: &str) -> Vec<EventRecord> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// The number of lines in `bytes` counted the plain way: one per `\n`, plus a last line
/// without one.
fn count_lines(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

#[test]
fn unparsed_gives_one_record_per_input_line_whatever_the_bytes() {
    let mut data = std::fs::read(fixture("small.log")).unwrap();
    data.extend_from_slice(b"\r\n\n\x00\x00\x00\n\xff\xfe not utf-8 \xc3\n");
    data.extend_from_slice(
        b"2024/11/03 07:00:00 [error] 1#1: *9 connect() failed (111: Connection refused) while \
          connecting to upstream, client: 1.2.3.4, server: s, request: \"GET /\xe9t\xe9 HTTP/1.1\", \
          upstream: \"http://10.0.0.9:80/\", host: \"h\"\r\n",
    );
    data.extend_from_slice(b"   \n\t\nno trailing newline \x00 here");
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    std::fs::write(&a, &data).unwrap();
    let b = dir.path().join("b.log");
    std::fs::write(&b, b"\n").unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let out = ok(&["events", "--unparsed", "--raw", a, b]);
    let recs = records(&out);
    let want = count_lines(&data);
    assert_eq!(recs.len(), want + 1, "one record per line of a.log and of b.log");
    for (i, r) in recs.iter().take(want).enumerate() {
        assert_eq!(r.at(), (a, i as u64 + 1));
    }
    assert_eq!(recs.last().unwrap().at(), (b, 1));

    let mut kinds = (0, 0, 0);
    for r in &recs {
        match r {
            Record::Event(e) => {
                kinds.0 += 1;
                assert!(!e.raw.as_deref().unwrap().ends_with('\r'), "CR is stripped");
            }
            Record::Continuation(c) => {
                kinds.1 += 1;
                assert!(c.continuation);
            }
            Record::Unparsed(u) => {
                kinds.2 += 1;
                assert!(u.unparsed && !u.error.is_empty() && !u.reason.is_empty());
            }
        }
    }
    assert_eq!(kinds.1, 1, "the FastCGI entry has one continuation line");
    // The CRLF event line keeps its non-UTF-8 bytes as \xNN text.
    let refused = recs
        .iter()
        .find_map(|r| match r {
            Record::Event(e) if e.upstream.as_deref() == Some("10.0.0.9:80") => Some(e),
            _ => None,
        })
        .expect("the CRLF line is an event");
    assert_eq!(refused.request.as_deref(), Some("GET /\\xE9t\\xE9 HTTP/1.1"));
    let last = recs.iter().rev().nth(1).unwrap();
    assert!(matches!(last, Record::Unparsed(_)), "{last:?}");
    // Without --unparsed only the events remain.
    let only = events(&ok(&["events", a, b]));
    assert_eq!(only.len(), kinds.0);
}

#[test]
fn event_records_deserialize_with_their_documented_types() {
    let out = ok(&["events", "--raw", &small()]);
    let evs = events(&out);
    assert_eq!(evs.len(), 10);
    let first = &evs[0];
    assert_eq!(first.source, small());
    assert_eq!(first.line, 1);
    assert_eq!(first.time.as_deref(), Some("2024-11-03T06:00:01Z"));
    assert_eq!(first.format, "nginx-error");
    assert_eq!((first.class.as_str(), first.group.as_str()), ("connect_refused", "connect"));
    assert_eq!(first.phase, "connect");
    assert_eq!(first.level.as_deref(), Some("error"));
    assert_eq!(first.upstream.as_deref(), Some("10.0.0.1:5601"));
    assert_eq!(first.client.as_deref(), Some("192.168.58.11"));
    assert_eq!(first.request.as_deref(), Some("GET / HTTP/1.1"));
    assert_eq!(first.message, "connect() failed (111: Connection refused)");
    assert_eq!(first.fields["errno"], 111);
    assert_eq!(first.fields["pid"], 184);
    assert_eq!(first.fields["upstream_scheme"], "http");
    assert!(first.raw.as_deref().unwrap().starts_with("2024/11/03 06:00:01 [error]"));
    let nlu = evs.iter().find(|e| e.class == "no_live_upstreams").unwrap();
    assert_eq!(nlu.upstream_group.as_deref(), Some("dashboard"));
    let lines: Vec<u64> = evs.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7, 8, 9, 13]);
}

#[derive(Debug, Deserialize)]
struct SummaryDoc {
    schema_version: u32,
    time_range: Option<BTreeMap<String, String>>,
    lines: u64,
    events: u64,
    excluded: u64,
    continuation: u64,
    unparsed: u64,
    formats: Vec<serde_json::Value>,
    unparsed_reasons: Vec<ReasonDoc>,
    upstreams: Vec<UpstreamDoc>,
    hints: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ReasonDoc {
    format: Option<String>,
    reason: String,
    count: u64,
    samples: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct UpstreamDoc {
    unit: String,
    upstream: Option<String>,
    failures: u64,
    total: u64,
    classes: BTreeMap<String, u64>,
}

fn summary(args: &[&str]) -> SummaryDoc {
    let mut all = vec!["summary", "--output", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all)).unwrap()
}

/// Per (upstream, class) counts as the summary reports them.
fn summary_counts(doc: &SummaryDoc) -> BTreeMap<(String, String), u64> {
    let mut m = BTreeMap::new();
    for u in &doc.upstreams {
        for (class, n) in &u.classes {
            let key = (u.upstream.clone().unwrap_or_else(|| "-".into()), class.clone());
            *m.entry(key).or_insert(0) += n;
        }
    }
    m
}

#[test]
fn summary_counts_match_the_fixture() {
    let doc = summary(&[&small()]);
    assert_eq!(doc.schema_version, 1);
    // Counted by reading testdata/driver/small.log (see its README): 13 lines, of which 10 events,
    // 1 continuation of the FastCGI entry, 1 text line and 1 empty line.
    assert_eq!(
        (doc.lines, doc.events, doc.excluded, doc.continuation, doc.unparsed),
        (13, 10, 0, 1, 2)
    );
    let range = doc.time_range.as_ref().unwrap();
    assert_eq!(
        (range["first"].as_str(), range["last"].as_str()),
        ("2024-11-03T06:00:01Z", "2024-11-03T06:30:00Z")
    );
    assert_eq!(
        doc.formats,
        [serde_json::json!({"format": "nginx-error", "events": 10, "unit": "attempts"})]
    );
    let expected: BTreeMap<(String, String), u64> = [
        ("10.0.0.1:5601", "connect_refused", 2),
        ("10.0.0.1:5601", "upstream_down", 1),
        ("dashboard", "no_live_upstreams", 1),
        ("10.0.0.2:5601", "prematurely_closed", 2),
        ("10.0.0.2:5601", "response_timeout", 1),
        ("10.0.0.2:5601", "invalid_header", 1),
        ("unix:/run/php/php-fpm.sock", "app_stderr", 1),
        ("-", "info", 1),
    ]
    .into_iter()
    .map(|(u, c, n)| ((u.to_owned(), c.to_owned()), n))
    .collect();
    assert_eq!(summary_counts(&doc), expected);
    // Rows by failures, descending; counts are attempts for the error log.
    let order: Vec<(Option<&str>, u64, u64)> =
        doc.upstreams.iter().map(|u| (u.upstream.as_deref(), u.failures, u.total)).collect();
    assert_eq!(
        order,
        [
            (Some("10.0.0.2:5601"), 4, 4),
            (Some("10.0.0.1:5601"), 2, 3),
            (Some("dashboard"), 1, 1),
            (Some("unix:/run/php/php-fpm.sock"), 0, 1),
            (None, 0, 1)
        ]
    );
    assert!(doc.upstreams.iter().all(|u| u.unit == "attempts"));
    let reasons: Vec<(Option<&str>, &str, u64, usize)> = doc
        .unparsed_reasons
        .iter()
        .map(|r| (r.format.as_deref(), r.reason.as_str(), r.count, r.samples.len()))
        .collect();
    assert_eq!(
        reasons,
        [(Some("nginx-error"), "empty line", 1, 1), (Some("nginx-error"), "not recognized", 1, 1)]
    );
    assert_eq!(doc.unparsed_reasons[1].samples[0]["line"], 11);
    assert_eq!(doc.unparsed_reasons[1].samples[0]["text"], "this line is not a log line");
    let hinted: Vec<&str> = doc.hints.iter().map(|h| h["class"].as_str().unwrap()).collect();
    assert_eq!(hinted, ["connect_refused", "prematurely_closed", "response_timeout"]);
}

#[test]
fn summary_agrees_with_counting_the_events_output() {
    for args in
        [vec![], vec!["--class", "prematurely_closed,info"], vec!["--since", "2024-11-03 06:05"]]
    {
        let mut all = args.clone();
        let path = small();
        all.push(&path);
        let doc = summary(&all);
        let mut ev_args = vec!["events"];
        ev_args.extend_from_slice(&all);
        let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
        for e in events(&ok(&ev_args)) {
            let key = e.upstream.or(e.upstream_group).unwrap_or_else(|| "-".into());
            *counted.entry((key, e.class)).or_insert(0) += 1;
        }
        assert_eq!(summary_counts(&doc), counted, "{args:?}");
        assert_eq!(doc.events, counted.values().sum::<u64>());
        assert_eq!(doc.lines, doc.events + doc.excluded + doc.continuation + doc.unparsed);
    }
}

#[test]
fn filters_by_class_upstream_and_time() {
    let classes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["events"];
        all.extend_from_slice(args);
        let path = small();
        all.push(&path);
        events(&ok(&all)).into_iter().map(|e| e.class).collect()
    };
    assert_eq!(
        classes(&["--class", "connect_refused,prematurely_closed"]),
        ["connect_refused", "connect_refused", "prematurely_closed", "prematurely_closed"]
    );
    assert_eq!(
        classes(&["--class", "invalid_header", "--class", "no_live_upstreams"]),
        ["no_live_upstreams", "invalid_header"]
    );
    assert_eq!(
        classes(&["--upstream", "10.0.0.1:5601"]),
        ["connect_refused", "connect_refused", "upstream_down"]
    );
    assert_eq!(
        classes(&["--upstream", "dashboard", "--upstream", "-"]),
        ["no_live_upstreams", "info"]
    );
    assert_eq!(classes(&["--upstream", "10.0.0.1"]), Vec::<String>::new(), "exact match only");
    assert_eq!(
        classes(&["--since", "2024-11-03T06:10:00Z", "--until", "2024-11-03 06:20"]),
        ["response_timeout", "invalid_header", "prematurely_closed"]
    );
    assert_eq!(
        classes(&["--since", "2024-11-03T07:10:00+01:00", "--class", "invalid_header"]),
        ["invalid_header"]
    );

    let doc = summary(&["--upstream", "10.0.0.2:5601", &small()]);
    assert_eq!((doc.events, doc.excluded, doc.lines), (4, 6, 13));

    let out = gatelog(&["events", "--class", "refused", &small()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("gatelog: invalid --class: unknown class \"refused\""), "{err}");
    assert!(err.contains("connect_refused"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn tz_converts_local_times_with_daylight_saving() {
    let run = |tz: &str, input: &[u8]| -> Vec<Option<String>> {
        let mut child = Command::new(BIN)
            .args(["events", "--tz", tz])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        events(&String::from_utf8(out.stdout).unwrap()).into_iter().map(|e| e.time).collect()
    };
    let lines = b"2024/07/01 12:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream\n\
                  2024/01/15 12:00:00 [error] 1#1: *2 no live upstreams while connecting to upstream\n";
    let t = |s: &str| Some(s.to_owned());
    assert_eq!(run("Europe/Paris", lines), [t("2024-07-01T10:00:00Z"), t("2024-01-15T11:00:00Z")]);
    assert_eq!(run("UTC", lines), [t("2024-07-01T12:00:00Z"), t("2024-01-15T12:00:00Z")]);
    assert_eq!(run("-0500", lines), [t("2024-07-01T17:00:00Z"), t("2024-01-15T17:00:00Z")]);

    // The log's wall clock and --since are both read in --tz: 06:15 in Paris on 3 November
    // is 05:15Z, and the fixture's lines from 06:15 on are kept.
    let doc = summary(&["--tz", "Europe/Paris", "--since", "2024-11-03 06:15", &small()]);
    assert_eq!(doc.time_range.unwrap()["first"], "2024-11-03T05:15:00Z");
    assert_eq!(doc.events, 4);

    let out = gatelog(&["summary", "--tz", "Europe/Pariss", &small()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown --tz zone \"Europe/Pariss\""), "{}", stderr(&out));
}

#[test]
fn a_missing_file_is_reported_and_the_others_still_processed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log");
    let missing = missing.to_str().unwrap();
    let good = small();

    let out = gatelog(&["events", &good, missing, &good]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("gatelog: {missing}: ")), "{err}");
    assert!(err.contains("check the path"), "{err}");
    assert_eq!(events(&stdout(&out)).len(), 20, "both copies of the good file");

    let out = gatelog(&["summary", "--output", "json", missing, &good]);
    assert_eq!(out.status.code(), Some(2));
    let doc: SummaryDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc.lines, 13);

    let out = gatelog(&["summary", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no file in this directory"), "{}", stderr(&out));
}

#[test]
fn stdin_through_a_pipe_and_dash() {
    for args in [&["events", "--unparsed"][..], &["events", "--unparsed", "-"][..]] {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let data = std::fs::read(fixture("small.log")).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || stdin.write_all(&data).unwrap());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let recs = records(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(recs.len(), 13);
        assert!(recs.iter().all(|r| r.at().0 == "-"));
    }
}

#[test]
fn table_and_csv_outputs() {
    let table = ok(&["summary", &small()]);
    assert!(table.starts_with("Time range      2024-11-03T06:00:01Z .. 2024-11-03T06:30:00Z\n"));
    assert!(table.contains("\nLines read      13\n"), "{table}");
    assert!(table.contains("Attempts per upstream"), "{table}");
    let header = table.lines().find(|l| l.trim_start().starts_with("UPSTREAM")).unwrap();
    assert!(
        header.contains("connect_refused  prematurely_closed  invalid_header  no_live_upstreams")
    );
    let row = table.lines().find(|l| l.trim_start().starts_with("10.0.0.2:5601")).unwrap();
    assert_eq!(row.len(), header.len(), "numbers are right-aligned under their headers");
    assert!(table.contains("\nHints\n  connect_refused (2 attempts):\n"), "{table}");

    let csv = ok(&["summary", "--output", "csv", &small()]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("upstream,class,count,unit"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 8);
    assert!(rows.contains(&"10.0.0.1:5601,connect_refused,2,attempts"));
    // The FastCGI entry's upstream is on its last line.
    assert!(rows.contains(&"unix:/run/php/php-fpm.sock,app_stderr,1,attempts"));
}

#[test]
fn log_text_is_sanitized_in_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.log");
    std::fs::write(
        &p,
        b"2024/11/03 06:00:01 [error] 1#1: *1 connect() failed (111: Connection refused) while \
          connecting to upstream, client: c, server: s, request: \"GET / HTTP/1.1\", upstream: \
          \"http://evil\x1b[2J:80/\", host: \"h\"\n\x1b]0;title\x07junk\n",
    )
    .unwrap();
    let table = ok(&["summary", p.to_str().unwrap()]);
    assert!(!table.contains('\x1b') && !table.contains('\x07'), "{table:?}");
    assert!(table.contains("evil\\x1B[2J:80"), "{table}");
    assert!(table.contains("\\x1B]0;title\\x07junk"), "{table}");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let one = std::fs::read(fixture("small.log")).unwrap();
    let mut data = Vec::new();
    for _ in 0..3000 {
        data.extend_from_slice(&one);
    }
    std::fs::write(&p, data).unwrap();
    let mut child = Command::new(BIN)
        .args(["events", "--raw", p.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn help_lists_both_commands() {
    let help = ok(&["--help"]);
    assert!(help.contains("events") && help.contains("summary"));
    let out = gatelog(&["summary", "--output", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

fn testdata(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(path).to_str().unwrap().into()
}

#[test]
fn auto_detects_every_format_of_a_mixed_file() {
    // testdata/mixed/all-formats.log interleaves lines of the five formats (and a headerless
    // nginx error line right after an HAProxy line); all-formats.formats names each line's.
    let log = testdata("mixed/all-formats.log");
    let expected: Vec<String> = std::fs::read_to_string(testdata("mixed/all-formats.formats"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let out = ok(&["events", "--format", "auto", "--unparsed", &log]);
    let recs = records(&out);
    assert_eq!(recs.len(), expected.len(), "one record per line");
    for (i, (rec, want)) in recs.iter().zip(&expected).enumerate() {
        match rec {
            Record::Event(ev) => assert_eq!(&ev.format, want, "line {}", i + 1),
            other => panic!("line {}: expected a {want} event, got {other:?}", i + 1),
        }
    }
    let formats: std::collections::BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(formats.len(), 5, "the fixture covers all five formats");
    // The summary reports every format it read, with its own unit.
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-o", "json", &log])).unwrap();
    let mut seen: Vec<&str> =
        doc["formats"].as_array().unwrap().iter().map(|f| f["format"].as_str().unwrap()).collect();
    seen.sort();
    assert_eq!(seen, ["alb", "elb", "haproxy", "nginx-access", "nginx-error"]);
}

#[test]
fn every_format_works_with_summary_events_and_filters() {
    // Each format's lines of the mixed fixture, read with that format fixed.
    let lines: Vec<String> = std::fs::read_to_string(testdata("mixed/all-formats.log"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let formats: Vec<String> = std::fs::read_to_string(testdata("mixed/all-formats.formats"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for format in ["nginx-error", "nginx-access", "haproxy", "alb", "elb"] {
        let mine: Vec<&str> = lines
            .iter()
            .zip(&formats)
            .filter(|(_, f)| *f == format)
            .map(|(l, _)| l.as_str())
            .collect();
        let path = dir.path().join(format!("{format}.log"));
        std::fs::write(&path, mine.join("\n") + "\n").unwrap();
        let path = path.to_str().unwrap();
        let evs = events(&ok(&["events", "--format", format, "--unparsed", path]));
        assert_eq!(evs.len(), mine.len(), "{format}: every line is an event");
        assert!(evs.iter().all(|e| e.format == format), "{format}: wrong format");
        let doc: serde_json::Value =
            serde_json::from_str(&ok(&["summary", "--format", format, "-o", "json", path]))
                .unwrap();
        assert_eq!(doc["events"].as_u64(), Some(evs.len() as u64), "{format}");
        // The class filter keeps exactly the events of that class.
        let class = &evs[0].class;
        let kept = events(&ok(&["events", "--format", format, "--class", class, path]));
        assert_eq!(kept.len(), evs.iter().filter(|e| &e.class == class).count(), "{format}");
        assert!(kept.iter().all(|e| &e.class == class));
    }
}

#[test]
fn nginx_log_format_from_a_string_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        "2024-07-01T10:00:00+00:00 10.0.0.5 \"GET /a HTTP/1.1\" 502 up=10.0.4.21:8080 us=502\n\
         2024-07-01T10:00:01+00:00 10.0.0.6 \"GET /b HTTP/1.1\" 200 up=10.0.4.22:8080 us=200\n",
    )
    .unwrap();
    let format =
        "$time_iso8601 $remote_addr \"$request\" $status up=$upstream_addr us=$upstream_status";
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, format!("log_format custom '{format}';\n")).unwrap();
    let log = log.to_str().unwrap();
    for value in [format, conf.to_str().unwrap()] {
        let evs =
            events(&ok(&["events", "--format", "nginx-access", "--nginx-log-format", value, log]));
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].class, "gateway_error");
        assert_eq!(evs[0].upstream.as_deref(), Some("10.0.4.21:8080"));
        assert_eq!(evs[0].time.as_deref(), Some("2024-07-01T10:00:00Z"));
        assert_eq!(evs[1].class, "ok");
    }
    let out = gatelog(&["events", "--nginx-log-format", "$remote_addr$status", log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--nginx-log-format"), "{}", stderr(&out));
}

fn access_fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/nginx-access").join(name);
    p.to_str().unwrap().to_owned()
}

/// The summary's `events` and `unparsed` counts.
fn parsed_and_unparsed(args: &[&str]) -> (u64, u64) {
    let mut all = vec!["summary", "-o", "json"];
    all.extend_from_slice(args);
    let doc: serde_json::Value = serde_json::from_str(&ok(&all)).unwrap();
    (doc["events"].as_u64().unwrap(), doc["unparsed"].as_u64().unwrap())
}

// Issue 11, item 3: a whole nginx.conf (or formats.conf, or a directive with a comment above
// it) was compiled as one literal format, and every line was unparsed with exit 0.
#[test]
fn nginx_log_format_reads_the_directives_of_a_whole_conf_file() {
    let conf = access_fixture("nginx.conf");
    let with_name = |name: &str| format!("{conf}:{name}");
    // No name: the one format `access_log` names (main_upstream).
    assert_eq!(
        parsed_and_unparsed(&[
            "--format",
            "nginx-access",
            "--nginx-log-format",
            &conf,
            &access_fixture("main_upstream.log")
        ]),
        (17, 0)
    );
    let json = access_fixture("json_upstream.log");
    let args = ["--format", "nginx-access", "--nginx-log-format"];
    let name = with_name("upstream_json");
    assert_eq!(parsed_and_unparsed(&[&args[..], &[name.as_str(), json.as_str()]].concat()), (4, 0));
    // The repo's formats.conf: five formats and no access_log, so a name is needed.
    let formats = access_fixture("formats.conf");
    for (name, lines) in [("iso_timed", 6), ("upstreaminfo", 12), ("json_upstream", 4)] {
        let value = format!("{formats}:{name}");
        let log = access_fixture(&format!("{name}.log"));
        assert_eq!(
            parsed_and_unparsed(&[&args[..], &[value.as_str(), log.as_str()]].concat()),
            (lines, 0),
            "{name}"
        );
    }
    // A single directive under a comment.
    let one = access_fixture("one-format.conf");
    assert_eq!(parsed_and_unparsed(&[&args[..], &[one.as_str(), json.as_str()]].concat()), (4, 0));
}

#[test]
fn nginx_log_format_file_errors_list_the_names() {
    let log = access_fixture("iso_timed.log");
    let run = |value: &str| {
        let out = gatelog(&["summary", "--nginx-log-format", value, &log]);
        assert_eq!(out.status.code(), Some(2), "{value}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        stderr(&out)
    };
    // Several formats and no access_log to choose.
    let err = run(&access_fixture("formats.conf"));
    for name in ["combined", "main_upstream", "upstreaminfo", "iso_timed", "json_upstream"] {
        assert!(err.contains(name), "{err}");
    }
    assert!(err.contains(":NAME"), "{err}");
    // A name that is not there.
    let err = run(&format!("{}:nope", access_fixture("nginx.conf")));
    assert!(err.contains("`nope`"), "{err}");
    for name in ["main", "main_upstream", "upstream_json"] {
        assert!(err.contains(name), "{err}");
    }
    // A file without any log_format directive.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.conf");
    std::fs::write(&empty, "# nothing here\nhttp {\n    include conf.d/*.conf;\n}\n").unwrap();
    let err = run(empty.to_str().unwrap());
    assert!(err.contains("no log_format"), "{err}");
    assert!(err.contains("conf.d/*.conf"), "the skipped include is named: {err}");
    // A file whose name holds a colon opens as a whole path.
    let colon = dir.path().join("a:b.conf");
    std::fs::copy(access_fixture("one-format.conf"), &colon).unwrap();
    let json = access_fixture("json_upstream.log");
    assert_eq!(
        parsed_and_unparsed(&[
            "--format",
            "nginx-access",
            "--nginx-log-format",
            colon.to_str().unwrap(),
            &json
        ]),
        (4, 0)
    );
    // A path that does not exist is not taken for a format.
    let err = run(dir.path().join("missing.conf").to_str().unwrap());
    assert!(err.contains("missing.conf"), "{err}");
}

// Issue 11, item 4: a format ending in `$upstream_addr` applied to `combined` lines made every
// line an event whose upstream was the user agent, and nothing said the format was wrong.
#[test]
fn a_format_that_does_not_fit_reads_no_line_and_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("short.conf");
    std::fs::write(
        &conf,
        "log_format short '$remote_addr - $remote_user [$time_local] \"$request\" $status '\n\
         '$body_bytes_sent \"$http_referer\" $upstream_addr';\n",
    )
    .unwrap();
    let conf = conf.to_str().unwrap();
    let log = access_fixture("combined.log");
    let out = gatelog(&["events", "--nginx-log-format", conf, &log]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no line is an event");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    for part in [
        "warning",
        "combined.log",
        "20 of its first 20 lines (100%)",
        "`$upstream_addr`",
        "look like nginx's `combined` format",
        "--nginx-log-format",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    // A file read in chunks on several threads: still once, over its first 1000 lines.
    let line = std::fs::read_to_string(&log).unwrap().lines().next().unwrap().to_owned();
    let big = dir.path().join("big.log");
    std::fs::write(&big, format!("{line}\n").repeat(3000)).unwrap();
    let out = gatelog(&["summary", "-j", "3", "--nginx-log-format", conf, big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("1000 of its first 1000 lines (100%)"), "{err}");
    // Lines that the format reads give no warning.
    ok(&["summary", &log]);
}

#[test]
fn year_sets_the_year_of_syslog_timestamps() {
    let line = "Feb 19 04:03:03 lb1 haproxy[4418]: Server web/app1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.\n";
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("haproxy.log");
    std::fs::write(&log, line).unwrap();
    let evs = events(&ok(&["events", "--year", "2023", log.to_str().unwrap()]));
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].format, "haproxy");
    assert_eq!(evs[0].class, "upstream_down");
    assert_eq!(evs[0].time.as_deref(), Some("2023-02-19T04:03:03Z"));
    assert_eq!(evs[0].upstream.as_deref(), Some("app1"));
    assert_eq!(evs[0].upstream_group.as_deref(), Some("web"));
}

/// The `events --unparsed` output of every fixture file, as reviewed snapshots
/// (`tests/snapshots/`). ALB and ELB fixtures hold `class<TAB>line` rows: their line column is
/// what gatelog reads.
#[test]
fn events_of_every_fixture_file_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for sub in ["nginx-error", "nginx-access", "haproxy", "alb", "elb", "mixed"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|p| (sub, p)));
    }
    assert!(files.len() >= 30, "only {} fixture files", files.len());
    for (sub, path) in files {
        let stem = path.file_stem().unwrap().to_str().unwrap().replace('.', "_");
        let mut input = path.clone();
        if sub == "alb" || sub == "elb" {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split_once('\t').map(|(_, line)| line))
                .collect();
            input = dir.path().join(format!("{sub}-{stem}.log"));
            std::fs::write(&input, lines.join("\n") + "\n").unwrap();
        }
        let format = if sub == "mixed" { "auto" } else { sub };
        let out = gatelog(&[
            "events",
            "--unparsed",
            "--year",
            "2024",
            "--format",
            format,
            input.to_str().unwrap(),
        ]);
        assert!(matches!(out.status.code(), Some(0)), "{}: {}", path.display(), stderr(&out));
        // The source path differs between machines; keep only the file name.
        let text = stdout(&out)
            .replace(&serde_json::to_string(input.to_str().unwrap()).unwrap(), "\"FILE\"");
        insta::assert_snapshot!(format!("{sub}__{stem}"), text);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// The fixture repeated into a file of a few hundred kilobytes, so that it is read and parsed
/// in chunks.
fn big_fixture() -> Vec<u8> {
    let small = std::fs::read(fixture("small.log")).unwrap();
    let chunking = std::fs::read(fixture("chunking.log")).unwrap();
    let mut data = Vec::new();
    while data.len() < 600_000 {
        data.extend_from_slice(&small);
        data.extend_from_slice(&chunking);
    }
    data
}

#[test]
fn compressed_files_are_recognized_by_content_whatever_their_name() {
    let data = std::fs::read(fixture("small.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let two_members = [gzip(&data[..500]), gzip(&data[500..])].concat();
    let zst = zstd::encode_all(&data[..], 3).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&data).unwrap();
    let bz = bz.finish().unwrap();
    for (name, bytes) in [("a.log", two_members), ("b.gz", zst), ("c.log.1", bz)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let doc = summary(&[path.to_str().unwrap()]);
        assert_eq!((doc.lines, doc.events, doc.continuation), (13, 10, 1), "{name}");
    }
}

#[test]
fn a_truncated_gzip_keeps_its_complete_lines_and_the_run_goes_on() {
    let data = big_fixture();
    let whole = gzip(&data);
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("error.log.2.gz");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let empty = dir.path().join("empty.gz");
    std::fs::write(&empty, gzip(b"")).unwrap();
    let zero = dir.path().join("zero.gz");
    std::fs::write(&zero, b"").unwrap();
    let good = small();
    let out = gatelog(&["summary", "-o", "json", cut.to_str().unwrap(), &good]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with(&format!("gatelog: {}: gzip data truncated", cut.display())), "{err}");
    assert!(err.contains(&format!("of {} bytes of the file", whole.len() / 2)), "{err}");
    let doc: SummaryDoc = serde_json::from_slice(&out.stdout).unwrap();
    let kept = doc.lines - 13;
    assert!(kept > 1000 && kept < count_lines(&data) as u64, "{kept} lines kept");
    assert!(err.contains(&format!("its first {kept} complete lines were read")), "{err}");

    // A corrupt zstd or bzip2 archive is named with its kind, and the run goes on.
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&data).unwrap();
    let bz = bz.finish().unwrap();
    let zst = zstd::encode_all(&data[..], 3).unwrap();
    for (name, mut bytes, kind) in [("a.bz", bz, "bzip2"), ("b.zst", zst, "zstd")] {
        let mid = bytes.len() / 2;
        bytes[mid..mid + 64].fill(0x55);
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = gatelog(&["summary", "-o", "json", path.to_str().unwrap(), &good]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        let expected =
            format!("gatelog: {}: {kind} data truncated or corrupt after ", path.display());
        assert!(err.starts_with(&expected), "{err}");
        let doc: SummaryDoc = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc.lines >= 13, "{name}: the other file is still read");
    }

    // Empty and zero-byte archives are empty inputs, not errors.
    let doc: SummaryDoc = serde_json::from_str(&ok(&[
        "summary",
        "-o",
        "json",
        empty.to_str().unwrap(),
        zero.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(doc.lines, 0);
}

#[test]
fn a_directory_of_rotated_files_is_read_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let line = |n: u32| {
        format!(
            "2024/03/0{n} 10:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream, client: 10.0.0.9, server: s, request: \"GET / HTTP/1.1\", upstream: \"http://pool{n}/\", host: \"h\"\n"
        )
    };
    std::fs::write(d.join("error.log.3.gz"), gzip(line(1).as_bytes())).unwrap();
    std::fs::write(d.join("error.log.2.gz"), gzip(line(2).as_bytes())).unwrap();
    std::fs::write(d.join("error.log.1"), line(3)).unwrap();
    std::fs::write(d.join("error.log"), line(4)).unwrap();
    std::fs::write(d.join("notes.txt"), "not a log\n").unwrap();
    let evs = events(&ok(&["events", "--glob", "error.log*", d.to_str().unwrap()]));
    let order: Vec<(String, Option<String>)> = evs
        .iter()
        .map(|e| (e.source.rsplit('/').next().unwrap().to_owned(), e.time.clone()))
        .collect();
    assert_eq!(
        order,
        [
            ("error.log.3.gz".to_owned(), Some("2024-03-01T10:00:00Z".to_owned())),
            ("error.log.2.gz".to_owned(), Some("2024-03-02T10:00:00Z".to_owned())),
            ("error.log.1".to_owned(), Some("2024-03-03T10:00:00Z".to_owned())),
            ("error.log".to_owned(), Some("2024-03-04T10:00:00Z".to_owned())),
        ]
    );
    // Without --glob the notes are read too; a quoted pattern is expanded by gatelog.
    assert_eq!(summary(&[d.to_str().unwrap()]).lines, 5);
    let pattern = d.join("error.log.*");
    assert_eq!(summary(&[pattern.to_str().unwrap()]).lines, 3);
}

#[test]
fn threads_mapping_and_compression_do_not_change_the_summary() {
    let data = big_fixture();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("big.log");
    std::fs::write(&plain, &data).unwrap();
    let gz = dir.path().join("big.log.gz");
    std::fs::write(&gz, gzip(&data)).unwrap();
    let p = plain.to_str().unwrap();
    let reference = ok(&["summary", "-o", "json", "-j", "1", "--no-mmap", p]);
    let doc: SummaryDoc = serde_json::from_str(&reference).unwrap();
    assert_eq!(doc.lines, count_lines(&data) as u64);
    for args in [&["-j", "1"][..], &["-j", "2"], &["-j", "3", "--no-mmap"], &["-j", "2", "--quiet"]]
    {
        let mut all = vec!["summary", "-o", "json"];
        all.extend_from_slice(args);
        all.push(p);
        assert_eq!(ok(&all), reference, "{args:?}");
    }
    // The gzip copy differs only in its name.
    let zipped = ok(&["summary", "-o", "json", gz.to_str().unwrap()]);
    assert_eq!(zipped.replace(".log.gz", ".log"), reference);
    // And through standard input.
    let mut child = Command::new(BIN)
        .args(["summary", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let copy = data.clone();
    std::thread::spawn(move || stdin.write_all(&copy).unwrap());
    let out = child.wait_with_output().unwrap();
    let piped: SummaryDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((piped.lines, piped.events, piped.unparsed), (doc.lines, doc.events, doc.unparsed));
}

#[test]
fn ctrl_c_on_a_live_stream_prints_the_summary_of_the_lines_so_far() {
    let mut child = Command::new(BIN)
        .args(["summary", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(fixture("small.log")).unwrap()).unwrap();
    stdin.flush().unwrap();
    // The stream stays open, as `tail -F` keeps it; the lines are read as they arrive.
    std::thread::sleep(std::time::Duration::from_millis(700));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: SummaryDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc.lines, 13);
}

#[test]
fn events_of_a_live_stream_come_out_as_lines_arrive() {
    let mut child = Command::new(BIN)
        .args(["events"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let line =
        std::fs::read_to_string(fixture("small.log")).unwrap().lines().next().unwrap().to_owned();
    stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The input stays open; the record must still arrive.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let n = stdout.read(&mut buf).unwrap_or(0);
        let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("no record while the input is open");
    assert!(first.starts_with("{\"source\":\"-\",\"line\":1,"), "{first}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// `events --output csv`: a header with the documented columns, then one row of that many
/// fields per input line with `--unparsed`, whatever the line.
#[test]
fn events_csv_has_one_row_per_line_and_the_header_width_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mixed.log");
    let mut data = std::fs::read(testdata("mixed/all-formats.log")).unwrap();
    data.extend_from_slice(&std::fs::read(fixture("chunking.log")).unwrap());
    data.extend_from_slice(b"=HYPERLINK(\"http://evil\") not a log line\n\n");
    std::fs::write(&log, &data).unwrap();
    for raw in [false, true] {
        let mut args = vec!["events", "--unparsed", "-o", "csv", log.to_str().unwrap()];
        if raw {
            args.push("--raw");
        }
        let text = ok(&args);
        let rows = parse_csv(&text);
        let width = rows[0].len();
        assert_eq!(width, if raw { 20 } else { 19 });
        assert_eq!(&rows[0][..3], ["source", "line", "record"]);
        assert_eq!(rows.len() - 1, count_lines(&data), "one row per input line");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), width, "row {i}: {row:?}");
        }
        let kinds: std::collections::BTreeSet<&str> =
            rows[1..].iter().map(|r| r[2].as_str()).collect();
        assert_eq!(kinds, ["continuation", "event", "unparsed"].into_iter().collect());
        // A log line that looks like a formula is never written as one.
        assert!(!text.contains("\n=HYPERLINK") && !text.contains(",=HYPERLINK"), "{text}");
    }
}

/// A small RFC 4180 reader for the tests: quoted fields, doubled quotes, commas and newlines
/// inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[test]
fn unknown_upstream_errors_are_failures_and_the_summary_lists_them() {
    // testdata/nginx-error/gateway_error.log: five error-or-worse lines in an upstream context
    // whose messages no catalog rule knows; three are one message with other numbers.
    let log = testdata("nginx-error/gateway_error.log");
    let table = ok(&["summary", "-q", "--color", "never", &log]);
    assert!(table.contains("\nUnrecognized messages (5 events;"), "{table}");
    assert!(
        table.contains("         3  nginx-error: foo() failed (N: Frobnication failed)\n"),
        "{table}"
    );
    assert!(table.contains("gateway_error.log:1: 2024/03/14 09:30:00 [error]"), "{table}");
    let row = table.lines().find(|l| l.trim_start().starts_with("10.0.4.21:8080")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    // ... gateway_error, failures, total
    assert_eq!(cells[cells.len() - 3..], ["3", "3", "3"], "{table}");

    let v: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-q", "-o", "json", &log])).unwrap();
    assert_eq!(v["unrecognized_events"], 5);
    let top = &v["unrecognized"][0];
    assert_eq!(top["message"], "foo() failed (N: Frobnication failed)");
    assert_eq!((&top["count"], &top["format"]), (&3.into(), &"nginx-error".into()));
    assert_eq!(top["sample"]["line"], 1);
    assert_eq!(v["unrecognized"].as_array().unwrap().len(), 3);
    let failures: u64 =
        v["upstreams"].as_array().unwrap().iter().map(|u| u["failures"].as_u64().unwrap()).sum();
    assert_eq!(failures, 5);
}

#[test]
fn bare_program_tags_are_haproxy_events_with_any_format_choice() {
    // testdata/haproxy/bare-tags.log: `journalctl -o cat` output, no date or host.
    let log = testdata("haproxy/bare-tags.log");
    for format in ["haproxy", "auto"] {
        let evs = events(&ok(&["events", "--format", format, &log]));
        let classes: Vec<&str> = evs.iter().map(|e| e.class.as_str()).collect();
        assert_eq!(
            classes,
            [
                "upstream_down",
                "upstream_down",
                "no_live_upstreams",
                "no_live_upstreams",
                "connect_refused",
                "health_check_failed",
                "upstream_up",
                "info",
                "info",
                "info",
            ],
            "--format {format}"
        );
        for ev in &evs {
            assert_eq!(ev.format, "haproxy", "--format {format}");
        }
        assert_eq!(evs[0].upstream.as_deref(), Some("web2"));
        assert_eq!(evs[0].upstream_group.as_deref(), Some("be_app"));
        assert_eq!(evs[4].client.as_deref(), Some("192.0.2.1:56932"));
    }
}

#[test]
fn health_messages_count_apart_from_responses_and_their_copies_once() {
    // testdata/haproxy/copies.log: one client 503 and health/admin messages, each written
    // to stderr and to syslog; the DOWN at 04:10:12 is a second state change.
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-o", "json", &testdata("haproxy/copies.log")]))
            .unwrap();
    assert_eq!(doc["events"], 10);
    assert_eq!(doc["copies"], 4);
    let rows: Vec<(String, String, u64)> = doc["upstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unit"].as_str().unwrap().to_owned(),
                r["upstream"].as_str().unwrap_or("-").to_owned(),
                r["total"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("responses".to_owned(), "debian11-3".to_owned(), 1),
            // Rows by failures: `no_live_upstreams` is one, a server state change is not.
            ("notices".to_owned(), "web_server02".to_owned(), 1),
            ("notices".to_owned(), "debian11-3".to_owned(), 3),
            ("notices".to_owned(), "-".to_owned(), 1),
        ]
    );
    let notices = &doc["upstreams"][2]["classes"];
    assert_eq!(notices["upstream_down"], 2);
    assert_eq!(notices["upstream_up"], 1);
    assert_eq!(doc["upstreams"][0]["classes"]["connect_refused"], 1);
}

fn haproxy_fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haproxy").join(name);
    p.to_str().unwrap().to_owned()
}

// Issue 10, item 8: a custom log-format with a Host header after backend/server gave the Host
// as the backend; `--haproxy-log-format` takes the format as a string, a built-in option name
// or a haproxy.cfg section.
#[test]
fn haproxy_log_format_from_a_string_an_option_or_a_cfg_section() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(haproxy_fixture("custom-host.log")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let log = dir.path().join("haproxy.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let log = log.to_str().unwrap().to_owned();
    let cfg = haproxy_fixture("haproxy.cfg");
    let format = "%ci:%cp [%tr] %ft %b/%s %[req.hdr(host)] %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS \
                  %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r";
    let section = format!("{cfg}:www-https");
    for args in [&[][..], &["--haproxy-log-format", format], &["--haproxy-log-format", &section]] {
        let mut all = vec!["events", "--year", "2021"];
        all.extend_from_slice(args);
        all.push(&log);
        let evs = events(&ok(&all));
        assert_eq!(evs.len(), lines.len(), "{args:?}");
        let e = &evs[0];
        assert_eq!(e.class, "connect_refused", "{args:?}");
        assert_eq!(e.upstream_group.as_deref(), Some("app"), "{args:?}");
        assert_eq!(e.upstream.as_deref(), Some("app-node2"), "{args:?}");
        assert_eq!(e.server.as_deref(), Some("www-https~"), "{args:?}");
        assert_eq!(e.host.as_deref(), Some("shop.example.com"), "{args:?}");
        assert_eq!(e.status, Some(503));
        let classes: Vec<&str> = evs.iter().map(|e| e.class.as_str()).collect();
        assert_eq!(
            classes,
            [
                "connect_refused",
                "ok",
                "response_timeout",
                "prematurely_closed",
                "no_live_upstreams",
                "upstream_busy",
                "client_abort",
                "invalid_header",
                "connection_reset",
                "connect_timeout"
            ],
            "{args:?}"
        );
        assert_eq!(evs[2].host.as_deref(), Some("api.example.com"));
        assert_eq!(evs[4].upstream, None);
        assert_eq!(evs[6].status, None);
    }
    // `option httplog` (the www frontend's, by its defaults) did not write these lines: each is
    // unread, never read with shifted fields.
    let www = format!("{cfg}:www");
    for value in ["option httplog", www.as_str()] {
        let out = gatelog(&["summary", "-o", "json", "--haproxy-log-format", value, &log]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let n = lines.len() as u64;
        assert_eq!((doc["events"].as_u64(), doc["unparsed"].as_u64()), (Some(0), Some(n)));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("`request_ms` was missing or did not fit in {n} of them")),
            "{err}"
        );
        assert!(err.contains("the --haproxy-log-format given does not describe"), "{err}");
    }
    // Two frontends with two formats: the file alone is ambiguous.
    let out = gatelog(&["summary", "--haproxy-log-format", &cfg, &log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("www, www-https"), "{}", stderr(&out));
    assert!(stderr(&out).contains(":NAME"), "{}", stderr(&out));
    let out = gatelog(&["summary", "--haproxy-log-format", "%ci %nope %tsc", &log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown log-format variable `%nope`"), "{}", stderr(&out));
}
