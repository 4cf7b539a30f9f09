//! Scenarios: small logs that tell a known story, for end-to-end tests of `gatelog spikes`.
//!
//! ```text
//! gatelog-gen scenario deploys --out-dir DIR [--seed S]
//! ```
//!
//! writes `DIR/error.log` (nginx error log, UTC), `DIR/access.log` (nginx access log in
//! ingress-nginx's `upstreaminfo` format) and `DIR/deploys.jsonl` (the markers) for two hours
//! starting at [`START`], with:
//!
//! - steady traffic to three upstream groups (`default-api-80` with two peers,
//!   `default-cart-80`, `default-search-80`), an occasional timeout on each peer, and now and
//!   then a retry cluster of two or three refused connects in one second;
//! - deploy `v1.1` of `api` at [`GRACEFUL`]: graceful, nothing in the logs;
//! - deploy `v1.2` of `api` at [`RESTART`]: non-graceful; each peer in turn closes its
//!   in-flight requests and refuses connections for a few seconds (the first peer from
//!   `RESTART + 1`, the second from `RESTART + 21`), with 502s in the access log;
//! - deploy `v7` of `cart` at [`REGRESSION`]: from `REGRESSION + 3` on, the cart peer times out
//!   on about 0.4 requests per second until the end, with 504s in the access log;
//! - at [`OOM`], unrelated to any deploy, the search peer is killed and restarted: closed
//!   connections, then refused ones, for six seconds.
//!
//! Everything is deterministic for a seed.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use crate::util::{Rng, civil};

/// 2024-03-14T10:00:00Z, the first second of the scenario.
pub const START: i64 = 1_710_410_400;
/// Length of the scenario in seconds.
pub const LENGTH: i64 = 7200;
/// The graceful deploy (`v1.1@api`).
pub const GRACEFUL: i64 = START + 1200;
/// The non-graceful deploy (`v1.2@api`).
pub const RESTART: i64 = START + 3000;
/// The deploy that starts a lasting regression (`v7@cart`).
pub const REGRESSION: i64 = START + 4800;
/// The OOM kill of the search peer.
pub const OOM: i64 = START + 6100;

/// The api peers.
pub const API_PEERS: [&str; 2] = ["10.0.1.10:3000", "10.0.1.11:3000"];
/// The cart peer.
pub const CART_PEER: &str = "10.0.3.10:8080";
/// The search peer.
pub const SEARCH_PEER: &str = "10.0.2.10:9200";

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// What went wrong on one request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Failure {
    None,
    Refused,
    Closed,
    Timeout,
}

struct Writer {
    rng: Rng,
    error: String,
    access: String,
    cid: u64,
}

impl Writer {
    fn request(&mut self, t: i64, group: &str, peer: &str, failure: Failure) {
        self.cid += 1;
        let (y, mo, d, h, mi, s) = civil(t);
        let path = match group {
            "default-cart-80" => format!("/cart/{}", self.rng.below(10_000)),
            "default-search-80" => format!("/search?q=item{}", self.rng.below(1000)),
            _ => format!("/api/items/{}", self.rng.below(100_000)),
        };
        let client = format!("198.51.100.{}", 1 + self.rng.below(250));
        let message = match failure {
            Failure::None => None,
            Failure::Refused => {
                Some("connect() failed (111: Connection refused) while connecting to upstream")
            }
            Failure::Closed => Some(
                "upstream prematurely closed connection while reading response header from upstream",
            ),
            Failure::Timeout => Some(
                "upstream timed out (110: Connection timed out) while reading response header from upstream",
            ),
        };
        if let Some(msg) = message {
            let _ = writeln!(
                self.error,
                "{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} [error] 31#31: *{} {msg}, client: {client}, \
                 server: shop.example.com, request: \"GET {path} HTTP/1.1\", upstream: \"http://{peer}{path}\", \
                 host: \"shop.example.com\"",
                self.cid
            );
        }
        let (status, bytes, time) = match failure {
            Failure::None => {
                (200, 512 + self.rng.below(2048), 0.004 + self.rng.below(40) as f64 / 1000.0)
            }
            Failure::Refused => (502, 0, 0.001),
            Failure::Closed => (502, 0, 0.2),
            Failure::Timeout => (504, 0, 60.001),
        };
        let _ = writeln!(
            self.access,
            "{client} - - [{d:02}/{}/{y:04}:{h:02}:{mi:02}:{s:02} +0000] \"GET {path} HTTP/1.1\" {status} {bytes} \"-\" \
             \"Mozilla/5.0\" 87 {time:.3} [{group}] [] {peer} {bytes} {time:.3} {status} {:032x}",
            MONTHS[(mo - 1) as usize],
            u128::from(self.rng.next_u64()) << 64 | u128::from(self.rng.next_u64())
        );
    }
}

