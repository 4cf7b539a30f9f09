//! Every typed field of an event holds a value of its type, for every format: a status is three
//! digits or absent, a client is an address or absent, a time is a time. Lines are generated
//! from one template per format, with each typed slot filled by a value of its type or by
//! text of another type (a host name, a list, a word, a number too long); a line whose slot
//! holds the wrong type must give no event, or an event without that field, never the text.

use logparse::{Event, Format, Options, Parser};
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

fn check_types(format: Format, line: &[u8], ev: &Event<'_>) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(line);
    if let Some(s) = ev.status {
        prop_assert!(s <= 999, "{format}: status {s} of {shown}");
    }
    if let Some(c) = ev.client {
        prop_assert!(is_address(c), "{format}: client {:?} of {shown}", String::from_utf8_lossy(c));
    }
    Ok(())
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

fn line_of(format: Format, client: &str, status: &str) -> String {
    match format {
        Format::NginxAccess => format!(
            "{client} - - [29/May/2017:19:02:48 +0000] \"GET /x HTTP/1.1\" {status} 612 \"-\" \"curl/7.58.0\""
        ),
        Format::NginxError => format!(
            "2024/01/02 03:04:05 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: {client}, server: x, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.1:80/\", host: \"h\""
        ),
        Format::Haproxy => format!(
            "{client}:33317 [06/Feb/2009:12:14:14.655] fe be/s1 10/0/30/69/109 {status} 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\""
        ),
        Format::Alb => format!(
            "https 2018-07-02T22:23:00.186641Z app/my-lb/50dc6c495c0c9188 {client}:2817 10.0.0.1:80 0.086 0.048 0.037 {status} 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/t/73e2d6bc24d8a067 \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"www.example.com\" \"-\" 1 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\" 10.0.0.1:80 200 \"-\" \"-\""
        ),
        Format::Elb => format!(
            "2015-05-13T23:39:43.945958Z my-lb {client}:2817 10.0.0.1:80 0.000086 0.001048 0.001337 {status} 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.38.0\" DHE-RSA-AES128-SHA TLSv1.2"
        ),
        Format::Envoy => format!(
            "[2024-06-18T10:19:42.614Z] \"GET /x HTTP/1.1\" {status} UF - - \"-\" 0 91 2 - \"{client}\" \"curl/8.5.0\" \"id\" \"h\" \"10.0.0.7:8080\" outbound|8080||cart.shop.svc.cluster.local - 10.0.45.1:8080 - - default"
        ),
        _ => String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn typed_fields_hold_values_of_their_type(
        f in prop::sample::select(Format::ALL.to_vec()),
        c in client(),
        s in status(),
    ) {
        let line = line_of(f, c, s);
        for mut p in [Parser::new(Some(f), Options::default()), Parser::new(None, Options::default())] {
            if let Ok(ev) = p.parse(line.as_bytes()) {
                check_types(ev.format, line.as_bytes(), &ev)?;
            }
        }
    }
}

#[test]
fn well_typed_lines_of_every_format_give_events() {
    // The templates are real layouts: with a value of the right type in every slot, each gives
    // an event with the client and status it was written with.
    for f in Format::ALL {
        let line = line_of(f, "192.0.2.10", "502");
        if line.is_empty() {
            continue;
        }
        let ev = Parser::new(Some(f), Options::default()).parse(line.as_bytes()).unwrap();
        assert!(ev.client.is_some_and(|c| c.starts_with(b"192.0.2.10")), "{f}: {line}");
        if f != Format::NginxError {
            assert_eq!(ev.status, Some(502), "{f}");
        }
    }
}
