//! The nginx access-log parser against generated input: arbitrary bytes and damaged fixture
//! lines (`testdata/nginx-access/`) never panic, every borrowed field lies inside the line, and
//! values rendered through a random `log_format` read back as rendered. (That each fixture line
//! gives its event is checked with the other formats' cases, in `tests/cases.rs`.)

mod common;

use std::time::Duration;

use common::load;
use logparse::nginx::access::{self, LogFormat};
use logparse::{Event, Fields, Options, Timestamp, detect};
use proptest::prelude::*;

fn field<'e, 'a>(ev: &'e Event<'a>) -> &'e access::Fields<'a> {
    match &ev.fields {
        Fields::NginxAccess(f) => f,
        other => panic!("not access fields: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Never panic, stay inside the input

fn inside(input: &[u8], s: &[u8]) -> bool {
    let r = input.as_ptr_range();
    s.is_empty() || (r.start <= s.as_ptr() && s.as_ptr_range().end <= r.end)
}

/// Every borrowed field of `ev` lies inside `input`.
fn check_inside(input: &[u8], ev: &Event<'_>) {
    assert_eq!(ev.check_borrows(input), Ok(()));
    // The raw upstream fields, which `visit` shows only parsed.
    let f = field(ev);
    let u = &f.upstreams;
    let mut all: Vec<&[u8]> = vec![ev.raw, ev.message, f.trailing];
    all.extend(
        [
            ev.upstream,
            ev.upstream_group,
            ev.client,
            ev.server,
            ev.host,
            ev.request,
            f.remote_user,
            f.referer,
            f.user_agent,
            f.forwarded_for,
            f.request_method,
            f.request_uri,
            f.uri,
            f.scheme,
            f.server_port,
            f.server_name,
            u.addr,
            u.status,
            u.response_time,
            u.connect_time,
            u.header_time,
        ]
        .into_iter()
        .flatten(),
    );
    all.extend(u.attempts().filter_map(|a| a.addr));
    for s in all {
        assert!(inside(input, s), "field {:?} outside the input", logparse::text(s));
    }
}

fn custom_formats() -> Vec<LogFormat> {
    let mut v = load::nginx_access_formats();
    v.push(LogFormat::new("$time_local $upstream_addr $upstream_status|$status").unwrap());
    v
}

fn parse_everywhere(input: &[u8], formats: &[LogFormat]) {
    if let Ok(ev) = access::parse(input) {
        check_inside(input, &ev);
    }
    for f in formats {
        if let Ok(ev) = access::parse_with(input, f, &Options::default()) {
            check_inside(input, &ev);
        }
    }
    let _ = detect::detect_line(input);
    let mut p = logparse::Parser::new(None, Options::default());
    let _ = p.parse(input);
}

/// The lines of the access-log fixtures (`testdata/nginx-access/*.log`).
fn fixture_lines() -> Vec<Vec<u8>> {
    load::nginx_access_logs()
        .into_iter()
        .flat_map(|(_, cases)| cases.into_iter().map(|c| c.line).collect::<Vec<_>>())
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Truncate(usize),
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutate(line: &mut Vec<u8>, m: &Mutation) {
    let n = line.len().max(1);
    match m {
        Mutation::Truncate(i) => line.truncate(i % n),
        Mutation::Replace(i, b) => {
            if !line.is_empty() {
                line[i % n] = *b;
            }
        }
        Mutation::Insert(i, bytes) => {
            let at = i % (line.len() + 1);
            line.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete(i, len) => {
            let at = i % n;
            let end = (at + len).min(line.len());
            if at < end {
                line.drain(at..end);
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Inserted bytes favour the format's own delimiters.
    let delim = prop::sample::select(vec![b' ', b'"', b'[', b']', b',', b':', b'-', b'\\', 0xff]);
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), delim).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..300)) {
        parse_everywhere(&input, &custom_formats());
    }

    #[test]
    fn mutated_fixture_lines_never_panic(
        pick in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let lines = fixture_lines();
        let mut line = pick.get(&lines).clone();
        for m in &muts {
            mutate(&mut line, m);
        }
        parse_everywhere(&line, &custom_formats());
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip: values rendered through a random log_format read back as rendered

/// One upstream attempt's values.
#[derive(Clone, Debug)]
struct Try {
    addr: Option<String>,
    status: Option<u16>,
    times: [Option<u32>; 3],
    redirect_before: bool,
}

/// A value to render, tagged with its variable.
#[derive(Clone, Debug)]
enum Val {
    RemoteAddr(String),
    RemoteUser(Option<String>),
    TimeLocal(i64, i32),
    TimeIso(i64, i32),
    Msec(i64, u32),
    Request(Option<String>),
    Status(u16),
    BodyBytes(u64),
    Bytes(u64),
    Referer(Option<String>),
    UserAgent(Option<String>),
    ForwardedFor(Option<Vec<String>>),
    Host(Option<String>),
    ServerName(Option<String>),
    RequestTime(u32),
    Word(&'static str, Option<String>),
    Group(Option<String>),
    Unknown(String),
    /// `$upstream_addr`, `$upstream_status`, then the three times; index 0..5.
    Upstream(usize),
}

const WORD_VARS: [&str; 5] = ["request_method", "request_uri", "uri", "scheme", "server_port"];
const UPSTREAM_VARS: [&str; 5] = [
    "upstream_addr",
    "upstream_status",
    "upstream_response_time",
    "upstream_connect_time",
    "upstream_header_time",
];

impl Val {
    fn var(&self) -> &'static str {
        match self {
            Val::RemoteAddr(_) => "remote_addr",
            Val::RemoteUser(_) => "remote_user",
            Val::TimeLocal(..) => "time_local",
            Val::TimeIso(..) => "time_iso8601",
            Val::Msec(..) => "msec",
            Val::Request(_) => "request",
            Val::Status(_) => "status",
            Val::BodyBytes(_) => "body_bytes_sent",
            Val::Bytes(_) => "bytes_sent",
            Val::Referer(_) => "http_referer",
            Val::UserAgent(_) => "http_user_agent",
            Val::ForwardedFor(_) => "http_x_forwarded_for",
            Val::Host(_) => "host",
            Val::ServerName(_) => "server_name",
            Val::RequestTime(_) => "request_time",
            Val::Word(v, _) => v,
            Val::Group(_) => "proxy_upstream_name",
            Val::Unknown(_) => "request_id",
            Val::Upstream(i) => UPSTREAM_VARS[*i],
        }
    }

    /// Whether the value may contain spaces, so that the format must quote it.
    fn needs_quotes(&self) -> bool {
        matches!(self, Val::Request(_) | Val::Referer(_) | Val::UserAgent(_))
    }
}

fn secs_text(ms: u32) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn civil(local: i64) -> (i32, u32, u32, u32, u32, u32) {
    Timestamp::from_unix_seconds(local).to_civil_utc()
}

fn render_offset(off: i32, colon: bool) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs() / 60;
    if colon {
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    } else {
        format!("{sign}{:02}{:02}", a / 60, a % 60)
    }
}

fn render(v: &Val, tries: &[Try]) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match v {
        Val::RemoteAddr(s) | Val::Unknown(s) => s.clone(),
        Val::RemoteUser(s)
        | Val::Request(s)
        | Val::Referer(s)
        | Val::UserAgent(s)
        | Val::Host(s)
        | Val::ServerName(s)
        | Val::Word(_, s)
        | Val::Group(s) => dash(s),
        Val::TimeLocal(secs, off) => {
            let (y, mo, d, h, mi, s) = civil(secs + i64::from(*off));
            let m = MONTHS[mo as usize - 1];
            format!("{d:02}/{m}/{y:04}:{h:02}:{mi:02}:{s:02} {}", render_offset(*off, false))
        }
        Val::TimeIso(secs, off) => {
            let (y, mo, d, h, mi, s) = civil(secs + i64::from(*off));
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}", render_offset(*off, true))
        }
        Val::Msec(secs, ms) => format!("{secs}.{ms:03}"),
        Val::Status(s) => format!("{s:03}"),
        Val::BodyBytes(n) | Val::Bytes(n) => n.to_string(),
        Val::ForwardedFor(v) => v.as_ref().map_or("-".into(), |v| v.join(", ")),
        Val::RequestTime(ms) => secs_text(*ms),
        Val::Upstream(i) => {
            let mut out = String::new();
            for (n, t) in tries.iter().enumerate() {
                if n > 0 {
                    out.push_str(if t.redirect_before { " : " } else { ", " });
                }
                let entry = match i {
                    0 => t.addr.clone(),
                    1 => t.status.map(|s| s.to_string()),
                    k => t.times[k - 2].map(secs_text),
                };
                out.push_str(&entry.unwrap_or_else(|| "-".into()));
            }
            out
        }
    }
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9._/-]{0,11}"
}

fn opt_word() -> impl Strategy<Value = Option<String>> {
    prop::option::of(word())
}

/// Text as nginx writes it inside quotes: spaces allowed, `"` only as `\x22`.
fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[A-Za-z][A-Za-z0-9 /?=&.;:()%\\[\\]-]{0,24}(\\\\x22[a-z ]{0,4}){0,2}")
}

fn ipv4() -> impl Strategy<Value = String> {
    any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

fn addr() -> impl Strategy<Value = String> {
    prop_oneof![
        ipv4(),
        any::<[u16; 3]>().prop_map(|b| format!("2001:db8:{:x}::{:x}:{:x}", b[0], b[1], b[2])),
    ]
}

fn peer() -> impl Strategy<Value = String> {
    prop_oneof![
        (ipv4(), 1..65535u16).prop_map(|(a, p)| format!("{a}:{p}")),
        (any::<u16>(), 1..65535u16).prop_map(|(a, p)| format!("[2001:db8::{a:x}]:{p}")),
        word().prop_map(|w| format!("unix:/run/{w}.sock")),
        "[a-z]{3,10}",
    ]
}

fn attempt() -> impl Strategy<Value = Try> {
    let time = prop::option::of(0..120_000u32);
    (
        prop::option::of(peer()),
        prop::option::of(100..600u16),
        [time.clone(), time.clone(), time],
        any::<bool>(),
    )
        .prop_map(|(addr, status, times, redirect_before)| Try {
            addr,
            status,
            times,
            redirect_before,
        })
}

/// Seconds in years 1971..9998, and an offset of whole quarter hours.
fn when() -> impl Strategy<Value = (i64, i32)> {
    (31_536_000..253_370_000_000i64, -48..=56i32).prop_map(|(s, q)| (s, q * 15 * 60))
}

fn values() -> impl Strategy<Value = Vec<Val>> {
    let time = prop_oneof![
        when().prop_map(|(s, o)| Val::TimeLocal(s, o)),
        when().prop_map(|(s, o)| Val::TimeIso(s, o)),
        (0..4_000_000_000i64, 0..1000u32).prop_map(|(s, ms)| Val::Msec(s, ms)),
    ];
    // `$server_port` is a port number: gatelog checks it has the shape of one.
    let words = prop::sample::select(WORD_VARS.to_vec()).prop_flat_map(|v| {
        let value = if v == "server_port" {
            prop::option::of((1..65535u16).prop_map(|p| p.to_string())).boxed()
        } else {
            opt_word().boxed()
        };
        value.prop_map(move |w| Val::Word(v, w))
    });
    let pool = (
        (
            addr().prop_map(Val::RemoteAddr),
            opt_word().prop_map(Val::RemoteUser),
            time,
            opt_text().prop_map(Val::Request),
            (100..1000u16).prop_map(Val::Status),
            any::<u64>().prop_map(|n| Val::BodyBytes(n % 1_000_000_000_000)),
            any::<u64>().prop_map(|n| Val::Bytes(n % 1_000_000_000_000)),
        ),
        (
            opt_text().prop_map(Val::Referer),
            opt_text().prop_map(Val::UserAgent),
            prop::option::of(prop::collection::vec(ipv4(), 1..4)).prop_map(Val::ForwardedFor),
            opt_word().prop_map(Val::Host),
            opt_word().prop_map(Val::ServerName),
            (0..100_000u32).prop_map(Val::RequestTime),
            words,
            opt_word().prop_map(Val::Group),
            "[0-9a-f]{1,12}".prop_map(Val::Unknown),
        ),
    );
    pool.prop_map(|((a, b, c, d, e, f, g), (h, i, j, k, l, m, n, o, p))| {
        let mut v = vec![a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p];
        v.extend((0..5).map(Val::Upstream));
        v
    })
    .prop_flat_map(|v| {
        let n = v.len();
        prop::sample::subsequence(v, 1..=n).prop_shuffle()
    })
}

/// A rendered format and line.
#[derive(Debug)]
struct Case {
    vals: Vec<Val>,
    tries: Vec<Try>,
    format: String,
    line: String,
}

fn case() -> impl Strategy<Value = Case> {
    let seps = prop::collection::vec(prop::sample::select(vec![" ", " | ", "\t", " ~ ", "  "]), 32);
    (
        values(),
        prop::collection::vec(attempt(), 1..4),
        seps,
        prop::collection::vec(any::<bool>(), 32),
    )
        .prop_map(|(vals, mut tries, seps, quote)| {
            tries[0].redirect_before = false;
            let mut format = String::new();
            let mut line = String::new();
            for (i, v) in vals.iter().enumerate() {
                let q = if v.needs_quotes() || quote[i] { "\"" } else { "" };
                if i > 0 {
                    format.push_str(seps[i]);
                    line.push_str(seps[i]);
                }
                format.push_str(&format!("{q}${}{q}", v.var()));
                line.push_str(&format!("{q}{}{q}", render(v, &tries)));
            }
            Case { vals, tries, format, line }
        })
}

fn text(b: Option<&[u8]>) -> Option<String> {
    b.map(|b| String::from_utf8(b.to_vec()).unwrap())
}

fn check_round_trip(c: &Case) -> Result<(), TestCaseError> {
    let fmt = LogFormat::new(&c.format).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let line = c.line.as_bytes();
    let ev = access::parse_with(line, &fmt, &Options::default())
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
    check_inside(line, &ev);
    let f = field(&ev);
    prop_assert_eq!(f.trailing, b"");
    let mut time_seen = false;
    let has = |name: &str| c.vals.iter().any(|v| v.var() == name);
    for v in &c.vals {
        match v {
            Val::RemoteAddr(s) => prop_assert_eq!(text(ev.client), Some(s.clone())),
            Val::RemoteUser(s) => prop_assert_eq!(&text(f.remote_user), s),
            Val::TimeLocal(secs, _) | Val::TimeIso(secs, _) if !time_seen => {
                time_seen = true;
                prop_assert_eq!(ev.time, Some(Timestamp::from_unix_seconds(*secs)));
            }
            Val::Msec(secs, ms) if !time_seen => {
                time_seen = true;
                let us = secs * 1_000_000 + i64::from(*ms) * 1000;
                prop_assert_eq!(ev.time, Some(Timestamp::from_unix_micros(us)));
            }
            Val::TimeLocal(..) | Val::TimeIso(..) | Val::Msec(..) => {}
            Val::Request(s) => prop_assert_eq!(&text(ev.request), s),
            Val::Status(s) => prop_assert_eq!(ev.status, Some(*s)),
            Val::BodyBytes(n) => prop_assert_eq!(f.body_bytes_sent, Some(*n)),
            Val::Bytes(n) => prop_assert_eq!(f.bytes_sent, Some(*n)),
            Val::Referer(s) => prop_assert_eq!(&text(f.referer), s),
            Val::UserAgent(s) => prop_assert_eq!(&text(f.user_agent), s),
            Val::ForwardedFor(s) => {
                prop_assert_eq!(text(f.forwarded_for), s.as_ref().map(|v| v.join(", ")))
            }
            Val::Host(s) => {
                // `$host` of `-` falls back to `$server_name`.
                let server = c.vals.iter().find_map(|v| match v {
                    Val::ServerName(n) => n.clone(),
                    _ => None,
                });
                prop_assert_eq!(text(ev.host), s.clone().or(server));
            }
            Val::ServerName(s) => {
                prop_assert_eq!(&text(ev.server), s);
                if !has("host") {
                    prop_assert_eq!(&text(ev.host), s);
                }
            }
            Val::RequestTime(ms) => {
                prop_assert_eq!(f.request_time, Some(Duration::from_millis(u64::from(*ms))))
            }
            Val::Word(name, s) => {
                let got = match *name {
                    "request_method" => f.request_method,
                    "request_uri" => f.request_uri,
                    "uri" => f.uri,
                    "scheme" => f.scheme,
                    _ => f.server_port,
                };
                prop_assert_eq!(&text(got), s);
            }
            Val::Group(s) => prop_assert_eq!(&text(ev.upstream_group), s),
            Val::Unknown(_) => {}
            Val::Upstream(i) => {
                let got: Vec<_> = f.upstreams.attempts().collect();
                prop_assert_eq!(got.len(), c.tries.len());
                for (g, t) in got.iter().zip(&c.tries) {
                    let ms = |m: Option<u32>| m.map(|m| Duration::from_millis(u64::from(m)));
                    match i {
                        0 => prop_assert_eq!(text(g.addr), t.addr.clone()),
                        1 => prop_assert_eq!(g.status, t.status),
                        2 => prop_assert_eq!(g.response_time, ms(t.times[0])),
                        3 => prop_assert_eq!(g.connect_time, ms(t.times[1])),
                        _ => prop_assert_eq!(g.header_time, ms(t.times[2])),
                    }
                    prop_assert_eq!(g.after_redirect, t.redirect_before);
                }
                if *i == 0 {
                    let last = c.tries.last().and_then(|t| t.addr.clone());
                    prop_assert_eq!(text(ev.upstream), last);
                }
            }
        }
    }
    if !has("upstream_addr") {
        prop_assert_eq!(ev.upstream, None);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn rendered_values_read_back(c in case()) {
        check_round_trip(&c)?;
    }
}
