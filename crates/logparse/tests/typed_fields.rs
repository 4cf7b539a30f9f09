//! Every typed field of an event holds a value of its type, for every format: a status is three
//! digits or absent, a client is an address or absent, an upstream is an address or a name,
//! a time is the time the line was written with or absent, a duration is a non-negative
//! number (of seconds, or of milliseconds for HAProxy's timers) or absent. Lines are generated
//! from one template per format, with each typed slot filled by a value of its type or by
//! text of another type (a host name, a list, a word, a number too long); a line whose slot
//! holds the wrong type must give no event, or an event without that field, never the text.

use logparse::{Event, Format, Options, Parser, Value};
use proptest::prelude::*;

/// An IPv4 or IPv6 address, bracketed or not, with an optional `:port`; or `unix:...`.
fn is_address(v: &[u8]) -> bool {
    if v.starts_with(b"unix:") {
        return true;
    }
    let host = match v.strip_prefix(b"[") {
        Some(rest) => match rest.iter().position(|&b| b == b']') {
            Some(i) if rest[i + 1..].is_empty() || is_port(&rest[i + 1..]) => &rest[..i],
            _ => return false,
        },
        None => v,
    };
    let ipv4 = |h: &[u8]| {
        let parts: Vec<&[u8]> = h.split(|&b| b == b'.').collect();
        parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit))
    };
    if ipv4(host) {
        return true;
    }
    // IPv4 with a port.
    if let Some(i) = host.iter().rposition(|&b| b == b':')
        && ipv4(&host[..i])
        && is_port(&host[i..])
    {
        return true;
    }
    // IPv6 (a port after the last `:` is indistinguishable, and allowed).
    host.contains(&b':') && host.iter().all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
}

fn is_port(v: &[u8]) -> bool {
    v.len() > 1 && v[0] == b':' && v[1..].iter().all(u8::is_ascii_digit)
}

/// Whether `v` can be an upstream as an event names it: an address (see [`is_address`]) or a
/// name (an upstream group, a server, a host): one token without spaces, quotes, commas or
/// a URL scheme. (Control bytes may reach a name from a hostile line: writers escape them.)
fn is_address_or_name(v: &[u8]) -> bool {
    is_address(v)
        || !v.is_empty()
            && !v.iter().any(|&b| matches!(b, b' ' | b'"' | b','))
            && !v.windows(3).any(|w| w == b"://")
}

/// Whether a field of this name holds a duration: the `*_time` fields of nginx
/// (`request_time`, `upstream_response_time`...), ALB and Classic ELB, ALB's `duration`, and
/// the `*_ms` timers and durations of HAProxy and Envoy, Caddy's `duration_us` and Traefik's
/// `*_ns` durations.
fn is_duration_field(name: &str) -> bool {
    (name.ends_with("_time") && name != "request_creation_time")
        || name == "duration"
        || name.ends_with("_ms")
        || name.ends_with("_us")
        || name.ends_with("_ns")
}

/// Whether a duration value is a non-negative number (a list of them, `-` entries absent).
fn is_duration(v: &Value<'_>) -> bool {
    match v {
        Value::Float(f) => f.is_finite() && *f >= 0.0,
        Value::Uint(_) => true,
        Value::Int(i) => *i >= 0,
        Value::List(items) => items.iter().flatten().all(is_duration),
        _ => false,
    }
}

fn check_types(
    format: Format,
    line: &[u8],
    ev: &Event<'_>,
    time: &Slot,
) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(line);
    if let Some(s) = ev.status {
        prop_assert!(s <= 999, "{format}: status {s} of {shown}");
    }
    if let Some(c) = ev.client {
        prop_assert!(is_address(c), "{format}: client {:?} of {shown}", String::from_utf8_lossy(c));
    }
    for (what, v) in [("upstream", ev.upstream), ("upstream_group", ev.upstream_group)] {
        if let Some(u) = v {
            let u_shown = String::from_utf8_lossy(u);
            prop_assert!(is_address_or_name(u), "{format}: {what} {u_shown:?} of {shown}");
        }
    }
    // A time is the one the line was written with, or absent: never a time made up from a
    // value that is not one.
    if let Some(t) = ev.time {
        prop_assert_eq!(
            Some(t.to_string()),
            time.expect.map(str::to_owned),
            "{}: {}",
            format,
            shown
        );
    }
    let mut bad = Vec::new();
    ev.fields.visit(&mut |name, v| {
        if is_duration_field(name) && !is_duration(&v) {
            bad.push(format!("{name} = {v:?}"));
        }
    });
    prop_assert!(bad.is_empty(), "{format}: durations {bad:?} of {shown}");
    Ok(())
}

