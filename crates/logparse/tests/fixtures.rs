//! The fixture files under `testdata/<format>/` are named after the class every event in them
//! must have (`connect_refused.log`, `app_stderr.multiline.log`: the class is the file name up
//! to the first dot). `unparsed.log` holds lines that must not be events. Every line of every
//! file is accounted for: an event of the expected class, a continuation line (only in
//! `*.multiline.log` files), or, in `unparsed.log`, an error. `sample.log` mixes classes: every
//! line of it must be an event.

use std::path::{Path, PathBuf};

use logparse::{Class, Format, Options, ParseErrorKind, Parser, lines::Lines};

fn testdata(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(format)
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
}

/// Checks every file of `testdata/<dir>` parsed as `format`; returns how many events it saw per
/// class file.
fn check_dir(dir: &str, format: Format) -> usize {
    let mut failures = Vec::new();
    let mut events = 0;
    let files = log_files(&testdata(dir));
    assert!(!files.is_empty(), "no fixtures in testdata/{dir}");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let label = name.split('.').next().unwrap();
        let multiline = name.contains(".multiline.");
        let data = std::fs::read(&path).unwrap();
        let mut parser = Parser::new(Some(format), Options::default());
        let mut file_events = 0;
        for (i, line) in Lines::new(&data).enumerate() {
            let at = format!("{dir}/{name}:{}", i + 1);
            let result = parser.parse(line);
            if label == "sample" {
                match result {
                    Ok(_) => file_events += 1,
                    Err(e) => failures.push(format!("{at}: expected an event, got error {e}")),
                }
                continue;
            }
            if label == "unparsed" {
                match result {
                    Ok(ev) => failures.push(format!("{at}: expected no event, got {}", ev.class)),
                    Err(e) if e.kind == ParseErrorKind::Continuation => {
                        failures.push(format!("{at}: expected an error, got a continuation"))
                    }
                    Err(_) => {}
                }
                continue;
            }
            let expected: Class = label.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
            match result {
                Ok(ev) if ev.class == expected => file_events += 1,
                Ok(ev) => failures.push(format!("{at}: expected {expected}, got {}", ev.class)),
                Err(e) if e.kind == ParseErrorKind::Continuation && multiline => {}
                Err(e) => failures.push(format!("{at}: expected {expected}, got error {e}")),
            }
        }
        if label != "unparsed" && file_events == 0 {
            failures.push(format!("{dir}/{name}: no events"));
        }
        events += file_events;
    }
    assert!(
        failures.is_empty(),
        "{} fixture lines failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    events
}

#[test]
fn nginx_error_fixtures_have_their_file_class() {
    let events = check_dir("nginx-error", Format::NginxError);
    assert!(events >= 140, "only {events} events in the nginx-error fixtures");
}
