//! The small cuts a new user hit (issue 11): stderr that cannot be written, outputs checked
//! before any input is read, standard input asked for twice, a terminal on standard input,
//! control bytes in CSV, and help and messages that fit the case they report.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(path)
}

fn sample() -> String {
    testdata("nginx-error/sample.log").to_str().unwrap().to_owned()
}

fn gatelog(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null());
    cmd
}

fn run(args: &[&str]) -> Output {
    gatelog(args).output().expect("run gatelog")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The write end of a pipe whose read end is already closed: every write to it fails with
/// `EPIPE`. (A process that exits without reading holds the read end.)
fn closed_pipe() -> Stdio {
    let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().expect("run `true`");
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    Stdio::from(write_end)
}

// --- Item 5: no panic when stderr is closed or full ---------------------------------------------

/// A message that cannot be written is dropped; the exit code still says the run had an
/// error (2), never a panic (101).
#[test]
fn a_full_or_closed_stderr_drops_messages_and_keeps_the_exit_code() {
    let missing = testdata("nginx-error/no-such-file.log");
    let missing = missing.to_str().unwrap();
    let sample = sample();
    for (what, args) in [
        // A file that cannot be opened: a message, then the report of the others.
        ("a missing input", vec!["summary", missing, &sample]),
        // Bad arguments: clap's own message.
        ("an unknown option", vec!["summary", "--no-such-option", &sample]),
        // A bad value: the top-level error message.
        ("a bad --tz", vec!["summary", "--tz", "Mars/Olympus", &sample]),
    ] {
        for (sink, stderr) in [
            ("/dev/full", Stdio::from(File::create("/dev/full").unwrap())),
            ("a closed pipe", closed_pipe()),
        ] {
            let out = gatelog(&args).stdout(Stdio::piped()).stderr(stderr).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{what}, stderr to {sink}");
        }
    }
    // And the report of the files that could be read still reaches stdout.
    let out = gatelog(&["summary", missing, &sample])
        .stderr(File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Lines read      65"));
}

/// Output that cannot be written is an error (exit 2) whether it is a report or the help;
/// only a closed stdout (`| head`) is not.
#[test]
fn a_full_stdout_is_an_error_even_for_help() {
    let sample = sample();
    for args in [&["summary", &sample][..], &["--help"], &["summary", "--help"], &["--version"]] {
        let out = gatelog(args).stdout(File::create("/dev/full").unwrap()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("No space left on device"), "{args:?}: {}", stderr(&out));
    }
    for args in [&["summary", &sample][..], &["--help"]] {
        let out = gatelog(args).stdout(closed_pipe()).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // Both at once: nothing can be said, the exit code still tells.
    let out = gatelog(&["--help"])
        .stdout(File::create("/dev/full").unwrap())
        .stderr(File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// --- Item 6: outputs are checked before any input is read ---------------------------------------

/// Waits for `child` at most `secs` seconds; kills it and fails when it is still running.
fn wait_at_most(mut child: std::process::Child, secs: u64, what: &str) -> Output {
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("{what}: still running after {secs} s (it is reading its inputs)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A FIFO nobody writes: opening it for reading blocks for ever.
fn fifo(dir: &Path) -> String {
    let path = dir.join("never-written.fifo");
    let status = Command::new("mkfifo").arg(&path).status().expect("run mkfifo");
    assert!(status.success());
    path.to_str().unwrap().to_owned()
}

/// `report -o` a path that cannot be written fails at once, naming the path, and reads no
/// input: neither a log nor a deploy file that would block.
#[test]
fn report_fails_on_its_output_path_before_reading_any_input() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path());
    let in_missing_dir = dir.path().join("no-such-dir/r.html");
    let in_missing_dir = in_missing_dir.to_str().unwrap();
    let a_directory = dir.path().to_str().unwrap();
    for out in [in_missing_dir, a_directory] {
        for args in
            [vec!["report", "-o", out, &fifo], vec!["report", "-o", out, "--deploys", &fifo, &fifo]]
        {
            let child =
                gatelog(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            let done = wait_at_most(child, 10, &format!("{args:?}"));
            assert_eq!(done.status.code(), Some(2), "{args:?}");
            let msg = stderr(&done);
            assert!(msg.contains(out) && msg.contains("cannot write the report"), "{msg}");
        }
    }
}

/// The report file is created when the run starts; a run that fails before writing it leaves
/// no empty file behind, and an earlier report at that path stays until the new one is written.
#[test]
fn a_failed_report_run_leaves_no_file_and_keeps_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    let p = page.to_str().unwrap();
    let bad_deploys = testdata("nginx-error/no-such-file.jsonl");
    let bad = bad_deploys.to_str().unwrap();
    let out = run(&["report", "-o", p, "--deploys", bad, &sample()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!page.exists(), "a failed run left {p}");
    std::fs::write(&page, "earlier report").unwrap();
    let out = run(&["report", "-o", p, "--deploys", bad, &sample()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "earlier report");
    let out = run(&["report", "-q", "-o", p, &sample()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("earlier report"));
    // A device is written, not truncated.
    let out = run(&["report", "-q", "-o", "/dev/null", &sample()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// --- Item 7: standard input asked for twice -----------------------------------------------------

/// `--deploys -` with the logs on standard input too (no PATH, or `-` among them), or
/// standard input named twice, is refused with a message naming both uses, before anything is
/// read.
#[test]
fn standard_input_asked_for_twice_is_refused() {
    let markers = testdata("deploys/generic.jsonl");
    let markers = markers.to_str().unwrap();
    let sample = sample();
    for (args, uses) in [
        (vec!["spikes", "--deploys", "-"], ["--deploys -", "the logs (no PATH given)"]),
        (vec!["spikes", "--deploys", "-", "-"], ["--deploys -", "the logs (PATH -)"]),
        (vec!["timeline", "--deploys", "-", &sample, "-"], ["--deploys -", "the logs (PATH -)"]),
        (vec!["report", "-o", "/dev/null", "--deploys", "-"], ["--deploys -", "the logs"]),
        (vec!["spikes", "--deploys", "-", "--deploys", "-", &sample], ["--deploys -", "twice"]),
        (vec!["summary", "-", "-"], ["PATH -", "twice"]),
    ] {
        // Standard input holds a deploy marker: read as a log it would be one unparsed line.
        let mut child = gatelog(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(br#"{"time": "2024-03-14T09:26:50Z", "version": "v2"}"#);
        }
        let out = wait_at_most(child, 10, &format!("{args:?}"));
        let msg = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {msg}");
        assert!(msg.contains("standard input"), "{args:?}: {msg}");
        for u in uses {
            assert!(msg.contains(u), "{args:?}: no {u:?} in {msg}");
        }
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // One use of it is fine, either way.
    let out = run(&["spikes", "-q", "--deploys", markers, "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = gatelog(&["spikes", "-q", "--deploys", "-", &sample])
        .stdin(File::open(markers).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// --- Item 8: a terminal on standard input ------------------------------------------------------

/// What `gatelog ARGS` prints on a terminal (a pseudo-terminal from util-linux `script`) in its
/// first second, standard input included; `None` when `script` is not installed.
fn on_a_terminal(args: &str) -> Option<String> {
    let probe = Command::new("script").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("SKIPPED the terminal test: util-linux `script` is not installed");
        return None;
    }
    // `timeout` ends a run that waits for a terminal which never types.
    let line = format!("timeout 1 {BIN} {args}");
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

const HINT: &str = "gatelog: reading standard input; pass files or pipe a log";

/// With no file and a terminal on standard input, one line on stderr says what gatelog is
/// waiting for; with a file, or with a pipe on standard input, nothing is said.
#[test]
fn a_terminal_on_standard_input_gets_a_hint() {
    let Some(waiting) = on_a_terminal("summary") else { return };
    assert_eq!(waiting.matches(HINT).count(), 1, "{waiting:?}");
    let Some(with_a_file) = on_a_terminal(&format!("summary --color never {}", sample())) else {
        return;
    };
    assert!(with_a_file.contains("Lines read      65"), "{with_a_file:?}");
    assert!(!with_a_file.contains(HINT), "{with_a_file:?}");
    let piped = gatelog(&["summary"]).output().unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(stderr(&piped), "");
}

// --- Item 9: control bytes in CSV ---------------------------------------------------------------

/// The upstream of `testdata/driver/control-bytes.log` (ESC, BEL, CR, BS and a tab in it), as
/// the table shows it and CSV must write it.
const ESCAPED_UPSTREAM: &str = r"evil\x1B[2J\x07\x0D\x08\x09peer:8080";

/// Control bytes from a log reach CSV cells as the table shows them (`\x1B`), not as they
/// are: no CSV output holds a byte below 0x20 other than its line ends.
#[test]
fn csv_escapes_control_bytes_as_the_table_does() {
    let log = testdata("driver/control-bytes.log");
    let log = log.to_str().unwrap();
    let table = run(&["summary", "--color", "never", log]);
    assert!(String::from_utf8_lossy(&table.stdout).contains(ESCAPED_UPSTREAM));
    for args in [
        &["events", "-o", "csv", log][..],
        &["events", "-o", "csv", "--raw", log],
        &["summary", "-o", "csv", log],
        &["timeline", "-o", "csv", log],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        let bad: Vec<char> = text.chars().filter(|&c| c.is_control() && c != '\n').collect();
        assert!(bad.is_empty(), "{args:?}: control characters {bad:?} in {text:?}");
        assert!(text.contains(ESCAPED_UPSTREAM), "{args:?}: {text}");
    }
    let raw = String::from_utf8(run(&["events", "-o", "csv", "--raw", log]).stdout).unwrap();
    assert!(
        raw.contains(r#"upstream: ""http://evil\x1B[2J\x07\x0D\x08\x09peer:8080/cart"", host"#),
        "{raw}"
    );
}

// --- Item 10: help and messages -----------------------------------------------------------------

/// The long options a help text lists (`--name` at the start of an option line).
fn listed_options(help: &str) -> std::collections::BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter_map(|l| l.strip_prefix("-").map(|_| l))
        .filter_map(|l| l.split([' ', ',']).find(|w| w.starts_with("--")))
        .map(|w| w.split('=').next().unwrap().to_owned())
        .collect()
}

/// Each command's help lists its own options and only those: `--color` only where tables are
/// printed, `--follow` only on `summary`, deploys only where they are drawn or attributed.
#[test]
fn each_command_help_lists_only_its_own_options() {
    let common = [
        "--help",
        "--glob",
        "--threads",
        "--no-mmap",
        "--quiet",
        "--format",
        "--nginx-log-format",
        "--haproxy-log-format",
        "--envoy-log-format",
        "--year",
        "--tz",
        "--class",
        "--upstream",
        "--since",
        "--until",
    ];
    let own: [(&str, &[&str]); 5] = [
        ("events", &["--raw", "--unparsed", "--output"]),
        ("summary", &["--color", "--output", "--follow"]),
        ("timeline", &["--color", "--bucket", "--output", "--deploy", "--deploys"]),
        (
            "spikes",
            &[
                "--color",
                "--output",
                "--fail-on-spike",
                "--deploy",
                "--deploys",
                "--service-map",
                "--deploy-skew",
                "--sensitivity",
                "--min-errors",
                "--baseline",
                "--method",
            ],
        ),
        ("report", &["--out", "--bucket", "--deploy", "--deploys", "--service-map"]),
    ];
    for (cmd, options) in own {
        let want: std::collections::BTreeSet<String> =
            common.iter().chain(options).map(|s| s.to_string()).collect();
        for flag in ["-h", "--help"] {
            let out = run(&[cmd, flag]);
            assert_eq!(out.status.code(), Some(0));
            let help = String::from_utf8(out.stdout).unwrap();
            assert_eq!(listed_options(&help), want, "gatelog {cmd} {flag}:\n{help}");
        }
    }
    // The summary line of `events` says what it prints in both of its formats.
    let top = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let events = top.lines().find(|l| l.trim_start().starts_with("events")).unwrap();
    assert!(events.contains("JSON") && events.contains("CSV"), "{events}");
}

/// An option given to a command that does not have it is named as such, with the commands
/// that do have it; no unrelated option is suggested (`summary --bucket` suggested `--quiet`).
#[test]
fn an_option_of_another_command_says_where_it_belongs() {
    let sample = sample();
    let out = run(&["summary", "--bucket", "5m", &sample]);
    assert_eq!(out.status.code(), Some(2));
    let msg = stderr(&out);
    assert!(!msg.contains("--quiet"), "{msg}");
    assert!(msg.contains("'--bucket'"), "{msg}");
    assert!(msg.contains("`gatelog timeline` and `gatelog report`"), "{msg}");
    assert!(msg.contains("Usage: gatelog summary [OPTIONS] [PATH]..."), "{msg}");
    let out = run(&["events", "--color", "never", &sample]);
    assert_eq!(out.status.code(), Some(2));
    let msg = stderr(&out);
    assert!(msg.contains("`gatelog summary`, `gatelog timeline` and `gatelog spikes`"), "{msg}");
    // A close misspelling still gets clap's suggestion.
    let msg = stderr(&run(&["summary", "--folow", &sample]));
    assert!(msg.contains("tip: a similar argument exists: '--follow'"), "{msg}");
    // A word close to no option gets no suggestion (only clap's tip for a PATH named so).
    let msg = stderr(&run(&["summary", "--bucketful", &sample]));
    assert!(!msg.contains("similar argument"), "{msg}");
    assert!(msg.contains("Usage: gatelog summary [OPTIONS] [PATH]..."), "{msg}");
}

/// A `--deploys` file that does not exist is reported as missing; the UTF-8 message is kept
/// for a file whose content is not UTF-8.
#[test]
fn deploy_file_errors_say_what_is_wrong_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("deploys.jsonl");
    let missing = missing.to_str().unwrap();
    let sample = sample();
    let msg = stderr(&run(&["spikes", "--deploys", missing, &sample]));
    assert!(msg.contains(&format!("--deploys {missing}: the file does not exist")), "{msg}");
    assert!(!msg.contains("UTF-8"), "{msg}");
    let latin1 = dir.path().join("latin1.jsonl");
    std::fs::write(&latin1, b"{\"time\": \"2024-03-14T09:26:50Z\", \"version\": \"caf\xe9\"}\n")
        .unwrap();
    let msg = stderr(&run(&["spikes", "--deploys", latin1.to_str().unwrap(), &sample]));
    assert!(msg.contains("latin1.jsonl: the file is not UTF-8 text"), "{msg}");
    assert!(msg.contains("line 1 has a byte that is not UTF-8, at offset 48"), "{msg}");
    let msg = stderr(&run(&["spikes", "--deploys", dir.path().to_str().unwrap(), &sample]));
    assert!(msg.contains("cannot read the file: Is a directory"), "{msg}");
}

/// A spike with no baseline seconds at all (its series starts with it) says that a prior rate
/// was used, and which one, instead of "baseline 0 errors/0 s".
#[test]
fn a_spike_without_baseline_says_which_prior_rate_was_used() {
    let log = testdata("driver/burst-only.log");
    let out = run(&["spikes", "--color", "never", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("spike  "), "{text}");
    assert!(!text.contains("0 errors/0 s"), "{text}");
    assert!(text.contains("no baseline before it: prior rate 0.5 errors/s"), "{text}");
}

#[test]
fn the_report_counts_one_of_a_thing_in_the_singular() {
    // One error line: one line, one event, one failure, a cell of one failure.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("one.log");
    std::fs::write(
        &log,
        "2024/03/14 09:26:50 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.9.0.1, server: shop, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.4.21:8080/\", host: \"shop\"\n",
    )
    .unwrap();
    let page = dir.path().join("r.html");
    let out = run(&["report", "-q", log.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    for wrong in ["1 events", "1 failures", "1 lines", "(1 errors"] {
        assert!(!html.contains(wrong), "the page says {wrong:?}");
    }
    assert!(html.contains("1 line: 1 event, 0 unparsed"), "the page's first line");
    assert!(html.contains("(attempts, 1 failure, peak 1 per bucket)"), "the chart's title");
    assert!(html.contains("(1 event)"), "the messages heading");
}
