use super::*;

/// One test per line: `name, format, line, |event| assertions`. The format is a `log_format`
/// string, or `None` for the defaults of [`parse`].
macro_rules! access {
    ($($name:ident, $fmt:expr, $line:expr, |$ev:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let fmt: Option<&str> = $fmt;
                let $ev = match fmt {
                    None => parse(line),
                    Some(f) => parse_with(line, &LogFormat::new(f).unwrap(), &Options::default()),
                }
                .unwrap_or_else(|e| panic!("{e}: {}", crate::text(line)));
                $body
            }
        )*
    };
}

fn af<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::NginxAccess(f) => f,
        other => panic!("not nginx access fields: {other:?}"),
    }
}

const UPSTREAM_FMT: &str = "$remote_addr [$time_local] \"$request\" $status $upstream_addr \
                            $upstream_status $upstream_header_time";

access! {
    combined_sample_line_fills_every_field,
    None,
    b"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
    |ev| {
        assert_eq!(ev.format, Format::NginxAccess);
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.status, Some(200));
        assert_eq!(ev.client, Some(&b"127.0.0.1"[..]));
        assert_eq!(ev.request, Some(&b"GET /apache_pb.gif HTTP/1.0"[..]));
        assert_eq!(ev.time.unwrap().to_string(), "2000-10-10T20:55:36Z");
        assert_eq!(ev.upstream, None);
        assert_eq!(ev.message, b"");
        let f = af(&ev);
        assert_eq!(f.remote_user, Some(&b"frank"[..]));
        assert_eq!(f.body_bytes_sent, Some(2326));
        assert_eq!(f.referer, Some(&b"http://www.example.com/start.html"[..]));
        assert_eq!(f.user_agent, Some(&b"Mozilla/4.08 [en] (Win98; I ;Nav)"[..]));
        assert!(f.upstreams.is_empty());
        assert_eq!(f.trailing, b"");
    }

    combined_dashes_read_as_none,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"-\" 408 0 \"-\" \"-\"",
    |ev| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(ev.request, None);
        let f = af(&ev);
        assert_eq!((f.remote_user, f.referer, f.user_agent), (None, None, None));
        assert_eq!(f.body_bytes_sent, Some(0));
    }

    escaped_quotes_stay_inside_the_field,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET /?q=\\x22a b\\x22 HTTP/1.1\" 200 5 \"-\" \"ua \\x22x\\x22\"",
    |ev| {
        assert_eq!(ev.request, Some(&b"GET /?q=\\x22a b\\x22 HTTP/1.1"[..]));
        assert_eq!(af(&ev).user_agent, Some(&b"ua \\x22x\\x22"[..]));
    }

    tls_handshake_request_line_is_client_error,
    None,
    b"198.51.100.23 - - [03/Nov/2024:06:09:30 +0000] \"\\x16\\x03\\x01\\x02\\x00\\x01\" 400 157 \"-\" \"-\"",
    |ev| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(ev.request, Some(&b"\\x16\\x03\\x01\\x02\\x00\\x01"[..]));
    }

    ipv6_client,
    None,
    b"2001:db8::1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 2 \"-\" \"-\"",
    |ev| { assert_eq!(ev.client, Some(&b"2001:db8::1"[..])); }

    client_abort_499,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"POST /x HTTP/1.1\" 499 0 \"-\" \"-\"",
    |ev| { assert_eq!(ev.class, Class::ClientAbort); }

    status_009_is_invalid_header,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 009 42 \"-\" \"-\"",
    |ev| {
        assert_eq!(ev.class, Class::InvalidHeader);
        assert_eq!(ev.phase, Phase::Header);
        assert_eq!(ev.status, Some(9));
    }

    combined_502_without_upstream_fields_is_gateway_error,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 157 \"-\" \"-\"",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    combined_500_without_upstream_fields_is_gateway_error,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 500 157 \"-\" \"-\"",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    main_tail_gives_forwarded_for,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\" \"198.51.100.7, 10.1.0.1\"",
    |ev| {
        let f = af(&ev);
        assert_eq!(f.forwarded_for, Some(&b"198.51.100.7, 10.1.0.1"[..]));
        assert_eq!(f.trailing, b"");
    }

    main_upstream_tail_by_default,
    None,
    b"10.1.0.5 - - [27/Oct/2023:11:37:31 +0000] \"GET /i HTTP/1.1\" 200 612 \"-\" \"curl\" \"-\" rt=0.015 ua=\"10.0.0.5:8080, 10.0.0.6:8080\" us=\"502, 200\" ut=\"0.000, 0.014\" uct=\"-, 0.001\" uht=\"-, 0.013\"",
    |ev| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.upstream, Some(&b"10.0.0.6:8080"[..]));
        let f = af(&ev);
        assert_eq!(f.request_time, Some(Duration::from_millis(15)));
        let a: Vec<Attempt<'_>> = f.upstreams.attempts().collect();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].addr, Some(&b"10.0.0.5:8080"[..]));
        assert_eq!(a[0].status, Some(502));
        assert_eq!(a[0].connect_time, None);
        assert_eq!(a[0].header_time, None);
        assert_eq!(a[1].status, Some(200));
        assert_eq!(a[1].response_time, Some(Duration::from_millis(14)));
        assert_eq!(a[1].connect_time, Some(Duration::from_millis(1)));
        assert_eq!(a[1].header_time, Some(Duration::from_millis(13)));
        assert!(!a[1].after_redirect);
    }

    upstreaminfo_tail_by_default,
    None,
    b"192.168.49.1 - - [03/Nov/2024:06:09:30 +0000] \"GET /i HTTP/1.1\" 502 150 \"-\" \"curl\" 87 0.006 [default-api-80] [] 10.244.0.12:8080, 10.244.0.13:8080 0, 0 0.001, 0.004 502, 502 0b5e8c2d",
    |ev| {
        assert_eq!(ev.class, Class::GatewayError);
        assert_eq!(ev.upstream, Some(&b"10.244.0.13:8080"[..]));
        assert_eq!(ev.upstream_group, Some(&b"default-api-80"[..]));
        let f = af(&ev);
        assert_eq!(f.upstreams.len(), 2);
        assert_eq!(f.upstreams.response_time, Some(&b"0.001, 0.004"[..]));
        assert_eq!(f.request_time, Some(Duration::from_millis(6)));
        assert_eq!(f.trailing, b"");
    }

    unknown_tail_is_kept_as_trailing,
    None,
    b"10.0.0.1 - - [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\" extra=1 more",
    |ev| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(af(&ev).trailing, b" extra=1 more");
    }

    upstream_502_with_header_time_is_upstream_5xx,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 10.0.0.9:80 502 0.020",
    |ev| { assert_eq!(ev.class, Class::Upstream5xx); }

    upstream_502_without_header_time_is_gateway_error,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 10.0.0.9:80 502 -",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    upstream_502_when_format_lacks_header_time_is_gateway_error,
    Some("$remote_addr [$time_local] \"$request\" $status $upstream_addr $upstream_status"),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 10.0.0.9:80 502",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    upstream_504_after_nginx_timeout_is_gateway_error,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 504 10.0.0.9:80 504 -",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    upstream_500_is_upstream_5xx,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 500 10.0.0.9:80 500 -",
    |ev| { assert_eq!(ev.class, Class::Upstream5xx); }

    status_different_from_upstream_is_gateway_error,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 500 10.0.0.9:80 200 0.001",
    |ev| { assert_eq!(ev.class, Class::GatewayError); }

    fivexx_without_upstream_is_proxy_error,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 503 - - -",
    |ev| {
        assert_eq!(ev.class, Class::ProxyError);
        assert_eq!(ev.upstream, None);
    }

    redirect_separates_attempts_and_final_one_decides,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 10.0.0.9:80 : 10.0.0.10:80 502 : 502 - : 0.003",
    |ev| {
        assert_eq!(ev.class, Class::Upstream5xx);
        assert_eq!(ev.upstream, Some(&b"10.0.0.10:80"[..]));
        let a: Vec<bool> = af(&ev).upstreams.attempts().map(|a| a.after_redirect).collect();
        assert_eq!(a, [false, true]);
    }

    no_live_upstreams_group_name_is_the_upstream,
    Some(UPSTREAM_FMT),
    b"10.0.0.1 [03/Nov/2024:06:09:29 +0000] \"GET / HTTP/1.1\" 502 backend 502 -",
    |ev| {
        assert_eq!(ev.class, Class::GatewayError);
        assert_eq!(ev.upstream, Some(&b"backend"[..]));
    }

    iso8601_time_and_braced_variables,
    Some("${time_iso8601} ${remote_addr} $host $server_name $status"),
    b"2024-11-03T07:09:30+01:00 10.0.0.1 - site.example 200",
    |ev| {
        assert_eq!(ev.time.unwrap().to_string(), "2024-11-03T06:09:30Z");
        assert_eq!(ev.host, Some(&b"site.example"[..]));
        assert_eq!(ev.server, Some(&b"site.example"[..]));
    }

    host_wins_over_server_name,
    Some("$host $server_name $status"),
    b"a.example b.example 200",
    |ev| {
        assert_eq!(ev.host, Some(&b"a.example"[..]));
        assert_eq!(ev.server, Some(&b"b.example"[..]));
    }

    msec_time_keeps_milliseconds,
    Some("$msec $status"),
    b"1730614169.123 200",
    |ev| { assert_eq!(ev.time.unwrap().to_string(), "2024-11-03T06:09:29.123000Z"); }

    unquoted_time_local_is_one_field,
    Some("$time_local $status $request_method $request_uri $uri $scheme $server_port $bytes_sent"),
    b"03/Nov/2024:06:09:29 +0200 201 POST /a?b=1 /a https 443 99",
    |ev| {
        assert_eq!(ev.time.unwrap().to_string(), "2024-11-03T04:09:29Z");
        assert_eq!(ev.status, Some(201));
        let f = af(&ev);
        assert_eq!(f.request_method, Some(&b"POST"[..]));
        assert_eq!(f.request_uri, Some(&b"/a?b=1"[..]));
        assert_eq!(f.uri, Some(&b"/a"[..]));
        assert_eq!(f.scheme, Some(&b"https"[..]));
        assert_eq!(f.server_port, Some(&b"443"[..]));
        assert_eq!(f.bytes_sent, Some(99));
    }

    json_escape_skips_backslash_quotes,
    Some("log_format j escape=json '{\"r\":\"$request\",\"s\":$status,\"u\":\"$upstream_addr\"}';"),
    b"{\"r\":\"GET /\\\"x\\\\\\\" HTTP/1.1\",\"s\":200,\"u\":\"10.0.0.1:80\"}",
    |ev| {
        assert_eq!(ev.request, Some(&b"GET /\\\"x\\\\\\\" HTTP/1.1"[..]));
        assert_eq!(ev.status, Some(200));
        assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
    }

    unknown_variables_are_skipped,
    Some("$remote_addr $request_length $http_x_real_ip $upstream_cache_status $status"),
    b"10.0.0.1 120 198.51.100.1 HIT, MISS 200",
    |ev| { assert_eq!(ev.status, Some(200)); }

    proxy_upstream_name_is_the_group,
    Some("[$proxy_upstream_name] $status"),
    b"[default-web-80] 200",
    |ev| { assert_eq!(ev.upstream_group, Some(&b"default-web-80"[..])); }
}

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
