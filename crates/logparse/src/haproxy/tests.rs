use super::*;
use crate::time::Tz;
use crate::value::Value;
use proptest::prelude::*;

fn hf<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::Haproxy(f) => f,
        other => panic!("not haproxy fields: {other:?}"),
    }
}

#[test]
fn rewrite_failure_is_ph_with_500_and_a_proxy_error() {
    // The same state with 502 is an invalid header from the server (testdata/haproxy/cases.toml).
    assert_eq!(classify_state(b"PH--", Some(500), false).0, Class::ProxyError);
}

#[test]
fn lines_that_are_not_haproxy_are_errors() {
    for line in [&b"hello world"[..], b"GET / HTTP/1.1 200", b"{\"level\":\"info\"}", b"\x00\x01"] {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    assert_eq!(parse(b"  ").unwrap_err().kind, ParseErrorKind::Empty);
    let cut = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/";
    assert_eq!(parse(cut).unwrap_err().kind, ParseErrorKind::MissingField("timers"));
    let cut = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/0/-1/1 502 212 - - PH";
    assert_eq!(parse(cut).unwrap_err().kind, ParseErrorKind::MissingField("termination_state"));
}

#[test]
fn unknown_message_under_a_syslog_header_is_info() {
    let ev = parse(b"Mar  1 10:00:00 lb haproxy[1]: something new").unwrap();
    assert_eq!((ev.class, hf(&ev).kind), (Class::Info, LogKind::Admin));
}

#[test]
fn stateless_year_comes_from_accept_date_or_options() {
    let admin = b"Feb 19 04:03:03 lb haproxy[1]: Proxy web started.";
    assert_eq!(parse(admin).unwrap().time, None);
    let opts = Options { year: Some(2021), ..Options::default() };
    assert_eq!(parse_with(admin, &opts).unwrap().time.unwrap().to_string(), "2021-02-19T04:03:03Z");
}

#[test]
fn parser_learns_the_year_and_rolls_over_in_january() {
    let now = Timestamp::from_civil_utc(2030, 6, 1, 0, 0, 0, 0).unwrap();
    let mut p = Parser::with_now(Options::default(), now);
    let lines: [&[u8]; 4] = [
        b"Dec 31 23:59:58 lb haproxy[1]: 1.2.3.4:5 [31/Dec/2019:23:59:58.000] fe be/s 0/0/0/1/1 200 1 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
        b"Dec 31 23:59:59 lb haproxy[1]: Server be/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
        b"Jan  1 00:00:01 lb haproxy[1]: Server be/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
        b"Jan  1 00:00:02 lb haproxy[1]: Proxy fe stopped (cumulated conns: FE: 1, BE: 1).",
    ];
    let times: Vec<String> =
        lines.iter().map(|l| p.parse(l).unwrap().time.unwrap().to_string()).collect();
    assert_eq!(
        times,
        [
            "2019-12-31T23:59:58Z",
            "2019-12-31T23:59:59Z",
            "2020-01-01T00:00:01Z",
            "2020-01-01T00:00:02Z"
        ]
    );
    // After a reset nothing is known: the clock's year, or the year before for a date more
    // than a month ahead of it.
    p.reset();
    assert_eq!(p.parse(lines[3]).unwrap().time.unwrap().to_string(), "2030-01-01T00:00:02Z");
    p.reset();
    assert_eq!(p.parse(lines[1]).unwrap().time.unwrap().to_string(), "2029-12-31T23:59:59Z");
}

#[test]
fn options_year_is_the_starting_year() {
    let opts = Options { year: Some(2015), ..Options::default() };
    let mut p = Parser::with_now(opts, Timestamp::from_unix_seconds(0));
    let a = p.parse(b"Dec 31 23:59:59 lb haproxy[1]: Proxy a started.").unwrap();
    let b = p.parse(b"Jan  1 00:00:00 lb haproxy[1]: Proxy b started.").unwrap();
    assert_eq!(a.time.unwrap().to_string(), "2015-12-31T23:59:59Z");
    assert_eq!(b.time.unwrap().to_string(), "2016-01-01T00:00:00Z");
}

#[test]
fn local_times_use_tz_and_offsets_win() {
    let opts = Options::with_tz(Tz::Fixed(3600));
    let line = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"";
    assert_eq!(
        parse_with(line, &opts).unwrap().time.unwrap().to_string(),
        "2009-02-06T11:14:14.655000Z"
    );
    let iso = b"2024-11-18T12:48:56.327006+01:00 hermes haproxy[2] Proxy a started.";
    let ev = parse_with(iso, &Options::with_tz(Tz::Fixed(-5 * 3600))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-11-18T11:48:56.327006Z");
    // The old stderr label's day of the year, when nothing else gives the time.
    let old = b"[ALERT] 176/130324 (30) : Starting frontend public_ssl: cannot bind socket";
    let mut p = Parser::with_now(
        Options { year: Some(2019), ..Options::default() },
        Timestamp::from_unix_seconds(0),
    );
    assert_eq!(p.parse(old).unwrap().time.unwrap().to_string(), "2019-06-26T13:03:24Z");
}

#[test]
fn visit_lists_fields_with_stable_names() {
    let ev = parse(b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"").unwrap();
    let mut seen = Vec::new();
    ev.fields.visit(&mut |k, v| seen.push((k, v)));
    assert_eq!(seen[0], ("kind", Value::Label("http")));
    // `-1` timers (the stage was not reached) have no duration.
    assert!(seen.contains(&("queue_ms", Value::Int(0))));
    assert!(!seen.iter().any(|(k, _)| *k == "connect_ms" || *k == "response_ms"));
    assert!(seen.contains(&("termination_state", Value::Text(b"SC--"))));
    assert!(seen.contains(&("retries", Value::Uint(3))));
    assert!(!seen.iter().any(|(k, _)| *k == "truncated"));
}

#[test]
fn detection_accepts_haproxy_and_rejects_others() {
    let yes: [&[u8]; 6] = [
        b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
        b"[WARNING]  (8) : Server web/app1 is DOWN. 0 active and 0 backup servers left.",
        b"Feb 19 04:03:03 lb haproxy[1]: anything at all",
        b"backend web has no server available!",
        b"10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0",
        b"127.0.0.1:56059 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake",
    ];
    for l in yes {
        assert!(looks_like(l), "{}", crate::text(l));
    }
    let no: [&[u8]; 6] = [
        b"2024/11/03 06:09:29 [error] 184#184: *94 no live upstreams while connecting to upstream",
        b"2024/11/03 06:09:29 [warn] 184#184: *94 upstream server temporarily disabled",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 2326 \"-\" \"curl\"",
        b"Feb 19 04:03:03 lb sshd[1]: Accepted publickey for root",
        b"http 2018-07-02T22:23:00.186641Z app/my-lb/50dc 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://x:80/ HTTP/1.1\"",
        b"hello world",
    ];
    for l in no {
        assert!(!looks_like(l), "{}", crate::text(l));
    }
}

/// Every borrowed field of an event lies inside `line`.
fn borrowed_inside(line: &[u8], ev: &Event<'_>) {
    assert_eq!(ev.check_borrows(line), Ok(()), "{}", crate::text(line));
}

const SEEDS: [&str; 8] = [
    "Feb 19 04:03:05 debian11 haproxy[4418]: 10.2.0.1:56932 [19/Feb/2023:04:03:02.911] web_proxy web_servers/debian11-3 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 {a b|c} {d} \"GET / HTTP/1.1\" x/y/z/0/1 sni/TLSv1.3/C",
    "<134>1 2024-06-12T10:09:11.823400+02:00 lb1 haproxy 44 - [sd@1 a=\"]\"] 10.0.1.2:33317 [12/Jun/2024:10:09:11.820] http-in static/srv1 1/0/0/2/3 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    "[WARNING] 049/161822 (30088) : Server plex-http/plex is DOWN, reason: Layer7 wrong status, code: 503, info: \"x\", check duration: 2ms. 0 active and 0 backup servers left.",
    "x.x.x.x - - [10/Mar/2022:14:00:56 +0000] \"GET /5.js HTTP/1.1\" 503 217 \"\" \"\" 59794 528 \"fe~\" \"be\" \"srv\" 0 0 -1 -1 3 CC-- 4 1 0 0 0 0 0 \"\" \"\"",
    "10.42.0.1:12558 [03/Nov/2016:22:22:19.363] 900 900/<NOSRV> -1/-1/4 213 SC 0/0/0/0/0 0/0",
    "2020-03-16T14:09:50.276+03:00 local2.info 2020-03-16T14:09:50+03:00 mslb01h haproxy 3307 - - Connect from a:1 to b:2 (fe/TCP)",
    "haproxy_1  | <134>May 27 15:57:53 haproxy[7]: {\"termination_state\":\"sC\",\"status_code\":503}",
    "Health check for server be/srv failed, reason: Health analyze, info: \"Detected 1 consecutive errors, last one was: Read timeout (http)\", status: 0/2 DOWN.",
];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(ev) = parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let mut p = Parser::with_now(Options::default(), Timestamp::from_unix_seconds(0));
        if let Ok(ev) = p.parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let _ = looks_like(&line);
    }

    #[test]
    fn mutated_real_lines_never_panic(
        seed in 0..SEEDS.len(),
        cut in 0usize..400,
        edits in proptest::collection::vec((0usize..400, any::<u8>()), 0..8),
        tokens in proptest::collection::vec((0usize..400, prop::sample::select(vec![" ", "[", "]", "\"", "{", "}", "/", ":", "-1", "+", "<", ">", "SC--", " | ", "\\"])), 0..4),
    ) {
        let mut line = SEEDS[seed].as_bytes().to_vec();
        for (at, b) in edits {
            let n = line.len();
            if n > 0 {
                line[at % n] = b;
            }
        }
        for (at, t) in tokens {
            let at = at % (line.len() + 1);
            line.splice(at..at, t.bytes());
        }
        line.truncate(cut.max(1).min(line.len()));
        if let Ok(ev) = parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let mut p = Parser::with_now(Options::default(), Timestamp::from_unix_seconds(0));
        if let Ok(ev) = p.parse(&line) {
            borrowed_inside(&line, &ev);
        }
    }
}

