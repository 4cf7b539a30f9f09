//! `summary`, `spikes` and `report` on an IIS ARR log (`testdata/iis/u_ex260602.log`, whose
//! `#Fields` change mid-file) and a Cloudflare log (`testdata/cloudflare/http_requests.log`):
//! per-upstream tables, the two incidents of each file as spikes, and hints in IIS's and
//! Cloudflare's own terms.

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
    String::from_utf8(out.stdout).unwrap()
}

/// The count in the column named `class` of the row of `upstream` in the summary table.
fn count(summary: &str, upstream: &str, class: &str) -> u64 {
    let header = summary.lines().find(|l| l.trim_start().starts_with("UPSTREAM")).unwrap();
    let col = header.split_whitespace().position(|c| c == class).unwrap();
    let row = summary
        .lines()
        .find(|l| l.split_whitespace().next() == Some(upstream))
        .unwrap_or_else(|| panic!("no row {upstream} in\n{summary}"));
    row.split_whitespace().nth(col).unwrap().parse().unwrap()
}

/// Lines of `log` whose text contains all of `parts`.
fn lines_with(log: &str, parts: &[&str]) -> u64 {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines().filter(|l| parts.iter().all(|p| l.contains(p))).count() as u64
}

#[test]
fn iis_summary_spikes_and_report_speak_iis() {
    let log = testdata("iis/u_ex260602.log");
    for format in ["auto", "iis"] {
        let s = ok(&["summary", "--format", format, &log]);
        assert!(s.contains("does not name the backend server"), "{s}");
        assert_eq!(
            count(&s, "/api", "connect_refused"),
            lines_with(&log, &["/api/", " 502 3 12029 "])
        );
        assert_eq!(
            count(&s, "/shop", "response_timeout"),
            lines_with(&log, &["/shop/", " 502 3 12002 "])
        );
        assert!(s.contains("IIS 502.3 with 12002: ARR's timeout"), "{s}");
        assert!(s.contains("ERROR_WINHTTP_CANNOT_CONNECT"), "{s}");
    }
    let spikes = ok(&["spikes", &log]);
    assert!(spikes.contains("08:10:00Z") && spikes.contains("connect_refused"), "{spikes}");
    assert!(spikes.contains("08:20:00Z") && spikes.contains("response_timeout"), "{spikes}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    ok(&["report", "--out", out.to_str().unwrap(), &log]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("does not name the backend server"));
    assert!(html.contains("IIS 502.3 with 12029"), "the top class's hint in IIS's terms");
}

#[test]
fn cloudflare_summary_spikes_and_report_speak_cloudflare() {
    let log = testdata("cloudflare/http_requests.log");
    for format in ["auto", "cloudflare"] {
        let s = ok(&["summary", "--format", format, &log]);
        assert_eq!(
            count(&s, "198.51.100.20", "connect_refused"),
            lines_with(&log, &["\"EdgeResponseStatus\":521", "\"OriginIP\":\"198.51.100.20\""])
        );
        assert_eq!(
            count(&s, "198.51.100.21", "response_timeout"),
            lines_with(&log, &["\"EdgeResponseStatus\":524", "\"OriginIP\":\"198.51.100.21\""])
        );
        assert!(s.contains("Cloudflare 521: the origin"), "{s}");
        assert!(s.contains("Cloudflare 524"), "{s}");
    }
    let spikes = ok(&["spikes", &log]);
    assert!(spikes.contains("06:10:00Z") && spikes.contains("www.example.com"), "{spikes}");
    assert!(spikes.contains("06:20:00Z") && spikes.contains("api.example.com"), "{spikes}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    ok(&["report", "--out", out.to_str().unwrap(), &log]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Cloudflare 521"), "the top class's hint in Cloudflare's terms");
}

/// Every IIS and Cloudflare row of `corpus/iis-cloudflare.tsv`, written to a file in corpus
/// order, through `events --format auto` and the explicit format: one record per event, each
/// with its row's class (the IIS `header` rows are directives, reported as unparsed).
#[test]
fn corpus_rows_through_events_auto_and_explicit() {
    let tsv = std::fs::read_to_string(testdata("corpus/iis-cloudflare.tsv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for label in ["iis", "cloudflare"] {
        let rows: Vec<(&str, &str)> = tsv
            .lines()
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&str> = l.splitn(4, '\t').collect();
                (c.len() == 4 && c[0] == label).then_some((c[1], c[3]))
            })
            .collect();
        let path = dir.path().join(format!("{label}.log"));
        let text: String = rows.iter().map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let want: Vec<&str> = rows.iter().map(|r| r.0).filter(|c| *c != "header").collect();
        for format in ["auto", label] {
            let out = ok(&["events", "--format", format, path.to_str().unwrap()]);
            let got: Vec<String> = out
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .map(|v| {
                    assert_eq!(v["format"], label, "{v}");
                    v["class"].as_str().unwrap().to_owned()
                })
                .collect();
            assert_eq!(got, want, "{label} --format {format}");
        }
    }
}