/// A value for a slot of a template, and for a time, the time it stands for (`None`: it is
/// not a valid time).
#[derive(Clone, Copy, Debug)]
struct Slot {
    text: &'static str,
    expect: Option<&'static str>,
}

const fn ok(text: &'static str, expect: &'static str) -> Slot {
    Slot { text, expect: Some(expect) }
}

const fn bad(text: &'static str) -> Slot {
    Slot { text, expect: None }
}

/// Time values of the layout of `format`: valid ones, and values that are not times.
fn times(format: Format) -> Vec<Slot> {
    match format {
        Format::NginxError => vec![
            ok("2024/01/02 03:04:05", "2024-01-02T03:04:05Z"),
            ok("2024/02/29 23:59:59", "2024-02-29T23:59:59Z"),
            bad("2023/02/29 03:04:05"),
            bad("2024/13/02 03:04:05"),
            bad("2024/01/32 03:04:05"),
            bad("2024/01/02 24:04:05"),
            bad("2024/01/02 03:60:05"),
        ],
        Format::NginxAccess => vec![
            ok("29/May/2017:19:02:48 +0000", "2017-05-29T19:02:48Z"),
            ok("29/May/2017:19:02:48 +0200", "2017-05-29T17:02:48Z"),
            bad("29/Foo/2017:19:02:48 +0000"),
            bad("31/Apr/2017:19:02:48 +0000"),
            bad("29/May/2017:25:02:48 +0000"),
            bad("29/May/2017:19:02:48 +9900"),
            bad("29/May/2017:19:02:48 x0000"),
        ],
        Format::Haproxy => vec![
            ok("06/Feb/2009:12:14:14.655", "2009-02-06T12:14:14.655000Z"),
            bad("30/Feb/2009:12:14:14.655"),
            bad("06/Xyz/2009:12:14:14.655"),
            bad("06/Feb/2009:12:74:14.655"),
        ],
        Format::Alb | Format::Elb => vec![
            ok("2018-07-02T22:23:00.186641Z", "2018-07-02T22:23:00.186641Z"),
            bad("2018-13-02T22:23:00.186641Z"),
            bad("2018-02-30T22:23:00.186641Z"),
            bad("2018-07-02T22:23:61.186641Z"),
            bad("2018-07-02T22:23"),
        ],
        Format::IngressController => vec![
            ok("0412 10:02:11.120533", "2024-04-12T10:02:11.120533Z"),
            ok("0229 23:59:59.000000", "2024-02-29T23:59:59Z"),
            bad("1312 10:02:11.120533"),
            bad("0431 10:02:11.120533"),
            bad("0412 24:02:11.120533"),
            bad("0412 10:60:11.120533"),
        ],
        Format::Traefik => vec![
            ok("15/Apr/2023:09:06:48 +0000", "2023-04-15T09:06:48Z"),
            ok("15/Apr/2023:09:06:48 +0200", "2023-04-15T07:06:48Z"),
            bad("15/Foo/2023:09:06:48 +0000"),
            bad("31/Apr/2023:09:06:48 +0000"),
            bad("15/Apr/2023:29:06:48 +0000"),
        ],
        Format::Caddy => vec![
            ok("1725981949.5", "2024-09-10T15:25:49.500000Z"),
            ok("1725981949", "2024-09-10T15:25:49Z"),
            bad("\"1725981949\""),
            bad("1e400"),
            bad("abc"),
        ],
        Format::Envoy => vec![
            ok("2024-06-18T10:19:42.614Z", "2024-06-18T10:19:42.614000Z"),
            ok("2024-02-29T23:59:59.000Z", "2024-02-29T23:59:59Z"),
            bad("2024-13-18T10:19:42.614Z"),
            bad("2023-02-29T10:19:42.614Z"),
            bad("2024-06-18T25:19:42.614Z"),
            bad("2024-06-18T10:61:42.614Z"),
        ],
        _ => vec![bad("")],
    }
}