#[test]
fn known_message_after_a_bare_timestamp_is_not_taken_for_host_and_tag() {
    let ev = parse(b"2023-04-04 15:54:43 backend web has no server available!").unwrap();
    assert_eq!((ev.class, ev.upstream_group), (Class::NoLiveUpstreams, Some(&b"web"[..])));
    assert_eq!(hf(&ev).syslog_host, None);
    let ev =
        parse(b"2024-11-18T12:48:56+01:00 ingress haproxy-ingress Proxy web started.").unwrap();
    assert_eq!(hf(&ev).syslog_tag, Some(&b"haproxy-ingress"[..]));
    assert_eq!(hf(&ev).proxy, Some(&b"web"[..]));
}

#[test]
fn other_programs_syslog_lines_are_not_haproxy_events() {
    for line in [
        &b"Mar 14 09:50:00 web01 sshd[123]: Accepted publickey for root from 10.0.0.1 port 22"[..],
        b"Mar 14 09:50:00 web01 systemd[1]: Started nginx.service.",
        b"<30>Mar 14 09:50:00 web01 kernel: eth0: link up",
    ] {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    // The same unknown text under HAProxy's own tag is an info event of this format.
    let ev = parse(b"Mar 14 09:50:00 lb1 haproxy[42]: some message of a newer version").unwrap();
    assert_eq!(ev.class, Class::Info);
}
