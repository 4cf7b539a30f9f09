//! The Envoy access-log writer: Istio's default text format (`envoy`) or Istio's JSON
//! encoding with snake_case keys and typed `null` (`envoy-json`), as a sidecar writes them.
//!
//! The pools are Istio services (`outbound|8080||cart.shop.svc.cluster.local`). Most
//! responses come back `via_upstream`; the rest cover the classes Envoy's flags and details
//! give: upstream 5xx answers, refused connects (`UF` with `delayed_connect_error:_111`),
//! connect failures without detail (`UF,URX`), closed connections (`UC`), route timeouts
//! (`UT`), overflowing circuit breakers (`UO`), client disconnects (`DC`), rate-limited
//! requests (`RL`), and TCP-proxy lines. Every hour the first cart peer refuses connections
//! for twenty seconds, then for ten seconds its cluster has no healthy upstream (`UH`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::Config;
use gatelog_gen::util::{Incident, Rng, civil, incident};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Upstream5xx,
    Refused,
    ConnectError,
    Closed,
    Timeout,
    Overflow,
    ClientAbort,
    RateLimited,
    Tcp,
    NoLive,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Ok | Kind::Tcp => "ok",
            Kind::Upstream5xx => "upstream_5xx",
            Kind::Refused => "connect_refused",
            Kind::ConnectError => "connect_error",
            Kind::Closed => "prematurely_closed",
            Kind::Timeout => "response_timeout",
            Kind::Overflow => "upstream_busy",
            Kind::ClientAbort => "client_abort",
            Kind::RateLimited => "client_error",
            Kind::NoLive => "no_live_upstreams",
        }
    }

    /// Status, flags, details, transport failure reason.
    fn outcome(self, rng: &mut Rng) -> (u16, &'static str, &'static str, &'static str) {
        match self {
            Kind::Ok => (*rng.pick(&[200, 200, 200, 201, 204, 304, 404]), "-", "via_upstream", "-"),
            Kind::Upstream5xx => (*rng.pick(&[500, 502, 503]), "-", "via_upstream", "-"),
            Kind::Refused => (
                503,
                "UF",
                "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}",
                "delayed_connect_error:_111",
            ),
            Kind::ConnectError => {
                (503, "UF,URX", "upstream_reset_before_response_started{connection_failure}", "-")
            }
            Kind::Closed => {
                (503, "UC", "upstream_reset_before_response_started{connection_termination}", "-")
            }
            Kind::Timeout => (504, "UT", "upstream_response_timeout", "-"),
            Kind::Overflow => (503, "UO", "upstream_reset_before_response_started{overflow}", "-"),
            Kind::ClientAbort => (0, "DC", "downstream_remote_disconnect", "-"),
            Kind::RateLimited => (429, "RL", "request_rate_limited", "-"),
            Kind::Tcp => (0, "-", "-", "-"),
            Kind::NoLive => (503, "UH", "no_healthy_upstream", "-"),
        }
    }
}

/// The everyday mix, in per-mille weights.
const MIX: &[(Kind, u64)] = &[
    (Kind::Ok, 850),
    (Kind::Upstream5xx, 25),
    (Kind::Refused, 10),
    (Kind::ConnectError, 10),
    (Kind::Closed, 15),
    (Kind::Timeout, 15),
    (Kind::Overflow, 5),
    (Kind::ClientAbort, 25),
    (Kind::RateLimited, 15),
    (Kind::Tcp, 30),
];

const PATHS: &[&str] =
    &["/api/cart?id={}", "/api/checkout", "/api/items/{}", "/search?q=shoes&page={}", "/healthz"];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT"];
const AGENTS: &[&str] =
    &["curl/8.5.0", "okhttp/4.12.0", "grpc-go/1.62.1", "Go-http-client/1.1", "kube-probe/1.29"];

struct Gen {
    rng: Rng,
    pools: Vec<(String, Vec<String>)>,
    json: bool,
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

