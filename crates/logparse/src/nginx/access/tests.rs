use super::*;
use crate::value::Value;

const UPSTREAM_FMT: &str = "$remote_addr [$time_local] \"$request\" $status $upstream_addr \
                            $upstream_status $upstream_header_time";

#[test]
fn errors_name_the_variable() {
    let kind = |line: &[u8]| parse(line).unwrap_err().kind;
    assert_eq!(
        kind(b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" abc 0 \"-\" \"-\""),
        ParseErrorKind::InvalidField("$status")
    );
    assert_eq!(
        kind(b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200"),
        ParseErrorKind::MissingField("$status")
    );
    assert_eq!(
        kind(b"10.0.0.1 - - [33/Nov/2024:06:09:29 +0000] \"GET /\" 200 0 \"-\" \"-\""),
        ParseErrorKind::InvalidField("$time_local")
    );
    assert_eq!(kind(b"10.0.0.1 - - [03/Nov"), ParseErrorKind::MissingField("$time_local"));
    assert_eq!(kind(b"  "), ParseErrorKind::Empty);
    let e = parse(b"10.0.0.1 x").unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::MissingField("$remote_addr"), 0));
    let fmt = LogFormat::new(UPSTREAM_FMT).unwrap();
    let line = b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET /\" 502 a:1 5x2 -";
    let e = parse_with(line, &fmt, &Options::default()).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("$upstream_status"));
    // The offset is where the field starts.
    assert_eq!(Some(e.offset), memchr::memmem::find(line, b"5x2"));
}

#[test]
fn prefix_mismatch_is_not_recognized() {
    let fmt = LogFormat::new("[$time_local] $status").unwrap();
    let e = parse_with(b"03/Nov/2024:06:09:29 +0000] 200", &fmt, &Options::default()).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::NotRecognized);
}

#[test]
fn attempts_with_uneven_fields_and_dashes() {
    let u =
        Upstreams { addr: Some(b"-, 10.0.0.2:80"), status: Some(b"502"), ..Upstreams::default() };
    let a: Vec<Attempt<'_>> = u.attempts().collect();
    assert_eq!(a.len(), 2);
    assert_eq!((a[0].addr, a[0].status), (None, Some(502)));
    assert_eq!((a[1].addr, a[1].status), (Some(&b"10.0.0.2:80"[..]), None));
    assert_eq!(Upstreams::default().attempts().count(), 0);
    assert_eq!(Upstreams::default().last(), None);
}

#[test]
fn ipv6_and_unix_upstreams_are_not_split() {
    let u = Upstreams {
        addr: Some(b"[2001:db8::10]:8080 : unix:/run/php.sock, [::1]:80"),
        ..Upstreams::default()
    };
    let v: Vec<&[u8]> = u.attempts().filter_map(|a| a.addr).collect();
    assert_eq!(v, [&b"[2001:db8::10]:8080"[..], b"unix:/run/php.sock", b"[::1]:80"]);
}

#[test]
fn dispatcher_parser_uses_the_access_format() {
    let fmt = LogFormat::new("$status $upstream_addr").unwrap();
    let mut p = crate::Parser::new(Some(Format::NginxAccess), Options::default())
        .with_access_format(fmt.clone());
    let ev = p.parse(b"502 10.0.0.1:80").unwrap();
    assert_eq!((ev.status, ev.upstream), (Some(502), Some(&b"10.0.0.1:80"[..])));
    let access = Parser::with_format(fmt.clone(), Options::default());
    assert_eq!(access.format(), Some(&fmt));
    // The default dispatcher reads combined.
    let mut p = crate::Parser::new(None, Options::default());
    let ev = p
        .parse(b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 499 0 \"-\" \"-\"")
        .unwrap();
    assert_eq!((ev.format, ev.class), (Format::NginxAccess, Class::ClientAbort));
}

#[test]
fn detection_tells_access_from_error_lines() {
    use crate::detect::detect_line;
    let yes: [&[u8]; 4] = [
        b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"",
        b"2001:db8::1 - bob [03/Nov/2024:06:09:29 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"",
        b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"\\x16\\x03\" 400 0 \"-\" \"-\"",
        b"192.168.49.1 - - [03/Nov/2024:06:09:30 +0000] \"GET / HTTP/1.1\" 502 150 \"-\" \"c\" 87 0.006 [a] [] - - - - id",
    ];
    for l in yes {
        assert_eq!(detect_line(l), Some(Format::NginxAccess), "{}", crate::text(l));
    }
    let no: [&[u8]; 5] = [
        b"2024/11/03 06:09:29 [error] 184#184: *94 no live upstreams while connecting to upstream, client: 10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"",
        b"10.0.0.1 - - [03/Nov/2024:06:09:29] \"GET /\"",
        b"10.0.0.1 - - [99/Nov/2024:06:09:29 +0000] \"GET /\"",
        b"hello world - - [03/Nov/2024:06:09:29 +0000] \"",
        b"",
    ];
    assert_eq!(detect_line(no[0]), Some(Format::NginxError));
    for l in &no[1..] {
        assert_eq!(detect_line(l), None, "{}", crate::text(l));
    }
}