/// Duration values of the layout of `format`: durations, `-1` (not measured), and values
/// that are not durations.
fn durations(format: Format) -> Vec<&'static str> {
    match format {
        Format::Haproxy => vec!["30", "0", "-1", "-5", "abc", "3.5", "99999999999999999999"],
        Format::Traefik => vec!["12", "0", "-1", "-5", "abc", "3.5", "99999999999999999999"],
        _ => vec!["0.086", "0.000", "-1", "-1.000", "-0.5", "abc", "1e3", "-", "12"],
    }
}

/// Upstream values of the layout of `format`: addresses, names, and text of other types.
fn upstreams(format: Format) -> Vec<&'static str> {
    match format {
        Format::NginxError => vec![
            "http://10.0.0.1:80/",
            "http://[2001:db8::1]:8080/x",
            "fastcgi://unix:/run/php/fpm.sock:",
            "http://backend_pool/api",
            "http://has space/",
            "",
        ],
        Format::NginxAccess => vec![
            "10.0.0.5:8080",
            "unix:/run/app.sock",
            "10.0.0.5:8080, 10.0.0.6:8080",
            "-",
            "some words here",
        ],
        Format::Haproxy => vec!["s1", "app-node2", "<NOSRV>"],
        Format::IngressController => vec!["shop/cart", "default/api-v2", "shop cart", ""],
        _ => vec!["10.0.0.1:80", "[2001:db8::1]:80", "-", "not-an-address", "10.0.0.1"],
    }
}

/// Client values: addresses, and text of other types.
fn client() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "192.0.2.10",
        "2001:db8::7",
        "shop.example.com",
        "hello",
        "192.0.2.1, 198.51.100.7",
        "shop.example.com 192.0.2.10",
        "192.0.2.10 shop.example.com",
        "12345",
        "-",
    ])
}

/// Status values: statuses, and text of other types.
fn status() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["200", "502", "009", "abc", "5000", "20x", "-1", "-", "2.5"])
}

/// The values of a line's slots.
struct Values<'v> {
    client: &'v str,
    status: &'v str,
    time: &'v str,
    duration: &'v str,
    upstream: &'v str,
}

fn line_of(format: Format, v: &Values<'_>) -> String {
    let Values { client, status, time, duration: d, upstream: up } = v;
    match format {
        Format::NginxAccess => format!(
            "{client} - - [{time}] \"GET /x HTTP/1.1\" {status} 612 \"-\" \"curl/7.58.0\" \"-\" rt={d} ua=\"{up}\" us=\"{status}\" ut=\"{d}\" uct=\"{d}\" uht=\"{d}\""
        ),
        Format::NginxError => format!(
            "{time} [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: {client}, server: x, request: \"GET / HTTP/1.1\", upstream: \"{up}\", host: \"h\""
        ),
        Format::Haproxy => format!(
            "{client}:33317 [{time}] fe be/{up} 10/0/{d}/69/109 {status} 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\""
        ),
        Format::Alb => format!(
            "https {time} app/my-lb/50dc6c495c0c9188 {client}:2817 {up} {d} {d} {d} {status} 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/t/73e2d6bc24d8a067 \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"www.example.com\" \"-\" 1 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\" {up} 200 \"-\" \"-\""
        ),
        Format::Elb => format!(
            "{time} my-lb {client}:2817 {up} {d} {d} {d} {status} 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.38.0\" DHE-RSA-AES128-SHA TLSv1.2"
        ),
        Format::IngressController => format!(
            "W{time}       7 controller.go:1112] Service \"{up}\" does not have any active Endpoint."
        ),
        Format::Traefik => format!(
            "{client} - - [{time}] \"GET /x HTTP/1.1\" {status} 612 \"-\" \"curl/8.5.0\" 7 \"shop@docker\" \"http://{up}\" {d}ms"
        ),
        Format::Caddy => format!(
            "{{\"level\":\"debug\",\"ts\":{time},\"logger\":\"http.handlers.reverse_proxy\",\"msg\":\"upstream roundtrip\",\"upstream\":\"{up}\",\"duration\":{d},\"request\":{{\"remote_ip\":\"{client}\",\"remote_port\":\"54300\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"h\",\"uri\":\"/x\"}},\"status\":{status}}}"
        ),
        Format::Envoy => format!(
            "[{time}] \"GET /x HTTP/1.1\" {status} UF - - \"-\" 0 91 2 - \"{client}\" \"curl/8.5.0\" \"id\" \"h\" \"10.0.0.7:8080\" outbound|8080||cart.shop.svc.cluster.local - 10.0.45.1:8080 - - default"
        ),
        _ => String::new(),
    }
}

