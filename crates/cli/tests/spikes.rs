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

fn testdata(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(path).to_str().unwrap().into()
}

/// The `N %` values of a `name N % (M % before), ...` list: (during, before) pairs.
fn percents(list: &str) -> Vec<(u64, u64)> {
    list.split(", ")
        .map(|item| {
            let n: Vec<u64> = item
                .split(|c: char| !c.is_ascii_digit())
                .filter(|w| !w.is_empty())
                .map(|w| w.parse().unwrap())
                .collect();
            // Peer names may hold digits: the two percentages are the last two numbers.
            (n[n.len() - 2], n[n.len() - 1])
        })
        .collect()
}

/// Whole percentages each rounded: their sum is within half a point per item of 100.
fn near_100(what: &str, xs: &[u64]) {
    let sum: u64 = xs.iter().sum();
    assert!(sum.abs_diff(100) * 2 <= xs.len() as u64, "{what}: {xs:?} sum to {sum}");
}

#[test]
fn shares_before_a_spike_sum_to_100_in_the_table_json_csv_and_html() {
    // A baseline of 25 % refused (srv1) and 75 % connect timeouts (srv2), then a burst of
    // refused on srv1: "before" is 25 % refused, not 100 %.
    let log = testdata("spikes/mixed-baseline.log");
    let out = gatelog(&["spikes", "-q", "--color", "never", &log]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.trim_start().starts_with("classes: ")).expect("{text}");
    let (classes, peers) = line.trim_start()["classes: ".len()..].split_once("   peers: ").unwrap();
    assert_eq!(classes, "connect_refused 100 % (25 % before), connect_timeout 0 % (75 % before)");
    assert_eq!(peers, "srv1 100 % (25 % before), srv2 0 % (75 % before) (1 of 2)");
    let peers = peers.rsplit_once(" (").unwrap().0;
    for (what, list) in [("classes", classes), ("peers", peers)] {
        let p = percents(list);
        near_100(&format!("table {what} during"), &p.iter().map(|x| x.0).collect::<Vec<_>>());
        near_100(&format!("table {what} before"), &p.iter().map(|x| x.1).collect::<Vec<_>>());
    }

    let v = json_of(&gatelog(&["spikes", "-q", "-o", "json", &log]));
    let spike = &v["spikes"][0];
    assert_eq!(spike["baseline_errors"], 40);
    assert_eq!(spike["classes"], serde_json::json!({"connect_refused": 60}));
    let refused = &spike["class_shares"][0];
    assert_eq!((&refused["class"], &refused["share"]), (&"connect_refused".into(), &1.0.into()));
    assert_eq!(
        (&refused["baseline_count"], &refused["baseline_share"]),
        (&10.into(), &0.25.into())
    );
    for key in ["class_shares", "peers"] {
        let list = spike[key].as_array().unwrap();
        assert_eq!(list.len(), 2, "{key}: {list:?}");
        for field in ["share", "baseline_share"] {
            let sum: f64 = list.iter().map(|x| x[field].as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-9, "json {key}.{field} sums to {sum}");
        }
    }

    let out = gatelog(&["spikes", "-q", "-o", "csv", &log]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let row: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("baseline_errors"), "40");
    assert_eq!(col("class_shares"), "connect_refused=1/0.25;connect_timeout=0/0.75");
    let (mut during, mut before) = (0.0, 0.0);
    for item in col("class_shares").split(';') {
        let (d, b) = item.split_once('=').unwrap().1.split_once('/').unwrap();
        during += d.parse::<f64>().unwrap();
        before += b.parse::<f64>().unwrap();
    }
    assert!((during - 1.0).abs() < 1e-9 && (before - 1.0).abs() < 1e-9, "csv: {during} {before}");

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = gatelog(&["report", "-q", &log, "-o", s(&page)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut html = std::fs::read_to_string(&page).unwrap();
    // The class swatches (empty colored spans) sit between the words; read the text without them.
    while let Some(at) = html.find("<span class=\"sw\"") {
        let end = at + html[at..].find("</span>").unwrap() + "</span>".len();
        html.replace_range(at..end, "");
    }
    assert!(
        html.contains(
            "classes: connect_refused 100 % (25 % before), connect_timeout 0 % (75 % before)"
        ),
        "the report's spike shows the class mix before"
    );
    assert!(html.contains("peers: srv1 100 % (25 % before), srv2 0 % (75 % before)"));
}

#[test]
fn a_spike_with_no_errors_before_says_so_instead_of_zero_shares() {
    let l = logs();
    let out = gatelog(&["spikes", "-q", "--color", "never", s(&l.error)]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.trim_start().starts_with("classes: ")).unwrap();
    assert_eq!(
        line.trim(),
        "classes: connect_refused 94 %, prematurely_closed 6 %   (no errors before)",
        "{text}"
    );
}
