//! One input through every front door at once: `testdata/mixed/front-doors.log` interleaves
//! Istio sidecar text and Envoy JSON lines, Traefik `common`, JSON and debug lines, Caddy JSON
//! lines, nginx error and access lines, HAProxy, ALB and Classic ELB lines.
//! `front-doors.formats` names each line's format; detection per line must give every line
//! that format, and leave none unparsed.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(path).to_str().unwrap().into()
}

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("run gatelog");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_line_of_every_front_door_is_detected_as_its_format() {
    let log = testdata("mixed/front-doors.log");
    let want: Vec<String> = std::fs::read_to_string(testdata("mixed/front-doors.formats"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    for kind in ["envoy", "traefik", "caddy", "nginx-error"] {
        assert!(want.iter().any(|f| f == kind), "the fixture has no {kind} line");
    }
    let out = run(&["events", "--format", "auto", "--unparsed", "-o", "json", &log]);
    let recs: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(recs.len(), want.len(), "one record per line");
    for (i, (rec, want)) in recs.iter().zip(&want).enumerate() {
        assert_eq!(rec["format"].as_str(), Some(want.as_str()), "line {}: {rec}", i + 1);
    }
    // The Traefik 502s of 09:26:53 take the class of their cause lines, although lines of
    // other proxies with other dates come between them.
    let paired: Vec<&str> = recs
        .iter()
        .filter(|r| r["format"] == "traefik" && r["status"] == 502 && r["level"] != "debug")
        .filter(|r| r["time"].as_str().is_some_and(|t| t.starts_with("2024-03-14T09:26:53")))
        .map(|r| r["class"].as_str().unwrap())
        .collect();
    assert_eq!(paired, ["connect_refused", "connect_refused"], "{out}");
    let summary: serde_json::Value =
        serde_json::from_str(&run(&["summary", "-o", "json", &log])).unwrap();
    assert_eq!(summary["unparsed"], 0, "{summary}");
    assert_eq!(summary["lines"].as_u64(), Some(want.len() as u64), "{summary}");
    assert_eq!(summary["events"].as_u64(), Some(want.len() as u64), "{summary}");
}
