//! Running `gatelog watch` in a test: start it on a loopback port, ask it over HTTP, read its
//! metrics, append log lines.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

/// A running `gatelog watch`, killed when dropped.
pub struct Watch {
    pub child: Child,
    pub addr: SocketAddr,
    /// What it wrote on stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

impl Watch {
    /// Starts `gatelog watch ARGS --listen 127.0.0.1:0` and waits until it serves.
    pub fn start(args: &[&str]) -> Watch {
        Watch::start_with(args, Stdio::null())
    }

    pub fn start_with(args: &[&str], stdin: Stdio) -> Watch {
        let mut child = Command::new(BIN)
            .arg("watch")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(stdin)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gatelog watch");
        let err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("http://").nth(1) {
                    let addr = rest.split('/').next().unwrap().to_owned();
                    let _ = tx.send(addr);
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(10)).expect("gatelog watch serves");
        Watch { child, addr: addr.parse().unwrap(), stderr }
    }

    /// `GET path`: the status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_with(path, "")
    }

    /// `GET path` with extra header lines (each ending in `\r\n`).
    pub fn get_with(&self, path: &str, headers: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n")
            .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|x| x.1.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// The sum of the samples of `metric` whose labels include every `name="value"` of
    /// `labels`, in the text format.
    pub fn sum(&self, metric: &str, labels: &[&str]) -> f64 {
        sum(&self.get("/metrics").1, metric, labels)
    }

    /// Waits until `metric` (filtered by `labels`) sums to `want`, for at most 20 s; returns
    /// the last sum.
    pub fn wait_for(&self, metric: &str, labels: &[&str], want: f64) -> f64 {
        let t0 = Instant::now();
        loop {
            let got = self.sum(metric, labels);
            if got == want || t0.elapsed() > Duration::from_secs(20) {
                return got;
            }
            // Not more often: an encoding of many series delays the creation of new ones.
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Waits until the watcher has looked at its files a few times.
    pub fn settle(&self) {
        std::thread::sleep(Duration::from_millis(700));
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sum of the samples of `metric` in `text` whose labels include each of `labels`.
pub fn sum(text: &str, metric: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(metric))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// An nginx error-log line of class `class` (`connect_refused`, `response_timeout`) from
/// `upstream`, at the current time.
pub fn line(class: &str, upstream: &str, n: usize) -> String {
    let message = match class {
        "connect_refused" => {
            "connect() failed (111: Connection refused) while connecting to upstream"
        }
        "response_timeout" => {
            "upstream timed out (110: Connection timed out) while reading response header from upstream"
        }
        other => panic!("no line for {other}"),
    };
    let stamp = now_stamp();
    format!(
        "{stamp} [error] 7#7: *{n} {message}, client: 10.9.0.1, server: shop, request: \"GET /a HTTP/1.1\", upstream: \"http://{upstream}/a\", host: \"shop\"\n"
    )
}

/// `YYYY/MM/DD HH:MM:SS` in UTC, now.
fn now_stamp() -> String {
    jiff::Timestamp::now().strftime("%Y/%m/%d %H:%M:%S").to_string()
}

/// Appends `text` to the file at `path`, creating it.
pub fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// `n` lines of `class` from `upstream`, numbered from `from`.
pub fn lines(class: &str, upstream: &str, from: usize, n: usize) -> String {
    (from..from + n).map(|i| line(class, upstream, i)).collect()
}
