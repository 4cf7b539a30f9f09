//! The `gatelog` binary on Envoy and Istio logs: the corpus rows, a mixed input, every
//! command, and `--envoy-log-format`.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel).to_str().unwrap().into()
}

fn gatelog(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run gatelog")
}

/// Runs and asserts exit 0 with nothing on stderr.
fn ok(args: &[&str]) -> String {
    let out = gatelog(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    assert_eq!(err, "", "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `(format, class)` of every record `events --unparsed` wrote (`unparsed` for the others).
fn records(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            match (v["format"].as_str(), v["class"].as_str()) {
                (Some(f), Some(c)) => (f.to_owned(), c.to_owned()),
                _ => ("unparsed".to_owned(), l.to_owned()),
            }
        })
        .collect()
}

/// Every `envoy` row of the shared corpus gives its expected class through `events`, with the
/// format detected and with `--format envoy`.
#[test]
fn corpus_rows_give_their_class_detected_and_explicit() {
    let tsv = std::fs::read_to_string(testdata("corpus/real_lines.tsv")).unwrap();
    let rows: Vec<(&str, &str)> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.splitn(4, '\t');
            let (f, class, _, line) = (cols.next()?, cols.next()?, cols.next()?, cols.next()?);
            (f == "envoy").then_some((class, line))
        })
        .collect();
    assert!(rows.len() >= 12, "only {} envoy rows", rows.len());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("corpus-envoy.log");
    let text: String = rows.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&log, text).unwrap();
    let log = log.to_str().unwrap();
    for format in ["auto", "envoy"] {
        let got = records(&ok(&["events", "--unparsed", "--format", format, log]));
        let want: Vec<(String, String)> =
            rows.iter().map(|(c, _)| ("envoy".to_owned(), (*c).to_owned())).collect();
        assert_eq!(got, want, "--format {format}");
    }
}

/// `testdata/envoy/mixed.log`: Istio text, Envoy JSON and nginx error lines, each detected on
/// its own, none unparsed; `mixed.expect` names each line's format and class.
#[test]
fn a_mixed_input_is_read_line_by_line_with_nothing_unparsed() {
    let expect = std::fs::read_to_string(testdata("envoy/mixed.expect")).unwrap();
    let want: Vec<(String, String)> = expect
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (f, c) = l.split_once(' ').unwrap();
            (f.to_owned(), c.to_owned())
        })
        .collect();
    let got = records(&ok(&["events", "--unparsed", &testdata("envoy/mixed.log")]));
    assert_eq!(got, want);
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-o", "json", &testdata("envoy/mixed.log")]))
            .unwrap();
    assert_eq!(doc["unparsed"].as_u64(), Some(0));
    let units: Vec<(String, String)> = doc["formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["format"].as_str().unwrap().into(), f["unit"].as_str().unwrap().into()))
        .collect();
    assert!(units.contains(&("envoy".into(), "responses".into())), "{units:?}");
    assert!(units.contains(&("nginx-error".into(), "attempts".into())), "{units:?}");
}

/// `events`, `summary`, `timeline`, `spikes` and `report` on a generated Istio sidecar log
/// (gzipped) with an incident: the refused connects of one cart peer are found as a spike of
/// the cart service, and the HTML report lists the input with its format.
#[test]
fn every_command_works_on_an_envoy_log() {
    let log = testdata("envoy/incident.log.gz");
    let lines = records(&ok(&["events", "--unparsed", &log]));
    assert_eq!(lines.len(), 1500);
    assert!(lines.iter().all(|(f, _)| f == "envoy"), "every line an Envoy event");

    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["summary", "-o", "json", &log])).unwrap();
    assert_eq!(doc["events"].as_u64(), Some(1500));
    assert_eq!(doc["formats"][0]["unit"].as_str(), Some("responses"));
    let table = ok(&["summary", &log]);
    assert!(table.contains("connect_refused"), "{table}");

    let timeline: serde_json::Value =
        serde_json::from_str(&ok(&["timeline", "-o", "json", &log])).unwrap();
    assert!(timeline["series"].as_array().is_some_and(|s| !s.is_empty()));

    let spikes = ok(&["spikes", "-o", "csv", &log]);
    let mut rows = spikes.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let found: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    assert!(
        found.iter().any(|r| r[col("upstream")] == "cart.shop"
            && r[col("top_class")] == "connect_refused"
            && r[col("start")].starts_with("2024-03-14T00:10:")),
        "no cart.shop spike of refused connects at 00:10: {spikes}"
    );

    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    ok(&["report", "-q", "-o", html.to_str().unwrap(), &log]);
    let html = std::fs::read_to_string(html).unwrap();
    let inputs = &html[html.find("<h2 id=\"inputs\">").expect("an inputs section")..];
    assert!(inputs.contains("incident.log.gz"), "the input is named");
    assert!(inputs.contains("<td>envoy 1500</td>"), "its format and events");
}

/// `--envoy-log-format` reads lines of a custom `key=value` format string; a format that does
/// not compile is an error that says what is wrong.
#[test]
fn envoy_log_format_reads_a_custom_format() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("kv.log");
    std::fs::write(
        &log,
        "start=2024-06-18T10:20:01.000Z code=503 flags=UF,URX up=10.0.0.7:8080 cluster=outbound|8080||cart.shop.svc.cluster.local\n\
         start=2024-06-18T10:20:02.000Z code=200 flags=- up=10.0.0.8:8080 cluster=outbound|8080||cart.shop.svc.cluster.local\n",
    )
    .unwrap();
    let log = log.to_str().unwrap();
    let format = "start=%START_TIME% code=%RESPONSE_CODE% flags=%RESPONSE_FLAGS% up=%UPSTREAM_HOST% cluster=%UPSTREAM_CLUSTER%";
    for fixed in [&["--format", "envoy"][..], &[]] {
        let mut args = vec!["events", "--unparsed", "--envoy-log-format", format];
        args.extend_from_slice(fixed);
        args.push(log);
        let text = ok(&args);
        let got = records(&text);
        assert_eq!(
            got,
            [("envoy".to_owned(), "connect_error".to_owned()), ("envoy".into(), "ok".into())],
            "{fixed:?}"
        );
        assert!(text.contains(r#""upstream_group":"cart.shop""#), "{text}");
    }
    let out = gatelog(&["events", "--envoy-log-format", "%START_TIME% %BAD", log]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid --envoy-log-format") && err.contains("closing `%`"), "{err}");
}
