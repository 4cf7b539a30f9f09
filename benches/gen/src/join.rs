//! An nginx error log and access log of the same server, with the truth of their join: for
//! each failing request, the status the user got and the class of each failed attempt (in
//! the names of gatelog's class vocabulary, as gatelog prints them).
//!
//! Access lines use the `main_upstream` layout (`testdata/nginx-access/formats.conf`); error
//! lines are the upstream failures of `testdata/nginx-error/` with other values. Each request
//! has its own client address, except the repeats (one client sending one request twice in
//! one second, both failing the same way), so that the only lines the join cannot tell apart
//! are the ones whose counts do not depend on it.

use std::collections::BTreeMap;

/// The failures an attempt can end with: the error-log message (after the connection number),
/// as nginx writes it (`src/event/ngx_event_connect.c`, `src/http/ngx_http_upstream.c`).
pub const CAUSES: [&str; 3] = [
    "connect() failed (111: Connection refused) while connecting to upstream",
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    "upstream prematurely closed connection while reading response header from upstream",
];
/// The class of each of [`CAUSES`].
pub const CLASSES: [&str; 3] = ["connect_refused", "response_timeout", "prematurely_closed"];
/// The class of a 502 whose cause is not in the error log.
pub const GATEWAY_ERROR: &str = "gateway_error";
const REFUSED: usize = 0;
const TIMEOUT: usize = 1;
const PEERS: [&str; 3] = ["10.0.0.5:8080", "10.0.0.6:8080", "10.0.0.7:8080"];
const PATHS: [&str; 4] = ["/api/cart?id=42", "/api/items", "/login", "/api/v1/search?q=x"];

/// The two logs and their truth.
pub struct Generated {
    /// Error-log lines, in time order.
    pub error: Vec<String>,
    /// Access-log lines, in time order.
    pub access: Vec<String>,
    /// Unix second of each error line, and of each access line (for interleaving).
    error_at: Vec<i64>,
    access_at: Vec<i64>,
    /// 5xx responses per class (gateway_error when the error line is missing).
    responses: BTreeMap<&'static str, u64>,
    hidden: BTreeMap<&'static str, u64>,
    unmatched_attempts: u64,
    unmatched_responses: u64,
}

/// The truth, as a report.
#[derive(Debug)]
pub struct Truth {
    /// 5xx responses per class.
    pub responses_by_class: BTreeMap<&'static str, u64>,
    /// Failed attempts retried well, per class.
    pub hidden_attempts: BTreeMap<&'static str, u64>,
    /// Attempts whose access line is missing.
    pub unmatched_attempts: u64,
    /// 502s whose error line is missing.
    pub unmatched_responses: u64,
}

impl Truth {
    /// All 5xx responses.
    pub fn responses(&self) -> u64 {
        self.responses_by_class.values().sum()
    }
    /// All hidden attempts.
    pub fn hidden(&self) -> u64 {
        self.hidden_attempts.values().sum()
    }
}

impl Generated {
    /// What the join of the two logs must count.
    pub fn truth(&self) -> Truth {
        Truth {
            responses_by_class: self.responses.clone(),
            hidden_attempts: self.hidden.clone(),
            unmatched_attempts: self.unmatched_attempts,
            unmatched_responses: self.unmatched_responses,
        }
    }

