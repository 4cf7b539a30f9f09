use super::*;
use crate::event::Event;

/// Asserts that every borrowed field of `ev` is a sub-slice of `line` (pointer ranges).
pub(super) fn assert_inside(ev: &Event<'_>, line: &[u8]) {
    assert_eq!(ev.check_borrows(line), Ok(()), "{}", crate::text(line));
}

/// `line` with `edits` applied, each `(where, byte, what)`: replace the byte there, insert one
/// of the bytes that shape these lines (`"`, space, `-`) or `byte`, or remove the byte there.
pub(super) fn mutate(line: &[u8], edits: &[(proptest::sample::Index, u8, u8)]) -> Vec<u8> {
    let mut line = line.to_vec();
    for &(ref at, byte, op) in edits {
        let i = at.index(line.len() + 1);
        match op {
            0 if i < line.len() => line[i] = byte,
            1 => line.insert(i, [b'"', b' ', b'-', byte][usize::from(byte % 4)]),
            _ if i < line.len() => {
                line.remove(i);
            }
            _ => {}
        }
    }
    line
}

fn values(line: &[u8]) -> Vec<&[u8]> {
    Tokens::new(line).map(|t| t.value).collect()
}

#[test]
fn tokens_split_on_spaces_and_keep_quoted_spaces() {
    assert_eq!(values(b"a \"b c\" d"), [&b"a"[..], b"b c", b"d"]);
    // A run of spaces is one separator; leading and trailing spaces make no fields.
    assert_eq!(values(b"  a   b  "), [&b"a"[..], b"b"]);
    // A trailing space inside quotes is kept (Classic ELB TCP listeners: "- - - ").
    assert_eq!(values(b"\"- - - \" \"-\""), [&b"- - - "[..], b"-"]);
}

#[test]
fn tokens_keep_escapes_raw_and_ignore_inner_quotes() {
    // `\x22` is kept as written; a quote not followed by a space does not close the field.
    assert_eq!(
        values(br#""GET /?q=\x22a\x22 HTTP/1.1" x"#),
        [&br"GET /?q=\x22a\x22 HTTP/1.1"[..], b"x"]
    );
    assert_eq!(values(br#""a"b c" d"#), [&br#"a"b c"#[..], b"d"]);
}

#[test]
fn unclosed_quote_runs_to_the_end_and_is_flagged() {
    let row = Row::<4>::read(b"a \"b c");
    assert_eq!(row.len, 2);
    assert_eq!(row.raw(1), Some(&b"b c"[..]));
    assert!(row.truncated);
    assert_eq!(row.trailing, b"");
    let row = Row::<2>::read(b"a b c  d ");
    assert_eq!(row.trailing, b"c  d");
    assert!(!row.truncated);
    assert_eq!(row.get(5), None);
    assert_eq!(row.offset(1, b"a b c  d "), 2);
}

#[test]
fn timings() {
    assert_eq!(Timing::parse(b"-1"), Some(Timing::Failed));
    assert_eq!(Timing::parse(b"-1.000"), Some(Timing::Failed));
    assert_eq!(Timing::parse(b"0.086"), Some(Timing::Micros(86_000)));
    assert_eq!(Timing::parse(b"0.000086"), Some(Timing::Micros(86)));
    assert_eq!(Timing::parse(b"8.932"), Some(Timing::Micros(8_932_000)));
    assert_eq!(Timing::parse(b"12"), Some(Timing::Micros(12_000_000)));
    assert_eq!(Timing::parse(b"0.1234567"), Some(Timing::Micros(123_456)));
    for bad in [&b""[..], b"-", b"-2", b"-1.5", b"1.", b".5", b"1.2.3", b"abc", b"-0.1"] {
        assert_eq!(Timing::parse(bad), None, "{}", crate::text(bad));
    }
}

#[test]
fn iso_times() {
    let t = parse_time(b"2018-07-02T22:23:00.186641Z").unwrap();
    assert_eq!(t.to_string(), "2018-07-02T22:23:00.186641Z");
    assert_eq!(parse_time(b"2018-07-02T22:22:48.364000Z").unwrap().subsec_micros(), 364_000);
    assert_eq!(parse_time(b"2018-12-20T02:59:40").unwrap().to_string(), "2018-12-20T02:59:40Z");
    assert_eq!(parse_time(b"2018-07-02T22:23:00.1Z").unwrap().subsec_micros(), 100_000);
    for bad in [
        &b"2018-07-02 22:23:00Z"[..],
        b"2018-02-30T00:00:00Z",
        b"2018-07-02T22:23:00.Z",
        b"2018-07-02T22:23:00+01:00",
        b"2018-07-02",
    ] {
        assert_eq!(parse_time(bad), None, "{}", crate::text(bad));
    }
}

#[test]
fn host_and_port_split_on_the_last_colon() {
    assert_eq!(split_host_port(b"192.168.131.39:2817"), (&b"192.168.131.39"[..], Some(2817)));
    assert_eq!(split_host_port(b"2001:db8::1:443"), (&b"2001:db8::1"[..], Some(443)));
    assert_eq!(split_host_port(b"[2001:db8::1]:443"), (&b"2001:db8::1"[..], Some(443)));
    // A mangled port still ends the address.
    assert_eq!(split_host_port(b"99.203.0.7:7900007"), (&b"99.203.0.7"[..], None));
    assert_eq!(split_host_port(b"host"), (&b"host"[..], None));
}

#[test]
fn host_of_the_request_uri() {
    assert_eq!(
        request_host(b"GET https://www.example.com:443/ HTTP/1.1"),
        Some(&b"www.example.com"[..])
    );
    assert_eq!(request_host(b"GET http://u:p@h.example:80/x?y HTTP/1.1"), Some(&b"h.example"[..]));
    assert_eq!(request_host(b"GET http://[2001:db8::1]:80/ HTTP/1.1"), Some(&b"[2001:db8::1]"[..]));
    assert_eq!(request_host(b"GET http://127.0.0.1:80/a b HTTP/1.1"), Some(&b"127.0.0.1"[..]));
    assert_eq!(request_host(b"GET /x HTTP/1.1"), None);
    assert_eq!(request_host(b"- http://:80- -"), None);
}

#[test]
fn nginx_error_lines_are_not_taken_for_aws_lines() {
    use crate::detect::detect_line;
    for line in [
        &b"2024/11/03 06:09:29 [error] 184#184: *94 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: a"[..],
        b"2024-11-03T06:09:29.123456789Z stdout F 2024/11/03 06:09:29 [error] 1#1: *2 no live upstreams while connecting to upstream",
        b"[error] 139#139: *1067452 upstream sent invalid header while reading response header from upstream",
    ] {
        assert_eq!(detect_line(line), Some(Format::NginxError), "{}", crate::text(line));
    }
    // An nginx access line is not an AWS line.
    assert_eq!(
        detect_line(b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 157"),
        Some(Format::NginxAccess)
    );
    for line in [
        &b"2024-11-03T06:09:29Z some text that is not a load balancer line"[..],
        b"http 2024 is not a time",
        b"2024-11-03T06:09:29.000Z 10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 1",
    ] {
        assert_eq!(detect_line(line), None, "{}", crate::text(line));
    }
}