    fn write_line(
        &mut self,
        out: &mut impl Write,
        t: i64,
        millis: u64,
        kind: Kind,
        peer: Option<(usize, usize)>,
    ) -> io::Result<()> {
        let (pi, peer_i) = peer.unwrap_or_else(|| {
            // The unix-socket pool is the nginx error log's; sidecars talk TCP.
            let tcp: Vec<usize> = (0..self.pools.len())
                .filter(|&i| !self.pools[i].1[0].starts_with("unix:"))
                .collect();
            let pi = tcp[self.rng.below(tcp.len() as u64) as usize];
            (pi, self.rng.below(self.pools[pi].1.len() as u64) as usize)
        });
        let (pool, peers) = &self.pools[pi];
        let peer = peers[peer_i].clone();
        let port = peer.rsplit(':').next().unwrap_or("8080").to_owned();
        let cluster = format!("outbound|{port}||{pool}.shop.svc.cluster.local");
        let authority = format!("{pool}.shop:{port}");
        let (status, flags, details, utfr) = kind.outcome(&mut self.rng);
        let upstream = if matches!(kind, Kind::NoLive | Kind::RateLimited | Kind::Overflow) {
            None
        } else {
            Some(peer)
        };
        let method = *self.rng.pick(METHODS);
        let path = self.rng.pick(PATHS).replace("{}", &self.rng.below(100_000).to_string());
        let agent = *self.rng.pick(AGENTS);
        let duration = match kind {
            Kind::Timeout => 15_000 + self.rng.below(3),
            Kind::Closed => self.rng.below(120_000),
            Kind::Refused | Kind::ConnectError | Kind::NoLive | Kind::Overflow => self.rng.below(4),
            _ => 1 + self.rng.below(900),
        };
        let service_time =
            if details == "via_upstream" { Some(duration.saturating_sub(1)) } else { None };
        let (rx, tx) = (
            self.rng.below(2_000),
            if status < 300 { 200 + self.rng.below(20_000) } else { 19 + self.rng.below(200) },
        );
        let client = format!(
            "10.44.{}.{}:{}",
            self.rng.below(256),
            self.rng.below(256),
            30_000 + self.rng.below(30_000)
        );
        let local = format!("10.44.1.23:{}", 40_000 + self.rng.below(20_000));
        let id = format!("{:016x}-{:04x}", self.rng.next_u64(), self.rng.below(65_536));
        let (y, mo, d, h, mi, s) = civil(t);
        let time = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{millis:03}Z");
        let l = &mut self.line;
        l.clear();
        use std::fmt::Write as _;
        let tcp = kind == Kind::Tcp;
        if self.json {
            let q = |v: Option<&str>| v.map_or_else(|| "null".to_owned(), |v| format!("\"{v}\""));
            fn dash(v: &str) -> Option<&str> {
                (v != "-").then_some(v)
            }
            let (m, p, proto) = if tcp {
                (None, None, None)
            } else {
                (Some(method), Some(path.as_str()), Some("HTTP/1.1"))
            };
            let _ = writeln!(
                l,
                "{{\"authority\":{},\"bytes_received\":{rx},\"bytes_sent\":{tx},\"connection_termination_details\":null,\"downstream_local_address\":\"10.96.0.10:{port}\",\"downstream_remote_address\":\"{client}\",\"duration\":{duration},\"method\":{},\"path\":{},\"protocol\":{},\"request_id\":{},\"requested_server_name\":null,\"response_code\":{status},\"response_code_details\":{},\"response_flags\":\"{flags}\",\"route_name\":\"default\",\"start_time\":\"{time}\",\"upstream_cluster\":\"{cluster}\",\"upstream_host\":{},\"upstream_local_address\":{},\"upstream_service_time\":{},\"upstream_transport_failure_reason\":{},\"user_agent\":{},\"x_forwarded_for\":null}}",
                q((!tcp).then_some(authority.as_str())),
                q(m),
                q(p),
                q(proto),
                q((!tcp).then_some(id.as_str())),
                q(dash(details)),
                q(upstream.as_deref()),
                q(upstream.is_some().then_some(local.as_str())),
                service_time.map_or_else(|| "null".to_owned(), |v| format!("\"{v}\"")),
                q(dash(utfr)),
                q((!tcp).then_some(agent)),
            );
        } else {
            let up = upstream.as_deref().unwrap_or("-");
            let ul = if upstream.is_some() { local.as_str() } else { "-" };
            let st = service_time.map_or_else(|| "-".to_owned(), |v| v.to_string());
            if tcp {
                let _ = writeln!(
                    l,
                    "[{time}] \"- - -\" 0 - - - \"-\" {rx} {tx} {duration} - \"-\" \"-\" \"-\" \"-\" \"{up}\" {cluster} {ul} 10.96.0.10:{port} {client} - -"
                );
            } else {
                let _ = writeln!(
                    l,
                    "[{time}] \"{method} {path} HTTP/1.1\" {status} {flags} {details} - \"{utfr}\" {rx} {tx} {duration} {st} \"-\" \"{agent}\" \"{id}\" \"{authority}\" \"{up}\" {cluster} {ul} 10.96.0.10:{port} {client} - default"
                );
            }
        }
        self.lines += 1;
        self.bytes += l.len() as u64;
        *self.counts.entry(kind.class()).or_default() += 1;
        out.write_all(l.as_bytes())
    }
}

