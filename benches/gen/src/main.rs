//! `gatelog-gen`: writes realistic reverse-proxy logs of any size, deterministically for a seed.
//!
//! ```text
//! gatelog-gen nginx-error|nginx-access|envoy|envoy-json|traefik|traefik-json|caddy
//!             [--lines N | --size 300M] [--seed S] [--start 2024-03-14T00:00:00]
//!             [--rate LINES_PER_SEC | --days D] [--upstreams N]
//!             [--out FILE] [--expect FILE]
//! gatelog-gen scenario deploys --out-dir DIR [--seed S]
//! gatelog-gen join DIR [--requests N] [--seed S] [--connection]
//! ```
//!
//! `nginx-access` writes an access log with upstream fields; see [`nginx_access`]. `envoy` and
//! `envoy-json` write an Istio sidecar's access log, text or JSON; see [`envoy`].
//! `traefik`, `traefik-json` and `caddy` write those proxies' access logs with the debug or
//! error lines of their failures; see [`traefik_caddy`]. `scenario`
//! writes small logs that tell a known story (see `scenario.rs`).
//! `join` writes an nginx error log and access log of one server with the truth of their join
//! (see `join.rs`).
//!
//! Lines go at `--rate` per second from `--start`, or, with `--days D` (and `--lines N`), evenly
//! over `D` days whatever their number: a long, sparse log. `--upstreams N` replaces the
//! built-in pools (14 peers) with `N` peers in pools of four (`pool0` to ...), the first of
//! which takes the hourly incident.
//!
//! The output mixes every failure family the nginx error log writes, over pools of upstreams,
//! with IPv6 and unix-socket peers, stream-module lines, container prefixes, multi-line FastCGI
//! entries, and an injected incident every hour (one peer refusing connections for half a
//! minute, then its pool running out of live peers). `--expect FILE` writes what was generated
//! as CSV (`class,count`, plus `continuation` and `lines` rows), an oracle that does not depend
//! on gatelog's parser.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

mod envoy;
mod nginx_access;
mod traefik_caddy;

use gatelog_gen::util::{Incident, Rng, civil, days_from_civil, incident};

struct Config {
    format: String,
    lines: Option<u64>,
    size: Option<u64>,
    seed: u64,
    start: i64,
    rate: u64,
    days: Option<u64>,
    upstreams: Option<usize>,
    out: Option<String>,
    expect: Option<String>,
}

