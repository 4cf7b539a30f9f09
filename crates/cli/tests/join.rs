//! `gatelog summary`'s `join` object: the nginx error log joined to the access log, on logs
//! generated with known truth (`gatelog_gen::join`) and on the bundled samples, with the two
//! files in either order and one or two threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use gatelog_gen::join as joingen;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

fn summary(files: &[&Path], threads: &str) -> Value {
    let out = Command::new(BIN)
        .args(["summary", "-o", "json", "-q", "-j", threads])
        .args(files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn counts(v: &Value) -> Vec<(String, u64)> {
    v.as_object().unwrap().iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap())).collect()
}

#[test]
fn generated_logs_join_to_their_truth() {
    let dir = tempfile::tempdir().unwrap();
    let g = joingen::generate(5, 3000);
    let want = g.truth();
    let (error, access) = (dir.path().join("error.log"), dir.path().join("access.log"));
    std::fs::write(&error, g.error.join("\n") + "\n").unwrap();
    std::fs::write(&access, g.access.join("\n") + "\n").unwrap();
    let want_responses: Vec<_> =
        want.responses_by_class.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    let want_hidden: Vec<_> =
        want.hidden_attempts.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    for files in [[&error, &access], [&access, &error]] {
        for threads in ["1", "2"] {
            let s = summary(&files.map(|p| p.as_path()), threads);
            assert_eq!(s["unparsed"], 0);
            let j = &s["join"];
            assert_eq!(counts(&j["responses_by_class"]), want_responses, "{files:?} -j {threads}");
            assert_eq!(counts(&j["hidden_attempts"]), want_hidden, "{files:?} -j {threads}");
            assert_eq!(j["unmatched_attempts"], want.unmatched_attempts);
            assert_eq!(j["unmatched_responses"], want.unmatched_responses);
            assert_eq!(j["responses"], want.responses());
            assert_eq!(j["hidden"], want.hidden());
        }
    }
}

#[test]
fn the_bundled_samples_join() {
    // testdata/join/README.md says what the access log holds; the counts follow from it and
    // from the error sample's lines.
    let error = testdata("nginx-error/sample.log");
    let access = testdata("join/access.log");
    let text = std::fs::read_to_string(&error).unwrap();
    let refused = text.matches("connect() failed (111: Connection refused)").count() as u64;
    let timeouts = text.matches("upstream timed out").count() as u64;
    for files in [[&error, &access], [&access, &error]] {
        for threads in ["1", "2"] {
            let j = summary(&files.map(|p| p.as_path()), threads)["join"].clone();
            let by = &j["responses_by_class"];
            // Three of four refused connects were retried well; every fourth was not.
            assert_eq!(j["hidden_attempts"]["connect_refused"], refused - refused / 4);
            assert_eq!(by["connect_refused"], refused / 4);
            assert_eq!(by["response_timeout"], timeouts);
            assert_eq!(by["gateway_error"], 1);
            assert_eq!(j["unmatched_responses"], 1);
            // The DNS failure names no peer the access log could show.
            assert_eq!(j["unmatched_attempts"], 1);
            assert_eq!(j["hidden_by_upstream"][0]["upstream"], "10.0.4.21:8080");
        }
    }
}

#[test]
fn a_run_without_both_logs_has_an_empty_join() {
    let s = summary(&[&testdata("nginx-error/sample.log")], "1");
    let j = &s["join"];
    assert_eq!((j["responses"].as_u64(), j["hidden"].as_u64()), (Some(0), Some(0)));
    assert_eq!(j["unmatched_attempts"], 0, "without the access log the join says nothing");
    assert_eq!(j["joined"], false);
}

#[test]
fn the_report_and_the_table_show_the_join() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let (error, access) = (testdata("nginx-error/sample.log"), testdata("join/access.log"));
    let j = summary(&[&error, &access], "1")["join"].clone();
    let out = Command::new(BIN)
        .args(["report", "-q", "-o"])
        .arg(&html)
        .args([&error, &access])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    let at = page.find("<h2 id=\"join\">").expect("a join section");
    let section = &page[at..at + page[at..].find("</table>\n<h2").unwrap_or(2000).min(4000)];
    assert!(section.contains(&format!("{} 5xx responses users got", j["responses"])), "{section}");
    assert!(section.contains(&format!("{} failed attempts retried", j["hidden"])), "{section}");
    let table = Command::new(BIN).args(["summary", "-q"]).args([&error, &access]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    let head = format!(
        "Error log joined to access log ({} 5xx responses users got, {} failed attempts retried well)",
        j["responses"], j["hidden"]
    );
    assert!(table.contains(&head), "{table}");
}
