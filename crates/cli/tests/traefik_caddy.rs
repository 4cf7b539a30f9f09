//! Every command reads Traefik and Caddy lines: `testdata/mixed/traefik-caddy.log` (Traefik
//! CLF, JSON and debug lines, Caddy JSON lines, nginx error lines) through `events`,
//! `summary`, `timeline`, `spikes` and `report`, detected line by line and with the format
//! given.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(path).to_str().unwrap().into()
}

fn ok(args: &[&str]) -> String {
    let out: Output = Command::new(BIN).args(args).output().expect("run gatelog");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "gatelog {args:?}: {err}");
    assert_eq!(err, "", "gatelog {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn events_detects_each_line_and_the_format_can_be_given() {
    let log = testdata("mixed/traefik-caddy.log");
    let want: Vec<String> = std::fs::read_to_string(testdata("mixed/traefik-caddy.formats"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let recs = json_lines(&ok(&["events", "--format", "auto", "--unparsed", &log]));
    assert_eq!(recs.len(), want.len(), "one record per line");
    for (i, (rec, want)) in recs.iter().zip(&want).enumerate() {
        assert_eq!(rec["format"].as_str(), Some(want.as_str()), "line {}: {rec}", i + 1);
    }
    // Each format's lines alone, with the format given.
    let text = std::fs::read_to_string(&log).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for format in ["traefik", "caddy"] {
        let mine: Vec<&str> =
            text.lines().zip(&want).filter(|(_, f)| *f == format).map(|(l, _)| l).collect();
        let path = dir.path().join(format!("{format}.log"));
        std::fs::write(&path, mine.join("\n") + "\n").unwrap();
        let path = path.to_str().unwrap();
        let recs = json_lines(&ok(&["events", "--format", format, "--unparsed", path]));
        assert_eq!(recs.len(), mine.len());
        assert!(recs.iter().all(|r| r["format"] == format), "{format}: {recs:?}");
        let kept =
            json_lines(&ok(&["events", "--format", format, "--class", "connect_refused", path]));
        assert!(kept.iter().all(|r| r["class"] == "connect_refused"));
        assert_eq!(kept.len(), if format == "traefik" { 2 } else { 0 });
    }
}

#[test]
fn summary_pairs_the_502s_with_their_causes() {
    let log = testdata("mixed/traefik-caddy.log");
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-o", "json", &log])).unwrap();
    assert_eq!(doc["unparsed"].as_u64(), Some(0), "{doc}");
    let mut formats: Vec<&str> =
        doc["formats"].as_array().unwrap().iter().map(|f| f["format"].as_str().unwrap()).collect();
    formats.sort();
    assert_eq!(formats, ["caddy", "nginx-error", "traefik"]);
    let csv = ok(&["summary", "-o", "csv", &log]);
    // The two Traefik 502s to 10.42.0.17:8080 are connection refused responses (their debug
    // lines count as attempts); Caddy's 502 is a connect timeout; the 504 has no cause.
    for row in [
        "10.42.0.17:8080,connect_refused,2,responses",
        "10.42.0.17:8080,connect_refused,2,attempts",
        "10.42.0.19:8080,gateway_error,1,responses",
        "-,connect_timeout,1,responses",
        "10.0.0.9:8080,connect_timeout,1,attempts",
    ] {
        assert!(csv.lines().any(|l| l == row), "no row {row} in\n{csv}");
    }
    assert!(!csv.contains("10.42.0.17:8080,gateway_error"), "{csv}");
}

#[test]
fn timeline_spikes_and_report_read_them() {
    let log = testdata("mixed/traefik-caddy.log");
    let tl: serde_json::Value =
        serde_json::from_str(&ok(&["timeline", "-o", "json", &log])).unwrap();
    assert!(tl["series"].as_array().is_some_and(|s| !s.is_empty()), "{tl}");
    let spikes = ok(&["spikes", &log]);
    assert!(!spikes.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    ok(&["report", "-q", "-o", html.to_str().unwrap(), &log]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("traefik-caddy.log</td><td class=\"n\">14</td><td>nginx-error 2, traefik 8, caddy 4</td>"),
        "the inputs table names the formats read"
    );
}

/// Every `traefik` and `caddy` row of the corpus, read as one input per format, gets its
/// class from `events`, detected and with the format given (the oxy round-trip 502 takes the
/// class of the `caused by: EOF` line of the same second).
#[test]
fn corpus_rows_get_their_class_from_events() {
    let corpus = std::fs::read_to_string(testdata("corpus/real_lines.tsv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for label in ["traefik", "caddy"] {
        let rows: Vec<(&str, &str)> = corpus
            .lines()
            .filter_map(|l| {
                let cols: Vec<&str> = l.splitn(4, '\t').collect();
                (cols.len() == 4 && cols[0] == label).then(|| (cols[1], cols[3]))
            })
            .collect();
        assert!(rows.len() >= 7, "{label}: {} rows", rows.len());
        let path = dir.path().join(format!("{label}.log"));
        let text: String = rows.iter().map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        for format in ["auto", label] {
            let recs = json_lines(&ok(&["events", "--format", format, "--unparsed", path]));
            assert_eq!(recs.len(), rows.len(), "{label} ({format})");
            for (rec, (want, line)) in recs.iter().zip(&rows) {
                assert_eq!(rec["format"], label, "{format}: {line}");
                assert_eq!(rec["class"].as_str(), Some(*want), "{format}: {line}");
            }
        }
    }
}
