//! `gatelog report` on the bundled samples, loaded in headless Chromium: the page logs nothing
//! to the console, shows the samples' counts, reads top-down (verdict, overview, details) and
//! fits a 1400 px wide window (neither the page nor a box in it scrolls sideways). The test
//! drives the browser over its DevTools protocol on a pipe, so it needs no crate beyond
//! `serde_json` and no network socket.
//!
//! Loading the page needs a `chromium` binary (Debian: `apt-get install chromium`; `.ci/run`
//! installs it). Set `GATELOG_CHROMIUM` to use another binary (`chromium-browser`,
//! `google-chrome`). Without a browser the test checks the written file only and says on
//! stderr that the browser part was skipped and why, unless `GATELOG_REQUIRE_BROWSER=1` is set
//! (`.ci/run` sets it): then a missing browser fails the test.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel).display().to_string()
}

/// How long the browser may take for any one step (start, load, layout, close).
const STEP: Duration = Duration::from_secs(60);

/// What the page's own layout says, measured in the browser at 1400 x 900 px: `width`
/// (viewport), `scroll` and `client` (the document's scroll and client widths), `scrollers`
/// (the boxes whose content scrolls sideways), the tops of the `verdict`, `overview` and
/// `details` sections (px from the top of the page, `null` when missing), and `dom` (the
/// document as the browser built it).
const LOOK: &str = r#"(() => {
  const de = document.documentElement;
  const scrollers = [...document.querySelectorAll('*')]
    .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth)
    .map(e => e.tagName + '.' + e.className);
  const top = id => { const e = document.getElementById(id); return e ? e.getBoundingClientRect().top + scrollY : null; };
  return JSON.stringify({width: innerWidth, scroll: de.scrollWidth, client: de.clientWidth, scrollers,
    verdict: top('verdict'), overview: top('overview'), details: top('details'), dom: de.outerHTML});
})()"#;

/// Headless Chromium driven over its DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// the browser reads commands on fd 3 and writes answers and events on fd 4, each a JSON
/// message ended by a NUL byte). `sh` wires the child's stdin and stdout to fds 3 and 4.
struct Browser {
    child: Child,
    to: ChildStdin,
    from: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    next: u64,
    /// The events received so far.
    events: Vec<Value>,
}

/// What [`Browser::look_at`] saw: the [`LOOK`] of the page and the page's events.
struct Seen {
    look: Value,
    events: Vec<Value>,
}

impl Browser {
    fn start(browser: &str, profile: &Path) -> Browser {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-pipe",
                "--window-size=1400,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the browser");
        let to = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let keep = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            keep.lock().unwrap().push_str(&String::from_utf8_lossy(&buf));
        });
        let (tx, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut pending = Vec::new();
            let mut chunk = [0u8; 64 * 1024];
            while let Ok(n @ 1..) = out.read(&mut chunk) {
                pending.extend_from_slice(&chunk[..n]);
                while let Some(end) = pending.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = pending.drain(..=end).collect();
                    let msg = serde_json::from_slice(&msg[..end]).expect("a DevTools message");
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
        Browser { child, to, from, stderr, next: 0, events: Vec::new() }
    }

    /// The next message from the browser.
    fn receive(&mut self) -> Value {
        match self.from.recv_timeout(STEP) {
            Ok(m) => m,
            Err(e) => panic!(
                "no answer from the browser within {STEP:?} ({e}); its stderr:\n{}",
                self.stderr.lock().unwrap()
            ),
        }
    }

    /// Sends `method` (to the page of `session`, or to the browser) and returns its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).and_then(|()| self.to.flush()).expect("write to the browser");
        loop {
            let m = self.receive();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    /// Waits for the event `method`.
    fn wait_for(&mut self, method: &str) {
        while !self.events.iter().any(|e| e["method"] == method) {
            let m = self.receive();
            self.events.push(m);
        }
    }

    /// Loads `url` in a 1400 x 900 px page, measures it and closes the browser.
    fn look_at(mut self, url: &str) -> Seen {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let s = Some(session.as_str());
        self.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(s, domain, json!({}));
        }
        self.events.clear();
        self.call(s, "Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
        let got =
            self.call(s, "Runtime.evaluate", json!({"expression": LOOK, "returnByValue": true}));
        let look = serde_json::from_str(got["result"]["value"].as_str().expect("the page's look"))
            .unwrap();
        self.call(None, "Browser.close", json!({}));
        let start = Instant::now();
        while self.child.try_wait().expect("wait for the browser").is_none() {
            assert!(start.elapsed() < STEP, "the browser did not exit within {STEP:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Seen { look, events: std::mem::take(&mut self.events) }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Only a browser still running (a failed step) is killed; this is the child we started.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
    // The file reads top-down: the verdict, the overview, then the details.
    let at =
        |id: &str| html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no section #{id}"));
    assert!(at("verdict") < at("overview") && at("overview") < at("details"), "section order");
    // The samples span 24 years: the bucket (147 days) prints in days, and the last one, which ends past
    // the last line, is marked partial.
    assert!(html.contains("per 147 d bucket"), "the bucket size is not printed in days");
    assert!(html.contains("class=\"partial\""), "no partial bucket marked");

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
    let url = format!("file://{}", page.display());
    let seen = Browser::start(&browser, &dir.path().join("profile")).look_at(&url);
    // The page's console: Chromium reports each message and uncaught error as an event.
    for e in &seen.events {
        let method = e["method"].as_str().unwrap_or("");
        assert!(
            !matches!(
                method,
                "Runtime.consoleAPICalled" | "Runtime.exceptionThrown" | "Log.entryAdded"
            ),
            "console output from the page: {e}"
        );
    }
    let look = &seen.look;
    // At 1400 px the page fits: nothing scrolls sideways, neither the page nor a box in it.
    assert_eq!(look["width"], 1400, "the viewport is not 1400 px wide: {look}");
    let scroll = look["scroll"].as_u64().unwrap();
    let client = look["client"].as_u64().unwrap();
    assert!(scroll <= client, "the page is {scroll} px wide in a {client} px window");
    assert_eq!(look["scrollers"], serde_json::json!([]), "boxes that scroll sideways");
    // The sections read top-down: the verdict, the overview, then the details.
    let top = |id: &str| {
        look[id].as_f64().unwrap_or_else(|| panic!("no section #{id} in the page: {look}"))
    };
    assert!(
        top("verdict") < top("overview") && top("overview") < top("details"),
        "sections out of order: {look}"
    );
    let dom = look["dom"].as_str().unwrap();
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
