//! End-to-end tests of `gatelog` on damaged and hostile input: bytes no log should contain,
//! inputs that vanish or shrink while read, paths that are not readable files, and log text
//! written to attack whoever reads the output (a terminal, a spreadsheet).
//!
//! Every case ends in a clear message on stderr (exit code 2, the other inputs still read) or
//! in lines counted as unparsed; none ends the run early or prints log bytes raw.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn gatelog(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run gatelog")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and asserts exit 0 with nothing on stderr; returns stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let out = gatelog(args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
    out.stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `summary --output json` document.
fn summary(args: &[&str]) -> Value {
    let mut all = vec!["summary", "--output", "json", "--quiet"];
    all.extend_from_slice(args);
    serde_json::from_slice(&ok(&all)).expect("one JSON object")
}

/// `(lines, events, unparsed)` of a summary document.
fn counts(doc: &Value) -> (u64, u64, u64) {
    let n = |k: &str| doc[k].as_u64().unwrap_or_else(|| panic!("no {k} in {doc}"));
    (n("lines"), n("events"), n("unparsed"))
}

/// An nginx error line of class `connect_refused` for `upstream` with `uri`, at second `sec`
/// of 2024-11-03 06:00.
fn refused(sec: u32, upstream: &[u8], uri: &[u8]) -> Vec<u8> {
    let mut line = format!(
        "2024/11/03 06:{:02}:{:02} [error] 1#1: *1 connect() failed (111: Connection refused) \
         while connecting to upstream, client: 10.1.1.1, server: s, request: \"GET ",
        sec / 60,
        sec % 60
    )
    .into_bytes();
    line.extend_from_slice(uri);
    line.extend_from_slice(b" HTTP/1.1\", upstream: \"http://");
    line.extend_from_slice(upstream);
    line.extend_from_slice(b"/\", host: \"h\"\n");
    line
}

/// Deterministic bytes (xorshift64), so that a failure can be reproduced.
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[test]
fn nul_bytes_make_lines_unparsed_and_the_events_around_them_still_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nul.log");
    let mut data = refused(1, b"10.0.0.1:80", b"/");
    data.extend_from_slice(b"\x00\x00\x00\x00\n");
    let mut cut = refused(2, b"10.0.0.1:80", b"/");
    cut[4] = 0;
    data.extend_from_slice(&cut);
    data.extend_from_slice(&refused(3, b"10.0.0.1:80", b"/a\x00b"));
    std::fs::write(&p, &data).unwrap();
    let doc = summary(&[s(&p)]);
    // A line of NULs is unparsed. A NUL in the timestamp spoils only the timestamp: the line
    // is read as an error line without one (as nginx writes some). One in the URI is a byte
    // of the request like any other.
    assert_eq!(counts(&doc), (4, 3, 1), "{doc}");
    let out = ok(&["events", "--quiet", s(&p)]);
    let evs: Vec<Value> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(evs[1]["line"], 3);
    assert_eq!(evs[1]["time"], Value::Null);
    assert_eq!(evs[1]["class"], "connect_refused");
    assert_eq!(evs[2]["request"], "GET /a\u{0}b HTTP/1.1");
}

#[test]
fn a_ten_megabyte_line_is_one_unparsed_line_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.log");
    let mut data = refused(1, b"10.0.0.1:80", b"/");
    data.extend(std::iter::repeat_n(b'A', 10 << 20));
    data.push(b'\n');
    data.extend_from_slice(&refused(2, b"10.0.0.1:80", b"/"));
    std::fs::write(&p, &data).unwrap();
    for extra in [&[][..], &["--no-mmap"][..]] {
        let mut args = vec![s(&p)];
        args.extend_from_slice(extra);
        let doc = summary(&args);
        assert_eq!(counts(&doc), (3, 2, 1), "{extra:?}: {doc}");
    }
}

#[test]
fn a_file_of_random_bytes_is_counted_line_by_line_and_both_readers_agree() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("random.bin");
    // Large enough to be read in chunks; the first byte keeps it from looking compressed.
    let mut data = random_bytes(300 * 1024, 0x9E37_79B9_7F4A_7C15);
    data[0] = b'x';
    std::fs::write(&p, &data).unwrap();
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    let want = newlines + u64::from(!data.ends_with(b"\n"));
    let chunked = summary(&[s(&p)]);
    let read = summary(&[s(&p), "--no-mmap"]);
    assert_eq!(chunked, read);
    let (lines, events, unparsed) = counts(&chunked);
    assert_eq!(lines, want);
    assert_eq!(events + unparsed + chunked["excluded"].as_u64().unwrap(), lines, "{chunked}");
}