#[test]
fn visit_lists_present_fields_with_attempt_lists() {
    let ev = parse(b"10.1.0.5 - - [27/Oct/2023:11:37:31 +0000] \"GET /i HTTP/1.1\" 200 612 \"-\" \"curl\" \"-\" rt=0.015 ua=\"10.0.0.5:8080, 10.0.0.6:8080\" us=\"502, 200\" ut=\"0.000, 0.014\" uct=\"-, 0.001\" uht=\"-, 0.013\"").unwrap();
    let mut seen = Vec::new();
    ev.fields.visit(&mut |k, v| seen.push((k, v)));
    let names: Vec<&str> = seen.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        names,
        [
            "body_bytes_sent",
            "request_time",
            "user_agent",
            "upstream_addr",
            "upstream_status",
            "upstream_response_time",
            "upstream_connect_time",
            "upstream_header_time"
        ]
    );
    let status = &seen.iter().find(|(k, _)| *k == "upstream_status").unwrap().1;
    assert_eq!(status, &Value::List(vec![Some(Value::Uint(502)), Some(Value::Uint(200))]));
    let ct = &seen.iter().find(|(k, _)| *k == "upstream_connect_time").unwrap().1;
    assert_eq!(ct, &Value::List(vec![None, Some(Value::Float(0.001))]));
}

#[test]
fn time_helpers_reject_out_of_range_values() {
    assert!(parse_time_local(b"10/Oct/2000:13:55:36 -0700").is_some());
    assert!(parse_time_local(b"10/Oct/2000:13:55:36 -2400").is_none());
    assert!(parse_time_local(b"10/Foo/2000:13:55:36 -0700").is_none());
    assert!(parse_time_local(b"10/Oct/2000:13:55:36 *0700").is_none());
    assert_eq!(parse_iso8601(b"2000-10-10T13:55:36Z").unwrap().to_string(), "2000-10-10T13:55:36Z");
    assert!(parse_iso8601(b"2000-10-10T13:55:36+07").is_none());
    assert_eq!(parse_decimal_micros(b"1.5"), Some(1_500_000));
    assert_eq!(parse_decimal_micros(b"1."), None);
    assert_eq!(parse_decimal_micros(b"1.1234567"), None);
    assert_eq!(parse_decimal_micros(b"-1"), None);
}

// Issue 11, item 4: a format that does not describe the lines must not read them as events
// with wrong fields.
#[test]
fn a_format_ending_in_upstream_addr_does_not_read_combined_lines() {
    let fmt = LogFormat::new(
        "log_format short '$remote_addr - $remote_user [$time_local] \"$request\" $status \
         $body_bytes_sent \"$http_referer\" $upstream_addr';",
    )
    .unwrap();
    let combined = include_str!("../../../../../testdata/nginx-access/combined.log");
    for line in combined.lines() {
        let e = parse_with(line.as_bytes(), &fmt, &Options::default()).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::InvalidField("$upstream_addr"), "{line}");
        // The offset is where the user agent starts.
        assert_eq!(Some(e.offset), line.rfind(" \"").map(|i| i + 1), "{line}");
    }
}

#[test]
fn values_are_checked_against_their_shapes() {
    let opts = Options::default();
    let kind = |fmt: &str, line: &[u8]| {
        parse_with(line, &LogFormat::new(fmt).unwrap(), &opts)
            .map(|ev| ev.status)
            .map_err(|e| e.kind)
    };
    let f = "$remote_addr $status $request_length [$upstream_addr] $upstream_response_length";
    assert_eq!(
        kind(f, b"10.0.0.1 200 87 [10.0.0.5:80, 10.0.0.6:80 : unix:/x.sock] 5, 0 : 12"),
        Ok(Some(200))
    );
    assert_eq!(kind(f, b"2001:db8::1 502 87 [api_pool] -"), Ok(Some(502)));
    assert_eq!(kind(f, b"- 200 - [-] -"), Ok(Some(200)));
    assert_eq!(
        kind(f, b"GET/ 200 87 [10.0.0.5:80] 5"),
        Err(ParseErrorKind::InvalidField("$remote_addr"))
    );
    assert_eq!(
        kind(f, b"10.0.0.1 200 8x7 [10.0.0.5:80] 5"),
        Err(ParseErrorKind::InvalidField("$request_length"))
    );
    assert_eq!(
        kind(f, b"10.0.0.1 200 87 [Mozilla/5.0 (X11)] 5"),
        Err(ParseErrorKind::InvalidField("$upstream_addr"))
    );
    assert_eq!(
        kind(f, b"10.0.0.1 200 87 [10.0.0.5:80] 5, abc"),
        Err(ParseErrorKind::InvalidField("$upstream_response_length"))
    );
    // With escape=default nginx writes `"` and control bytes as `\xNN`: a raw one means the
    // value took in text of its neighbours.
    let g = "$remote_addr $http_x_custom \"$request\"";
    assert_eq!(kind(g, b"10.0.0.1 ab\\x22c \"GET / HTTP/1.1\""), Ok(None));
    assert_eq!(
        kind(g, b"10.0.0.1 \"ab\" \"GET / HTTP/1.1\""),
        Err(ParseErrorKind::InvalidField("$http_x_custom"))
    );
    // escape=json: quotes are escaped, `\"`.
    let j = "log_format j escape=json '{\"r\":\"$request\",\"s\":$status}';";
    assert_eq!(kind(j, br#"{"r":"GET /?q=\"x\" HTTP/1.1","s":200}"#), Ok(Some(200)));
    // escape=none: anything goes.
    let n = "log_format n escape=none '$remote_addr $http_x_custom|$status';";
    assert_eq!(kind(n, b"10.0.0.1 \"a\"\x01|200"), Ok(Some(200)));
}

#[test]
fn preset_of_names_the_default_format_that_reads_a_line_whole() {
    for name in ["combined", "main_upstream", "upstreaminfo"] {
        let path = format!("{}/../../testdata/nginx-access/{name}.log", env!("CARGO_MANIFEST_DIR"));
        for line in std::fs::read_to_string(path).unwrap().lines() {
            assert_eq!(preset_of(line.as_bytes()), Some(name), "{line}");
        }
    }
    let main =
        b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\" \"-\"";
    assert_eq!(preset_of(main), Some("main"));
    let more =
        b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\" extra";
    assert_eq!(preset_of(more), None);
}
