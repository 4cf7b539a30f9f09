use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::*;

/// A follower of `inputs` and what it handed over: each line as `NAME:LINE:TEXT`, and the
/// notices.
struct Run {
    follow: Follow,
    lines: Vec<String>,
    notices: Vec<Notice>,
    now: Instant,
}

impl Run {
    fn new(inputs: &[Input], from_start: bool) -> Run {
        let options = FollowOptions {
            from_start,
            linger: Duration::from_secs(5),
            ..FollowOptions::default()
        };
        Run {
            follow: Follow::new(inputs, Options::default(), options),
            lines: Vec::new(),
            notices: Vec::new(),
            now: Instant::now(),
        }
    }

    /// Polls once, `secs` seconds after the previous poll.
    fn poll(&mut self, secs: u64) {
        self.now += Duration::from_secs(secs);
        let lines = &mut self.lines;
        let notices = &mut self.notices;
        self.follow.poll(
            self.now,
            &mut |at, _| {
                let name = Path::new(&at.input.name).file_name().unwrap().to_string_lossy();
                lines.push(format!("{name}:{}:{}", at.line, String::from_utf8_lossy(at.text)));
            },
            &mut |n| notices.push(n),
        );
    }

    /// The texts handed over, without names and numbers.
    fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.splitn(3, ':').nth(2).unwrap()).collect()
    }

    fn changes(&self) -> Vec<&Change> {
        self.notices.iter().map(|n| &n.change).collect()
    }
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new().create(true).append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn starts_at_the_end_and_skips_the_line_under_way_there() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "old 1\nold 2\nhalf of a li");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    assert!(run.lines.is_empty(), "{:?}", run.lines);
    append(&log, "ne\nnew 1\nnew 2\n");
    run.poll(1);
    assert_eq!(run.lines, ["error.log:1:new 1", "error.log:2:new 2"]);
    assert!(run.notices.is_empty(), "{:?}", run.notices);
}

#[test]
fn from_start_reads_what_is_there_and_a_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "one\ntwo\nthr");
    let mut run = Run::new(&[Input::path(&log)], true);
    run.poll(0);
    assert_eq!(run.texts(), ["one", "two"]);
    append(&log, "ee");
    run.poll(1);
    assert_eq!(run.texts(), ["one", "two"], "no newline yet");
    append(&log, "\r\nfour\n");
    run.poll(1);
    assert_eq!(run.texts(), ["one", "two", "three", "four"]);
}

/// logrotate's default: the log is renamed, the writer goes on writing to the renamed file
/// until it reopens its log, and a new file takes the name. Every line once, in order.
#[test]
fn rename_rotation_reads_the_old_file_to_its_end_and_the_new_one_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    let rotated = dir.path().join("error.log.1");
    append(&log, "");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    append(&log, "a1\na2\n");
    let mut writer = OpenOptions::new().append(true).open(&log).unwrap();
    run.poll(1);
    fs::rename(&log, &rotated).unwrap();
    // Written after the rename, through the handle opened before: still the old file.
    writer.write_all(b"a3\na4-part").unwrap();
    run.poll(1);
    append(&log, "b1\n");
    writer.write_all(b"ial\n").unwrap();
    run.poll(1);
    append(&log, "b2\n");
    run.poll(1);
    let mut texts = run.texts();
    assert_eq!(texts[..2], ["a1", "a2"]);
    texts.sort_unstable();
    assert_eq!(texts, ["a1", "a2", "a3", "a4-partial", "b1", "b2"]);
    assert_eq!(run.changes(), [&Change::Vanished, &Change::Returned]);
    // The new file's lines are numbered from 1.
    assert!(run.lines.contains(&"error.log:1:b1".to_owned()), "{:?}", run.lines);
    // The old file is left once idle for the linger time.
    assert_eq!(run.follow.open_files(), 2);
    run.poll(10);
    assert_eq!(run.follow.open_files(), 1);
}

/// The same rotation done at once (the new file there by the next poll) is a rotation.
#[test]
fn a_name_that_reaches_a_new_file_is_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    append(&log, "a1\n");
    fs::rename(&log, dir.path().join("error.log.1")).unwrap();
    append(&log, "b1\n");
    run.poll(1);
    assert_eq!(run.texts(), ["a1", "b1"]);
    assert_eq!(run.changes(), [&Change::Rotated]);
    assert!(run.follow.unhealthy().is_empty());
}