    /// Both logs merged in time order (error lines first within a second).
    pub fn interleaved(&self) -> Vec<(bool, String)> {
        let mut all: Vec<(i64, bool, &String)> =
            self.error_at.iter().zip(&self.error).map(|(t, l)| (*t, true, l)).collect();
        all.extend(self.access_at.iter().zip(&self.access).map(|(t, l)| (*t, false, l)));
        all.sort_by_key(|(t, e, _)| (*t, !*e));
        all.into_iter().map(|(_, e, l)| (e, l.clone())).collect()
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const T0: i64 = 1_710_406_800; // 2024-03-14 09:00:00 UTC

fn clock(t: i64) -> (String, String) {
    // Days to a civil date (proleptic Gregorian), after H. Hinnant's `civil_from_days`.
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    const MON: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    (
        format!("{y}/{m:02}/{d:02} {hh:02}:{mm:02}:{ss:02}"),
        format!("{d:02}/{}/{y}:{hh:02}:{mm:02}:{ss:02} +0000", MON[(m - 1) as usize]),
    )
}

/// `requests` failing requests (with successful ones between them), from `seed`.
pub fn generate(seed: u64, requests: usize) -> Generated {
    generate_with(seed, requests, false)
}

/// The nginx `log_format` of the access lines: `main_upstream` (gatelog's preset, which it
/// reads without configuration).
pub const ACCESS_FORMAT: &str = "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\" rt=$request_time ua=\"$upstream_addr\" us=\"$upstream_status\" ut=\"$upstream_response_time\" uct=\"$upstream_connect_time\" uht=\"$upstream_header_time\"";

/// The `log_format` of the access lines of [`generate_with`]`(.., true)`.
pub fn connection_format() -> String {
    format!("{ACCESS_FORMAT} c=$connection")
}

/// As [`generate`]; with `connection`, the access lines end with ` c=$connection` and the
/// repeated requests fail differently (one retried well after a failure, one a 502 of another
/// cause on the same peer in the same second): only the connection number tells them apart.
pub fn generate_with(seed: u64, requests: usize, connection: bool) -> Generated {
    let class = CLASSES;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut g = Generated {
        error: vec![],
        access: vec![],
        error_at: vec![],
        access_at: vec![],
        responses: BTreeMap::new(),
        hidden: BTreeMap::new(),
        unmatched_attempts: 0,
        unmatched_responses: 0,
    };
    let mut conn = 1000u64;
    let mut t = T0;
    // (second, error line) kept until written in order.
    let mut errors: Vec<(i64, String)> = vec![];
    let mut accesses: Vec<(i64, String)> = vec![];
    let incident = (requests / 3, requests / 3 + requests / 10);
    for i in 0..requests {
        t += rng.below(3) as i64;
        let client = format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256);
        let path = PATHS[rng.below(PATHS.len() as u64) as usize];
        let request = format!("GET {path} HTTP/1.1");
        let attempt = |at: i64,
                       c: u64,
                       cause: usize,
                       peer: &str,
                       errors: &mut Vec<(i64, String)>| {
            let conn = c;
            let (e, _) = clock(at);
            errors.push((at, format!(
                "{e} [error] 31#31: *{conn} {}, client: {client}, server: shop, request: \"{request}\", upstream: \"http://{peer}{path}\", host: \"shop\"",
                CAUSES[cause]
            )));
        };
        let response = |at: i64,
                        c: u64,
                        status: u16,
                        rt: &str,
                        ua: &str,
                        us: &str,
                        accesses: &mut Vec<(i64, String)>| {
            let (_, a) = clock(at);
            accesses.push((at, format!(
                "{client} - - [{a}] \"{request}\" {status} 157 \"-\" \"gen\" \"-\" rt={rt} ua=\"{ua}\" us=\"{us}\" ut=\"-\" uct=\"-\" uht=\"-\"{}",
                if connection { format!(" c={c}") } else { String::new() }
            )));
        };
        // A successful request between failures (not part of the join).
        conn += 1;
        let c = conn;
        if rng.below(2) == 0 {
            response(t, c, 200, "0.010", PEERS[1], "200", &mut accesses);
        }
        let in_incident = (incident.0..incident.1).contains(&i);
        let kind = if in_incident { 0 } else { rng.below(7) };
        let cause = rng.below(3) as usize;
        let ai = rng.below(3) as usize;
        let (a, b) = (PEERS[ai], PEERS[(ai + 1 + rng.below(2) as usize) % 3]);
        match kind {
            // Retried on another peer, which answered: a hidden failure.
            0 | 1 => {
                let cause = if in_incident { REFUSED } else { cause };
                attempt(t, c, cause, a, &mut errors);
                response(t, c, 200, "0.020", &format!("{a}, {b}"), "502, 200", &mut accesses);
                *g.hidden.entry(class[cause]).or_default() += 1;
                if rng.below(5) == 0 {
                    // The client sends the same request again in the same second, on another
                    // connection.
                    conn += 1;
                    if connection {
                        let other = (cause + 1 + rng.below(2) as usize) % 3;
                        let status = if other == TIMEOUT { 504 } else { 502 };
                        attempt(t, conn, other, a, &mut errors);
                        let us = status.to_string();
                        response(t, conn, status, "0.004", a, &us, &mut accesses);
                        *g.responses.entry(class[other]).or_default() += 1;
                    } else {
                        attempt(t, conn, cause, a, &mut errors);
                        let ua = format!("{a}, {b}");
                        response(t, conn, 200, "0.020", &ua, "502, 200", &mut accesses);
                        *g.hidden.entry(class[cause]).or_default() += 1;
                    }
                }
            }
            // Both peers failed: the user got the last one's status and class.
            2 => {
                let second = rng.below(3) as usize;
                attempt(t, c, cause, a, &mut errors);
                attempt(t + 2, c, second, b, &mut errors);
                let status = if second == TIMEOUT { 504 } else { 502 };
                response(
                    t + 2,
                    c,
                    status,
                    "2.300",
                    &format!("{a}, {b}"),
                    &format!("502, {status}"),
                    &mut accesses,
                );
                *g.responses.entry(class[second]).or_default() += 1;
            }
            // A timeout, no retry (proxy_next_upstream off): 504 after 60 s.
            3 => {
                attempt(t + 60, c, TIMEOUT, a, &mut errors);
                response(t + 60, c, 504, "60.001", a, "504", &mut accesses);
                *g.responses.entry(class[TIMEOUT]).or_default() += 1;
            }
            // One attempt failed, no retry.
            4 => {
                attempt(t, c, cause, a, &mut errors);
                let status = if cause == TIMEOUT { 504 } else { 502 };
                response(t, c, status, "0.004", a, &status.to_string(), &mut accesses);
                *g.responses.entry(class[cause]).or_default() += 1;
            }
            // The error line is missing (logged at a level that hides it).
            5 => {
                response(t, c, 502, "0.001", a, "502", &mut accesses);
                *g.responses.entry(GATEWAY_ERROR).or_default() += 1;
                g.unmatched_responses += 1;
            }
            // The access line is missing (filtered).
            _ => {
                attempt(t, c, cause, a, &mut errors);
                g.unmatched_attempts += 1;
            }
        }
    }
    errors.sort_by_key(|(t, _)| *t);
    accesses.sort_by_key(|(t, _)| *t);
    (g.error_at, g.error) = errors.into_iter().unzip();
    (g.access_at, g.access) = accesses.into_iter().unzip();
    g
}

/// `gatelog-gen join DIR [--requests N] [--seed S] [--connection]`: writes `DIR/error.log`,
/// `DIR/access.log` and `DIR/truth.csv` (`what,class,count`: `response` rows per class of the
/// 5xx responses, `hidden` rows per class of the attempts retried well, and the
/// `unmatched_attempts` and `unmatched_responses` counts), for the join's end-to-end checks.
pub fn main(mut args: impl Iterator<Item = String>) -> std::io::Result<()> {
    use std::io::{Error, Write};
    let bad = |m: String| Error::new(std::io::ErrorKind::InvalidInput, m);
    let dir = args.next().ok_or_else(|| bad("join: no output directory given".into()))?;
    let (mut requests, mut seed, mut connection) = (10_000usize, 1u64, false);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| bad(format!("{flag}: no value")));
        match flag.as_str() {
            "--requests" => {
                requests = value()?.parse().map_err(|_| bad("invalid --requests".into()))?
            }
            "--seed" => seed = value()?.parse().map_err(|_| bad("invalid --seed".into()))?,
            "--connection" => connection = true,
            other => return Err(bad(format!("join: unknown option {other}"))),
        }
    }
    let g = generate_with(seed, requests, connection);
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("error.log"), g.error.join("\n") + "\n")?;
    std::fs::write(dir.join("access.log"), g.access.join("\n") + "\n")?;
    let t = g.truth();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.csv"))?);
    writeln!(f, "what,class,count")?;
    for (c, n) in &t.responses_by_class {
        writeln!(f, "response,{c},{n}")?;
    }
    for (c, n) in &t.hidden_attempts {
        writeln!(f, "hidden,{c},{n}")?;
    }
    writeln!(f, "unmatched_attempts,,{}", t.unmatched_attempts)?;
    writeln!(f, "unmatched_responses,,{}", t.unmatched_responses)?;
    f.flush()
}
