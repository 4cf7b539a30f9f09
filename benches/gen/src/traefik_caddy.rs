//! The Traefik and Caddy writers.
//!
//! - `traefik`: Traefik's `common` access format, with the v2 debug line (`'502 Bad Gateway'
//!   caused by: ...`) written before each 502/504 whose cause Traefik knows, as a pod logging
//!   both to stdout gives them.
//! - `traefik-json`: the same requests in the `json` access format.
//! - `caddy`: Caddy v2 JSON access lines (logger `http.log.access.log0`), with the error-log
//!   line (`http.log.error.log0`, the Go error in `msg`) before each failed request.
//!
//! Most responses are fine; the rest are upstream 5xx answers, refused connections, dial and
//! response timeouts, upstream resets, client aborts (499) and unexplained 502s (no debug
//! line). Every hour the first cart peer refuses connections for twenty seconds, then the pool
//! has no server for ten (Traefik: 503 without server URL; Caddy: `no upstreams available`).
//! `--expect` counts each line's own class (before pairing a response with its cause).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::Config;
use gatelog_gen::util::{Incident, Rng, civil, incident};

/// What one request is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Upstream5xx,
    Refused,
    DialTimeout,
    HeaderTimeout,
    Reset,
    Unexplained,
    ClientAbort,
    NoLive,
}

const MIX: &[(Kind, u64)] = &[
    (Kind::Ok, 900),
    (Kind::Upstream5xx, 25),
    (Kind::Refused, 15),
    (Kind::DialTimeout, 10),
    (Kind::HeaderTimeout, 10),
    (Kind::Reset, 10),
    (Kind::Unexplained, 10),
    (Kind::ClientAbort, 20),
];

impl Kind {
    /// The status the client gets, the Go error, and its class.
    fn failure(self, peer: &str) -> (u16, Option<String>, &'static str) {
        match self {
            Kind::Ok | Kind::Upstream5xx | Kind::ClientAbort | Kind::NoLive => (0, None, ""),
            Kind::Refused => (
                502,
                Some(format!("dial tcp {peer}: connect: connection refused")),
                "connect_refused",
            ),
            Kind::DialTimeout => {
                (504, Some(format!("dial tcp {peer}: i/o timeout")), "connect_timeout")
            }
            Kind::HeaderTimeout => (
                504,
                Some("net/http: timeout awaiting response headers".into()),
                "response_timeout",
            ),
            Kind::Reset => (
                502,
                Some(format!("read tcp 10.42.0.5:41230->{peer}: read: connection reset by peer")),
                "connection_reset",
            ),
            Kind::Unexplained => (502, None, ""),
        }
    }
}