#[test]
fn copytruncate_reads_the_file_again_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    append(&log, "a1\na2\na3\n");
    run.poll(1);
    fs::copy(&log, dir.path().join("error.log.1")).unwrap();
    OpenOptions::new().write(true).open(&log).unwrap().set_len(0).unwrap();
    append(&log, "b1\n");
    run.poll(1);
    assert_eq!(run.texts(), ["a1", "a2", "a3", "b1"]);
    assert_eq!(run.changes(), [&Change::Truncated { read: 9, size: 3 }]);
    append(&log, "b2\n");
    run.poll(1);
    assert_eq!(run.texts(), ["a1", "a2", "a3", "b1", "b2"]);
}

#[test]
fn files_that_appear_in_a_directory_are_read_from_their_start_but_rotated_copies_are_not() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.log"), "old\n");
    let mut run = Run::new(&[Input::path(dir.path())], false);
    run.poll(0);
    append(&dir.path().join("b.log"), "b1\nb2\n");
    append(&dir.path().join("a.log"), "a1\n");
    run.poll(1);
    let mut lines = run.lines.clone();
    lines.sort_unstable();
    assert_eq!(lines, ["a.log:1:a1", "b.log:1:b1", "b.log:2:b2"]);
    assert_eq!(run.changes(), [&Change::Found]);
    // A rotated copy and a compressed file are not logs that grow.
    fs::rename(dir.path().join("a.log"), dir.path().join("a.log.1")).unwrap();
    append(&dir.path().join("a.log.2.gz"), "\x1f\u{8b}gzip");
    fs::write(dir.path().join("c.log"), [0x28, 0xb5, 0x2f, 0xfd, 0]).unwrap();
    append(&dir.path().join("a.log"), "a2\n");
    run.poll(1);
    assert_eq!(run.lines.len(), 4, "{:?}", run.lines);
    assert_eq!(run.lines[3], "a.log:1:a2");
    assert_eq!(run.notices.len(), 3, "{:?}", run.notices);
    assert_eq!(run.notices[2].change, Change::Compressed(Compression::Zstd));
    // Reported once.
    run.poll(1);
    assert_eq!(run.notices.len(), 3, "{:?}", run.notices);
}

#[test]
fn a_glob_pattern_picks_up_new_matches() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("*.log");
    let mut run = Run::new(&[Input::path(&pattern)], false);
    run.poll(0);
    append(&dir.path().join("x.log"), "x1\n");
    append(&dir.path().join("x.txt"), "not matched\n");
    run.poll(1);
    assert_eq!(run.lines, ["x.log:1:x1"]);
}

#[test]
fn a_vanished_file_is_reported_once_and_followed_again_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "a1\n");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    fs::remove_file(&log).unwrap();
    run.poll(1);
    run.poll(1);
    run.poll(1);
    assert_eq!(run.changes(), [&Change::Vanished]);
    assert_eq!(run.follow.unhealthy(), [(log.display().to_string(), "missing".to_owned())]);
    append(&log, "b1\n");
    run.poll(1);
    assert_eq!(run.changes(), [&Change::Vanished, &Change::Returned]);
    assert_eq!(run.texts(), ["b1"]);
    assert!(run.follow.unhealthy().is_empty());
}

#[test]
fn a_rotated_file_hands_over_its_unterminated_last_line_when_it_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    append(&log, "a1\nno newline");
    run.poll(1);
    fs::rename(&log, dir.path().join("error.log.1")).unwrap();
    append(&log, "b1\n");
    run.poll(1);
    assert_eq!(run.texts(), ["a1", "b1"]);
    run.poll(6);
    assert_eq!(run.texts(), ["a1", "b1", "no newline"]);
}

#[test]
fn lines_are_parsed_as_the_engine_parses_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    let sample = include_str!("../../../../../testdata/nginx-error/sample.log");
    append(&log, "");
    let mut follow =
        Follow::new(&[Input::path(&log)], Options::default(), FollowOptions::default());
    let (mut events, mut other) = (0, 0);
    follow.poll(Instant::now(), &mut |_, _| {}, &mut |_| {});
    append(&log, sample);
    follow.poll(
        Instant::now(),
        &mut |_, o| match o {
            Outcome::Event(_) => events += 1,
            _ => other += 1,
        },
        &mut |_| {},
    );
    assert_eq!((events, other), (sample.lines().count(), 0));
}

#[test]
fn a_long_line_is_cut_at_max_line_and_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut run = Run::new(&[Input::path(&log)], false);
    run.poll(0);
    let long = "x".repeat(MAX_LINE + 10);
    append(&log, &long[..1000]);
    run.poll(1);
    append(&log, &long[1000..]);
    append(&log, "\nshort\n");
    run.poll(1);
    let texts = run.texts();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].len(), MAX_LINE);
    assert_eq!(texts[1], "short");
}
