//! End-to-end tests of `gatelog spikes` and `gatelog timeline` on logs the generator writes
//! with a known story (`gatelog_gen::scenario`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatelog_gen::scenario::{
    self, API_PEERS, CART_PEER, GRACEFUL, OOM, REGRESSION, RESTART, SEARCH_PEER,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

struct Logs {
    _dir: tempfile::TempDir,
    error: PathBuf,
    access: PathBuf,
    markers: PathBuf,
}

fn logs() -> Logs {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario::deploys(1);
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("error.log"), s.error_log).unwrap();
    std::fs::write(path("access.log"), s.access_log).unwrap();
    std::fs::write(path("deploys.jsonl"), s.markers).unwrap();
    Logs {
        error: path("error.log"),
        access: path("access.log"),
        markers: path("deploys.jsonl"),
        _dir: dir,
    }
}

fn gatelog(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run gatelog")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// RFC 3339 of a Unix time; the scenario is all on 2024-03-14.
fn rfc3339(t: i64) -> String {
    let day = scenario::START - 10 * 3600;
    let secs = t - day;
    format!("2024-03-14T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

fn json_of(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// The Unix time of an RFC 3339 string of 2024-03-14.
fn epoch(v: &Value) -> i64 {
    let s = v.as_str().unwrap();
    let hms = &s[11..19];
    let p = |r: std::ops::Range<usize>| hms[r].parse::<i64>().unwrap();
    scenario::START - 10 * 3600 + p(0..2) * 3600 + p(3..5) * 60 + p(6..8)
}

#[test]
fn a_non_graceful_deploy_given_on_the_command_line_is_tied_to_its_restart_spike() {
    let l = logs();
    let deploy = format!("{}=v1.2@api", rfc3339(RESTART));
    let out = gatelog(&["spikes", s(&l.error), s(&l.access), "--deploy", &deploy, "-o", "json"]);
    let v = json_of(&out);
    let spikes = v["spikes"].as_array().unwrap();
    let first = spikes
        .iter()
        .find(|s| s["upstream"] == API_PEERS[0])
        .expect("a spike on the first api peer");
    assert_eq!(epoch(&first["start"]), RESTART + 1, "onset on the second the peer went down");
    assert_eq!(first["classes"]["connect_refused"].as_u64().map(|n| n > 30), Some(true));
    assert_eq!(first["deploy"]["time"], rfc3339(RESTART));
    assert_eq!(first["deploy"]["version"], "v1.2");
    assert_eq!(first["deploy"]["service"], "api");
    assert!(first["p_value"].as_f64().unwrap() < 1e-6);
    assert!(first["count"].as_u64().unwrap() >= 40 && first["expected"].as_f64().unwrap() < 1.0);
    assert!(first["end"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn three_deploys_and_an_oom_burst_give_exactly_the_expected_spikes() {
    let l = logs();
    let out =
        gatelog(&["spikes", s(&l.error), s(&l.access), "--deploys", s(&l.markers), "-o", "json"]);
    let v = json_of(&out);
    let spikes = v["spikes"].as_array().unwrap();
    let got: Vec<(String, i64, Option<String>, Option<String>)> = spikes
        .iter()
        .map(|s| {
            (
                s["upstream"].as_str().unwrap().to_owned(),
                epoch(&s["start"]),
                s["deploy"]["version"].as_str().map(Into::into),
                s["deploy"]["signature"].as_str().map(Into::into),
            )
        })
        .collect();
    let blip = Some("restart blip".to_owned());
    assert_eq!(
        got,
        [
            (API_PEERS[0].to_owned(), RESTART + 1, Some("v1.2".into()), blip.clone()),
            (API_PEERS[1].to_owned(), RESTART + 21, Some("v1.2".into()), blip),
            (
                CART_PEER.to_owned(),
                REGRESSION + 3,
                Some("v7".into()),
                Some("post-deploy regression".into())
            ),
            (SEARCH_PEER.to_owned(), OOM, None, None),
        ]
    );
    // Nothing around the graceful deploy.
    assert!(spikes.iter().all(|s| (epoch(&s["start"]) - GRACEFUL).abs() > 300));
    // The access log's view of each incident is folded into the error log's spike.
    assert_eq!(spikes[3]["echoes"][0]["upstream"], "default-search-80");
    let verdicts: Vec<(&str, &str)> = v["deploys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["version"].as_str().unwrap(), d["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(verdicts, [("v1.1", "clean"), ("v1.2", "restart blip"), ("v7", "regression")]);
}

#[test]
fn the_text_report_explains_each_spike_and_lists_every_deploy() {
    let l = logs();
    let out = gatelog(&[
        "spikes",
        s(&l.error),
        "--deploys",
        s(&l.markers),
        "--service-map",
        &format!("api={},{}", API_PEERS[0], API_PEERS[1]),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "spike  {}–10:50:09 (9 s)  upstream {} (attempts)",
            rfc3339(RESTART + 1),
            API_PEERS[0]
        )
    );
    assert!(text.contains("started 1 s after deploy v1.2@api (10:50:00, exact match)"), "{text}");
    // The OOM kill has no marker; the logs show a restart of the search peer.
    assert!(
        text.contains("coincides with inferred restart of 10.0.2.10:9200 11:41:40–11:41:46 (from the logs, not a deploy marker)"),
        "{text}"
    );
    assert!(text.contains("inferred restarts (from the logs; not deploy markers)"), "{text}");
    assert!(text.contains(&format!("deploy v1.1@api {}  → clean", rfc3339(GRACEFUL))), "{text}");
    assert!(text.contains("deploy v7@cart 2024-03-14T11:20:00Z  → regression"), "{text}");
}

#[test]
fn fail_on_spike_exits_1_and_errors_still_exit_2() {
    let l = logs();
    let out = gatelog(&["spikes", s(&l.error), "--fail-on-spike"]);
    assert_eq!(out.status.code(), Some(1));
    let out = gatelog(&["spikes", s(&l.error), "--fail-on-spike", "--until", &rfc3339(GRACEFUL)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "no spikes of upstream failures\n");
    let out = gatelog(&["spikes", s(&l.error), "--fail-on-spike", "/no/such/file.log"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn zone_less_deploy_times_and_bad_marker_files_are_refused_clearly() {
    let l = logs();
    let out = gatelog(&["spikes", s(&l.error), "--deploy", "2024-03-14T10:50:00=v1.2@api"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no time zone") && err.contains("--deploy"), "{err}");
    let bad = l.markers.with_file_name("bad.jsonl");
    std::fs::write(&bad, "{\"time\": \"2024-03-14T10:50:00Z\"}\n{\"service\": \"api\"}\n").unwrap();
    let out = gatelog(&["spikes", s(&l.error), "--deploys", s(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:2") && err.contains("no time field"), "{err}");
}

#[test]
fn timeline_buckets_in_every_output() {
    let l = logs();
    let out = gatelog(&["timeline", s(&l.error), "--bucket", "10m", "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("bucket_start,upstream,class,count,unit"));
    // The cart regression starts at 11:20:03: about 0.4 timeouts a second in that bucket.
    let cart: u64 = csv
        .lines()
        .filter(|l| l.starts_with("2024-03-14T11:20:00Z,10.0.3.10:8080,response_timeout,"))
        .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(cart > 150, "{cart}");
    let v = json_of(&gatelog(&["timeline", s(&l.error), "--bucket", "1h", "-o", "json"]));
    assert_eq!((v["bucket_seconds"].as_i64(), v["buckets"].as_u64()), (Some(3600), Some(2)));
    let api =
        v["series"].as_array().unwrap().iter().find(|s| s["upstream"] == API_PEERS[0]).unwrap();
    assert_eq!(api["unit"], "attempts");
    assert!(api["failures"].as_u64().unwrap() >= 50);
    let out = gatelog(&["timeline", s(&l.error), s(&l.access)]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with("120 buckets of 60 s from 2024-03-14T10:00:00Z to 2024-03-14T12:00:00Z"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("default-api-80") && l.contains("responses") && l.contains('█')),
        "{table}"
    );
    let out = gatelog(&["timeline", s(&l.error), "--bucket", "0s"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn without_markers_the_restarts_are_inferred_from_the_logs() {
    let l = logs();
    let v = json_of(&gatelog(&["spikes", s(&l.error), s(&l.access), "-o", "json"]));
    let inferred: Vec<(&str, i64, i64, usize)> = v["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["kind"].as_str().unwrap(),
                epoch(&x["start"]),
                epoch(&x["end"]),
                x["peers"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        inferred,
        [("rolling-restart", RESTART + 1, RESTART + 29, 2), ("restart", OOM, OOM + 6, 1)]
    );
    assert!(v["inferred"].as_array().unwrap().iter().all(|x| x["source"] == "inferred"));
    let spikes = v["spikes"].as_array().unwrap();
    assert!(spikes.iter().all(|s| s["deploy"].is_null()), "inferred restarts are not deploys");
    let restart_spikes = spikes.iter().filter(|s| s["inferred_restart"] == 0).count();
    assert_eq!(restart_spikes, 2);
    // The cart regression has no restart signature: nothing inferred for it.
    let cart = spikes.iter().find(|s| s["upstream"] == CART_PEER).unwrap();
    assert!(cart["inferred_restart"].is_null());
}

#[test]
fn segments_follow_the_regression_to_the_end_of_the_file() {
    let l = logs();
    let v = json_of(&gatelog(&[
        "spikes",
        s(&l.error),
        "--deploys",
        s(&l.markers),
        "--method",
        "segments",
        "-o",
        "json",
    ]));
    let cart = v["spikes"].as_array().unwrap().iter().find(|s| s["upstream"] == CART_PEER).unwrap();
    assert_eq!(epoch(&cart["start"]), REGRESSION + 3);
    assert!(epoch(&cart["end"]) >= scenario::START + scenario::LENGTH - 10, "{}", cart["end"]);
    assert_eq!(cart["deploy"]["version"], "v7");
    assert_eq!(cart["deploy"]["signature"], "post-deploy regression");
}

/// On a live stream, a spike is printed as provisional while it is open and as final once later
/// events show it closed, before the full report at the end of the stream.
#[test]
fn a_stream_prints_spikes_as_provisional_then_final() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let line = |secs: u32, msg: &str| {
        format!(
            "2024/03/14 10:{:02}:{:02} [error] 7#7: *{secs} {msg} while connecting to upstream, client: 10.9.0.1, server: shop, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.1.10:3000/\", host: \"shop\"\n",
            secs / 60,
            secs % 60
        )
    };
    // A quiet quarter of an hour (a few failures, for a baseline), then a burst of refusals.
    let mut before = String::new();
    for s in (0..900).step_by(300) {
        before.push_str(&line(s, "upstream timed out (110: Connection timed out)"));
    }
    for s in 900..906 {
        for _ in 0..8 {
            before.push_str(&line(s, "connect() failed (111: Connection refused)"));
        }
    }
    // Two minutes later, one more line: the burst is over.
    let after = line(1030, "upstream timed out (110: Connection timed out)");

    let mut child = Command::new(env!("CARGO_BIN_EXE_gatelog"))
        .args(["spikes", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(before.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2600));
    stdin.write_all(after.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2600));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let provisional = lines.iter().position(|l| l.starts_with("provisional spike"));
    let fin = lines.iter().position(|l| l.starts_with("final spike"));
    let report = lines.iter().position(|l| l.starts_with("spike "));
    assert!(provisional.is_some(), "no provisional line:\n{text}");
    assert!(fin.is_some(), "no final line:\n{text}");
    assert!(provisional < fin && fin < report, "out of order:\n{text}");
    assert!(lines[fin.unwrap()].contains("10.0.1.10:3000"), "{text}");
    assert!(lines[fin.unwrap()].contains("48 errors"), "{text}");
}

/// The timeline table marks, under each upstream's sparkline, its spikes (`^`) and every
/// deploy (`|`), in the cells of their times.
#[test]
fn timeline_table_marks_spikes_and_deploys_under_the_sparklines() {
    let l = logs();
    let out = gatelog(&[
        "timeline",
        "--bucket",
        "5m",
        "--deploys",
        s(&l.markers),
        "--color",
        "never",
        s(&l.error),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(text.contains("^ spike of that upstream, | deploy"), "{text}");
    // Each upstream row with a spike is followed by a mark row with a `^`.
    let spiked: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("          ") && l.contains('^'))
        .map(|(i, _)| i)
        .collect();
    // The scenario's error log has spikes on four upstreams.
    assert_eq!(spiked.len(), 4, "{text}");
    // The mark rows sit under sparklines, in the sparkline's column, and hold only marks.
    for &i in &spiked {
        let bar = lines[i - 1].find('|').expect("the row above has a sparkline");
        let marks = &lines[i][bar..];
        assert!(marks.chars().all(|c| matches!(c, ' ' | '^' | '|')), "{}", lines[i]);
    }
    // Without markers or spikes there are no mark rows.
    let quiet = gatelog(&["timeline", "--bucket", "5m", "--class", "info", s(&l.error)]);
    let quiet = String::from_utf8(quiet.stdout).unwrap();
    assert!(!quiet.contains('^'), "{quiet}");
}
