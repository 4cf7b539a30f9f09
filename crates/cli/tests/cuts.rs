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