/// The logs and markers of the `deploys` scenario.
pub struct Deploys {
    /// The nginx error log.
    pub error_log: String,
    /// The nginx access log (`upstreaminfo`).
    pub access_log: String,
    /// The deploy markers as JSON Lines.
    pub markers: String,
}

/// Writes the `deploys` scenario for `seed`; see the module docs.
pub fn deploys(seed: u64) -> Deploys {
    let mut w = Writer { rng: Rng(seed), error: String::new(), access: String::new(), cid: 0 };
    let groups: [(&str, &[&str]); 3] = [
        ("default-api-80", &API_PEERS),
        ("default-cart-80", &[CART_PEER]),
        ("default-search-80", &[SEARCH_PEER]),
    ];
    for t in START..START + LENGTH {
        // Steady traffic: about three requests a second, an occasional timeout.
        for _ in 0..w.rng.poisson(3.0) {
            let (group, peers) = groups[w.rng.below(3) as usize];
            let peer = peers[w.rng.below(peers.len() as u64) as usize];
            let failure = if w.rng.below(3000) == 0 { Failure::Timeout } else { Failure::None };
            w.request(t, group, peer, failure);
        }
        // A retry cluster: one client's request refused on a peer two or three times.
        if w.rng.below(1800) == 0 {
            let peer = API_PEERS[w.rng.below(2) as usize];
            for _ in 0..2 + w.rng.below(2) {
                w.request(t, "default-api-80", peer, Failure::Refused);
            }
        }
        // The non-graceful restart of api, one peer after the other.
        for (i, peer) in API_PEERS.iter().enumerate() {
            let s = RESTART + 1 + 20 * i as i64;
            if t == s {
                for _ in 0..3 {
                    w.request(t, "default-api-80", peer, Failure::Closed);
                }
            } else if (s + 1..s + 9).contains(&t) {
                for _ in 0..4 + w.rng.below(5) {
                    w.request(t, "default-api-80", peer, Failure::Refused);
                }
            }
        }
        // The cart regression: timeouts from REGRESSION + 3 to the end.
        if t >= REGRESSION + 3 {
            for _ in 0..w.rng.poisson(0.4) {
                w.request(t, "default-cart-80", CART_PEER, Failure::Timeout);
            }
        }
        // The OOM kill of the search peer.
        if t == OOM {
            for _ in 0..4 {
                w.request(t, "default-search-80", SEARCH_PEER, Failure::Closed);
            }
        } else if (OOM + 1..OOM + 7).contains(&t) {
            for _ in 0..5 + w.rng.below(3) {
                w.request(t, "default-search-80", SEARCH_PEER, Failure::Refused);
            }
        }
    }
    let iso = |t: i64| {
        let (y, mo, d, h, mi, s) = civil(t);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    };
    let markers = format!(
        "{{\"time\": \"{}\", \"service\": \"api\", \"version\": \"v1.1\"}}\n\
         {{\"time\": \"{}\", \"service\": \"api\", \"version\": \"v1.2\"}}\n\
         {{\"time\": \"{}\", \"service\": \"cart\", \"version\": \"v7\"}}\n",
        iso(GRACEFUL),
        iso(RESTART),
        iso(REGRESSION)
    );
    Deploys { error_log: w.error, access_log: w.access, markers }
}

/// `gatelog-gen scenario NAME --out-dir DIR [--seed S]`.
pub fn main(mut args: impl Iterator<Item = String>) -> io::Result<()> {
    let usage = || io::Error::other("scenario deploys needs --out-dir DIR, and takes --seed S");
    match args.next() {
        Some(name) if name == "deploys" => {}
        Some(name) => {
            return Err(io::Error::other(format!("unknown scenario {name:?} (there is: deploys)")));
        }
        None => return Err(io::Error::other("no scenario given (there is: deploys)")),
    }
    let (mut dir, mut seed) = (None, 1u64);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--out-dir", Some(v)) => dir = Some(v),
            ("--seed", Some(v)) => seed = v.parse().map_err(|_| usage())?,
            _ => return Err(usage()),
        }
    }
    let dir = dir.ok_or_else(usage)?;
    let dir = Path::new(&dir);
    fs::create_dir_all(dir)?;
    let s = deploys(seed);
    fs::write(dir.join("error.log"), s.error_log)?;
    fs::write(dir.join("access.log"), s.access_log)?;
    fs::write(dir.join("deploys.jsonl"), s.markers)?;
    Ok(())
}
