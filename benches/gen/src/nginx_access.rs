//! The nginx access-log writer: `main` plus upstream fields, the layout gatelog reads without
//! configuration as `main_upstream`:
//!
//! ```text
//! log_format main_upstream '$remote_addr - $remote_user [$time_local] "$request" '
//!                          '$status $body_bytes_sent "$http_referer" '
//!                          '"$http_user_agent" "$http_x_forwarded_for" '
//!                          'rt=$request_time ua="$upstream_addr" us="$upstream_status" '
//!                          'ut="$upstream_response_time" uct="$upstream_connect_time" '
//!                          'uht="$upstream_header_time"';
//! ```
//!
//! Most responses are fine; the rest cover every class an access log can show: upstream 5xx
//! answers, gateway errors (502 after a refused connect, 504 after a timeout: no header time),
//! responses nginx made itself (`limit_req` 503 with no upstream), client aborts (499) and
//! client errors. Retries write several attempts (`a, b`), internal redirects `a : b`; one
//! client in ten has an IPv6 address. Every hour the first cart peer fails for half a minute
//! (502 without a header time, retried on the next peer), and for the last ten seconds its
//! pool has no live peer (`ua` is the pool's name, as nginx writes it).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::Config;
use gatelog_gen::util::{Incident, Rng, civil, incident};

/// What one line is, as gatelog must classify it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Retried,
    Redirected,
    Upstream5xx,
    Refused,
    Timeout,
    LimitReq,
    ClientAbort,
    ClientError,
    NoLive,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Ok | Kind::Retried | Kind::Redirected => "ok",
            Kind::Upstream5xx => "upstream_5xx",
            Kind::Refused | Kind::Timeout | Kind::NoLive => "gateway_error",
            Kind::LimitReq => "proxy_error",
            Kind::ClientAbort => "client_abort",
            Kind::ClientError => "client_error",
        }
    }
}

/// The everyday mix, in per-mille weights.
const MIX: &[(Kind, u64)] = &[
    (Kind::Ok, 860),
    (Kind::Retried, 20),
    (Kind::Redirected, 10),
    (Kind::Upstream5xx, 25),
    (Kind::Refused, 15),
    (Kind::Timeout, 15),
    (Kind::LimitReq, 10),
    (Kind::ClientAbort, 25),
    (Kind::ClientError, 20),
];

const REQUESTS: &[&str] = &[
    "GET /api/cart?id={} HTTP/1.1",
    "POST /api/checkout HTTP/1.1",
    "GET /api/items/{} HTTP/2.0",
    "GET /search?q=running+shoes&page={} HTTP/1.1",
    "PUT /api/profile/{} HTTP/1.1",
    "GET /static/app.{}.js HTTP/2.0",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "kube-probe/1.29",
    "okhttp/4.12.0",
];

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

struct Gen {
    rng: Rng,
    pools: Vec<(String, Vec<String>)>,
    counts: BTreeMap<&'static str, u64>,
    lines: u64,
    bytes: u64,
    line: String,
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

    fn ms(&mut self, max: u64) -> String {
        let v = self.rng.below(max);
        format!("{}.{:03}", v / 1000, v % 1000)
    }