#[test]
fn crlf_line_endings_give_the_same_report_as_lf() {
    let dir = tempfile::tempdir().unwrap();
    let (lf, crlf) = (dir.path().join("lf.log"), dir.path().join("crlf.log"));
    let mut data = Vec::new();
    for i in 0..5 {
        data.extend_from_slice(&refused(i, b"10.0.0.1:80", b"/"));
    }
    data.extend_from_slice(b"not a log line\n");
    std::fs::write(&lf, &data).unwrap();
    let with_cr: Vec<u8> =
        data.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect();
    std::fs::write(&crlf, &with_cr).unwrap();
    let (a, b) = (summary(&[s(&lf)]), summary(&[s(&crlf)]));
    assert_eq!(counts(&a), (6, 5, 1));
    assert_eq!(a["upstreams"], b["upstreams"]);
    assert_eq!(counts(&a), counts(&b));
}

/// Makes a FIFO at `path` with `mkfifo(1)`.
fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success());
}

/// A FIFO stands for a file that disappears and is cut short while it is read: the writer
/// deletes the path after the first lines (an open file stays readable after its name is
/// gone, as with logrotate), then stops in the middle of a line. The lines before the cut are
/// read, the cut line counts as unparsed, and the run ends normally.
#[test]
fn an_input_deleted_and_cut_mid_line_while_read_keeps_what_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("live.log");
    mkfifo(&fifo);
    let child = Command::new(BIN)
        .args(["summary", "--output", "json", "--quiet", s(&fifo)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        // Opening for writing waits for gatelog to open the FIFO for reading.
        let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        w.write_all(&refused(1, b"10.0.0.1:80", b"/")).unwrap();
        std::fs::remove_file(&path).unwrap();
        w.write_all(&refused(2, b"10.0.0.1:80", b"/")).unwrap();
        // Cut inside the timestamp: nothing left to read an event from.
        w.write_all(&refused(3, b"10.0.0.1:80", b"/")[..15]).unwrap();
    });
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts(&doc), (3, 2, 1), "{doc}");
    assert!(!fifo.exists());
}

/// A regular file that is shorter when it is opened than when the run was planned (truncated
/// in between): its lines are read, on both paths, with no message (it did not change while
/// read). Truncations during the reading are below.
#[test]
fn a_file_truncated_before_it_is_opened_gives_the_lines_left() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.log");
    let mut data = Vec::new();
    for i in 0..2000 {
        data.extend_from_slice(&refused(i % 3600, b"10.0.0.1:80", b"/"));
    }
    std::fs::write(&p, &data).unwrap();
    let full = summary(&[s(&p), "--no-mmap"]);
    assert_eq!(counts(&full), (2000, 2000, 0));
    // Cut in the middle of line 1001.
    let line = data.len() / 2000;
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len((1000 * line + 10) as u64)
        .unwrap();
    for extra in [&["--no-mmap"][..], &[][..]] {
        let mut args = vec![s(&p)];
        args.extend_from_slice(extra);
        assert_eq!(counts(&summary(&args)), (1001, 1000, 1), "{extra:?}");
    }
}

/// Runs `gatelog args` with the engine's testing hook set: reading pauses once `at` bytes of
/// a file were read, `change` runs during the pause, and reading goes on.
fn paused_run(args: &[&str], at: u64, change: impl FnOnce()) -> Output {
    let hook = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .env("GATELOG_TEST_PAUSE", format!("{at}:{}", hook.path().display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let paused = hook.path().join("paused");
    let start = std::time::Instant::now();
    while !paused.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("gatelog ended ({status}) before reading {at} bytes: {}", stderr(&out));
        }
        assert!(start.elapsed().as_secs() < 60, "gatelog did not pause");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    change();
    std::fs::write(hook.path().join("resume"), b"").unwrap();
    child.wait_with_output().unwrap()
}

/// Log lines up to `len` bytes, all of class `connect_refused`.
fn refused_lines(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len + 300);
    let mut i = 0;
    while data.len() < len {
        data.extend_from_slice(&refused(i % 3600, b"10.0.0.1:80", b"/"));
        i += 1;
    }
    data
}

fn set_len(p: &Path, len: u64) {
    std::fs::File::options().write(true).open(p).unwrap().set_len(len).unwrap();
}