const PATHS: &[&str] = &["/api/cart", "/api/checkout", "/api/items", "/search", "/static/app.js"];
const AGENTS: &[&str] =
    &["curl/8.5.0", "kube-probe/1.29", "okhttp/4.12.0", "Mozilla/5.0 (X11; Linux x86_64)"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

struct Gen {
    rng: Rng,
    format: Format,
    pools: Vec<(String, Vec<String>)>,
    counts: BTreeMap<&'static str, u64>,
    lines: u64,
    bytes: u64,
    buf: String,
    count: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Clf,
    TraefikJson,
    Caddy,
}

impl Gen {
    fn pick(&mut self) -> Kind {
        let total: u64 = MIX.iter().map(|m| m.1).sum();
        let mut r = self.rng.below(total);
        for &(k, w) in MIX {
            if r < w {
                return k;
            }
            r -= w;
        }
        Kind::Ok
    }

    fn count(&mut self, class: &'static str) {
        self.lines += 1;
        *self.counts.entry(class).or_default() += 1;
    }

    fn request(
        &mut self,
        out: &mut impl Write,
        t: i64,
        kind: Kind,
        peer: Option<(usize, usize)>,
    ) -> io::Result<()> {
        let (pi, peer_i) = peer.unwrap_or_else(|| {
            let pi = self.rng.below(self.pools.len() as u64) as usize;
            let pi = if self.pools[pi].0 == "php" { 0 } else { pi };
            (pi, self.rng.below(self.pools[pi].1.len() as u64) as usize)
        });
        let pool = self.pools[pi].0.clone();
        let peer = self.pools[pi].1[peer_i].clone();
        let (fail_status, cause, cause_class) = kind.failure(&peer);
        let (status, class): (u16, &'static str) = match kind {
            Kind::Ok => (*self.rng.pick(&[200, 200, 200, 201, 204, 304, 404]), "ok"),
            Kind::Upstream5xx => (*self.rng.pick(&[500, 503]), "upstream_5xx"),
            Kind::ClientAbort => (499, "client_abort"),
            Kind::NoLive => (503, "no_live_upstreams"),
            _ => (fail_status, "gateway_error"),
        };
        let ms = if matches!(kind, Kind::DialTimeout | Kind::HeaderTimeout) {
            30_000
        } else {
            self.rng.below(400)
        };
        let client = format!("198.51.{}.{}", self.rng.below(256), self.rng.below(256));
        let path = *self.rng.pick(PATHS);
        let agent = *self.rng.pick(AGENTS);
        let size =
            if status < 300 { 200 + self.rng.below(20_000) } else { 11 + self.rng.below(20) };
        let (y, mo, d, h, mi, s) = civil(t);
        let frac = self.rng.below(1_000_000);
        self.count += 1;
        let b = &mut self.buf;
        b.clear();
        // The cause line first, when there is one.
        if let Some(err) = &cause {
            match self.format {
                Format::Clf | Format::TraefikJson => {
                    let reason = if fail_status == 502 { "Bad Gateway" } else { "Gateway Timeout" };
                    let _ = writeln!(
                        b,
                        "time=\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z\" level=debug msg=\"'{fail_status} {reason}' caused by: {err}\""
                    );
                }
                Format::Caddy => {
                    let _ = writeln!(
                        b,
                        "{{\"level\":\"error\",\"ts\":{t}.{frac:06},\"logger\":\"http.log.error.log0\",\"msg\":\"{err}\",\"request\":{{\"remote_ip\":\"{client}\",\"remote_port\":\"{}\",\"client_ip\":\"{client}\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"shop.example\",\"uri\":\"{path}\",\"headers\":{{\"User-Agent\":[\"{agent}\"],\"Accept\":[\"*/*\"]}}}},\"duration\":{}.{:03},\"status\":{fail_status},\"err_id\":\"x{}\",\"err_trace\":\"reverseproxy.statusError (reverseproxy.go:1373)\"}}",
                        30000 + self.rng.below(30000),
                        ms / 1000,
                        ms % 1000,
                        self.count
                    );
                }
            }
        }
        if kind == Kind::NoLive && self.format == Format::Caddy {
            let _ = writeln!(
                b,
                "{{\"level\":\"error\",\"ts\":{t}.{frac:06},\"logger\":\"http.log.error.log0\",\"msg\":\"no upstreams available\",\"request\":{{\"remote_ip\":\"{client}\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"shop.example\",\"uri\":\"{path}\",\"headers\":{{\"User-Agent\":[\"{agent}\"]}}}},\"duration\":0.000{},\"status\":503}}",
                self.rng.below(900) + 100
            );
        }
        let router = format!("{pool}@kubernetescrd");
        let (url, addr) = if kind == Kind::NoLive {
            ("-".to_string(), None)
        } else {
            (format!("http://{peer}"), Some(peer.clone()))
        };
        match self.format {
            Format::Clf => {
                let month = MONTHS[(mo - 1) as usize];
                let url = if url == "-" { "\"-\"".to_string() } else { format!("\"{url}\"") };
                let _ = writeln!(
                    b,
                    "{client} - - [{d:02}/{month}/{y:04}:{h:02}:{mi:02}:{s:02} +0000] \"GET {path} HTTP/1.1\" {status} {size} \"-\" \"{agent}\" {} \"{router}\" {url} {ms}ms",
                    self.count
                );
            }
            Format::TraefikJson => {
                let origin = if kind == Kind::NoLive { 0 } else { status };
                let svc = match &addr {
                    Some(a) => format!(",\"ServiceAddr\":\"{a}\",\"ServiceURL\":\"{url}\""),
                    None => String::new(),
                };
                let _ = writeln!(
                    b,
                    "{{\"ClientAddr\":\"{client}:{}\",\"ClientHost\":\"{client}\",\"ClientUsername\":\"-\",\"DownstreamContentSize\":{size},\"DownstreamStatus\":{status},\"Duration\":{},\"OriginContentSize\":{size},\"OriginDuration\":{},\"OriginStatus\":{origin},\"RequestAddr\":\"shop.example\",\"RequestCount\":{},\"RequestHost\":\"shop.example\",\"RequestMethod\":\"GET\",\"RequestPath\":\"{path}\",\"RequestProtocol\":\"HTTP/1.1\",\"RequestScheme\":\"https\",\"RetryAttempts\":0,\"RouterName\":\"{router}\"{svc},\"ServiceName\":\"{pool}-8080@kubernetes\",\"StartUTC\":\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:06}Z\",\"entryPointName\":\"websecure\",\"level\":\"info\",\"msg\":\"\",\"request_User-Agent\":\"{agent}\",\"time\":\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z\"}}",
                    30000 + self.rng.below(30000),
                    ms * 1_000_000 + 80_000,
                    ms * 1_000_000,
                    self.count
                );
            }
            Format::Caddy => {
                let _ = writeln!(
                    b,
                    "{{\"level\":\"info\",\"ts\":{t}.{frac:06},\"logger\":\"http.log.access.log0\",\"msg\":\"handled request\",\"request\":{{\"remote_ip\":\"{client}\",\"remote_port\":\"{}\",\"client_ip\":\"{client}\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"shop.example\",\"uri\":\"{path}\",\"headers\":{{\"User-Agent\":[\"{agent}\"],\"Accept\":[\"*/*\"],\"Accept-Encoding\":[\"gzip\"]}}}},\"bytes_read\":0,\"user_id\":\"\",\"duration\":{}.{:03},\"size\":{size},\"status\":{status},\"resp_headers\":{{\"Server\":[\"Caddy\"],\"Content-Type\":[\"application/json\"]}}}}",
                    30000 + self.rng.below(30000),
                    ms / 1000,
                    ms % 1000
                );
            }
        }
        self.bytes += b.len() as u64;
        out.write_all(b.as_bytes())?;
        if cause.is_some() {
            self.count(cause_class);
        }
        if kind == Kind::NoLive && self.format == Format::Caddy {
            self.count("no_live_upstreams");
        }
        // Caddy's access line of a failed request is a gateway error or a 503 from Caddy.
        let class = if self.format == Format::Caddy && kind == Kind::NoLive {
            "upstream_5xx"
        } else {
            class
        };
        let class = if self.format == Format::TraefikJson && kind == Kind::NoLive {
            "no_live_upstreams"
        } else {
            class
        };
        self.count(class);
        Ok(())
    }
}

/// Writes the log `c` asks for (`c.format`: `traefik`, `traefik-json` or `caddy`); returns the
/// count of each line's class, and `lines`.
pub fn run(c: &Config, out: &mut dyn Write) -> anyhow::Result<BTreeMap<&'static str, u64>> {
    let format = match c.format.as_str() {
        "traefik" => Format::Clf,
        "traefik-json" => Format::TraefikJson,
        _ => Format::Caddy,
    };
    let mut g = Gen {
        rng: Rng(c.seed),
        format,
        pools: crate::pools(c.upstreams),
        counts: BTreeMap::new(),
        lines: 0,
        bytes: 0,
        buf: String::with_capacity(2048),
        count: 0,
    };
    let mut out = out;
    let mut i: u64 = 0;
    loop {
        if c.lines.is_some_and(|n| g.lines >= n) || c.size.is_some_and(|n| g.bytes >= n) {
            break;
        }
        let t = c.second(i, g.lines);
        let (kind, peer) = match incident(t, &mut g.rng) {
            Some(Incident::NoLive) => (Kind::NoLive, Some((0, 0))),
            Some(Incident::Refused) => (Kind::Refused, Some((0, 0))),
            None => (g.pick(), None),
        };
        g.request(&mut out, t, kind, peer)?;
        i += 1;
    }
    out.flush()?;
    let mut counts = g.counts;
    counts.insert("lines", g.lines);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(format: &str, seed: u64, lines: u64) -> (Vec<u8>, BTreeMap<&'static str, u64>) {
        let c = Config {
            format: format.into(),
            lines: Some(lines),
            size: None,
            seed,
            start: 1_710_374_400, // 2024-03-14T00:00:00Z
            rate: 400,
            days: None,
            upstreams: None,
            out: None,
            expect: None,
        };
        let mut out = Vec::new();
        let counts = run(&c, &mut out).unwrap();
        (out, counts)
    }

    #[test]
    fn the_same_seed_writes_the_same_lines_and_every_line_is_counted() {
        for format in ["traefik", "traefik-json", "caddy"] {
            let (a, counts) = generate(format, 7, 5000);
            assert_eq!(a, generate(format, 7, 5000).0, "{format}");
            assert_ne!(a, generate(format, 8, 5000).0, "{format}");
            let lines = a.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(counts["lines"], lines, "{format}");
            let classes: u64 = counts.iter().filter(|(k, _)| **k != "lines").map(|(_, n)| n).sum();
            assert_eq!(classes, lines, "{format}");
            for class in ["ok", "connect_refused", "gateway_error", "client_abort", "upstream_5xx"]
            {
                assert!(counts.get(class).copied().unwrap_or(0) > 0, "{format}: {class}");
            }
        }
    }
}
