//! `gatelog report` on the bundled samples, loaded in headless Chromium.
//!
//! Loading the page needs a `chromium` binary (Debian: `apt-get install chromium`; `.ci/run`
//! installs it). Set `GATELOG_CHROMIUM` to use another binary (`chromium-browser`,
//! `google-chrome`). Without a browser the test checks the written file only and says on
//! stderr that the browser part was skipped and why, unless `GATELOG_REQUIRE_BROWSER=1` is set
//! (`.ci/run` sets it): then a missing browser fails the test.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel).display().to_string()
}

/// Runs `cmd` and returns its stdout and stderr, killing it after `limit`.
fn run_with_limit(cmd: &mut Command, limit: Duration) -> (String, String) {
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the browser");
    let start = Instant::now();
    while child.try_wait().expect("wait for the browser").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the browser did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("read the browser's output");
    assert!(out.status.success(), "the browser failed: {}", String::from_utf8_lossy(&out.stderr));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn report_of_the_samples_loads_in_chromium_without_console_errors_and_shows_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let status = Command::new(BIN)
        .args(["report", "-q"])
        .arg(testdata("nginx-error/sample.log"))
        .arg(testdata("mixed/all-formats.log"))
        .arg("-o")
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    // No script and no element that loads anything (log text with URLs is escaped text).
    for tag in ["<script", "<link", "<img", "<iframe", "<object", "<embed", "@import"] {
        assert!(!html.contains(tag), "the page carries {tag}");
    }

    let browser = std::env::var("GATELOG_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    if Command::new(&browser).arg("--version").output().is_err() {
        let how = "install it (Debian/Ubuntu: `sudo apt-get install chromium`) or point \
                   GATELOG_CHROMIUM at a Chromium or Chrome binary";
        if std::env::var_os("GATELOG_REQUIRE_BROWSER").is_some_and(|v| v == "1") {
            panic!("{browser} not found and GATELOG_REQUIRE_BROWSER=1: {how}");
        }
        // Written past the test harness's capture, so that `cargo test` shows it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED loading the report in a browser: {browser} not found ({how}); only the \
             written file was checked"
        );
        return;
    }
    let profile = dir.path().join("profile");
    let url = format!("file://{}", page.display());
    let (dom, stderr) = run_with_limit(
        Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(&url),
        Duration::from_secs(60),
    );
    // The page's console: Chromium logs each message as `CONSOLE(line)] "text"`.
    for line in stderr.lines() {
        assert!(
            !line.contains("CONSOLE") && !line.contains("Uncaught"),
            "console output from the page: {line}"
        );
    }
    // The DOM as the browser built it: the samples' counts. nginx-error/sample.log has 35
    // connect_refused attempts on 10.0.4.21:8080, the mixed file 3 more (39 events in all on it).
    assert!(dom.contains("<title>gatelog report</title>"), "no page title in the DOM");
    assert!(
        dom.contains(r#"<th class="n" data-total="connect_refused">38</th>"#),
        "the connect_refused total is not 38"
    );
    assert!(dom.contains("<td>10.0.4.21:8080</td><td class=\"n\">39</td>"), "10.0.4.21:8080 row");
    assert!(dom.contains("110 lines: 110 events, 0 unparsed"), "line counts");
    // One chart per upstream with failures, and the inputs listed.
    assert!(dom.matches("<svg").count() >= 5, "fewer charts than expected");
    assert!(dom.contains("sample.log</td><td class=\"n\">65</td>"), "sample.log's line count");
    assert!(
        dom.contains("all-formats.log</td><td class=\"n\">45</td>"),
        "all-formats.log's line count"
    );
}