/// A file of 1 GiB truncated while `summary` reads it, to nothing or to half its size, on the
/// default path and with `--no-mmap`: a message names the file and both sizes, the report
/// covers the lines read before the cut, and the exit code is 2. The file is 8 MiB of lines
/// and a hole up to 1 GiB (read as NUL bytes, one overlong unparsed line), so that it costs
/// nothing to make; reading pauses after 4 MiB for the truncation, so nothing is left to
/// timing.
#[test]
fn a_gigabyte_file_truncated_while_read_is_reported_with_the_lines_before_the_cut() {
    const GIB: u64 = 1 << 30;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let head = refused_lines(8 << 20);
    let at = 4 << 20;
    let complete = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    // To nothing: the lines in the first 4 MiB. To half: all the lines, and the NUL line
    // (unparsed) up to the cut.
    let cases =
        [(0, at, complete(&head[..at as usize]), 0), (GIB / 2, GIB / 2, complete(&head) + 1, 1)];
    for (to, read, lines, unparsed) in cases {
        for extra in [&[][..], &["--no-mmap"][..]] {
            std::fs::write(&p, &head).unwrap();
            set_len(&p, GIB);
            let mut args = vec!["summary", "--output", "json", "--quiet", s(&p)];
            args.extend_from_slice(extra);
            let out = paused_run(&args, at, || set_len(&p, to));
            let err = stderr(&out);
            let case = format!("{extra:?}, truncated to {to}: {err}");
            assert_eq!(out.status.code(), Some(2), "{case}");
            let want = format!(
                "gatelog: {}: truncated while it was read: {GIB} bytes when opened, {read} bytes \
                 read; the report covers its first {lines} lines\n",
                s(&p)
            );
            assert_eq!(err, want, "{case}");
            let doc: Value = serde_json::from_slice(&out.stdout).expect("the report");
            assert_eq!(counts(&doc), (lines, lines - unparsed, unparsed), "{case}");
        }
    }
}

/// A file appended to while it is read is read up to its size when opened, on both paths:
/// following a growing file is for `tail -F | gatelog summary --follow`.
#[test]
fn a_file_appended_to_while_read_is_read_up_to_its_size_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("growing.log");
    let data = refused_lines(4 << 20);
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    for extra in [&[][..], &["--no-mmap"][..]] {
        std::fs::write(&p, &data).unwrap();
        let mut args = vec!["summary", "--output", "json", "--quiet", s(&p)];
        args.extend_from_slice(extra);
        let out = paused_run(&args, 1 << 20, || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(&data).unwrap();
        });
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{extra:?}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(counts(&doc), (lines, lines, 0), "{extra:?}");
    }
}

/// Whether this process runs as root (then permission bits do not stop it from reading).
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn paths_that_are_not_readable_files_get_a_message_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, refused(1, b"10.0.0.1:80", b"/")).unwrap();
    let dangling = dir.path().join("dangling.log");
    std::os::unix::fs::symlink(dir.path().join("gone"), &dangling).unwrap();
    let socket = dir.path().join("sock.log");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut bad = vec![(dangling, "check the path"), (socket, "check that it is a readable file")];
    // Permission bits stop every user but root; as root this case cannot be made.
    if !is_root() {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::write(locked.join("a.log"), b"x\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        bad.push((locked.join("a.log"), "check its permissions"));
    }
    let mut args = vec!["summary", "--output", "json", "--quiet", s(&good)];
    args.extend(bad.iter().map(|(p, _)| s(p)));
    args.push(s(&good));
    let out = gatelog(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), bad.len(), "{err}");
    for (path, advice) in &bad {
        let prefix = format!("gatelog: {}: ", s(path));
        let line = err.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{err}"));
        assert!(line.contains(advice), "{line}");
    }
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts(&doc), (2, 2, 0), "both copies of the good file");
}

/// A log with an escape sequence (clear screen) and a bidi override in the URI and in the
/// upstream name, failing steadily and then in a burst, so that `spikes` reports it.
fn evil_log(dir: &Path) -> std::path::PathBuf {
    let upstream = "evil\x1b[2J\u{202E}:80".as_bytes();
    let uri = "/\x1b[2J\x1b]0;owned\x07\u{200B}".as_bytes();
    let mut data = Vec::new();
    for sec in (0..3600).step_by(60) {
        data.extend_from_slice(&refused(sec, upstream, uri));
    }
    for _ in 0..300 {
        data.extend_from_slice(&refused(3000, upstream, uri));
    }
    let p = dir.join("evil.log");
    std::fs::write(&p, data).unwrap();
    p
}