/// The options lines are read with: year-less klog times are in 2024.
fn options() -> Options {
    let mut opts = Options::default();
    opts.year = Some(2024);
    opts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn typed_fields_hold_values_of_their_type(
        f in prop::sample::select(Format::ALL.to_vec()),
        client in client(),
        status in status(),
        picks in any::<(prop::sample::Index, prop::sample::Index, prop::sample::Index)>(),
    ) {
        let (times, durations, upstreams) = (times(f), durations(f), upstreams(f));
        let time = times[picks.0.index(times.len())];
        let duration = durations[picks.1.index(durations.len())];
        let upstream = upstreams[picks.2.index(upstreams.len())];
        let v = Values { client, status, time: time.text, duration, upstream };
        let line = line_of(f, &v);
        for mut p in [Parser::new(Some(f), options()), Parser::new(None, options())] {
            if let Ok(ev) = p.parse(line.as_bytes()) {
                check_types(ev.format, line.as_bytes(), &ev, &time)?;
            }
        }
    }
}

#[test]
fn an_alb_request_created_after_its_response_has_no_duration() {
    // `duration` is `time - request_creation_time`: a creation time after the response time
    // (a damaged or edited line) gives no duration, not a negative one.
    let v = Values {
        client: "192.0.2.10",
        status: "502",
        time: "2018-07-02T22:23:00.186641Z",
        duration: "0.001",
        upstream: "10.0.0.1:80",
    };
    let line = line_of(Format::Alb, &v)
        .replace("2018-07-02T22:22:48.364000Z", "2018-07-02T23:00:00.000000Z");
    let ev = Parser::new(Some(Format::Alb), Options::default()).parse(line.as_bytes()).unwrap();
    let mut duration = None;
    ev.fields.visit(&mut |name, v| {
        if name == "duration" {
            duration = Some(v);
        }
    });
    assert_eq!(duration, None);
}

#[test]
fn well_typed_lines_of_every_format_give_events() {
    // The templates are real layouts: with a value of the right type in every slot, each gives
    // an event with the client and status it was written with.
    for f in Format::ALL {
        let v = Values {
            client: "192.0.2.10",
            status: "502",
            time: times(f)[0].text,
            duration: durations(f)[0],
            upstream: upstreams(f)[0],
        };
        let line = line_of(f, &v);
        if line.is_empty() {
            continue;
        }
        let ev = Parser::new(Some(f), options()).parse(line.as_bytes()).unwrap();
        if f != Format::IngressController {
            assert!(ev.client.is_some_and(|c| c.starts_with(b"192.0.2.10")), "{f}: {line}");
        }
        assert_eq!(ev.time.map(|t| t.to_string()).as_deref(), times(f)[0].expect, "{f}: {line}");
        assert!(ev.upstream.is_some(), "{f}: {line}");
        if f != Format::NginxError && f != Format::IngressController {
            assert_eq!(ev.status, Some(502), "{f}");
        }
    }
}