fn parse_size(s: &str) -> Result<u64> {
    let (num, mult) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 1 << 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 1 << 20),
        Some(b'G' | b'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    Ok(num.parse::<u64>().with_context(|| format!("invalid size {s:?}"))? * mult)
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS` (UTC).
fn parse_start(s: &str) -> Result<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<i64> {
        s.get(r).and_then(|x| x.parse().ok()).with_context(|| format!("invalid --start {s:?}"))
    };
    if b.len() != 19 {
        bail!("invalid --start {s:?} (expected YYYY-MM-DDTHH:MM:SS)");
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let days = days_from_civil(y, m, d);
    Ok(days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

/// What `--help` prints; its usage part follows every error.
const HELP: &str = "\
gatelog-gen: writes realistic reverse-proxy logs of any size, the same for the same seed.

usage:
  gatelog-gen nginx-error|nginx-access|traefik|traefik-json|caddy [--lines N | --size BYTES]
              [--seed S] [--start T] [--rate LINES_PER_SEC | --days D] [--upstreams N]
              [--out FILE] [--expect FILE]
  gatelog-gen envoy|envoy-json [the same options]
  gatelog-gen scenario deploys --out-dir DIR [--seed S]
  gatelog-gen join DIR [--requests N] [--seed S] [--connection]

options:
  --lines N        lines to write (default 100000)
  --size BYTES     write about this much instead (300M, 2G, 64K)
  --seed S         the seed (default 1)
  --start T        the first line's time, YYYY-MM-DDTHH:MM:SS in UTC (default 2024-03-14T00:00:00)
  --rate N         lines per second (default 400)
  --days D         spread --lines evenly over D days instead
  --upstreams N    N peers in pools of four instead of the built-in pools
  --out FILE       write to FILE instead of standard output
  --expect FILE    write the counts generated per class to FILE (CSV: class,count)
  --out-dir DIR    (scenario) where the scenario's logs and deploy markers go
";

/// The usage part of [`HELP`].
fn usage() -> &'static str {
    let start = HELP.find("usage:").unwrap_or(0);
    let end = HELP.find("\noptions:").unwrap_or(HELP.len());
    &HELP[start..end]
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config> {
    let format =
        args.next().context("no format given (nginx-error, nginx-access, envoy or envoy-json)")?;
    let mut c = Config {
        format,
        lines: None,
        size: None,
        seed: 1,
        start: parse_start("2024-03-14T00:00:00")?,
        rate: 400,
        days: None,
        upstreams: None,
        out: None,
        expect: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--lines" => c.lines = Some(value()?.parse().context("invalid --lines")?),
            "--size" => c.size = Some(parse_size(&value()?)?),
            "--seed" => c.seed = value()?.parse().context("invalid --seed")?,
            "--start" => c.start = parse_start(&value()?)?,
            "--rate" => c.rate = value()?.parse::<u64>().context("invalid --rate")?.max(1),
            "--days" => c.days = Some(value()?.parse::<u64>().context("invalid --days")?.max(1)),
            "--upstreams" => {
                c.upstreams = Some(value()?.parse::<usize>().context("invalid --upstreams")?.max(1))
            }
            "--out" => c.out = Some(value()?),
            "--expect" => c.expect = Some(value()?),
            other => bail!("unknown option {other}"),
        }
    }
    if c.lines.is_none() && c.size.is_none() {
        c.lines = Some(100_000);
    }
    if c.days.is_some() && c.lines.is_none() {
        bail!("--days spreads --lines over the days: give --lines, not --size");
    }
    Ok(c)
}

impl Config {
    /// The second of the `i`-th entry, written after `lines` lines: `--rate` per second, or
    /// evenly over `--days`.
    fn second(&self, i: u64, lines: u64) -> i64 {
        match (self.days, self.lines) {
            (Some(days), Some(total)) => {
                let span = u128::from(days) * 86_400;
                self.start + (u128::from(lines) * span / u128::from(total.max(1))) as i64
            }
            _ => self.start + (i / self.rate) as i64,
        }
    }
}

/// The upstream pools: a name and its peers; `n` peers in pools of four when given.
fn pools(n: Option<usize>) -> Vec<(String, Vec<String>)> {
    if let Some(n) = n {
        return (0..n.div_ceil(4))
            .map(|k| {
                let peers = (0..4.min(n - 4 * k))
                    .map(|j| format!("10.{}.{}.{}:8080", 20 + k / 256, k % 256, j + 1))
                    .collect();
                (format!("pool{k}"), peers)
            })
            .collect();
    }
    vec![
        ("cart".into(), (21..25).map(|i| format!("10.0.4.{i}:8080")).collect()),
        ("search".into(), (1..4).map(|i| format!("10.0.7.{i}:9200")).collect()),
        ("auth".into(), vec!["[fd00:ab::11]:7000".into(), "[fd00:ab::12]:7000".into()]),
        ("php".into(), vec!["unix:/run/php/php8.2-fpm.sock".into()]),
        ("grpc".into(), (1..3).map(|i| format!("10.0.9.{i}:50051")).collect()),
    ]
}

/// A failure family: the class gatelog must report, and how to write it.
#[derive(Clone, Copy)]
enum Family {
    Refused,
    RefusedTo,
    Unreachable,
    LocalBacklog,
    ConnectTimeout,
    ReadTimeout,
    Premature,
    Reset,
    InvalidHeader,
    TooBig,
    NoLive,
    Dns,
    Tls,
    Stderr,
    StderrMultiline,
    Disabled,
    ClientAbort,
    Buffered,
    Workers,
}

impl Family {
    fn class(self) -> &'static str {
        match self {
            Family::Refused | Family::RefusedTo => "connect_refused",
            Family::Unreachable => "connect_unreachable",
            Family::LocalBacklog => "connect_local",
            Family::ConnectTimeout => "connect_timeout",
            Family::ReadTimeout => "response_timeout",
            Family::Premature => "prematurely_closed",
            Family::Reset => "connection_reset",
            Family::InvalidHeader => "invalid_header",
            Family::TooBig => "header_too_big",
            Family::NoLive => "no_live_upstreams",
            Family::Dns => "dns_failure",
            Family::Tls => "tls_handshake",
            Family::Stderr | Family::StderrMultiline => "app_stderr",
            Family::Disabled => "upstream_down",
            Family::ClientAbort => "client_abort",
            Family::Buffered => "info",
            Family::Workers => "proxy_error",
        }
    }
}

/// The everyday mix, in per-mille weights.
const MIX: &[(Family, u64)] = &[
    (Family::Refused, 120),
    (Family::RefusedTo, 30),
    (Family::Unreachable, 20),
    (Family::LocalBacklog, 20),
    (Family::ConnectTimeout, 40),
    (Family::ReadTimeout, 120),
    (Family::Premature, 120),
    (Family::Reset, 80),
    (Family::InvalidHeader, 30),
    (Family::TooBig, 10),
    (Family::NoLive, 30),
    (Family::Dns, 15),
    (Family::Tls, 15),
    (Family::Stderr, 110),
    (Family::StderrMultiline, 10),
    (Family::Disabled, 30),
    (Family::ClientAbort, 130),
    (Family::Buffered, 60),
    (Family::Workers, 10),
];

const REQUESTS: &[&str] = &[
    "GET /api/cart?id={} HTTP/1.1",
    "POST /api/checkout HTTP/1.1",
    "GET /api/items/{} HTTP/2.0",
    "GET /search?q=running+shoes&page={} HTTP/1.1",
    "PUT /api/profile/{} HTTP/1.1",
    "GET /static/app.{}.js HTTP/2.0",
];

struct Gen {
    rng: Rng,
    pools: Vec<(String, Vec<String>)>,
    cid: u64,
    counts: BTreeMap<&'static str, u64>,
    continuation: u64,
    lines: u64,
    bytes: u64,
}

impl Gen {
    fn pick_family(&mut self) -> Family {
        let total: u64 = MIX.iter().map(|m| m.1).sum();
        let mut r = self.rng.below(total);
        for &(f, w) in MIX {
            if r < w {
                return f;
            }
            r -= w;
        }
        Family::Refused
    }

    fn write_line(
        &mut self,
        out: &mut impl Write,
        t: i64,
        family: Family,
        peer: Option<(usize, usize)>,
    ) -> io::Result<()> {
        let rng = &mut self.rng;
        let (pi, peer_i) = peer.unwrap_or_else(|| {
            let pi = rng.below(self.pools.len() as u64) as usize;
            (pi, rng.below(self.pools[pi].1.len() as u64) as usize)
        });
        let (pool, peers) = &self.pools[pi];
        let peer = &peers[peer_i];
        let unix = peer.starts_with("unix:");
        let scheme = if unix {
            "fastcgi"
        } else if *pool == "grpc" {
            "grpc"
        } else {
            "http"
        };
        let req = self.rng.pick(REQUESTS).replace("{}", &self.rng.below(100_000).to_string());
        let path = req.split(' ').nth(1).unwrap_or("/");
        let client = if self.rng.chance(100) {
            format!("2001:db8:{:x}::{:x}", self.rng.below(65536), self.rng.below(65536))
        } else {
            format!("198.51.{}.{}", self.rng.below(256), self.rng.below(256))
        };
        self.cid += 1 + self.rng.below(5);
        let (y, mo, d, h, mi, s) = civil(t);
        let mut line = String::with_capacity(400);
        // Container prefixes on a few lines, as `docker compose logs` and Docker's json driver write.
        if self.rng.chance(20) {
            line.push_str("web-1  | ");
        } else if self.rng.chance(10) {
            line.push_str(&format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:09}Z ",
                self.rng.below(1_000_000_000)
            ));
        }
        let level = match family {
            Family::LocalBacklog if self.rng.chance(500) => "crit",
            Family::Disabled | Family::Buffered => "warn",
            Family::ClientAbort => "info",
            Family::Workers => "alert",
            _ => "error",
        };
        line.push_str(&format!(
            "{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} [{level}] {}#{}: *{} ",
            1000 + pi,
            1000 + pi,
            self.cid
        ));
        let stream = *pool == "search" && self.rng.chance(150);
        let up_value = if matches!(family, Family::NoLive) {
            format!("{scheme}://{pool}{}", if unix { "" } else { path })
        } else if unix {
            format!("{scheme}://{peer}:")
        } else if scheme == "grpc" {
            format!("{scheme}://{peer}")
        } else {
            format!("{scheme}://{peer}{path}")
        };
        let (msg, action, with_upstream): (String, &str, bool) = match family {
            Family::Refused => ("connect() failed (111: Connection refused)".into(), "connecting to upstream", true),
            Family::RefusedTo => (format!("connect() to {peer} failed (111: Connection refused)"), "connecting to upstream", true),
            Family::Unreachable => ("connect() failed (113: No route to host)".into(), "connecting to upstream", true),
            Family::LocalBacklog => (
                "connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable)".into(),
                "connecting to upstream",
                true,
            ),
            Family::ConnectTimeout => ("upstream timed out (110: Connection timed out)".into(), "connecting to upstream", true),
            Family::ReadTimeout => (
                "upstream timed out (110: Connection timed out)".into(),
                "reading response header from upstream",
                true,
            ),
            Family::Premature => (
                "upstream prematurely closed connection".into(),
                if self.rng.chance(800) { "reading response header from upstream" } else { "reading upstream" },
                true,
            ),
            Family::Reset => (
                "recv() failed (104: Connection reset by peer)".into(),
                "reading response header from upstream",
                true,
            ),
            Family::InvalidHeader => (
                "upstream sent invalid header: \"\\x16\\x03...\"".into(),
                "reading response header from upstream",
                true,
            ),
            Family::TooBig => ("upstream sent too big header".into(), "reading response header from upstream", true),
            Family::NoLive => ("no live upstreams".into(), "connecting to upstream", true),
            Family::Dns => (format!("{pool}.internal could not be resolved (3: Host not found)"), "", false),
            Family::Tls => (
                "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)".into(),
                "SSL handshaking to upstream",
                true,
            ),
            Family::Stderr => (
                "FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined array key \"id\" in /srv/app/cart.php on line 41\"".into(),
                "reading response header from upstream",
                true,
            ),
            Family::StderrMultiline => (
                "FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: cart locked in /srv/app/cart.php:88\nStack trace:\n#0 {main}\n  thrown in /srv/app/cart.php on line 88\"".into(),
                "reading response header from upstream",
                true,
            ),
            Family::Disabled => ("upstream server temporarily disabled".into(), "connecting to upstream", true),
            Family::ClientAbort => (
                "client prematurely closed connection, so upstream connection is closed too".into(),
                "reading response header from upstream",
                true,
            ),
            Family::Buffered => (
                format!("an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{}/00/00000{}", self.rng.below(10), self.rng.below(99999)),
                "reading upstream",
                true,
            ),
            Family::Workers => ("1024 worker_connections are not enough".into(), "connecting to upstream", true),
        };
        line.push_str(&msg);
        if !action.is_empty() {
            line.push_str(" while ");
            line.push_str(action);
        }
        if stream && !matches!(family, Family::Dns | Family::Stderr | Family::StderrMultiline) {
            let up = if matches!(family, Family::NoLive) { pool.to_string() } else { peer.clone() };
            line.push_str(&format!(
                ", client: {client}, server: 0.0.0.0:9200, upstream: \"{up}\", bytes from/to client:0/0, bytes from/to upstream:0/0"
            ));
        } else {
            line.push_str(&format!(
                ", client: {client}, server: shop.example.com, request: \"{req}\""
            ));
            if with_upstream {
                line.push_str(&format!(", upstream: \"{up_value}\""));
            }
            line.push_str(", host: \"shop.example.com\"");
            if self.rng.chance(300) {
                line.push_str(", referrer: \"https://shop.example.com/\"");
            }
        }
        line.push('\n');
        let newlines = line.bytes().filter(|&b| b == b'\n').count() as u64;
        self.lines += newlines;
        self.continuation += newlines - 1;
        *self.counts.entry(family.class()).or_default() += 1;
        self.bytes += line.len() as u64;
        out.write_all(line.as_bytes())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "help") || args.iter().any(|a| a == "--help" || a == "-h")
    {
        let written = io::stdout().lock().write_all(HELP.as_bytes());
        return match written {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => ExitCode::from(2),
            _ => ExitCode::SUCCESS,
        };
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Neither `Error:` nor a backtrace: what is wrong, then how to call the generator.
            let msg = format!("gatelog-gen: {e:#}\n\n{}", usage());
            let _ = io::stderr().lock().write_all(msg.as_bytes());
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    if args.first().is_some_and(|a| a == "scenario") {
        return Ok(gatelog_gen::scenario::main(args.into_iter().skip(1))?);
    }
    if args.first().is_some_and(|a| a == "join") {
        return Ok(gatelog_gen::join::main(args.into_iter().skip(1))?);
    }
    let c = parse_args(args.into_iter())?;
    const FORMATS: [&str; 7] =
        ["nginx-error", "nginx-access", "envoy", "envoy-json", "traefik", "traefik-json", "caddy"];
    if !FORMATS.contains(&c.format.as_str()) {
        bail!("unknown format {:?} (this generator writes: {})", c.format, FORMATS.join(", "));
    }
    let mut out: Box<dyn Write> = match &c.out {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path).with_context(|| format!("{path}: cannot create"))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    if c.format != "nginx-error" {
        let counts = if c.format == "nginx-access" {
            nginx_access::run(&c, &mut out)?
        } else {
            match c.format.as_str() {
                "envoy" | "envoy-json" => envoy::run(&c, &mut out)?,
                _ => traefik_caddy::run(&c, &mut out)?,
            }
        };
        if let Some(path) = &c.expect {
            let mut f = BufWriter::new(
                File::create(path).with_context(|| format!("{path}: cannot create"))?,
            );
            writeln!(f, "class,count")?;
            for (class, n) in counts.iter().filter(|(c, _)| **c != "lines") {
                writeln!(f, "{class},{n}")?;
            }
            writeln!(f, "lines,{}", counts.get("lines").copied().unwrap_or(0))?;
            f.flush()?;
        }
        return Ok(());
    }
    let mut g = Gen {
        rng: Rng(c.seed),
        pools: pools(c.upstreams),
        cid: 0,
        counts: BTreeMap::new(),
        continuation: 0,
        lines: 0,
        bytes: 0,
    };
    let mut i: u64 = 0;
    loop {
        if c.lines.is_some_and(|n| g.lines >= n) || c.size.is_some_and(|n| g.bytes >= n) {
            break;
        }
        let t = c.second(i, g.lines);
        let (family, peer) = match incident(t, &mut g.rng) {
            Some(Incident::NoLive) => (Family::NoLive, Some((0, 0))),
            Some(Incident::Refused) => (Family::Refused, Some((0, 0))),
            None => (g.pick_family(), None),
        };
        g.write_line(&mut out, t, family, peer)?;
        i += 1;
    }
    out.flush()?;
    if let Some(path) = &c.expect {
        let mut f =
            BufWriter::new(File::create(path).with_context(|| format!("{path}: cannot create"))?);
        writeln!(f, "class,count")?;
        for (class, n) in &g.counts {
            writeln!(f, "{class},{n}")?;
        }
        writeln!(f, "continuation,{}", g.continuation)?;
        writeln!(f, "lines,{}", g.lines)?;
        f.flush()?;
    }
    Ok(())
}