/// Fails the test when `out` carries one of the sequences of [`evil_log`] raw. (Escape
/// sequences the program writes itself, such as colors, are allowed.)
fn assert_inert(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    for bad in ["\x1b[2J", "\x1b]0;", "\x07", "\u{202E}", "\u{200B}"] {
        assert!(!text.contains(bad), "{what} prints {bad:?} raw:\n{text}");
    }
}

#[test]
fn escape_sequences_in_log_text_do_not_reach_the_table_outputs_raw() {
    let dir = tempfile::tempdir().unwrap();
    let p = evil_log(dir.path());
    let summary = ok(&["summary", "--quiet", s(&p)]);
    assert_inert("summary", &summary);
    assert!(String::from_utf8_lossy(&summary).contains("evil\\x1B[2J\\u{202E}:80"));
    let spikes = ok(&["spikes", "--quiet", s(&p)]);
    let text = String::from_utf8_lossy(&spikes);
    assert!(text.contains("evil\\x1B[2J\\u{202E}:80"), "the spike is reported: {text}");
    assert_inert("spikes", &spikes);
    assert_inert("timeline", &ok(&["timeline", "--quiet", s(&p)]));
}

#[test]
fn events_json_escapes_control_characters_by_json_rules() {
    let dir = tempfile::tempdir().unwrap();
    let p = evil_log(dir.path());
    let out = ok(&["events", "--raw", "--quiet", s(&p)]);
    // JSON writes control characters as \u00XX; the bidi and zero-width characters are
    // valid JSON text and left to the consumer, who decodes them anyway.
    assert!(!out.contains(&0x1b) && !out.contains(&0x07));
    let text = String::from_utf8(out).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["request"], "GET /\x1b[2J\x1b]0;owned\x07\u{200B} HTTP/1.1");
    assert_eq!(first["upstream"], "evil\x1b[2J\u{202E}:80");
    assert!(text.contains(r"\u001b[2J"), "{text}");
}

#[test]
fn csv_cells_a_spreadsheet_would_evaluate_are_neutralized() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("formula.log");
    let mut data = Vec::new();
    for up in [&b"=cmd|x"[..], b"+1", b"-1", b"@SUM(1)", b"ok:80"] {
        data.extend_from_slice(&refused(1, up, b"/"));
    }
    std::fs::write(&p, &data).unwrap();
    let summary = String::from_utf8(ok(&["summary", "--output", "csv", "--quiet", s(&p)])).unwrap();
    let timeline =
        String::from_utf8(ok(&["timeline", "--output", "csv", "--quiet", s(&p)])).unwrap();
    for (what, csv, col) in [("summary", &summary, 0), ("timeline", &timeline, 1)] {
        let cells: Vec<&str> =
            csv.lines().skip(1).map(|l| l.split(',').nth(col).unwrap()).collect();
        for want in ["\"'=cmd|x\"", "\"'+1\"", "\"'-1\"", "\"'@SUM(1)\"", "ok:80"] {
            assert!(cells.contains(&want), "{what}: no {want} in {csv}");
        }
    }
}

#[test]
fn bytes_that_are_not_utf8_survive_as_escaped_text_in_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.log");
    std::fs::write(&p, refused(1, b"caf\xe9\xff:80", b"/\xe9t\xe9")).unwrap();
    let out = ok(&["events", "--quiet", s(&p)]);
    let ev: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ev["upstream"], "caf\\xE9\\xFF:80");
    assert_eq!(ev["request"], "GET /\\xE9t\\xE9 HTTP/1.1");
    let doc = summary(&[s(&p)]);
    assert_eq!(doc["upstreams"][0]["upstream"], "caf\\xE9\\xFF:80");
    let csv = ok(&["summary", "--output", "csv", "--quiet", s(&p)]);
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "upstream,class,count,unit\ncaf\\xE9\\xFF:80,connect_refused,1,attempts\n"
    );
    let csv = ok(&["timeline", "--output", "csv", "--quiet", s(&p)]);
    assert!(String::from_utf8(csv).unwrap().contains(",caf\\xE9\\xFF:80,connect_refused,1,"));
}

/// The same with stdout on a terminal: `script(1)` runs the command on a pseudo-terminal.
#[test]
fn escape_sequences_in_log_text_do_not_reach_a_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let p = evil_log(dir.path());
    for cmd in ["summary", "spikes", "timeline"] {
        let line = format!("'{BIN}' {cmd} --quiet '{}'", s(&p));
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("script(1) from util-linux");
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("evil\\x1B[2J"), "{cmd}");
        assert_inert(cmd, &out.stdout);
    }
}
