//! A real Prometheus scrapes `gatelog watch` while lines are appended to a log that is rotated
//! in between; its query API must then count exactly the `connect_refused` lines written.
//!
//! Uses `prometheus` (Debian: `apt-get install prometheus`; `.ci/run` installs it), or the
//! binary `GATELOG_PROMETHEUS` names. Without it the test prints `SKIPPED` and passes, unless
//! `GATELOG_REQUIRE_PROMETHEUS=1`. Prometheus runs on a loopback port of its own with a data
//! directory in a temporary directory, so a system service on the default port is no matter.

mod watch_support;

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use watch_support::{Watch, append, lines};

/// The Prometheus binary, if there is one.
fn prometheus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GATELOG_PROMETHEUS") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("prometheus")).find(|p| p.is_file())
}

/// A Prometheus server, killed when dropped.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` from `addr`: the status and the body (HTTP/1.0, so no chunks).
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((status, text.split_once("\r\n\r\n")?.1.to_owned()))
}

/// Percent-encodes a query for a URL.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of an instant query that gives one sample, `None` when it gives none.
fn query(p: &Prometheus, q: &str) -> Option<f64> {
    let (status, body) = get(p.addr, &format!("/api/v1/query?query={}", encode(q)))?;
    if status != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

/// Polls `f` every 200 ms until it gives `Some(want)`, for at most `secs` seconds; returns the
/// last value.
fn until(secs: u64, want: f64, mut f: impl FnMut() -> Option<f64>) -> Option<f64> {
    let t0 = Instant::now();
    loop {
        let got = f();
        if got == Some(want) || t0.elapsed() > Duration::from_secs(secs) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn prometheus_counts_every_connect_refused_line_across_a_rotation() {
    let Some(bin) = prometheus() else {
        if std::env::var("GATELOG_REQUIRE_PROMETHEUS").as_deref() == Ok("1") {
            panic!(
                "GATELOG_REQUIRE_PROMETHEUS=1 but no prometheus binary (apt-get install prometheus)"
            );
        }
        // Straight to stderr: the test harness does not capture it, so it shows.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the Prometheus scrape test: no prometheus binary (apt-get install \
             prometheus, or set GATELOG_PROMETHEUS)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let watch = Watch::start(&[log.to_str().unwrap()]);

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = dir.path().join("prometheus.yml");
    fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: gatelog\n    static_configs:\n      - targets: ['{}']\n",
            watch.addr
        ),
    )
    .unwrap();
    let child = Command::new(&bin)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let p = Prometheus { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) };
    // Scraped once, and up.
    let up = until(20, 1.0, || query(&p, r#"up{job="gatelog"}"#));
    assert_eq!(up, Some(1.0), "Prometheus did not scrape gatelog watch");

    let mut written = 0;
    for (i, u) in ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"].iter().enumerate() {
        append(&log, &lines("connect_refused", u, i * 100, 10 + i));
        written += 10 + i;
    }
    append(&log, &lines("response_timeout", "10.0.0.1:8080", 500, 7));
    std::thread::sleep(Duration::from_millis(1500));
    // Rotation by rename: the writer appends a few more lines to the old file, then a new one.
    let mut old = fs::OpenOptions::new().append(true).open(&log).unwrap();
    fs::rename(&log, dir.path().join("error.log.1")).unwrap();
    old.write_all(lines("connect_refused", "10.0.0.2:8080", 700, 4).as_bytes()).unwrap();
    written += 4;
    append(&log, &lines("connect_refused", "10.0.0.4:8080", 800, 9));
    written += 9;

    let q = r#"sum(gatelog_upstream_events_total{class="connect_refused"})"#;
    let got = until(20, written as f64, || query(&p, q));
    assert_eq!(got, Some(written as f64), "{q}");
    let timeouts = query(&p, r#"sum(gatelog_upstream_events_total{class="response_timeout"})"#);
    assert_eq!(timeouts, Some(7.0));
    // And it stays so: nothing is read twice later.
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(query(&p, q), Some(written as f64));
    let per = query(
        &p,
        r#"sum(gatelog_upstream_events_total{class="connect_refused",upstream="10.0.0.2:8080"})"#,
    );
    assert_eq!(per, Some(15.0));
}