    fn write_line(
        &mut self,
        out: &mut impl Write,
        t: i64,
        kind: Kind,
        peer: Option<(usize, usize)>,
    ) -> io::Result<()> {
        let (pi, peer_i) = peer.unwrap_or_else(|| {
            // The unix-socket pool is the error log's; access lines use the TCP pools.
            let pi = if self.pools.get(3).is_some_and(|p| p.0 == "php") {
                [0, 1, 2, 4][self.rng.below(4) as usize]
            } else {
                self.rng.below(self.pools.len() as u64) as usize
            };
            (pi, self.rng.below(self.pools[pi].1.len() as u64) as usize)
        });
        let pool = self.pools[pi].0.clone();
        let peer = self.pools[pi].1[peer_i].clone();
        let other = {
            let peers = &self.pools[pi].1;
            peers[(peer_i + 1) % peers.len()].clone()
        };
        let client = if self.rng.chance(100) {
            format!("2001:db8:{:x}::{:x}", self.rng.below(65536), self.rng.below(65536))
        } else {
            format!("198.51.{}.{}", self.rng.below(256), self.rng.below(256))
        };
        let req = self.rng.pick(REQUESTS).replace("{}", &self.rng.below(100_000).to_string());
        let agent = *self.rng.pick(AGENTS);
        let rt = self.ms(900);
        let (ct, ht) = (self.ms(5), self.ms(800));
        // status, ua, us, ut, uct, uht
        let (status, ua, us, ut, uct, uht): (u16, String, String, String, String, String) =
            match kind {
                Kind::Ok => {
                    let s = *self.rng.pick(&[200, 200, 200, 200, 201, 204, 301, 304, 404]);
                    (s, peer, s.to_string(), ht.clone(), ct, ht)
                }
                Kind::Retried => (
                    200,
                    format!("{peer}, {other}"),
                    "502, 200".into(),
                    format!("0.000, {ht}"),
                    format!("-, {ct}"),
                    format!("-, {ht}"),
                ),
                Kind::Redirected => (
                    200,
                    format!("{peer} : {other}"),
                    "404 : 200".into(),
                    format!("{ht} : {ht}"),
                    format!("{ct} : {ct}"),
                    format!("{ht} : {ht}"),
                ),
                Kind::Upstream5xx => {
                    let s = *self.rng.pick(&[500, 502, 503]);
                    (s, peer, s.to_string(), ht.clone(), ct, ht)
                }
                Kind::Refused => (502, peer, "502".into(), "0.000".into(), "-".into(), "-".into()),
                Kind::Timeout => (504, peer, "504".into(), "60.001".into(), ct, "-".into()),
                Kind::LimitReq => (503, "-".into(), "-".into(), "-".into(), "-".into(), "-".into()),
                Kind::ClientAbort => (499, peer, "-".into(), ht.clone(), ct, "-".into()),
                Kind::ClientError => {
                    let s = *self.rng.pick(&[400, 408, 413]);
                    (s, "-".into(), "-".into(), "-".into(), "-".into(), "-".into())
                }
                Kind::NoLive => {
                    (502, pool.to_string(), "502".into(), "0.000".into(), "-".into(), "-".into())
                }
            };
        let bytes =
            if status < 300 { 200 + self.rng.below(20_000) } else { 150 + self.rng.below(400) };
        let xff = if self.rng.chance(200) {
            format!("203.0.113.{}, 10.1.0.{}", self.rng.below(256), self.rng.below(256))
        } else {
            "-".into()
        };
        let (y, mo, d, h, mi, s) = civil(t);
        let month = MONTHS[(mo - 1) as usize];
        let l = &mut self.line;
        l.clear();
        use std::fmt::Write as _;
        let _ = writeln!(
            l,
            "{client} - - [{d:02}/{month}/{y:04}:{h:02}:{mi:02}:{s:02} +0000] \"{req}\" {status} {bytes} \"-\" \"{agent}\" \"{xff}\" rt={rt} ua=\"{ua}\" us=\"{us}\" ut=\"{ut}\" uct=\"{uct}\" uht=\"{uht}\""
        );
        self.lines += 1;
        self.bytes += l.len() as u64;
        *self.counts.entry(kind.class()).or_default() += 1;
        out.write_all(l.as_bytes())
    }
}

/// Writes the access log `c` asks for, and its record of classes when `--expect` is given.
pub fn run(c: &Config, out: &mut dyn Write) -> anyhow::Result<BTreeMap<&'static str, u64>> {
    let mut g = Gen {
        rng: Rng(c.seed),
        pools: crate::pools(c.upstreams),
        counts: BTreeMap::new(),
        lines: 0,
        bytes: 0,
        line: String::with_capacity(512),
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
        g.write_line(&mut out, t, kind, peer)?;
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

    fn config(seed: u64, lines: u64) -> Config {
        Config {
            format: "nginx-access".into(),
            lines: Some(lines),
            size: None,
            seed,
            start: 1_710_374_400, // 2024-03-14T00:00:00Z
            rate: 400,
            days: None,
            upstreams: None,
            out: None,
            expect: None,
        }
    }

    fn generate(seed: u64, lines: u64) -> (Vec<u8>, BTreeMap<&'static str, u64>) {
        let mut out = Vec::new();
        let counts = run(&config(seed, lines), &mut out).unwrap();
        (out, counts)
    }

    #[test]
    fn the_same_seed_writes_the_same_bytes() {
        let (a, counts) = generate(7, 5000);
        assert_eq!(a, generate(7, 5000).0);
        assert_ne!(a, generate(8, 5000).0);
        assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 5000);
        assert_eq!(counts["lines"], 5000);
        let classes: u64 = counts.iter().filter(|(k, _)| **k != "lines").map(|(_, n)| n).sum();
        assert_eq!(classes, 5000);
    }

    #[test]
    fn lines_have_multi_value_upstreams_ipv6_clients_and_the_incident() {
        // At 400 lines a second, the incident (minute 10) starts at line 240,000.
        let mut c = config(1, 0);
        c.lines = Some(260_000);
        let mut out = Vec::new();
        let counts = run(&c, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("us=\"502, 200\""), "retried upstreams");
        assert!(text.contains("us=\"404 : 200\""), "redirected upstreams");
        assert!(text.lines().any(|l| l.starts_with("2001:db8:")), "IPv6 clients");
        assert!(text.contains("ua=\"cart\""), "no live upstream in the cart pool");
        for class in
            ["ok", "upstream_5xx", "gateway_error", "proxy_error", "client_abort", "client_error"]
        {
            assert!(counts.get(class).copied().unwrap_or(0) > 0, "{class}");
        }
    }
}