/// Writes the Envoy log `c` asks for (`c.format` is `envoy` or `envoy-json`) and returns the
/// count of lines per class (and `lines`).
pub fn run(c: &Config, out: &mut dyn Write) -> anyhow::Result<BTreeMap<&'static str, u64>> {
    let mut g = Gen {
        rng: Rng(c.seed),
        pools: crate::pools(c.upstreams),
        json: c.format == "envoy-json",
        counts: BTreeMap::new(),
        lines: 0,
        bytes: 0,
        line: String::with_capacity(1024),
    };
    let mut out = out;
    let mut i: u64 = 0;
    loop {
        if c.lines.is_some_and(|n| g.lines >= n) || c.size.is_some_and(|n| g.bytes >= n) {
            break;
        }
        let t = c.second(i, g.lines);
        let millis = (i % c.rate) * 1000 / c.rate;
        let (kind, peer) = match incident(t, &mut g.rng) {
            Some(Incident::NoLive) => (Kind::NoLive, Some((0, 0))),
            Some(Incident::Refused) => (Kind::Refused, Some((0, 0))),
            None => (g.pick(), None),
        };
        g.write_line(&mut out, t, millis, kind, peer)?;
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

    fn config(format: &str, seed: u64, lines: u64) -> Config {
        Config {
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
        }
    }

    #[test]
    fn the_same_seed_writes_the_same_bytes_in_both_encodings() {
        for format in ["envoy", "envoy-json"] {
            let mut a = Vec::new();
            let counts = run(&config(format, 7, 3000), &mut a).unwrap();
            let mut b = Vec::new();
            run(&config(format, 7, 3000), &mut b).unwrap();
            assert_eq!(a, b);
            assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 3000);
            let classes: u64 = counts.iter().filter(|(k, _)| **k != "lines").map(|(_, n)| n).sum();
            assert_eq!(classes, 3000);
        }
    }

    #[test]
    fn the_incident_and_every_class_are_written() {
        // At 400 lines a second, the incident (minute 10) starts at line 240,000.
        for format in ["envoy", "envoy-json"] {
            let mut out = Vec::new();
            let counts = run(&config(format, 1, 260_000), &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("no_healthy_upstream"), "{format}: the incident");
            for class in [
                "ok",
                "upstream_5xx",
                "connect_refused",
                "connect_error",
                "prematurely_closed",
                "response_timeout",
                "upstream_busy",
                "client_abort",
                "client_error",
                "no_live_upstreams",
            ] {
                assert!(counts.get(class).copied().unwrap_or(0) > 0, "{format}: {class}");
            }
        }
    }
}
